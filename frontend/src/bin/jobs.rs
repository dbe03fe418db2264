//! The jobs page's bundle ([`bolide_frontend::app`] says why each page is
//! its own): `/jobs`.

use bolide_frontend::jobs::JobsPage;
use bolide_frontend::route::Route;
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Jobs => Some(html! { <JobsPage /> }),
        _ => None,
    });
}
