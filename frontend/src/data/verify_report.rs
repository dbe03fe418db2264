//! What `GET /api/data/verify` found: the key count against the loaded
//! file's object count, records missing or extra, hashes with fields
//! missing or extra, and the commands a student would type to check it.

use yew::prelude::*;

use crate::api::Verification;

/// Lists longer than this are cut, with a count of the rest.
const MAX_LISTED: usize = 50;

#[derive(Properties, PartialEq)]
pub struct VerifyReportProps {
    pub report: Verification,
}

fn ids(title: &str, ids: &[String]) -> Html {
    if ids.is_empty() {
        return html! {};
    }
    let mut text = ids.iter().take(MAX_LISTED).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > MAX_LISTED {
        text.push_str(&format!(" … and {} more", ids.len() - MAX_LISTED));
    }
    html! { <p><strong>{ format!("{title} ({}): ", ids.len()) }</strong>{ text }</p> }
}

fn fields(title: &str, rows: &[(String, Vec<String>)]) -> Html {
    if rows.is_empty() {
        return html! {};
    }
    html! {
        <div>
            <strong>{ format!("{title} ({} records)", rows.len()) }</strong>
            <ul class="verify-fields">
                { for rows.iter().take(MAX_LISTED).map(|(id, names)| html! {
                    <li><code>{ format!("meteorite:{id}") }</code>{ ": " }{ names.join(", ") }</li>
                }) }
                if rows.len() > MAX_LISTED {
                    <li class="muted">{ format!("… and {} more", rows.len() - MAX_LISTED) }</li>
                }
            </ul>
        </div>
    }
}

#[function_component(VerifyReport)]
pub fn verify_report(props: &VerifyReportProps) -> Html {
    let r = &props.report;
    let expected = r.expected.map_or_else(|| "nothing loaded yet".to_owned(), |n| n.to_string());
    html! {
        <section class={classes!("verify-report", if r.ok { "verify-ok" } else { "verify-bad" })} aria-live="polite">
            <h3>{ if r.ok { "✔ Verified: Redis holds exactly what was loaded" } else { "✘ Not verified" } }</h3>
            <p>
                { "Expected records: " }<strong>{ expected }</strong>
                { " · found hashes: " }<strong>{ r.found.to_string() }</strong>
            </p>
            { ids("Missing records", &r.missing_records) }
            { ids("Extra records", &r.extra_records) }
            { fields("Hashes missing fields", &r.missing_fields) }
            { fields("Hashes with extra fields", &r.extra_fields) }
            { ids("Records whose values changed", &r.changed_values) }
            if !r.commands.is_empty() {
                <p class="muted">{ "Check it yourself in the console:" }</p>
                <pre class="command-list">{ r.commands.join("\n") }</pre>
            }
        </section>
    }
}
