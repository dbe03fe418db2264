//! A small "Copy" button that puts a text on the clipboard.
//!
//! Students copy replies and code into their own terminal and scripts all
//! the time, and selecting a multi-line `<pre>` by hand is fiddly (worse on
//! a phone). The Clipboard API needs a secure context (`https`, or
//! `127.0.0.1` as a student's own Bolide is); when it is missing, as on a
//! classroom server reached over plain `http`, the button selects the text
//! instead and says to press Ctrl+C.

use bolide_shared::pages;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

/// How long "Copied" stays on the button.
const FEEDBACK_MS: u32 = 1_500;

#[derive(Properties, PartialEq)]
pub struct CopyButtonProps {
    /// The text to copy.
    pub text: AttrValue,
    /// What the button copies, for screen readers and the tooltip
    /// ("Copy the output").
    pub label: AttrValue,
    /// The element holding the text, selected when the clipboard cannot be
    /// written.
    #[prop_or_default]
    pub fallback: NodeRef,
}

#[function_component(CopyButton)]
pub fn copy_button(props: &CopyButtonProps) -> Html {
    let feedback = use_state(|| None::<&'static str>);
    let onclick = {
        let feedback = feedback.clone();
        let text = props.text.clone();
        let fallback = props.fallback.clone();
        Callback::from(move |_: MouseEvent| {
            let feedback = feedback.clone();
            let text = text.clone();
            let fallback = fallback.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let shown = if write_clipboard(&text).await {
                    "Copied"
                } else if select_contents(&fallback) {
                    "Press Ctrl+C"
                } else {
                    "Copy failed"
                };
                feedback.set(Some(shown));
                TimeoutFuture::new(FEEDBACK_MS).await;
                feedback.set(None);
            });
        })
    };
    html! {
        <button type="button" class="copy-button" {onclick} title={props.label.clone()} aria-label={props.label.clone()}>
            <span aria-live="polite">{ feedback.unwrap_or(pages::COPY) }</span>
        </button>
    }
}

/// Writes `text` with the Clipboard API; `false` when it is unavailable or
/// refused.
async fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    // Outside a secure context `navigator.clipboard` is undefined.
    if clipboard.is_undefined() || clipboard.is_null() {
        return false;
    }
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// Selects the element's text so Ctrl+C copies it.
fn select_contents(node: &NodeRef) -> bool {
    let (Some(node), Some(window)) = (node.get(), web_sys::window()) else {
        return false;
    };
    match window.get_selection() {
        Ok(Some(selection)) => selection.select_all_children(&node).is_ok(),
        _ => false,
    }
}
