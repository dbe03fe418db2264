//! The server's status, polled from `/api/health` and shared with every
//! component through a Yew context (the badge, the home page's port line).

use std::rc::Rc;

use bolide_shared::api::{Health, HealthStatus};
use yew::prelude::*;

use crate::api::{self, ApiError};

/// How often the status is polled.
const POLL_MS: u32 = 3_000;

/// What the badge shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerStatus {
    /// No answer yet.
    Checking,
    /// Backend and Redis both answer.
    Connected(Health),
    /// The backend answers but its Redis does not.
    RedisDown(Health),
    /// The backend does not answer.
    BackendDown(String),
}

impl ServerStatus {
    /// Folds one poll's outcome into a status.
    pub fn from_poll(result: Result<Health, ApiError>) -> Self {
        match result {
            // Busy is slow, not down: the server answers, only later.
            Ok(health) if matches!(health.status, HealthStatus::Ok | HealthStatus::Busy) => {
                ServerStatus::Connected(health)
            }
            Ok(health) => ServerStatus::RedisDown(health),
            Err(ApiError::Unreachable(why)) => ServerStatus::BackendDown(why),
            Err(ApiError::BadResponse(why)) => ServerStatus::BackendDown(why),
            Err(ApiError::Server { status, message, .. }) => {
                ServerStatus::BackendDown(format!("HTTP {status}: {message}"))
            }
        }
    }
}

pub type StatusContext = Rc<ServerStatus>;

#[derive(Properties, PartialEq)]
pub struct HealthProviderProps {
    pub children: Html,
}

/// Polls `/api/health` while mounted and provides the latest [`ServerStatus`].
#[function_component(HealthProvider)]
pub fn health_provider(props: &HealthProviderProps) -> Html {
    let status = use_state(|| Rc::new(ServerStatus::Checking));
    {
        let status = status.clone();
        use_effect_with((), move |_| {
            let alive = Rc::new(std::cell::Cell::new(true));
            let running = alive.clone();
            wasm_bindgen_futures::spawn_local(async move {
                while running.get() {
                    let next = ServerStatus::from_poll(api::health().await);
                    if !running.get() {
                        break;
                    }
                    status.set(Rc::new(next));
                    gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
                }
            });
            move || alive.set(false)
        });
    }
    html! {
        <ContextProvider<StatusContext> context={(*status).clone()}>
            { props.children.clone() }
        </ContextProvider<StatusContext>>
    }
}
