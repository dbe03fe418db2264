//! `/api/health` against a real Redis: up, down within 2 s of Redis dying,
//! up again within 2 s of it returning — through `app().oneshot(…)` and over
//! a real socket.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bolide::server::{app, AppState};
use bolide_shared::api::{ErrorBody, Health, HealthStatus, RedisMode};
use bolide_tests::RedisServer;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(router: &axum::Router, path: &str) -> (StatusCode, Vec<u8>) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    (status, body)
}

fn no_dist() -> std::path::PathBuf {
    std::env::temp_dir().join("bolide-no-dist-here")
}

/// Polls `path` until it answers `want`, returning how long that took.
async fn time_until_status(router: &axum::Router, path: &str, want: StatusCode, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (status, _) = get(router, path).await;
        if status == want {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{path} did not answer {want} within {limit:?} (last: {status})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn health_reports_redis_up_down_and_recovered() {
    let mut redis = RedisServer::start();
    let router = app(AppState::connect(&redis.url()).expect("url"), &no_dist());

    let (status, body) = get(&router, "/api/health").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let health: Health = serde_json::from_slice(&body).expect("health json");
    assert_eq!(health.status, HealthStatus::Ok);
    assert!(health.redis.reachable);
    assert_eq!(health.redis.mode, RedisMode::External);
    assert_eq!(health.redis.port, redis.port());
    assert_eq!(health.redis.host, "127.0.0.1");
    assert!(
        health.redis.version.as_deref().is_some_and(|v| v.starts_with('7')),
        "{:?}",
        health.redis.version
    );
    assert!(health.redis.uptime_seconds.is_some());

    redis.kill();
    let took =
        time_until_status(&router, "/api/health", StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(2))
            .await;
    eprintln!("down reported after {took:?}");
    let (_, body) = get(&router, "/api/health").await;
    let down: Health = serde_json::from_slice(&body).expect("503 body is a Health");
    assert_eq!(down.status, HealthStatus::RedisDown);
    assert!(!down.redis.reachable);
    assert_eq!(down.redis.port, redis.port(), "the port is still shown while down");
    let as_error: ErrorBody = serde_json::from_slice(&body).expect("503 body is an ErrorBody too");
    assert_eq!(as_error.error.code, "redis_unavailable");

    // Stay down for a while, so reconnection backoff is exercised.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, _) = get(&router, "/api/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    redis.restart();
    let took = time_until_status(&router, "/api/health", StatusCode::OK, Duration::from_secs(2)).await;
    eprintln!("recovery reported after {took:?}");
}

#[tokio::test]
async fn health_over_a_real_socket() {
    let mut redis = RedisServer::start();
    let router = app(AppState::connect(&redis.url()).expect("url"), &no_dist());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    let url = format!("http://{addr}/api/health");

    let response = bolide_tests::http::get(&url).await.expect("answer");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json()["redis"]["port"], redis.port());

    redis.kill();
    let start = Instant::now();
    loop {
        let response = bolide_tests::http::get(&url).await.expect("answer even when Redis is down");
        if response.status == 503 {
            assert_eq!(response.json()["status"], "redis_down");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "no 503 within 2 s");
    }
    redis.restart();
    let start = Instant::now();
    while bolide_tests::http::get(&url).await.expect("answer").status != 200 {
        assert!(start.elapsed() < Duration::from_secs(2), "no recovery within 2 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let _ = stop_tx.send(());
    server.await.expect("join").expect("serve");
}

#[tokio::test]
async fn health_answers_503_when_redis_was_never_there() {
    let port = bolide_tests::free_port();
    let router = app(AppState::connect(&format!("redis://127.0.0.1:{port}/0")).expect("url"), &no_dist());
    let start = Instant::now();
    let (status, body) = get(&router, "/api/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.elapsed() < Duration::from_secs(2));
    let health: Health = serde_json::from_slice(&body).expect("json");
    assert_eq!(health.redis.port, port);
}
