//! What several of the `backend/tests/*.rs` binaries need alike: the real
//! router on a test's own `redis-server`, a browser-like client of it that
//! keeps the session cookie, connections to that Redis, and the pieces the
//! analysis tests share (loading a dataset, the timing set, comparing
//! results).
//!
//! Each test binary compiles this module on its own (`mod common;`) and
//! uses a part of it, hence `dead_code` allowed here rather than one copy
//! of each helper per binary.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use bolide::data::store::{self, Owner};
use bolide::data::{generate, Dataset};
use bolide::jobs::JobsConfig;
use bolide::redis_conn::url_without_db;
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState, StateOptions};
use bolide_shared::api::RedisMode;
use bolide_shared::jobs::AnalysisResult;
use bolide_tests::{http, BolideProcess, RedisServer};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// The content type of a JSON request body.
pub const JSON: &str = "application/json";

// ---------------------------------------------------------------------------
// The API, in process or in a real `bolide` process.

/// The real router on `redis` (an external Redis), with no frontend files.
pub fn router(redis: &RedisServer, tenancy: Tenancy) -> Router {
    router_with_jobs(redis, tenancy, None)
}

/// [`router`], with the jobs API configured when `jobs` is given.
pub fn router_with_jobs(redis: &RedisServer, tenancy: Tenancy, jobs: Option<JobsConfig>) -> Router {
    let mut options = StateOptions::new(RedisMode::External, tenancy);
    options.jobs = jobs;
    let state = AppState::build(&redis.url(), options).expect("url");
    app(state, std::path::Path::new("/nonexistent-dist"))
}

/// Where a [`Client`]'s requests go.
enum Target {
    /// The router, called in this process (`tower::ServiceExt::oneshot`).
    Router(Router),
    /// A running `bolide`, over HTTP.
    Url(String),
}

/// A browser: requests to the API, keeping the session cookie once it has
/// one. Answers are JSON, or a JSON string holding a body that is not.
pub struct Client {
    target: Target,
    cookie: Option<String>,
}

impl Client {
    /// A client of the router, in this process.
    pub fn new(router: &Router) -> Self {
        Self { target: Target::Router(router.clone()), cookie: None }
    }

    /// A client of a running `bolide serve`.
    pub fn of_process(bolide: &BolideProcess) -> Self {
        Self { target: Target::Url(bolide.base_url.clone()), cookie: None }
    }

    /// The session cookie (`name=value`), once the API has set one.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Sends `cookie` (`name=value`, another client's [`Client::cookie`])
    /// from now on: the same browser, for concurrent requests.
    pub fn set_cookie(&mut self, cookie: &str) {
        self.cookie = Some(cookie.to_string());
    }

    /// `method uri` with `body`, sent as `content_type` when given.
    pub async fn send(
        &mut self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let (status, set_cookie, bytes) = match &self.target {
            Target::Router(router) => {
                let mut request = Request::builder().method(method).uri(uri);
                if let Some(content_type) = content_type {
                    request = request.header(header::CONTENT_TYPE, content_type);
                }
                if let Some(cookie) = &self.cookie {
                    request = request.header(header::COOKIE, cookie.as_str());
                }
                let request = request.body(Body::from(body)).expect("request");
                let response = router.clone().oneshot(request).await.expect("response");
                let set_cookie = response
                    .headers()
                    .get(header::SET_COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let status = response.status();
                (status, set_cookie, response.into_body().collect().await.expect("body").to_bytes().to_vec())
            }
            Target::Url(base) => {
                let mut headers = Vec::new();
                if let Some(content_type) = content_type {
                    headers.push(("content-type", content_type));
                }
                if let Some(cookie) = &self.cookie {
                    headers.push(("cookie", cookie.as_str()));
                }
                let response = http::request(method, &format!("{base}{uri}"), &headers, &body)
                    .await
                    .expect("an HTTP answer");
                let set_cookie = response.header("set-cookie").map(str::to_string);
                (StatusCode::from_u16(response.status).expect("status"), set_cookie, response.body)
            }
        };
        if let Some(set) = set_cookie {
            self.cookie = set.split(';').next().map(str::to_string);
        }
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, json)
    }

    pub async fn get(&mut self, uri: &str) -> (StatusCode, Value) {
        self.send("GET", uri, None, Vec::new()).await
    }

    /// `method uri` with `body` as JSON.
    pub async fn json(&mut self, method: &str, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.send(method, uri, Some(JSON), serde_json::to_vec(body).expect("json")).await
    }

    /// Runs `line` in the console (which must answer 200); its output.
    pub async fn console(&mut self, line: &str) -> String {
        let (status, json) = self.json("POST", "/api/console", &json!({ "line": line })).await;
        assert_eq!(status, StatusCode::OK, "{line}: {json}");
        json["output"].as_str().expect("output").to_string()
    }
}

/// The ids of a page of records, in order.
pub fn page_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// An error answer's message (empty if it has none).
pub fn message(json: &Value) -> String {
    json["error"]["message"].as_str().unwrap_or_default().to_string()
}

// ---------------------------------------------------------------------------
// The test's Redis.

/// The sum of `MEMORY USAGE … SAMPLES 0` over `keys` (missing ones: 0).
pub fn memory_usage(conn: &mut redis::Connection, keys: &[Vec<u8>]) -> u64 {
    let mut total = 0;
    for chunk in keys.chunks(1000) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.cmd("MEMORY").arg("USAGE").arg(key).arg("SAMPLES").arg(0);
        }
        let sizes: Vec<Option<u64>> = pipe.query(conn).expect("MEMORY USAGE");
        total += sizes.into_iter().flatten().sum::<u64>();
    }
    total
}

/// The room sandbox `id` has reserved so far: its record's `used` count
/// (`sandbox::headroom`).
pub fn reserved_bytes(redis: &bolide_tests::RedisServer, id: &str) -> u64 {
    let used: Option<u64> = redis::cmd("HGET")
        .arg(format!("bolide:sandbox:{{{id}}}"))
        .arg("used")
        .query(&mut conn(redis.port(), 15))
        .expect("HGET used");
    used.unwrap_or(0)
}

/// Redis's `used_memory` (`INFO memory`).
pub fn used_memory(redis: &bolide_tests::RedisServer) -> u64 {
    let info: String = redis::cmd("INFO").arg("memory").query(&mut redis.connection()).expect("INFO");
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory")
}

/// A connection to database `db` of the Redis on `port`.
pub fn conn(port: u16, db: u32) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/{db}"))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

/// Every key and value but session bookkeeping and the sandboxes' key
/// indexes (over-inclusive on purpose: a write Redis then refuses has
/// announced its key already; see `bolide::sandbox::key_index`).
pub fn snapshot(redis: &RedisServer) -> Vec<(u32, Vec<u8>, Vec<u8>)> {
    redis.snapshot(|db, key| (db == 15 && key.starts_with(b"bolide:session")) || key.ends_with(b"}!keys"))
}

/// Adds to `pipe` what every shared-mode writer (the console, the gateway,
/// the data API) sends before it writes keys into a sandbox: their names
/// in the sandbox's key index (nothing in local mode). Tests that write
/// into a sandbox straight to Redis announce as a real writer would.
pub fn announce(pipe: &mut redis::Pipeline, scope: &Owner, keys: impl IntoIterator<Item = String>) {
    let keys: Vec<String> = keys.into_iter().collect();
    if let Some(add) = bolide::sandbox::key_index::KeyIndex::of(scope).and_then(|index| index.add_cmd(&keys))
    {
        pipe.add_command(add).ignore();
    }
}

/// `HGETALL key` in database 0.
pub fn hgetall(redis: &RedisServer, key: &str) -> Vec<(String, String)> {
    let mut db0 = redis.connection();
    redis::cmd("HGETALL").arg(key).query(&mut db0).expect("HGETALL")
}

/// The async connection the analyses read through.
pub async fn data_conn(redis: &RedisServer) -> bolide::redis_conn::Connection {
    bolide::redis_conn::connect(&redis.url()).expect("url").0
}

/// Replaces `scope`'s records with `dataset`, as a load does.
pub async fn load(redis: &RedisServer, scope: &Owner, dataset: &Dataset) {
    store::replace(&url_without_db(&redis.url()), scope, dataset, "test").await.expect("load");
}

// ---------------------------------------------------------------------------
// Analyses: comparing results, and timing them.

/// Equal results, except an average mass's total and mean, which only need
/// to agree to `relative` (summing in another order may round differently).
pub fn assert_results_match(label: &str, got: &AnalysisResult, want: &AnalysisResult, relative: f64) {
    if let (AnalysisResult::AverageMass(got), AnalysisResult::AverageMass(want)) = (got, want) {
        let close = |a: f64, b: f64| (a - b).abs() <= relative * a.abs().max(b.abs());
        assert_eq!((got.with_mass, got.without_mass), (want.with_mass, want.without_mass), "{label}");
        assert_eq!((got.min_mass_g, got.max_mass_g), (want.min_mass_g, want.max_mass_g), "{label}");
        assert!(close(got.total_mass_g, want.total_mass_g), "{label}: {got:?} vs {want:?}");
        match (got.average_mass_g, want.average_mass_g) {
            (Some(a), Some(b)) => assert!(close(a, b), "{label}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{label}"),
        }
    } else {
        assert_eq!(got, want, "{label}");
    }
}

/// What the timings run over: NASA's 45,716 landings (`BOLIDE_NASA_JSON`,
/// default `../shared/data/Meteorite_Landings.json`), or as many generated
/// landings when that file is absent — so a timing never needs the file.
pub fn timing_dataset() -> Dataset {
    let path = std::env::var("BOLIDE_NASA_JSON").unwrap_or_else(|_| {
        format!("{}/../shared/data/Meteorite_Landings.json", bolide_tests::workspace_root().display())
    });
    match std::fs::read(&path) {
        Ok(bytes) => bolide::data::source::parse(&bytes, None).expect("NASA's file parses"),
        Err(_) => {
            println!("{path} not found: timing 45,716 generated landings");
            generate::generate(45_716, 1)
        }
    }
}

/// The median of `times`.
pub fn p50(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A real shared-mode `bolide serve` with the class gateway on a free port
/// (no worker, no browser app), on a `redis-server` of its own; `extra`
/// flags are added.
pub fn shared_with_gateway(extra: &[&str]) -> (bolide_tests::RedisServer, bolide_tests::BolideProcess) {
    let redis = bolide_tests::RedisServer::start();
    let bolide = shared_on(&redis, extra);
    (redis, bolide)
}

/// [`shared_with_gateway`] on a `redis` of the test's own (one configured
/// with [`bolide_tests::RedisServer::start_configured`], say).
pub fn shared_on(redis: &bolide_tests::RedisServer, extra: &[&str]) -> bolide_tests::BolideProcess {
    let url = redis.url();
    let mut args = vec![
        "--redis-url",
        &url,
        "--shared",
        "--dist",
        "/nonexistent-dist",
        "--no-worker",
        "--gateway-listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    bolide_tests::BolideProcess::serve(&args, &[])
}

/// A real local-mode `bolide serve` with the class gateway on a free port
/// (no worker, no browser app), on a `redis-server` of its own.
pub fn local_with_gateway() -> (bolide_tests::RedisServer, bolide_tests::BolideProcess) {
    let redis = bolide_tests::RedisServer::start();
    let url = redis.url();
    let args = [
        "--redis-url",
        &url,
        "--dist",
        "/nonexistent-dist",
        "--no-worker",
        "--gateway-listen",
        "127.0.0.1:0",
    ];
    let bolide = bolide_tests::BolideProcess::serve(&args, &[]);
    (redis, bolide)
}

/// A student of a hosted class (a `bolide serve --shared --gateway-listen`):
/// a browser with a sandbox, its gateway login and its namespace (to
/// check Redis directly, as no real client of the class could).
pub struct Student {
    pub browser: Client,
    pub gateway: Value,
    pub namespace: String,
}

impl Student {
    pub async fn new(bolide: &BolideProcess) -> Self {
        let mut browser = Client::of_process(bolide);
        assert_eq!(browser.console("PING").await, "PONG");
        let (status, gateway) = browser.get("/api/gateway").await;
        assert_eq!(status, 200, "{gateway}");
        let user = gateway["username"].as_str().expect("username");
        let id = user.strip_prefix("bolide-s-").expect("a sandbox's user");
        Self { browser, namespace: format!("{{s:{id}}}:"), gateway }
    }

    /// The Redis key behind the student's `name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.namespace)
    }

    /// A plain Redis client of the gateway, logged in as this student.
    pub fn gateway_client(&self) -> redis::Connection {
        let url = self.gateway["url"].as_str().expect("url");
        redis::Client::open(url).and_then(|c| c.get_connection()).expect("gateway connection")
    }
}
