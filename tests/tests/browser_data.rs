//! The Data page in a real browser: generate a set, sort by mass, filter by
//! class, open a record, see the map — each checked against the API.

use std::time::Duration;

use bolide_tests::browser::{save_screenshot, serve_app, wait_for};
use bolide_tests::{http, Browser};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

/// The ids of the table's rows, in order; `None` when the table re-rendered
/// while being read (a row found a moment ago is gone: read again).
async fn row_ids(client: &Client) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for row in client.find_all(Locator::Css("tr.data-row")).await.ok()? {
        ids.push(row.attr("data-id").await.ok()?.unwrap_or_default());
    }
    Some(ids)
}

/// Waits until the rows are `want`.
async fn rows_become(client: &Client, want: &[String]) {
    for _ in 0..200 {
        if row_ids(client).await.as_deref() == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("rows never became {want:?}; they are {:?}", row_ids(client).await);
}

async fn api_ids(base: &str, query: &str) -> Vec<String> {
    let page = http::get(&format!("{base}/api/data?{query}")).await.expect("page").json();
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn data_page_generates_sorts_filters_and_maps() {
    let (bolide, _data) = serve_app();
    let browser = Browser::start_with_size(1400, 1100).await;
    let client = &browser.client;
    client.goto(&bolide.url("/data")).await.expect("open data page");

    let n = wait_for(client, "#data-generate-n").await;
    n.clear().await.expect("clear");
    n.send_keys("800").await.expect("type");
    let seed = wait_for(client, "#data-generate-seed").await;
    seed.clear().await.expect("clear");
    seed.send_keys("7").await.expect("type");
    wait_for(client, "#data-generate-button").await.click().await.expect("generate");
    let report = wait_for(client, ".load-report").await.text().await.expect("report");
    assert!(report.contains("800"), "{report}");
    let total = wait_for(client, ".data-total").await;
    for _ in 0..100 {
        if total.text().await.expect("total").contains("800") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(total.text().await.expect("total").contains("800"));

    // Sort by mass: one click ascending, a second descending, as the API says.
    let mass_header = wait_for(client, "th[data-sort='mass'] button").await;
    mass_header.click().await.expect("sort");
    rows_become(client, &api_ids(&bolide.base_url, "sort=mass&order=asc&size=25").await).await;
    wait_for(client, "th[data-sort='mass'] button").await.click().await.expect("sort again");
    let heaviest = api_ids(&bolide.base_url, "sort=mass&order=desc&size=25").await;
    rows_become(client, &heaviest).await;

    // Filter by the heaviest landing's class.
    let first =
        http::get(&format!("{}/api/data/{}", bolide.base_url, heaviest[0])).await.expect("record").json();
    let class = first["record"]["recclass"].as_str().expect("class").to_string();
    let filter = wait_for(client, "#data-filter-class").await;
    filter.send_keys(&class).await.expect("type class");
    filter.send_keys(&Key::Enter.to_string()).await.expect("enter");
    let filtered = api_ids(
        &bolide.base_url,
        &format!("sort=mass&order=desc&size=25&class={}", bolide_tests::http::urlencode(&class)),
    )
    .await;
    rows_become(client, &filtered).await;

    // Open the first record: its fields are shown.
    client.find(Locator::Css("tr.data-row")).await.expect("a row").click().await.expect("open");
    let panel = wait_for(client, ".record-panel").await.text().await.expect("panel");
    assert!(panel.contains(&filtered[0]) && panel.contains(&class), "{panel}");
    assert!(panel.contains("HGETALL meteorite:"), "{panel}");

    // The map draws the page's landings that have coordinates.
    let points = client.find_all(Locator::Css("#data-map circle.landing")).await.expect("points");
    assert!(!points.is_empty(), "no points on the map");
    save_screenshot(client, "data").await;
    browser.close().await;
}
