//! Loading speed: Bolide's load (the API's code path,
//! `store::load_file_bytes`: parse and check the file while its landings
//! stream into one atomic swap with indexes) of a Meteorite Landings file
//! (or, with `--generate`, `store::replace` of a generated set), against
//! `redis-cli --pipe` mass-inserting the same hashes (no indexes, no
//! atomicity) into the same kind of fresh Redis, in the same run.
//! Also prints Redis's memory for the dataset with and without indexes.
//!
//!     cargo build --release -p bolide-bench
//!     target/release/load ../shared/data/Meteorite_Landings.json
//!     target/release/load --generate 1000000

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use bolide::data::store::{self, Owner};
use bolide::data::{generate, source, Dataset};
use bolide_tests::RedisServer;
use clap::Parser;

/// The server's allocator, so the load runs as it does in `bolide serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// A Meteorite Landings file (course JSON, NASA JSON or CSV).
    file: Option<std::path::PathBuf>,
    /// Instead of a file, this many synthetic landings.
    #[arg(long)]
    generate: Option<usize>,
    /// Runs of each side; the best is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (bytes, label) = match (&args.file, args.generate) {
        (Some(path), _) => (std::fs::read(path).expect("read the file"), path.display().to_string()),
        (None, Some(n)) => (Vec::new(), format!("{n} generated landings")),
        (None, None) => panic!("give a file or --generate N"),
    };
    let dataset = if bytes.is_empty() {
        generate::generate(args.generate.unwrap_or(0), 1)
    } else {
        source::parse(&bytes, None).expect("a valid file")
    };
    let protocol = mass_insert_protocol(&dataset);

    let mut bolide_best = f64::MAX;
    let mut pipe_best = f64::MAX;
    let mut parts = Parts::default();
    let mut memory = (0u64, 0u64);
    for _ in 0..args.runs {
        let redis = RedisServer::start();
        let base = format!("redis://127.0.0.1:{}", redis.port());
        // The API's body is shared bytes: the copy is not the load's.
        let upload = bytes.clone();
        let started = Instant::now();
        if upload.is_empty() {
            store::replace(&base, &Owner::local(), &dataset, "bench").await.expect("load");
        } else {
            store::load_file_bytes(&base, &Owner::local(), upload, None, |_| "bench".to_string())
                .await
                .expect("load");
        }
        let total = started.elapsed().as_secs_f64();
        // The parse alone, after the timed load (which parses too, while it
        // writes) so that it does not warm the allocator for it.
        let parse_started = Instant::now();
        let parsed =
            if bytes.is_empty() { dataset.clone() } else { source::parse(&bytes, None).expect("valid") };
        let parse = parse_started.elapsed().as_secs_f64();
        drop(parsed);
        if total < bolide_best {
            bolide_best = total;
            parts = Parts { parse, exec: redis_seconds(&redis) };
        }
        memory.0 = used_memory(&redis);

        let plain = RedisServer::start();
        let started = Instant::now();
        let mut child = Command::new("redis-cli")
            .args(["-p", &plain.port().to_string(), "--pipe"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-cli");
        child.stdin.take().expect("stdin").write_all(&protocol).expect("write");
        assert!(child.wait().expect("redis-cli --pipe").success());
        pipe_best = pipe_best.min(started.elapsed().as_secs_f64());
        memory.1 = used_memory(&plain);
    }
    let n = dataset.len() as f64;
    println!("load bench: {label}, {} landings, best of {}", dataset.len(), args.runs);
    println!(
        "  bolide load (parse + check + indexes, one transaction): {:>8.1} ms  {:>9.0} records/s",
        bolide_best * 1000.0,
        n / bolide_best
    );
    println!(
        "  redis-cli --pipe (hashes only):                        {:>8.1} ms  {:>9.0} records/s",
        pipe_best * 1000.0,
        n / pipe_best
    );
    println!(
        "    parsing and checking the file alone (overlapped in the load): {:.1} ms; Redis running its commands (INFO commandstats): {:.1} ms",
        parts.parse * 1000.0,
        parts.exec * 1000.0
    );
    println!("  ratio bolide / redis-cli --pipe: {:.2}", bolide_best / pipe_best);
    println!(
        "  Redis memory: {:.1} MiB with indexes, {:.1} MiB hashes only",
        memory.0 as f64 / 1048576.0,
        memory.1 as f64 / 1048576.0
    );
}

/// `HSET meteorite:<id> field value …` for every landing, in RESP.
fn mass_insert_protocol(dataset: &Dataset) -> Vec<u8> {
    let mut out = Vec::new();
    for landing in &dataset.landings {
        let mut args: Vec<&[u8]> = vec![b"HSET"];
        let key = landing.key();
        args.push(key.as_bytes());
        for (field, value) in &landing.fields {
            args.push(field.as_bytes());
            args.push(value.as_bytes());
        }
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Where the best run's time went.
#[derive(Default)]
struct Parts {
    parse: f64,
    exec: f64,
}

/// How long Redis spent running commands (the transaction's, counted one
/// by one in `INFO commandstats`), in seconds.
fn redis_seconds(redis: &RedisServer) -> f64 {
    let info: String =
        redis::cmd("INFO").arg("commandstats").query(&mut redis.connection()).expect("INFO commandstats");
    info.lines()
        .filter(|line| line.starts_with("cmdstat_") && !line.starts_with("cmdstat_exec:"))
        .filter_map(|line| line.split(',').find_map(|field| field.strip_prefix("usec=")))
        .filter_map(|usec| usec.parse::<f64>().ok())
        .sum::<f64>()
        / 1e6
}

fn used_memory(redis: &RedisServer) -> u64 {
    let info: String = redis::cmd("INFO").arg("memory").query(&mut redis.connection()).expect("INFO");
    info.lines().find_map(|l| l.strip_prefix("used_memory:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}
