//! Every API error is JSON `{"error": {"code", "message"}}` with the right
//! status — never HTML, never an empty body.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bolide::server::{app, AppState};
use bolide_shared::api::ErrorBody;
use bolide_tests::RedisServer;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn send(router: &axum::Router, method: &str, path: &str) -> (StatusCode, String, ErrorBody) {
    let response = router
        .clone()
        .oneshot(Request::builder().method(method).uri(path).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_else(|err| {
        panic!("{method} {path}: not an error body ({err}): {}", String::from_utf8_lossy(&body))
    });
    (status, content_type, error)
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_json_errors() {
    let redis = RedisServer::start();
    let router =
        app(AppState::connect(&redis.url()).expect("url"), std::path::Path::new("/nonexistent-dist"));

    let (status, content_type, body) = send(&router, "GET", "/api/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/json");
    assert_eq!(body.error.code, "not_found");
    assert!(body.error.message.contains("/api/no/such/thing"));

    let (status, _, body) = send(&router, "DELETE", "/api/health").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body.error.code, "method_not_allowed");

    let (status, _, body) = send(&router, "GET", "/api").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body.error.code, "not_found");
}
