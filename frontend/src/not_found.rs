//! Any URL the app does not know.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::widgets::page_link::PageLink;

#[function_component(NotFound)]
pub fn not_found() -> Html {
    let location = use_location().map(|l| l.path().to_string()).unwrap_or_default();
    html! {
        <section class="card not-found">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is no page at " }<code>{ location }</code>{ "." }</p>
            <p><PageLink to={Route::Home}>{ "Back to the start" }</PageLink></p>
        </section>
    }
}
