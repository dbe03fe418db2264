//! Results turned into what the charts draw: labelled bars, and columns on
//! a numeric axis (years, or powers of ten of grams).
//!
//! The charts stay generic (a bar is a label and a count); the choices a
//! reader cares about live here, where they are tested: the 20 biggest
//! classes and one "other" bar, the order of the fall values, a decade's
//! label, a mass bin's edges on a log axis.

use std::collections::BTreeMap;

use bolide_shared::jobs::{DensityGrid, FellFound, Hemispheres, MassDistribution, YearCount};

use crate::widgets::charts::scale::{cell_label, power_of_ten_mass, thousands};
use crate::widgets::charts::{Bar, Column};

/// How many classes the class chart shows before "other".
pub const TOP_CLASSES: usize = 20;

/// Every class by count, largest first (ties by name).
pub fn classes_by_count(counts: &BTreeMap<String, u64>) -> Vec<Bar> {
    let mut bars: Vec<Bar> = counts.iter().map(|(class, count)| Bar::new(class.clone(), *count)).collect();
    bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    bars
}

/// The `top` largest classes, then one "other" bar summing the rest.
pub fn class_bars(counts: &BTreeMap<String, u64>, top: usize) -> Vec<Bar> {
    let mut bars = classes_by_count(counts);
    if bars.len() > top {
        let rest = bars.split_off(top);
        let sum = rest.iter().map(|bar| bar.value).sum();
        bars.push(Bar::muted(format!("other ({} classes)", thousands(rest.len() as u64)), sum));
    }
    bars
}

/// Fell, Found, any other `fall` value, then the landings without one.
pub fn fell_found_bars(result: &FellFound) -> Vec<Bar> {
    let mut bars = vec![Bar::new("Fell", result.fell), Bar::new("Found", result.found)];
    bars.extend(result.other.iter().map(|(value, count)| Bar::new(format!("\"{value}\""), *count)));
    if result.without_fall > 0 {
        bars.push(Bar::muted("no fall field", result.without_fall));
    }
    bars
}

/// The four quadrants, north-west first as on a map. The landings without
/// coordinates are not a quadrant: the chart's caption counts them, so the
/// shares here and on the chart are of the same total.
pub fn hemisphere_bars(result: &Hemispheres) -> Vec<Bar> {
    vec![
        Bar::new("North-West", result.northern_western),
        Bar::new("North-East", result.northern_eastern),
        Bar::new("South-West", result.southern_western),
        Bar::new("South-East", result.southern_eastern),
    ]
}

/// Years (`width` 1) or decades (`width` 10) as columns on a year axis.
pub fn year_columns(counts: &[YearCount], width: i32) -> Vec<Column> {
    counts
        .iter()
        .map(|bin| Column {
            start: f64::from(bin.year),
            end: f64::from(bin.year) + f64::from(width),
            value: bin.count,
            label: if width == 10 { format!("{}s", bin.year) } else { bin.year.to_string() },
        })
        .collect()
}

/// Mass bins as columns on a log₁₀ axis (a bin from 10ᵏ to 10ᵏ⁺¹ g spans
/// `k..k+1`).
pub fn mass_columns(result: &MassDistribution) -> Vec<Column> {
    result
        .bins
        .iter()
        .filter(|bin| bin.lower_g > 0.0 && bin.upper_g > bin.lower_g)
        .map(|bin| {
            let (start, end) = (bin.lower_g.log10().round(), bin.upper_g.log10().round());
            Column {
                start,
                end,
                value: bin.count,
                label: format!("{} to {}", power_of_ten_mass(start as i32), power_of_ten_mass(end as i32)),
            }
        })
        .collect()
}

/// The mass axis's ticks: every power of ten the bins span.
pub fn mass_ticks(columns: &[Column]) -> Vec<(f64, String)> {
    let (Some(first), Some(last)) = (columns.first(), columns.last()) else {
        return Vec::new();
    };
    (first.start as i32..=last.end as i32).map(|k| (f64::from(k), power_of_ten_mass(k))).collect()
}

/// The busiest cells of a density grid, as bars labelled by their edges.
pub fn busiest_cells(grid: &DensityGrid, top: usize) -> Vec<Bar> {
    let mut cells = grid.cells.clone();
    cells.sort_by(|a, b| b.count.cmp(&a.count).then(a.lat.total_cmp(&b.lat)).then(a.long.total_cmp(&b.long)));
    cells
        .iter()
        .take(top)
        .map(|cell| Bar::new(cell_label(cell.lat, cell.long, grid.cell_degrees), cell.count))
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;
    use bolide_shared::jobs::{GridCell, MassBin};

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_biggest_classes_then_other() {
        let counts: BTreeMap<String, u64> = [("L6", 50), ("H5", 40), ("CM2", 3), ("LL5", 40), ("Iron", 1)]
            .into_iter()
            .map(|(class, n)| (class.to_owned(), n))
            .collect();
        let bars = class_bars(&counts, 3);
        let shown: Vec<(&str, u64, bool)> =
            bars.iter().map(|b| (b.label.as_str(), b.value, b.muted)).collect();
        assert_eq!(
            shown,
            vec![("L6", 50, false), ("H5", 40, false), ("LL5", 40, false), ("other (2 classes)", 4, true)]
        );
        assert_eq!(class_bars(&counts, 5).len(), 5, "no 'other' when every class fits");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn fall_bars_keep_odd_values_and_missing_ones() {
        let result =
            FellFound { fell: 3, found: 9, other: BTreeMap::from([("Seen".to_owned(), 1)]), without_fall: 2 };
        let labels: Vec<String> = fell_found_bars(&result).into_iter().map(|b| b.label).collect();
        assert_eq!(labels, vec!["Fell", "Found", "\"Seen\"", "no fall field"]);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn decades_span_ten_years() {
        let counts = [YearCount { year: 1880, count: 4 }, YearCount { year: 1900, count: 1 }];
        let columns = year_columns(&counts, 10);
        assert_eq!((columns[0].start, columns[0].end, columns[0].label.as_str()), (1880.0, 1890.0, "1880s"));
        assert_eq!(year_columns(&counts, 1)[1].label, "1900");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn mass_bins_sit_on_powers_of_ten() {
        let result = MassDistribution {
            bins: vec![
                MassBin { lower_g: 0.1, upper_g: 1.0, count: 2 },
                MassBin { lower_g: 1.0, upper_g: 10.0, count: 0 },
                MassBin { lower_g: 10.0, upper_g: 100.0, count: 7 },
            ],
            zero_mass: 1,
            without_mass: 0,
        };
        let columns = mass_columns(&result);
        let spans: Vec<(f64, f64)> = columns.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(spans, vec![(-1.0, 0.0), (0.0, 1.0), (1.0, 2.0)]);
        assert_eq!(columns[0].label, "100 mg to 1 g");
        let ticks: Vec<String> = mass_ticks(&columns).into_iter().map(|(_, label)| label).collect();
        assert_eq!(ticks, vec!["100 mg", "1 g", "10 g", "100 g"]);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn cells_are_named_by_their_edges() {
        assert_eq!(cell_label(30.0, -110.0, 5.0), "lat 30°N–35°N, long 110°W–105°W");
        assert_eq!(cell_label(-5.0, -5.0, 5.0), "lat 5°S–0°, long 5°W–0°");
        let grid = DensityGrid {
            cell_degrees: 10.0,
            cells: vec![
                GridCell { lat: 0.0, long: 0.0, count: 2 },
                GridCell { lat: -80.0, long: 150.0, count: 9 },
                GridCell { lat: 10.0, long: 0.0, count: 2 },
            ],
            max_count: 9,
            without_coordinates: 0,
        };
        let values: Vec<u64> = busiest_cells(&grid, 2).into_iter().map(|b| b.value).collect();
        assert_eq!(values, vec![9, 2]);
    }
}
