//! A text box's draft: what the student typed, kept across re-renders.
//!
//! Yew treats `<input value={…}>` as a controlled input: every render of
//! the input writes its `value` into the box when the box's text differs.
//! A box whose `value` is a committed setting (a query, a score range) and
//! that commits only on a click, Enter or `change` is therefore wiped back
//! to the committed setting by any render between the typing and the
//! commit, and the pages that follow the student's data re-render every few
//! seconds and after every console line. [`use_draft`] keeps the typed text
//! (each keystroke) and gives it back as the box's `value`, so a render
//! writes back exactly what the box shows; when the committed value itself
//! changes (a reset, another key), the draft follows it.

use web_sys::HtmlInputElement;
use yew::prelude::*;

struct Draft {
    committed: String,
    text: String,
}

/// The `value` to render a box with, and its `oninput`: the text typed
/// since `committed` last changed, else `committed`.
#[hook]
pub fn use_draft(committed: &str) -> (String, Callback<InputEvent>) {
    let draft = use_mut_ref(|| Draft { committed: committed.to_owned(), text: committed.to_owned() });
    let text = {
        let mut draft = draft.borrow_mut();
        if draft.committed != committed {
            draft.committed = committed.to_owned();
            draft.text = committed.to_owned();
        }
        draft.text.clone()
    };
    let oninput = Callback::from(move |event: InputEvent| {
        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
            // No render needed: the box already shows it.
            draft.borrow_mut().text = input.value();
        }
    });
    (text, oninput)
}
