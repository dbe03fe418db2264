//! The home page's bundle ([`bolide_frontend::app`] says why each page is
//! its own): `/`, and the 404 page, where `index.html`'s loader sends
//! every URL it does not know.

use bolide_frontend::route::Route;
use bolide_frontend::{home::Home, not_found::NotFound};
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Home => Some(html! { <Home /> }),
        Route::NotFound => Some(html! { <NotFound /> }),
        _ => None,
    });
}
