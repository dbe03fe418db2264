//! Loading the landings: upload a file (JSON or CSV, with an upload
//! progress bar), have the server download one (a URL, or a preset: the
//! course's sample, NASA's export), generate a synthetic set, verify what
//! Redis holds, rebuild the indexes after console edits, or delete the set;
//! then the load report, or why the file was refused.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use bolide_shared::data::presets::PRESETS;
use bolide_shared::data::MAX_GENERATE;

use super::hooks::{use_dataset_actions, Busy, DatasetActions, FetchTarget, Outcome};
use crate::api::LoadReport;
use crate::data::verify_report::VerifyReport;
use crate::widgets::charts::scale::thousands;

#[derive(Properties, PartialEq)]
pub struct DataLoadPanelProps {
    /// After the set changed (loaded, generated or deleted).
    pub on_loaded: Callback<()>,
}

fn report_html(report: &LoadReport) -> Html {
    let missing: Vec<_> = report.missing.iter().filter(|(_, n)| **n > 0).collect();
    html! {
        <div class="load-report" role="status">
            <p>
                <strong>{ format!("Loaded {} landings", report.loaded) }</strong>
                { format!(" from {}, replacing {}, in {} ms.", report.source, report.replaced, report.millis) }
            </p>
            if !report.fields.is_empty() {
                <p class="muted">{ "Fields: " }{ report.fields.join(", ") }</p>
            }
            if missing.is_empty() {
                <p class="muted">{ "Every record has every field." }</p>
            } else {
                <p>{ "Records without a field (the hash simply lacks it):" }</p>
                <ul class="load-missing">
                    { for missing.iter().map(|(field, n)| html! {
                        <li><code>{ (*field).clone() }</code>{ format!(": {n}") }</li>
                    }) }
                </ul>
            }
        </div>
    }
}

#[function_component(DataLoadPanel)]
pub fn data_load_panel(props: &DataLoadPanelProps) -> Html {
    let DatasetActions {
        busy,
        outcome,
        verification,
        upload,
        fetch,
        generate,
        delete,
        verify,
        reindex,
        refuse,
    } = use_dataset_actions(props.on_loaded.clone());
    let n_ref = use_node_ref();
    let seed_ref = use_node_ref();
    let url_ref = use_node_ref();

    let on_file = Callback::from(move |event: Event| {
        let input = event.target_unchecked_into::<HtmlInputElement>();
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        input.set_value(""); // choosing the same file again loads it again
        upload.emit(file);
    });
    let on_url = {
        let (fetch, url_ref, refuse) = (fetch.clone(), url_ref.clone(), refuse.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let url = url_ref.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            match url.trim() {
                "" => refuse.emit("Type the file's address first: https://…".to_owned()),
                url => fetch.emit(FetchTarget::Url(url.to_owned())),
            }
        })
    };
    let on_reindex = Callback::from(move |_: MouseEvent| reindex.emit(()));
    let on_generate = {
        let (n_ref, seed_ref) = (n_ref.clone(), seed_ref.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value =
                |node: &NodeRef| node.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            // Checked here, so the message is in the form's words (the
            // server's own names its parameter, `n`).
            match (value(&n_ref).trim().parse::<u64>(), value(&seed_ref).trim().parse::<u64>()) {
                (Ok(n), Ok(_)) if n > MAX_GENERATE => refuse.emit(format!(
                    "The page generates at most {} landings at a time (bolide generate, on the command line, makes any number).",
                    thousands(MAX_GENERATE)
                )),
                (Ok(n), Ok(seed)) => generate.emit((n, seed)),
                _ => refuse.emit("How many, and the seed, are whole numbers.".to_owned()),
            }
        })
    };
    // Deleting the whole set asks first, as deleting one landing does.
    let confirming_delete = use_state(|| false);
    let ask_delete = {
        let confirming = confirming_delete.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let keep_dataset = {
        let confirming = confirming_delete.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let on_delete = {
        let confirming = confirming_delete.clone();
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            delete.emit(());
        })
    };
    let on_verify = Callback::from(move |_: MouseEvent| verify.emit(()));

    let running = busy.is_some();
    let status = match busy.as_ref() {
        None => html! {},
        Some(Busy::Uploading { name, sent, total }) => {
            let done = *total > 0.0 && sent >= total;
            html! {
                <div class="load-progress" role="status">
                    <progress id="data-upload-progress" max={total.max(1.0).to_string()} value={sent.to_string()} />
                    <span>
                        if done {
                            { format!("{name}: sent; Redis is checking and loading it…") }
                        } else {
                            { format!("{name}: {} of {} KiB sent", (sent / 1024.0).round(), (total / 1024.0).round()) }
                        }
                    </span>
                </div>
            }
        }
        Some(other) => {
            let what = match other {
                Busy::Fetching(what) => {
                    format!("Bolide is downloading {what}, then checking and loading it…")
                }
                Busy::Generating => "Generating and loading…".to_owned(),
                Busy::Deleting => "Deleting…".to_owned(),
                Busy::Reindexing => "Rebuilding the indexes from the hashes…".to_owned(),
                _ => "Verifying…".to_owned(),
            };
            html! {
                <div class="load-progress" role="status"><progress /><span>{ what }</span></div>
            }
        }
    };
    let result = match outcome.as_ref() {
        None => html! {},
        Some(Outcome::Loaded(report)) => report_html(report),
        Some(Outcome::Deleted(report)) => html! {
            <p class="load-report" role="status">
                { format!("Deleted the dataset: {} landings removed in {} ms.", report.replaced, report.millis) }
            </p>
        },
        Some(Outcome::Reindexed(indexed)) => html! {
            <p class="load-report" role="status">
                { format!("Reindexed {indexed} landings: the table, filters and map now follow the hashes as they are.") }
            </p>
        },
        Some(Outcome::Rejected(message)) => html! {
            <div class="load-rejected" role="alert">
                <p><strong>{ "The file was refused; nothing was changed." }</strong></p>
                <p>{ message.clone() }</p>
            </div>
        },
        Some(Outcome::Failed(message)) => {
            html! { <p class="data-error" role="alert">{ message.clone() }</p> }
        }
    };

    html! {
        <section class="card data-load" aria-labelledby="data-load-title">
            <h2 id="data-load-title">{ "Load the landings" }</h2>
            <div class="data-load__actions">
                <label class="data-upload">
                    <span>{ "Upload NASA's JSON or CSV (or the course's sample)" }</span>
                    <input id="data-file" type="file" accept=".json,.csv,application/json,text/csv"
                        disabled={running} onchange={on_file} />
                </label>
                <form class="data-generate" onsubmit={on_generate}>
                    <label>{ "Generate " }
                        <input id="data-generate-n" ref={n_ref} type="number" min="0" max="1000000" value="1000" size="8" />
                    </label>
                    <label>{ " landings, seed " }
                        <input id="data-generate-seed" ref={seed_ref} type="number" min="0" value="1" size="5" />
                    </label>
                    <button id="data-generate-button" type="submit" disabled={running}>{ "Generate" }</button>
                </form>
                <form class="data-fetch" onsubmit={on_url}>
                    <label>
                        <span>{ "Load from a URL" }</span>
                        <input id="data-url" ref={url_ref} type="url" placeholder="https://…/Meteorite_Landings.json"
                            size="36" autocomplete="off" />
                    </label>
                    <button id="data-url-button" type="submit" disabled={running}>{ "Load" }</button>
                </form>
                <div class="data-presets">
                    { for PRESETS.iter().map(|preset| {
                        let start_fetch = fetch.clone();
                        let (name, label) = (preset.name, preset.label);
                        let onclick = Callback::from(move |_: MouseEvent| {
                            start_fetch.emit(FetchTarget::Preset { name, label })
                        });
                        html! {
                            <button id={format!("data-preset-{name}")} type="button" class="data-preset"
                                title={preset.url} disabled={running} {onclick}>
                                { label }
                            </button>
                        }
                    }) }
                    <p class="muted data-fetch-note">
                        { "Bolide's server downloads the file, so it needs the internet: on a machine that is \
                           offline these fail with a message saying so (download the file elsewhere and upload it). \
                           A class's shared Bolide loads only these presets, not any URL." }
                    </p>
                </div>
                <div class="data-load__buttons">
                    <button id="data-verify-button" type="button" disabled={running} onclick={on_verify}>{ "Verify" }</button>
                    <button id="data-reindex-button" type="button" disabled={running} onclick={on_reindex}
                        title="After changing meteorite:* hashes in the console: rebuild the indexes the table and map use">
                        { "Reindex" }
                    </button>
                    <button id="data-delete-button" type="button" class="danger" disabled={running || *confirming_delete}
                        onclick={ask_delete}>
                        { "Delete dataset" }
                    </button>
                </div>
                if *confirming_delete {
                    <div class="data-delete-confirm" role="alert">
                        <p>
                            { "Delete every landing? This removes all the " }<code>{ "meteorite:*" }</code>
                            { " hashes and Bolide's indexes of them; your other keys stay." }
                        </p>
                        <button id="data-delete-confirm" type="button" class="danger" disabled={running} onclick={on_delete}>
                            { "Delete them all" }
                        </button>
                        <button type="button" onclick={keep_dataset}>{ "Cancel" }</button>
                    </div>
                }
            </div>
            { status }
            { result }
            if let Some(report) = verification.as_ref() {
                <VerifyReport report={report.clone()} />
            }
            <details class="data-why" open=true>
                <summary>{ "Why a hash per landing, and why a bad file changes nothing" }</summary>
                <p>
                    { "Each landing is a hash, " }
                    <code>{ "HSET meteorite:1 name Aachen id 1 recclass L5 \"mass (g)\" 21 …" }</code>
                    { ", and not one JSON string, " }
                    <code>{ "SET meteorite:1 '{\"name\": \"Aachen\", \"id\": \"1\", …}'" }</code>
                    { ": Redis can then read or change a single field (" }
                    <code>{ "HGET meteorite:1 \"mass (g)\"" }</code>
                    { ") without fetching and re-parsing the whole record in your program. \
                       It also shows each field in the console as the table shows it, and lets indexes be built \
                       from single fields." }
                </p>
                <p>
                    { "A bad file changes nothing: Bolide sends the records while it checks the file, but none \
                       reaches your data unless the whole file is good; then one " }
                    <code>{ "MULTI" }</code>{ "/" }<code>{ "EXEC" }</code>
                    { " transaction swaps the old set for the new one, so readers see the old set or the new one, \
                       never a mix (ACID's atomicity)." }
                </p>
            </details>
        </section>
    }
}
