//! Handing over from `index.html`'s loading shell (`<div id="boot">`) to
//! the app.
//!
//! The server fills the shell with the page's first content, its heading
//! and lead, in the page's own markup (`backend/src/boot_shell/` says
//! why: the largest paint then comes with the HTML). The app replaces it
//! in place: the shell goes just before the app's first render, which Yew
//! runs before the browser paints again, so there is no blank frame and no
//! frame with both ([`take_at_mount`]).
//!
//! A guide's shell shows its title, progress, introduction and the
//! learner's step (as far as its Python), which the guide page draws only
//! once its `GET /api/guides/{id}` has answered: the server marks that
//! shell `data-hold`, the app's own elements stay hidden while it is there
//! (style.css, `#boot[data-hold] ~ …`), and the page calls
//! [`release`] when it draws the guide (or says it could not). Yew empties
//! `<body>` when it mounts there, so a held shell is taken out for the
//! mount and put back before the app's first render, which Yew runs a
//! microtask later, before the browser paints ([`take_at_mount`],
//! [`put_back`]).

use web_sys::Element;

/// Takes the shell out of the page before Yew mounts: `Some` when it is
/// held, to [`put_back`] once Yew has mounted; otherwise it is gone.
pub fn take_at_mount() -> Option<Element> {
    let boot = shell()?;
    boot.remove();
    boot.has_attribute("data-hold").then_some(boot)
}

/// Puts a held shell back at the start of `<body>`, before the app's
/// elements (which style.css then hides).
pub fn put_back(boot: Option<Element>) {
    let body = web_sys::window().and_then(|window| window.document()).and_then(|document| document.body());
    if let (Some(boot), Some(body)) = (boot, body) {
        let _ = body.prepend_with_node_1(&boot);
    }
}

/// Removes the shell, held or not; nothing once it is gone.
pub fn release() {
    if let Some(boot) = shell() {
        boot.remove();
    }
}

fn shell() -> Option<Element> {
    web_sys::window()?.document()?.get_element_by_id("boot")
}
