//! The top bar's light/dark switch.
//!
//! The colours live in `style.css` as custom properties with a light and a
//! dark value each (`light-dark()`); which one applies is `color-scheme`,
//! which follows the system (`prefers-color-scheme`) until the student
//! picks a theme here. The pick is kept in `localStorage` and written on
//! `<html data-theme>`; index.html reads it back before the first paint, so
//! a reload never flashes the other theme. With no pick, the button follows
//! the system live (a `change` listener), so it always shows the theme the
//! page is in.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The `localStorage` key; index.html's inline script reads the same one.
pub const STORAGE_KEY: &str = "bolide-theme";

/// The system setting the page follows while nothing is picked.
const DARK_QUERY: &str = "(prefers-color-scheme: dark)";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    /// The stored (and `data-theme`) spelling.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// A stored value; anything else (an old or edited one) is no pick.
    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    pub fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The student's pick, if any.
pub fn picked() -> Option<Theme> {
    storage()?.get_item(STORAGE_KEY).ok().flatten().as_deref().and_then(Theme::parse)
}

fn dark_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(DARK_QUERY).ok().flatten()
}

/// The theme the page is in: the pick, else the system's.
pub fn current() -> Theme {
    picked().unwrap_or_else(|| match dark_query() {
        Some(query) if query.matches() => Theme::Dark,
        _ => Theme::Light,
    })
}

/// Keeps `theme` (storage failures only cost the memory of it) and applies it.
fn pick(theme: Theme) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, theme.name());
    }
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme.name());
    }
}

#[function_component(ThemeToggle)]
pub fn theme_toggle() -> Html {
    let theme = use_state(current);
    // Follow the system while nothing is picked (the CSS does by itself;
    // this keeps the button's state in step).
    {
        let theme = theme.clone();
        use_effect_with((), move |_| {
            let query = dark_query();
            let listener = Closure::<dyn Fn()>::new(move || theme.set(current()));
            if let Some(query) = &query {
                let _ = query.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(query) = &query {
                    let _ = query
                        .remove_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
                }
                drop(listener);
            }
        });
    }
    let dark = *theme == Theme::Dark;
    let onclick = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let next = theme.other();
            pick(next);
            theme.set(next);
        })
    };
    html! {
        <button type="button" class="theme-toggle" {onclick} aria-pressed={dark.to_string()} aria-label="Dark theme"
            title={if dark { "Switch to the light theme" } else { "Switch to the dark theme" }}>
            <span aria-hidden="true">{ if dark { "☀" } else { "☾" } }</span>
        </button>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_stored_pick_reads_back_and_anything_else_is_no_pick() {
        for theme in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(theme.name()), Some(theme));
            assert_eq!(theme.other().other(), theme);
        }
        for junk in ["", "Dark", "auto", "dark "] {
            assert_eq!(Theme::parse(junk), None, "{junk:?}");
        }
    }
}
