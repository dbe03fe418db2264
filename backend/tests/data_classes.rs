//! `GET /api/data/classes` on a real Redis: the loaded set's classes with
//! their counts (as the pages count them), kept in step by record edits,
//! empty before a load, and each shared session's own.

mod common;

use axum::http::StatusCode;
use bolide::sandbox::Tenancy;
use bolide_tests::{http::urlencode, RedisServer};
use common::{router, Client};
use serde_json::{json, Value};

/// `(class, count)` pairs, in the answer's order.
fn pairs(answer: &Value) -> Vec<(String, u64)> {
    answer["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| (c["class"].as_str().expect("class").to_string(), c["count"].as_u64().expect("count")))
        .collect()
}

#[tokio::test]
async fn classes_come_with_the_counts_the_pages_find() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);

    let (status, empty) = client.get("/api/data/classes").await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(pairs(&empty), []);
    assert_eq!(empty["distinct"], 0);

    let (status, _) = client.json("POST", "/api/data/generate?n=500&seed=3", &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, answer) = client.get("/api/data/classes").await;
    let classes = pairs(&answer);
    assert!(classes.len() > 3, "{answer}");
    assert_eq!(answer["distinct"].as_u64(), Some(classes.len() as u64));
    assert_eq!(classes.iter().map(|(_, n)| n).sum::<u64>(), 500, "every landing has one class");
    for pair in classes.windows(2) {
        let ((a, n), (b, m)) = (&pair[0], &pair[1]);
        assert!(n > m || (n == m && a < b), "most common first, then by name: {classes:?}");
    }
    assert!(answer["commands"][0].as_str().expect("command").starts_with("ZREVRANGE "), "{answer}");
    // Each count is what a page filtered on that class totals.
    for (class, count) in classes.iter().take(3).chain(classes.last()) {
        let (_, page) = client.get(&format!("/api/data?size=1&class={}", urlencode(class))).await;
        assert_eq!(page["total"].as_u64(), Some(*count), "{class}");
    }

    // An edit moves a landing to another class: both counts follow.
    let (rare, rare_count) = classes.last().cloned().expect("a class");
    let (common, common_count) = classes[0].clone();
    let (_, page) = client.get(&format!("/api/data?size=1&class={}", urlencode(&common))).await;
    let id = page["items"][0]["id"].as_str().expect("id").to_string();
    let (status, _) = client.json("PATCH", &format!("/api/data/{id}"), &json!({ "recclass": rare })).await;
    assert_eq!(status, StatusCode::OK);
    let after = pairs(&client.get("/api/data/classes").await.1);
    assert!(after.contains(&(common.clone(), common_count - 1)), "{after:?}");
    assert!(after.contains(&(rare.clone(), rare_count + 1)), "{after:?}");
}

#[tokio::test]
async fn shared_sessions_see_only_their_own_classes() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let (mut alice, mut bob) = (Client::new(&router), Client::new(&router));
    alice.json("POST", "/api/data/generate?n=50&seed=1", &json!({})).await;
    let (status, answer) = alice.get("/api/data/classes").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(pairs(&answer).iter().map(|(_, n)| n).sum::<u64>(), 50);
    let (status, answer) = bob.get("/api/data/classes").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(pairs(&answer), [], "Bob has loaded nothing");
}
