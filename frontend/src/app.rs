//! The root component: router, health context, layout; around the page
//! the running bundle draws for the URL.
//!
//! Each page is its own wasm bundle, one binary in `src/bin/` named after
//! it (`home`, `console`, `keys`, `data`, `jobs`, `guides`), so that a
//! first visit downloads only the page it opens (issue #17; the README's
//! "The browser app's weight"). A binary hands [`run`](crate::run) its
//! [`Pages`]: the component of each route it draws, and nothing of the
//! others, so the linker leaves their code out. `index.html`'s loader picks
//! the bundle from the URL's first segment, and sends any URL it does not
//! know to `home`, which draws the 404 page. A link to a page of another
//! bundle is a page load ([`PageLink`](crate::widgets::page_link::PageLink));
//! within a bundle (the guides list and a guide) `Link<Route>` still
//! navigates in place.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::health::HealthProvider;
use crate::not_found::NotFound;
use crate::route::Route;
use crate::widgets::top_nav::TopNav;

/// A bundle's pages: the page for a route, `None` for a route another
/// bundle draws.
pub type Pages = fn(&Route) -> Option<Html>;

#[derive(Properties)]
pub struct AppProps {
    pub pages: Pages,
}

/// Given once, at mount: never a reason to draw again (and function
/// pointers are not meaningfully comparable).
impl PartialEq for AppProps {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let pages = props.pages;
    // A route of another bundle is only reached when the loader sent its
    // URL here: say so as a 404 rather than draw nothing.
    let render = move |route: Route| pages(&route).unwrap_or_else(|| html! { <NotFound /> });
    html! {
        <BrowserRouter>
            <HealthProvider>
                <TopNav />
                <main class="page">
                    <Switch<Route> {render} />
                </main>
            </HealthProvider>
        </BrowserRouter>
    }
}
