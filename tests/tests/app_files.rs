//! Files of the built app besides the page itself, served by the real
//! `bolide serve`.

use bolide_tests::browser::serve_app;
use bolide_tests::http;

/// Crawlers (and Lighthouse) ask for `/robots.txt`; it must be a robots
/// file, not the app's HTML from the client-route fallback.
#[tokio::test]
async fn robots_txt_is_a_robots_file() {
    let (bolide, _data) = serve_app();
    let response = http::get(&bolide.url("/robots.txt")).await.expect("robots.txt");
    assert_eq!(response.status, 200);
    assert!(
        response.header("content-type").is_some_and(|t| t.starts_with("text/plain")),
        "{:?}",
        response.headers
    );
    assert!(response.text().starts_with("User-agent: *"), "{}", response.text());
}
