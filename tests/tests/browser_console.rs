//! The console page in a real browser, on the real binary and its embedded
//! Redis: typing, exact outputs, history, completion, hints, the code panel,
//! binary-exact programs in the code panel, and keys rendered as text.

use bolide_tests::browser::{run_console_line, save_screenshot, serve_app, text_becomes, wait_for};
use bolide_tests::Browser;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

async fn input_value(client: &Client) -> String {
    wait_for(client, "#console-input").await.prop("value").await.expect("value").unwrap_or_default()
}

#[tokio::test]
async fn console_page_runs_commands_like_redis_cli() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start().await;
    let client = &browser.client;
    client.goto(&bolide.url("/console")).await.expect("open console");

    let prompt = wait_for(client, ".console-prompt").await.text().await.expect("prompt");
    assert!(prompt.contains(&format!("127.0.0.1:{}>", bolide.redis_port)), "{prompt}");

    // The page's very first keys, a Tab among them: the help table is asked
    // for at the first key, and the Tab completes once it is here.
    let input = wait_for(client, "#console-input").await;
    input.send_keys(&format!("hgetal{}", Key::Tab)).await.expect("type and tab");
    let mut completed = input_value(client).await;
    for _ in 0..50 {
        if completed == "hgetall" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        completed = input_value(client).await;
    }
    assert_eq!(completed, "hgetall", "a first Tab completes");
    input.clear().await.expect("clear");

    assert_eq!(run_console_line(client, "SET my_key my_value").await, "OK");
    assert_eq!(run_console_line(client, "GET my_key").await, "\"my_value\"");
    assert_eq!(run_console_line(client, "HSET k2 name Joe email x type instructor").await, "(integer) 3");
    assert_eq!(
        run_console_line(client, "HGETALL k2").await,
        "1) \"name\"\n2) \"Joe\"\n3) \"email\"\n4) \"x\"\n5) \"type\"\n6) \"instructor\""
    );

    // The code panel shows the same call with redis-py.
    let python = wait_for(client, ".code-panel .code-python").await.text().await.expect("python");
    assert!(python.contains("rd.hgetall('k2')"), "{python}");

    // ↑ brings back the last line; ↑ again the one before.
    let input = wait_for(client, "#console-input").await;
    input.send_keys(&Key::Up.to_string()).await.expect("up");
    assert_eq!(input_value(client).await, "HGETALL k2");
    input.send_keys(&Key::Up.to_string()).await.expect("up");
    assert_eq!(input_value(client).await, "HSET k2 name Joe email x type instructor");
    input.clear().await.expect("clear");

    // Tab completes a command name; the hint shows its arguments.
    input.send_keys("hge").await.expect("type");
    input.send_keys(&Key::Tab.to_string()).await.expect("tab");
    let completed = input_value(client).await;
    assert!(
        completed.eq_ignore_ascii_case("hget") || completed.eq_ignore_ascii_case("hgetall"),
        "{completed}"
    );
    input.clear().await.expect("clear");
    input.send_keys("SET k ").await.expect("type");
    let hint = wait_for(client, ".console-hint").await.text().await.expect("hint");
    assert!(hint.contains("value"), "hint after SET k: {hint}");
    input.clear().await.expect("clear");

    // Keys and values are text, never markup.
    assert_eq!(run_console_line(client, "SET \"<img src=x onerror=alert(1)>\" v").await, "OK");
    assert_eq!(run_console_line(client, "KEYS <img*").await, "1) \"<img src=x onerror=alert(1)>\"");
    assert!(client.find(Locator::Css(".console-output img")).await.is_err(), "markup was rendered");

    save_screenshot(client, "console").await;

    // History survives a reload.
    client.refresh().await.expect("reload");
    let input = wait_for(client, "#console-input").await;
    input.send_keys(&Key::Up.to_string()).await.expect("up");
    assert_eq!(input_value(client).await, "KEYS <img*");
    input.clear().await.expect("clear");

    // Bytes that are not UTF-8 stay those bytes in both programs (not
    // U+FFFD, which redis-py would store as three other bytes).
    assert_eq!(run_console_line(client, r#"SET bin "\x00\xff""#).await, "OK");
    let python = text_becomes(client, ".code-panel .code-python", "'bin'").await;
    assert!(python.contains(r"print(rd.set('bin', b'\x00\xff'))"), "{python}");
    let rust = wait_for(client, ".code-panel .code-rust").await.text().await.expect("rust");
    assert!(rust.contains(r#"con.set("bin", b"\x00\xff")?;"#), "{rust}");
    assert!(!python.contains('\u{fffd}') && !rust.contains('\u{fffd}'), "{python}\n{rust}");
    assert_eq!(run_console_line(client, "GET bin").await, r#""\x00\xff""#);
    let python = text_becomes(client, ".code-panel .code-python", "rd.get('bin')").await;
    assert!(python.contains(r"# b'\x00\xff'"), "what redis-py gets back: {python}");
    let rust = text_becomes(client, ".code-panel .code-rust", "con.get(\"bin\")").await;
    assert!(rust.contains("Vec<u8>") && rust.contains("[0, 255]"), "what the redis crate gets back: {rust}");

    browser.close().await;
}
