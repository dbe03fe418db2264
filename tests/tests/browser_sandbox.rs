//! The home page's "Your sandbox" panel in a shared Bolide, in real
//! browsers: a student's code, hidden until shown, opens the same sandbox
//! in a second browser; a new code makes the old one useless; ending the
//! sandbox asks first. Locally the panel is not there.

use bolide_tests::browser::{run_console_line, serve_app_with, text_becomes, wait_for};
use bolide_tests::Browser;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

async fn shown_code(client: &Client) -> String {
    wait_for(client, "#sandbox-show-code[aria-expanded='false']").await.click().await.expect("show");
    let code = wait_for(client, "[data-sandbox-code]").await.text().await.expect("code");
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX: {code}");
    code
}

#[tokio::test]
async fn a_sandbox_code_opens_the_same_sandbox_in_another_browser() {
    let (bolide, _data) = serve_app_with(&["--shared"]);
    let first = Browser::start().await;
    let alice = &first.client;

    // Before any command there is no sandbox yet, and the panel says how one starts.
    alice.goto(&bolide.url("/")).await.expect("home");
    text_becomes(alice, ".sandbox", "first command").await;

    alice.goto(&bolide.url("/console")).await.expect("console");
    assert_eq!(run_console_line(alice, "SET mine \"from the first browser\"").await, "OK");
    alice.goto(&bolide.url("/")).await.expect("home");
    text_becomes(alice, ".sandbox", "in a sandbox of your own").await;
    // The page and its panel read one answer: `GET /api/sandbox` once.
    let asked = alice
        .execute(
            "return performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/api/sandbox').length",
            vec![],
        )
        .await
        .expect("resource entries");
    assert_eq!(asked, 1, "GET /api/sandbox on one visit of home");
    assert!(
        alice.find_all(Locator::Css("[data-sandbox-code]")).await.expect("find").is_empty(),
        "hidden at first"
    );
    let code = shown_code(alice).await;

    // Another browser (another device) opens it with the code.
    let second = Browser::start().await;
    let bob = &second.client;
    bob.goto(&bolide.url("/")).await.expect("home");
    let input = wait_for(bob, "#sandbox-resume-code").await;
    input.send_keys(&code.to_lowercase()).await.expect("type the code");
    input.send_keys(&Key::Enter.to_string()).await.expect("open");
    text_becomes(bob, ".sandbox [role='status']", "now works in that sandbox").await;
    bob.goto(&bolide.url("/console")).await.expect("console");
    assert_eq!(run_console_line(bob, "GET mine").await, "\"from the first browser\"");

    // A new code: the old one opens nothing any more.
    alice.goto(&bolide.url("/")).await.expect("home");
    let _ = shown_code(alice).await;
    wait_for(alice, "#sandbox-new-code").await.click().await.expect("new code");
    text_becomes(alice, ".sandbox [role='status']", "old one no longer").await;
    let fresh = wait_for(alice, "[data-sandbox-code]").await.text().await.expect("code");
    assert_ne!(fresh, code);
    let third = Browser::start().await;
    let carol = &third.client;
    carol.goto(&bolide.url("/")).await.expect("home");
    let input = wait_for(carol, "#sandbox-resume-code").await;
    input.send_keys(&code).await.expect("type the old code");
    input.send_keys(&Key::Enter.to_string()).await.expect("open");
    text_becomes(carol, ".sandbox [role='status']", "no sandbox has this code").await;

    // Ending it asks first; then the keys are gone for every browser.
    wait_for(alice, "#sandbox-end").await.click().await.expect("end");
    text_becomes(alice, ".sandbox-end", "End your sandbox?").await;
    bob.goto(&bolide.url("/console")).await.expect("console");
    assert_eq!(
        run_console_line(bob, "GET mine").await,
        "\"from the first browser\"",
        "nothing ended before confirming"
    );
    wait_for(alice, "#sandbox-end-confirm").await.click().await.expect("confirm");
    text_becomes(alice, ".sandbox [role='status']", "has ended").await;
    assert_eq!(run_console_line(bob, "GET mine").await, "(nil)", "the sandbox's keys went with it");

    first.close().await;
    second.close().await;
    third.close().await;
}
