//! What the table asks `GET /api/data` for: page, size, sort and filters.
//!
//! Filter inputs keep the text the student typed. The ranges are checked
//! here first ([`DataQuery::form_error`]), so a bad one is named as the page
//! labels it ("Year from must be a number"), not by its API parameter
//! (`year_min`), and no request is sent; the backend checks every parameter
//! again anyway.
//!
//! The class filter matches whatever the case: what is typed is looked up
//! in the loaded set's classes ([`resolve_class`]: `l6` is `L6`), and the
//! request names the class as the data spells it.

use std::rc::Rc;

use yew::Reducible;

use crate::api::ClassCount;
use crate::state::Edit;

/// The columns the backend can sort by.
pub const SORT_KEYS: [&str; 4] = ["name", "id", "mass", "year"];
/// The page sizes offered.
pub const PAGE_SIZES: [u64; 3] = [25, 50, 100];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataQuery {
    /// 1-based.
    pub page: u64,
    pub size: u64,
    /// One of [`SORT_KEYS`].
    pub sort: String,
    pub descending: bool,
    /// Class (`recclass`) as the data spells it ([`resolve_class`]), e.g.
    /// `L6`; empty: any.
    pub class: String,
    /// `Fell`, `Found` or empty (any).
    pub fall: String,
    /// `Valid`, `Relict` (a weathered remnant) or empty (any).
    pub nametype: String,
    /// Only landings with coordinates.
    pub has_coords: bool,
    pub year_min: String,
    pub year_max: String,
    pub mass_min: String,
    pub mass_max: String,
    /// Name substring (case-insensitive on the server).
    pub q: String,
}

impl Default for DataQuery {
    fn default() -> Self {
        DataQuery {
            page: 1,
            size: 25,
            sort: "id".to_owned(),
            descending: false,
            class: String::new(),
            fall: String::new(),
            nametype: String::new(),
            has_coords: false,
            year_min: String::new(),
            year_max: String::new(),
            mass_min: String::new(),
            mass_max: String::new(),
            q: String::new(),
        }
    }
}

impl DataQuery {
    /// The query parameters, without the empty ones.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("page", self.page.to_string()),
            ("size", self.size.to_string()),
            ("sort", self.sort.clone()),
            ("order", if self.descending { "desc" } else { "asc" }.to_owned()),
        ];
        let texts = [
            ("class", &self.class),
            ("fall", &self.fall),
            ("nametype", &self.nametype),
            ("year_min", &self.year_min),
            ("year_max", &self.year_max),
            ("mass_min", &self.mass_min),
            ("mass_max", &self.mass_max),
            ("q", &self.q),
        ];
        for (name, value) in texts {
            let value = value.trim();
            if !value.is_empty() {
                params.push((name, value.to_owned()));
            }
        }
        if self.has_coords {
            params.push(("has_coords", "true".to_owned()));
        }
        params
    }

    /// What is wrong with the year or mass range as typed, worded with the
    /// page's labels; `None` when both can be sent.
    pub fn form_error(&self) -> Option<String> {
        range_error("Year from", "Year to", &self.year_min, &self.year_max)
            .or_else(|| range_error("Mass (g) from", "Mass (g) to", &self.mass_min, &self.mass_max))
    }

    /// A click on a sortable header: the same column flips the order, a
    /// new column sorts ascending. Back to the first page either way.
    pub fn sorted_by(&self, key: &str) -> DataQuery {
        let mut next = self.clone();
        if self.sort == key {
            next.descending = !self.descending;
        } else {
            next.sort = key.to_owned();
            next.descending = false;
        }
        next.page = 1;
        next
    }
}

/// A change to the query, applied to the state as it is when dispatched
/// (so a debounced search never undoes a filter set in the meantime).
pub type QueryUpdate = Edit<DataQuery>;

impl Reducible for DataQuery {
    type Action = QueryUpdate;

    fn reduce(self: Rc<Self>, edit: QueryUpdate) -> Rc<Self> {
        edit.apply(self)
    }
}

/// A range's problem: a bound that is not a number, or a low bound above
/// the high one. Empty bounds are open ends.
fn range_error(from_label: &str, to_label: &str, from: &str, to: &str) -> Option<String> {
    let number = |label: &str, text: &str| -> Result<Option<f64>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Some(value)),
            _ => Err(format!("{label} must be a number (it is \u{201c}{text}\u{201d}).")),
        }
    };
    match (number(from_label, from), number(to_label, to)) {
        (Err(message), _) | (_, Err(message)) => Some(message),
        (Ok(Some(low)), Ok(Some(high))) if low > high => Some(format!(
            "{from_label} ({}) is after {to_label} ({}): swap them, or clear one.",
            from.trim(),
            to.trim()
        )),
        _ => None,
    }
}

/// The class to ask for when the student typed `typed`: the loaded set's
/// own spelling of it when one matches whatever the case (the most common
/// one, should two differ only in case), else the text as typed (a class
/// the list does not have finds nothing, which the table says).
pub fn resolve_class(typed: &str, classes: &[ClassCount]) -> String {
    let typed = typed.trim();
    if typed.is_empty() || classes.iter().any(|c| c.class == typed) {
        return typed.to_owned();
    }
    let lower = typed.to_lowercase();
    classes
        .iter()
        .find(|c| c.class.to_lowercase() == lower)
        .map_or_else(|| typed.to_owned(), |c| c.class.clone())
}

/// How many pages `total` landings make (at least one, for "page 1 of 1").
pub fn page_count(total: u64, size: u64) -> u64 {
    total.div_ceil(size.max(1)).max(1)
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
    fn default_params_skip_empty_filters() {
        let params = DataQuery::default().params();
        assert_eq!(
            params,
            vec![
                ("page", "1".to_owned()),
                ("size", "25".to_owned()),
                ("sort", "id".to_owned()),
                ("order", "asc".to_owned())
            ]
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn filters_become_params() {
        let query = DataQuery {
            class: " L6 ".into(),
            fall: "Fell".into(),
            nametype: "Relict".into(),
            has_coords: true,
            year_min: "1900".into(),
            q: "allan".into(),
            ..DataQuery::default()
        };
        let params = query.params();
        assert!(params.contains(&("class", "L6".to_owned())));
        assert!(params.contains(&("fall", "Fell".to_owned())));
        assert!(params.contains(&("nametype", "Relict".to_owned())));
        assert!(params.contains(&("has_coords", "true".to_owned())));
        assert!(params.contains(&("year_min", "1900".to_owned())));
        assert!(params.contains(&("q", "allan".to_owned())));
        assert!(!params.iter().any(|(name, _)| *name == "mass_max"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn sorting_toggles_and_resets_the_page() {
        let query = DataQuery { page: 4, ..DataQuery::default() };
        let by_mass = query.sorted_by("mass");
        assert_eq!((by_mass.sort.as_str(), by_mass.descending, by_mass.page), ("mass", false, 1));
        let flipped = by_mass.sorted_by("mass");
        assert!(flipped.descending);
        assert!(!flipped.sorted_by("mass").descending);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn range_errors_use_the_page_labels() {
        let query = |year_min: &str, year_max: &str| DataQuery {
            year_min: year_min.into(),
            year_max: year_max.into(),
            ..DataQuery::default()
        };
        assert_eq!(query("", "").form_error(), None);
        assert_eq!(query("1900", "").form_error(), None);
        assert_eq!(query(" 1900 ", "1900").form_error(), None);
        let error = query("abc", "").form_error().expect("an error");
        assert!(error.starts_with("Year from must be a number"), "{error}");
        let error = query("", "inf").form_error().expect("an error");
        assert!(error.starts_with("Year to must be a number"), "{error}");
        let error = query("2000", "1900").form_error().expect("an error");
        assert!(error.starts_with("Year from (2000) is after Year to (1900)"), "{error}");
        let mass = DataQuery { mass_min: "heavy".into(), ..DataQuery::default() };
        assert!(mass.form_error().expect("an error").starts_with("Mass (g) from must be a number"));
        for error in [query("x", "").form_error(), query("3", "1").form_error(), mass.form_error()] {
            let error = error.expect("an error");
            assert!(!error.contains("year_") && !error.contains("mass_"), "{error}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn classes_match_whatever_the_case() {
        let classes: Vec<ClassCount> = [("L6", 80), ("H5", 40), ("Iron, IIAB", 3), ("h5", 1)]
            .map(|(class, count)| ClassCount { class: class.into(), count })
            .into();
        assert_eq!(resolve_class("l6", &classes), "L6");
        assert_eq!(resolve_class(" iron, iiab ", &classes), "Iron, IIAB");
        assert_eq!(resolve_class("h5", &classes), "h5", "an exact spelling wins");
        assert_eq!(resolve_class("H5", &classes), "H5");
        assert_eq!(resolve_class("nosuch", &classes), "nosuch");
        assert_eq!(resolve_class("", &classes), "");
        assert_eq!(resolve_class("l6", &[]), "l6", "before the list came");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn page_counts() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(2000, 100), 20);
    }
}
