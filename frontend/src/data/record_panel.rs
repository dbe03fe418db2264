//! The clicked landing: its hash field by field (what `HGETALL` shows),
//! the Redis commands that produced the page and the record, and two
//! actions on it. **Edit** turns the values into inputs; Save sends only the
//! changed fields (`PATCH /api/data/{id}`), which is one `HSET` — shown
//! as it is typed, to run in the console instead. **Delete** asks once,
//! naming the `DEL` it runs. The `id` field stays as it is: it is the key's
//! name, and a different id would be a different landing.

use bolide_shared::cli::quote_arg;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::hooks::{use_record_actions, Mode, RecordActions, Save, Selected};
use crate::api::LandingRecord;
use crate::widgets::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct RecordPanelProps {
    pub selected: Selected,
    /// The commands behind the current page.
    pub page_commands: Vec<String>,
    pub on_close: Callback<()>,
    /// After an edit was saved: the landing as it is now.
    pub on_saved: Callback<LandingRecord>,
    /// After the landing was deleted: its id.
    pub on_deleted: Callback<String>,
}

/// The fields whose value differs from the record's.
pub fn changed_fields(original: &[(String, String)], draft: &[(String, String)]) -> Vec<(String, String)> {
    draft
        .iter()
        .filter(|(name, value)| original.iter().find(|(n, _)| n == name).is_none_or(|(_, v)| v != value))
        .cloned()
        .collect()
}

/// `HSET <key> field value …`, as redis-cli reads it.
pub fn hset_line(key: &str, fields: &[(String, String)]) -> String {
    let mut line = format!("HSET {}", quote_arg(key.as_bytes()));
    for (name, value) in fields {
        line.push(' ');
        line.push_str(&quote_arg(name.as_bytes()));
        line.push(' ');
        line.push_str(&quote_arg(value.as_bytes()));
    }
    line
}

#[function_component(RecordPanel)]
pub fn record_panel(props: &RecordPanelProps) -> Html {
    let actions_of =
        use_record_actions(props.selected.id(), props.on_saved.clone(), props.on_deleted.clone());
    let (mode, last_run) = (actions_of.mode.clone(), actions_of.last_run.clone());

    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    // Esc closes the panel, as it closes any dialog-like panel.
    let on_keydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                on_close.emit(());
            }
        })
    };
    // A landing opened from the table takes the focus, which brings the
    // panel into view (on a phone it sits below the whole table) and lets
    // the keyboard reach it at once; Esc then closes it.
    let panel_ref = use_node_ref();
    {
        let panel_ref = panel_ref.clone();
        use_effect_with(props.selected.id().to_owned(), move |_| {
            if let Some(panel) = panel_ref.cast::<web_sys::HtmlElement>() {
                let _ = panel.focus();
            }
        });
    }
    let body = match &props.selected {
        Selected::Loading(id) => html! { <p class="muted">{ format!("Reading meteorite:{id}…") }</p> },
        Selected::Failed(id, message) => html! {
            <p class="data-error" role="alert">{ format!("Landing {id}: {message}") }</p>
        },
        Selected::Loaded(landing) => {
            let landing = landing.as_ref();
            let record_commands = landing.commands.join("\n");
            let fields = match &*mode {
                Mode::Editing(draft) => edit_fields(landing, draft, &mode),
                _ => view_fields(landing),
            };
            html! {
                <>
                    { fields }
                    { actions(landing, &actions_of) }
                    { outcome(&last_run) }
                    <div class="record-commands">
                        <div class="code-block__head">
                            <h3>{ "This record, in the console" }</h3>
                            <CopyButton text={AttrValue::from(record_commands.clone())} label="Copy the record's commands" />
                        </div>
                        <pre class="command-list">{ record_commands }</pre>
                    </div>
                </>
            }
        }
    };
    let title = match &props.selected {
        Selected::Loaded(landing) => landing.key.clone(),
        Selected::Loading(id) | Selected::Failed(id, _) => format!("meteorite:{id}"),
    };
    let page_commands = props.page_commands.join("\n");
    html! {
        <section class="record-panel card" aria-live="polite" tabindex="-1" ref={panel_ref} onkeydown={on_keydown}
            aria-label="The landing's record">
            <div class="record-panel__head">
                <h3><code>{ title }</code></h3>
                <button type="button" class="record-close" onclick={on_close} aria-label="Close the record">{ "×" }</button>
            </div>
            { body }
            if !page_commands.is_empty() {
                <div class="record-commands">
                    <div class="code-block__head">
                        <h3>{ "The page it came from" }</h3>
                        <CopyButton text={AttrValue::from(page_commands.clone())} label="Copy the page's commands" />
                    </div>
                    <pre class="command-list">{ page_commands }</pre>
                </div>
            }
        </section>
    }
}

/// The hash, field by field.
fn view_fields(landing: &LandingRecord) -> Html {
    html! {
        <table class="record-fields">
            <thead><tr><th scope="col">{ "field" }</th><th scope="col">{ "value" }</th></tr></thead>
            <tbody>
                { for landing.record.0.iter().map(|(field, value)| html! {
                    <tr><th scope="row"><code>{ field.clone() }</code></th><td>{ value.clone() }</td></tr>
                }) }
            </tbody>
        </table>
    }
}

/// The hash with its values as inputs (all but `id`), and the `HSET` that
/// Save would run.
fn edit_fields(landing: &LandingRecord, draft: &[(String, String)], mode: &UseStateHandle<Mode>) -> Html {
    let changed = changed_fields(&landing.record.0, draft);
    let preview = if changed.is_empty() {
        "(change a value: its HSET appears here)".to_owned()
    } else {
        hset_line(&landing.key, &changed)
    };
    html! {
        <>
            <table class="record-fields record-fields--editing">
                <thead><tr><th scope="col">{ "field" }</th><th scope="col">{ "value" }</th></tr></thead>
                <tbody>
                    { for draft.iter().enumerate().map(|(index, (field, value))| {
                        let cell = if field == "id" {
                            html! { <td title="The id is the key's name: it cannot be edited">{ value.clone() }</td> }
                        } else {
                            let mode = mode.clone();
                            let oninput = Callback::from(move |event: InputEvent| {
                                let text = event.target_unchecked_into::<HtmlInputElement>().value();
                                if let Mode::Editing(draft) = &*mode {
                                    let mut next = draft.clone();
                                    if let Some(entry) = next.get_mut(index) {
                                        entry.1 = text;
                                    }
                                    mode.set(Mode::Editing(next));
                                }
                            });
                            html! {
                                <td>
                                    <input class="record-edit-value" type="text" data-field={field.clone()}
                                        aria-label={format!("Value of {field}")} value={value.clone()} {oninput} />
                                </td>
                            }
                        };
                        html! { <tr><th scope="row"><code>{ field.clone() }</code></th>{ cell }</tr> }
                    }) }
                </tbody>
            </table>
            <p class="record-edit-preview">{ "Save runs: " }<code>{ preview }</code></p>
        </>
    }
}

/// Edit / Delete, or Save / Cancel, or the delete confirmation.
fn actions(landing: &LandingRecord, actions: &RecordActions) -> Html {
    let mode = &actions.mode;
    let set_mode = |next: Mode| {
        let mode = mode.clone();
        Callback::from(move |_: MouseEvent| mode.set(next.clone()))
    };
    match &**mode {
        Mode::Viewing => html! {
            <div class="record-actions">
                <button type="button" class="record-edit" onclick={set_mode(Mode::Editing(landing.record.0.clone()))}>
                    { "Edit" }
                </button>
                <button type="button" class="record-delete danger" onclick={set_mode(Mode::ConfirmingDelete)}>
                    { "Delete" }
                </button>
            </div>
        },
        Mode::Editing(draft) => {
            let changed = changed_fields(&landing.record.0, draft);
            let on_save = {
                let (save, id) = (actions.save.clone(), landing.id.clone());
                let (changed, draft) = (changed.clone(), draft.clone());
                Callback::from(move |_: MouseEvent| {
                    save.emit(Save { id: id.clone(), changed: changed.clone(), draft: draft.clone() })
                })
            };
            html! {
                <div class="record-actions">
                    <button type="button" class="record-save" disabled={changed.is_empty()} onclick={on_save}>
                        { "Save" }
                    </button>
                    <button type="button" class="record-cancel" onclick={set_mode(Mode::Viewing)}>{ "Cancel" }</button>
                </div>
            }
        }
        Mode::ConfirmingDelete => {
            let on_delete = {
                let (delete, id) = (actions.delete.clone(), landing.id.clone());
                Callback::from(move |_: MouseEvent| delete.emit(id.clone()))
            };
            html! {
                <div class="record-actions record-actions--confirm" role="alert">
                    <p>
                        { "Delete this landing? This runs " }
                        <code>{ format!("DEL {}", quote_arg(landing.key.as_bytes())) }</code>
                        { "; the rest of the dataset stays." }
                    </p>
                    <button type="button" class="record-delete-confirm danger" onclick={on_delete}>{ "Delete it" }</button>
                    <button type="button" class="record-cancel" onclick={set_mode(Mode::Viewing)}>{ "Cancel" }</button>
                </div>
            }
        }
        Mode::Saving => html! { <p class="muted record-actions">{ "Saving…" }</p> },
        Mode::Deleting => html! { <p class="muted record-actions">{ "Deleting…" }</p> },
    }
}

/// The commands the last save ran, or why an action failed.
fn outcome(last_run: &Option<Result<Vec<String>, String>>) -> Html {
    match last_run {
        None => html! {},
        Some(Ok(commands)) => html! {
            <div class="record-saved" role="status">
                <p>{ "Saved. Bolide ran:" }</p>
                <pre class="command-list">{ commands.join("\n") }</pre>
            </div>
        },
        Some(Err(message)) => html! {
            <p class="data-error" role="alert">{ format!("{message} (Nothing was changed.)") }</p>
        },
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn only_changed_fields_are_sent() {
        let original = pairs(&[("name", "Aachen"), ("id", "1"), ("mass (g)", "21")]);
        let draft = pairs(&[("name", "Aachen II"), ("id", "1"), ("mass (g)", "21")]);
        assert_eq!(changed_fields(&original, &draft), pairs(&[("name", "Aachen II")]));
        assert!(changed_fields(&original, &original).is_empty());
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_hset_is_quoted_as_redis_cli_reads_it() {
        let line = hset_line("meteorite:1", &pairs(&[("name", "Aachen II"), ("mass (g)", "21")]));
        assert_eq!(line, r#"HSET meteorite:1 name "Aachen II" "mass (g)" 21"#);
    }
}
