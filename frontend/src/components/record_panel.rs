//! The clicked landing: its hash field by field (what `HGETALL` shows),
//! and the Redis commands that produced the page and the record.

use yew::prelude::*;

use crate::components::copy_button::CopyButton;
use crate::pages::data::Selected;

#[derive(Properties, PartialEq)]
pub struct RecordPanelProps {
    pub selected: Selected,
    /// The commands behind the current page.
    pub page_commands: Vec<String>,
    pub on_close: Callback<()>,
}

#[function_component(RecordPanel)]
pub fn record_panel(props: &RecordPanelProps) -> Html {
    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let body = match &props.selected {
        Selected::Loading(id) => html! { <p class="muted">{ format!("Reading meteorite:{id}…") }</p> },
        Selected::Failed(id, message) => html! {
            <p class="data-error" role="alert">{ format!("Landing {id}: {message}") }</p>
        },
        Selected::Loaded(landing) => {
            let record_commands = landing.commands.join("\n");
            html! {
                <>
                    <table class="record-fields">
                        <thead><tr><th scope="col">{ "field" }</th><th scope="col">{ "value" }</th></tr></thead>
                        <tbody>
                            { for landing.record.0.iter().map(|(field, value)| html! {
                                <tr><th scope="row"><code>{ field.clone() }</code></th><td>{ value.clone() }</td></tr>
                            }) }
                        </tbody>
                    </table>
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
        <section class="record-panel card" aria-live="polite">
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
