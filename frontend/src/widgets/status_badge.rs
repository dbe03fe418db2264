//! The connection badge: connected / Redis down / backend down, and the
//! Redis port students point their own scripts at.

use yew::prelude::*;

use crate::health::{ServerStatus, StatusContext};

/// The badge's CSS modifier, label and tooltip for a status.
pub fn badge_view(status: &ServerStatus) -> (&'static str, String, String) {
    match status {
        ServerStatus::Checking => {
            ("checking", "Connecting…".into(), "Asking the server for its status".into())
        }
        ServerStatus::Connected(health) => {
            let version = health.redis.version.as_deref().unwrap_or("?");
            (
                "connected",
                format!("Connected · Redis {version} · port {}", health.redis.port),
                format!(
                    "Redis {version} at {}:{} ({:?} mode)",
                    health.redis.host, health.redis.port, health.redis.mode
                ),
            )
        }
        ServerStatus::RedisDown(health) => (
            "redis-down",
            format!("Redis down · port {}", health.redis.port),
            health
                .error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_else(|| "Redis does not answer".into()),
        ),
        ServerStatus::BackendDown(why) => {
            ("backend-down", "Backend down".into(), format!("The Bolide server does not answer ({why})"))
        }
    }
}

#[function_component(StatusBadge)]
pub fn status_badge() -> Html {
    let status = use_context::<StatusContext>();
    let status = status.as_deref().unwrap_or(&ServerStatus::Checking);
    let (modifier, label, title) = badge_view(status);
    html! {
        <span class={classes!("badge", format!("badge--{modifier}"))} title={title} role="status" aria-live="polite" data-status={modifier}>
            <span class="badge__dot" aria-hidden="true"></span>
            <span class="badge__label">{ label }</span>
        </span>
    }
}
