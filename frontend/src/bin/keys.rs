//! The keys page's bundle ([`bolide_frontend::app`] says why each page is
//! its own): `/keys`.

use bolide_frontend::keys::KeysPage;
use bolide_frontend::route::Route;
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Keys => Some(html! { <KeysPage /> }),
        _ => None,
    });
}
