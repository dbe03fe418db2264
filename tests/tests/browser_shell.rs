//! The app shell in a real browser: the real `bolide` binary serving the
//! built app on its embedded Redis, driven through headless Chromium.
//!
//! Needs the app built into `target/e2e-dist` (`trunk build --dist
//! target/e2e-dist`) and `target/debug/bolide`; the README's test command
//! does both before `cargo test`.

use std::time::Duration;

use bolide_tests::browser::{app_took_over, emulate_viewport, save_screenshot, serve_app};
use bolide_tests::{http, process_alive, redis_ping, send_signal, wait_until, Browser, Signal};
use fantoccini::{Client, Locator};
use serde_json::Value;

async fn text_of(client: &Client, css: &str) -> String {
    app_took_over(client).await;
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
    let page = http::get(&bolide.url("/")).await.expect("index.html").text();
    let shell = &page[page.find("<div id=\"boot\"").expect("a loading shell")..];
    assert!(shell.contains(bolide_shared::pages::HOME.title), "the first paint is the page's head: {shell}");

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

/// The loading shell the server sends with each page (its heading, lead,
/// a guide's title: backend/src/boot_shell/) is the app's first drawing
/// of that page: each of its elements is where the app draws its twin,
/// with the same words, on a phone and a desktop, so the hand-over moves
/// nothing and paints nothing larger. (Drawn hidden over the app's page,
/// from the HTML as served.)
#[tokio::test]
async fn each_pages_loading_shell_is_where_the_app_draws_it() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start_with_size(1280, 900).await;
    let client = &browser.client;
    let pages = ["/", "/console", "/keys", "/data", "/jobs", "/guides", "/guides/redis-basics"];
    for (width, phone) in [(390, true), (1280, false)] {
        emulate_viewport(client, width, 844, phone).await;
        for path in pages {
            let served = http::get(&bolide.url(path)).await.expect("page").text();
            assert!(!served.contains("Loading Bolide"), "{path} has its own first content: {served}");
            client.goto(&bolide.url(path)).await.expect("open");
            app_took_over(client).await;
            let found = client
                .execute(
                    "const t = document.createElement('template'); t.innerHTML = arguments[0];
                     const shell = t.content.querySelector('#boot');
                     shell.removeAttribute('data-hold');
                     Object.assign(shell.style, { position: 'absolute', top: '0', left: '0', width: '100%', visibility: 'hidden' });
                     document.body.prepend(shell);
                     const shellMain = shell.querySelector('main'), appMain = document.querySelector('body > main');
                     const path = (el) => {
                       const steps = [];
                       for (; el !== shellMain; el = el.parentElement) {
                         steps.unshift(`${el.tagName.toLowerCase()}:nth-child(${[...el.parentElement.children].indexOf(el) + 1})`);
                       }
                       return ':scope > ' + steps.join(' > ');
                     };
                     const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height].map(Math.round); };
                     // Each element with words of its own (containers grow with the
                     // rest of the page), but the lines a page changes once its
                     // first API answers arrive (\"Checking the server…\",
                     // \"Loading the guides…\", the console's prompt).
                     const words = (el) => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
                     const lasting = [...shellMain.querySelectorAll('*')]
                       .filter(el => words(el) && !el.closest('[role=status], .connect, .console-input-line'));
                     const found = lasting.map(el => {
                       const twin = appMain.querySelector(path(el));
                       return { what: path(el), shell: [el.textContent, rect(el)], app: twin && [twin.textContent, rect(twin)] };
                     });
                     shell.remove();
                     return found;",
                    vec![Value::String(served)],
                )
                .await
                .expect("compare the shell with the app");
            let found = found.as_array().expect("a list");
            assert!(found.len() >= 2, "{path}: the shell holds the page's head: {found:?}");
            for element in found {
                assert_eq!(element["shell"], element["app"], "{path} at {width} px: {}", element["what"]);
            }
        }
    }
    browser.close().await;
}

/// A page with a console opens at its top, its console's input focused in
/// place: on a phone a guide's console is below the step, and focusing it
/// used to scroll the page past the guide's introduction (drawing the
/// step's Python again at the top of the screen, a larger paint than the
/// shell's: README, "The browser app's weight", session 28).
#[tokio::test]
async fn a_page_with_a_console_opens_at_its_top_with_the_input_focused() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start_with_size(412, 823).await;
    let client = &browser.client;
    emulate_viewport(client, 412, 823, true).await;
    for path in ["/guides/redis-basics", "/console"] {
        client.goto(&bolide.url(path)).await.expect("open");
        app_took_over(client).await;
        let focused = || async {
            let found = client
                .execute(
                    "return document.activeElement && document.activeElement.getAttribute('aria-label')",
                    vec![],
                )
                .await
                .expect("the focus");
            found == Value::String("Redis command".into())
        };
        let mut waited = 0;
        while !focused().await {
            assert!(waited < 200, "{path}: the console's input never got the focus");
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let scrolled = client.execute("return window.scrollY", vec![]).await.expect("scrollY");
        assert_eq!(scrolled.as_f64(), Some(0.0), "{path} scrolled to its console");
    }
    browser.close().await;
}
