//! The terminal: the command blocks so far, then the input line, in one
//! scrolling box that follows the newest output, as a terminal window does.
//!
//! A click in the terminal puts the cursor in the input (as clicking a
//! terminal window does), unless the click was the end of a text selection
//! (selecting output to copy it must keep working) or on a button.

pub mod entry;
pub mod help_table;
pub mod history;
pub mod input;
pub mod line;

use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use entry::{ConsoleEntry, Entry, EntryStatus};
use input::ConsoleInput;

#[derive(Properties, PartialEq)]
pub struct ConsoleTerminalProps {
    pub entries: Vec<Rc<Entry>>,
    /// The prompt for the next line; `None` while it is not known.
    pub prompt: Option<AttrValue>,
    pub on_submit: Callback<Vec<String>>,
    pub on_clear_screen: Callback<()>,
    /// Told on every key and paste in the input (the console fetches its
    /// help table at the first: see [`help_table`]).
    pub on_typing: Callback<()>,
}

#[function_component(ConsoleTerminal)]
pub fn console_terminal(props: &ConsoleTerminalProps) -> Html {
    let screen_ref = use_node_ref();
    let input_ref = use_node_ref();

    // Follow the newest output: scroll down when a block is added or the
    // last one gets its answer.
    let last_done =
        props.entries.last().map(|entry| (entry.id, !matches!(entry.status, EntryStatus::Running)));
    {
        let screen_ref = screen_ref.clone();
        use_effect_with((props.entries.len(), last_done), move |_| {
            if let Some(screen) = screen_ref.cast::<HtmlElement>() {
                screen.set_scroll_top(screen.scroll_height());
            }
        });
    }
    // The input has the focus when the page opens, without scrolling to
    // it: on a phone a guide's console is below the step, and the page
    // jumped past the guide's introduction to it (and the step's Python,
    // drawn again at the top of the screen, became the page's largest
    // paint: README, "The browser app's weight", session 28).
    {
        let input_ref = input_ref.clone();
        use_effect_with((), move |_| {
            if let Some(input) = input_ref.cast::<HtmlElement>() {
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = input.focus_with_options(&options);
            }
        });
    }

    let onclick = {
        let input_ref = input_ref.clone();
        Callback::from(move |event: MouseEvent| {
            let selecting = web_sys::window()
                .and_then(|window| window.get_selection().ok().flatten())
                .is_some_and(|selection| !selection.is_collapsed());
            // A copy button keeps the focus (keyboard users come back to it).
            let on_control = event
                .target_dyn_into::<web_sys::Element>()
                .and_then(|target| target.closest("button, a, input").ok().flatten())
                .is_some();
            if !selecting && !on_control {
                if let Some(input) = input_ref.cast::<HtmlElement>() {
                    let _ = input.focus();
                }
            }
        })
    };

    html! {
        <div class="console-terminal" ref={screen_ref} {onclick}>
            <div class="console-screen" role="log" aria-live="polite" aria-label="Console output">
                { for props.entries.iter().map(|entry| html! { <ConsoleEntry key={entry.id} entry={entry.clone()} /> }) }
            </div>
            <ConsoleInput
                prompt={props.prompt.clone()}
                on_submit={props.on_submit.clone()}
                on_clear_screen={props.on_clear_screen.clone()}
                on_typing={props.on_typing.clone()}
                {input_ref}
            />
        </div>
    }
}
