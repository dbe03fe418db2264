//! The app's pages and their URLs (served by the backend's `index.html`
//! fallback, so every URL here can be reloaded or shared).

use yew::{html, Html};
use yew_router::Routable;

use crate::pages;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/console")]
    Console,
    #[at("/data")]
    Data,
    #[at("/jobs")]
    Jobs,
    #[at("/guides")]
    Guides,
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// The sections in the top navigation, in order, with their labels.
    pub const NAV: [(Route, &'static str); 4] = [
        (Route::Console, "Console"),
        (Route::Data, "Data"),
        (Route::Jobs, "Jobs"),
        (Route::Guides, "Guides"),
    ];
}

pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <pages::home::Home /> },
        Route::Console => html! { <pages::console::ConsolePage /> },
        Route::Data => html! { <pages::data::DataPage /> },
        Route::Jobs => html! { <pages::jobs::JobsPage /> },
        Route::Guides => html! { <pages::guides::GuidesPage /> },
        Route::NotFound => html! { <pages::not_found::NotFound /> },
    }
}
