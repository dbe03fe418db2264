//! `bolide::jobs::analysis::compute_cached` against a real `redis-server`:
//! whatever other clients do to the data between two jobs (edit a record,
//! create one, delete one, change its type, reload everything, flush,
//! restart Redis), a job over the worker's record cache gives exactly what
//! a fresh `compute` reading every hash gives — and a job over unchanged
//! data is served from memory (no `SCAN`: Redis's own command statistics
//! say so).

mod common;

use std::time::Instant;

use bolide::data::generate;
use bolide::jobs::analysis::{compute, compute_cached, CacheLimits, RecordCache};
use bolide::redis_conn::Connection;
use bolide::sandbox::Owner;
use bolide_shared::jobs::*;
use bolide_tests::RedisServer;
use common::{announce, assert_results_match, data_conn, load, p50, timing_dataset};
use tokio::sync::watch;

// As in the `bolide` binary, so the timing below is the worker's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs one command on `conn` (a blocking connection: another client, as
/// the console would be).
fn exec(conn: &mut redis::Connection, args: &[&str]) {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    let _: redis::Value = cmd.query(conn).unwrap_or_else(|err| panic!("{args:?}: {err}"));
}

/// How many walks of keys Redis has served: `SCAN`s (local mode) and
/// `ZSCAN`s (shared mode reads a sandbox's key index).
fn scans(conn: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(conn).expect("INFO");
    let calls = |command: &str| -> u64 {
        info.lines()
            .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .and_then(|calls| calls.parse().ok())
            .unwrap_or(0)
    };
    calls("scan") + calls("zscan")
}

/// How close a cached sum of floats must come to a fresh one, relatively:
/// summing in another order may round differently, in the last bits only.
const SUM_TOLERANCE: f64 = 1e-12;

/// Runs `analysis` both ways and checks they agree (progress ends at 100
/// on the cached side too); returns the result and whether the cached run
/// read the scope whole (`SCAN`ned).
async fn both(
    redis: &RedisServer,
    conn: &mut Connection,
    cache: &RecordCache,
    scope: &Owner,
    analysis: Analysis,
    params: &JobParams,
) -> ((u64, AnalysisResult), bool) {
    let label = format!("{} for {scope:?} with {params:?}", analysis.name());
    let mut stats = redis.connection();
    let before = scans(&mut stats);
    let (progress, watcher) = watch::channel(0u8);
    let cached = compute_cached(cache, scope, analysis, params, &progress).await.expect(&label);
    assert_eq!(*watcher.borrow(), 100, "{label}: progress ends at 100");
    let scanned = scans(&mut stats) > before;
    let (progress, _watcher) = watch::channel(0u8);
    let fresh = compute(conn, scope, analysis, params, &progress).await.expect(&label);
    assert_eq!(cached.0, fresh.0, "{label}: records that passed");
    assert_results_match(&label, &cached.1, &fresh.1, SUM_TOLERANCE);
    (cached, scanned)
}

fn counts(result: &AnalysisResult) -> &CountPerClass {
    match result {
        AnalysisResult::CountPerClass(counts) => counts,
        other => panic!("not a count per class: {other:?}"),
    }
}

fn filter_sets() -> Vec<JobParams> {
    vec![
        JobParams::default(),
        JobParams { class: Some("L6".into()), ..Default::default() },
        JobParams { fall: Some("Fell".into()), ..Default::default() },
        JobParams { year_min: Some(1950), year_max: Some(2000), ..Default::default() },
        JobParams { mass_min: Some(10.0), mass_max: Some(1000.0), ..Default::default() },
        JobParams { class: Some("H5".into()), fall: Some("Found".into()), ..Default::default() },
    ]
}

fn options(analysis: Analysis, params: &JobParams) -> JobParams {
    match analysis {
        Analysis::TopHeaviest => JobParams { n: Some(7), ..params.clone() },
        Analysis::DensityGrid => JobParams { cell_degrees: Some(10.0), ..params.clone() },
        _ => params.clone(),
    }
}

#[tokio::test]
async fn cached_results_equal_computed_ones_and_unchanged_data_is_not_read_again() {
    let redis = RedisServer::start();
    let scope = Owner::local();
    load(&redis, &scope, &generate::generate(2_000, 11)).await;
    let mut c = redis.connection();
    // What students do by hand: a record with none of the fields, one
    // without a class, a key of another type, a key that is no record.
    exec(&mut c, &["HSET", "meteorite:bare", "note", "none of the analysed fields"]);
    exec(&mut c, &["HDEL", "meteorite:12", "recclass", "fall"]);
    exec(&mut c, &["HSET", "meteorite:8", "year", "2101"]);
    exec(&mut c, &["SET", "meteorite:notes", "a string"]);
    exec(&mut c, &["HSET", "other:1", "recclass", "L6"]);
    let mut conn = data_conn(&redis).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");

    let mut cold_reads = 0;
    for analysis in Analysis::ALL {
        for params in filter_sets() {
            let (_, scanned) =
                both(&redis, &mut conn, &cache, &scope, analysis, &options(analysis, &params)).await;
            cold_reads += u32::from(scanned);
        }
    }
    assert_eq!(cold_reads, 1, "only the first job reads the scope whole");
    assert_eq!(cache.cached_records(&scope), Some(2_000 + 1), "the records and meteorite:bare");
    let ((records, result), _) =
        both(&redis, &mut conn, &cache, &scope, Analysis::CountPerClass, &JobParams::default()).await;
    assert_eq!(records, 2_001);
    assert_eq!(counts(&result).without_class, 2, "meteorite:12 and meteorite:bare");
}

#[tokio::test]
async fn writes_by_other_clients_show_in_the_next_cached_job() {
    let redis = RedisServer::start();
    let scope = Owner::local();
    load(&redis, &scope, &generate::generate(1_000, 5)).await;
    let mut conn = data_conn(&redis).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");
    let count = Analysis::CountPerClass;
    let all = JobParams::default();
    let (_, scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(scanned, "the first job reads everything");

    let mut c = redis.connection();
    let edits: Vec<(&str, Vec<&str>)> = vec![
        ("a record's class", vec!["HSET", "meteorite:1", "recclass", "Edited class"]),
        ("a new record", vec!["HSET", "meteorite:999999", "recclass", "Brand new", "mass (g)", "12"]),
        ("a record deleted", vec!["DEL", "meteorite:2"]),
        ("a field removed", vec!["HDEL", "meteorite:3", "recclass"]),
        ("a record renamed", vec!["RENAME", "meteorite:4", "meteorite:4000"]),
        ("a record moved out", vec!["RENAME", "meteorite:5", "archived:5"]),
    ];
    for (what, args) in &edits {
        exec(&mut c, args);
        for analysis in [count, Analysis::AverageMass, Analysis::TopHeaviest] {
            let (_, scanned) = both(&redis, &mut conn, &cache, &scope, analysis, &all).await;
            assert!(!scanned, "{what}: only the changed keys are read again");
        }
    }
    let ((records, result), _) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert_eq!(records, 1_000 + 1 - 1 - 1, "one created, one deleted, one moved out");
    assert_eq!(counts(&result).counts.get("Edited class"), Some(&1));
    assert_eq!(counts(&result).counts.get("Brand new"), Some(&1));

    // A record replaced by a string, and one that expires.
    exec(&mut c, &["DEL", "meteorite:6"]);
    exec(&mut c, &["SET", "meteorite:6", "not a hash any more"]);
    exec(&mut c, &["PEXPIRE", "meteorite:7", "1"]);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    exec(&mut c, &["EXISTS", "meteorite:7"]); // expires it now, if Redis has not yet
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(!scanned);
    assert_eq!(records, 999 - 2);

    // A transaction of many writes, then a reload of a whole new dataset.
    let mut pipe = redis::pipe();
    pipe.atomic();
    for id in 100..200 {
        pipe.cmd("HSET").arg(format!("meteorite:{id}")).arg("recclass").arg("Batch").ignore();
    }
    let () = pipe.query(&mut c).expect("MULTI");
    let ((_, result), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(!scanned);
    assert_eq!(counts(&result).counts.get("Batch"), Some(&100));
    load(&redis, &scope, &generate::generate(1_500, 6)).await;
    for analysis in Analysis::ALL {
        let (_, scanned) = both(&redis, &mut conn, &cache, &scope, analysis, &all).await;
        assert!(!scanned, "{}: a reload is a batch of changed keys", analysis.name());
    }
    // Records made by hand (meteorite:999999, meteorite:4000) are not in
    // Bolide's indexes, so a reload keeps them: the cache agrees with Redis.
    let ((records, _), _) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert_eq!(records, 1_502);
    assert_eq!(cache.cached_records(&scope), Some(1_502));

    // FLUSHDB says "everything changed": the cache is dropped and read
    // again (empty), then fills with what comes next.
    exec(&mut c, &["FLUSHDB"]);
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(scanned, "after a flush the scope is read whole");
    assert_eq!(records, 0);
    exec(&mut c, &["HSET", "meteorite:1", "recclass", "After the flush"]);
    let ((records, result), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(!scanned);
    assert_eq!(records, 1);
    assert_eq!(counts(&result).counts.get("After the flush"), Some(&1));
    // FLUSHALL too.
    exec(&mut c, &["FLUSHALL"]);
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(scanned);
    assert_eq!(records, 0);
}

#[tokio::test]
async fn jobs_cancelled_mid_refresh_lose_no_change() {
    let redis = RedisServer::start();
    let scope = Owner::local();
    load(&redis, &scope, &generate::generate(4_000, 8)).await;
    let mut conn = data_conn(&redis).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");
    let (count, all) = (Analysis::CountPerClass, JobParams::default());
    both(&redis, &mut conn, &cache, &scope, count, &all).await;
    // Thousands of changed keys (several re-read batches), and jobs cut
    // short at every stage of bringing the cache up to date, as a cancelled
    // job's aborted task would be.
    let mut c = redis.connection();
    let mut pipe = redis::pipe();
    for id in 1..=3_500 {
        pipe.cmd("HSET")
            .arg(format!("meteorite:{id}"))
            .arg("recclass")
            .arg(format!("Changed {}", id % 7))
            .ignore();
    }
    let () = pipe.query(&mut c).expect("HSET");
    let (progress, _watcher) = watch::channel(0u8);
    for micros in [0, 20, 50, 100, 200, 400, 800, 1_600, 3_200, 6_400] {
        let job = compute_cached(&cache, &scope, count, &all, &progress);
        let _ = tokio::time::timeout(std::time::Duration::from_micros(micros), job).await;
        exec(&mut c, &["HSET", &format!("meteorite:{}", 3_600 + micros), "recclass", "Changed later"]);
    }
    let ((_, result), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(!scanned, "still served from the cache");
    assert_eq!(counts(&result).counts.get("Changed later"), Some(&10));
}

#[tokio::test]
async fn shared_mode_scopes_are_cached_apart() {
    let redis = RedisServer::start();
    let ours = Owner::for_session("aaaa1111");
    let theirs = Owner::for_session("bbbb2222");
    let local = Owner::local();
    load(&redis, &ours, &generate::generate(300, 1)).await;
    load(&redis, &theirs, &generate::generate(200, 2)).await;
    load(&redis, &local, &generate::generate(100, 3)).await;
    let mut conn = data_conn(&redis).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");
    let count = Analysis::CountPerClass;
    let all = JobParams::default();
    for scope in [&ours, &theirs, &local] {
        let (_, scanned) = both(&redis, &mut conn, &cache, scope, count, &all).await;
        assert!(scanned);
    }
    let mut c = redis.connection();
    exec(&mut c, &["HSET", &ours.record_key("1"), "recclass", "Only ours"]);
    exec(&mut c, &["HSET", &ours.record_key("new"), "recclass", "Only ours"]);
    let mut new = redis::pipe();
    announce(&mut new, &ours, [ours.record_key("new")]);
    let () = new.query(&mut c).expect("ZADD");
    exec(&mut c, &["DEL", &theirs.record_key("1")]);
    for scope in [&ours, &theirs, &local] {
        let ((_, result), scanned) = both(&redis, &mut conn, &cache, scope, count, &all).await;
        assert!(!scanned);
        let only_ours = counts(&result).counts.get("Only ours").copied();
        assert_eq!(only_ours, (scope == &ours).then_some(2), "{scope:?}");
    }
    assert_eq!(cache.cached_records(&ours), Some(301));
    assert_eq!(cache.cached_records(&theirs), Some(199));
    assert_eq!(cache.cached_records(&local), Some(100));
}

#[tokio::test]
async fn a_restarted_redis_drops_the_cache_and_the_next_job_reads_afresh() {
    let mut redis = RedisServer::start_persistent();
    let scope = Owner::local();
    load(&redis, &scope, &generate::generate(500, 9)).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");
    let count = Analysis::CountPerClass;
    let all = JobParams::default();
    {
        let mut conn = data_conn(&redis).await;
        let (_, scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
        assert!(scanned);
    }
    redis.restart();
    // Changed while no tracking connection was there to hear it.
    let mut c = redis.connection();
    exec(&mut c, &["HSET", "meteorite:1", "recclass", "Written after the restart"]);
    exec(&mut c, &["DEL", "meteorite:2"]);
    let mut conn = data_conn(&redis).await;
    let ((records, result), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(scanned, "a lost tracking connection means reading everything again");
    assert_eq!(records, 499);
    assert_eq!(counts(&result).counts.get("Written after the restart"), Some(&1));
    exec(&mut c, &["DEL", "meteorite:3"]);
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &scope, count, &all).await;
    assert!(!scanned, "and tracking again afterwards");
    assert_eq!(records, 498);
}

#[tokio::test]
async fn a_job_fails_cleanly_while_redis_is_down_and_succeeds_once_it_is_back() {
    let mut redis = RedisServer::start_persistent();
    let scope = Owner::local();
    load(&redis, &scope, &generate::generate(200, 4)).await;
    let cache = RecordCache::new(&redis.url()).expect("cache");
    let (progress, _watcher) = watch::channel(0u8);
    let all = JobParams::default();
    compute_cached(&cache, &scope, Analysis::CountPerClass, &all, &progress).await.expect("warm");
    redis.kill();
    let down = compute_cached(&cache, &scope, Analysis::CountPerClass, &all, &progress).await;
    assert!(matches!(down, Err(bolide::jobs::analysis::AnalysisError::Redis(_))), "{down:?}");
    assert_eq!(cache.cached_records(&scope), None);
    redis.restart();
    let mut conn = data_conn(&redis).await;
    let ((records, _), scanned) =
        both(&redis, &mut conn, &cache, &scope, Analysis::CountPerClass, &all).await;
    assert!(scanned);
    assert_eq!(records, 200);
}

#[tokio::test]
async fn limits_bound_what_is_cached_least_recently_used_first() {
    let redis = RedisServer::start();
    let [a, b, big, d] = ["aaaa0001", "bbbb0002", "cccc0003", "dddd0004"].map(Owner::for_session);
    load(&redis, &a, &generate::generate(300, 1)).await;
    load(&redis, &b, &generate::generate(150, 2)).await;
    load(&redis, &big, &generate::generate(600, 3)).await;
    load(&redis, &d, &generate::generate(100, 4)).await;
    let mut conn = data_conn(&redis).await;
    let limits = CacheLimits { max_records: 500, max_scopes: 2 };
    let cache = RecordCache::with_limits(&redis.url(), limits).expect("cache");
    let count = Analysis::CountPerClass;
    let all = JobParams::default();
    let cached = |scopes: [&Owner; 4]| scopes.map(|scope| cache.cached_records(scope));

    both(&redis, &mut conn, &cache, &a, count, &all).await;
    both(&redis, &mut conn, &cache, &b, count, &all).await;
    assert_eq!(cached([&a, &b, &big, &d]), [Some(300), Some(150), None, None]);
    // Larger than the whole budget: never cached, still right, and the
    // others are left alone.
    for _ in 0..2 {
        let ((records, _), scanned) = both(&redis, &mut conn, &cache, &big, count, &all).await;
        assert!(scanned);
        assert_eq!(records, 600);
    }
    assert_eq!(cached([&a, &b, &big, &d]), [Some(300), Some(150), None, None]);
    // A third scope: the least recently used one (a) makes room.
    both(&redis, &mut conn, &cache, &d, count, &all).await;
    assert_eq!(cached([&a, &b, &big, &d]), [None, Some(150), None, Some(100)]);
    // a again: 300 + 150 + 100 records is over budget, b goes.
    let (_, scanned) = both(&redis, &mut conn, &cache, &a, count, &all).await;
    assert!(scanned);
    assert_eq!(cached([&a, &b, &big, &d]), [Some(300), None, None, Some(100)]);
    // A scope that grows past the whole budget is dropped after its job.
    let mut grow = redis::pipe();
    for id in 0..450 {
        grow.cmd("HSET").arg(d.record_key(&format!("grown{id}"))).arg("recclass").arg("L6").ignore();
    }
    announce(&mut grow, &d, (0..450).map(|id| d.record_key(&format!("grown{id}"))));
    let () = grow.query(&mut redis.connection()).expect("HSET");
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &d, count, &all).await;
    assert!(!scanned, "the new records came as invalidations");
    assert_eq!(records, 550);
    assert_eq!(cached([&a, &b, &big, &d]), [Some(300), None, None, None]);
    let ((records, _), scanned) = both(&redis, &mut conn, &cache, &d, count, &all).await;
    assert!(scanned);
    assert_eq!(records, 550);
    assert_eq!(cached([&a, &b, &big, &d]), [Some(300), None, None, None]);
}

// ---------------------------------------------------------------------------
// Timing (not a test).

/// Cold and warm `count_per_class` over NASA's 45,716 landings
/// (`BOLIDE_NASA_JSON`, default `../shared/data/Meteorite_Landings.json`;
/// generated landings if the file is absent): p50 of 20 runs each of
/// `compute` (reads every hash), `compute_cached` on a new cache (a cold
/// read, which also fills the cache) and on a warm one (a `PING` and the
/// count in memory), and warm after one record changed. Run it in release
/// mode: `cargo test --release -p bolide --test jobs_cache -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a timing, not a test: run by hand in release mode"]
async fn count_per_class_cold_and_warm_timing() {
    let dataset = timing_dataset();
    let redis = RedisServer::start();
    let scope = Owner::local();
    load(&redis, &scope, &dataset).await;
    let mut conn = data_conn(&redis).await;
    let params = JobParams::default();
    let (progress, _watcher) = watch::channel(0u8);
    const RUNS: usize = 20;
    let time = |started: Instant| started.elapsed().as_secs_f64() * 1e3;

    let mut uncached = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let (records, _) =
            compute(&mut conn, &scope, Analysis::CountPerClass, &params, &progress).await.expect("count");
        uncached.push(time(started));
        assert_eq!(records, dataset.len() as u64);
    }
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        let cache = RecordCache::new(&redis.url()).expect("cache");
        let started = Instant::now();
        let (records, _) =
            compute_cached(&cache, &scope, Analysis::CountPerClass, &params, &progress).await.expect("count");
        cold.push(time(started));
        assert_eq!(records, dataset.len() as u64);
    }
    let cache = RecordCache::new(&redis.url()).expect("cache");
    compute_cached(&cache, &scope, Analysis::CountPerClass, &params, &progress).await.expect("fill");
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let (records, _) =
            compute_cached(&cache, &scope, Analysis::CountPerClass, &params, &progress).await.expect("count");
        warm.push(time(started));
        assert_eq!(records, dataset.len() as u64);
    }
    let mut c = redis.connection();
    let mut changed = Vec::new();
    for run in 0..RUNS {
        let class = format!("Edited {run}");
        exec(&mut c, &["HSET", &scope.record_key("1"), "recclass", &class]);
        let started = Instant::now();
        let (_, result) =
            compute_cached(&cache, &scope, Analysis::CountPerClass, &params, &progress).await.expect("count");
        changed.push(time(started));
        assert_eq!(counts(&result).counts.get(&class), Some(&1));
    }
    let (uncached, cold, warm, changed) = (p50(uncached), p50(cold), p50(warm), p50(changed));
    println!("count_per_class over {} records, p50 of {RUNS} runs each:", dataset.len());
    println!("  compute (reads every hash):             {uncached:.2} ms");
    println!("  compute_cached, cold (new cache):       {cold:.2} ms ({:.2}x compute)", cold / uncached);
    println!("  compute_cached, warm:                   {warm:.2} ms ({:.3}x compute)", warm / uncached);
    println!(
        "  compute_cached, warm, 1 record changed: {changed:.2} ms ({:.3}x compute)",
        changed / uncached
    );
}
