//! Analysis jobs, end to end through the real binaries: one `bolide serve
//! --no-worker` API process and `bolide worker` processes on one fresh
//! `redis-server`, driven over HTTP with keep-alive connections.
//!
//! 1. **Latency**: submit-to-succeeded of `count_per_class` over a
//!    Meteorite Landings file, one job at a time, one worker — as the
//!    client sees it (`POST`, then polling `GET /api/jobs/{id}` every
//!    ~0.5 ms) and as the job's own timestamps say; the first job (the
//!    worker's cache is cold) apart from the next ones (warm). References,
//!    in the same run: the analysis alone in this process on the same
//!    Redis, reading every hash (`analysis::compute`) and through a warm
//!    record cache (`analysis::compute_cached`, what the worker does), so
//!    the difference is the job system's overhead.
//! 2. **Throughput** of N small jobs (`average_mass` over a small generated
//!    set) with 1, 2 and 4 workers: draining a queue filled beforehand (from
//!    the jobs' own timestamps), and end to end (16 clients submitting
//!    through the API while the workers run).
//! 3. **Responsiveness**: `GET /api/jobs/{id}` while 4 workers run
//!    `count_per_class` jobs over the whole file, against the same request
//!    on an idle system.
//!
//! Run (release builds; the figures are in the README's "Analysis jobs"):
//!
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/jobs ../shared/data/Meteorite_Landings.json

use std::time::{Duration, Instant};

use bolide::data::store::{self, Owner};
use bolide::data::{generate, source};
use bolide_bench::{ms, release_bolide, Latencies};
use bolide_shared::jobs::{Analysis, JobParams};
use bolide_tests::{BolideProcess, RedisServer, WorkerProcess};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// The server's allocator, so the in-process reference runs as the worker does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// A Meteorite Landings file (NASA's JSON or CSV, or the course's JSON).
    file: std::path::PathBuf,
    /// Jobs timed one by one for the latency.
    #[arg(long, default_value_t = 20)]
    latency_jobs: usize,
    /// Small jobs per throughput run.
    #[arg(long, default_value_t = 1000)]
    small_jobs: usize,
    /// Landings the small jobs run over.
    #[arg(long, default_value_t = 100)]
    small_set: usize,
}

/// One keep-alive HTTP client (a pool of connections), cheap to clone.
#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    fn new() -> Self {
        Self { client: Client::builder(TokioExecutor::new()).build_http() }
    }

    async fn send(&self, method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = hyper::Request::builder().method(method).uri(url);
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(json).expect("json"))
            }
            None => Bytes::new(),
        };
        let response =
            self.client.request(request.body(Full::new(body)).expect("request")).await.expect("HTTP");
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn get(&self, url: &str) -> Value {
        let (status, json) = self.send("GET", url, None).await;
        assert_eq!(status, 200, "GET {url}: {json}");
        json
    }

    async fn submit(&self, base: &str, request: &Value) -> String {
        let (status, job) = self.send("POST", &format!("{base}/api/jobs"), Some(request)).await;
        assert_eq!(status, 202, "{job}");
        job["id"].as_str().expect("id").to_string()
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let bytes = std::fs::read(&args.file).expect("read the file");
    let dataset = source::parse(&bytes, None).expect("a valid file");
    let redis = RedisServer::start();
    let base_redis = format!("redis://127.0.0.1:{}", redis.port());
    store::replace(&base_redis, &Owner::local(), &dataset, "bench").await.expect("load");
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let api =
        BolideProcess::serve(&["--redis-url", &redis.url(), "--no-worker", "--dist", "/nonexistent"], &[]);
    let base = api.base_url.clone();
    let http = Http::new();
    println!(
        "jobs bench: {} ({} landings), one API process, worker processes, one Redis",
        args.file.display(),
        dataset.len()
    );

    // The references: the analysis alone, in this process, reading every
    // hash, then through a record cache as the worker runs it.
    let (mut data, _) = bolide::redis_conn::connect(&format!("{base_redis}/0")).expect("url");
    let cache = bolide::jobs::analysis::RecordCache::new(&format!("{base_redis}/0")).expect("cache");
    let mut uncached = Vec::new();
    let mut cached = Vec::new();
    for _ in 0..args.latency_jobs + 3 {
        let (progress, _) = tokio::sync::watch::channel(0u8);
        let started = Instant::now();
        bolide::jobs::analysis::compute(
            &mut data,
            &Owner::local(),
            Analysis::CountPerClass,
            &JobParams::default(),
            &progress,
        )
        .await
        .expect("compute");
        uncached.push(started.elapsed());
        let started = Instant::now();
        bolide::jobs::analysis::compute_cached(
            &cache,
            &Owner::local(),
            Analysis::CountPerClass,
            &JobParams::default(),
            &progress,
        )
        .await
        .expect("compute_cached");
        cached.push(started.elapsed());
    }
    let uncached = Latencies::of(&mut uncached[3..]);
    let alone = Latencies::of(&mut cached[3..]);

    // 1. Latency, one worker.
    let worker = WorkerProcess::start(&redis.url(), &[]);
    wait_for_workers(&http, &base, 1).await;
    let request = json!({"analysis": "count_per_class"});
    let mut client_side = Vec::new();
    let mut server_side = Vec::new();
    let mut first_job = Duration::ZERO;
    for round in 0..args.latency_jobs + 3 {
        let started = Instant::now();
        let id = http.submit(&base, &request).await;
        let job = loop {
            let job = http.get(&format!("{base}/api/jobs/{id}")).await;
            if job["status"] == "succeeded" {
                break job;
            }
            assert!(job["status"] == "queued" || job["status"] == "running", "{job}");
            tokio::time::sleep(Duration::from_micros(500)).await;
        };
        let elapsed = started.elapsed();
        if round == 0 {
            first_job = elapsed;
        }
        if round >= 3 {
            client_side.push(elapsed);
            let queued = job["queued_at"].as_u64().unwrap_or(0);
            let finished = job["finished_at"].as_u64().unwrap_or(0);
            server_side.push(Duration::from_millis(finished.saturating_sub(queued)));
        }
    }
    let client_side = Latencies::of(&mut client_side);
    let server_side = Latencies::of(&mut server_side);
    println!();
    println!("1. submit-to-succeeded, count_per_class, 1 worker, {} jobs one at a time", args.latency_jobs);
    println!(
        "   as the client sees it (POST, then GET every 0.5 ms): p50 {}  p99 {}  max {}",
        ms(client_side.p50),
        ms(client_side.p99),
        ms(client_side.max)
    );
    println!(
        "   job timestamps (finished_at - queued_at, ms):        p50 {}  p99 {}  max {}",
        ms(server_side.p50),
        ms(server_side.p99),
        ms(server_side.max)
    );
    println!("   the worker's first job (its record cache cold):      {}", ms(first_job));
    println!(
        "   the analysis alone, reading every hash (reference):  p50 {}  p99 {}  max {}",
        ms(uncached.p50),
        ms(uncached.p99),
        ms(uncached.max)
    );
    println!(
        "   the analysis alone, warm cache (reference):          p50 {}  p99 {}  max {}",
        ms(alone.p50),
        ms(alone.p99),
        ms(alone.max)
    );
    println!(
        "   job system overhead at p50: {} (ratio {:.2})",
        ms(client_side.p50.saturating_sub(alone.p50)),
        client_side.p50.as_secs_f64() / alone.p50.as_secs_f64().max(1e-9)
    );
    drop(worker);

    // 3. (measured now, over the file) GET while 4 workers are busy.
    let busy_gets = get_latencies_busy(&http, &base, &redis, &id_of_first(&http, &base).await).await;

    // 2. Small jobs, 1, 2 and 4 workers.
    let small = generate::generate(args.small_set, 1);
    store::replace(&base_redis, &Owner::local(), &small, "bench small").await.expect("load");
    let idle_gets = get_latencies_idle(&http, &base, 2000).await;
    println!();
    println!("2. throughput: {} average_mass jobs over {} landings", args.small_jobs, args.small_set);
    println!("   drain: the jobs queued first, then the workers started (first start to last finish, from the jobs' timestamps)");
    println!("   end to end: 16 clients submit through the API while the workers run (first submit to last finish)");
    for workers in [1usize, 2, 4] {
        // Drain a full queue.
        let ids = submit_all(&http, &base, args.small_jobs).await;
        let processes: Vec<WorkerProcess> =
            (0..workers).map(|_| WorkerProcess::start(&redis.url(), &[])).collect();
        wait_until_finished(&redis).await;
        let (drain, shares) = drain_time(&redis, &ids);
        clear_jobs(&redis);
        // Submitted while running.
        wait_for_workers(&http, &base, workers).await;
        let (elapsed, ids) = run_small_jobs(&http, &base, &redis, args.small_jobs).await;
        println!(
            "   {workers} worker(s): drain {:>6.0} jobs/s ({} in {:.3} s, per worker {:?});  end to end {:>6.0} jobs/s ({:.3} s)",
            ids.len() as f64 / drain.as_secs_f64(),
            ids.len(),
            drain.as_secs_f64(),
            shares,
            ids.len() as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64(),
        );
        for process in processes {
            let _ = process.terminate();
        }
        clear_jobs(&redis);
    }
    println!();
    println!("3. GET /api/jobs/{{id}}, one request at a time");
    let (busy, straight, samples, jobs) = busy_gets;
    println!(
        "   while 4 workers are kept busy for {} s ({jobs} count_per_class jobs over the file, {samples} requests):",
        BUSY_FOR.as_secs()
    );
    println!(
        "     through the API:                     p50 {}  p99 {}  max {}",
        ms(busy.p50),
        ms(busy.p99),
        ms(busy.max)
    );
    println!(
        "     HGETALL straight to Redis (reference): p50 {}  p99 {}  max {}",
        ms(straight.p50),
        ms(straight.p99),
        ms(straight.max)
    );
    println!(
        "   idle, through the API (reference): p50 {}  p99 {}  max {}",
        ms(idle_gets.p50),
        ms(idle_gets.p99),
        ms(idle_gets.max)
    );
}

/// Waits until the API counts `n` live workers.
async fn wait_for_workers(http: &Http, base: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let workers = http.get(&format!("{base}/api/jobs/workers")).await;
        if workers["alive"].as_u64() == Some(n as u64) {
            return;
        }
        assert!(Instant::now() < deadline, "workers never came up: {workers}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Submits `total` jobs from 16 clients and waits until every one is
/// finished (the owner's set of unfinished jobs is empty).
async fn run_small_jobs(
    http: &Http,
    base: &str,
    redis: &RedisServer,
    total: usize,
) -> (Duration, Vec<String>) {
    let started = Instant::now();
    let submitting = tokio::spawn({
        let (http, base) = (http.clone(), base.to_string());
        async move { submit_all(&http, &base, total).await }
    });
    let ids = submitting.await.expect("submitter");
    wait_until_finished(redis).await;
    (started.elapsed(), ids)
}

/// Submits `total` small jobs from 16 clients; their ids.
async fn submit_all(http: &Http, base: &str, total: usize) -> Vec<String> {
    let submitters: Vec<_> = (0..16)
        .map(|client| {
            let (http, base) = (http.clone(), base.to_string());
            let share = total / 16 + usize::from(client < total % 16);
            tokio::spawn(async move {
                let request = json!({"analysis": "average_mass"});
                let mut ids = Vec::with_capacity(share);
                for _ in 0..share {
                    ids.push(http.submit(&base, &request).await);
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::with_capacity(total);
    for submitter in submitters {
        ids.extend(submitter.await.expect("submitter"));
    }
    ids
}

fn system(redis: &RedisServer) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port()))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

/// Waits until the owner has no unfinished job.
async fn wait_until_finished(redis: &RedisServer) {
    let mut conn = system(redis);
    loop {
        let unfinished: u64 =
            redis::cmd("SCARD").arg("bolide:jobs:active:local").query(&mut conn).expect("SCARD");
        if unfinished == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// From the first start to the last finish of `ids` (all must have
/// succeeded), and how many each worker ran.
fn drain_time(redis: &RedisServer, ids: &[String]) -> (Duration, Vec<usize>) {
    let mut conn = system(redis);
    let mut pipe = redis::pipe();
    for id in ids {
        pipe.cmd("HMGET")
            .arg(format!("bolide:jobs:job:{id}"))
            .arg("status")
            .arg("worker")
            .arg("started_at")
            .arg("finished_at");
    }
    let rows: Vec<(String, String, u64, u64)> = pipe.query(&mut conn).expect("HMGET");
    let mut per_worker = std::collections::BTreeMap::<String, usize>::new();
    let (mut first, mut last) = (u64::MAX, 0);
    for (status, worker, started, finished) in rows {
        assert_eq!(status, "succeeded");
        *per_worker.entry(worker).or_default() += 1;
        first = first.min(started);
        last = last.max(finished);
    }
    (Duration::from_millis(last.saturating_sub(first).max(1)), per_worker.into_values().collect())
}

/// The newest job's id.
async fn id_of_first(http: &Http, base: &str) -> String {
    let list = http.get(&format!("{base}/api/jobs?size=1")).await;
    list["items"][0]["id"].as_str().expect("a job").to_string()
}

/// `GET /api/jobs/{id}` (and the same job's `HGETALL` straight to Redis —
/// the reference: what Redis alone answers in, at the same moments) while
/// 4 worker processes are kept busy for [`BUSY_FOR`] with `count_per_class`
/// jobs over the whole file: a submitter keeps [`BUSY_QUEUE`] jobs
/// unfinished, so the sample covers the workers' cold first reads and the
/// steady state after. Returns (through the API, straight, samples, jobs).
async fn get_latencies_busy(
    http: &Http,
    base: &str,
    redis: &RedisServer,
    id: &str,
) -> (Latencies, Latencies, usize, usize) {
    let workers: Vec<WorkerProcess> = (0..4).map(|_| WorkerProcess::start(&redis.url(), &[])).collect();
    wait_for_workers(http, base, 4).await;
    let busy_until = Instant::now() + BUSY_FOR;
    let submitter = {
        let (http, base) = (http.clone(), base.to_string());
        let mut conn = system(redis);
        tokio::spawn(async move {
            let request = json!({"analysis": "count_per_class"});
            let mut submitted = 0;
            while Instant::now() < busy_until {
                let unfinished: usize =
                    redis::cmd("SCARD").arg("bolide:jobs:active:local").query(&mut conn).expect("SCARD");
                if unfinished < BUSY_QUEUE {
                    http.submit(&base, &request).await;
                    submitted += 1;
                } else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            submitted
        })
    };
    let mut direct = redis::Client::open(format!("redis://127.0.0.1:{}/15", redis.port()))
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let key = format!("bolide:jobs:job:{id}");
    let (mut through_api, mut straight) = (Vec::new(), Vec::new());
    while Instant::now() < busy_until {
        let sent = Instant::now();
        http.get(&format!("{base}/api/jobs/{id}")).await;
        through_api.push(sent.elapsed());
        tokio::time::sleep(Duration::from_micros(250)).await;
        let sent = Instant::now();
        let _: std::collections::HashMap<String, String> =
            redis::cmd("HGETALL").arg(&key).query_async(&mut direct).await.expect("HGETALL");
        straight.push(sent.elapsed());
        tokio::time::sleep(Duration::from_micros(250)).await;
    }
    let jobs = submitter.await.expect("submitter");
    // Let the last jobs finish before the workers go.
    let mut conn = system(redis);
    while redis::cmd("SCARD").arg("bolide:jobs:active:local").query::<usize>(&mut conn).expect("SCARD") > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for worker in workers {
        let _ = worker.terminate();
    }
    let samples = through_api.len();
    (Latencies::of(&mut through_api), Latencies::of(&mut straight), samples, jobs)
}

/// How long the responsiveness run keeps the workers busy.
const BUSY_FOR: Duration = Duration::from_secs(5);
/// Unfinished jobs the responsiveness run keeps in the queue.
const BUSY_QUEUE: usize = 8;

/// `GET /api/jobs/{id}` on an idle system, one at a time.
async fn get_latencies_idle(http: &Http, base: &str, n: usize) -> Latencies {
    let list = http.get(&format!("{base}/api/jobs?size=1")).await;
    let id = list["items"][0]["id"].as_str().expect("a job from the latency run").to_string();
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let sent = Instant::now();
        http.get(&format!("{base}/api/jobs/{id}")).await;
        latencies.push(sent.elapsed());
    }
    Latencies::of(&mut latencies)
}

/// Drops every job between runs (so each run starts from an empty queue).
fn clear_jobs(redis: &RedisServer) {
    let mut conn = system(redis);
    let keys: Vec<String> = redis::cmd("KEYS").arg("bolide:jobs:*").query(&mut conn).expect("KEYS");
    // The queue (empty by now, with its consumer group) and the workers stay.
    for key in keys.iter().filter(|k| *k != "bolide:jobs:queue" && !k.starts_with("bolide:jobs:worker")) {
        let _: () = redis::cmd("UNLINK").arg(key).query(&mut conn).expect("UNLINK");
    }
}
