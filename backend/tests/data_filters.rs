//! New filters of the data browser, bounded per sandbox (shared mode, a
//! real Redis): one computed at a time per sandbox — a second one past the
//! wait is a JSON 429, while another sandbox's pages are answered — and the
//! results a sandbox keeps bounded in number and bytes, its own oldest
//! evicted, never another sandbox's.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use bolide::data::store::results::{self, Bounds};
use bolide::sandbox::{Owner, Tenancy};
use bolide::server::{app, AppState, StateOptions};
use bolide_shared::api::RedisMode;
use bolide_tests::RedisServer;
use common::{message, Client};

const KEPT: usize = 3;
const KEPT_BYTES: u64 = 64 * 1024;

fn shared_app(redis: &RedisServer) -> (AppState, Router) {
    let mut options = StateOptions::new(RedisMode::External, Tenancy::Shared);
    options.data_results =
        Bounds { in_flight: 1, wait: Duration::from_millis(200), kept: KEPT, kept_bytes: KEPT_BYTES };
    // Many requests quickly: the rate limit is not what this is about.
    options.console.session_rate.per_second = 1000;
    options.console.session_rate.burst = 2000;
    let state = AppState::build(&redis.url(), options).expect("url");
    let router = app(state.clone(), std::path::Path::new("/nonexistent-dist"));
    (state, router)
}

/// A student with a generated set of `n`, and its owner (found from the
/// one namespace in database 0 that is not one of `others`).
async fn student(router: &Router, redis: &RedisServer, n: usize, others: &[&Owner]) -> (Client, Owner) {
    let mut client = Client::new(router);
    let (status, report) =
        client.send("POST", &format!("/api/data/generate?n={n}&seed=4"), None, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let mut data = common::conn(redis.port(), 0);
    let keys: Vec<String> = redis::cmd("KEYS").arg("{s:*").query(&mut data).expect("keys");
    let owner = keys
        .iter()
        .filter_map(|k| k.strip_prefix("{s:").and_then(|k| k.split('}').next()))
        .map(Owner::for_session)
        .find(|o| others.iter().all(|other| other.key("") != o.key("")))
        .expect("the student's namespace");
    (client, owner)
}

/// The results `owner` keeps in Redis now: their number, and their
/// `MEMORY USAGE` in all.
fn results_in_redis(redis: &RedisServer, owner: &Owner) -> (usize, u64) {
    let mut system = common::conn(redis.port(), 15);
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}result:*", owner.key(""))).query(&mut system).expect("keys");
    let mut bytes = 0;
    for key in &keys {
        let used: Option<u64> =
            redis::cmd("MEMORY").arg("USAGE").arg(key).query(&mut system).expect("memory");
        bytes += used.unwrap_or(0);
    }
    (keys.iter().filter(|k| !k.ends_with(":nulls") && !k.ends_with(":stats")).count(), bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_new_filter_at_a_time_per_sandbox_and_others_are_answered() {
    let redis = RedisServer::start();
    let (state, router) = shared_app(&redis);
    let (mut attacker, owner) = student(&router, &redis, 3000, &[]).await;
    let (mut other, _) = student(&router, &redis, 200, &[&owner]).await;
    let filters = state.data().filters.clone();

    // The attacker's turn is taken (a filter of its own in flight): its new
    // filters wait, then are refused; a kept result, an unfiltered page and
    // another sandbox's new filter are answered.
    let turn = filters.turn(&owner).await.expect("a turn");
    assert_eq!(filters.in_flight(&owner), 1);
    let (status, _) = attacker.get("/api/data?size=1&mass_min=1").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let mut waiting = Vec::new();
    for i in 0..4 {
        let mut client = Client::new(&router);
        if let Some(cookie) = attacker.cookie() {
            client.set_cookie(cookie);
        }
        waiting.push(tokio::spawn(async move {
            client.get(&format!("/api/data?size=1&mass_min={}", 10 + i)).await
        }));
    }
    let (status, page) = other.get("/api/data?size=1&mass_min=5").await;
    assert_eq!(status, StatusCode::OK, "another sandbox's new filter: {page}");
    let (status, page) = attacker.get("/api/data?size=5").await;
    assert_eq!(status, StatusCode::OK, "an unfiltered page: {page}");
    for task in waiting {
        let (status, json) = task.await.expect("request");
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{json}");
        assert!(message(&json).contains("one new filter at a time"), "{json}");
    }
    drop(turn);
    assert_eq!(filters.in_flight(&owner), 0);

    // Six at once: never more than one computed at a time, each answered a
    // page or the 429.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (filters, owner, stop, peak) = (filters.clone(), owner.clone(), stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(filters.in_flight(&owner), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        })
    };
    let mut burst = Vec::new();
    for i in 0..6 {
        let mut client = Client::new(&router);
        client.set_cookie(attacker.cookie().expect("cookie"));
        burst.push(tokio::spawn(async move {
            client.get(&format!("/api/data?size=1&mass_min={}", 100 + i)).await
        }));
    }
    let mut answered = 0;
    for task in burst {
        let (status, json) = task.await.expect("request");
        match status {
            StatusCode::OK => answered += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(message(&json).contains("one new filter at a time"), "{json}")
            }
            other => panic!("{other}: {json}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    watcher.await.expect("watcher");
    assert!(answered >= 1, "no filter of the six was computed");
    assert!(peak.load(Ordering::Relaxed) <= 1, "{} filters in flight at once", peak.load(Ordering::Relaxed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_keeps_a_bounded_number_and_size_of_results_and_never_evicts_another() {
    let redis = RedisServer::start();
    let (state, router) = shared_app(&redis);
    let (mut victim, victim_owner) = student(&router, &redis, 300, &[]).await;
    let (mut attacker, owner) = student(&router, &redis, 3000, &[&victim_owner]).await;
    let (status, _) = victim.get("/api/data?size=1&mass_min=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results_in_redis(&redis, &victim_owner).0, 1);

    let mut system = state.redis();
    for i in 0..20 {
        let (status, page) = attacker.get(&format!("/api/data?size=1&mass_min={i}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let (count, bytes) = results::kept(&mut system, &owner).await.expect("kept");
        assert!(count as usize <= KEPT, "{count} results kept");
        // The newest always stays, whatever its size: at most the bound
        // plus one result (3,000 ids here, ~20 KB).
        assert!(bytes <= KEPT_BYTES + 32 * 1024, "{bytes} bytes kept");
        let (in_redis, memory) = results_in_redis(&redis, &owner);
        assert!(in_redis <= KEPT, "{in_redis} results in Redis");
        assert!(memory <= 2 * (KEPT_BYTES + 32 * 1024), "the results take {memory} bytes in Redis");
    }
    // The victim's result was not pushed out, and its pages still read it.
    assert_eq!(results_in_redis(&redis, &victim_owner).0, 1, "another sandbox's result was evicted");
    let (status, page) = victim.get("/api/data?size=1&mass_min=3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["commands"].to_string().contains("a result kept"), "{page}");
}
