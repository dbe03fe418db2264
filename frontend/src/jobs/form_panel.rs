//! The submit form: which analysis, over which landings (class, fall,
//! year and mass ranges), with its own option (`n` for the heaviest,
//! the cell size for the density grid).
//!
//! The form checks what it can before sending (the shared
//! `JobParams::validate`, the server's own check), and shows the server's
//! message when it refuses anyway: both name the field. Number fields are
//! text inputs (with a numeric keyboard on phones): a browser's number
//! input reports a half-typed `1e` as empty, which would silently drop the
//! filter instead of saying what is wrong with it.

use bolide_shared::jobs::{Analysis, Job, CELL_DEGREES, MAX_PACE_MS, MAX_TOP_N};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::hooks::{use_submit_job, SubmitJob};
use crate::jobs::describe::analysis_blurb;
use crate::jobs::form::{FormUpdate, JobForm};

#[derive(Properties, PartialEq)]
pub struct JobFormProps {
    /// The job the server accepted (`202`).
    pub on_submitted: Callback<Job>,
}

/// An input's `oninput` that stores its value with `set`.
fn text_input(form: &UseReducerHandle<JobForm>, set: fn(&mut JobForm, String)) -> Callback<InputEvent> {
    let form = form.dispatcher();
    Callback::from(move |event: InputEvent| {
        let value = event.target_unchecked_into::<HtmlInputElement>().value();
        form.dispatch(FormUpdate::new(move |f| set(f, value)));
    })
}

/// A select's `onchange` that stores its value with `set`.
fn select_change(form: &UseReducerHandle<JobForm>, set: fn(&mut JobForm, String)) -> Callback<Event> {
    let form = form.dispatcher();
    Callback::from(move |event: Event| {
        let value = event.target_unchecked_into::<HtmlSelectElement>().value();
        form.dispatch(FormUpdate::new(move |f| set(f, value)));
    })
}

#[function_component(JobFormPanel)]
pub fn job_form_panel(props: &JobFormProps) -> Html {
    let form = use_reducer(JobForm::default);
    let SubmitJob { busy, error, submit } = use_submit_job(props.on_submitted.clone());

    let onsubmit = {
        let form = form.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            submit.emit(form.request());
        })
    };
    let on_analysis = select_change(&form, |form, value| {
        if let Some(analysis) = Analysis::from_name(&value) {
            form.analysis = analysis;
        }
    });

    let analysis = form.analysis;
    html! {
        <form class="card job-form" {onsubmit} novalidate={true} aria-labelledby="job-form-title">
            <h2 id="job-form-title">{ "Run an analysis" }</h2>
            <div class="job-form__row">
                <label class="job-field job-field--analysis">
                    <span>{ "Analysis" }</span>
                    <select id="job-analysis" onchange={on_analysis}>
                        { for Analysis::ALL.iter().map(|choice| html! {
                            <option value={choice.name()} selected={*choice == analysis}>{ choice.title() }</option>
                        }) }
                    </select>
                </label>
                <p class="job-form__blurb muted">
                    { analysis_blurb(analysis) }{ " API name: " }<code>{ analysis.name() }</code>
                </p>
            </div>
            <fieldset class="job-form__filters">
                <legend>{ "Over which landings (empty: all)" }</legend>
                <label class="job-field">
                    <span>{ "Class" }</span>
                    <input id="job-filter-class" type="text" placeholder="e.g. L6" size="8" autocomplete="off"
                        value={form.class.clone()} oninput={text_input(&form, |f, v| f.class = v)} />
                </label>
                <label class="job-field">
                    <span>{ "Fall" }</span>
                    <select id="job-filter-fall" onchange={select_change(&form, |f, v| f.fall = v)}>
                        <option value="" selected={form.fall.is_empty()}>{ "any" }</option>
                        <option value="Fell" selected={form.fall == "Fell"}>{ "Fell (seen falling)" }</option>
                        <option value="Found" selected={form.fall == "Found"}>{ "Found" }</option>
                    </select>
                </label>
                <label class="job-field">
                    <span>{ "Year from" }</span>
                    <input id="job-filter-year-min" type="text" inputmode="numeric" size="6" class="job-number"
                        value={form.year_min.clone()} oninput={text_input(&form, |f, v| f.year_min = v)} />
                </label>
                <label class="job-field">
                    <span>{ "to" }</span>
                    <input id="job-filter-year-max" type="text" inputmode="numeric" size="6" class="job-number"
                        value={form.year_max.clone()} oninput={text_input(&form, |f, v| f.year_max = v)} />
                </label>
                <label class="job-field">
                    <span>{ "Mass (g) from" }</span>
                    <input id="job-filter-mass-min" type="text" inputmode="decimal" size="8" class="job-number"
                        value={form.mass_min.clone()} oninput={text_input(&form, |f, v| f.mass_min = v)} />
                </label>
                <label class="job-field">
                    <span>{ "to" }</span>
                    <input id="job-filter-mass-max" type="text" inputmode="decimal" size="8" class="job-number"
                        value={form.mass_max.clone()} oninput={text_input(&form, |f, v| f.mass_max = v)} />
                </label>
                if analysis == Analysis::TopHeaviest {
                    <label class="job-field">
                        <span>{ format!("How many (1–{MAX_TOP_N})") }</span>
                        <input id="job-n" type="text" inputmode="numeric" size="5" class="job-number"
                            value={form.n.clone()} oninput={text_input(&form, |f, v| f.n = v)} />
                    </label>
                }
                if analysis == Analysis::DensityGrid {
                    <label class="job-field">
                        <span>{ "Cell size" }</span>
                        <select id="job-cell-degrees" onchange={select_change(&form, |f, v| f.cell_degrees = v)}>
                            { for CELL_DEGREES.iter().map(|cell| {
                                let value = cell.to_string();
                                html! {
                                    <option value={value.clone()} selected={form.cell_degrees == value}>
                                        { format!("{value}° × {value}°") }
                                    </option>
                                }
                            }) }
                        </select>
                    </label>
                }
            </fieldset>
            <label class="job-field job-field--slow">
                <input id="job-slow" type="checkbox" checked={form.slow}
                    onchange={{
                        let form = form.clone();
                        Callback::from(move |event: Event| {
                            let checked = event.target_unchecked_into::<HtmlInputElement>().checked();
                            form.dispatch(FormUpdate::new(move |f| f.slow = checked));
                        })
                    }} />
                <span>{ format!(
                    "Slowly: 10 steps of {} s, to watch it go queued → running → succeeded (\"pace_ms\": {MAX_PACE_MS})",
                    MAX_PACE_MS / 1000
                ) }</span>
            </label>
            <div class="job-form__actions">
                <button id="job-submit" type="submit" class="primary" disabled={busy}>
                    { if busy { "Submitting…" } else { "Submit the job" } }
                </button>
                if let Some(message) = error.as_ref() {
                    <p class="job-form__error" role="alert">{ message.clone() }</p>
                }
            </div>
        </form>
    }
}
