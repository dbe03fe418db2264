//! The Keys page in a real browser, on the real binary and its embedded
//! Redis: keys made in the console show in the tree (folders by `:`, with
//! counts, opened lazily); a hash field and a TTL edited on the page are
//! what the console then reads; a change made in the console shows on the
//! page without a reload; a landing's panel shows what it costs as a hash
//! and as one JSON string, its folder how many keys and bytes; what is
//! typed in a box survives the page's refreshes.

use bolide_tests::browser::{run_console_line, save_screenshot, serve_app, text_becomes, wait_for};
use bolide_tests::Browser;
use fantoccini::{Client, Locator};

/// Clicks the first element matching `css`, scrolled to the middle of the
/// window first (the sticky top bar would take a click at the top).
async fn click(client: &Client, css: &str) {
    let element = wait_for(client, css).await;
    let script = "arguments[0].scrollIntoView({block: 'center'})";
    client.execute(script, vec![serde_json::to_value(&element).expect("element")]).await.expect("scroll");
    element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Types `text` into the input matching `css`, replacing what it held.
async fn type_into(client: &Client, css: &str, text: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

#[tokio::test]
async fn keys_made_in_the_console_are_browsed_and_edited() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start().await;
    let client = &browser.client;

    // Keys made in the console.
    client.goto(&bolide.url("/console")).await.expect("open console");
    assert_eq!(run_console_line(client, "HSET user:1 name Joe email joe@example.com").await, "(integer) 2");
    assert_eq!(run_console_line(client, "HSET user:2 name Ann").await, "(integer) 1");
    assert_eq!(run_console_line(client, "SET my_key my_value").await, "OK");
    assert_eq!(run_console_line(client, "RPUSH queue:jobs a b c").await, "(integer) 3");

    // The tree: two folders with their counts, one key at the top.
    client.find(Locator::LinkText("Keys")).await.expect("nav link").click().await.expect("click");
    text_becomes(client, "main h1", "Keys").await;
    let user = text_becomes(client, ".keys-folder[data-prefix=\"user:\"]", "user").await;
    assert!(user.contains('2'), "{user}");
    let queue = text_becomes(client, ".keys-folder[data-prefix=\"queue:\"]", "queue").await;
    assert!(queue.contains('1'), "{queue}");
    text_becomes(client, ".keys-key[data-key=\"my_key\"]", "my_key").await;
    assert!(
        client.find(Locator::Css(".keys-key[data-key=\"user:1\"]")).await.is_err(),
        "folders open lazily"
    );

    // Open the folder, pick the hash: its fields and the commands behind them.
    click(client, ".keys-folder[data-prefix=\"user:\"] > button").await;
    click(client, ".keys-key[data-key=\"user:1\"] > button").await;
    text_becomes(client, ".keys-fact-type", "hash").await;
    text_becomes(client, ".keys-table tr[data-field=\"email\"]", "joe@example.com").await;
    text_becomes(client, ".keys-commands", "MEMORY USAGE user:1").await;

    // Edit a hash field: the command it ran is shown, the table follows.
    type_into(client, "#keys-edit-field", "email").await;
    type_into(client, "#keys-edit-value", "joe@bolide.dev").await;
    click(client, ".keys-hset").await;
    text_becomes(client, ".keys-commands", "HSET user:1 email joe@bolide.dev").await;
    text_becomes(client, ".keys-table tr[data-field=\"email\"]", "joe@bolide.dev").await;

    // And a TTL.
    type_into(client, "#keys-ttl", "500").await;
    click(client, ".keys-expire").await;
    text_becomes(client, ".keys-commands", "PEXPIRE user:1 500000").await;
    text_becomes(client, ".keys-fact-ttl", "min").await;
    save_screenshot(client, "keys").await;

    // The console below sees both.
    assert_eq!(run_console_line(client, "HGET user:1 email").await, "\"joe@bolide.dev\"");
    let ttl = run_console_line(client, "TTL user:1").await;
    let seconds: i64 = ttl.trim_start_matches("(integer) ").parse().expect("a TTL");
    assert!((490..=500).contains(&seconds), "{ttl}");

    // A change made in the console shows on the page, no reload.
    assert_eq!(run_console_line(client, "HSET user:1 city Paris").await, "(integer) 1");
    text_becomes(client, ".keys-table tr[data-field=\"city\"]", "Paris").await;
    assert_eq!(run_console_line(client, "SET user:3 x").await, "OK");
    text_becomes(client, ".keys-folder[data-prefix=\"user:\"] > button", "3").await;

    // Delete asks first.
    click(client, ".keys-delete").await;
    text_becomes(client, ".keys-confirm", "DEL user:1").await;
    click(client, ".keys-delete-yes").await;
    text_becomes(client, ".keys-hint", "Pick a key").await;
    assert_eq!(run_console_line(client, "EXISTS user:1").await, "(integer) 0");

    // A sorted set, by rank, then by score (ZRANGE … BYSCORE).
    assert_eq!(run_console_line(client, "ZADD board 1 ann 5 bob 10 cid").await, "(integer) 3");
    click(client, ".keys-key[data-key=\"board\"] > button").await;
    text_becomes(client, ".keys-table tr[data-field=\"ann\"]", "ann").await;
    // What is typed in a box survives the panel's re-renders (every console
    // line and every few seconds re-render it): type once, let a console
    // line re-render the page, then ask.
    type_into(client, "#keys-score-min", "2").await;
    assert_eq!(run_console_line(client, "ZCARD board").await, "(integer) 3");
    let typed = wait_for(client, "#keys-score-min").await.prop("value").await.expect("value");
    assert_eq!(typed.as_deref(), Some("2"), "a re-render wiped the typed bound");
    click(client, ".keys-by-score").await;
    let mut fields = Vec::new();
    for _ in 0..100 {
        fields.clear();
        for row in client.find_all(Locator::Css(".keys-table tr[data-field]")).await.expect("rows") {
            fields.push(row.attr("data-field").await.ok().flatten().unwrap_or_default());
        }
        if fields == ["bob", "cid"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(fields, ["bob", "cid"], "scores from 2 leave ann out");

    browser.close().await;
}

#[tokio::test]
async fn a_landing_shows_what_it_costs_as_a_hash_and_as_json() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start().await;
    let client = &browser.client;

    client.goto(&bolide.url("/console")).await.expect("open console");
    let line = "HSET meteorite:1 name Aachen id 1 nametype Valid recclass L5 mass 21 fall Fell year 1880";
    assert_eq!(run_console_line(client, line).await, "(integer) 7");
    assert_eq!(run_console_line(client, "HSET meteorite:2 name Aarhus id 2").await, "(integer) 2");
    let memory = run_console_line(client, "MEMORY USAGE meteorite:1").await;
    let hash_bytes = memory.trim_start_matches("(integer) ").to_string();

    client.find(Locator::LinkText("Keys")).await.expect("nav link").click().await.expect("click");
    click(client, ".keys-folder[data-prefix=\"meteorite:\"] > button").await;
    // The folder: measured on request.
    click(client, ".keys-folder[data-prefix=\"meteorite:\"] .keys-cost-measure").await;
    text_becomes(client, ".keys-cost-keys", "2").await;
    // The hash: at once, beside the JSON string.
    click(client, ".keys-key[data-key=\"meteorite:1\"] > button").await;
    text_becomes(client, ".keys-panel .keys-cost-hash", &hash_bytes).await;
    text_becomes(client, ".keys-panel .keys-cost-hash", "listpack").await;
    let json = text_becomes(client, ".keys-panel .keys-cost-json", "JSON string").await;
    assert!(json.split_whitespace().any(|w| w.parse::<u64>().is_ok_and(|n| n > 50)), "{json}");
    text_becomes(client, ".keys-panel .keys-cost-meaning", "HGET").await;
    text_becomes(client, ".keys-panel .keys-cost-names", "(11 bytes for yours)").await;
    save_screenshot(client, "keys-cost").await;
    text_becomes(client, ".keys-panel .keys-cost .keys-commands", "MEMORY USAGE meteorite:1").await;
    // Nothing of the measurement is left in the student's database.
    assert_eq!(run_console_line(client, "DBSIZE").await, "(integer) 2");

    browser.close().await;
}
