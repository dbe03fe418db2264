//! A result as files to download: the JSON exactly as the API documents
//! it, and one CSV table per analysis for a spreadsheet or pandas.
//!
//! CSV follows RFC 4180 (a field with a comma, a quote or a line break is
//! quoted, quotes doubled). Text that comes from the student's data (names,
//! classes, ids) could start with `=`, `+`, `-` or `@`, which a spreadsheet
//! would run as a formula; such text gets a leading `'`, as OWASP advises
//! for CSV injection. Numbers are written as numbers.

use bolide_shared::jobs::{Analysis, AnalysisResult, JobResults, QUALITY_PROBLEMS};

use crate::jobs::series::classes_by_count;

/// The download's name without extension: `bolide-count_per_class-<job id>`.
pub fn file_stem(results: &JobResults) -> String {
    let id: String = results
        .job_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(64)
        .collect();
    format!("bolide-{}-{id}", analysis_of(&results.result).name())
}

/// The result as pretty JSON, in the API's shape.
pub fn json(results: &JobResults) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
}

/// The result as one CSV table, header first.
pub fn csv(results: &JobResults) -> String {
    let mut table = Table::default();
    match &results.result {
        AnalysisResult::AverageMass(result) => {
            table.header(&["measure", "value"]);
            table.row(vec![text("with_mass"), result.with_mass.to_string()]);
            table.row(vec![text("without_mass"), result.without_mass.to_string()]);
            table.row(vec![text("average_mass_g"), optional(result.average_mass_g)]);
            table.row(vec![text("total_mass_g"), result.total_mass_g.to_string()]);
            table.row(vec![text("min_mass_g"), optional(result.min_mass_g)]);
            table.row(vec![text("max_mass_g"), optional(result.max_mass_g)]);
        }
        AnalysisResult::Hemispheres(result) => {
            table.header(&["hemisphere", "count"]);
            for (name, count) in [
                ("northern_eastern", result.northern_eastern),
                ("northern_western", result.northern_western),
                ("southern_eastern", result.southern_eastern),
                ("southern_western", result.southern_western),
                ("without_coordinates", result.without_coordinates),
                ("southern_western_at_0_0", result.at_zero_zero),
            ] {
                table.row(vec![text(name), count.to_string()]);
            }
        }
        AnalysisResult::CountPerClass(result) => {
            table.header(&["recclass", "count"]);
            for bar in classes_by_count(&result.counts) {
                table.row(vec![text(&bar.label), bar.value.to_string()]);
            }
            if result.without_class > 0 {
                table.row(vec![String::new(), result.without_class.to_string()]);
            }
        }
        AnalysisResult::PerYear(result) => {
            table.header(&["bin", "year", "count"]);
            for (bin, counts) in [("year", &result.years), ("decade", &result.decades)] {
                for count in counts {
                    table.row(vec![text(bin), count.year.to_string(), count.count.to_string()]);
                }
            }
            table.row(vec![text("without_year"), String::new(), result.without_year.to_string()]);
        }
        AnalysisResult::FellFound(result) => {
            table.header(&["fall", "count"]);
            table.row(vec![text("Fell"), result.fell.to_string()]);
            table.row(vec![text("Found"), result.found.to_string()]);
            for (value, count) in &result.other {
                table.row(vec![text(value), count.to_string()]);
            }
            if result.without_fall > 0 {
                table.row(vec![String::new(), result.without_fall.to_string()]);
            }
        }
        AnalysisResult::MassDistribution(result) => {
            table.header(&["bin", "lower_g", "upper_g", "count"]);
            for bin in &result.bins {
                table.row(vec![
                    text("range"),
                    bin.lower_g.to_string(),
                    bin.upper_g.to_string(),
                    bin.count.to_string(),
                ]);
            }
            table.row(vec![text("zero_mass"), "0".into(), "0".into(), result.zero_mass.to_string()]);
            table.row(vec![
                text("without_mass"),
                String::new(),
                String::new(),
                result.without_mass.to_string(),
            ]);
        }
        AnalysisResult::TopHeaviest(result) => {
            table.header(&["rank", "id", "name", "recclass", "mass_g", "year", "fall"]);
            for (rank, landing) in result.landings.iter().enumerate() {
                table.row(vec![
                    (rank + 1).to_string(),
                    text(&landing.id),
                    optional_text(landing.name.as_deref()),
                    optional_text(landing.recclass.as_deref()),
                    landing.mass_g.to_string(),
                    landing.year.map(|year| year.to_string()).unwrap_or_default(),
                    optional_text(landing.fall.as_deref()),
                ]);
            }
        }
        AnalysisResult::DensityGrid(result) => {
            table.header(&["lat_south", "long_west", "cell_degrees", "count"]);
            for cell in &result.cells {
                table.row(vec![
                    cell.lat.to_string(),
                    cell.long.to_string(),
                    result.cell_degrees.to_string(),
                    cell.count.to_string(),
                ]);
            }
        }
        AnalysisResult::DataQuality(result) => {
            table.header(&["problem", "description", "count", "example_ids"]);
            for (code, description) in QUALITY_PROBLEMS {
                let count = result.counts.get(code).copied().unwrap_or(0);
                let examples: Vec<&str> = result
                    .examples
                    .iter()
                    .filter(|issue| issue.problem == code)
                    .map(|issue| issue.id.as_str())
                    .collect();
                table.row(vec![text(code), text(description), count.to_string(), text(&examples.join(" "))]);
            }
            // Problems this page does not know yet (a newer server).
            for (code, count) in &result.counts {
                if !QUALITY_PROBLEMS.iter().any(|(known, _)| known == code) {
                    table.row(vec![text(code), String::new(), count.to_string(), String::new()]);
                }
            }
        }
    }
    table.0
}

/// The analysis a result answers.
pub fn analysis_of(result: &AnalysisResult) -> Analysis {
    match result {
        AnalysisResult::AverageMass(_) => Analysis::AverageMass,
        AnalysisResult::Hemispheres(_) => Analysis::Hemispheres,
        AnalysisResult::CountPerClass(_) => Analysis::CountPerClass,
        AnalysisResult::PerYear(_) => Analysis::PerYear,
        AnalysisResult::FellFound(_) => Analysis::FellFound,
        AnalysisResult::MassDistribution(_) => Analysis::MassDistribution,
        AnalysisResult::TopHeaviest(_) => Analysis::TopHeaviest,
        AnalysisResult::DensityGrid(_) => Analysis::DensityGrid,
        AnalysisResult::DataQuality(_) => Analysis::DataQuality,
    }
}

/// CSV text being written, one `\r\n`-terminated line per row (RFC 4180).
#[derive(Default)]
struct Table(String);

impl Table {
    fn header(&mut self, names: &[&str]) {
        self.row(names.iter().map(|name| (*name).to_owned()).collect());
    }

    /// Fields already made safe by [`text`] or written as numbers.
    fn row(&mut self, fields: Vec<String>) {
        self.0.push_str(&fields.join(","));
        self.0.push_str("\r\n");
    }
}

/// A text field: neutralised if a spreadsheet would read it as a formula,
/// quoted if it holds a separator, a quote or a line break.
fn text(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn optional_text(value: Option<&str>) -> String {
    value.map(text).unwrap_or_default()
}

fn optional(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use std::collections::BTreeMap;

    use super::*;
    use bolide_shared::jobs::{CountPerClass, HeavyLanding, TopHeaviest};

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    fn results(result: AnalysisResult) -> JobResults {
        JobResults { job_id: "j/1".into(), records: 3, computed_at: 1, result }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn classes_are_listed_by_count_with_the_missing_ones_last() {
        let result = results(AnalysisResult::CountPerClass(CountPerClass {
            counts: BTreeMap::from([("H5".to_owned(), 1), ("L6".to_owned(), 2)]),
            without_class: 4,
        }));
        assert_eq!(csv(&result), "recclass,count\r\nL6,2\r\nH5,1\r\n,4\r\n");
        assert_eq!(file_stem(&result), "bolide-count_per_class-j_1");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn text_is_quoted_and_formulas_are_neutralised() {
        assert_eq!(text("plain"), "plain");
        assert_eq!(text("a, b"), "\"a, b\"");
        assert_eq!(text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        let result = results(AnalysisResult::TopHeaviest(TopHeaviest {
            n: 1,
            landings: vec![HeavyLanding {
                id: "11890".into(),
                name: Some("Hoba, Namibia".into()),
                recclass: Some("Iron, IVB".into()),
                mass_g: 60_000_000.0,
                year: Some(1920),
                fall: None,
            }],
        }));
        let lines: Vec<String> = csv(&result).lines().map(str::to_owned).collect();
        assert_eq!(lines[1], "1,11890,\"Hoba, Namibia\",\"Iron, IVB\",60000000,1920,");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn json_is_the_api_shape() {
        let result = results(AnalysisResult::CountPerClass(CountPerClass {
            counts: BTreeMap::from([("L6".to_owned(), 2)]),
            without_class: 0,
        }));
        let value: serde_json::Value = serde_json::from_str(&json(&result)).expect("json");
        assert_eq!(value["analysis"], "count_per_class");
        assert_eq!(value["counts"]["L6"], 2);
    }
}
