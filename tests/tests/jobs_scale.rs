//! The job system as deployed: real `bolide serve` API processes and real
//! `bolide worker` processes on one real Redis. A worker killed with
//! SIGKILL mid-job loses nothing; a job whose workers always die fails
//! after its maximum attempts; a Redis restart (AOF on) loses no queued
//! job; two APIs and three workers run 200 jobs, each exactly once; a
//! worker stopped with SIGTERM hands its job back.
//!
//! Needs the `bolide` binary (`cargo build -p bolide`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bolide_tests::{http, BolideProcess, RedisServer, WorkerProcess};
use serde_json::{json, Value};

/// An API process on `redis`, without a worker of its own.
fn api(redis: &RedisServer, extra: &[&str]) -> BolideProcess {
    let url = redis.url();
    let mut args = vec!["--redis-url", url.as_str(), "--no-worker", "--dist", "/nonexistent-dist"];
    args.extend_from_slice(extra);
    BolideProcess::serve(&args, &[])
}

async fn generate(api: &BolideProcess, n: usize, seed: u64) {
    let response =
        http::request("POST", &api.url(&format!("/api/data/generate?n={n}&seed={seed}")), &[], b"")
            .await
            .expect("generate");
    assert_eq!(response.status, 200, "{}", response.text());
}

async fn submit(api: &BolideProcess, request: &Value) -> String {
    submit_to(api.url("/api/jobs"), request.clone()).await
}

/// `POST` to `url` (an API's `/api/jobs`); the new job's id.
async fn submit_to(url: String, request: Value) -> String {
    let body = serde_json::to_vec(&request).expect("json");
    let response =
        http::request("POST", &url, &[("content-type", "application/json")], &body).await.expect("submit");
    assert_eq!(response.status, 202, "{}", response.text());
    response.json()["id"].as_str().expect("id").to_string()
}

/// The job, through `api`; a `503` (the API reconnecting to a restarted
/// Redis) is retried for a few seconds.
async fn job(api: &BolideProcess, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = http::get(&api.url(&format!("/api/jobs/{id}"))).await.expect("job");
        if response.status == 503 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        assert_eq!(response.status, 200, "{}", response.text());
        return response.json();
    }
}

async fn wait_for(api: &BolideProcess, id: &str, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let job = job(api, id).await;
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job never got there; it is {job}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn system(redis: &RedisServer) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port()))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

/// Nothing left behind: no queue entry, nothing pending, nothing active.
fn assert_queue_drained(redis: &RedisServer) {
    let mut conn = system(redis);
    let length: u64 = redis::cmd("XLEN").arg("bolide:jobs:queue").query(&mut conn).expect("XLEN");
    assert_eq!(length, 0, "queue entries left");
    // The summary form: [count, first, last, consumers].
    let pending: Vec<redis::Value> =
        redis::cmd("XPENDING").arg("bolide:jobs:queue").arg("workers").query(&mut conn).expect("XPENDING");
    assert_eq!(pending.first(), Some(&redis::Value::Int(0)), "pending entries left: {pending:?}");
    let active: u64 = redis::cmd("SCARD").arg("bolide:jobs:active:local").query(&mut conn).expect("SCARD");
    assert_eq!(active, 0, "unfinished jobs left");
}

/// Workers paced so a job takes ≥ 10 × `pace_ms`, taken over after 2 s.
fn worker(redis: &RedisServer, pace_ms: u64) -> WorkerProcess {
    let pace = pace_ms.to_string();
    WorkerProcess::start(&redis.url(), &["--job-visibility-timeout", "2s", "--job-pace-ms", &pace])
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing() {
    let redis = RedisServer::start();
    let api = api(&redis, &[]);
    generate(&api, 300, 1).await;
    let first = worker(&redis, 300);
    let id = submit(&api, &json!({"analysis": "count_per_class"})).await;
    let running = wait_for(&api, &id, Duration::from_secs(15), |job| {
        job["status"] == "running" && job["progress"].as_u64().unwrap_or(0) >= 20
    })
    .await;
    assert_eq!(running["worker"], first.id.as_str());
    first.kill9();

    let second = worker(&redis, 0);
    // Once its worker is silent past the visibility timeout the job shows
    // `queued` again (never `running` under a dead worker), then runs.
    let done = wait_for(&api, &id, Duration::from_secs(30), |job| {
        !matches!(job["status"].as_str(), Some("running" | "queued"))
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 2);
    assert_eq!(done["worker"], second.id.as_str());
    let results = http::get(&api.url(&format!("/api/jobs/{id}/results"))).await.expect("results");
    assert_eq!(results.status, 200, "{}", results.text());
    assert_eq!(results.json()["job_id"], id.as_str());
    assert_eq!(results.json()["records"], 300);
    assert_queue_drained(&redis);
}

#[tokio::test]
async fn a_job_whose_workers_always_die_fails_after_max_attempts() {
    let redis = RedisServer::start();
    let api = api(&redis, &["--job-max-attempts", "2"]);
    generate(&api, 100, 1).await;
    let id = submit(&api, &json!({"analysis": "mass_distribution"})).await;
    let mut killed = Vec::new();
    for attempt in 1..=2u64 {
        let doomed = worker(&redis, 1000);
        let running = wait_for(&api, &id, Duration::from_secs(15), |job| {
            job["status"] == "running" && job["attempts"] == attempt
        })
        .await;
        assert_eq!(running["worker"], doomed.id.as_str());
        killed.push(doomed.id.clone());
        doomed.kill9();
    }
    let last = worker(&redis, 0);
    let failed = wait_for(&api, &id, Duration::from_secs(15), |job| {
        !matches!(job["status"].as_str(), Some("running" | "queued"))
    })
    .await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["attempts"], 2);
    let error = failed["error"].as_str().expect("error");
    assert!(error.contains("gave up after 2 attempts") && error.contains(&killed[1]), "{error}");
    let results = http::get(&api.url(&format!("/api/jobs/{id}/results"))).await.expect("results");
    assert_eq!(results.status, 409, "{}", results.text());
    assert_queue_drained(&redis);
    drop(last);
}

#[tokio::test]
async fn a_redis_restart_loses_no_queued_job() {
    let mut redis = RedisServer::start_persistent();
    let api = api(&redis, &[]);
    generate(&api, 200, 2).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let analysis = if i % 2 == 0 { "count_per_class" } else { "hemispheres" };
        ids.push(submit(&api, &json!({"analysis": analysis})).await);
    }
    // The AOF is fsynced every second; then a crash.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.restart();
    for id in &ids {
        assert_eq!(job(&api, id).await["status"], "queued", "the API reconnected, the job is still queued");
    }

    // A worker starts; Redis crashes again while it is mid-job.
    let worker = worker(&redis, 50);
    wait_for(&api, &ids[2], Duration::from_secs(30), |job| job["status"] == "succeeded").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    redis.restart();
    for id in &ids {
        let done = wait_for(&api, id, Duration::from_secs(60), |job| job["status"] == "succeeded").await;
        let results = http::get(&api.url(&format!("/api/jobs/{id}/results"))).await.expect("results");
        assert_eq!(results.status, 200, "{done}: {}", results.text());
        assert_eq!(results.json()["records"], 200);
    }
    assert_queue_drained(&redis);
    drop(worker);
}

#[tokio::test]
async fn two_apis_and_three_workers_run_200_jobs_exactly_once() {
    let redis = RedisServer::start();
    let apis = [api(&redis, &[]), api(&redis, &[])];
    generate(&apis[0], 60, 3).await;
    let workers: Vec<WorkerProcess> = (0..3).map(|_| WorkerProcess::start(&redis.url(), &[])).collect();
    let worker_ids: BTreeSet<String> = workers.iter().map(|w| w.id.clone()).collect();

    // Submitted through both APIs, eight at a time.
    let mut ids = Vec::new();
    for batch in 0..25 {
        let submissions: Vec<_> = (0..8)
            .map(|i| {
                let url = apis[(batch * 8 + i) % 2].url("/api/jobs");
                let analysis = ["count_per_class", "average_mass", "fell_found", "per_year"][i % 4];
                tokio::spawn(submit_to(url, json!({"analysis": analysis})))
            })
            .collect();
        for submission in submissions {
            ids.push(submission.await.expect("submitted"));
        }
    }
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 200);

    // Each job is read back through the API that did not take it.
    let mut ran_on: BTreeMap<String, u32> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let other = &apis[(i + 1) % 2];
        let done = wait_for(other, id, Duration::from_secs(120), |job| {
            job["status"] != "queued" && job["status"] != "running"
        })
        .await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert_eq!(done["attempts"], 1, "ran once: {done}");
        let worker = done["worker"].as_str().expect("worker").to_string();
        assert!(worker_ids.contains(&worker), "{worker}");
        *ran_on.entry(worker).or_default() += 1;
        let results = http::get(&other.url(&format!("/api/jobs/{id}/results"))).await.expect("results");
        assert_eq!(results.status, 200);
        assert_eq!(results.json()["job_id"], id.as_str());
    }
    assert_eq!(ran_on.values().sum::<u32>(), 200);
    assert!(ran_on.len() >= 2, "the work was shared: {ran_on:?}");
    let list = http::get(&apis[1].url("/api/jobs?size=100")).await.expect("list").json();
    assert_eq!(list["total"], 200);
    assert_eq!(list["workers_alive"], 3, "{}", list["workers_alive"]);
    let mut conn = system(&redis);
    let results: Vec<String> = redis::cmd("KEYS").arg("bolide:jobs:result:*").query(&mut conn).expect("KEYS");
    assert_eq!(results.len(), 200, "one result per job");
    assert_queue_drained(&redis);
    drop(workers);
}

#[tokio::test]
async fn sigterm_hands_the_running_job_back() {
    let redis = RedisServer::start();
    let api = api(&redis, &[]);
    generate(&api, 100, 4).await;
    let first = WorkerProcess::start(&redis.url(), &["--job-pace-ms", "1000", "--job-grace-period", "0"]);
    let id = submit(&api, &json!({"analysis": "hemispheres"})).await;
    wait_for(&api, &id, Duration::from_secs(15), |job| job["status"] == "running").await;
    let started = Instant::now();
    assert!(first.terminate().success());
    assert!(started.elapsed() < Duration::from_secs(5), "stopped promptly");
    let job = job(&api, &id).await;
    assert_eq!(job["status"], "queued", "{job}");
    assert_eq!(job["attempts"], 0);
    let workers = http::get(&api.url("/api/jobs/workers")).await.expect("workers").json();
    assert_eq!(workers["alive"], 0, "{workers}");

    let second = WorkerProcess::start(&redis.url(), &[]);
    let done = wait_for(&api, &id, Duration::from_secs(15), |job| job["status"] == "succeeded").await;
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["worker"], second.id.as_str());
    assert_queue_drained(&redis);
}
