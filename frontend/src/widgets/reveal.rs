//! Bringing a panel into view when something far from it changed it: a
//! job or a landing opened from a list whose details sit below the whole
//! list on a phone, a guide's console whose output appears below the step.
//!
//! Only a panel out of sight scrolls: on a wide screen, where it already
//! sits beside the list, nothing moves. The panels' CSS gives them a
//! `scroll-margin-top` so the sticky top bar does not cover their top.

use web_sys::{Element, ScrollIntoViewOptions, ScrollLogicalPosition};

/// Whether the element is in sight: its top below `above` (the sticky
/// bar's height) and either all of it within the window or its top in the
/// window's upper third (a tall panel, read from the top down).
fn in_sight(element: &Element, above: f64) -> bool {
    let Some(height) = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()) else {
        return true;
    };
    let rect = element.get_bounding_client_rect();
    rect.top() >= above && (rect.bottom() <= height || rect.top() <= height / 3.0)
}

/// Scrolls `element` to the top of the window (under the top bar) unless
/// it is already in sight.
pub fn reveal(element: &Element) {
    let bar = element
        .owner_document()
        .and_then(|d| d.query_selector("header.topbar").ok().flatten())
        .map_or(0.0, |bar| bar.get_bounding_client_rect().height());
    if !in_sight(element, bar) {
        let options = ScrollIntoViewOptions::new();
        options.set_block(ScrollLogicalPosition::Start);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// [`reveal`] for the first element matching `selector` (as the guide's
/// console, which another component draws).
pub fn reveal_selector(selector: &str) {
    let element =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
    if let Some(element) = element {
        reveal(&element);
    }
}
