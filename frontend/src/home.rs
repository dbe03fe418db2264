//! `/`: what Bolide is, and where its Redis is.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::health::{ServerStatus, StatusContext};
use crate::route::Route;
use crate::sandbox::SandboxPanel;

#[function_component(Home)]
pub fn home() -> Html {
    let status = use_context::<StatusContext>();
    let redis_line = match status.as_deref() {
        Some(ServerStatus::Connected(health)) => html! {
            <p class="connect">
                { format!("Your Redis {} is at ", health.redis.version.as_deref().unwrap_or("")) }
                <code>{ format!("{}:{}", health.redis.host, health.redis.port) }</code>
                { ". Connect your own scripts to it: " }
                <code>{ format!("redis-cli -p {}", health.redis.port) }</code>
                { " or " }
                <code>{ format!("redis.Redis(host='{}', port={})", health.redis.host, health.redis.port) }</code>
            </p>
        },
        Some(ServerStatus::RedisDown(_)) => {
            html! { <p class="connect warn">{ "Bolide is up but its Redis does not answer." }</p> }
        }
        Some(ServerStatus::BackendDown(_)) => {
            html! { <p class="connect warn">{ "The Bolide server does not answer." }</p> }
        }
        _ => html! { <p class="connect muted">{ "Checking the server…" }</p> },
    };
    html! {
        <>
            <section class="hero">
                <h1>{ "Learn Redis in your browser, on a real Redis." }</h1>
                <p class="lead">
                    { "Bolide is a playground for the databases-and-persistence module: a redis-cli console, \
                       NASA's Meteorite Landings to load and explore, analysis jobs run by a worker, \
                       and guided exercises checked against your own keys." }
                </p>
                { redis_line }
            </section>
            <SandboxPanel />
            <section class="tiles">
                { for Route::NAV.iter().map(|(route, label)| html! {
                    <Link<Route> to={route.clone()} classes="tile">
                        <strong>{ *label }</strong>
                        <span>{ tile_text(route) }</span>
                    </Link<Route>>
                }) }
            </section>
        </>
    }
}

fn tile_text(route: &Route) -> &'static str {
    match route {
        Route::Console => "Type SET, GET, HSET… and see what redis-cli prints.",
        Route::Data => "Load, verify and browse 45,716 meteorite landings.",
        Route::Jobs => "Queue an analysis; a worker computes it from Redis.",
        Route::Guides => "Step-by-step lessons that check your Redis.",
        Route::Home | Route::Guide { .. } | Route::NotFound => "",
    }
}
