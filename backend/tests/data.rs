//! `/api/data` on a real Redis: loading every shape, all-or-nothing
//! rejections, the verify report, pages against a reference computed here,
//! console edits, shared-mode isolation.

mod common;

use axum::http::StatusCode;
use bolide::data::{generate, Dataset};
use bolide::sandbox::Tenancy;
use bolide_tests::RedisServer;
use common::{conn, page_ids, router, snapshot, Client, JSON};
use serde_json::Value;

fn fields_of(dataset: &Dataset, id: &str) -> Vec<(String, String)> {
    dataset.landings.iter().find(|l| l.id() == id).expect("landing").fields.clone()
}

fn json_fields(record: &Value) -> Vec<(String, String)> {
    record
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_string()))
        .collect()
}

#[tokio::test]
async fn every_shape_round_trips_and_a_new_load_replaces_the_old() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(300, 42);
    for (content_type, body) in [
        ("application/json", generate::to_nasa_json(&dataset)),
        ("application/json", generate::to_course_json(&dataset)),
        ("text/csv", generate::to_csv(&dataset)),
    ] {
        let (status, report) = client.send("POST", "/api/data", Some(content_type), body).await;
        assert_eq!(status, StatusCode::OK, "{content_type}: {report}");
        assert_eq!(report["loaded"], 300);
        let (status, first) = client.get(&format!("/api/data/{}", dataset.landings[0].id())).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let id = dataset.landings[0].id();
        let expected = fields_of(&dataset, id);
        let got = json_fields(&first["record"]);
        // The course's shape has fewer fields: each field it has matches.
        assert!(got.iter().all(|f| expected.contains(f)), "{content_type}: {got:?} vs {expected:?}");
    }
    // Exactly the records, under their keys, in database 0.
    let mut db0 = conn(redis.port(), 0);
    let size: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(size, 300);
    let id = dataset.landings[7].id();
    let stored: Vec<(String, String)> =
        redis::cmd("HGETALL").arg(format!("meteorite:{id}")).query(&mut db0).expect("HGETALL");
    assert_eq!(stored, fields_of(&dataset, id));

    // A smaller set replaces the whole of it.
    let (status, report) = client.send("POST", "/api/data/generate?n=50&seed=9", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["loaded"].as_u64(), report["replaced"].as_u64()), (Some(50), Some(300)));
    let size: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(size, 50);
}

#[tokio::test]
async fn a_bad_file_is_rejected_whole_and_changes_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.send("POST", "/api/data/generate?n=100&seed=1", None, Vec::new()).await;
    client.console("SET my_key my_value").await;
    let before = snapshot(&redis);
    for (body, needle) in [
        (&b"[{\"id\": \"1\", \"name\": \"A\"}, {\"name\": \"B\"}]"[..], "2"),
        (b"[{\"id\": \"1\"}, {\"id\": \"1\"}]", "1"),
        (b"{\"meteorite_landings\": 5}", ""),
        (b"[{\"id\": \"1\"},", ""),
        (b"42", ""),
        (b"{\"landings\": []}", ""),
    ] {
        let (status, json) = client.send("POST", "/api/data", Some("application/json"), body.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(body));
        let message = json["error"]["message"].as_str().expect("message");
        assert!(message.contains(needle), "{message}");
        assert_eq!(snapshot(&redis), before, "{}", String::from_utf8_lossy(body));
    }
    let (status, _) =
        client.send("POST", "/api/data", Some("text/csv"), b"name,id\n\"unclosed,1\n".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for uri in [
        "/api/data/generate?n=abc",
        "/api/data/generate?n=99999999",
        "/api/data?sort=color",
        "/api/data?size=0",
        "/api/data?year_min=x",
        "/api/data?order=up",
    ] {
        let method = if uri.contains("generate") { "POST" } else { "GET" };
        let (status, json) = client.send(method, uri, None, Vec::new()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {json}");
        assert!(json["error"]["message"].as_str().unwrap_or_default().contains("parameter"), "{uri}: {json}");
    }
    assert_eq!(snapshot(&redis), before);
}

#[tokio::test]
async fn verify_finds_a_deleted_field_an_extra_field_and_a_missing_record() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(200, 5);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let (_, report) = client.get("/api/data/verify").await;
    assert_eq!(
        (report["ok"].as_bool(), report["expected"].as_u64(), report["found"].as_u64()),
        (Some(true), Some(200), Some(200)),
        "{report}"
    );

    let ids: Vec<&str> = dataset.landings.iter().map(|l| l.id()).collect();
    client.console(&format!("HDEL meteorite:{} recclass", ids[0])).await;
    client.console(&format!("HSET meteorite:{} color red", ids[1])).await;
    client.console(&format!("DEL meteorite:{}", ids[2])).await;
    let (_, report) = client.get("/api/data/verify").await;
    assert_eq!(report["ok"], false);
    assert_eq!(report["found"], 199);
    assert_eq!(report["missing_records"], serde_json::json!([ids[2]]));
    assert_eq!(report["missing_fields"], serde_json::json!([[ids[0], ["recclass"]]]));
    assert_eq!(report["extra_fields"], serde_json::json!([[ids[1], ["color"]]]));
    assert!(report["commands"][0].as_str().expect("commands").starts_with("KEYS meteorite:*"));
}

/// Exercise 2: a value changed in the console (fields unchanged) is found
/// and named; putting the value back verifies again.
#[tokio::test]
async fn verify_finds_changed_values_and_names_the_records() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(300, 8);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let landing = dataset.landings.iter().find(|l| l.mass_g().is_some() && l.class().is_some()).expect("one");
    let (id, class) = (landing.id().to_string(), landing.class().expect("class").to_string());
    let mass = landing.fields.iter().find(|(f, _)| f == "mass (g)").map(|(_, v)| v.clone()).expect("mass");

    client.console(&format!("HSET meteorite:{id} recclass XX \"mass (g)\" 999999999")).await;
    let (_, report) = client.get("/api/data/verify").await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["changed_values"], serde_json::json!([id]), "{report}");
    assert_eq!(report["missing_fields"], serde_json::json!([]));
    assert_eq!(report["extra_fields"], serde_json::json!([]));
    assert_eq!((report["expected"].as_u64(), report["found"].as_u64()), (Some(300), Some(300)));

    client.console(&format!("HSET meteorite:{id} recclass \"{class}\" \"mass (g)\" \"{mass}\"")).await;
    let (_, report) = client.get("/api/data/verify").await;
    assert_eq!(report["ok"], true, "the values are the file's again: {report}");
    assert_eq!(report["changed_values"], serde_json::json!([]));
}

/// The page's ids, computed from the generated data in the order of the
/// sort lists: by value, ties by id bytes (all reversed for descending),
/// then the landings without a value by id, in both directions (SQL's
/// `NULLS LAST`).
fn reference(
    dataset: &Dataset,
    keep: impl Fn(&bolide::data::Landing) -> bool,
    score: impl Fn(&bolide::data::Landing) -> Option<f64>,
    desc: bool,
) -> Vec<String> {
    let kept: Vec<&bolide::data::Landing> = dataset.landings.iter().filter(|l| keep(l)).collect();
    let by_value_then_id = |rows: &mut Vec<(f64, String)>| {
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    };
    let mut rows: Vec<(f64, String)> =
        kept.iter().filter_map(|l| score(l).map(|s| (s, l.id().to_string()))).collect();
    by_value_then_id(&mut rows);
    if desc {
        rows.reverse();
    }
    let id_score = |id: &str| id.parse::<f64>().ok().filter(|s| s.is_finite()).unwrap_or(0.0);
    let mut nulls: Vec<(f64, String)> =
        kept.iter().filter(|l| score(l).is_none()).map(|l| (id_score(l.id()), l.id().to_string())).collect();
    by_value_then_id(&mut nulls);
    rows.into_iter().chain(nulls).map(|(_, id)| id).collect()
}

/// Every page of `query` (without `page` and `size`), `size` at a time.
async fn every_page(client: &mut Client, query: &str, size: usize) -> (u64, Vec<String>) {
    let mut ids = Vec::new();
    let mut total = 0;
    for page in 1.. {
        let (status, json) = client.get(&format!("{query}&page={page}&size={size}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        total = json["total"].as_u64().expect("total");
        let got = page_ids(&json);
        let done = got.len() < size;
        ids.extend(got);
        if done || ids.len() as u64 >= total {
            break;
        }
    }
    (total, ids)
}

/// Every page of the mass and year orders, both directions, unfiltered and
/// for each of `classes`, against [`reference`].
async fn every_order_like_the_reference(client: &mut Client, dataset: &Dataset, classes: &[&str]) {
    type Score = fn(&bolide::data::Landing) -> Option<f64>;
    let orders: [(&str, Score); 2] = [("mass", |l| l.mass_g()), ("year", |l| l.year().map(f64::from))];
    for (sort, score) in orders {
        for desc in [false, true] {
            let order = if desc { "desc" } else { "asc" };
            for class in std::iter::once(None).chain(classes.iter().map(Some)) {
                let want = reference(dataset, |l| class.is_none_or(|c| l.class() == Some(*c)), score, desc);
                let filter =
                    class.map(|c| format!("&class={}", bolide_tests::http::urlencode(c))).unwrap_or_default();
                let (total, got) =
                    every_page(client, &format!("/api/data?sort={sort}&order={order}{filter}"), 97).await;
                assert_eq!(total, want.len() as u64, "{sort} {order} {class:?}");
                assert_eq!(got, want, "{sort} {order} {class:?}");
            }
        }
    }
}

/// Sorted by mass or year, landings without one are listed last (by id),
/// in both directions, filtered or not, and record writes move them in
/// and out of that tail.
#[tokio::test]
async fn sorting_keeps_every_landing_those_without_the_value_last() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let mut dataset = generate::generate(1500, 11);
    for (i, landing) in dataset.landings.iter_mut().enumerate() {
        if i % 23 == 0 {
            landing.fields.retain(|(name, _)| name != "mass (g)");
        }
        if i % 31 == 0 {
            landing.fields.retain(|(name, _)| name != "year");
        }
    }
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for landing in &dataset.landings {
        *counts.entry(landing.class().unwrap_or_default()).or_default() += 1;
    }
    let common = counts.iter().max_by_key(|(_, n)| **n).map(|(c, _)| c.to_string()).expect("class");
    let rare =
        counts.iter().filter(|(c, _)| !c.is_empty()).min_by_key(|(_, n)| **n).map(|(c, _)| c.to_string());
    let rare = rare.expect("class");

    assert!(dataset.landings.iter().filter(|l| l.mass_g().is_none()).count() >= 60);
    every_order_like_the_reference(&mut client, &dataset, &[&common, &rare]).await;

    // A write that takes the mass away moves the landing to the tail; one
    // that gives a mass moves it out.
    let (lose, gain) = (dataset.landings[1].clone(), dataset.landings[0].clone());
    let body = format!(r#"{{"name": "No mass now", "recclass": "{common}"}}"#);
    let (status, answer) =
        client.send("PUT", &format!("/api/data/{}", lose.id()), Some(JSON), body.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = client
        .json("PATCH", &format!("/api/data/{}", gain.id()), &serde_json::json!({ "mass (g)": "12.5" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for landing in dataset.landings.iter_mut() {
        if landing.id() == lose.id() {
            landing.fields = vec![
                ("id".into(), lose.id().into()),
                ("name".into(), "No mass now".into()),
                ("recclass".into(), common.clone()),
            ];
        } else if landing.id() == gain.id() {
            landing.fields.push(("mass (g)".into(), "12.5".into()));
        }
    }
    every_order_like_the_reference(&mut client, &dataset, &[&common, &rare]).await;
}

#[tokio::test]
async fn pages_sort_and_filter_like_a_reference_and_survive_console_edits() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(2000, 11);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let class = dataset.landings[0].class().expect("class").to_string();

    // Heaviest first, one class.
    let want = reference(&dataset, |l| l.class() == Some(class.as_str()), |l| l.mass_g(), true);
    let (status, page) = client.get(&format!("/api/data?sort=mass&order=desc&class={class}&size=20")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"].as_u64(), Some(want.len() as u64));
    assert_eq!(page_ids(&page), want[..want.len().min(20)]);
    assert!(page["commands"].as_array().expect("commands").iter().any(|c| c
        .as_str()
        .unwrap_or_default()
        .starts_with(&format!("SINTER bolide:data:{{local}}:class:{class}"))));

    // By year, a range, second page.
    let want = reference(
        &dataset,
        |l| l.year().is_some_and(|y| (1950..=2000).contains(&y)),
        |l| l.year().map(f64::from),
        false,
    );
    let (_, page) = client.get("/api/data?sort=year&year_min=1950&year_max=2000&page=2&size=25").await;
    assert_eq!(page["total"].as_u64(), Some(want.len() as u64));
    assert_eq!(page_ids(&page), want[25..50]);

    // Fell landings with coordinates, by id.
    let want = reference(
        &dataset,
        |l| l.fall() == Some("Fell") && l.coords().is_some(),
        |l| l.id().parse().ok(),
        false,
    );
    let (_, page) = client.get("/api/data?fall=Fell&has_coords=true&size=500").await;
    assert_eq!(page_ids(&page), want);

    // Name search: case-insensitive substring.
    let needle = dataset.landings[3].name().expect("name")[2..6].to_uppercase();
    let want = reference(
        &dataset,
        |l| l.name().is_some_and(|n| n.to_lowercase().contains(&needle.to_lowercase())),
        |l| l.id().parse().ok(),
        false,
    );
    let (_, page) =
        client.get(&format!("/api/data?q={}&size=500", bolide_tests::http::urlencode(&needle))).await;
    assert_eq!(page_ids(&page), want);

    // A record deleted from the console disappears from the page (the
    // stale index entry is skipped), and an edit shows up.
    let first = dataset
        .landings
        .iter()
        .map(|l| l.id())
        .min_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX))
        .expect("id");
    client.console(&format!("HSET meteorite:{first} name \"Edited in the console\"")).await;
    let (_, one) = client.get(&format!("/api/data/{first}")).await;
    assert_eq!(one["record"]["name"], "Edited in the console");
    client.console(&format!("DEL meteorite:{first}")).await;
    let (status, page) = client.get("/api/data?size=10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page_ids(&page).contains(&first.to_string()));
    let (status, _) = client.get(&format!("/api/data/{first}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn shared_sessions_each_have_their_own_dataset() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Client::new(&router);
    let mut bob = Client::new(&router);
    alice.send("POST", "/api/data/generate?n=30&seed=1", None, Vec::new()).await;
    bob.send("POST", "/api/data/generate?n=12&seed=2", None, Vec::new()).await;
    assert_eq!(alice.get("/api/data").await.1["total"], 30);
    assert_eq!(bob.get("/api/data").await.1["total"], 12);
    assert_eq!(alice.console("DBSIZE").await, "(integer) 30");
    assert_eq!(bob.console("KEYS meteorite:*").await.lines().count(), 12);
    let (status, _) = bob.send("DELETE", "/api/data", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bob.console("DBSIZE").await, "(integer) 0");
    assert_eq!(alice.console("DBSIZE").await, "(integer) 30");
    assert_eq!(alice.get("/api/data/verify").await.1["ok"], true);
}

#[tokio::test]
async fn reindex_picks_up_console_edits_and_keeps_the_file_for_verify() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(300, 21);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let some = dataset.landings[10].id().to_string();
    let gone = dataset.landings[11].id().to_string();
    client.console(&format!("HSET meteorite:{some} \"mass (g)\" 999999999")).await;
    client.console(&format!("DEL meteorite:{gone}")).await;
    client
        .console("HSET meteorite:777777 name \"Added in the console\" id 777777 recclass L6 fall Fell")
        .await;

    let (status, done) = client.send("POST", "/api/data/reindex", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["indexed"], 300);
    let (_, page) = client.get("/api/data?sort=mass&order=desc&size=1").await;
    assert_eq!(page_ids(&page), [some], "the edited mass sorts first");
    // Landings without a mass (the one added in the console among them)
    // come after the others.
    assert_eq!(page["total"], 300);
    let with_mass = dataset.landings.iter().filter(|l| l.mass_g().is_some() && l.id() != gone).count();
    let (_, page) = client.get("/api/data?sort=mass&order=desc&size=500").await;
    let at = page_ids(&page).iter().position(|id| id == "777777").expect("listed");
    assert!(at >= with_mass, "after the {with_mass} with a mass: {at}");
    let (_, page) = client.get("/api/data?q=added%20in%20the&size=5").await;
    assert_eq!(page_ids(&page), ["777777"]);
    let (_, page) = client.get("/api/data?size=500").await;
    assert_eq!(page["total"], 300);
    assert!(!page_ids(&page).contains(&gone));

    // Verify still compares with the file that was loaded.
    let (_, report) = client.get("/api/data/verify").await;
    assert_eq!(report["expected"], 300);
    assert_eq!(report["missing_records"], serde_json::json!([gone]));
    assert_eq!(report["extra_records"], serde_json::json!(["777777"]));
}

#[tokio::test]
async fn a_new_load_never_shows_results_cached_from_the_old_set() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let big = generate::generate(500, 1);
    let class = big.landings[0].class().expect("class").to_string();
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&big)).await;
    let query = format!("/api/data?class={class}&sort=mass&order=desc");
    let (_, before) = client.get(&query).await;
    assert!(before["total"].as_u64().unwrap_or(0) > 0);

    let small = generate::generate(3, 2);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&small)).await;
    let want = small.landings.iter().filter(|l| l.class() == Some(class.as_str())).count();
    let (_, after) = client.get(&query).await;
    assert_eq!(after["total"].as_u64(), Some(want as u64), "{after}");
    assert_eq!(after["items"].as_array().map(Vec::len), Some(want));
}

/// Indexes an older Bolide kept (sorted sets where the sort orders are
/// lists now) get a 409 that says how to mend them, not a 500; a reindex
/// mends them.
#[tokio::test]
async fn indexes_of_an_older_layout_ask_for_a_reindex() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(120, 5);
    client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&dataset)).await;
    let mut system = conn(redis.port(), 15);
    let ids = "bolide:data:{local}:ids";
    let _: () = redis::pipe()
        .cmd("DEL")
        .arg(ids)
        .ignore()
        .cmd("ZADD")
        .arg(ids)
        .arg(1)
        .arg(dataset.landings[0].id())
        .ignore()
        .query(&mut system)
        .expect("an old-style index");
    let (status, answer) = client.get("/api/data?size=5").await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("Reindex"), "{answer}");
    let one = dataset.landings[1].id();
    let (status, answer) = client
        .send(
            "PATCH",
            &format!("/api/data/{one}"),
            Some("application/json"),
            br#"{"recclass":"H5"}"#.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    let (status, done) = client.send("POST", "/api/data/reindex", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (status, page) = client.get("/api/data?size=500").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 120);
}

/// A load sends the landings to Redis while it still reads the file: a
/// problem found after thousands of them were queued (a duplicate id near
/// the end, a file cut off after its last record) must still change nothing.
#[tokio::test]
async fn a_file_found_bad_after_thousands_of_queued_records_changes_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.send("POST", "/api/data/generate?n=100&seed=1", None, Vec::new()).await;
    client.console("SET my_key my_value").await;
    let before = snapshot(&redis);

    let big = generate::generate(20_000, 3);
    let mut duplicated = big.clone();
    let first_id = big.landings[7].id().to_string();
    for (name, value) in &mut duplicated.landings[19_989].fields {
        if name == "id" {
            *value = first_id.clone();
        }
    }
    let mut cut_off = generate::to_nasa_json(&big);
    cut_off.pop();
    let duplicate =
        format!("record 19990 has the id \"{first_id}\", which record 8 already has: ids must be unique");
    for (content_type, body, expected) in [
        ("application/json", generate::to_nasa_json(&duplicated), duplicate.as_str()),
        ("text/csv", generate::to_csv(&duplicated), duplicate.as_str()),
        ("application/json", cut_off, "the file is not valid JSON: the file ends in the middle of"),
    ] {
        let (status, json) = client.send("POST", "/api/data", Some(content_type), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {json}");
        assert_eq!(json["error"]["code"], "bad_file", "{json}");
        let message = common::message(&json);
        assert!(message.starts_with(expected), "{content_type}: {message}");
        assert_eq!(snapshot(&redis), before, "{content_type}: {message}");
    }

    // The lock was released and nothing was left queued: the good file loads.
    let (status, report) = client.send("POST", "/api/data", Some("text/csv"), generate::to_csv(&big)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["loaded"].as_u64(), report["replaced"].as_u64()), (Some(20_000), Some(100)));
    let size: u64 = redis::cmd("DBSIZE").query(&mut conn(redis.port(), 0)).expect("DBSIZE");
    assert_eq!(size, 20_001, "the landings and my_key");
}

/// Redis refusing a queued command (out of memory, as `maxmemory` makes it)
/// aborts the whole transaction: a 409 that says so, and nothing changed.
#[tokio::test]
async fn a_load_redis_refuses_while_queueing_changes_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.send("POST", "/api/data/generate?n=100&seed=1", None, Vec::new()).await;
    let before = snapshot(&redis);

    let mut db0 = conn(redis.port(), 0);
    let info: String = redis::cmd("INFO").arg("memory").query(&mut db0).expect("INFO");
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory");
    // Room for the load's lock and reads, not for 20,000 queued records.
    let limit = used + 4 * 1024 * 1024;
    redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(limit).exec(&mut db0).expect("CONFIG SET");
    let big = generate::generate(20_000, 3);
    let (status, json) =
        client.send("POST", "/api/data", Some("application/json"), generate::to_nasa_json(&big)).await;
    redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(0).exec(&mut db0).expect("CONFIG SET");
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    let message = common::message(&json);
    assert!(message.starts_with("Redis refused the load (OOM "), "{message}");
    assert!(message.ends_with("nothing was changed"), "{message}");
    assert_eq!(snapshot(&redis), before);
}

/// Local mode: hashes a student's own script writes straight to Redis (as
/// Exercise 1's redis-py script does), and a `FLUSHDB`, show on the next
/// page without pressing Reindex; keys of other kinds cost no reindex.
#[tokio::test]
async fn the_indexes_follow_what_other_clients_write() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let (_, empty) = client.get("/api/data").await;
    assert_eq!((empty["total"].as_u64(), empty.get("reindexed")), (Some(0), None), "{empty}");

    // The script: one HSET per landing, pipelined, past Bolide.
    let dataset = generate::generate(250, 3);
    let mut script = conn(redis.port(), 0);
    let mut pipe = redis::pipe();
    for landing in &dataset.landings {
        pipe.cmd("HSET").arg(landing.key()).arg(&landing.fields).ignore();
    }
    pipe.exec(&mut script).expect("the script's HSETs");
    let (status, page) = client.get("/api/data?size=500").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["total"].as_u64(), page["reindexed"].as_u64()), (Some(250), Some(250)));
    let want = reference(&dataset, |_| true, |l| l.id().parse().ok(), false);
    assert_eq!(page_ids(&page), want);
    let (_, again) = client.get("/api/data?sort=mass&order=desc").await;
    assert_eq!((again["total"].as_u64(), again.get("reindexed")), (Some(250), None), "in step now");

    // A key of another kind changes the size but not the landings.
    redis::cmd("SET").arg("visits").arg(12).exec(&mut script).expect("SET");
    let (_, page) = client.get("/api/data").await;
    assert_eq!((page["total"].as_u64(), page.get("reindexed")), (Some(250), None), "{page}");

    // One more landing, then FLUSHDB.
    redis::cmd("HSET")
        .arg("meteorite:99999")
        .arg("id")
        .arg("99999")
        .arg("name")
        .arg("Scripted")
        .exec(&mut script)
        .expect("HSET");
    let (_, page) = client.get("/api/data?q=scripted").await;
    assert_eq!(page_ids(&page), ["99999"], "{page}");
    redis::cmd("FLUSHDB").exec(&mut script).expect("FLUSHDB");
    let (_, page) = client.get("/api/data").await;
    assert_eq!((page["total"].as_u64(), page["reindexed"].as_u64()), (Some(0), Some(0)), "{page}");
    assert_eq!(page["items"], serde_json::json!([]));
}
