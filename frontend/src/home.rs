//! `/`: what Bolide is, and where its Redis is.

use yew::prelude::*;

use bolide_shared::api::GatewayInfo;
use bolide_shared::pages;

use crate::api;
use crate::health::{ServerStatus, StatusContext};
use crate::route::Route;
use crate::sandbox::{use_sandbox, SandboxPanel, SandboxState};
use crate::widgets::page_link::PageLink;

/// Where a student's own scripts connect, as the home page tells it.
#[derive(Clone, PartialEq)]
enum Connect {
    Loading,
    /// Local mode: Bolide's Redis itself (the health line says where).
    Local,
    /// A class with the gateway open: this sandbox's credentials.
    Gateway(GatewayInfo),
    /// A class without a gateway, or a browser without a sandbox yet.
    SharedWithout,
}

#[function_component(Home)]
pub fn home() -> Html {
    let status = use_context::<StatusContext>();
    let sandbox = use_sandbox();
    let connect = use_state(|| Connect::Loading);
    {
        // The panel's one `GET /api/sandbox` says the mode; the gateway is
        // asked again whenever the sandbox changes (resumed, ended): its
        // credentials are another sandbox's then.
        let connect = connect.clone();
        use_effect_with(sandbox.state.clone(), move |state| match state {
            SandboxState::Loading => {}
            SandboxState::Local => connect.set(Connect::Local),
            SandboxState::NoSandbox | SandboxState::Shared(_) | SandboxState::Failed(_) => {
                wasm_bindgen_futures::spawn_local(async move {
                    connect.set(match api::gateway().await {
                        Ok(Some(info)) => Connect::Gateway(info),
                        _ => Connect::SharedWithout,
                    });
                });
            }
        });
    }
    let redis_line = match (status.as_deref(), &*connect) {
        (Some(ServerStatus::Connected(_)), Connect::Gateway(info)) => {
            html! { <GatewayLines info={info.clone()} /> }
        }
        (Some(ServerStatus::Connected(_)), Connect::SharedWithout) => html! {
            <p class="connect">
                { "Your own scripts reach your sandbox through the class gateway, when your instructor \
                   opened one: its address and your password show here once you have a sandbox \
                   (run any command in the Console)." }
            </p>
        },
        (Some(ServerStatus::Connected(health)), _) => html! {
            <p class="connect">
                { format!("Your Redis {} is at ", health.redis.version.as_deref().unwrap_or("")) }
                <code>{ format!("{}:{}", health.redis.host, health.redis.port) }</code>
                { ". Connect your own scripts to it: " }
                <code>{ format!("redis-cli -p {}", health.redis.port) }</code>
                { " or " }
                <code>{ format!("redis.Redis(host='{}', port={})", health.redis.host, health.redis.port) }</code>
            </p>
        },
        (Some(ServerStatus::RedisDown(_)), _) => {
            html! { <p class="connect warn">{ "Bolide is up but its Redis does not answer." }</p> }
        }
        (Some(ServerStatus::BackendDown(_)), _) => {
            html! { <p class="connect warn">{ "The Bolide server does not answer." }</p> }
        }
        _ => html! { <p class="connect muted">{ pages::HOME_CHECKING }</p> },
    };
    html! {
        <>
            <section class="hero">
                <h1>{ pages::HOME.title }</h1>
                <p class="lead">{ pages::HOME.lead }</p>
                { redis_line }
            </section>
            <SandboxPanel sandbox={sandbox} />
            <section class="tiles">
                { for Route::NAV.iter().map(|(route, label)| html! {
                    <PageLink to={route.clone()} classes="tile">
                        <strong>{ *label }</strong>
                        <span>{ tile_text(route) }</span>
                    </PageLink>
                }) }
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct GatewayLinesProps {
    info: GatewayInfo,
}

/// "Connect your own scripts": the sandbox's URL for redis-py and
/// redis-cli. It holds the password, so it is hidden until asked for (a
/// classroom has neighbours).
#[function_component(GatewayLines)]
fn gateway_lines(props: &GatewayLinesProps) -> Html {
    let shown = use_state(|| false);
    let info = &props.info;
    let url = if *shown || info.password.is_empty() {
        info.url.clone()
    } else {
        info.url.replacen(&info.password, "••••••", 1)
    };
    let toggle = {
        let shown = shown.clone();
        Callback::from(move |_| shown.set(!*shown))
    };
    html! {
        <p class="connect">
            { "Connect your own scripts to your sandbox, as " }
            <code>{ &info.username }</code>
            { ": " }
            <code>{ format!("redis.Redis.from_url('{url}')") }</code>
            { " or " }
            <code>{ format!("redis-cli -u {url}") }</code>
            { if info.tls { " (TLS: add --tls to redis-cli). " } else { ". " } }
            <button class="link" onclick={toggle}>{ if *shown { "Hide the password" } else { "Show the password" } }</button>
        </p>
    }
}

fn tile_text(route: &Route) -> &'static str {
    match route {
        Route::Console => "Type SET, GET, HSET… and see what redis-cli prints.",
        Route::Keys => "Every key you made, as a tree: type, TTL, memory, value, edits.",
        Route::Data => "Load, verify and browse 45,716 meteorite landings.",
        Route::Jobs => "Queue an analysis; a worker computes it from Redis.",
        Route::Guides => "Step-by-step lessons that check your Redis.",
        Route::Home | Route::Guide { .. } | Route::NotFound => "",
    }
}
