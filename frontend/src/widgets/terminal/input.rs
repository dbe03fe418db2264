//! The console's input line: prompt, history (↑/↓), Tab completion,
//! redis-cli's grey argument hints, multi-line paste.
//!
//! It behaves like redis-cli's linenoise prompt so that habits carry over:
//!
//! - **Enter** runs the line; a blank line just shows the prompt again.
//! - **↑ / ↓** walk the history (kept across reloads, see
//!   [`history`]); the line being typed is
//!   kept and comes back after the newest entry.
//! - **Tab** replaces the line with the first command name that completes
//!   it, and again with the next, then the line as typed, and round again
//!   (linenoise's cycle); **Esc** goes back to the line as typed. With
//!   nothing to complete, Tab is left to the browser, so keyboard users can
//!   still move on from the input.
//! - The **hint** after the text is the command's syntax minus what is
//!   already typed ([`hint`], from the help table the console fetches
//!   at the first key: see [`help_table`]), drawn in an overlay aligned with the input's
//!   text so it appears right after the cursor.
//! - **Ctrl+L** clears the screen, as in redis-cli.
//! - A **paste** with several lines runs each complete line in order and
//!   leaves the last, unfinished one in the input.
//!
//! The text is read back from the element on every key, not only from the
//! component's state: browser automation and some IMEs change the value
//! without an `input` event, and the line that runs must be the one shown.

use bolide_shared::pages;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, HtmlInputElement};
use yew::prelude::*;

use super::help_table::{self, complete, hint};
use super::history;
use super::line::{Completion, InputAction, InputState};

/// How many completion candidates are listed under the input.
const SHOWN_CANDIDATES: usize = 40;

#[derive(Properties, PartialEq)]
pub struct ConsoleInputProps {
    /// The prompt (`127.0.0.1:6379>`); `None` while it is not known yet.
    pub prompt: Option<AttrValue>,
    /// Lines to run, in order.
    pub on_submit: Callback<Vec<String>>,
    /// Ctrl+L.
    pub on_clear_screen: Callback<()>,
    /// Told on every key and paste: the console fetches the help table the
    /// first time ([`help_table`] says why then).
    pub on_typing: Callback<()>,
    /// The `<input>`, for the terminal to focus.
    #[prop_or_default]
    pub input_ref: NodeRef,
}

/// What the input line draws and the handlers of its element's events.
struct InputLine {
    state: UseReducerHandle<InputState>,
    layer_ref: NodeRef,
    oninput: Callback<InputEvent>,
    onchange: Callback<Event>,
    onkeydown: Callback<KeyboardEvent>,
    onkeyup: Callback<KeyboardEvent>,
    onpaste: Callback<Event>,
    onscroll: Callback<Event>,
}

/// The line's state, its effects (load and store the history, the caret
/// after the console set the text, the hint overlay's scroll) and the
/// keys, paste and typing that drive it.
#[hook]
fn use_input_line(props: &ConsoleInputProps) -> InputLine {
    let state = use_reducer(InputState::default);
    let input_ref = props.input_ref.clone();
    let layer_ref = use_node_ref();

    // The stored history, once.
    {
        let state = state.clone();
        use_effect_with((), move |_| state.dispatch(InputAction::Load(history::load())));
    }
    // Store it whenever it changed.
    {
        let lines = state.history.clone();
        use_effect_with(state.stored, move |stored| {
            if *stored > 0 {
                history::save(&lines);
            }
        });
    }
    // After the console set the text, the caret goes to its end.
    {
        let input_ref = input_ref.clone();
        let text = state.text.clone();
        use_effect_with(state.moved, move |moved| {
            if let (true, Some(input)) = (*moved > 0, input_ref.cast::<HtmlInputElement>()) {
                if input.value() != text {
                    input.set_value(&text);
                }
                let end = u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX);
                let _ = input.set_selection_range(end, end);
            }
        });
    }
    // Keep the hint overlay scrolled like the input.
    {
        let input_ref = input_ref.clone();
        let layer_ref = layer_ref.clone();
        use_effect(move || sync_scroll(&input_ref, &layer_ref));
    }

    let current_text = {
        let input_ref = input_ref.clone();
        let state = state.clone();
        move || {
            input_ref
                .cast::<HtmlInputElement>()
                .map(|input| input.value())
                .unwrap_or_else(|| state.text.clone())
        }
    };

    let oninput = {
        let state = state.clone();
        let current_text = current_text.clone();
        Callback::from(move |_: InputEvent| state.dispatch(InputAction::Typed(current_text())))
    };
    let onchange = {
        let state = state.clone();
        let current_text = current_text.clone();
        Callback::from(move |_: Event| {
            let text = current_text();
            if text != state.text {
                state.dispatch(InputAction::Typed(text));
            }
        })
    };
    let onkeydown = {
        let state = state.clone();
        let on_submit = props.on_submit.clone();
        let on_clear_screen = props.on_clear_screen.clone();
        let on_typing = props.on_typing.clone();
        let current_text = current_text.clone();
        Callback::from(move |event: KeyboardEvent| {
            on_typing.emit(());
            if event.is_composing() {
                return;
            }
            let text = current_text();
            let plain = !event.ctrl_key() && !event.alt_key() && !event.meta_key();
            match event.key().as_str() {
                "Enter" if plain && !event.shift_key() => {
                    event.prevent_default();
                    on_submit.emit(vec![text.clone()]);
                    state.dispatch(InputAction::Submit { lines: vec![text], rest: String::new() });
                }
                "Tab"
                    if plain
                        && !event.shift_key()
                        && help_table::get().is_none()
                        && !text.trim().is_empty() =>
                {
                    // The table is on its way (asked for at the first key):
                    // Tab completes once it is here, if the line is the same.
                    event.prevent_default();
                    let (state, current_text) = (state.clone(), current_text.clone());
                    help_table::when_here(Callback::from(move |_| {
                        if current_text() == text {
                            state.dispatch(InputAction::Complete(text.clone()));
                        }
                    }));
                }
                "Tab" if plain && !event.shift_key() => {
                    let cycling = state.completion.is_some() && text == state.text;
                    if cycling || !complete(&text).is_empty() {
                        event.prevent_default();
                        state.dispatch(InputAction::Complete(text));
                    }
                }
                "ArrowUp" | "ArrowDown" if plain => {
                    event.prevent_default();
                    if text != state.text {
                        state.dispatch(InputAction::Typed(text));
                    }
                    let up = event.key() == "ArrowUp";
                    state.dispatch(if up { InputAction::Up } else { InputAction::Down });
                }
                "Escape" if state.completion.is_some() => {
                    event.prevent_default();
                    state.dispatch(InputAction::Escape);
                }
                "l" | "L" if event.ctrl_key() && !event.alt_key() && !event.meta_key() => {
                    event.prevent_default();
                    on_clear_screen.emit(());
                }
                _ => {}
            }
        })
    };
    let onpaste = {
        let state = state.clone();
        let on_submit = props.on_submit.clone();
        let on_typing = props.on_typing.clone();
        let input_ref = input_ref.clone();
        Callback::from(move |event: Event| {
            on_typing.emit(());
            let Some(pasted) = event
                .dyn_ref::<ClipboardEvent>()
                .and_then(ClipboardEvent::clipboard_data)
                .and_then(|data| data.get_data("text").ok())
            else {
                return;
            };
            if !pasted.contains(['\n', '\r']) {
                return; // one line: the browser pastes it
            }
            let Some(input) = input_ref.cast::<HtmlInputElement>() else { return };
            event.prevent_default();
            let value = input.value();
            let start = input.selection_start().ok().flatten().map(|at| utf16_to_byte(&value, at));
            let end = input.selection_end().ok().flatten().map(|at| utf16_to_byte(&value, at));
            let (start, end) = (start.unwrap_or(value.len()), end.unwrap_or(value.len()));
            let (lines, rest) = split_paste(&value, start.min(end), end.max(start), &pasted);
            if !lines.is_empty() {
                on_submit.emit(lines.clone());
            }
            state.dispatch(InputAction::Submit { lines, rest });
        })
    };
    let onscroll = {
        let input_ref = input_ref.clone();
        let layer_ref = layer_ref.clone();
        Callback::from(move |_: Event| sync_scroll(&input_ref, &layer_ref))
    };
    let onkeyup = {
        let input_ref = input_ref.clone();
        let layer_ref = layer_ref.clone();
        Callback::from(move |_: KeyboardEvent| sync_scroll(&input_ref, &layer_ref))
    };

    InputLine { state, layer_ref, oninput, onchange, onkeydown, onkeyup, onpaste, onscroll }
}

#[function_component(ConsoleInput)]
pub fn console_input(props: &ConsoleInputProps) -> Html {
    let InputLine { state, layer_ref, oninput, onchange, onkeydown, onkeyup, onpaste, onscroll } =
        use_input_line(props);
    let input_ref = props.input_ref.clone();
    // Renders again when the help table arrives, so the hint appears.
    let _help = help_table::use_help_table();
    let hint_text = hint(&state.text).unwrap_or_default();
    let prompt = match &props.prompt {
        Some(prompt) => {
            html! { <label for="console-input" class="console-prompt">{ prompt.clone() }</label> }
        }
        None => {
            html! { <label for="console-input" class="console-prompt-pending">{ pages::PROMPT_PENDING }</label> }
        }
    };
    html! {
        <>
            <div class="console-input-line">
                { prompt }
                <div class="console-input-wrap">
                    <div class="console-hint-layer" ref={layer_ref} aria-hidden="true">
                        <span class="console-hint-typed">{ state.text.clone() }</span>
                        <span class="console-hint">{ hint_text }</span>
                    </div>
                    <input
                        id="console-input"
                        ref={input_ref}
                        type="text"
                        value={state.text.clone()}
                        {oninput}
                        {onchange}
                        {onkeydown}
                        {onkeyup}
                        {onpaste}
                        {onscroll}
                        autocomplete="off"
                        autocapitalize="off"
                        autocorrect="off"
                        spellcheck="false"
                        enterkeyhint="send"
                        aria-label="Redis command"
                        aria-describedby="console-keys"
                    />
                </div>
            </div>
            { completions(state.completion.as_ref()) }
        </>
    }
}

/// The candidates of a Tab completion in progress, the current one marked.
fn completions(completion: Option<&Completion>) -> Html {
    let Some(completion) = completion.filter(|c| c.candidates.len() > 1) else {
        return Html::default();
    };
    let more = completion.candidates.len().saturating_sub(SHOWN_CANDIDATES);
    html! {
        <ul class="console-completions" role="listbox" aria-label="Completions">
            { for completion.candidates.iter().take(SHOWN_CANDIDATES).enumerate().map(|(i, candidate)| {
                let current = completion.index == Some(i);
                html! {
                    <li role="option" aria-selected={current.to_string()}
                        class={classes!("console-completions__item", current.then_some("console-completions__item--current"))}>
                        { candidate.clone() }
                    </li>
                }
            }) }
            if more > 0 {
                <li class="console-completions__more">{ format!("… {more} more") }</li>
            }
        </ul>
    }
}

/// Scrolls the hint overlay horizontally with the input, so the hint stays
/// right after the text of a long line.
fn sync_scroll(input_ref: &NodeRef, layer_ref: &NodeRef) {
    if let (Some(input), Some(layer)) =
        (input_ref.cast::<HtmlInputElement>(), layer_ref.cast::<web_sys::Element>())
    {
        layer.set_scroll_left(input.scroll_left());
    }
}

/// The byte offset in `text` of a UTF-16 offset (what the DOM's selection
/// offsets count).
pub fn utf16_to_byte(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (byte, c) in text.char_indices() {
        if units >= utf16 {
            return byte;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    text.len()
}

/// Inserts `pasted` into `value` in place of `value[start..end]` and splits
/// the result into the complete lines to run (blank ones dropped) and the
/// unfinished last line, which stays in the input.
pub fn split_paste(value: &str, start: usize, end: usize, pasted: &str) -> (Vec<String>, String) {
    let before = value.get(..start).unwrap_or(value);
    let after = value.get(end..).unwrap_or_default();
    let combined = format!("{before}{pasted}{after}").replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = combined.split('\n').map(str::to_owned).collect();
    let rest = lines.pop().unwrap_or_default();
    lines.retain(|line| !line.trim().is_empty());
    (lines, rest)
}
