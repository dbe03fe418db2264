//! The selected key: its type, encoding, TTL (set, persist), `MEMORY
//! USAGE` and length; its value ([`ValueView`], paged; a sorted set by rank
//! or by score, [`ScoreRange`]); the element editors
//! ([`ElementEditor`]); for a hash, what it costs ([`CostView`]); rename and delete (which asks first); and the
//! commands that read it and that the last edit ran.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::commands::CommandList;
use super::cost_view::CostView;
use super::element_editor::ElementEditor;
use super::hooks::{Outcome, Selected, VALUE_PAGE};
use super::score_range::ScoreRange;
use super::tree_level::ttl_text;
use super::value_view::ValueView;
use crate::api::{Blob, CostTarget, KeyEdit};

#[derive(Properties, PartialEq)]
pub struct KeyPanelProps {
    pub key_name: Blob,
    pub selected: Option<Selected>,
    pub last_edit: Option<Outcome>,
    pub on_edit: Callback<KeyEdit>,
    pub on_run: Callback<String>,
    /// Moves the value's page.
    pub on_offset: Callback<u64>,
    pub on_close: Callback<()>,
    /// A sorted set read by score (`None`: by rank).
    pub by_score: Option<(String, String)>,
    pub on_by_score: Callback<Option<(String, String)>>,
}

#[function_component(KeyPanel)]
pub fn key_panel(props: &KeyPanelProps) -> Html {
    let ttl_input = use_node_ref();
    let rename_input = use_node_ref();
    let confirming = use_state(|| false);
    {
        let confirming = confirming.clone();
        use_effect_with(props.key_name.clone(), move |_| confirming.set(false));
    }
    let key = props.key_name.clone();
    let edit = |make: fn(Blob, String) -> Option<KeyEdit>, input: &NodeRef| {
        let (on_edit, key, input) = (props.on_edit.clone(), key.clone(), input.clone());
        Callback::from(move |_: MouseEvent| {
            let text = input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if let Some(edit) = make(key.clone(), text) {
                on_edit.emit(edit);
            }
        })
    };
    let set_ttl = edit(
        |key, seconds| {
            let seconds = seconds.trim().parse::<f64>().ok().filter(|s| *s > 0.0 && s.is_finite())?;
            Some(KeyEdit::Expire { key, ttl_ms: ((seconds * 1000.0).round() as u64).max(1) })
        },
        &ttl_input,
    );
    let persist = edit(|key, _| Some(KeyEdit::Persist { key }), &ttl_input);
    let rename = edit(
        |key, new_name| {
            (!new_name.is_empty()).then(|| KeyEdit::Rename { key, new_key: new_name.as_str().into() })
        },
        &rename_input,
    );
    let ask_delete = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let cancel_delete = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let delete = {
        let (on_edit, key) = (props.on_edit.clone(), key.clone());
        Callback::from(move |_: MouseEvent| on_edit.emit(KeyEdit::Delete { key: key.clone() }))
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    let body = match &props.selected {
        None | Some(Selected::Loading) => html! { <p class="muted">{ "Reading…" }</p> },
        Some(Selected::Failed(message)) => {
            html! { <p class="data-error" role="alert">{ message.clone() }</p> }
        }
        Some(Selected::Loaded(value)) => {
            let pages = {
                let (offset, length, on_offset) = (value.offset, value.length, props.on_offset.clone());
                let paged = value.kind != "string" && length > VALUE_PAGE;
                let prev = on_offset.reform(move |_: MouseEvent| offset.saturating_sub(VALUE_PAGE));
                let next = on_offset.reform(move |_: MouseEvent| offset + VALUE_PAGE);
                html! {
                    if paged {
                        <p class="keys-pager">
                            <button type="button" disabled={offset == 0} onclick={prev}>{ "← Previous" }</button>
                            { format!(" {}–{} of {} ", offset + 1, (offset + VALUE_PAGE).min(length), length) }
                            <button type="button" disabled={offset + VALUE_PAGE >= length} onclick={next}>{ "Next →" }</button>
                        </p>
                    }
                }
            };
            html! { <>
                <dl class="keys-facts">
                    <dt>{ "type" }</dt><dd class="keys-fact-type">{ value.kind.clone() }</dd>
                    <dt>{ "encoding" }</dt><dd>{ value.encoding.clone().unwrap_or_default() }</dd>
                    <dt>{ "TTL" }</dt><dd class="keys-fact-ttl">{ match value.ttl_ms {
                        Some(ms) => format!("{} ({ms} ms)", ttl_text(Some(ms))),
                        None => ttl_text(None),
                    } }</dd>
                    <dt>{ "memory" }</dt><dd>{ value.memory_bytes.map(|b| format!("{b} bytes (MEMORY USAGE)")).unwrap_or_default() }</dd>
                    <dt>{ "length" }</dt><dd>{ value.length }</dd>
                </dl>
                <div class="keys-key-actions">
                    <label>{ "TTL in seconds " }<input id="keys-ttl" type="number" min="1" ref={ttl_input.clone()} /></label>
                    <button type="button" class="keys-expire" onclick={set_ttl}>{ "Set TTL (PEXPIRE)" }</button>
                    <button type="button" class="keys-persist" onclick={persist} disabled={value.ttl_ms.is_none()}>{ "Persist (PERSIST)" }</button>
                    <label>{ "New name " }<input id="keys-rename" type="text" ref={rename_input.clone()} /></label>
                    <button type="button" class="keys-rename" onclick={rename}>{ "Rename (RENAMENX)" }</button>
                    if *confirming {
                        <span class="keys-confirm" role="alert">
                            { "Delete it for good? This runs " }<code>{ format!("DEL {}", bolide_shared::cli::quote_arg(&props.key_name.to_bytes().unwrap_or_default())) }</code>
                            <button type="button" class="keys-delete-yes" onclick={delete}>{ "Delete" }</button>
                            <button type="button" onclick={cancel_delete}>{ "Keep it" }</button>
                        </span>
                    } else {
                        <button type="button" class="keys-delete" onclick={ask_delete}>{ "Delete…" }</button>
                    }
                </div>
                <ElementEditor key_name={props.key_name.clone()} kind={AttrValue::from(value.kind.clone())} on_edit={props.on_edit.clone()} />
                if value.kind == "zset" {
                    <ScoreRange range={props.by_score.clone()} on_change={props.on_by_score.clone()} />
                }
                { pages.clone() }
                <ValueView value={value.clone()} by_score={props.by_score.is_some()} />
                { pages }
                if value.kind == "hash" {
                    <CostView target={CostTarget::Key(props.key_name.clone())} on_run={props.on_run.clone()} />
                }
                <CommandList commands={value.commands.clone()} title="Read with" on_run={props.on_run.clone()} />
            </> }
        }
    };
    let outcome = match &props.last_edit {
        None => html! {},
        Some(Outcome::Refused(message)) => {
            html! { <p class="data-error keys-outcome" role="alert">{ message.clone() }</p> }
        }
        Some(Outcome::Ran(commands)) => html! {
            <CommandList commands={commands.clone()} title="The last edit ran" on_run={props.on_run.clone()} />
        },
    };
    html! {
        <section class="keys-panel card" aria-label="The selected key">
            <div class="record-panel__head">
                <h3><code class="keys-panel__name">{ props.key_name.display() }</code></h3>
                <button type="button" class="record-close" onclick={on_close} aria-label="Close the key">{ "×" }</button>
            </div>
            { outcome }
            { body }
        </section>
    }
}
