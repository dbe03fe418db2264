//! The app's pages and their URLs (served by the backend's `index.html`
//! fallback, so every URL here can be reloaded or shared).
//!
//! Only the names: which component draws each route is the business of the
//! page's bundle (`src/bin/`, see [`app`](crate::app)), so a feature can
//! link to another page ([`PageLink`](crate::widgets::page_link::PageLink))
//! without importing it, and no import circle goes through the router.
//! `index.html`'s loader picks a URL's bundle by its first segment, which
//! is the bundle's name (`/guides/{id}` is the `guides` bundle's).

use yew_router::Routable;

#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/console")]
    Console,
    #[at("/data")]
    Data,
    #[at("/jobs")]
    Jobs,
    #[at("/keys")]
    Keys,
    #[at("/guides")]
    Guides,
    /// One guide, on the step the student is at.
    #[at("/guides/:id")]
    Guide { id: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// The sections in the top navigation, in order, with their labels.
    pub const NAV: [(Route, &'static str); 5] = [
        (Route::Console, "Console"),
        (Route::Keys, "Keys"),
        (Route::Data, "Data"),
        (Route::Jobs, "Jobs"),
        (Route::Guides, "Guides"),
    ];

    /// The section of [`Route::NAV`] this page belongs to (a guide is in
    /// Guides), for the navigation to mark.
    pub fn section(&self) -> Route {
        match self {
            Route::Guide { .. } => Route::Guides,
            other => other.clone(),
        }
    }
}
