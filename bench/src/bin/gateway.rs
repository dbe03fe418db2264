//! Gateway speed: a student's own clients through `bolide serve --shared
//! --gateway-listen` against the same clients straight to the same Redis,
//! in the same run.
//!
//! - `redis-benchmark -c 50 -t set,get`, without pipelining and with
//!   `-P 16`, through the gateway (as one sandbox, with its credentials)
//!   and straight to Redis;
//! - NASA's Meteorite Landings loaded by Exercise 1's script (redis-py,
//!   `r.pipeline()` of one `HSET` per landing) through the gateway and
//!   straight to Redis.
//!
//! Prints requests per second (or load time) of each and the ratio
//! gateway / Redis; targets: ≥ 0.5 without pipelining, ≥ 0.3 pipelined
//! (Redis-protocol proxies such as twemproxy and Envoy's add well under 2×
//! latency). The gateway runs with `--gateway-rate 0` (no command rate:
//! this measures the gateway, not the class's limit) and room for the 50
//! connections.
//!
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/gateway ../shared/data/Meteorite_Landings.json

use std::process::Command;
use std::time::Duration;

use bolide_bench::release_bolide;
use bolide_tests::{http, BolideProcess, RedisServer};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// NASA's Meteorite Landings file (NASA JSON), for the redis-py load.
    file: std::path::PathBuf,
    /// Requests per redis-benchmark run without pipelining.
    #[arg(long, default_value_t = 200_000)]
    requests: usize,
    /// Requests per redis-benchmark run with `-P 16`.
    #[arg(long, default_value_t = 1_000_000)]
    pipelined_requests: usize,
    /// redis-py loads of the file each way (the median is shown).
    #[arg(long, default_value_t = 3)]
    loads: usize,
}

/// Where a client connects: `redis-benchmark` options and a redis:// URL.
struct Target {
    options: Vec<String>,
    url: String,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let redis = RedisServer::start();
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let url = redis.url();
    let bolide = BolideProcess::serve(
        &[
            "--redis-url",
            &url,
            "--shared",
            "--dist",
            "/nonexistent",
            "--no-worker",
            "--gateway-listen",
            "127.0.0.1:0",
            "--gateway-rate",
            "0",
            "--gateway-max-connections",
            "64",
        ],
        &[],
    );
    let gateway = gateway_target(&bolide).await;
    let direct = Target {
        options: vec!["-h".into(), "127.0.0.1".into(), "-p".into(), redis.port().to_string()],
        url: format!("redis://127.0.0.1:{}/0", redis.port()),
    };

    println!("gateway bench: redis-benchmark -c 50 -t set,get and a redis-py load, through the gateway vs straight to Redis");
    println!("  {:<28} {:>14} {:>14} {:>8} {:>8}", "", "Redis", "gateway", "ratio", "target");
    for (pipeline, requests, target) in [(1, args.requests, 0.5), (16, args.pipelined_requests, 0.3)] {
        let straight = redis_benchmark(&direct, pipeline, requests);
        let through = redis_benchmark(&gateway, pipeline, requests);
        for ((test, redis_rps), (_, gateway_rps)) in straight.iter().zip(&through) {
            let label = if pipeline == 1 {
                format!("{test} (no pipelining)")
            } else {
                format!("{test} (-P {pipeline})")
            };
            println!(
                "  {:<28} {:>10.0} rq/s {:>10.0} rq/s {:>8.2} {:>7}×",
                label,
                redis_rps,
                gateway_rps,
                gateway_rps / redis_rps,
                target
            );
        }
    }
    let mut straight = Vec::new();
    let mut through = Vec::new();
    for _ in 0..args.loads {
        straight.push(load(&direct.url, &args.file));
        through.push(load(&gateway.url, &args.file));
    }
    let (straight, through) = (median(straight), median(through));
    println!(
        "  {:<28} {:>12.2} s {:>12.2} s {:>8.2} {:>7}×",
        "NASA load (redis-py)",
        straight.as_secs_f64(),
        through.as_secs_f64(),
        straight.as_secs_f64() / through.as_secs_f64(),
        0.3
    );
    println!("  (ratio: gateway throughput / Redis throughput; load: Redis time / gateway time)");
    bolide.terminate();
}

/// A sandbox of its own and its gateway credentials.
async fn gateway_target(bolide: &BolideProcess) -> Target {
    let minted = http::request(
        "POST",
        &bolide.url("/api/console"),
        &[("content-type", "application/json")],
        br#"{"line": "PING"}"#,
    )
    .await
    .expect("console");
    let cookie = minted.header("set-cookie").and_then(|c| c.split(';').next()).expect("a cookie").to_string();
    let info = http::request("GET", &bolide.url("/api/gateway"), &[("cookie", &cookie)], &[])
        .await
        .expect("gateway info")
        .json();
    let field =
        |name: &str| info[name].as_str().map(str::to_string).unwrap_or_else(|| info[name].to_string());
    Target {
        options: vec![
            "-h".into(),
            field("host"),
            "-p".into(),
            field("port"),
            "--user".into(),
            field("username"),
            "-a".into(),
            field("password"),
        ],
        url: field("url"),
    }
}

/// `redis-benchmark -c 50 -t set,get -P pipeline --csv`: requests per
/// second of each test.
fn redis_benchmark(target: &Target, pipeline: usize, requests: usize) -> Vec<(String, f64)> {
    let output = Command::new("redis-benchmark")
        .args(&target.options)
        .args(["-c", "50", "-n", &requests.to_string(), "-P", &pipeline.to_string()])
        .args(["-t", "set,get", "--csv"])
        .output()
        .expect("redis-benchmark (comes with redis-server)");
    let text = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<(String, f64)> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',').map(|c| c.trim_matches('"'));
            Some((cells.next()?.to_string(), cells.next()?.parse().ok()?))
        })
        .collect();
    assert_eq!(rows.len(), 2, "redis-benchmark said: {text}{}", String::from_utf8_lossy(&output.stderr));
    rows
}

/// Exercise 1's script, timed by itself around the pipeline (the file is
/// read first).
const LOAD: &str = r#"
import json, sys, time, redis
r = redis.Redis.from_url(sys.argv[1])
with open(sys.argv[2]) as f:
    landings = json.load(f)
started = time.perf_counter()
pipe = r.pipeline()
for landing in landings:
    fields = {name: value for name, value in landing.items() if value is not None}
    pipe.hset(f"meteorite:{landing['id']}", mapping=fields)
pipe.execute()
print(time.perf_counter() - started)
"#;

fn load(url: &str, file: &std::path::Path) -> Duration {
    let output = Command::new("python3").arg("-c").arg(LOAD).arg(url).arg(file).output().expect("python3");
    assert!(output.status.success(), "the load failed: {}", String::from_utf8_lossy(&output.stderr));
    let seconds: f64 = String::from_utf8_lossy(&output.stdout).trim().parse().expect("seconds");
    Duration::from_secs_f64(seconds)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}
