//! A job's parameters in a few words, for the list and the details
//! (`class L6 · Fell · years 1900–2000 · top 10`).

use bolide_shared::jobs::{Analysis, JobParams, DEFAULT_CELL_DEGREES, DEFAULT_TOP_N};

use crate::widgets::charts::scale::mass;

/// The filters and options of a job, or "all landings".
pub fn params_summary(analysis: Analysis, params: &JobParams) -> String {
    let mut parts = Vec::new();
    if let Some(class) = &params.class {
        parts.push(format!("class {class}"));
    }
    if let Some(fall) = &params.fall {
        parts.push(fall.clone());
    }
    match (params.year_min, params.year_max) {
        (Some(min), Some(max)) if min == max => parts.push(format!("year {min}")),
        (Some(min), Some(max)) => parts.push(format!("years {min}–{max}")),
        (Some(min), None) => parts.push(format!("years ≥ {min}")),
        (None, Some(max)) => parts.push(format!("years ≤ {max}")),
        (None, None) => {}
    }
    match (params.mass_min, params.mass_max) {
        (Some(min), Some(max)) => parts.push(format!("{}–{}", mass(min), mass(max))),
        (Some(min), None) => parts.push(format!("≥ {}", mass(min))),
        (None, Some(max)) => parts.push(format!("≤ {}", mass(max))),
        (None, None) => {}
    }
    let filtered = !parts.is_empty();
    match analysis {
        Analysis::TopHeaviest => parts.push(format!("top {}", params.n.unwrap_or(DEFAULT_TOP_N))),
        Analysis::DensityGrid => {
            parts.push(format!("{}° cells", params.cell_degrees.unwrap_or(DEFAULT_CELL_DEGREES)))
        }
        _ => {}
    }
    if !filtered {
        parts.insert(0, "all landings".to_owned());
    }
    if let Some(pace) = params.pace_ms {
        parts.push(format!("slowly ({pace} ms a step)"));
    }
    parts.join(" · ")
}

/// What an analysis computes, in one sentence, under the form's select.
pub fn analysis_blurb(analysis: Analysis) -> &'static str {
    match analysis {
        Analysis::AverageMass => {
            "The mean of the mass (g) field over the landings that have one (the first of the three analyses the module's exercises ask for)."
        }
        Analysis::Hemispheres => {
            "Landings north or south of the equator, east or west of Greenwich (the second of the three analyses the module's exercises ask for)."
        }
        Analysis::CountPerClass => {
            "How many landings each recclass (meteorite class) has (the third of the three analyses the module's exercises ask for)."
        }
        Analysis::PerYear => "A histogram of landings per year, and per decade.",
        Analysis::FellFound => "Landings seen falling against landings found later.",
        Analysis::MassDistribution => "Masses in powers-of-ten bins: 1–10 g, 10–100 g, …",
        Analysis::TopHeaviest => "The N heaviest landings, heaviest first.",
        Analysis::DensityGrid => "Landings per latitude × longitude cell, drawn as a heat map.",
        Analysis::DataQuality => {
            "Records with missing or suspicious values: no mass, (0, 0) places, future years…"
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn summaries() {
        assert_eq!(params_summary(Analysis::AverageMass, &JobParams::default()), "all landings");
        assert_eq!(params_summary(Analysis::TopHeaviest, &JobParams::default()), "all landings · top 10");
        let params = JobParams {
            class: Some("L6".into()),
            fall: Some("Fell".into()),
            year_min: Some(1900),
            year_max: Some(2000),
            mass_min: Some(1_000.0),
            cell_degrees: Some(10.0),
            ..JobParams::default()
        };
        assert_eq!(
            params_summary(Analysis::DensityGrid, &params),
            "class L6 · Fell · years 1900–2000 · ≥ 1 kg · 10° cells"
        );
    }
}
