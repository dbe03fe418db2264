//! Any URL the app does not know.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

#[function_component(NotFound)]
pub fn not_found() -> Html {
    let location = use_location().map(|l| l.path().to_string()).unwrap_or_default();
    html! {
        <section class="card not-found">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is no page at " }<code>{ location }</code>{ "." }</p>
            <p><Link<Route> to={Route::Home}>{ "Back to the start" }</Link<Route>></p>
        </section>
    }
}
