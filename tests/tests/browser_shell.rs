//! The app shell in a real browser: the real `bolide` binary serving the
//! built app on its embedded Redis, driven through headless Chromium.
//!
//! Needs the app built into `target/e2e-dist` (`trunk build --dist
//! target/e2e-dist`) and `target/debug/bolide`; the README's test command
//! does both before `cargo test`.

use std::time::Duration;

use bolide_tests::browser::{save_screenshot, serve_app};
use bolide_tests::{http, process_alive, redis_ping, send_signal, wait_until, Browser, Signal};
use fantoccini::{Client, Locator};

async fn text_of(client: &Client, css: &str) -> String {
    let element = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no element {css}: {err}"));
    element.text().await.expect("text")
}

/// Waits until the badge's `data-status` is `want`, returning its text.
async fn badge_becomes(client: &Client, want: &str, within: Duration) -> String {
    let css = format!(".badge[data-status='{want}']");
    let element = client
        .wait()
        .at_most(within)
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|err| panic!("badge never showed {want}: {err}"));
    element.text().await.expect("badge text")
}

#[tokio::test]
async fn shell_renders_navigates_and_shows_connection_state() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start().await;
    let client = &browser.client;

    client.goto(&bolide.url("/")).await.expect("open home");
    let badge = badge_becomes(client, "connected", Duration::from_secs(20)).await;
    assert!(badge.contains("Connected"), "{badge}");
    assert!(badge.contains(&format!("port {}", bolide.redis_port)), "badge shows the Redis port: {badge}");
    assert_eq!(text_of(client, ".brand").await.trim_start_matches('☄').trim(), "Bolide");
    let connect = text_of(client, ".connect").await;
    assert!(connect.contains(&format!("redis-cli -p {}", bolide.redis_port)), "{connect}");
    // A local Bolide has one student: no sandbox panel.
    assert!(
        client.find_all(Locator::Css(".sandbox")).await.expect("find").is_empty(),
        "no sandbox panel locally"
    );
    // index.html's loading state was replaced by the app, not left beside it.
    assert!(
        client.find_all(Locator::Css("#boot")).await.expect("find").is_empty(),
        "the loading state is gone"
    );
    assert_eq!(client.find_all(Locator::Css("header.topbar")).await.expect("find").len(), 1, "one top bar");
    let page = http::get(&bolide.url("/")).await.expect("index.html");
    assert!(page.text().contains("Loading Bolide"), "the first paint is never blank: {}", page.text());

    // The README's picture (BOLIDE_UPDATE_SCREENSHOTS=1 refreshes docs/).
    save_screenshot(client, "screenshot").await;

    // Every section is one click away, and the URL follows.
    for (label, path, heading) in [
        ("Console", "/console", "Console"),
        ("Keys", "/keys", "Keys"),
        ("Data", "/data", "Meteorite data"),
        ("Jobs", "/jobs", "Analysis jobs"),
        ("Guides", "/guides", "Guides"),
    ] {
        let link =
            client.find(Locator::LinkText(label)).await.unwrap_or_else(|e| panic!("nav link {label}: {e}"));
        link.click().await.expect("click");
        assert_eq!(text_of(client, "main h1").await, heading);
        assert_eq!(client.current_url().await.expect("url").path(), path);
        let active = text_of(client, ".topnav__link--active").await;
        assert_eq!(active, label);
    }

    // A client-side route loaded directly (reload, shared link) works, and
    // an unknown one shows the 404 page.
    client.goto(&bolide.url("/jobs")).await.expect("direct load");
    assert_eq!(text_of(client, "main h1").await, "Analysis jobs");
    // It downloaded the jobs page's bundle and no other (each page is its
    // own wasm: frontend/src/app.rs).
    let wasm = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(p => p.endsWith('.wasm'))",
            vec![],
        )
        .await
        .expect("resource entries");
    let wasm: Vec<&str> = wasm.as_array().expect("a list").iter().filter_map(|p| p.as_str()).collect();
    assert!(
        matches!(wasm.as_slice(), [one] if one.starts_with("/jobs-") && one.ends_with("_bg.wasm")),
        "{wasm:?}"
    );
    client.goto(&bolide.url("/no/such/page")).await.expect("unknown page");
    assert_eq!(text_of(client, "main h1").await, "Page not found");
    assert!(text_of(client, ".not-found").await.contains("/no/such/page"));

    // Redis dies: Bolide starts it again on the same port by itself (the
    // badge's "Redis down" while it is away is a frontend test's, it lasts a
    // fraction of a second here), and the badge is connected again. Then
    // the backend dies: the badge says so.
    let redis_pid = bolide.redis_pid.expect("embedded redis pid");
    send_signal(redis_pid, Signal::KILL);
    let port = bolide.redis_port;
    assert!(
        wait_until(Duration::from_secs(20), || !process_alive(redis_pid) && redis_ping(port)),
        "a new redis-server answers on port {port}"
    );
    let badge = badge_becomes(client, "connected", Duration::from_secs(20)).await;
    assert!(badge.contains(&format!("port {port}")), "{badge}");
    bolide.kill9();
    let badge = badge_becomes(client, "backend-down", Duration::from_secs(10)).await;
    assert_eq!(badge, "Backend down");

    browser.close().await;
}
