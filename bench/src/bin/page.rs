//! Page speed: `store::page` — the code path behind `GET /api/data` — on
//! NASA's 45,716 landings and on a million synthetic ones, each in a fresh
//! Redis of its own, through the same shared connections the server uses.
//!
//! Three kinds of page, 50 landings each:
//! - **sorted by mass** (heaviest first), pages drawn at random over the
//!   whole range;
//! - **one class, sorted by mass** (the most common class, `L6`, and a rare
//!   one): the first page computes and keeps the filter's result (reported
//!   apart, as "first page"), the next pages read it;
//! - **name search**: each sample a new search text (three letters of a
//!   landing's name, as a student types), so every one scans the names
//!   index; and the next pages of one search, which read the kept result.
//!
//! Prints p50/p99 of each, and p50(1M)/p50(45k). As a reference, in the
//! same run: the course's API's way to serve a page — `KEYS meteorite:*`,
//! then `HGETALL` of the page's 50 keys, unsorted — on the 45,716 landings.
//!
//!     cargo build --release -p bolide-bench
//!     target/release/page ../shared/data/Meteorite_Landings.json
//!     target/release/page ../shared/data/Meteorite_Landings.json --million 200000 --samples 300

use std::time::{Duration, Instant};

use bolide::data::store::{self, Owner, PageQuery, Readers};
use bolide::data::{generate, source, Dataset};
use bolide_bench::{ms, Latencies};
use bolide_tests::RedisServer;
use clap::Parser;

/// The server's allocator, so the pages run as they do in `bolide serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// NASA's Meteorite Landings file (course JSON, NASA JSON or CSV).
    file: std::path::PathBuf,
    /// Synthetic landings of the large set.
    #[arg(long, default_value_t = 1_000_000)]
    million: usize,
    /// Timed pages of each kind.
    #[arg(long, default_value_t = 1000)]
    samples: usize,
    /// Distinct search texts (each one a full scan of the names).
    #[arg(long, default_value_t = 100)]
    searches: usize,
}

/// p50/p99 of each kind of page on one dataset.
struct Figures {
    landings: usize,
    load: Duration,
    rows: Vec<(&'static str, Latencies)>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let bytes = std::fs::read(&args.file).expect("read the file");
    let nasa = source::parse(&bytes, None).expect("a valid file");
    drop(bytes);
    let (small, reference) = measure(&nasa, &args, true).await;
    drop(nasa);
    let large_set = generate::generate(args.million, 1);
    let (large, _) = measure(&large_set, &args, false).await;
    drop(large_set);

    println!("page bench: pages of 50 through store::page, {} samples each", args.samples);
    for figures in [&small, &large] {
        println!("  {} landings (loaded in {:.2} s)", figures.landings, figures.load.as_secs_f64());
    }
    println!(
        "  {:<44} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "", "p50 small", "p99 small", "p50 large", "p99 large", "ratio"
    );
    for ((name, a), (_, b)) in small.rows.iter().zip(&large.rows) {
        println!(
            "  {:<44} {:>10} {:>10} {:>10} {:>10} {:>8.2}",
            name,
            ms(a.p50),
            ms(a.p99),
            ms(b.p50),
            ms(b.p99),
            b.p50.as_secs_f64() / a.p50.as_secs_f64()
        );
    }
    if let Some(reference) = reference {
        println!(
            "  reference, the course's API (KEYS, then HGETALL of the page's keys), {} landings: p50 {}  p99 {}",
            small.landings,
            ms(reference.p50),
            ms(reference.p99)
        );
    }
}

/// Loads `dataset` into a fresh Redis and times every kind of page.
async fn measure(dataset: &Dataset, args: &Args, with_reference: bool) -> (Figures, Option<Latencies>) {
    let redis = RedisServer::start();
    let base = format!("redis://127.0.0.1:{}", redis.port());
    let scope = Owner::local();
    let started = Instant::now();
    store::replace(&base, &scope, dataset, "bench").await.expect("load");
    let load = started.elapsed();
    let connect = |db: u32| bolide::redis_conn::connect(&format!("{base}/{db}")).expect("url").0;
    let readers = Readers { data: connect(0), system: connect(bolide::sandbox::SYSTEM_DB) };
    let mut rng = Lcg(7);
    let mut rows = Vec::new();

    let by_mass =
        PageQuery { page: 1, size: 50, sort: "mass".into(), descending: true, ..PageQuery::default() };
    let total = page(&readers, &scope, &by_mass).await.0;
    rows.push((
        "sorted by mass",
        random_pages(&readers, &scope, &by_mass, total, args.samples, &mut rng).await,
    ));

    for (label_first, label_next, class) in [
        ("class L6 by mass: first page", "class L6 by mass: next pages", "L6"),
        ("class CM2 by mass: first page", "class CM2 by mass: next pages", "CM2"),
    ] {
        let query = PageQuery { class: Some(class.into()), ..by_mass.clone() };
        let (total, first) = page(&readers, &scope, &query).await;
        rows.push((label_first, Latencies::of(&mut [first])));
        rows.push((label_next, random_pages(&readers, &scope, &query, total, args.samples, &mut rng).await));
    }

    // Each search text a new one: three letters from a landing's name.
    let mut searches = Vec::with_capacity(args.searches);
    let mut next_pages = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while searches.len() < args.searches {
        let landing = &dataset.landings[rng.below(dataset.len())];
        let name: Vec<char> = landing.name().unwrap_or_default().to_lowercase().chars().collect();
        if name.len() < 4 {
            continue;
        }
        let at = rng.below(name.len() - 3);
        let needle: String = name[at..at + 3].iter().collect();
        if !seen.insert(needle.clone()) {
            continue;
        }
        let query =
            PageQuery { name: Some(needle), sort: "name".into(), descending: false, ..by_mass.clone() };
        let (total, first) = page(&readers, &scope, &query).await;
        searches.push(first);
        if total > 50 {
            let pages = random_pages(&readers, &scope, &query, total, 5, &mut rng).await;
            next_pages.push(pages.p50);
        }
    }
    rows.push(("name search, a new text each time", Latencies::of(&mut searches)));
    rows.push(("name search: next pages", Latencies::of(&mut next_pages)));

    let reference =
        if with_reference { Some(course_api(&redis, args.samples / 5, &mut rng).await) } else { None };
    (Figures { landings: dataset.len(), load, rows }, reference)
}

/// One page: how many landings match, and how long it took.
async fn page(readers: &Readers, scope: &Owner, query: &PageQuery) -> (u64, Duration) {
    let started = Instant::now();
    let page = store::page(readers, scope, query).await.expect("page");
    let took = started.elapsed();
    assert!(page.items.len() <= query.size);
    (page.total, took)
}

/// `samples` pages drawn at random among the `total / size` pages.
async fn random_pages(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    total: u64,
    samples: usize,
    rng: &mut Lcg,
) -> Latencies {
    let pages = (total as usize).div_ceil(query.size).max(1);
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let query = PageQuery { page: 1 + rng.below(pages), ..query.clone() };
        times.push(page(readers, scope, &query).await.1);
    }
    Latencies::of(&mut times)
}

/// What the course's reference API does for a page: `KEYS meteorite:*`,
/// then `HGETALL` of the page's 50 keys (in `KEYS` order: it cannot sort
/// or filter without reading every record).
async fn course_api(redis: &RedisServer, samples: usize, rng: &mut Lcg) -> Latencies {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/0", redis.port())).expect("url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("connect");
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let keys: Vec<String> =
            redis::cmd("KEYS").arg("meteorite:*").query_async(&mut conn).await.expect("KEYS");
        let first = 50 * rng.below(keys.len() / 50);
        let mut pipe = redis::pipe();
        for key in &keys[first..first + 50] {
            pipe.cmd("HGETALL").arg(key);
        }
        let records: Vec<std::collections::HashMap<String, String>> =
            pipe.query_async(&mut conn).await.expect("HGETALL");
        times.push(started.elapsed());
        assert_eq!(records.len(), 50);
    }
    Latencies::of(&mut times)
}

/// A small deterministic random number generator (the same pages every run).
struct Lcg(u64);

impl Lcg {
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}
