//! "What does it cost?": a hash's `MEMORY USAGE` beside the same fields
//! as one JSON string, or a folder's keys summed (`GET /api/keys/cost`).
//!
//! Exercise 1 asks which data type to store a landing in; this shows
//! Redis's own figures for the one the student chose and the obvious other
//! one, with the commands that measured them.

use yew::prelude::*;

use super::commands::CommandList;
use super::hooks::{use_key_cost, Cost};
use crate::api::{CostTarget, KeyCost};

#[derive(Properties, PartialEq)]
pub struct CostViewProps {
    pub target: CostTarget,
    pub on_run: Callback<String>,
}

fn per_field(bytes: u64, fields: u64) -> String {
    if fields == 0 {
        "—".into()
    } else {
        format!("{:.1}", bytes as f64 / fields as f64)
    }
}

#[function_component(CostView)]
pub fn cost_view(props: &CostViewProps) -> Html {
    // A hash is a few commands: measured at once; a folder may be a
    // million keys: measured on request.
    let auto = matches!(props.target, CostTarget::Key(_));
    let (cost, measure) = use_key_cost(props.target.clone(), auto);
    let button_text = if cost.is_some() { "Measure again" } else { "Measure" };
    let measure_button = html! {
        <button type="button" class="keys-cost-measure" onclick={measure.reform(|_: MouseEvent| ())}
            disabled={matches!(cost, Some(Cost::Measuring))}>{ button_text }</button>
    };
    let body = match &cost {
        None => html! {},
        Some(Cost::Measuring) => html! { <p class="muted">{ "Measuring…" }</p> },
        Some(Cost::Failed(message)) => html! { <p class="data-error" role="alert">{ message.clone() }</p> },
        Some(Cost::Measured(found)) => match &**found {
            KeyCost::Hash(hash) => {
                let json_row = match &hash.json {
                    Some(json) => html! {
                        <tr class="keys-cost-json">
                            <th scope="row">{ format!("one JSON string ({})", json.encoding.clone().unwrap_or_default()) }</th>
                            <td class="keys-cost-bytes">{ json.bytes }</td>
                            <td>{ per_field(json.bytes, hash.fields) }</td>
                        </tr>
                    },
                    None => html! {
                        <tr><td colspan="3" class="muted">{ hash.json_note.clone().unwrap_or_default() }</td></tr>
                    },
                };
                // Bolide's own commands (its database, not the student's):
                // shown, never offered to the console.
                let scratch = hash.json.as_ref().map(|json| html! {
                    <details class="keys-cost-scratch">
                        <summary>{ "How the JSON string was measured (in Bolide's own database, then deleted)" }</summary>
                        <ul>{ for json.commands.iter().map(|c| html! { <li><code>{ c.cli.clone() }</code></li> }) }</ul>
                    </details>
                });
                html! { <>
                    <table class="keys-cost-table">
                        <thead><tr><th><span class="visually-hidden">{ "what" }</span></th><th>{ "bytes (MEMORY USAGE)" }</th><th>{ format!("per field ({})", hash.fields) }</th></tr></thead>
                        <tbody>
                            <tr class="keys-cost-hash">
                                <th scope="row">{ format!("this hash ({})", hash.encoding.clone().unwrap_or_default()) }</th>
                                <td class="keys-cost-bytes">{ hash.hash_bytes }</td>
                                <td>{ per_field(hash.hash_bytes, hash.fields) }</td>
                            </tr>
                            { json_row }
                        </tbody>
                    </table>
                    if let Some(json) = &hash.json {
                        <p class="muted keys-cost-names">{ format!(
                            "The JSON string was measured under Bolide's scratch key, a {}-byte name ({} bytes for yours): its figure carries the difference.",
                            json.scratch_key.len(),
                            hash.key.to_bytes().map(|k| k.len()).unwrap_or_default(),
                        ) }</p>
                    }
                    <p class="keys-cost-meaning">
                        { "Both include the key's name and Redis's per-key overhead. \
                           A small hash is one compact listpack, so it costs about what the JSON text does; \
                           past 128 fields or 64-byte values it becomes a hashtable and costs more. \
                           What the hash buys is access: HGET reads or HSET changes one field, while a JSON string must be read, parsed and written back whole." }
                    </p>
                    <CommandList commands={hash.commands.clone()} title="Measured with" on_run={props.on_run.clone()} />
                    { scratch }
                </> }
            }
            KeyCost::Prefix(prefix) => {
                let keys = if prefix.complete {
                    prefix.keys.to_string()
                } else {
                    format!("at least {}", prefix.keys)
                };
                let total = if prefix.estimated {
                    format!(
                        "about {} bytes (estimated from {} keys measured)",
                        prefix.total_bytes, prefix.measured
                    )
                } else {
                    format!("{} bytes", prefix.total_bytes)
                };
                html! { <>
                    <dl class="keys-facts keys-cost-prefix">
                        <dt>{ "keys" }</dt><dd class="keys-cost-keys">{ keys }</dd>
                        <dt>{ "memory" }</dt><dd class="keys-cost-bytes">{ total }</dd>
                        <dt>{ "per key" }</dt><dd>{ per_field(prefix.total_bytes, prefix.keys) }</dd>
                    </dl>
                    <p class="keys-cost-meaning">
                        { "Every key costs its name and a few dozen bytes of bookkeeping besides its value: many small keys cost more than the same data in fewer, bigger ones." }
                    </p>
                    <CommandList commands={prefix.commands.clone()} title="Measured with" on_run={props.on_run.clone()} />
                </> }
            }
        },
    };
    html! {
        <div class="keys-cost">
            <h3>{ "What does it cost? " }{ measure_button }</h3>
            { body }
        </div>
    }
}
