//! The top bar: brand, the four sections, the status badge.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::widgets::status_badge::StatusBadge;

#[function_component(TopNav)]
pub fn top_nav() -> Html {
    let current = use_route::<Route>();
    html! {
        <header class="topbar">
            <Link<Route> to={Route::Home} classes="brand">
                <span class="brand__mark" aria-hidden="true">{ "☄" }</span>{ "Bolide" }
            </Link<Route>>
            <nav class="topnav" aria-label="Sections">
                { for Route::NAV.iter().map(|(route, label)| {
                    let active = current.as_ref().map(Route::section).as_ref() == Some(route);
                    html! {
                        <Link<Route> to={route.clone()} classes={classes!("topnav__link", active.then_some("topnav__link--active"))}>
                            { *label }
                        </Link<Route>>
                    }
                }) }
            </nav>
            <StatusBadge />
        </header>
    }
}
