//! The submit form's model: the analysis and the text of every field as
//! typed, turned into a [`JobRequest`] only when the student submits.
//!
//! Fields stay text so a half-typed year is never lost to a re-render, and
//! so the check happens once, with one message naming the field. The
//! message for a value that parses but does not fit (a range upside down,
//! `n` too large) is `JobParams::validate`'s: the very check the server
//! runs, so the page and the API never disagree on what is valid.

use std::rc::Rc;

use bolide_shared::jobs::{
    Analysis, JobParams, JobRequest, DEFAULT_CELL_DEGREES, DEFAULT_TOP_N, MAX_PACE_MS,
};
use yew::Reducible;

use crate::state::Edit;

/// What the form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JobForm {
    pub analysis: Analysis,
    /// Exact `recclass`; empty: any.
    pub class: String,
    /// `Fell`, `Found` or empty (any).
    pub fall: String,
    pub year_min: String,
    pub year_max: String,
    pub mass_min: String,
    pub mass_max: String,
    /// `top_heaviest` only.
    pub n: String,
    /// `density_grid` only: one of `CELL_DEGREES`.
    pub cell_degrees: String,
    /// Run slowly (10 steps of [`MAX_PACE_MS`]), to watch the states change.
    pub slow: bool,
}

impl Default for JobForm {
    fn default() -> Self {
        JobForm {
            analysis: Analysis::CountPerClass,
            class: String::new(),
            fall: String::new(),
            year_min: String::new(),
            year_max: String::new(),
            mass_min: String::new(),
            mass_max: String::new(),
            n: DEFAULT_TOP_N.to_string(),
            cell_degrees: DEFAULT_CELL_DEGREES.to_string(),
            slow: false,
        }
    }
}

impl JobForm {
    /// The request to send, or a message naming the field that is wrong.
    pub fn request(&self) -> Result<JobRequest, String> {
        let params = JobParams {
            class: text(&self.class),
            fall: text(&self.fall),
            year_min: number("year_min", &self.year_min)?,
            year_max: number("year_max", &self.year_max)?,
            mass_min: number("mass_min", &self.mass_min)?,
            mass_max: number("mass_max", &self.mass_max)?,
            n: match self.analysis {
                Analysis::TopHeaviest => number("n", &self.n)?,
                _ => None,
            },
            cell_degrees: match self.analysis {
                Analysis::DensityGrid => number("cell_degrees", &self.cell_degrees)?,
                _ => None,
            },
            pace_ms: self.slow.then_some(MAX_PACE_MS),
        };
        params.validate(self.analysis)?;
        Ok(JobRequest { analysis: self.analysis, params })
    }
}

/// A change to the form, applied to the state as it is when dispatched
/// (two quick edits never undo each other).
pub type FormUpdate = Edit<JobForm>;

impl Reducible for JobForm {
    type Action = FormUpdate;

    fn reduce(self: Rc<Self>, edit: FormUpdate) -> Rc<Self> {
        edit.apply(self)
    }
}

/// A trimmed text filter; empty means "not given".
fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A number field; empty means "not given", anything else must parse.
fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<Option<T>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| format!("`{name}` must be a number, not \"{value}\""))
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
    fn an_empty_form_sends_no_params() {
        let request = JobForm::default().request();
        assert_eq!(
            request,
            Ok(JobRequest { analysis: Analysis::CountPerClass, params: JobParams::default() })
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn filters_are_trimmed_and_parsed() {
        let form = JobForm {
            analysis: Analysis::TopHeaviest,
            class: " L6 ".into(),
            fall: "Fell".into(),
            year_min: "1900".into(),
            year_max: " 2000".into(),
            mass_min: "0.5".into(),
            n: "25".into(),
            ..JobForm::default()
        };
        let params = form.request().map(|request| request.params);
        assert_eq!(
            params,
            Ok(JobParams {
                class: Some("L6".into()),
                fall: Some("Fell".into()),
                year_min: Some(1900),
                year_max: Some(2000),
                mass_min: Some(0.5),
                n: Some(25),
                ..JobParams::default()
            })
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn per_analysis_options_go_only_with_their_analysis() {
        let form = JobForm { analysis: Analysis::Hemispheres, ..JobForm::default() };
        let params = form.request().map(|request| request.params);
        assert_eq!(params, Ok(JobParams::default()));
        let grid =
            JobForm { analysis: Analysis::DensityGrid, cell_degrees: "10".into(), ..JobForm::default() };
        assert_eq!(grid.request().map(|request| request.params.cell_degrees), Ok(Some(10.0)));
        let slow = JobForm { slow: true, ..JobForm::default() };
        assert_eq!(slow.request().map(|request| request.params.pace_ms), Ok(Some(MAX_PACE_MS)));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn messages_name_the_field() {
        let cases = [
            (JobForm { year_min: "19x0".into(), ..JobForm::default() }, "year_min"),
            (JobForm { year_min: "2000".into(), year_max: "1990".into(), ..JobForm::default() }, "year_min"),
            (JobForm { mass_max: "-3".into(), ..JobForm::default() }, "mass_max"),
            (JobForm { analysis: Analysis::TopHeaviest, n: "0".into(), ..JobForm::default() }, "`n`"),
            (JobForm { analysis: Analysis::TopHeaviest, n: "ten".into(), ..JobForm::default() }, "`n`"),
            (
                JobForm { analysis: Analysis::DensityGrid, cell_degrees: "7".into(), ..JobForm::default() },
                "cell_degrees",
            ),
        ];
        for (form, named) in cases {
            let message = form.request().expect_err("a bad field");
            assert!(message.contains(named), "{form:?}: {message}");
        }
    }
}
