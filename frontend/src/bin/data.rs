//! The data page's bundle ([`bolide_frontend::app`] says why each page is
//! its own): `/data`.

use bolide_frontend::data::DataPage;
use bolide_frontend::route::Route;
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Data => Some(html! { <DataPage /> }),
        _ => None,
    });
}
