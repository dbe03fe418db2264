//! A class under attack, measured: what a victim student sees while other
//! students of the same hosted class try to slow down, starve or fill up
//! the Redis and the Bolide they share — against the same victim with no
//! attacker, in the same run.
//!
//! One release `bolide serve --shared --gateway-listen` (with its worker)
//! on its own redis-server. Before the two phases: a bystander sandbox
//! holds a generated dataset, and the server holds `--background-keys`
//! keys of other sandboxes (written straight to Redis), so an attack that
//! walks every key of the server would hurt. Then, for `--seconds` each:
//!
//! 1. **quiet**: the victim (its own sandbox) sends `GET mine` through the
//!    console API every 100 ms, and a probe sends `PING` straight to Redis
//!    every 50 ms;
//! 2. **attack**: the same, while `--attackers` sandboxes each loop over
//!    every attack of issue #12 (the costly commands, the growing writes,
//!    MULTI floods, data generation and new filters, big reads, a `PING`
//!    flood at the rate limit, twenty jobs, slow connections that never
//!    finish their request, gateway floods).
//!
//! Prints the victim's p50/p99/max and how many of its requests failed,
//! Redis's `PING` p50/max, each with the ratio attack / quiet; how many of
//! the attackers' requests were refused; and Redis's peak `used_memory`
//! against the sum of the sandboxes' quotas. Nothing here asserts a time:
//! `backend/tests/attack.rs` asserts the refusals.
//!
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/attack --seconds 15

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bolide_bench::{ms, release_bolide, Latencies};
use bolide_tests::{http, BolideProcess, RedisServer};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// Length of each phase (quiet, then attack).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Attacking sandboxes.
    #[arg(long, default_value_t = 2)]
    attackers: usize,
    /// Keys of other sandboxes on the server, written straight to Redis.
    #[arg(long, default_value_t = 300_000)]
    background_keys: usize,
    /// Landings generated in a bystander's sandbox first.
    #[arg(long, default_value_t = 50_000)]
    bystander_landings: usize,
}

/// A browser's session with the API: its cookie.
#[derive(Clone)]
struct Browser {
    base: String,
    cookie: String,
}

impl Browser {
    /// A new session (the API sets its cookie on the first request).
    async fn new(base: &str) -> Self {
        let answer = http::request(
            "POST",
            &format!("{base}/api/console"),
            &[("content-type", "application/json")],
            br#"{"line":"PING"}"#,
        )
        .await
        .expect("an answer");
        let cookie = answer
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        Self { base: base.to_string(), cookie }
    }

    async fn send(&self, method: &str, path: &str, body: &[u8]) -> Option<http::Response> {
        let headers = [("cookie", self.cookie.as_str()), ("content-type", "application/json")];
        http::request(method, &format!("{}{path}", self.base), &headers, body).await.ok()
    }

    /// One console line; the HTTP status (0: no answer).
    async fn line(&self, line: &str) -> u16 {
        let body = serde_json::to_vec(&json!({ "line": line })).expect("json");
        self.send("POST", "/api/console", &body).await.map_or(0, |a| a.status)
    }

    async fn gateway_url(&self) -> String {
        let answer = self.send("GET", "/api/gateway", &[]).await.expect("gateway credentials");
        answer.json()["url"].as_str().expect("url").to_string()
    }
}

/// What the attackers' requests got.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    /// Refused with a clear error (a console `(error)` or a 4xx).
    refused: AtomicU64,
    /// A 5xx or no answer: a bound that did not hold.
    failed: AtomicU64,
    /// The slowest attacks: (time, what, status).
    slowest: std::sync::Mutex<Vec<(Duration, String, u16)>>,
    /// The first attacks that got a 5xx or no answer: (what, status).
    failures: std::sync::Mutex<Vec<(String, u16)>>,
}

impl Tally {
    /// Keeps the five slowest attacks (what the victim's worst moments
    /// line up with).
    fn timed(&self, what: &str, took: Duration, status: u16) {
        if status == 0 || status >= 500 {
            let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            if failures.len() < 5 {
                failures.push((what.chars().take(48).collect(), status));
            }
        }
        let mut slowest = self.slowest.lock().unwrap_or_else(|p| p.into_inner());
        slowest.push((took, what.chars().take(48).collect(), status));
        slowest.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        slowest.truncate(5);
    }

    fn count(&self, status: u16, console_error: bool) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if status == 0 || status >= 500 {
            self.failed.fetch_add(1, Ordering::Relaxed);
        } else if status >= 400 || console_error {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let redis = RedisServer::start();
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let bolide = BolideProcess::serve(
        &[
            "--redis-url",
            &redis.url(),
            "--shared",
            "--dist",
            "/nonexistent",
            "--gateway-listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let base = bolide.base_url.clone();

    println!(
        "attack bench: {} attacker sandbox(es) against a victim's `GET mine` every 100 ms, {} s per phase",
        args.attackers, args.seconds
    );
    fill_the_server(&redis, &base, &args).await;

    let quiet = measure(&redis, &base, Duration::from_secs(args.seconds), None).await;
    let tally = Arc::new(Tally::default());
    let attack =
        measure(&redis, &base, Duration::from_secs(args.seconds), Some((args.attackers, tally.clone())))
            .await;

    let ratio = |a: Duration, q: Duration| a.as_secs_f64() / q.as_secs_f64().max(1e-9);
    println!("  {:<26} {:>12} {:>12} {:>8}", "", "quiet", "attack", "ratio");
    for (label, q, a) in [
        ("victim p50", quiet.victim.p50, attack.victim.p50),
        ("victim p99", quiet.victim.p99, attack.victim.p99),
        ("victim max", quiet.victim.max, attack.victim.max),
        ("Redis PING p50", quiet.ping.p50, attack.ping.p50),
        ("Redis PING max", quiet.ping.max, attack.ping.max),
    ] {
        println!("  {label:<26} {:>12} {:>12} {:>7.2}x", ms(q), ms(a), ratio(a, q));
    }
    println!("  {:<26} {:>12} {:>12}", "victim requests not 200", quiet.victim_failed, attack.victim_failed);
    println!(
        "  attackers: {} requests, {} refused with a clear error, {} failed (5xx or no answer)",
        tally.sent.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed)
    );
    for (what, status) in tally.failures.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("  failed attack: {what} ({status})");
    }
    for (took, what, status) in tally.slowest.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("  slowest attack: {} {what} ({status})", ms(*took));
    }
    let quota_mib = 64 * (args.attackers + 2);
    println!(
        "  Redis used_memory peak: {:.1} MiB (dataset and background keys included; the {} sandboxes' quotas sum to {quota_mib} MiB)",
        attack.redis_peak_bytes as f64 / 1048576.0,
        args.attackers + 2,
    );
    println!("  Bolide peak RSS: {:.1} MiB", peak_rss_kib(bolide.pid()) as f64 / 1024.0);
}

/// The bystander's dataset and the other sandboxes' keys.
async fn fill_the_server(redis: &RedisServer, base: &str, args: &Args) {
    let bystander = Browser::new(base).await;
    let generated = bystander
        .send("POST", &format!("/api/data/generate?n={}&seed=7", args.bystander_landings), &[])
        .await;
    println!(
        "  bystander: {} generated landings ({})",
        args.bystander_landings,
        generated.map_or("no answer".to_string(), |a| a.status.to_string())
    );
    let mut conn = redis.connection();
    for chunk in (0..args.background_keys).collect::<Vec<_>>().chunks(10_000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("SET").arg(format!("{{s:{:016x}}}:k{i}", i % 97)).arg("x").ignore();
        }
        let _: () = pipe.query(&mut conn).expect("background keys");
    }
    println!("  background: {} keys of 97 other sandboxes", args.background_keys);
}

struct Phase {
    victim: Latencies,
    victim_failed: usize,
    ping: Latencies,
    redis_peak_bytes: u64,
}

/// Runs the victim and the PING probe for `length`, with attackers if asked.
async fn measure(
    redis: &RedisServer,
    base: &str,
    length: Duration,
    attackers: Option<(usize, Arc<Tally>)>,
) -> Phase {
    let victim = Browser::new(base).await;
    victim.line("SET mine v").await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut attacks = Vec::new();
    if let Some((n, tally)) = attackers {
        for _ in 0..n {
            let attacker = Browser::new(base).await;
            attacks.push(tokio::spawn(attack(attacker, tally.clone(), stop.clone())));
        }
    }
    let until = Instant::now() + length;
    let victim_task = tokio::spawn(async move {
        let (mut times, mut failed) = (Vec::new(), 0);
        while Instant::now() < until {
            let started = Instant::now();
            let status = victim.line("GET mine").await;
            times.push(started.elapsed());
            if status != 200 {
                failed += 1;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (times, failed)
    });
    let port = redis.port();
    let probe = tokio::task::spawn_blocking(move || {
        let mut conn = redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
            .and_then(|c| c.get_connection())
            .expect("probe connection");
        let (mut times, mut peak) = (Vec::new(), 0u64);
        while Instant::now() < until {
            let started = Instant::now();
            let _: String = redis::cmd("PING").query(&mut conn).expect("PING");
            times.push(started.elapsed());
            let info: String = redis::cmd("INFO").arg("memory").query(&mut conn).expect("INFO");
            let used = info
                .lines()
                .find_map(|l| l.strip_prefix("used_memory:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            peak = peak.max(used);
            std::thread::sleep(Duration::from_millis(50));
        }
        (times, peak)
    });
    let (mut victim_times, victim_failed) = victim_task.await.expect("victim");
    let (mut ping_times, redis_peak_bytes) = probe.await.expect("probe");
    stop.store(true, Ordering::Relaxed);
    for task in attacks {
        task.abort();
    }
    Phase {
        victim: Latencies::of(&mut victim_times),
        victim_failed,
        ping: Latencies::of(&mut ping_times),
        redis_peak_bytes,
    }
}

/// One attacker: every attack of the issue, round and round until stopped.
async fn attack(me: Browser, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let long = "x".repeat(11_000);
    for setup in [format!("SET l1 {long}"), format!("SET l2 {long}y")] {
        me.line(&setup).await;
    }
    let pattern = format!("*{}b", "[a-z]".repeat(12_000));
    let lcs_multi: Vec<String> = std::iter::once("MULTI".to_string())
        .chain(std::iter::repeat_n("LCS l1 l2 LEN".to_string(), 100))
        .chain(std::iter::once("EXEC".to_string()))
        .collect();
    // 60 KB lines: 300 of them are 18 MB, far past the queue's bound. (A
    // much larger body refused by the rate limit before it is read ends
    // its connection, which a client sees as no answer.)
    let big_mset = format!(
        "MSET {}",
        (0..15).map(|i| format!("m{i} {}", "v".repeat(4000))).collect::<Vec<_>>().join(" ")
    );
    let slow = tokio::spawn(slow_connections(me.base.clone(), stop.clone()));
    let gateway = tokio::spawn(gateway_flood(me.gateway_url().await, stop.clone(), tally.clone()));
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let mut lines: Vec<String> = vec![
            format!("KEYS {pattern}"),
            "SCAN 0 COUNT 100000000".into(),
            "DBSIZE".into(),
            "RANDOMKEY".into(),
            "SETRANGE big 536870000 x".into(),
            "SETBIT big 4294967295 1".into(),
            "BITFIELD big SET u8 4000000000 1".into(),
            "SETRANGE mid 60000000 x".into(),
            "GET mid".into(),
            "COPY mid mid2".into(),
            "BITOP NOT mid3 mid".into(),
            "SORT l1".into(),
        ];
        lines.extend(lcs_multi.iter().cloned());
        lines.push("MULTI".into());
        lines.extend(std::iter::repeat_n(big_mset.clone(), 300));
        lines.push("EXEC".into());
        lines.push("DISCARD".into());
        for line in &lines {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let body = serde_json::to_vec(&json!({ "line": line })).expect("json");
            let started = Instant::now();
            let answer = me.send("POST", "/api/console", &body).await;
            let status = answer.as_ref().map_or(0, |a| a.status);
            tally.timed(line, started.elapsed(), status);
            tally.count(status, answer.is_some_and(|a| a.status == 200 && a.json()["error"] == true));
        }
        // The data API: a million landings, a 200k upload's worth, new filters in parallel.
        let started = Instant::now();
        let generate = me.send("POST", "/api/data/generate?n=1000000", &[]).await.map_or(0, |a| a.status);
        tally.timed("POST /api/data/generate?n=1000000", started.elapsed(), generate);
        tally.count(generate, false);
        let filters: Vec<_> = (0..6)
            .map(|i| {
                let me = me.clone();
                tokio::spawn(async move {
                    let path = format!("/api/data?size=1&mass_min={}", round * 1000 + i);
                    let started = Instant::now();
                    let status = me.send("GET", &path, &[]).await.map_or(0, |a| a.status);
                    (path, started.elapsed(), status)
                })
            })
            .collect();
        for filter in filters {
            let (path, took, status) = filter.await.unwrap_or_default();
            tally.timed(&format!("GET {path}"), took, status);
            tally.count(status, false);
        }
        // Twenty heavy jobs, and a PING flood at the rate limit.
        for _ in 0..20 {
            let body = serde_json::to_vec(&json!({"analysis": "count_per_class"})).expect("json");
            let status = me.send("POST", "/api/jobs", &body).await.map_or(0, |a| a.status);
            tally.timed("POST /api/jobs count_per_class", Duration::ZERO, status);
            tally.count(status, false);
        }
        for _ in 0..100 {
            let status = me.line("PING").await;
            tally.timed("PING flood", Duration::ZERO, status);
            tally.count(status, false);
        }
    }
    slow.abort();
    gateway.abort();
}

/// Connections that send half a request and then nothing (slowloris),
/// opened again as the server closes them.
async fn slow_connections(base: String, stop: Arc<AtomicBool>) {
    use tokio::io::AsyncWriteExt;
    let address = base.trim_start_matches("http://").to_string();
    while !stop.load(Ordering::Relaxed) {
        let mut held = Vec::new();
        for _ in 0..100 {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(&address).await {
                let _ = stream
                    .write_all(b"POST /api/console HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n")
                    .await;
                held.push(stream);
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// A pipelined client of the gateway sending `KEYS *` and `SCAN`s as fast
/// as it is answered.
async fn gateway_flood(url: String, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let Ok(client) = redis::Client::open(url) else { return };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else { return };
    while !stop.load(Ordering::Relaxed) {
        let mut pipe = redis::pipe();
        for _ in 0..16 {
            pipe.cmd("KEYS").arg("*").cmd("SCAN").arg(0).arg("COUNT").arg(100_000_000);
        }
        let answer: redis::RedisResult<Vec<redis::Value>> = pipe.query_async(&mut conn).await;
        match answer {
            Ok(replies) => {
                for reply in replies {
                    tally.count(200, matches!(reply, redis::Value::ServerError(_)));
                }
            }
            Err(err) if err.code().is_some() => tally.count(200, true),
            Err(_) => {
                tally.timed("gateway KEYS/SCAN pipeline", Duration::ZERO, 0);
                tally.count(0, false);
                return;
            }
        }
    }
}

/// Peak resident memory of a process (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
