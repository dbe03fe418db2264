//! `/api/jobs` and the worker on a real Redis: the state machine (submit,
//! run, succeed; cancel while queued and while running; fail on params
//! that do not read; take over a silent run; hand back on stop), results
//! and their expiry, bad input, and shared-mode isolation.
//!
//! The API is the real router and the worker the real library worker, in
//! this process; `tests/tests/jobs_scale.rs` drives the real binaries
//! (kill -9, Redis restarts, several APIs and workers).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bolide::data::{generate, Dataset};
use bolide::jobs::transitions::{self, Claim, Delivery, Verdict};
use bolide::jobs::worker::{self, WorkerHandle};
use bolide::jobs::{keys, queue, JobsConfig, WorkerOptions};
use bolide::sandbox::Tenancy;
use bolide_tests::RedisServer;
use common::{conn, router, router_with_jobs, Client, JSON};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// What the tests here ask of the API, on the common client.
impl Client {
    async fn generate(&mut self, n: usize, seed: u64) {
        let (status, report) =
            self.send("POST", &format!("/api/data/generate?n={n}&seed={seed}"), None, Vec::new()).await;
        assert_eq!(status, StatusCode::OK, "{report}");
    }

    /// Submits a job; its id.
    async fn submit(&mut self, request: Value) -> String {
        let (status, job) = self.json("POST", "/api/jobs", &request).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        assert_eq!(job["status"], "queued", "{job}");
        job["id"].as_str().expect("id").to_string()
    }

    async fn job(&mut self, id: &str) -> Value {
        let (status, job) = self.get(&format!("/api/jobs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        job
    }

    /// Polls the job until `done` says so (or panics after `timeout`).
    async fn wait_for(&mut self, id: &str, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let job = self.job(id).await;
            if done(&job) {
                return job;
            }
            assert!(Instant::now() < deadline, "job never got there; it is {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_for_status(&mut self, id: &str, status: &str) -> Value {
        self.wait_for(id, Duration::from_secs(30), |job| job["status"] == status).await
    }
}

fn options(visibility_ms: u64, pace_ms: u64, grace_ms: u64) -> WorkerOptions {
    WorkerOptions {
        visibility_timeout: Duration::from_millis(visibility_ms),
        pace: Duration::from_millis(pace_ms),
        grace_period: Duration::from_millis(grace_ms),
    }
}

fn start_worker(redis: &RedisServer, options: WorkerOptions) -> WorkerHandle {
    worker::spawn(&redis.url(), options).expect("worker")
}

/// Bolide's own database (15), where jobs and sessions live.
fn system(redis: &RedisServer) -> redis::Connection {
    conn(redis.port(), 15)
}

/// `count_per_class` computed here, independently of the analyses.
fn class_counts(dataset: &Dataset) -> (BTreeMap<String, u64>, u64) {
    let mut counts = BTreeMap::new();
    let mut without = 0;
    for landing in &dataset.landings {
        match landing.class() {
            Some(class) => *counts.entry(class.to_string()).or_insert(0) += 1,
            None => without += 1,
        }
    }
    (counts, without)
}

fn counts_of(results: &Value) -> BTreeMap<String, u64> {
    results["counts"]
        .as_object()
        .expect("counts")
        .iter()
        .map(|(class, n)| (class.clone(), n.as_u64().expect("count")))
        .collect()
}

#[tokio::test]
async fn a_job_runs_to_success_and_serves_its_result() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(400, 3).await;
    let worker = start_worker(&redis, options(2000, 0, 1000));

    let body = serde_json::to_vec(&json!({"analysis": "count_per_class"})).expect("json");
    let response = router
        .clone()
        .oneshot(
            Request::post("/api/jobs")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
        .expect("ok");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let submitted: Value =
        serde_json::from_slice(&response.into_body().collect().await.expect("body").to_bytes())
            .expect("json");
    let id = submitted["id"].as_str().expect("id").to_string();
    assert!(keys::is_job_id(&id), "{id}");
    assert_eq!(location.as_deref(), Some(format!("/api/jobs/{id}").as_str()));
    assert_eq!(submitted["status"], "queued");
    assert_eq!(submitted["progress"], 0);
    assert_eq!(submitted["attempts"], 0);
    assert_eq!(submitted["max_attempts"], 3);
    assert_eq!(submitted["redis"]["job_key"], format!("bolide:jobs:job:{id}"));
    assert_eq!(submitted["redis"]["queue_key"], "bolide:jobs:queue");

    let job = client.wait_for_status(&id, "succeeded").await;
    assert_eq!(job["progress"], 100);
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["worker"], worker.id());
    assert_eq!(job["error"], Value::Null);
    let (queued, started, finished) = (
        job["queued_at"].as_u64().expect("queued_at"),
        job["started_at"].as_u64().expect("started_at"),
        job["finished_at"].as_u64().expect("finished_at"),
    );
    assert!(queued <= started && started <= finished, "{job}");
    let expires = job["result_expires_at"].as_u64().expect("expiry");
    assert!(expires >= finished + 24 * 3600 * 1000 - 1000, "{job}");

    let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results["job_id"], id.as_str());
    assert_eq!(results["analysis"], "count_per_class");
    let (counts, without) = class_counts(&generate::generate(400, 3));
    assert_eq!(counts_of(&results), counts);
    assert_eq!(results["without_class"], without);
    assert_eq!(results["records"], 400);

    // Listed, newest first, with the worker alive.
    let second = client.submit(json!({"analysis": "average_mass", "params": {"fall": "Fell"}})).await;
    let (status, list) = client.get("/api/jobs?page=1&size=10").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    let ids: Vec<&str> =
        list["items"].as_array().expect("items").iter().filter_map(|j| j["id"].as_str()).collect();
    assert_eq!(ids, [second.as_str(), id.as_str()]);
    assert!(list["workers_alive"].as_u64().expect("alive") >= 1, "{list}");
    let (_, workers) = client.get("/api/jobs/workers").await;
    assert!(
        workers["workers"].as_array().expect("workers").iter().any(|w| w["id"] == worker.id()),
        "{workers}"
    );
    client.wait_for_status(&second, "succeeded").await;

    // The queue holds only live work: both entries are gone.
    let mut conn = system(&redis);
    let length: u64 = redis::cmd("XLEN").arg(keys::QUEUE).query(&mut conn).expect("XLEN");
    assert_eq!(length, 0);
    let active: u64 = redis::cmd("SCARD").arg(keys::owner_active("local")).query(&mut conn).expect("SCARD");
    assert_eq!(active, 0);
    let ttl: i64 = redis::cmd("PTTL").arg(keys::result(&id)).query(&mut conn).expect("PTTL");
    assert!(ttl > 23 * 3600 * 1000, "{ttl}");
    let worker_id = worker.id().to_string();
    worker.stop().await;
    let (_, workers) = client.get("/api/jobs/workers").await;
    assert_eq!(workers["alive"], 0, "a stopped worker leaves the registry: {workers}");
    let consumers: Vec<Vec<redis::Value>> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(keys::QUEUE)
        .arg(keys::GROUP)
        .query(&mut conn)
        .expect("XINFO");
    let named = |c: &Vec<redis::Value>| c.contains(&redis::Value::BulkString(worker_id.clone().into_bytes()));
    assert!(!consumers.iter().any(named), "and the consumer group: {consumers:?}");
}

#[tokio::test]
async fn long_dead_workers_are_forgotten() {
    let redis = RedisServer::start();
    let mut conn = system(&redis);
    let now = bolide_now();
    redis::pipe()
        .cmd("ZADD")
        .arg(keys::WORKERS)
        .arg(now - 11 * 60 * 1000)
        .arg("gone:1:aaaaaa")
        .cmd("ZADD")
        .arg(keys::WORKERS)
        .arg(now)
        .arg("here:2:bbbbbb")
        .cmd("HSET")
        .arg(keys::WORKING)
        .arg("gone:1:aaaaaa")
        .arg("0000000000000001")
        .exec(&mut conn)
        .expect("setup");
    let (mut manager, _) =
        bolide::redis_conn::connect(&format!("redis://127.0.0.1:{}/15", redis.port())).expect("url");
    bolide::jobs::registry::sweep(&mut manager, now).await.expect("sweep");
    let workers: Vec<String> =
        redis::cmd("ZRANGE").arg(keys::WORKERS).arg(0).arg(-1).query(&mut conn).expect("ZRANGE");
    assert_eq!(workers, ["here:2:bbbbbb"]);
    let working: u64 = redis::cmd("HLEN").arg(keys::WORKING).query(&mut conn).expect("HLEN");
    assert_eq!(working, 0);
    let alive = bolide::jobs::registry::alive(&mut manager, now).await.expect("alive");
    assert_eq!(alive.alive, 1);
    assert_eq!(alive.workers[0].id, "here:2:bbbbbb");
}

/// A job may ask for a slow pace (the page's "Slowly"): it is seen running
/// part way, then succeeds with the same result as without.
#[tokio::test]
async fn a_job_asking_for_a_pace_can_be_watched_running() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(200, 3).await;
    let worker = start_worker(&redis, options(5000, 0, 1000));
    let quick = client.submit(json!({"analysis": "hemispheres"})).await;
    client.wait_for_status(&quick, "succeeded").await;
    let slow = client.submit(json!({"analysis": "hemispheres", "params": {"pace_ms": 150}})).await;
    let midway = client
        .wait_for(&slow, Duration::from_secs(30), |job| {
            job["status"] == "running" && job["progress"].as_u64().is_some_and(|p| (1..100).contains(&p))
        })
        .await;
    assert_eq!(midway["params"]["pace_ms"], 150, "{midway}");
    client.wait_for_status(&slow, "succeeded").await;
    let (status, slow_result) = client.get(&format!("/api/jobs/{slow}/results")).await;
    assert_eq!(status, StatusCode::OK, "{slow_result}");
    let (_, quick_result) = client.get(&format!("/api/jobs/{quick}/results")).await;
    assert_eq!(slow_result["result"], quick_result["result"], "{slow_result} {quick_result}");
    worker.stop().await;
}

#[tokio::test]
async fn a_job_cancelled_while_queued_never_runs() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(50, 1).await;
    let id = client.submit(json!({"analysis": "hemispheres"})).await;
    let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{results}");
    assert!(results["error"]["message"].as_str().expect("message").contains("queued"), "{results}");

    let (status, job) = client.send("POST", &format!("/api/jobs/{id}/cancel"), None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["status"], "cancelled");
    assert!(job["error"].as_str().expect("error").contains("while queued"), "{job}");
    let length: u64 = redis::cmd("XLEN").arg(keys::QUEUE).query(&mut system(&redis)).expect("XLEN");
    assert_eq!(length, 0, "the entry left the queue with the cancel");

    // A worker started now finds nothing to run.
    let worker = start_worker(&redis, options(1000, 0, 1000));
    let other = client.submit(json!({"analysis": "hemispheres"})).await;
    client.wait_for_status(&other, "succeeded").await;

    // Cancel of a job that finished first (the page's Cancel clicked a
    // moment too late) says so and deletes nothing; a second cancel of the
    // cancelled one too.
    for (finished, how) in [(&other, "succeeded"), (&id, "cancelled")] {
        let (status, refused) =
            client.send("POST", &format!("/api/jobs/{finished}/cancel"), None, Vec::new()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        let message = refused["error"]["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("already finished ({how})")) && message.contains("kept"),
            "{message}"
        );
    }
    assert_eq!(client.job(&other).await["status"], "succeeded");
    let (status, _) = client.get(&format!("/api/jobs/{other}/results")).await;
    assert_eq!(status, StatusCode::OK, "the result is still there");
    let (status, _) = client.send("POST", "/api/jobs/0123456789abcdef/cancel", None, Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let job = client.job(&id).await;
    assert_eq!(job["status"], "cancelled");
    assert_eq!(job["attempts"], 0);
    assert_eq!(job["started_at"], Value::Null);
    let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{results}");

    // Deleting a finished job removes it and its result.
    let (status, _) = client.send("DELETE", &format!("/api/jobs/{id}"), None, Vec::new()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = client.get(&format!("/api/jobs/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = client.send("DELETE", &format!("/api/jobs/{other}"), None, Vec::new()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let exists: u64 =
        redis::cmd("EXISTS").arg(keys::result(&other)).query(&mut system(&redis)).expect("EXISTS");
    assert_eq!(exists, 0);
    let (_, list) = client.get("/api/jobs").await;
    assert_eq!(list["total"], 0, "{list}");
    worker.stop().await;
}

#[tokio::test]
async fn a_job_cancelled_while_running_is_never_reported_succeeded() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(200, 2).await;
    // Paced: the job takes at least 3 s, its progress climbing 10 % per 300 ms.
    let worker = start_worker(&redis, options(2000, 300, 1000));
    let id = client.submit(json!({"analysis": "per_year"})).await;
    let running = client
        .wait_for(&id, Duration::from_secs(10), |job| {
            job["status"] == "running" && job["progress"].as_u64().unwrap_or(0) >= 10
        })
        .await;
    assert_eq!(running["worker"], worker.id());
    assert!(running["started_at"].is_u64());

    let (status, job) = client.send("DELETE", &format!("/api/jobs/{id}"), None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["status"], "cancelled");
    assert!(job["error"].as_str().expect("error").contains("while running"), "{job}");

    // Long past the job's paced end: still cancelled, no result anywhere.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let job = client.job(&id).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    let (status, _) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut conn = system(&redis);
    let exists: u64 = redis::cmd("EXISTS").arg(keys::result(&id)).query(&mut conn).expect("EXISTS");
    assert_eq!(exists, 0);
    let working: Option<String> =
        redis::cmd("HGET").arg(keys::WORKING).arg(worker.id()).query(&mut conn).expect("HGET");
    assert_eq!(working, None, "the worker let go of the job");

    // The worker moved on: the next job runs.
    let next = client.submit(json!({"analysis": "fell_found"})).await;
    client.wait_for(&next, Duration::from_secs(15), |job| job["status"] == "succeeded").await;
    worker.stop().await;
}

#[tokio::test]
async fn a_stored_job_whose_params_do_not_read_fails_at_once() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(30, 1).await;
    let mut conn = system(&redis);
    // As an older (or newer) Bolide might have written them.
    let cases = [
        ("0000000000000001", "average_mass", r#"{"year_min": 2000, "year_max": 1900}"#, "year_min"),
        ("0000000000000002", "hemispheres", r#"{"colour": "red"}"#, "colour"),
        ("0000000000000003", "astrology", "{}", "astrology"),
    ];
    for (id, analysis, params, _) in cases {
        let entry: String = redis::cmd("XADD")
            .arg(keys::QUEUE)
            .arg("*")
            .arg("job")
            .arg(id)
            .arg("owner")
            .arg("local")
            .query(&mut conn)
            .expect("XADD");
        redis::cmd("HSET")
            .arg(keys::job(id))
            .arg(&[
                ("id", id),
                ("owner", "local"),
                ("analysis", analysis),
                ("params", params),
                ("data_prefix", ""),
                ("status", "queued"),
                ("progress", "0"),
                ("queued_at", "1"),
                ("attempts", "0"),
                ("max_attempts", "3"),
                ("result_ttl_ms", "60000"),
                ("entry", entry.as_str()),
            ])
            .exec(&mut conn)
            .expect("HSET");
        redis::cmd("ZADD").arg(keys::owner_index("local")).arg(1).arg(id).exec(&mut conn).expect("ZADD");
    }
    let worker = start_worker(&redis, options(2000, 0, 1000));
    for (id, _, _, named) in cases {
        let deadline = Instant::now() + Duration::from_secs(15);
        let fields = loop {
            let fields: BTreeMap<String, String> =
                redis::cmd("HGETALL").arg(keys::job(id)).query(&mut conn).expect("HGETALL");
            if fields.get("status").map(String::as_str) == Some("failed") {
                break fields;
            }
            assert!(Instant::now() < deadline, "{id} never failed: {fields:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(fields["attempts"], "1", "failed on its first run, not retried: {fields:?}");
        assert!(fields["error"].contains(named), "{fields:?}");
    }
    // The readable ones show in the API, with the reason.
    let job = client.job(cases[0].0).await;
    assert_eq!(job["status"], "failed");
    assert!(job["error"].as_str().expect("error").contains("year_min"), "{job}");
    worker.stop().await;
}

#[tokio::test]
async fn a_silent_run_is_taken_over_and_its_late_report_refused() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(100, 5).await;
    let id = client.submit(json!({"analysis": "count_per_class"})).await;

    // A "worker" that takes the job and then goes silent (as if frozen).
    let control = redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port())).expect("url");
    let mut ghost = control.get_multiplexed_async_connection().await.expect("connect");
    queue::ensure_group(&mut ghost).await.expect("group");
    let delivery: Delivery = queue::read_new(&mut ghost, "ghost", Duration::from_millis(100))
        .await
        .expect("read")
        .expect("an entry");
    assert_eq!(delivery.job_id, id);
    let now = bolide_now();
    let Claim::Started { lease: ghost_lease, .. } =
        transitions::start(&mut ghost, &delivery, "ghost", now, Duration::from_millis(1000))
            .await
            .expect("start")
    else {
        panic!("the ghost could not start the job");
    };
    assert_eq!(client.job(&id).await["worker"], "ghost");

    // A real worker takes it over once the visibility timeout has passed.
    let worker = start_worker(&redis, options(1000, 0, 1000));
    let job = client.wait_for_status(&id, "succeeded").await;
    assert_eq!(job["attempts"], 2);
    assert_eq!(job["worker"], worker.id());
    let (_, first) = client.get(&format!("/api/jobs/{id}/results")).await;

    // The ghost wakes up: its heartbeat and its finish are refused, and the
    // result stays the real worker's.
    let verdict =
        transitions::heartbeat(&mut ghost, &ghost_lease, 50, bolide_now()).await.expect("heartbeat");
    assert_eq!(verdict, Verdict::Lost("succeeded".into()));
    let fake = r#"{"job_id":"x","records":0,"computed_at":0,"analysis":"count_per_class","counts":{},"without_class":0}"#;
    let verdict = transitions::finish(&mut ghost, &ghost_lease, fake, bolide_now()).await.expect("finish");
    assert_eq!(verdict, Verdict::Lost("succeeded".into()));
    let verdict = transitions::fail(&mut ghost, &ghost_lease, "late", bolide_now()).await.expect("fail");
    assert_eq!(verdict, Verdict::Lost("succeeded".into()));
    let (_, after) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(after, first);
    assert_eq!(client.job(&id).await["status"], "succeeded");
    worker.stop().await;
}

#[tokio::test]
async fn a_cancelled_job_refuses_a_late_finish() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(10, 1).await;
    let id = client.submit(json!({"analysis": "fell_found"})).await;
    // A worker that has computed the result and is about to store it…
    let control = redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port())).expect("url");
    let mut slow = control.get_multiplexed_async_connection().await.expect("connect");
    queue::ensure_group(&mut slow).await.expect("group");
    let delivery = queue::read_new(&mut slow, "slow", Duration::from_millis(100))
        .await
        .expect("read")
        .expect("an entry");
    let Claim::Started { lease, .. } =
        transitions::start(&mut slow, &delivery, "slow", bolide_now(), Duration::from_secs(60))
            .await
            .expect("start")
    else {
        panic!("could not start the job");
    };
    // …when the owner cancels it.
    let (status, job) = client.send("DELETE", &format!("/api/jobs/{id}"), None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let result = r#"{"job_id":"x","records":0,"computed_at":0,"analysis":"fell_found","fell":0,"found":0,"other":{},"without_fall":0}"#;
    let verdict = transitions::finish(&mut slow, &lease, result, bolide_now()).await.expect("finish");
    assert_eq!(verdict, Verdict::Cancelled);
    let verdict = transitions::heartbeat(&mut slow, &lease, 90, bolide_now()).await.expect("heartbeat");
    assert_eq!(verdict, Verdict::Cancelled);
    assert_eq!(transitions::hand_back(&mut slow, &lease).await.expect("hand back"), Verdict::Cancelled);
    let job = client.job(&id).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    let exists: u64 = redis::cmd("EXISTS").arg(keys::result(&id)).query(&mut system(&redis)).expect("EXISTS");
    assert_eq!(exists, 0, "no result was stored");
    let (status, _) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_stopping_worker_hands_its_job_back() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(100, 5).await;
    // No grace: the paced job (≥ 5 s) cannot finish in time.
    let first = start_worker(&redis, options(5000, 500, 0));
    let id = client.submit(json!({"analysis": "density_grid", "params": {"cell_degrees": 10.0}})).await;
    client.wait_for_status(&id, "running").await;
    let first_id = first.id().to_string();
    first.stop().await;
    let job = client.job(&id).await;
    assert_eq!(job["status"], "queued", "handed back at once: {job}");
    assert_eq!(job["attempts"], 0, "a handed-back run is not an attempt");
    assert_eq!(job["worker"], first_id.as_str());

    let second = start_worker(&redis, options(5000, 0, 1000));
    let job = client.wait_for_status(&id, "succeeded").await;
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["worker"], second.id());
    let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results["cell_degrees"], 10.0);
    second.stop().await;
}

#[tokio::test]
async fn a_job_whose_data_changes_under_it_ends_cleanly() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(2000, 9).await;
    let worker = start_worker(&redis, options(2000, 100, 1000));
    let id = client.submit(json!({"analysis": "data_quality"})).await;
    client.wait_for_status(&id, "running").await;
    let (status, _) = client.send("DELETE", "/api/data", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    client.generate(10, 1).await;
    let job = client
        .wait_for(&id, Duration::from_secs(20), |job| {
            job["status"] == "succeeded" || job["status"] == "failed"
        })
        .await;
    if job["status"] == "succeeded" {
        let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
        assert_eq!(status, StatusCode::OK, "{results}");
        assert_eq!(results["analysis"], "data_quality");
    } else {
        assert!(job["error"].as_str().is_some_and(|e| !e.is_empty()), "{job}");
    }
    worker.stop().await;
}

#[tokio::test]
async fn results_expire_with_a_clear_message() {
    let redis = RedisServer::start();
    let jobs = JobsConfig { result_ttl: Duration::from_millis(1000), ..JobsConfig::LOCAL };
    let router = router_with_jobs(&redis, Tenancy::Local, Some(jobs));
    let mut client = Client::new(&router);
    client.generate(20, 1).await;
    let worker = start_worker(&redis, options(2000, 0, 1000));
    let id = client.submit(json!({"analysis": "top_heaviest", "params": {"n": 3}})).await;
    client.wait_for_status(&id, "succeeded").await;
    let (status, results) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results["landings"].as_array().expect("landings").len(), 3);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (status, body) = client.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("expired") && message.contains("1 s"), "{message}");
    assert_eq!(client.job(&id).await["status"], "succeeded", "the job itself is still listed");
    worker.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter_and_stores_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(20, 1).await;
    let before = redis.snapshot(|_, _| false);
    let cases: [(&str, &[u8], &str); 13] = [
        ("not JSON", b"{\"analysis\": ", ""),
        ("no analysis", b"{}", "analysis"),
        ("unknown analysis", b"{\"analysis\": \"astrology\"}", "analysis"),
        ("analysis of the wrong type", b"{\"analysis\": 7}", "analysis"),
        ("unknown top-level field", b"{\"analysis\": \"hemispheres\", \"priority\": 1}", "priority"),
        ("unknown parameter", b"{\"analysis\": \"hemispheres\", \"params\": {\"colour\": 1}}", "colour"),
        ("wrong type", b"{\"analysis\": \"hemispheres\", \"params\": {\"year_min\": \"1900\"}}", "year_min"),
        (
            "inverted range",
            b"{\"analysis\": \"per_year\", \"params\": {\"year_min\": 2000, \"year_max\": 1}}",
            "year_min",
        ),
        ("n for another analysis", b"{\"analysis\": \"hemispheres\", \"params\": {\"n\": 3}}", "`n`"),
        ("n too large", b"{\"analysis\": \"top_heaviest\", \"params\": {\"n\": 100000}}", "`n`"),
        (
            "odd cell size",
            b"{\"analysis\": \"density_grid\", \"params\": {\"cell_degrees\": 7}}",
            "cell_degrees",
        ),
        ("negative mass", b"{\"analysis\": \"average_mass\", \"params\": {\"mass_min\": -1}}", "mass_min"),
        ("pace too slow", b"{\"analysis\": \"average_mass\", \"params\": {\"pace_ms\": 5000}}", "pace_ms"),
    ];
    for (what, body, named) in cases {
        let (status, error) = client.send("POST", "/api/jobs", Some(JSON), body.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {error}");
        let message = error["error"]["message"].as_str().expect("message");
        assert!(message.contains(named), "{what}: {message}");
    }
    for uri in [
        "/api/jobs/nope",
        "/api/jobs/0123456789ABCDEF",
        "/api/jobs/0123456789abcdef0/results",
        "/api/jobs?page=0",
        "/api/jobs?page=x",
        "/api/jobs?size=0",
        "/api/jobs?size=101",
    ] {
        let (status, error) = client.get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {error}");
        assert_eq!(error["error"]["code"], "bad_parameter", "{uri}: {error}");
    }
    let (status, _) = client.send("DELETE", "/api/jobs/..%2F..%2Fsecret", None, Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A cross-site form post is refused before anything is read.
    let response = router
        .clone()
        .oneshot(
            Request::post("/api/jobs")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(r#"{"analysis":"hemispheres"}"#))
                .expect("request"),
        )
        .await
        .expect("ok");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A job id of the right shape that does not exist: 404.
    let (status, _) = client.get("/api/jobs/0123456789abcdef").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(redis.snapshot(|_, _| false), before, "nothing stored");
}

#[tokio::test]
async fn sessions_see_and_touch_only_their_own_jobs() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Client::new(&router);
    let mut bob = Client::new(&router);
    alice.generate(120, 4).await;
    bob.generate(30, 8).await;
    let worker = start_worker(&redis, options(2000, 150, 1000));
    let id = alice.submit(json!({"analysis": "count_per_class"})).await;
    alice.wait_for_status(&id, "running").await;
    // Who runs what: Alice sees her job on the worker, Bob only the worker.
    let (_, seen_by_alice) = alice.get("/api/jobs/workers").await;
    assert_eq!(seen_by_alice["workers"][0]["job"], id.as_str(), "{seen_by_alice}");
    let (_, seen_by_bob) = bob.get("/api/jobs/workers").await;
    assert_eq!(seen_by_bob["alive"], 1, "{seen_by_bob}");
    assert_eq!(seen_by_bob["workers"][0]["job"], Value::Null, "{seen_by_bob}");
    alice.wait_for_status(&id, "succeeded").await;

    for (method, uri) in [
        ("GET", format!("/api/jobs/{id}")),
        ("GET", format!("/api/jobs/{id}/results")),
        ("DELETE", format!("/api/jobs/{id}")),
    ] {
        let (status, body) = bob.send(method, &uri, None, Vec::new()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}: {body}");
    }
    let (_, list) = bob.get("/api/jobs").await;
    assert_eq!(list["total"], 0, "{list}");
    let (_, list) = alice.get("/api/jobs").await;
    assert_eq!(list["total"], 1, "{list}");

    // Alice's job ran over Alice's landings, not Bob's.
    let (status, results) = alice.get(&format!("/api/jobs/{id}/results")).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results["records"], 120);
    assert_eq!(counts_of(&results), class_counts(&generate::generate(120, 4)).0);
    let bobs = bob.submit(json!({"analysis": "count_per_class"})).await;
    bob.wait_for_status(&bobs, "succeeded").await;
    let (_, results) = bob.get(&format!("/api/jobs/{bobs}/results")).await;
    assert_eq!(results["records"], 30);
    worker.stop().await;
}

#[tokio::test]
async fn a_session_cannot_flood_the_queue() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut client = Client::new(&router);
    let limit = JobsConfig::SHARED.max_unfinished_per_owner;
    for _ in 0..limit {
        client.submit(json!({"analysis": "fell_found"})).await;
    }
    let (status, error) = client.json("POST", "/api/jobs", &json!({"analysis": "fell_found"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
    let (_, list) = client.get("/api/jobs?size=100").await;
    assert_eq!(list["total"], limit, "the refused job was not stored");
    // Another session is not affected.
    let mut other = Client::new(&router);
    other.submit(json!({"analysis": "fell_found"})).await;
}

fn bolide_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `started_at` of a job, once it ran.
/// A connection to Bolide's system database, as the workers have.
async fn system_async(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port())).expect("url");
    client.get_multiplexed_async_connection().await.expect("connect")
}

fn started_at(job: &Value) -> u64 {
    job["started_at"].as_u64().unwrap_or_else(|| panic!("never started: {job}"))
}

#[tokio::test]
async fn one_sessions_many_jobs_do_not_hold_back_anothers_one() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Client::new(&router);
    let mut bob = Client::new(&router);
    alice.generate(60, 2).await;
    bob.generate(30, 3).await;
    // Alice queues ten jobs, then Bob one, before any worker runs: a plain
    // FIFO would run all of Alice's first.
    let mut alices = Vec::new();
    for _ in 0..10 {
        alices.push(alice.submit(json!({"analysis": "count_per_class"})).await);
    }
    let bobs = bob.submit(json!({"analysis": "count_per_class"})).await;
    let length: u64 = redis::cmd("XLEN").arg(keys::QUEUE).query(&mut system(&redis)).expect("XLEN");
    assert_eq!(length, 2, "one waiting entry per session; Alice's others are held");

    let worker = start_worker(&redis, options(2000, 0, 1000));
    let bob_started = started_at(&bob.wait_for_status(&bobs, "succeeded").await);
    let mut before_bob = 0;
    for id in &alices {
        // Every held job still runs, in its turn.
        let job = alice.wait_for_status(id, "succeeded").await;
        if started_at(&job) < bob_started {
            before_bob += 1;
        }
    }
    assert!(before_bob <= 1, "{before_bob} of Alice's jobs ran before Bob's, which came after her first");
    let mut system = system(&redis);
    let length: u64 = redis::cmd("XLEN").arg(keys::QUEUE).query(&mut system).expect("XLEN");
    assert_eq!(length, 0, "the queue is empty once all ran");
    let owner: String =
        redis::cmd("HGET").arg(keys::job(&alices[0])).arg("owner").query(&mut system).expect("owner");
    for owner_key in [keys::owner_held, keys::owner_turn] {
        let left: u64 = redis::cmd("EXISTS").arg(owner_key(&owner)).query(&mut system).expect("EXISTS");
        assert_eq!(left, 0, "no turn or held job left behind");
    }
    worker.stop().await;
}

#[tokio::test]
async fn cancelling_a_waiting_or_held_job_passes_the_turn_on() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(40, 5).await;
    let first = client.submit(json!({"analysis": "hemispheres"})).await;
    let second = client.submit(json!({"analysis": "hemispheres"})).await;
    let third = client.submit(json!({"analysis": "hemispheres"})).await;
    let mut system = system(&redis);
    let queued_entries = |system: &mut redis::Connection| -> Vec<String> {
        let entries: Vec<(String, Vec<(String, String)>)> =
            redis::cmd("XRANGE").arg(keys::QUEUE).arg("-").arg("+").query(system).expect("XRANGE");
        entries
            .into_iter()
            .flat_map(|(_, fields)| fields)
            .filter(|(k, _)| k == "job")
            .map(|(_, v)| v)
            .collect()
    };
    assert_eq!(queued_entries(&mut system), vec![first.clone()]);
    // The held third goes without a trace; the waiting first hands the
    // turn to the second.
    for id in [&third, &first] {
        let (status, job) = client.send("POST", &format!("/api/jobs/{id}/cancel"), None, Vec::new()).await;
        assert_eq!(status, StatusCode::OK, "{job}");
    }
    assert_eq!(queued_entries(&mut system), vec![second.clone()]);
    // A reconcile pass leaves it as it is.
    assert_eq!(
        queue::reconcile_all(&mut system_async(&redis).await, bolide_now(), Duration::from_secs(5))
            .await
            .expect("reconcile"),
        0
    );
    assert_eq!(queued_entries(&mut system), vec![second.clone()]);

    let worker = start_worker(&redis, options(1000, 0, 1000));
    client.wait_for_status(&second, "succeeded").await;
    for id in [&first, &third] {
        let job = client.job(id).await;
        assert_eq!(job["status"], "cancelled", "{job}");
        assert_eq!(job["started_at"], Value::Null, "{job}");
    }
    worker.stop().await;
}

#[tokio::test]
async fn a_held_job_whose_owner_lost_its_turn_is_queued_by_reconcile() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.generate(40, 6).await;
    let first = client.submit(json!({"analysis": "hemispheres"})).await;
    let second = client.submit(json!({"analysis": "hemispheres"})).await;
    // The waiting entry and the turn vanish (a hand edit; a Redis that came
    // back without them): the held job must not wait forever.
    let mut system = system(&redis);
    let entry = client.job(&first).await["redis"]["queue_entry"].as_str().expect("entry").to_string();
    let _: () = redis::pipe()
        .cmd("XDEL")
        .arg(keys::QUEUE)
        .arg(&entry)
        .ignore()
        .cmd("DEL")
        .arg(keys::owner_turn("local"))
        .ignore()
        .query(&mut system)
        .expect("lose them");
    let changed = queue::reconcile_all(&mut system_async(&redis).await, bolide_now(), Duration::from_secs(5))
        .await
        .expect("reconcile");
    assert_eq!(changed, 2, "both back in the queue");
    let worker = start_worker(&redis, options(1000, 0, 1000));
    for id in [&first, &second] {
        client.wait_for_status(id, "succeeded").await;
    }
    worker.stop().await;
}
