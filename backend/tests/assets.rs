//! Serving the built app: client-side routes fall back to `index.html`
//! (its loading shell holding the page's heading and lead), hashed assets
//! are cached for good, everything is compressed.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bolide::server::{app, AppState};
use bolide_tests::RedisServer;
use http_body_util::BodyExt;
use tower::ServiceExt;

const INDEX: &str =
    "<!doctype html><title>Bolide</title><body>the app shell, long enough to be worth compressing. \
                     the app shell, long enough to be worth compressing. the app shell, long enough.</body>";
const WASM_NAME: &str = "bolide-frontend-0123456789abcdef_bg.wasm";

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dist");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index");
    std::fs::write(dir.path().join(WASM_NAME), vec![0u8; 4096]).expect("wasm");
    dir
}

async fn get(router: &axum::Router, path: &str, accept_encoding: Option<&str>) -> axum::response::Response {
    let mut request = Request::get(path);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("infallible")
}

fn cache_control(response: &axum::response::Response) -> &str {
    response.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn client_routes_get_the_app_and_assets_are_cached_and_compressed() {
    let redis = RedisServer::start();
    let dist = dist();
    let router = app(AppState::connect(&redis.url()).expect("url"), dist.path());

    for path in ["/", "/console", "/data/42", "/no/such/page"] {
        let response = get(&router, path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&response), "no-cache", "{path}");
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(body, INDEX.as_bytes(), "{path} serves index.html");
    }

    let response = get(&router, &format!("/{WASM_NAME}"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(cache_control(&response), "public, max-age=31536000, immutable");
    assert_eq!(response.headers().get(header::CONTENT_TYPE).expect("type"), "application/wasm");

    for encoding in ["gzip", "br"] {
        let response = get(&router, &format!("/{WASM_NAME}"), Some(encoding)).await;
        assert_eq!(response.headers().get(header::CONTENT_ENCODING).expect("compressed"), encoding);
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert!(body.len() < 4096 / 4, "{encoding}: {} bytes", body.len());
    }
}

/// A release build's `.br` and `.gz` files (made by the same script Trunk
/// runs after a release build) are sent as they are, chosen by the
/// browser's `Accept-Encoding`, with `Vary` and the hashed asset's caching.
#[tokio::test]
async fn precompressed_files_of_a_release_build_are_sent_as_built() {
    let redis = RedisServer::start();
    let dist = dist();
    let wasm: Vec<u8> = (0..64 * 1024).map(|i: u32| (i % 251) as u8 ^ (i / 1024) as u8).collect();
    std::fs::write(dist.path().join(WASM_NAME), &wasm).expect("wasm");
    let script = bolide_tests::workspace_root().join("scripts/lib/precompress.sh");
    let status = std::process::Command::new("sh").arg(&script).arg(dist.path()).status().expect("sh");
    assert!(status.success(), "{} failed", script.display());
    let router = app(AppState::connect(&redis.url()).expect("url"), dist.path());

    for (accept, encoding, suffix) in
        [("gzip, deflate, br", Some("br"), ".br"), ("gzip", Some("gzip"), ".gz"), ("identity", None, "")]
    {
        let expected = std::fs::read(dist.path().join(format!("{WASM_NAME}{suffix}")))
            .unwrap_or_else(|err| panic!("{WASM_NAME}{suffix} was built: {err}"));
        let response = get(&router, &format!("/{WASM_NAME}"), Some(accept)).await;
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(header(header::CONTENT_ENCODING).as_deref(), encoding, "{accept}");
        assert_eq!(header(header::CONTENT_TYPE).as_deref(), Some("application/wasm"), "{accept}");
        assert_eq!(header(header::VARY).as_deref(), Some("accept-encoding"), "{accept}");
        assert_eq!(cache_control(&response), "public, max-age=31536000, immutable");
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(body.as_ref(), expected.as_slice(), "{accept}: the file as built");
    }
    // A client route's index.html comes precompressed too.
    let response = get(&router, "/console", Some("br")).await;
    assert_eq!(response.headers().get(header::CONTENT_ENCODING).expect("encoded"), "br");
    assert_eq!(cache_control(&response), "no-cache");
}

/// index.html as Trunk builds it, in the part the server fills.
const INDEX_WITH_SHELL: &str = "<!doctype html><html><head><title>Bolide</title></head><body>\
    <div id=\"boot\"><header class=\"topbar\"><span class=\"brand\">Bolide</span></header>\
    <main class=\"page\"><p class=\"boot__text\" role=\"status\">Loading Bolide…</p></main></div>\
    <noscript>Bolide needs JavaScript and WebAssembly enabled.</noscript></body></html>";

async fn text_of(response: axum::response::Response) -> String {
    String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8")
}

#[tokio::test]
async fn each_page_of_the_app_comes_with_its_heading_and_lead_in_the_loading_shell() {
    let redis = RedisServer::start();
    let dist = dist();
    std::fs::write(dist.path().join("index.html"), INDEX_WITH_SHELL).expect("index");
    let router = app(AppState::connect(&redis.url()).expect("url"), dist.path());

    for (path, head) in [
        ("/", bolide_shared::pages::HOME),
        ("/console", bolide_shared::pages::CONSOLE),
        ("/jobs", bolide_shared::pages::JOBS),
        ("/guides", bolide_shared::pages::GUIDES),
    ] {
        let response = get(&router, path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&response), "no-cache", "{path}");
        let page = text_of(response).await;
        let shell =
            &page[page.find("<div id=\"boot\">").expect("the shell")..page.find("<noscript>").expect("end")];
        assert!(
            shell.contains(&format!("<h1>{}</h1>", head.title.replace('\'', "&#39;"))),
            "{path}: {shell}"
        );
        assert!(!shell.contains("Loading Bolide"), "{path}: {shell}");
    }
    // A guide's shell is drawn for the learner (a new one: on the first
    // step, with the introduction) and waits for the app to have the guide;
    // one the catalog does not hold, and any other URL, get index.html as
    // it is.
    let response = get(&router, "/guides/redis-basics", None).await;
    assert_eq!(cache_control(&response), "private, no-cache");
    let page = text_of(response).await;
    assert!(page.contains("<div id=\"boot\" data-hold>") && page.contains("<h1>Redis basics</h1>"), "{page}");
    assert!(
        page.contains("0 of ")
            && page.contains("<div class=\"guide-markdown guide-intro\"><p>Redis is a key-value store"),
        "{page}"
    );
    for path in ["/guides/no-such-guide", "/no/such/page", "/console/"] {
        assert_eq!(text_of(get(&router, path, None).await).await, INDEX_WITH_SHELL, "{path}");
    }

    // Compressed once, revalidated by its ETag.
    let response = get(&router, "/keys", Some("gzip, deflate, br")).await;
    assert_eq!(response.headers().get(header::CONTENT_ENCODING).expect("encoded"), "br");
    assert_eq!(response.headers().get(header::VARY).expect("vary"), "accept-encoding");
    let etag = response.headers().get(header::ETAG).expect("an ETag").clone();
    let again = Request::get("/keys")
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .expect("request");
    let response = router.clone().oneshot(again).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(cache_control(&response), "no-cache");

    // A new build's index.html is what the next request gets.
    std::fs::write(
        dist.path().join("index.html"),
        INDEX_WITH_SHELL.replace("<title>Bolide", "<title>New Bolide"),
    )
    .expect("rebuild");
    let response = get(&router, "/keys", None).await;
    assert_ne!(response.headers().get(header::ETAG), Some(&etag), "a new page, a new tag");
    assert!(text_of(response).await.contains("<title>New Bolide</title>"));
}

/// A guide's page reads the learner's progress from Redis: within their
/// rates, as the guides API's requests are; past them, the page everyone
/// gets (no Redis), never a refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learners_guide_page_is_counted_in_their_rate() {
    let redis = RedisServer::start();
    let dist = dist();
    std::fs::write(dist.path().join("index.html"), INDEX_WITH_SHELL).expect("index");
    let url = redis.url();
    let dir = dist.path().to_str().expect("utf-8 path").to_string();
    let bolide = bolide_tests::BolideProcess::serve(
        &["--redis-url", &url, "--shared", "--dist", &dir, "--no-worker", "--rate-session", "1"],
        &[],
    );
    let mut browser = common::Client::of_process(&bolide);
    assert_eq!(browser.console("PING").await, "PONG");
    let cookie = browser.cookie().expect("a sandbox").to_string();
    let http = reqwest::Client::new();
    let mut learners = Vec::new();
    for _ in 0..8 {
        let response = http
            .get(bolide.url("/guides/redis-basics"))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), StatusCode::OK);
        let private = response.headers().get(header::CACHE_CONTROL).is_some_and(|v| v == "private, no-cache");
        let page = response.text().await.expect("text");
        assert!(page.contains("<h1>Redis basics</h1>"), "{page}");
        learners.push(private);
    }
    assert!(learners[0], "the first is drawn for the learner");
    assert!(learners.iter().any(|private| !private), "past the rate, everyone's page: {learners:?}");
}

#[tokio::test]
async fn api_is_not_shadowed_by_the_app_fallback() {
    let redis = RedisServer::start();
    let dist = dist();
    let router = app(AppState::connect(&redis.url()).expect("url"), dist.path());
    let response = get(&router, "/api/nothing-here", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).expect("type"), "application/json");
}

#[tokio::test]
async fn missing_build_says_how_to_build_it() {
    let redis = RedisServer::start();
    let router =
        app(AppState::connect(&redis.url()).expect("url"), std::path::Path::new("/nonexistent-dist"));
    let response = get(&router, "/", None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("trunk build"));
}
