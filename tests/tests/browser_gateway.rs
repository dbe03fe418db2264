//! The home page's "connect your own scripts" box in a hosted class, in a
//! real browser: the Redis URL it shows (password hidden until asked for)
//! lets a program in as the browser's own sandbox — what the program
//! writes, the browser's console reads.

use bolide_tests::browser::{run_console_line, serve_app_with, text_becomes, wait_for};
use bolide_tests::Browser;
use fantoccini::Locator;

#[tokio::test]
async fn the_home_page_url_lets_a_script_into_the_browsers_own_sandbox() {
    let (bolide, _data) = serve_app_with(&["--shared", "--no-worker", "--gateway-listen", "127.0.0.1:0"]);
    let browser = Browser::start().await;
    let page = &browser.client;

    // A sandbox starts with the first command.
    page.goto(&bolide.url("/console")).await.expect("console");
    assert_eq!(run_console_line(page, "PING").await, "PONG");
    page.goto(&bolide.url("/")).await.expect("home");
    let hidden = text_becomes(page, "p.connect", "Connect your own scripts to your sandbox").await;
    assert!(hidden.contains("••••••"), "the password is hidden at first: {hidden}");

    wait_for(page, "p.connect button.link").await.click().await.expect("show the password");
    text_becomes(page, "p.connect button.link", "Hide the password").await;
    let mut url = None;
    for code in page.find_all(Locator::Css("p.connect code")).await.expect("codes") {
        let text = code.text().await.expect("text");
        if let Some(shown) = text.strip_prefix("redis-cli -u ") {
            url = Some(shown.trim().to_string());
        }
    }
    let url = url.expect("the box shows a redis-cli -u line");
    assert!(url.starts_with("redis://bolide-s-") && !url.contains('•'), "{url}");

    // A program with that URL writes; the browser's console reads it.
    let mut script = redis::Client::open(url.as_str())
        .and_then(|client| client.get_connection())
        .unwrap_or_else(|err| panic!("cannot connect with {url}: {err}"));
    let () = redis::cmd("SET")
        .arg("from:script")
        .arg("written by my own program")
        .query(&mut script)
        .expect("SET through the gateway");
    page.goto(&bolide.url("/console")).await.expect("console");
    assert_eq!(run_console_line(page, "GET from:script").await, "\"written by my own program\"");
    // And the other way round.
    assert_eq!(run_console_line(page, "SET from:browser typed").await, "OK");
    let typed: String = redis::cmd("GET").arg("from:browser").query(&mut script).expect("GET");
    assert_eq!(typed, "typed");

    browser.close().await;
}
