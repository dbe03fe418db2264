//! Faults, end to end through the real binaries: jobs, loads and console
//! traffic while workers, Bolide and Redis are killed and stalled.
//!
//! One external `redis-server` with the AOF on (`appendfsync always`, set
//! after every start, so an acknowledged write is on disk before its `OK`
//! and a `kill -9` of Redis may lose none), one `bolide serve --no-worker`
//! API process and two `bolide worker` processes. Clients, all at once:
//!
//! - job submitters: `average_mass` jobs, each with its own
//!   `Idempotency-Key`; a submit that got no `2xx` is sent again with the
//!   same key (bounded), so a key should end as exactly one job;
//! - a loader: `POST /api/data/generate` of small sets, one after another;
//! - console writers: `SET fault:N N` through `POST /api/console`, counting
//!   the writes answered `OK`.
//!
//! The fault schedule, meanwhile: `kill -9` a worker (and start another),
//! `kill -9` the API (and start it again on the same Redis), `SIGSTOP`
//! Redis for a few seconds then `SIGCONT`, `kill -9` Redis (and start it
//! again on the same port and dir). After each, the time until health says
//! `ok` and until a console `GET` succeeds.
//!
//! At the end (bounded waits): every acknowledged job's final state (lost:
//! acknowledged but absent or never final; duplicated: one key, two jobs),
//! every acknowledged write read back (`GET fault:N`), the loads' outcomes.
//! Nothing is asserted: the figures are printed (the README's "Faults").
//!
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/faults

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bolide_bench::release_bolide;
use bolide_tests::{send_signal, BolideProcess, RedisServer, Signal, WorkerProcess};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// Job submitting clients.
    #[arg(long, default_value_t = 4)]
    submitters: usize,
    /// Console writing clients.
    #[arg(long, default_value_t = 2)]
    writers: usize,
    /// Seconds Redis stays stopped (SIGSTOP .. SIGCONT).
    #[arg(long, default_value_t = 4)]
    stall: u64,
}

/// How long one HTTP request may take before the client gives up on it
/// (a stalled Redis keeps requests waiting).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The bound on each client's work, in requests, whatever the clock says.
const MAX_PER_CLIENT: u64 = 20_000;
/// The bound on every wait for a recovery.
const RECOVERY_BOUND: Duration = Duration::from_secs(30);

/// One keep-alive HTTP client, cheap to clone.
#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    fn new() -> Self {
        Self { client: Client::builder(TokioExecutor::new()).build_http() }
    }

    /// One request, bounded by [`REQUEST_TIMEOUT`]; `Err` when no answer.
    async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(json).map_err(|e| e.to_string())?)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| "timed out".to_string())?
    }

    /// A console line; its output when answered without an error.
    async fn console(&self, base: &str, line: &str) -> Option<String> {
        let body = json!({ "line": line });
        match self.send("POST", &format!("{base}/api/console"), &[], Some(&body)).await {
            Ok((200, reply)) if reply["error"] != true => reply["output"].as_str().map(str::to_string),
            _ => None,
        }
    }
}

/// What every client shares: where the API is now, and when to stop.
struct Shared {
    base: RwLock<String>,
    stop: AtomicBool,
    next_write: AtomicU64,
}

impl Shared {
    fn base(&self) -> String {
        self.base.read().expect("base lock").clone()
    }
}

/// What the clients saw.
#[derive(Default)]
struct Outcomes {
    /// Idempotency key -> every job id the API answered for it.
    jobs: BTreeMap<String, BTreeSet<String>>,
    /// Keys never acknowledged (every retry failed).
    unacknowledged: u64,
    /// Submits answered with something else than 2xx (then retried).
    submit_retries: u64,
    /// Acknowledged writes: N of `SET fault:N N` answered `OK`.
    writes: Vec<u64>,
    /// Writes not answered `OK` (their key may or may not exist).
    writes_unanswered: u64,
    /// Load outcome (status code or "no answer") -> count.
    loads: BTreeMap<String, u64>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let started = Instant::now();
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let mut redis = RedisServer::start_persistent();
    fsync_always(&redis);
    let redis_url = redis.url();
    let start_api = {
        let redis_url = redis_url.clone();
        move || {
            BolideProcess::serve(&["--redis-url", &redis_url, "--no-worker", "--dist", "/nonexistent"], &[])
        }
    };
    let mut api = Some(start_api());
    let mut workers: Vec<WorkerProcess> = (0..2).map(|_| WorkerProcess::start(&redis_url, &[])).collect();
    let http = Http::new();
    let shared = Arc::new(Shared {
        base: RwLock::new(api.as_ref().expect("api").base_url.clone()),
        stop: AtomicBool::new(false),
        next_write: AtomicU64::new(0),
    });
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    // The jobs run over a small generated set, loaded before they start.
    let base = shared.base();
    let loaded = http.send("POST", &format!("{base}/api/data/generate?n=200&seed=1"), &[], None).await;
    assert!(matches!(loaded, Ok((200, _))), "first load: {loaded:?}");
    println!(
        "faults bench: 1 redis-server (AOF, appendfsync always), 1 API (--no-worker), 2 workers; \
         {} job submitters, {} console writers, 1 loader",
        args.submitters, args.writers
    );

    let mut clients = Vec::new();
    for client in 0..args.submitters {
        let (http, shared, outcomes) = (http.clone(), shared.clone(), outcomes.clone());
        clients.push(tokio::spawn(async move { submitter(client, &http, &shared, &outcomes).await }));
    }
    for _ in 0..args.writers {
        let (http, shared, outcomes) = (http.clone(), shared.clone(), outcomes.clone());
        clients.push(tokio::spawn(async move { writer(&http, &shared, &outcomes).await }));
    }
    {
        let (http, shared, outcomes) = (http.clone(), shared.clone(), outcomes.clone());
        clients.push(tokio::spawn(async move { loader(&http, &shared, &outcomes).await }));
    }

    // The fault schedule.
    let mut recoveries: Vec<(String, Option<Duration>, Option<Duration>)> = Vec::new();
    tokio::time::sleep(Duration::from_secs(5)).await;

    let fault = Instant::now();
    let victim = workers.remove(0);
    tokio::task::block_in_place(|| victim.kill9());
    workers.push(tokio::task::block_in_place(|| WorkerProcess::start(&redis_url, &[])));
    recoveries.push(recovery("kill -9 a worker (another started)", fault, &http, &shared).await);
    tokio::time::sleep(Duration::from_secs(6)).await;

    let fault = Instant::now();
    if let Some(old) = api.take() {
        tokio::task::block_in_place(|| old.kill9());
    }
    let fresh = tokio::task::block_in_place(&start_api);
    *shared.base.write().expect("base lock") = fresh.base_url.clone();
    api = Some(fresh);
    recoveries.push(recovery("kill -9 the API (started again)", fault, &http, &shared).await);
    tokio::time::sleep(Duration::from_secs(6)).await;

    let fault = Instant::now();
    let redis_pid = redis_pid(redis.dir());
    if let Some(pid) = redis_pid {
        send_signal(pid, Signal::STOP);
        tokio::time::sleep(Duration::from_secs(args.stall)).await;
        send_signal(pid, Signal::CONT);
    }
    let label = format!("SIGSTOP Redis {} s, then SIGCONT", args.stall);
    recoveries.push(recovery(&label, fault, &http, &shared).await);
    tokio::time::sleep(Duration::from_secs(6)).await;

    let fault = Instant::now();
    tokio::task::block_in_place(|| redis.restart());
    fsync_always(&redis);
    recoveries.push(recovery("kill -9 Redis (started again)", fault, &http, &shared).await);
    tokio::time::sleep(Duration::from_secs(8)).await;

    shared.stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.await;
    }

    // Every acknowledged job's final state, bounded.
    let outcomes = std::mem::take(&mut *outcomes.lock().expect("outcomes lock"));
    let base = shared.base();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut final_states: BTreeMap<String, Value> = BTreeMap::new();
    let ids: Vec<String> = outcomes.jobs.values().flatten().cloned().collect();
    loop {
        for id in &ids {
            if final_states.contains_key(id) {
                continue;
            }
            if let Ok((200, job)) = http.send("GET", &format!("{base}/api/jobs/{id}"), &[], None).await {
                if matches!(job["status"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
                    final_states.insert(id.clone(), job);
                }
            }
        }
        if final_states.len() == ids.len() || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut not_final: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for id in ids.iter().filter(|id| !final_states.contains_key(*id)) {
        let seen = match http.send("GET", &format!("{base}/api/jobs/{id}"), &[], None).await {
            Ok((200, job)) => job["status"].as_str().unwrap_or("?").to_string(),
            Ok((status, _)) => format!("HTTP {status}"),
            Err(err) => err,
        };
        not_final.entry(seen).or_default().push(id.clone());
    }
    let mut succeeded = 0;
    let mut rerun = 0;
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    for job in final_states.values() {
        if job["attempts"].as_u64().unwrap_or(0) > 1 {
            rerun += 1;
        }
        match job["status"].as_str() {
            Some("succeeded") => succeeded += 1,
            Some(status) => {
                let reason = job["error"].as_str().unwrap_or("").to_string();
                *failed.entry(format!("{status}: {reason}")).or_default() += 1;
            }
            None => {}
        }
    }
    let duplicated: Vec<_> = outcomes.jobs.iter().filter(|(_, ids)| ids.len() > 1).collect();

    // Every acknowledged write, read back.
    let mut lost_writes = Vec::new();
    for n in &outcomes.writes {
        let mut read = None;
        for _ in 0..5 {
            read = http.console(&base, &format!("GET fault:{n}")).await;
            if read.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if read.as_deref().map(|out| out.trim_matches('"')) != Some(n.to_string().as_str()) {
            lost_writes.push((*n, read));
        }
    }

    // The table.
    println!();
    println!("jobs ({} idempotency keys)", outcomes.jobs.len() as u64 + outcomes.unacknowledged);
    println!("  submitted (acknowledged)        {:>6}", outcomes.jobs.len());
    println!("  never acknowledged (gave up)    {:>6}", outcomes.unacknowledged);
    println!("  submits retried (same key)      {:>6}", outcomes.submit_retries);
    println!("  succeeded                       {:>6}", succeeded);
    println!("  failed / cancelled              {:>6}", failed.values().sum::<u64>());
    for (reason, count) in &failed {
        println!("    {count:>5}  {reason}");
    }
    println!("  run more than once (attempts>1) {:>6}", rerun);
    println!("  lost (acknowledged, not final)  {:>6}", not_final.values().map(Vec::len).sum::<usize>());
    for (seen, ids) in &not_final {
        println!(
            "    {:>5}  now {seen}: {}",
            ids.len(),
            ids.iter().take(5).cloned().collect::<Vec<_>>().join(" ")
        );
    }
    println!("  duplicated (one key, two jobs)  {:>6}", duplicated.len());
    for (key, ids) in duplicated.iter().take(5) {
        println!("           {key}: {ids:?}");
    }
    println!("console writes (SET fault:N N)");
    println!("  acknowledged (OK)               {:>6}", outcomes.writes.len());
    println!("  not answered OK                 {:>6}", outcomes.writes_unanswered);
    println!("  acknowledged, then lost         {:>6}", lost_writes.len());
    for (n, read) in lost_writes.iter().take(10) {
        println!("           fault:{n} read back as {read:?}");
    }
    println!("loads (POST /api/data/generate?n=200)");
    for (outcome, count) in &outcomes.loads {
        println!("  {outcome:<30}  {count:>6}");
    }
    println!("recovery (from the fault to: health ok | a console GET answered)");
    for (label, health, console) in &recoveries {
        let show = |d: &Option<Duration>| match d {
            Some(d) => format!("{:>7.2} s", d.as_secs_f64()),
            None => format!("> {} s", RECOVERY_BOUND.as_secs()),
        };
        println!("  {label:<38}  {}  | {}", show(health), show(console));
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    drop(workers);
    drop(api);
}

/// `appendfsync always`: an `OK` means on disk, so a `kill -9` of Redis
/// itself loses no acknowledged write (with the default `everysec` it may
/// lose the last second, by design). Not kept across restarts: set again.
fn fsync_always(redis: &RedisServer) {
    let mut conn = redis.connection();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("appendfsync")
        .arg("always")
        .query(&mut conn)
        .expect("CONFIG SET");
}

/// The pid of the `redis-server` working in `dir` (Redis changes its
/// directory to `--dir`).
fn redis_pid(dir: &Path) -> Option<u32> {
    let dir = std::fs::canonicalize(dir).ok()?;
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
        let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
        let cwd = std::fs::read_link(entry.path().join("cwd")).ok()?;
        (comm.trim() == "redis-server" && cwd == dir).then_some(pid)
    })
}

/// From `fault` until health says `ok`, and until a console `GET` is
/// answered (each bounded by [`RECOVERY_BOUND`]).
async fn recovery(
    label: &str,
    fault: Instant,
    http: &Http,
    shared: &Shared,
) -> (String, Option<Duration>, Option<Duration>) {
    let (mut health, mut console) = (None, None);
    while (health.is_none() || console.is_none()) && fault.elapsed() < RECOVERY_BOUND {
        let base = shared.base();
        if health.is_none() {
            if let Ok((200, h)) = http.send("GET", &format!("{base}/api/health"), &[], None).await {
                if h["status"] == "ok" {
                    health = Some(fault.elapsed());
                }
            }
        }
        if console.is_none() && http.console(&base, "GET fault:recovery").await.is_some() {
            console = Some(fault.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (label.to_string(), health, console)
}

/// Submits jobs, each with its own key, retrying a failed submit with the
/// same key (at most 40 times, 100 ms apart: longer than any fault).
async fn submitter(client: usize, http: &Http, shared: &Shared, outcomes: &Mutex<Outcomes>) {
    let request = json!({"analysis": "average_mass"});
    for n in 0..MAX_PER_CLIENT {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let key = format!("fault-{client}-{n}");
        let mut acknowledged = false;
        for _ in 0..40 {
            let base = shared.base();
            let answer = http
                .send("POST", &format!("{base}/api/jobs"), &[("idempotency-key", &key)], Some(&request))
                .await;
            if let Ok((200 | 202, job)) = &answer {
                if let Some(id) = job["id"].as_str() {
                    let mut outcomes = outcomes.lock().expect("outcomes lock");
                    outcomes.jobs.entry(key.clone()).or_default().insert(id.to_string());
                    acknowledged = true;
                    break;
                }
            }
            outcomes.lock().expect("outcomes lock").submit_retries += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !acknowledged {
            outcomes.lock().expect("outcomes lock").unacknowledged += 1;
        }
        // Once in a while, the same key again on purpose: still one job.
        if n % 10 == 0 && acknowledged {
            let base = shared.base();
            if let Ok((200 | 202, job)) = http
                .send("POST", &format!("{base}/api/jobs"), &[("idempotency-key", &key)], Some(&request))
                .await
            {
                if let Some(id) = job["id"].as_str() {
                    outcomes
                        .lock()
                        .expect("outcomes lock")
                        .jobs
                        .entry(key)
                        .or_default()
                        .insert(id.to_string());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `SET fault:N N`, N unique across writers; counts the `OK`s.
async fn writer(http: &Http, shared: &Shared, outcomes: &Mutex<Outcomes>) {
    for _ in 0..MAX_PER_CLIENT {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let n = shared.next_write.fetch_add(1, Ordering::Relaxed);
        let answer = http.console(&shared.base(), &format!("SET fault:{n} {n}")).await;
        if answer.as_deref() == Some("OK") {
            outcomes.lock().expect("outcomes lock").writes.push(n);
            // Paced, so the writes span the whole schedule.
            tokio::time::sleep(Duration::from_millis(2)).await;
        } else {
            outcomes.lock().expect("outcomes lock").writes_unanswered += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Generates small sets one after another; counts each outcome.
async fn loader(http: &Http, shared: &Shared, outcomes: &Mutex<Outcomes>) {
    for seed in 2..2 + MAX_PER_CLIENT {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let url = format!("{}/api/data/generate?n=200&seed={seed}", shared.base());
        let outcome = match http.send("POST", &url, &[], None).await {
            Ok((200, _)) => "HTTP 200".to_string(),
            Ok((status, body)) => format!("HTTP {status} {}", short(&body.to_string())),
            Err(err) => format!("no answer ({})", short(&err)),
        };
        *outcomes.lock().expect("outcomes lock").loads.entry(outcome).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The first 60 characters, for a table cell.
fn short(text: &str) -> String {
    text.chars().take(60).collect()
}
