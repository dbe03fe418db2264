//! Frontend logic, run in headless Chromium by wasm-bindgen-test:
//! how a health poll becomes what the status badge shows.

use bolide_frontend::api::ApiError;
use bolide_frontend::health::ServerStatus;
use bolide_frontend::widgets::status_badge::badge_view;
use bolide_shared::api::{BolideInfo, ErrorDetail, Health, HealthStatus, RedisHealth, RedisMode};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn health(status: HealthStatus) -> Health {
    let up = status == HealthStatus::Ok;
    Health {
        status,
        redis: RedisHealth {
            reachable: up,
            mode: RedisMode::Embedded,
            host: "127.0.0.1".into(),
            port: 40123,
            version: up.then(|| "7.0.15".into()),
            uptime_seconds: up.then_some(5),
            latency_ms: up.then_some(0.4),
        },
        bolide: BolideInfo { version: "0.1.0".into(), uptime_seconds: 9 },
        error: (!up)
            .then(|| ErrorDetail { code: "redis_unavailable".into(), message: "connection refused".into() }),
    }
}

#[wasm_bindgen_test]
fn connected_shows_version_and_port() {
    let status = ServerStatus::from_poll(Ok(health(HealthStatus::Ok)));
    let (modifier, label, _) = badge_view(&status);
    assert_eq!(modifier, "connected");
    assert_eq!(label, "Connected · Redis 7.0.15 · port 40123");
}

#[wasm_bindgen_test]
fn redis_down_keeps_the_port_and_explains() {
    let status = ServerStatus::from_poll(Ok(health(HealthStatus::RedisDown)));
    let (modifier, label, title) = badge_view(&status);
    assert_eq!(modifier, "redis-down");
    assert_eq!(label, "Redis down · port 40123");
    assert_eq!(title, "connection refused");
}

#[wasm_bindgen_test]
fn no_answer_or_a_proxy_error_is_backend_down() {
    for error in [
        ApiError::Unreachable("TypeError: Failed to fetch".into()),
        ApiError::BadResponse("HTTP 200".into()),
        ApiError::Server { status: 500, code: "internal".into(), message: "bug".into() },
    ] {
        let (modifier, label, _) = badge_view(&ServerStatus::from_poll(Err(error)));
        assert_eq!(modifier, "backend-down");
        assert_eq!(label, "Backend down");
    }
}

#[wasm_bindgen_test]
async fn health_call_against_no_backend_is_unreachable() {
    // The test page is served by wasm-bindgen's runner, which has no /api:
    // whatever it answers must not be mistaken for a healthy Bolide.
    let result = bolide_frontend::api::health().await;
    assert!(result.is_err(), "{result:?}");
}
