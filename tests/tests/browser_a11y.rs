//! Accessibility, themes and the phone layout, in a real browser.
//!
//! - axe-core (pinned in tools/axe, installed by the README's test command)
//!   is injected into every page — home, console, data with a record open,
//!   jobs with a finished job open, guides and a guide, keys with a key
//!   open — and must find no violation, in the light theme and in the dark
//!   one (the system's `prefers-color-scheme`, emulated over DevTools). A
//!   failure lists each rule, why, and the elements it found.
//! - The theme toggle: it shows the theme the system asks for, a click
//!   switches, and the pick is remembered over a reload.
//! - At 390×844 (a phone): no page scrolls sideways, the sticky top bar is
//!   at most 60 px, a tapped job or landing brings its panel into view, and
//!   a guide's Run brings the console (its output) into view.
//! - index.html's loading shell is there and its top bar is as tall as the
//!   app's, so replacing it moves nothing (no layout shift).

use std::time::Duration;

use bolide_tests::browser::{
    emulate_color_scheme, emulate_viewport, guide_with_a_run, save_screenshot, serve_app_with_data_and_a_job,
    wait_for,
};
use bolide_tests::{http, workspace_root, BolideProcess, Browser};
use fantoccini::Client;
use serde_json::Value;

/// axe-core's browser build, as `npm ci --prefix tools/axe` installs it.
fn axe_source() -> String {
    let path = workspace_root().join("tools/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{}: {err}; install axe-core with `npm ci --prefix tools/axe` (the README's test command does)",
            path.display()
        )
    })
}

/// Runs axe on the page as it is and returns its violations.
async fn axe_violations(client: &Client, axe: &str) -> Vec<Value> {
    let loaded = client.execute("return typeof window.axe !== 'undefined'", vec![]).await.expect("axe?");
    if loaded != Value::Bool(true) {
        client.execute(axe, vec![]).await.expect("inject axe-core");
    }
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations), e => done({ error: String(e) }));",
            vec![],
        )
        .await
        .expect("axe.run");
    match found {
        Value::Array(violations) => violations,
        other => panic!("axe.run failed: {other}"),
    }
}

/// One violation per paragraph: rule, impact, help, and each element with
/// axe's account of what is wrong with it.
fn describe(violations: &[Value]) -> String {
    let mut out = String::new();
    for violation in violations {
        out.push_str(&format!(
            "\n* {} ({}): {}\n",
            violation["id"].as_str().unwrap_or("?"),
            violation["impact"].as_str().unwrap_or("?"),
            violation["help"].as_str().unwrap_or("?"),
        ));
        for node in violation["nodes"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "    {}\n      {}\n",
                node["target"],
                node["failureSummary"].as_str().unwrap_or("").replace('\n', "\n      ")
            ));
        }
    }
    out
}

async fn assert_accessible(client: &Client, axe: &str, what: &str) {
    let violations = axe_violations(client, axe).await;
    assert!(
        violations.is_empty(),
        "axe found {} violation(s) on {what}:{}",
        violations.len(),
        describe(&violations)
    );
}

async fn click(client: &Client, css: &str) {
    let element = wait_for(client, css).await;
    // Into the middle of the window first: the sticky top bar would take a
    // click at the top.
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center', inline: 'start' })",
            vec![serde_json::to_value(&element).expect("el")],
        )
        .await
        .expect("scroll");
    element.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
}

/// Waits (10 s at most) until `script` returns true.
async fn until(client: &Client, script: &str, what: &str) {
    for _ in 0..200 {
        if client.execute(script, vec![]).await.expect("script") == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

/// Waits for the app's first render: the first load compiles the debug
/// build's wasm, which takes a while on a loaded machine; later pages
/// reuse it.
async fn first_load(client: &Client) {
    bolide_tests::browser::app_took_over(client).await;
    client
        .wait()
        .at_most(Duration::from_secs(90))
        .for_element(fantoccini::Locator::Css("header.topbar .theme-toggle"))
        .await
        .expect("the app never rendered");
}

/// Opens each page in the state the checks need (a record, a job, a key
/// open) and runs axe on it; `theme` names the pass in failures.
async fn visit_every_page(
    client: &Client,
    bolide: &BolideProcess,
    job: &str,
    guide: &str,
    axe: &str,
    theme: &str,
) {
    let page = |path: &str| format!("{path} ({theme} theme)");
    client.goto(&bolide.url("/")).await.expect("home");
    wait_for(client, ".badge[data-status='connected']").await;
    assert_accessible(client, axe, &page("/")).await;

    client.goto(&bolide.url("/console")).await.expect("console");
    wait_for(client, "#console-input").await;
    assert_accessible(client, axe, &page("/console")).await;

    client.goto(&bolide.url("/data")).await.expect("data");
    click(client, "tr.data-row").await;
    wait_for(client, ".record-panel .record-fields").await;
    wait_for(client, "#data-map circle.landing").await;
    assert_accessible(client, axe, &page("/data with a record open")).await;
    if theme == "dark" {
        // The README's dark-theme picture (BOLIDE_UPDATE_SCREENSHOTS=1).
        save_screenshot(client, "data-dark").await;
    }

    client.goto(&bolide.url("/jobs")).await.expect("jobs");
    click(client, &format!("tr.job-row[data-id='{job}']")).await;
    wait_for(client, "#job-details[data-status='succeeded'] .job-results").await;
    assert_accessible(client, axe, &page("/jobs with a job open")).await;

    client.goto(&bolide.url("/guides")).await.expect("guides");
    wait_for(client, ".guide-card__link").await;
    assert_accessible(client, axe, &page("/guides")).await;

    client.goto(&bolide.url(&format!("/guides/{guide}"))).await.expect("a guide");
    wait_for(client, ".guide-step").await;
    wait_for(client, "#console-input").await;
    assert_accessible(client, axe, &page(&format!("/guides/{guide}"))).await;

    client.goto(&bolide.url("/keys")).await.expect("keys");
    click(client, ".keys-folder[data-prefix=\"meteorite:\"] > button").await;
    click(client, ".keys-key > button").await;
    wait_for(client, ".keys-panel .keys-facts").await;
    assert_accessible(client, axe, &page("/keys with a key open")).await;
}

/// The page's background colour, as computed (the theme actually applied).
async fn background(client: &Client) -> String {
    let colour = client
        .execute("return getComputedStyle(document.documentElement).backgroundColor", vec![])
        .await
        .expect("background");
    colour.as_str().unwrap_or_default().to_owned()
}

const LIGHT_BG: &str = "rgb(246, 247, 251)";
const DARK_BG: &str = "rgb(15, 20, 32)";

#[tokio::test]
async fn every_page_passes_axe_in_both_themes_and_the_toggle_is_remembered() {
    let axe = axe_source();
    let (bolide, _data, job) = serve_app_with_data_and_a_job().await;
    let guide = guide_with_a_run(&bolide).await;
    let browser = Browser::start_with_size(1280, 1000).await;
    let client = &browser.client;

    emulate_color_scheme(client, "light").await;
    client.goto(&bolide.url("/")).await.expect("home");
    first_load(client).await;
    assert_eq!(background(client).await, LIGHT_BG);
    // A focused table row shows it: an outline, not only a faint background.
    client.goto(&bolide.url("/data")).await.expect("data");
    wait_for(client, "tr.data-row").await;
    let outline = client
        .execute(
            "const row = document.querySelector('tr.data-row'); row.focus();
             const style = getComputedStyle(row);
             return [document.activeElement === row, style.outlineStyle, parseFloat(style.outlineWidth)];",
            vec![],
        )
        .await
        .expect("focus a row");
    assert_eq!(outline[0], Value::Bool(true), "the row takes the focus");
    assert!(
        outline[1] != "none" && outline[2].as_f64() >= Some(2.0),
        "a focused row has an outline: {outline}"
    );
    visit_every_page(client, &bolide, &job, &guide, &axe, "light").await;

    emulate_color_scheme(client, "dark").await;
    client.goto(&bolide.url("/")).await.expect("home");
    assert_eq!(background(client).await, DARK_BG, "the page follows the system's dark setting");
    let toggle = wait_for(client, ".theme-toggle").await;
    assert_eq!(toggle.attr("aria-pressed").await.expect("pressed").as_deref(), Some("true"));
    visit_every_page(client, &bolide, &job, &guide, &axe, "dark").await;

    // The toggle beats the system setting, and is remembered.
    client.goto(&bolide.url("/")).await.expect("home");
    click(client, ".theme-toggle").await;
    assert_eq!(background(client).await, LIGHT_BG, "the toggle switched to light");
    let stored =
        client.execute("return localStorage.getItem('bolide-theme')", vec![]).await.expect("storage");
    assert_eq!(stored, "light");
    client.goto(&bolide.url("/console")).await.expect("reload on another page");
    wait_for(client, "#console-input").await;
    assert_eq!(background(client).await, LIGHT_BG, "the pick survives a reload");
    let toggle = wait_for(client, ".theme-toggle").await;
    assert_eq!(toggle.attr("aria-pressed").await.expect("pressed").as_deref(), Some("false"));
    click(client, ".theme-toggle").await;
    assert_eq!(background(client).await, DARK_BG);

    browser.close().await;
}

/// Fails unless the page has no sideways scroll and a top bar of at most 60 px.
async fn assert_fits_a_phone(client: &Client, what: &str) {
    let sizes = client
        .execute(
            "return [document.scrollingElement.scrollWidth, window.innerWidth,
                     document.querySelector('header.topbar').getBoundingClientRect().height];",
            vec![],
        )
        .await
        .expect("sizes");
    let [scroll, width, bar] = [0, 1, 2].map(|i| sizes[i].as_f64().expect("a number"));
    assert!(width <= 400.0, "the window is a phone's: {width} px");
    assert!(scroll <= width, "{what} scrolls sideways: {scroll} px wide in a {width} px window");
    assert!(bar <= 60.0, "{what}: the top bar is {bar} px tall");
}

/// Whether the element's top is in the window, below the top bar.
async fn in_view(client: &Client, css: &str) -> bool {
    let script = format!(
        "const r = document.querySelector({css:?}).getBoundingClientRect();
         const bar = document.querySelector('header.topbar').getBoundingClientRect().bottom;
         return r.top >= bar - 1 && r.top < window.innerHeight - 40;"
    );
    client.execute(&script, vec![]).await.expect("position") == Value::Bool(true)
}

#[tokio::test]
async fn a_phone_sees_every_page_without_sideways_scrolling_and_tapped_details() {
    let (bolide, _data, job) = serve_app_with_data_and_a_job().await;
    let guide = guide_with_a_run(&bolide).await;
    let browser = Browser::start_with_size(500, 844).await;
    let client = &browser.client;

    emulate_viewport(client, 390, 844, true).await;
    client.goto(&bolide.url("/")).await.expect("home");
    first_load(client).await;
    wait_for(client, ".badge[data-status='connected']").await;
    assert_fits_a_phone(client, "/").await;

    // The loading shell index.html paints first (here with the home page's
    // head, which browser_shell compares with the app's), and its top bar
    // is the app's height: replacing it shifts nothing below.
    let index = http::get(&bolide.url("/")).await.expect("index.html").text();
    assert!(index.contains("id=\"boot\"") && index.contains(bolide_shared::pages::HOME.title), "{index}");
    for width in [390, 1280] {
        emulate_viewport(client, width, 844, width < 640).await;
        let heights = client
            .execute(
                "const t = document.createElement('template'); t.innerHTML = arguments[0];
                 const boot = t.content.querySelector('#boot header.topbar');
                 boot.style.visibility = 'hidden'; document.body.appendChild(boot);
                 const h = boot.getBoundingClientRect().height; boot.remove();
                 return [h, document.querySelector('header.topbar').getBoundingClientRect().height];",
                vec![Value::String(index.clone())],
            )
            .await
            .expect("measure the loading state");
        let (boot, app) = (heights[0].as_f64().expect("h"), heights[1].as_f64().expect("h"));
        assert!((boot - app).abs() < 1.0, "at {width} px the loading bar is {boot} px, the app's {app} px");
    }
    emulate_viewport(client, 390, 844, true).await;

    for path in ["/console", "/guides", "/keys", "/no/such/page"] {
        client.goto(&bolide.url(path)).await.expect("page");
        wait_for(client, "main h1").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_fits_a_phone(client, path).await;
    }

    // Data: a tapped row's record comes into view (it sits below the table).
    client.goto(&bolide.url("/data")).await.expect("data");
    wait_for(client, "tr.data-row").await;
    assert_fits_a_phone(client, "/data").await;
    click(client, "tr.data-row").await;
    wait_for(client, ".record-panel .record-fields").await;
    until(
        client,
        "return document.activeElement.classList.contains('record-panel')",
        "the record has the focus",
    )
    .await;
    assert!(in_view(client, ".record-panel").await, "the tapped landing's record is in view");
    assert_fits_a_phone(client, "/data with a record open").await;

    // Jobs: the same for a tapped job's details.
    client.goto(&bolide.url("/jobs")).await.expect("jobs");
    let row = format!("tr.job-row[data-id='{job}']");
    wait_for(client, &row).await;
    assert_fits_a_phone(client, "/jobs").await;
    click(client, &row).await;
    wait_for(client, "#job-details .job-results").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(in_view(client, "#job-details").await, "the tapped job's details are in view");
    assert_fits_a_phone(client, "/jobs with a job open").await;

    // A guide: Run brings the console, and so the line's output, into view.
    client.goto(&bolide.url(&format!("/guides/{guide}"))).await.expect("guide");
    wait_for(client, ".guide-step").await;
    assert_fits_a_phone(client, &format!("/guides/{guide}")).await;
    click(client, "button.guide-run").await;
    wait_for(client, ".guide-console .console-entry pre.console-output").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(in_view(client, ".guide-console .console-terminal").await, "Run's output is in view");
    save_screenshot(client, "phone-guide").await;

    browser.close().await;
}
