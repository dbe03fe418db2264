//! The root component: router, health context, layout.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::health::HealthProvider;
use crate::route::{switch, Route};
use crate::widgets::top_nav::TopNav;

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
