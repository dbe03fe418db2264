//! Console throughput and latency: `POST /api/console` with N concurrent
//! clients (each its own session, keep-alive connection) sending `SET`,
//! `GET`, `HSET` in turn, and — in the same run, against the same Redis —
//! `redis-benchmark` with the same concurrency and request count. Prints
//! requests/s, p50/p99 latency and the ratio Bolide / redis-benchmark.
//!
//! Run (release builds; see the README's "Speed" section):
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/console --clients 50 --requests 200000 --mode shared

use std::process::Command;
use std::time::{Duration, Instant};

use bolide_bench::{ms, release_bolide, Latencies};
use bolide_tests::{BolideProcess, RedisServer};
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[derive(Parser)]
struct Args {
    /// Concurrent clients (browsers), each with its own session.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Requests in all, for Bolide and for redis-benchmark alike.
    #[arg(long, default_value_t = 100_000)]
    requests: usize,
    /// `shared` or `local`.
    #[arg(long, default_value = "shared")]
    mode: String,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let redis = RedisServer::start();
    let mut serve_args = vec!["--redis-url".to_string(), redis.url(), "--rate-session".into(), "0".into()];
    serve_args.extend(["--rate-address".into(), "0".into(), "--dist".into(), "/nonexistent".into()]);
    if args.mode == "shared" {
        serve_args.push("--shared".into());
    }
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let refs: Vec<&str> = serve_args.iter().map(String::as_str).collect();
    let bolide = BolideProcess::serve(&refs, &[]);
    let url = bolide.url("/api/console");

    // Warm up: sessions minted, connections open.
    run_clients(&url, args.clients, args.clients * 20).await;
    let (elapsed, mut latencies) = run_clients(&url, args.clients, args.requests).await;
    let rps = args.requests as f64 / elapsed.as_secs_f64();
    let lat = Latencies::of(&mut latencies);

    let reference = redis_benchmark(redis.port(), args.clients, args.requests);
    println!("console bench: {} clients, {} requests, {} mode", args.clients, args.requests, args.mode);
    println!(
        "  bolide  POST /api/console (SET/GET/HSET): {rps:>10.0} req/s  p50 {}  p99 {}  max {}",
        ms(lat.p50),
        ms(lat.p99),
        ms(lat.max)
    );
    println!(
        "  redis-benchmark -c {} (SET/GET/HSET):     {:>10.0} req/s  p50 {:.3} ms  p99 {:.3} ms",
        args.clients, reference.rps, reference.p50_ms, reference.p99_ms
    );
    println!("  ratio bolide / redis-benchmark: {:.2}", rps / reference.rps);
}

/// Sends `total` requests from `clients` tasks; returns the wall time and
/// every request's latency.
async fn run_clients(url: &str, clients: usize, total: usize) -> (Duration, Vec<Duration>) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client_no in 0..clients {
        let url = url.to_string();
        let share = total / clients + usize::from(client_no < total % clients);
        tasks.push(tokio::spawn(async move { client(&url, client_no, share).await }));
    }
    let mut latencies = Vec::with_capacity(total);
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    (start.elapsed(), latencies)
}

async fn client(url: &str, client_no: usize, requests: usize) -> Vec<Duration> {
    let http: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let lines = [
        format!("SET key:{client_no} value-{client_no}"),
        format!("GET key:{client_no}"),
        format!("HSET hash:{client_no} field value-{client_no}"),
    ];
    let bodies: Vec<bytes::Bytes> = lines
        .iter()
        .map(|line| serde_json::to_vec(&serde_json::json!({ "line": line })).expect("json").into())
        .collect();
    let mut cookie: Option<String> = None;
    let mut latencies = Vec::with_capacity(requests);
    for i in 0..requests {
        let mut request = hyper::Request::post(url).header("content-type", "application/json");
        if let Some(c) = &cookie {
            request = request.header("cookie", c.as_str());
        }
        let request = request.body(Full::new(bodies[i % bodies.len()].clone())).expect("request");
        let sent = Instant::now();
        let response = http.request(request).await.expect("bolide answers");
        if cookie.is_none() {
            cookie = response
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(str::to_string);
        }
        let status = response.status();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        latencies.push(sent.elapsed());
        assert!(status.is_success(), "HTTP {status}: {}", String::from_utf8_lossy(&body));
    }
    latencies
}

struct Reference {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `redis-benchmark -t set,get,hset --csv`, averaged over the three tests.
fn redis_benchmark(port: u16, clients: usize, requests: usize) -> Reference {
    let output = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-c", &clients.to_string(), "-n", &requests.to_string()])
        .args(["-t", "set,get,hset", "--csv"])
        .output()
        .expect("redis-benchmark (comes with redis-server)");
    let text = String::from_utf8_lossy(&output.stdout);
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').skip(1).filter_map(|f| f.trim_matches('"').parse().ok()).collect())
        .filter(|row: &Vec<f64>| row.len() >= 6)
        .collect();
    assert!(!rows.is_empty(), "no figures from redis-benchmark: {text}");
    let mean = |i: usize| rows.iter().map(|r| r[i]).sum::<f64>() / rows.len() as f64;
    Reference { rps: mean(0), p50_ms: mean(3), p99_ms: mean(5) }
}
