//! The data API within a sandbox's memory quota (shared mode, a real
//! Redis, a 4 MiB quota): loads, the generator and record edits that would
//! pass it are refused whole with a JSON 413 naming it, leaving the dataset
//! exactly as it was; one that fits is accepted, and what the sandbox then
//! holds, as housekeeping measures it, stays within the quota.

mod common;

use axum::http::StatusCode;
use axum::Router;
use bolide::data::generate;
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState, StateOptions};
use bolide_shared::api::RedisMode;
use bolide_tests::RedisServer;
use common::{message, page_ids, Client, JSON};
use serde_json::Value;

const QUOTA: u64 = 4 << 20;

fn shared_app(redis: &RedisServer) -> (AppState, Router) {
    let mut options = StateOptions::new(RedisMode::External, Tenancy::Shared);
    options.console.max_session_bytes = QUOTA;
    // The quota is what is tested, not the rate: loads weigh ten requests
    // each, and the edits' loop sends up to 200 (`sandbox::rate`).
    options.console.session_rate = bolide::sandbox::rate::Rate { per_second: 2000, burst: 4000 };
    let state = AppState::build(&redis.url(), options).expect("url");
    let router = app(state.clone(), std::path::Path::new("/nonexistent-dist"));
    (state, router)
}

/// What a student sees of the dataset: the key count and the first page.
async fn seen(redis: &RedisServer, client: &mut Client) -> (u64, Vec<String>, Value) {
    let mut conn = common::conn(redis.port(), 0);
    // Every key but the sandbox's key index (which keeps a key's name a
    // while after it is gone: see `sandbox::key_index`).
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("keys");
    let keys = keys.iter().filter(|key| !key.ends_with("}!keys")).count() as u64;
    let (status, page) = client.get("/api/data?size=20&sort=mass&order=desc").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    (keys, page_ids(&page), page["total"].clone())
}

/// The sandbox's `used` count and its id (from its keys' namespace).
fn used(redis: &RedisServer) -> u64 {
    let mut data = common::conn(redis.port(), 0);
    let keys: Vec<String> = redis::cmd("KEYS").arg("{s:*").query(&mut data).expect("keys");
    let id =
        keys.first().and_then(|k| k.strip_prefix("{s:")).and_then(|k| k.split('}').next()).expect("a key");
    common::reserved_bytes(redis, id)
}

fn assert_quota_refusal(status: StatusCode, json: &Value, needle: &str) {
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    let text = message(json);
    assert!(text.contains(needle), "the refusal does not say {needle:?}: {text}");
    assert!(text.contains("4.0 MiB") || text.contains("4 MiB"), "the refusal names no quota: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_past_the_quota_are_refused_whole_and_change_nothing() {
    let redis = RedisServer::start();
    let (_state, router) = shared_app(&redis);
    let mut student = Client::new(&router);
    let (status, report) = student.send("POST", "/api/data/generate?n=1000&seed=3", None, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let before = seen(&redis, &mut student).await;
    assert_eq!(before.0, 1000);

    // The generator: far past the quota, refused before a landing is made.
    let (status, json) = student.send("POST", "/api/data/generate?n=1000000", None, vec![]).await;
    assert_quota_refusal(status, &json, "at most");
    assert_eq!(seen(&redis, &mut student).await, before);

    // An upload several times the quota: it stops being sent at the quota
    // and is discarded whole.
    let big = generate::to_nasa_json(&generate::generate(30_000, 9));
    let (status, json) = student.send("POST", "/api/data", Some(JSON), big).await;
    assert_quota_refusal(status, &json, "this load needs ~");
    assert_eq!(seen(&redis, &mut student).await, before);

    // A file that fits an empty sandbox but not the room left: 2 MiB
    // reserved by the console first.
    assert_eq!(student.console("SETRANGE pad 2000000 x").await, "(integer) 2000001");
    let (keys, ids, total) = seen(&redis, &mut student).await;
    let middling = generate::to_csv(&generate::generate(5_000, 11));
    let (status, json) = student.send("POST", "/api/data", Some("text/csv"), middling).await;
    assert_quota_refusal(status, &json, "this load needs ~");
    assert_eq!(seen(&redis, &mut student).await, (keys, ids.clone(), total.clone()));
    let (status, json) = student.send("POST", "/api/data/generate?n=5000&seed=11", None, vec![]).await;
    assert_quota_refusal(status, &json, "this load needs ~");
    assert_eq!(seen(&redis, &mut student).await, (keys, ids, total));

    // An edit that would grow past it: refused, the record unchanged.
    let huge = serde_json::json!({ "note": "x".repeat(60_000) });
    // (Records of their own: an edit that overwrites another may fit once
    // the sandbox is measured. 2 MiB of room is left, so some 30 such edits
    // fit; 200 of them, 12 MB, cannot, however exact the reservations get.)
    for id in 1..=200 {
        let path = format!("/api/data/{id}");
        let (status, json) = student.json("PATCH", &path, &huge).await;
        if status != StatusCode::OK {
            assert_quota_refusal(status, &json, "this edit needs ~");
            let (status, record) = student.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{record}");
            assert!(record["record"].get("note").is_none(), "the refused edit changed the record: {record}");
            return;
        }
    }
    panic!("200 edits of 60 KB each all fitted a 4 MiB quota");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_that_fits_is_accepted_and_stays_within_the_quota() {
    let redis = RedisServer::start();
    let (state, router) = shared_app(&redis);
    let mut student = Client::new(&router);
    // About 3.3 MiB by the estimate.
    let file = generate::to_nasa_json(&generate::generate(6_000, 5));
    let (status, report) = student.send("POST", "/api/data", Some(JSON), file.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["loaded"], 6000);
    let reserved = used(&redis);
    assert!(reserved > 2 << 20 && reserved <= QUOTA, "the load reserved {reserved} bytes");

    bolide::console::housekeeping::round(state.relay()).await.expect("housekeeping");
    let measured = used(&redis);
    assert!(measured > 0 && measured <= QUOTA + (1 << 20), "measured {measured} bytes");
    assert!(measured < reserved, "the estimate ({reserved}) is not below what Redis holds ({measured})");

    // Loading it again replaces the old set: what the old records hold is
    // not counted twice.
    let (status, report) = student.send("POST", "/api/data", Some(JSON), file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["replaced"], 6000);
    assert!(used(&redis) <= QUOTA);
}
