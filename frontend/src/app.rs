//! The root component: router, health context, layout; and [`switch`],
//! the one place that knows every feature's page.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::health::HealthProvider;
use crate::route::Route;
use crate::widgets::top_nav::TopNav;
use crate::{console, data, guides, home, jobs, keys, not_found};

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <HealthProvider>
                <TopNav />
                <main class="page">
                    <Switch<Route> render={switch} />
                </main>
            </HealthProvider>
        </BrowserRouter>
    }
}

/// The page for a route.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <home::Home /> },
        Route::Console => html! { <console::ConsolePage /> },
        Route::Data => html! { <data::DataPage /> },
        Route::Jobs => html! { <jobs::JobsPage /> },
        Route::Keys => html! { <keys::KeysPage /> },
        Route::Guides => html! { <guides::GuidesPage /> },
        Route::Guide { id } => html! { <guides::GuidePage {id} /> },
        Route::NotFound => html! { <not_found::NotFound /> },
    }
}
