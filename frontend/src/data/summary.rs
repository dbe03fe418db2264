//! The summary strip above the table: how many landings match the current
//! filters, and their mass and year ranges (over all of them, not only the
//! page shown: the server computes [`PageStats`] from the same
//! intersection that makes the page).

use yew::prelude::*;

use crate::api::PageStats;

#[derive(Properties, PartialEq)]
pub struct DataSummaryProps {
    /// Landings matching the filters.
    pub total: u64,
    /// Landings on this page.
    pub shown: usize,
    pub stats: PageStats,
    /// e.g. `mass ↓`.
    pub sorted_by: AttrValue,
    pub loading: bool,
}

/// A mass in grams as a person reads it: `850 g`, `12.5 kg`, `60 t`.
pub fn format_mass(grams: f64) -> String {
    let (value, unit) = if grams >= 1_000_000.0 {
        (grams / 1_000_000.0, "t")
    } else if grams >= 1_000.0 {
        (grams / 1_000.0, "kg")
    } else {
        (grams, "g")
    };
    let text = if value >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    // `12.0` reads better as `12`.
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    format!("{text} {unit}")
}

/// `lo – hi`, one value when they are equal, `None` without both.
fn range<T: PartialEq + Copy>(low: Option<T>, high: Option<T>, show: impl Fn(T) -> String) -> Option<String> {
    match (low, high) {
        (Some(low), Some(high)) if low == high => Some(show(low)),
        (Some(low), Some(high)) => Some(format!("{} – {}", show(low), show(high))),
        _ => None,
    }
}

#[function_component(DataSummary)]
pub fn data_summary(props: &DataSummaryProps) -> Html {
    let total = props.total;
    let mass = range(props.stats.mass_min, props.stats.mass_max, format_mass);
    let years = range(props.stats.year_min, props.stats.year_max, |year| year.to_string());
    html! {
        <div class="data-summary" aria-live="polite">
            <span class="data-total">
                { format!("{} shown of {total} landing{}", props.shown, if total == 1 { "" } else { "s" }) }
            </span>
            if let Some(mass) = mass {
                <span class="data-stat data-stat--mass">{ " · mass " }<strong>{ mass }</strong></span>
            }
            if let Some(years) = years {
                <span class="data-stat data-stat--years">{ " · years " }<strong>{ years }</strong></span>
            }
            <span class="muted">{ format!(" · sorted by {}", props.sorted_by) }</span>
            if props.loading {
                <span class="data-loading muted">{ " · loading…" }</span>
            }
        </div>
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
    fn masses_read_like_a_person_writes_them() {
        assert_eq!(format_mass(0.15), "0.15 g");
        assert_eq!(format_mass(21.0), "21 g");
        assert_eq!(format_mass(720.6), "721 g");
        assert_eq!(format_mass(1_500.0), "1.5 kg");
        assert_eq!(format_mass(12_000.0), "12 kg");
        assert_eq!(format_mass(60_000_000.0), "60 t");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn ranges_need_both_ends() {
        assert_eq!(range(Some(860), Some(2013), |y: i32| y.to_string()), Some("860 – 2013".to_owned()));
        assert_eq!(range(Some(1990), Some(1990), |y: i32| y.to_string()), Some("1990".to_owned()));
        assert_eq!(range(None, Some(2013), |y: i32| y.to_string()), None);
    }
}
