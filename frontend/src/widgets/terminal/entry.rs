//! One command block of the console: the prompt and the line as typed,
//! then the output exactly as redis-cli prints it.
//!
//! The output goes in a `<pre>` as text: whitespace and line breaks are
//! redis-cli's (nested arrays are aligned with spaces), and whatever a key
//! or value contains, even `<img src=x onerror=...>`, is shown as
//! characters, never parsed as markup (Yew escapes text nodes; nothing here
//! uses `inner_html`).

use std::rc::Rc;

use yew::prelude::*;

use crate::widgets::copy_button::CopyButton;

/// One command block: the prompt and line as typed, then what came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique within the page's lifetime (a Yew key).
    pub id: u64,
    /// The prompt shown when the line was run (`127.0.0.1:6379[1]>`).
    pub prompt: String,
    pub line: String,
    pub status: EntryStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryStatus {
    /// Sent, no answer yet.
    Running,
    /// What redis-cli prints; `error` when it is an error reply.
    Done { output: String, error: bool },
    /// The line could not be run (server unreachable, rate limited, Redis
    /// down): a plain message for the student.
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct ConsoleEntryProps {
    pub entry: Rc<Entry>,
}

#[function_component(ConsoleEntry)]
pub fn console_entry(props: &ConsoleEntryProps) -> Html {
    let output_ref = use_node_ref();
    let entry = &props.entry;
    let (result, copy) = match &entry.status {
        EntryStatus::Running => (
            html! {
                <div class="console-running" role="status">
                    <span class="console-running__dots" aria-hidden="true">{ "…" }</span>
                    <span class="visually-hidden">{ "Running" }</span>
                </div>
            },
            Html::default(),
        ),
        EntryStatus::Done { output, error } => (
            html! {
                <pre ref={output_ref.clone()} class={classes!("console-output", error.then_some("console-output--error"))}>{ output.clone() }</pre>
            },
            if output.is_empty() {
                Html::default()
            } else {
                html! { <CopyButton text={AttrValue::from(output.clone())} label="Copy the output" fallback={output_ref.clone()} /> }
            },
        ),
        EntryStatus::Failed(message) => (
            html! { <pre class="console-output console-output--failed" role="alert">{ message.clone() }</pre> },
            Html::default(),
        ),
    };
    html! {
        <div class="console-entry">
            <div class="console-line">
                <span class="console-entry__prompt">{ entry.prompt.clone() }</span>
                { " " }
                <span class="console-entry__command">{ entry.line.clone() }</span>
            </div>
            { result }
            { copy }
        </div>
    }
}
