//! `top_heaviest`'s result: a ranked table of the heaviest landings, the
//! mass both exact (grams, as in the data) and readable (`60 t`).

use bolide_shared::jobs::TopHeaviest;
use yew::prelude::*;

use crate::widgets::charts::scale::{mass, thousands};

#[derive(Properties, PartialEq)]
pub struct JobHeaviestProps {
    pub result: TopHeaviest,
}

fn cell(value: Option<String>) -> Html {
    match value {
        Some(value) => html! { <td>{ value }</td> },
        None => html! { <td class="absent" title="this record has no such field">{ "—" }</td> },
    }
}

#[function_component(JobHeaviest)]
pub fn job_heaviest(props: &JobHeaviestProps) -> Html {
    let landings = &props.result.landings;
    html! {
        <div class="job-table-wrap">
            <table id="chart-top-heaviest" class="job-table">
                <caption class="muted">
                    { format!("The {} heaviest landings (asked for {}), heaviest first.", landings.len(), props.result.n) }
                </caption>
                <thead>
                    <tr>
                        <th scope="col" class="num">{ "#" }</th>
                        <th scope="col">{ "name" }</th>
                        <th scope="col">{ "id" }</th>
                        <th scope="col">{ "class" }</th>
                        <th scope="col" class="num">{ "mass (g)" }</th>
                        <th scope="col" class="num">{ "mass" }</th>
                        <th scope="col">{ "year" }</th>
                        <th scope="col">{ "fall" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for landings.iter().enumerate().map(|(rank, landing)| html! {
                        <tr data-id={landing.id.clone()}>
                            <td class="num">{ rank + 1 }</td>
                            { cell(landing.name.clone()) }
                            <td><code>{ landing.id.clone() }</code></td>
                            { cell(landing.recclass.clone()) }
                            <td class="num">{ format_grams(landing.mass_g) }</td>
                            <td class="num">{ mass(landing.mass_g) }</td>
                            { cell(landing.year.map(|year| year.to_string())) }
                            { cell(landing.fall.clone()) }
                        </tr>
                    }) }
                    if landings.is_empty() {
                        <tr class="job-empty"><td colspan="8">{ "No landing with a mass matches the filters." }</td></tr>
                    }
                </tbody>
            </table>
        </div>
    }
}

/// Whole grams with thousands separators; fractions as they are.
fn format_grams(grams: f64) -> String {
    if grams.fract() == 0.0 && (0.0..1e15).contains(&grams) {
        thousands(grams as u64)
    } else {
        grams.to_string()
    }
}
