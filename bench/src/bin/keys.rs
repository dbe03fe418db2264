//! Keys browser speed: `GET /api/keys` — the real router, in process, on a
//! Redis of its own — for the first page of the tree (the root) and the
//! first page of the folder of NASA's 45,716 `meteorite:*` landings (plus
//! a few hundred other keys, as a student has), then again with the
//! keyspace grown to a million keys (synthetic `bench:*` strings), in the
//! same run. Also `GET /api/keys/cost`: one landing (its hash beside the
//! same fields as a JSON string, measured under a scratch key) and the
//! whole meteorite folder (every key scanned, 1000 measured), with a plain
//! client's `MEMORY USAGE` of one key as the reference.
//!
//! Prints p50/p99 of each, and p50(1M)/p50(45k); also how long reading the
//! meteorite folder to its end takes (every page), once. As a reference,
//! in the same run: what a browser without paging does, `KEYS *`, with a
//! plain client, at both sizes.
//!
//!     cargo build -p bolide-bench --bin keys
//!     target/debug/keys /work/shared/data/Meteorite_Landings.json
//!     target/debug/keys /work/shared/data/Meteorite_Landings.json --million 1000000 --samples 200

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bolide::data::source;
use bolide::data::store::{self, Owner};
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState, StateOptions};
use bolide_bench::{ms, Latencies};
use bolide_shared::api::RedisMode;
use bolide_shared::keys::{KeyCost, KeyPage};
use bolide_tests::RedisServer;
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The server's allocator, so the pages run as they do in `bolide serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// NASA's Meteorite Landings file (course JSON, NASA JSON or CSV).
    file: std::path::PathBuf,
    /// Keys in all of the large keyspace.
    #[arg(long, default_value_t = 1_000_000)]
    million: usize,
    /// Timed requests of each kind.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Other keys beside the landings (a student's `my_key`, `k2`, …).
    #[arg(long, default_value_t = 300)]
    others: usize,
}

struct Figures {
    keys: u64,
    root: Latencies,
    folder: Latencies,
    /// Reading the meteorite folder to its end: time and pages.
    whole_folder: (Duration, usize),
    keys_command: Latencies,
    landing_cost: Latencies,
    folder_cost: Latencies,
    memory_usage: Latencies,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let bytes = std::fs::read(&args.file).expect("read the file");
    let nasa = source::parse(&bytes, None).expect("a valid file");
    drop(bytes);
    let redis = RedisServer::start();
    let base = format!("redis://127.0.0.1:{}", redis.port());
    store::replace(&base, &Owner::local(), &nasa, "bench").await.expect("load");
    let landings = nasa.len();
    drop(nasa);
    let client = redis::Client::open(format!("{base}/0")).expect("url");
    // `KEYS *` of a million keys takes longer than the default timeout.
    let config = redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(60)));
    let mut conn = client.get_multiplexed_async_connection_with_config(&config).await.expect("connect");
    let mut pipe = redis::pipe();
    for i in 0..args.others {
        match i % 4 {
            0 => pipe.set(format!("k{i}"), i),
            1 => pipe.hset(format!("user:{i}"), "name", "Joe"),
            2 => pipe.rpush(format!("py:list:{i}"), i),
            _ => pipe.sadd(format!("tags:{i}"), "a"),
        };
    }
    pipe.query_async::<()>(&mut conn).await.expect("others");

    let state =
        AppState::build(&redis.url(), StateOptions::new(RedisMode::External, Tenancy::Local)).expect("state");
    let router = app(state, std::path::Path::new("/nonexistent-dist"));

    let small = measure(&router, &mut conn, &args).await;
    // Grow the keyspace to a million keys.
    let have = small.keys as usize;
    let mut i = 0usize;
    while have + i < args.million {
        let mut pipe = redis::pipe();
        for _ in 0..10_000.min(args.million - have - i) {
            pipe.set(format!("bench:{i}"), i).ignore();
            i += 1;
        }
        pipe.query_async::<()>(&mut conn).await.expect("grow");
    }
    let large = measure(&router, &mut conn, &args).await;

    println!(
        "keys bench: GET /api/keys (first page, default count 100), {} samples each; {landings} meteorite:* landings",
        args.samples
    );
    println!(
        "  {:<52} {:>12} {:>12} {:>12} {:>12} {:>7}",
        "", "p50 small", "p99 small", "p50 large", "p99 large", "ratio"
    );
    println!("  {:<52} {:>12} {:>12}", "keys in the keyspace", small.keys, large.keys);
    let rows = [
        ("the tree's first page (the root)", small.root, large.root),
        ("the meteorite: folder's first page", small.folder, large.folder),
        ("reference: KEYS * (a browser without paging)", small.keys_command, large.keys_command),
        ("cost of one landing (hash vs JSON string)", small.landing_cost, large.landing_cost),
        ("cost of the meteorite: folder (1000 measured)", small.folder_cost, large.folder_cost),
        ("reference: MEMORY USAGE meteorite:1, plain client", small.memory_usage, large.memory_usage),
    ];
    for (name, a, b) in rows {
        println!(
            "  {:<52} {:>12} {:>12} {:>12} {:>12} {:>7.2}",
            name,
            ms(a.p50),
            ms(a.p99),
            ms(b.p50),
            ms(b.p99),
            b.p50.as_secs_f64() / a.p50.as_secs_f64()
        );
    }
    for (label, figures) in [("small", &small), ("large", &large)] {
        println!(
            "  the meteorite: folder read to its end ({label}): {:.2} s in {} pages",
            figures.whole_folder.0.as_secs_f64(),
            figures.whole_folder.1
        );
    }
}

async fn measure(
    router: &axum::Router,
    conn: &mut redis::aio::MultiplexedConnection,
    args: &Args,
) -> Figures {
    let keys: u64 = redis::cmd("DBSIZE").query_async(conn).await.expect("DBSIZE");
    let mut root = Vec::with_capacity(args.samples);
    let mut folder = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        root.push(get::<KeyPage>(router, "/api/keys").await.1);
        folder.push(get::<KeyPage>(router, "/api/keys?prefix=meteorite%3A").await.1);
    }
    let started = Instant::now();
    let (mut cursor, mut pages, mut seen) = ("0".to_string(), 0usize, 0usize);
    loop {
        let (page, _) =
            get::<KeyPage>(router, &format!("/api/keys?prefix=meteorite%3A&count=1000&cursor={cursor}"))
                .await;
        pages += 1;
        seen += page.keys.len();
        cursor = page.cursor;
        if cursor == "0" {
            break;
        }
    }
    let whole = started.elapsed();
    assert!(seen >= 45_000, "the folder holds the landings ({seen})");
    let mut reference = Vec::new();
    for _ in 0..(args.samples / 40).max(3) {
        let started = Instant::now();
        let all: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query_async(conn).await.expect("KEYS");
        reference.push(started.elapsed());
        assert_eq!(all.len() as u64, keys);
    }
    let (mut landing_cost, mut folder_cost, mut memory_usage) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.samples {
        let (cost, took) = get::<KeyCost>(router, "/api/keys/cost?key=meteorite%3A1").await;
        assert!(matches!(cost, KeyCost::Hash(ref h) if h.json.is_some()), "{cost:?}");
        landing_cost.push(took);
        let started = Instant::now();
        let _: u64 =
            redis::cmd("MEMORY").arg("USAGE").arg("meteorite:1").query_async(conn).await.expect("MEMORY");
        memory_usage.push(started.elapsed());
    }
    for _ in 0..(args.samples / 40).max(3) {
        let (cost, took) = get::<KeyCost>(router, "/api/keys/cost?prefix=meteorite%3A").await;
        assert!(matches!(cost, KeyCost::Prefix(ref p) if p.keys >= 45_000 && p.estimated), "{cost:?}");
        folder_cost.push(took);
    }
    Figures {
        keys,
        landing_cost: Latencies::of(&mut landing_cost),
        folder_cost: Latencies::of(&mut folder_cost),
        memory_usage: Latencies::of(&mut memory_usage),
        root: Latencies::of(&mut root),
        folder: Latencies::of(&mut folder),
        whole_folder: (whole, pages),
        keys_command: Latencies::of(&mut reference),
    }
}

/// One request: the answer, and how long it took (body included).
async fn get<T: serde::de::DeserializeOwned>(router: &axum::Router, uri: &str) -> (T, Duration) {
    let started = Instant::now();
    let request = Request::builder().uri(uri).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&body));
    (serde_json::from_slice(&body).expect("a page"), took)
}
