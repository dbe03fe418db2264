//! The Jobs page in a real browser, against `bolide serve` and its
//! in-process worker: a bad form is refused before anything is sent; a
//! `count_per_class` job is submitted, its status goes from queued to
//! succeeded on the page, and the chart's bars are the API's result; after
//! a reload the job is still listed (it lives in Redis, not in the page).
//! Every other analysis is drawn from its own result; and without a worker
//! the page says so, and a queued job can be cancelled, then deleted.

use std::time::Duration;

use bolide_tests::browser::{save_screenshot, serve_app, serve_app_with, wait_for};
use bolide_tests::{http, Browser};
use fantoccini::{Client, Locator};
use serde_json::Value;

/// Records every status the details panel shows, from now on, in
/// `window.__jobStatuses` (a job can finish faster than WebDriver polls, so
/// the page itself keeps the history).
const WATCH_STATUSES: &str = r#"
    window.__jobStatuses = [];
    const record = () => {
        const details = document.querySelector('#job-details');
        const status = details && details.getAttribute('data-status');
        const seen = window.__jobStatuses;
        if (status && seen[seen.length - 1] !== status) seen.push(status);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
"#;

async fn statuses_seen(client: &Client) -> Vec<String> {
    let value = client.execute("return window.__jobStatuses || [];", vec![]).await.expect("read statuses");
    value
        .as_array()
        .map(|all| all.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The bars of the chart `css`, as `(label, value)`; `None` if the chart
/// re-rendered while being read.
async fn bars(client: &Client, css: &str) -> Option<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for bar in client.find_all(Locator::Css(css)).await.ok()? {
        let label = bar.attr("data-label").await.ok()??;
        let value = bar.attr("data-value").await.ok()??.parse().ok()?;
        out.push((label, value));
    }
    Some(out)
}

/// What the class chart must show for `counts`: the 20 biggest classes
/// (ties by name), then the rest summed as one "other" bar.
fn expected_bars(counts: &serde_json::Map<String, Value>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> =
        counts.iter().map(|(class, n)| (class.clone(), n.as_u64().expect("count"))).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if all.len() > 20 {
        let rest = all.split_off(20);
        all.push((format!("other ({} classes)", rest.len()), rest.iter().map(|(_, n)| n).sum()));
    }
    all
}

async fn job_total(base: &str) -> u64 {
    http::get(&format!("{base}/api/jobs?page=1&size=20")).await.expect("list").json()["total"]
        .as_u64()
        .expect("total")
}

#[tokio::test]
async fn jobs_page_submits_watches_and_draws_the_result() {
    let (bolide, _data) = serve_app();
    let generated = http::request("POST", &bolide.url("/api/data/generate?n=2000&seed=7"), &[], &[])
        .await
        .expect("generate");
    assert_eq!(generated.status, 200, "{}", generated.text());

    let browser = Browser::start_with_size(1400, 1800).await;
    let client = &browser.client;
    client.goto(&bolide.url("/jobs")).await.expect("open jobs page");

    // The in-process worker's heartbeat shows.
    let workers = wait_for(client, "#job-workers-alive").await.text().await.expect("workers");
    assert!(workers.parse::<u32>().expect("a count") >= 1, "{workers}");

    // A bad `n` is refused in the page: nothing reaches the server.
    let before = job_total(&bolide.base_url).await;
    wait_for(client, "#job-analysis").await.select_by_value("top_heaviest").await.expect("pick top_heaviest");
    let n = wait_for(client, "#job-n").await;
    n.clear().await.expect("clear n");
    n.send_keys("0").await.expect("type n");
    wait_for(client, "#job-submit").await.click().await.expect("submit");
    let error = wait_for(client, ".job-form__error").await.text().await.expect("error");
    assert!(error.contains("`n`"), "{error}");
    assert_eq!(job_total(&bolide.base_url).await, before, "an invalid job was sent");

    // Count per class: submitted, watched until it succeeded.
    wait_for(client, "#job-analysis")
        .await
        .select_by_value("count_per_class")
        .await
        .expect("pick class count");
    client.execute(WATCH_STATUSES, vec![]).await.expect("watch statuses");
    wait_for(client, "#job-submit").await.click().await.expect("submit");
    let details = wait_for(client, "#job-details").await;
    let id = details.attr("data-id").await.expect("id attr").expect("a job id");
    let api_job = http::get(&bolide.url(&format!("/api/jobs/{id}"))).await.expect("job");
    assert_eq!(api_job.status, 200, "{}", api_job.text());
    assert_eq!(api_job.json()["analysis"], "count_per_class");
    wait_for(client, &format!("tr.job-row[data-id='{id}']")).await;

    let mut seen = Vec::new();
    for _ in 0..600 {
        seen = statuses_seen(client).await;
        if seen.last().is_some_and(|s| s != "queued" && s != "running") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.first().map(String::as_str), Some("queued"), "statuses seen: {seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("succeeded"), "statuses seen: {seen:?}");
    assert!(seen.iter().all(|s| ["queued", "running", "succeeded"].contains(&s.as_str())), "{seen:?}");
    let progress = wait_for(client, &format!("tr.job-row[data-id='{id}'] [role='progressbar']")).await;
    assert_eq!(progress.attr("aria-valuenow").await.expect("progress").as_deref(), Some("100"));

    // The chart's bars are the API's result.
    let results = http::get(&bolide.url(&format!("/api/jobs/{id}/results"))).await.expect("results");
    assert_eq!(results.status, 200, "{}", results.text());
    let counts = results.json()["counts"].as_object().expect("counts").clone();
    assert!(!counts.is_empty(), "no class counted over 2000 generated landings");
    let want = expected_bars(&counts);
    wait_for(client, "#chart-count-per-class rect.chart-bar").await;
    let mut drawn = None;
    for _ in 0..100 {
        drawn = bars(client, "#chart-count-per-class rect.chart-bar").await;
        if drawn.as_ref() == Some(&want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(drawn, Some(want));
    let axis_ticks =
        client.find_all(Locator::Css("#chart-count-per-class .chart-tick text")).await.expect("ticks");
    assert!(axis_ticks.len() >= 2, "the count axis has no ticks");
    let redis = wait_for(client, ".job-redis").await.text().await.expect("redis panel");
    let job_key = api_job.json()["redis"]["job_key"].as_str().expect("job key").to_owned();
    assert!(redis.contains(&job_key), "{redis}");
    save_screenshot(client, "jobs").await;

    // A reload asks the server again: the job is still there, finished.
    client.refresh().await.expect("reload");
    wait_for(client, &format!("tr.job-row[data-id='{id}'][data-status='succeeded']")).await;
    browser.close().await;
}

/// Submits `analysis` from the form and waits until the details panel
/// shows it succeeded; returns its id and the API's result.
async fn run_from_the_page(client: &Client, base: &str, analysis: &str, previous: &str) -> (String, Value) {
    wait_for(client, "#job-analysis").await.select_by_value(analysis).await.expect("pick the analysis");
    wait_for(client, "#job-submit").await.click().await.expect("submit");
    let mut id = String::new();
    for _ in 0..400 {
        if let Ok(details) = client.find(Locator::Css("#job-details")).await {
            let shown = details.attr("data-id").await.ok().flatten().unwrap_or_default();
            let status = details.attr("data-status").await.ok().flatten().unwrap_or_default();
            if shown != previous && !shown.is_empty() {
                assert!(status != "failed" && status != "cancelled", "{analysis}: {status}");
                if status == "succeeded" {
                    id = shown;
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!id.is_empty(), "{analysis} never succeeded on the page");
    let results = http::get(&format!("{base}/api/jobs/{id}/results")).await.expect("results");
    assert_eq!(results.status, 200, "{}", results.text());
    (id, results.json())
}

/// Waits until `css` matches `want` elements.
async fn count_becomes(client: &Client, css: &str, want: usize) {
    let mut found = 0;
    for _ in 0..200 {
        found = client.find_all(Locator::Css(css)).await.map(|all| all.len()).unwrap_or(0);
        if found == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css}: {found} elements, not {want}");
}

/// Values of `attribute` on every element matching `css`.
async fn attributes(client: &Client, css: &str, attribute: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in client.find_all(Locator::Css(css)).await.expect("elements") {
        out.push(element.attr(attribute).await.expect("attribute").unwrap_or_default());
    }
    out
}

#[tokio::test]
async fn every_analysis_is_drawn_from_its_result() {
    let (bolide, _data) = serve_app();
    let generated = http::request("POST", &bolide.url("/api/data/generate?n=2000&seed=7"), &[], &[])
        .await
        .expect("generate");
    assert_eq!(generated.status, 200, "{}", generated.text());
    let browser = Browser::start_with_size(1400, 1800).await;
    let client = &browser.client;
    client.goto(&bolide.url("/jobs")).await.expect("open jobs page");
    let base = bolide.base_url.as_str();
    let count = |value: &Value| value.as_u64().expect("a count").to_string();

    let (id, result) = run_from_the_page(client, base, "average_mass", "").await;
    let headline = wait_for(client, "#chart-number").await.text().await.expect("number card");
    assert!(headline.contains(&bolide_count(&result["with_mass"])), "{headline}");
    save_page(client, "jobs-average-mass").await;

    let (id, result) = run_from_the_page(client, base, "hemispheres", &id).await;
    count_becomes(client, "#chart-hemispheres .chart-quadrant", 4).await;
    let drawn = attributes(client, "#chart-hemispheres .chart-quadrant", "data-value").await;
    let want: Vec<String> = ["northern_western", "northern_eastern", "southern_western", "southern_eastern"]
        .iter()
        .map(|quarter| count(&result[quarter]))
        .collect();
    assert_eq!(drawn, want);
    // The generated set has NASA's (0, 0) placeholders, as the real file:
    // the page says how many of the South-West they are.
    let at_zero_zero = result["at_zero_zero"].as_u64().expect("a count");
    assert!(at_zero_zero > 0, "{result}");
    let note = wait_for(client, ".jobs-zero-zero").await.text().await.expect("note");
    assert!(
        note.contains(&format!("South-West includes {at_zero_zero} ")) && note.contains("(0, 0)"),
        "{note}"
    );
    save_page(client, "jobs-hemispheres").await;

    let (id, result) = run_from_the_page(client, base, "per_year", &id).await;
    let years = result["years"].as_array().expect("years").len();
    count_becomes(client, "#chart-per-year rect.chart-bar", years).await;
    wait_for(client, "#per-year-decade").await.click().await.expect("per decade");
    count_becomes(
        client,
        "#chart-per-year rect.chart-bar",
        result["decades"].as_array().expect("decades").len(),
    )
    .await;
    save_page(client, "jobs-per-decade").await;

    let (id, result) = run_from_the_page(client, base, "fell_found", &id).await;
    count_becomes(client, "#chart-fell-found rect.chart-bar[data-label='Fell']", 1).await;
    let values = attributes(client, "#chart-fell-found rect.chart-bar", "data-value").await;
    assert_eq!(values[..2], [count(&result["fell"]), count(&result["found"])]);

    let (id, result) = run_from_the_page(client, base, "mass_distribution", &id).await;
    let bins = result["bins"].as_array().expect("bins");
    count_becomes(client, "#chart-mass-distribution rect.chart-bar", bins.len()).await;
    let values = attributes(client, "#chart-mass-distribution rect.chart-bar", "data-value").await;
    assert_eq!(values, bins.iter().map(|bin| count(&bin["count"])).collect::<Vec<_>>());
    save_page(client, "jobs-mass-distribution").await;

    let (id, result) = run_from_the_page(client, base, "top_heaviest", &id).await;
    let landings = result["landings"].as_array().expect("landings");
    count_becomes(client, "#chart-top-heaviest tbody tr[data-id]", landings.len()).await;
    let ids = attributes(client, "#chart-top-heaviest tbody tr[data-id]", "data-id").await;
    assert_eq!(ids, landings.iter().map(|l| l["id"].as_str().expect("id").to_owned()).collect::<Vec<_>>());

    let (id, result) = run_from_the_page(client, base, "density_grid", &id).await;
    let cells = result["cells"].as_array().expect("cells").len();
    assert!(cells > 0, "no cell over 2000 generated landings");
    count_becomes(client, "#chart-density-grid rect.chart-cell", cells).await;
    save_page(client, "jobs-density-grid").await;

    let (_, result) = run_from_the_page(client, base, "data_quality", &id).await;
    let problems = result["counts"].as_object().expect("counts").len();
    count_becomes(client, "#chart-data-quality tr[data-problem]", problems).await;
    count_becomes(client, "#chart-data-quality-bars rect.chart-bar", problems).await;
    save_page(client, "jobs-data-quality").await;
    browser.close().await;
}

/// `45716` as the page writes it: `45,716`.
fn bolide_count(value: &Value) -> String {
    let digits = value.as_u64().expect("a count").to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A screenshot in `target/e2e/` only (to look at; not a README picture).
async fn save_page(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let out = bolide_tests::workspace_root().join("target").join("e2e");
    std::fs::create_dir_all(&out).expect("out dir");
    std::fs::write(out.join(format!("{name}.png")), png).expect("save screenshot");
}

/// The status a job row shows, if the row is there.
async fn row_status(client: &Client, id: &str) -> Option<String> {
    let row = client.find(Locator::Css(&format!("tr.job-row[data-id='{id}']"))).await.ok()?;
    row.attr("data-status").await.ok()?
}

#[tokio::test]
async fn without_a_worker_a_queued_job_is_cancelled_then_deleted() {
    let (bolide, _data) = serve_app_with(&["--no-worker"]);
    let browser = Browser::start_with_size(1400, 1200).await;
    let client = &browser.client;
    client.goto(&bolide.url("/jobs")).await.expect("open jobs page");

    let warning = wait_for(client, ".job-workers__none").await.text().await.expect("warning");
    assert!(warning.contains("bolide worker"), "{warning}");

    wait_for(client, "#job-analysis").await.select_by_value("average_mass").await.expect("pick");
    wait_for(client, "#job-submit").await.click().await.expect("submit");
    let id = wait_for(client, "#job-details").await.attr("data-id").await.expect("attr").expect("an id");
    assert_eq!(row_status(client, &id).await.as_deref(), Some("queued"));
    // Nobody takes it: it stays queued, and the page keeps watching.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(row_status(client, &id).await.as_deref(), Some("queued"));
    let polling = wait_for(client, "#jobs-polling").await.text().await.expect("polling");
    assert!(polling.contains("next check"), "{polling}");

    wait_for(client, &format!("tr.job-row[data-id='{id}'] .job-cancel")).await.click().await.expect("cancel");
    wait_for(client, &format!("tr.job-row[data-id='{id}'][data-status='cancelled']")).await;
    let job = http::get(&bolide.url(&format!("/api/jobs/{id}"))).await.expect("job").json();
    assert_eq!(job["status"], "cancelled");
    let polling = wait_for(client, "#jobs-polling").await;
    for _ in 0..100 {
        if polling.text().await.expect("polling").contains("looking for new ones") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        polling.text().await.expect("polling").contains("looking for new ones"),
        "polling did not slow down"
    );

    // A job submitted from outside (as with curl) shows up on the open page.
    let body = br#"{"analysis": "hemispheres"}"#;
    let submitted =
        http::request("POST", &bolide.url("/api/jobs"), &[("content-type", "application/json")], body)
            .await
            .expect("submit");
    assert_eq!(submitted.status, 202, "{}", submitted.text());
    let outside = submitted.json()["id"].as_str().expect("id").to_owned();
    for _ in 0..200 {
        if row_status(client, &outside).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(row_status(client, &outside).await.as_deref(), Some("queued"), "the curl job never appeared");

    wait_for(client, &format!("tr.job-row[data-id='{id}'] .job-delete")).await.click().await.expect("delete");
    for _ in 0..100 {
        if row_status(client, &id).await.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(row_status(client, &id).await, None, "the deleted job is still listed");
    let gone = http::get(&bolide.url(&format!("/api/jobs/{id}"))).await.expect("job");
    assert_eq!(gone.status, 404, "{}", gone.text());
    browser.close().await;
}
