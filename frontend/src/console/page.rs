//! The Console page: the terminal beside the code panel, over the
//! [`use_console_session`] hook.

use yew::prelude::*;

use super::session::{use_console_session, TutorialOptions};
use crate::widgets::code_panel::CodePanel;
use crate::widgets::terminal::ConsoleTerminal;

#[function_component(ConsolePage)]
pub fn console_page() -> Html {
    let console = use_console_session(TutorialOptions::default());

    html! {
        <section class="console-page">
            <header class="console-head">
                <h1>{ "Console" }</h1>
                <p class="lead">
                    { "Type Redis commands as in redis-cli; they run on your real Redis. " }
                    { "Beside each reply: the same call from a Python or Rust program." }
                </p>
            </header>
            <div class="console-layout">
                <ConsoleTerminal
                    entries={console.state.entries.clone()}
                    prompt={console.prompt.map(AttrValue::from)}
                    on_submit={console.on_submit}
                    on_clear_screen={console.on_clear_screen}
                    on_typing={console.on_typing}
                />
                <CodePanel last={console.state.last.clone()} host={AttrValue::from(console.host)} port={console.port} />
            </div>
            <p id="console-keys" class="console-keys muted">
                <kbd>{ "Enter" }</kbd>{ " runs a line · " }
                <kbd>{ "↑" }</kbd>{ " " }<kbd>{ "↓" }</kbd>{ " history · " }
                <kbd>{ "Tab" }</kbd>{ " completes a command · " }
                <kbd>{ "Ctrl" }</kbd>{ "+" }<kbd>{ "L" }</kbd>{ " clears · " }
                <code>{ "HELP SET" }</code>{ ", " }<code>{ "HELP @hash" }</code>{ " explain commands · " }
                <code>{ "TUTORIAL" }</code>{ ", " }<code>{ "NEXT" }</code>{ ", " }<code>{ "PREV" }</code>
                { " follow a guide (" }<code>{ "HELP TUTORIAL" }</code>{ ")" }
            </p>
        </section>
    }
}
