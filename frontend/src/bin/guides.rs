//! The guides' bundle ([`bolide_frontend::app`] says why each page is its
//! own): `/guides` and every guide, `/guides/{id}`; one bundle, so the
//! list and a guide link to each other in place.

use bolide_frontend::guides::{GuidePage, GuidesPage};
use bolide_frontend::route::Route;
use yew::prelude::*;

fn main() {
    bolide_frontend::run(|route| match route {
        Route::Guides => Some(html! { <GuidesPage /> }),
        Route::Guide { id } => Some(html! { <GuidePage id={id.clone()} /> }),
        _ => None,
    });
}
