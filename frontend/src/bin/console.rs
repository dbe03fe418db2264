//! The console page's bundle ([`bolide_frontend::app`] says why each page is
//! its own): `/console`.

use bolide_frontend::console::ConsolePage;
use bolide_frontend::route::Route;
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Console => Some(html! { <ConsolePage /> }),
        _ => None,
    });
}
