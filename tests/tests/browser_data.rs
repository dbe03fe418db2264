//! The Data page in a real browser: generate a set, sort by mass, filter by
//! class (typed in lower case, applied as it is typed, offered with its
//! count), open a record, see the map — each checked against the API; a
//! wrong year range shows its error instead of the table; and
//! load a file from a URL (served by this test on 127.0.0.1), see an edit
//! made in the console show up, then edit and delete a record from the
//! record panel and see it in the console.

use std::time::Duration;

use bolide_tests::browser::{save_screenshot, serve_app, text_becomes, wait_for};
use bolide_tests::{http, Browser};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

    // Filter by the heaviest landing's class: offered with its count, and
    // typed in lower case it applies as it is typed (no Enter).
    let first =
        http::get(&format!("{}/api/data/{}", bolide.base_url, heaviest[0])).await.expect("record").json();
    let class = first["record"]["recclass"].as_str().expect("class").to_string();
    let classes = http::get(&format!("{}/api/data/classes", bolide.base_url)).await.expect("classes").json();
    let count = classes["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|c| c["class"] == class.as_str())
        .and_then(|c| c["count"].as_u64())
        .expect("the class is listed");
    let option = wait_for(client, &format!("#data-class-options option[value='{class}']")).await;
    let label = option.prop("textContent").await.expect("label").unwrap_or_default();
    assert_eq!(label, format!("{count} landings"));
    let filter = wait_for(client, "#data-filter-class").await;
    filter.send_keys(&class.to_lowercase()).await.expect("type class");
    let filtered = api_ids(
        &bolide.base_url,
        &format!("sort=mass&order=desc&size=25&class={}", bolide_tests::http::urlencode(&class)),
    )
    .await;
    rows_become(client, &filtered).await;

    // Open the first record: its fields are shown.
    client.find(Locator::Css("tr.data-row")).await.expect("a row").click().await.expect("open");
    // The panel opens at once ("Reading …"); its fields follow.
    wait_for(client, ".record-panel .record-fields").await;
    let panel = wait_for(client, ".record-panel").await.text().await.expect("panel");
    assert!(panel.contains(&filtered[0]) && panel.contains(&class), "{panel}");
    assert!(panel.contains("HGETALL meteorite:"), "{panel}");

    // The map draws the page's landings that have coordinates.
    let points = client.find_all(Locator::Css("#data-map circle.landing")).await.expect("points");
    assert!(!points.is_empty(), "no points on the map");
    save_screenshot(client, "data").await;

    // The opened record has the focus, and Esc closes it.
    let focused = client.active_element().await.expect("focus");
    assert_eq!(
        focused.attr("class").await.expect("class").as_deref().map(|c| c.contains("record-panel")),
        Some(true)
    );
    focused.send_keys(&Key::Escape.to_string()).await.expect("Esc");
    let mut closed = false;
    for _ in 0..100 {
        if client.find_all(Locator::Css(".record-panel")).await.expect("find").is_empty() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(closed, "Esc closes the record panel");

    // A year range from 2000 to 1900: its error, in the page's words, and
    // no table of the last answer beside it; a fixed range brings it back.
    let from = wait_for(client, "#data-filter-year-min").await;
    from.send_keys("2000").await.expect("type");
    from.send_keys(&Key::Tab.to_string()).await.expect("tab");
    let to = wait_for(client, "#data-filter-year-max").await;
    to.send_keys("1900").await.expect("type");
    to.send_keys(&Key::Enter.to_string()).await.expect("enter");
    let error = text_becomes(client, ".data-error", "Year from (2000) is after Year to (1900)").await;
    assert!(!error.contains("year_"), "{error}");
    assert!(client.find_all(Locator::Css("#data-table")).await.expect("find").is_empty(), "no stale table");
    from.clear().await.expect("clear");
    from.send_keys("1x").await.expect("type");
    from.send_keys(&Key::Enter.to_string()).await.expect("enter");
    text_becomes(client, ".data-error", "Year from must be a number").await;
    from.clear().await.expect("clear");
    from.send_keys(&Key::Enter.to_string()).await.expect("enter");
    rows_become(
        client,
        &api_ids(
            &bolide.base_url,
            &format!(
                "sort=mass&order=desc&size=25&year_max=1900&class={}",
                bolide_tests::http::urlencode(&class)
            ),
        )
        .await,
    )
    .await;
    assert!(client.find_all(Locator::Css(".data-error")).await.expect("find").is_empty());
    browser.close().await;
}

/// Three landings in NASA's CSV, quoted fields and a UTF-8 name included.
const THREE_LANDINGS: &str = "name,id,nametype,recclass,mass (g),fall,year,reclat,reclong,GeoLocation\n\
    Aachen,1,Valid,L5,21,Fell,1880,50.775000,6.083330,\"(50.775, 6.08333)\"\n\
    Aïr,424,Valid,L6,24000,Fell,1925,19.083330,8.383330,\"(19.08333, 8.38333)\"\n\
    \"Hoba\",11890,Valid,\"Iron, IVB\",60000000,Found,1920,-19.583330,17.916670,\"(-19.58333, 17.91667)\"\n";

/// Serves [`THREE_LANDINGS`] as `text/csv` to every request on a free
/// loopback port, until the test ends; answers the server's address.
async fn serve_three_landings() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    THREE_LANDINGS.len(),
                    THREE_LANDINGS
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    base
}

/// One line typed at the console (`POST /api/console`), its output.
async fn console(base: &str, line: &str) -> String {
    let body = serde_json::to_vec(&serde_json::json!({ "line": line })).expect("json");
    let answer =
        http::request("POST", &format!("{base}/api/console"), &[("Content-Type", "application/json")], &body)
            .await
            .expect("console");
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["output"].as_str().expect("output").to_string()
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|id| id.to_string()).collect()
}

#[tokio::test]
async fn url_loads_console_edits_show_up_and_the_panel_edits_and_deletes() {
    let (bolide, _data) = serve_app();
    let base = bolide.base_url.clone();
    let file_server = serve_three_landings().await;
    let browser = Browser::start_with_size(1400, 1100).await;
    let client = &browser.client;
    client.goto(&bolide.url("/data")).await.expect("open data page");

    // Load from a URL: the backend downloads the file and loads it.
    let url = format!("{file_server}/Meteorite_Landings.csv");
    wait_for(client, "#data-url").await.send_keys(&url).await.expect("type the URL");
    wait_for(client, "#data-url-button").await.click().await.expect("load");
    let report = text_becomes(client, ".load-report", "Loaded 3 landings").await;
    assert!(report.contains(&url), "{report}");
    rows_become(client, &ids(&["1", "424", "11890"])).await;
    // The summary covers every landing matching the filters.
    text_becomes(client, ".data-stat--mass", "21 g – 60 t").await;
    text_becomes(client, ".data-stat--years", "1880 – 1925").await;
    // The presets are offered, with the honest note.
    wait_for(client, "#data-preset-nasa").await;
    assert!(wait_for(client, ".data-fetch-note").await.text().await.expect("note").contains("offline"));

    // An edit made in the console shows in the table at once (a row is
    // its hash), and in the name search after Reindex.
    assert_eq!(console(&base, "HSET meteorite:424 name \"Edited in the console\"").await, "(integer) 0");
    let search = wait_for(client, "#data-search").await;
    search.send_keys("in the console").await.expect("search");
    rows_become(client, &[]).await;
    wait_for(client, "#data-reindex-button").await.click().await.expect("reindex");
    text_becomes(client, ".load-report", "Reindexed 3 landings").await;
    rows_become(client, &ids(&["424"])).await;
    let row = wait_for(client, "tr.data-row[data-id='424']").await;
    assert!(row.text().await.expect("row").contains("Edited in the console"));

    // Edit from the record panel: Save is one HSET, visible in the console.
    row.click().await.expect("open the record");
    text_becomes(client, ".record-panel", "Edited in the console").await;
    wait_for(client, ".record-edit").await.click().await.expect("edit");
    let name = wait_for(client, "input.record-edit-value[data-field='name']").await;
    name.clear().await.expect("clear");
    name.send_keys("Edited in the browser").await.expect("type");
    text_becomes(client, ".record-edit-preview", "HSET meteorite:424 name \"Edited in the browser\"").await;
    save_screenshot(client, "data-edit").await;
    wait_for(client, ".record-save").await.click().await.expect("save");
    let saved = text_becomes(client, ".record-saved", "HSET").await;
    assert!(saved.contains("Edited in the browser"), "{saved}");
    assert_eq!(console(&base, "HGET meteorite:424 name").await, "\"Edited in the browser\"");
    assert_eq!(console(&base, "HGET meteorite:424 recclass").await, "\"L6\"", "other fields stay");

    // Delete from the record panel: one DEL; the rest of the set stays.
    wait_for(client, ".record-delete").await.click().await.expect("delete");
    text_becomes(client, ".record-actions--confirm", "DEL meteorite:424").await;
    wait_for(client, ".record-delete-confirm").await.click().await.expect("confirm");
    wait_for(client, ".data-filter-clear").await.click().await.expect("clear filters");
    rows_become(client, &ids(&["1", "11890"])).await;
    assert_eq!(console(&base, "EXISTS meteorite:424").await, "(integer) 0");
    assert_eq!(console(&base, "DBSIZE").await, "(integer) 2");
    let gone = http::get(&format!("{base}/api/data/424")).await.expect("record");
    assert_eq!(gone.status, 404);

    // Deleting the whole set asks first: Cancel keeps it, confirming removes it.
    wait_for(client, "#data-delete-button").await.click().await.expect("delete the set");
    text_becomes(client, ".data-delete-confirm", "Delete every landing?").await;
    assert_eq!(console(&base, "DBSIZE").await, "(integer) 2", "nothing deleted before confirming");
    client
        .find(Locator::Css(".data-delete-confirm button:not(#data-delete-confirm)"))
        .await
        .expect("cancel")
        .click()
        .await
        .expect("cancel");
    assert_eq!(console(&base, "DBSIZE").await, "(integer) 2", "Cancel keeps the set");
    wait_for(client, "#data-delete-button").await.click().await.expect("delete the set again");
    wait_for(client, "#data-delete-confirm").await.click().await.expect("confirm");
    let mut deleted = false;
    for _ in 0..100 {
        if console(&base, "DBSIZE").await == "(integer) 0" {
            deleted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(deleted, "confirming deletes every landing");
    browser.close().await;
}
