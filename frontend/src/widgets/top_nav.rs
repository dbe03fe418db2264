//! The top bar: brand, the sections, the status badge, the theme toggle.
//!
//! One row at every width (style.css): on a phone the sections scroll
//! sideways inside the bar and the badge shows its dot only, so the sticky
//! bar stays under 60 px and never pushes the page wider than the screen.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::widgets::page_link::PageLink;
use crate::widgets::status_badge::StatusBadge;
use crate::widgets::theme_toggle::ThemeToggle;

#[function_component(TopNav)]
pub fn top_nav() -> Html {
    let current = use_route::<Route>();
    html! {
        <header class="topbar">
            <PageLink to={Route::Home} classes="brand">
                <span class="brand__mark" aria-hidden="true">{ "☄" }</span><span class="brand__name">{ "Bolide" }</span>
            </PageLink>
            <nav class="topnav" aria-label="Sections">
                { for Route::NAV.iter().map(|(route, label)| {
                    let active = current.as_ref().map(Route::section).as_ref() == Some(route);
                    html! {
                        <PageLink to={route.clone()} classes={classes!("topnav__link", active.then_some("topnav__link--active"))}>
                            { *label }
                        </PageLink>
                    }
                }) }
            </nav>
            <StatusBadge />
            <ThemeToggle />
        </header>
    }
}
