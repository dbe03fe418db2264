//! `data_quality`'s result: every problem Bolide looks for, what it means,
//! how many records have it, and a few of them by id, name and offending
//! value — the records to fix, or to filter out before trusting an average.

use bolide_shared::jobs::{DataQuality, QUALITY_PROBLEMS};
use yew::prelude::*;

use crate::widgets::charts::scale::thousands;

#[derive(Properties, PartialEq)]
pub struct JobQualityProps {
    pub result: DataQuality,
}

/// A description with its `field names` in back-quotes shown as code.
fn with_code(text: &str) -> Html {
    html! {
        { for text.split('`').enumerate().map(|(i, part)| {
            if i % 2 == 1 { html! { <code>{ part.to_owned() }</code> } } else { html! { { part.to_owned() } } }
        }) }
    }
}

#[function_component(JobQuality)]
pub fn job_quality(props: &JobQualityProps) -> Html {
    let result = &props.result;
    // Known problems in the documented order, then any newer ones.
    let mut problems: Vec<(String, String)> =
        QUALITY_PROBLEMS.iter().map(|(code, what)| ((*code).to_owned(), (*what).to_owned())).collect();
    for code in result.counts.keys() {
        if !problems.iter().any(|(known, _)| known == code) {
            problems.push((code.clone(), String::new()));
        }
    }
    let rows = problems.iter().map(|(code, what)| {
        let count = result.counts.get(code).copied().unwrap_or(0);
        let examples: Vec<_> = result.examples.iter().filter(|issue| &issue.problem == code).collect();
        html! {
            <tr data-problem={code.clone()} class={classes!((count == 0).then_some("muted"))}>
                <th scope="row"><code>{ code.clone() }</code></th>
                <td>{ with_code(what) }</td>
                <td class="num">{ thousands(count) }</td>
                <td>
                    if examples.is_empty() {
                        { "—" }
                    } else {
                        <details>
                            <summary>{ format!("{} example{}", examples.len(), if examples.len() == 1 { "" } else { "s" }) }</summary>
                            <ul class="job-quality__examples">
                                { for examples.iter().map(|issue| html! {
                                    <li>
                                        <code>{ issue.id.clone() }</code>
                                        { format!(" {}", issue.name.as_deref().unwrap_or("(no name)")) }
                                        if let Some(value) = &issue.value {
                                            { " · value " }<code>{ value.clone() }</code>
                                        }
                                    </li>
                                }) }
                            </ul>
                        </details>
                    }
                </td>
            </tr>
        }
    });
    html! {
        <div class="job-table-wrap">
            <table id="chart-data-quality" class="job-table">
                <thead>
                    <tr>
                        <th scope="col">{ "problem" }</th>
                        <th scope="col">{ "meaning" }</th>
                        <th scope="col" class="num">{ "records" }</th>
                        <th scope="col">{ "examples" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}
