//! The Console page: the terminal beside the code panel, over the
//! [`use_console_session`] hook.

use bolide_shared::pages;
use yew::prelude::*;

use super::session::{use_console_session, TutorialOptions};
use crate::widgets::code_panel::CodePanel;
use crate::widgets::inline_code::{inline_code, inline_parts};
use crate::widgets::terminal::ConsoleTerminal;

#[function_component(ConsolePage)]
pub fn console_page() -> Html {
    let console = use_console_session(TutorialOptions::default());

    html! {
        <section class="console-page">
            <header class="console-head">
                <h1>{ pages::CONSOLE.title }</h1>
                <p class="lead">{ inline_code(pages::CONSOLE.lead) }</p>
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
            <p id="console-keys" class="console-keys muted">{ inline_parts(pages::CONSOLE_KEYS) }</p>
        </section>
    }
}
