//! "No sandbox ever holds more than its quota + 1 MiB, whatever sequence of
//! commands it sends": plain writes (`SET`, `MSET`, `HSET`, `RPUSH`, `SADD`,
//! `ZADD`, `XADD`, `MULTI`) through the console's HTTP API and the
//! gateway's RESP port, on a real `bolide serve --shared` and its own
//! redis-server, with the sandbox's real memory (the sum of `MEMORY USAGE
//! … SAMPLES 0` over its keys, its key index, its console queue and its
//! data indexes) read directly from Redis by the test after every step.
//!
//! Also on a Redis configured to convert small collections earlier than
//! its defaults (Bolide reads the server's thresholds at start).
//!
//! Also: Exercise 1-sized data (45,716 generated hashes) still fits the
//! default 64 MiB quota, through the gateway and the data API. (That each
//! write's bound is an upper bound of what Redis allocates for it:
//! `quota_bounds.rs`.)

mod common;

use std::time::Duration;

use bolide_tests::RedisServer;
use common::{shared_with_gateway as start, Student};
use serde_json::json;

const MIB: u64 = 1 << 20;

/// What the student's sandbox really holds, read from Redis directly.
fn real_bytes(redis: &RedisServer, student: &Student) -> u64 {
    let id = student.namespace.trim_start_matches("{s:").trim_end_matches("}:").to_string();
    let mut data = common::conn(redis.port(), 0);
    let mut keys: Vec<Vec<u8>> =
        redis::cmd("KEYS").arg(format!("{}*", student.namespace)).query(&mut data).expect("KEYS");
    keys.push(format!("{{s:{id}}}!keys").into_bytes());
    let mut sum = common::memory_usage(&mut data, &keys);
    let mut system = common::conn(redis.port(), 15);
    let mut own: Vec<Vec<u8>> =
        redis::cmd("KEYS").arg(format!("bolide:data:{{{id}}}:*")).query(&mut system).expect("KEYS");
    own.push(format!("bolide:sandbox:{{{id}}}:tx").into_bytes());
    sum += common::memory_usage(&mut system, &own);
    sum
}

/// The errors among `replies`, each of which must name the quota.
fn refusals(replies: &[redis::Value], quota: &str) -> usize {
    let mut refused = 0;
    for reply in replies {
        if let redis::Value::ServerError(err) = reply {
            let text = format!("{} {}", err.code(), err.details().unwrap_or_default());
            assert!(text.contains(quota), "a refusal that does not name the quota: {text}");
            refused += 1;
        }
    }
    refused
}

fn within(redis: &RedisServer, student: &Student, quota: u64, what: &str) -> u64 {
    let real = real_bytes(redis, student);
    assert!(
        real <= quota + MIB,
        "{what}: the sandbox holds {real} bytes, past its {quota}-byte quota + 1 MiB"
    );
    real
}

/// Floods of plain writes through the gateway and the console, one
/// student each: never past the quota + 1 MiB, refusals naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sequence_of_plain_writes_passes_the_quota() {
    let quota = 16 * MIB;
    let (redis, bolide) = start(&["--max-session-bytes", &quota.to_string(), "--rate-session", "100000"]);
    let names_quota = "16777216-byte quota";
    let value = "v".repeat(60_000);
    let baseline = common::used_memory(&redis);
    let mut students = Vec::new();

    // 1,000 SETs of 60 KB, pipelined 50 at a time, through the gateway.
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    let mut refused = 0;
    for round in 0..20 {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for i in 0..50 {
            pipe.cmd("SET").arg(format!("s{}", round * 50 + i)).arg(&value);
        }
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        refused += refusals(&replies, names_quota);
        within(&redis, &student, quota, "1,000 SETs of 60 KB");
    }
    assert!(refused > 500, "only {refused} of 1,000 SETs of 60 KB were refused under a 16 MiB quota");
    students.push(student);

    // Pipelined MSETs of 10 big values, and HSETs of many big fields.
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    for round in 0..10 {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for i in 0..5 {
            let mut mset = redis::cmd("MSET");
            for j in 0..10 {
                mset.arg(format!("m{round}-{i}-{j}")).arg(&value);
            }
            pipe.add_command(mset);
            let mut hset = redis::cmd("HSET");
            hset.arg(format!("h{round}"));
            for j in 0..10 {
                hset.arg(format!("f{i}-{j}")).arg(&value);
            }
            pipe.add_command(hset);
        }
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        refusals(&replies, names_quota);
        within(&redis, &student, quota, "MSET and HSET of big values");
    }
    students.push(student);

    // RPUSH, SADD, ZADD and XADD floods of 10 KB elements.
    let element = "e".repeat(10_000);
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    for round in 0..40 {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for i in 0..20 {
            let n = round * 20 + i;
            pipe.cmd("RPUSH").arg("list").arg(&element);
            pipe.cmd("SADD").arg("set").arg(format!("{n}{element}"));
            pipe.cmd("ZADD").arg("zset").arg(n).arg(format!("{n}{element}"));
            pipe.cmd("XADD").arg("stream").arg("*").arg("f").arg(&element);
        }
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        refusals(&replies, names_quota);
        within(&redis, &student, quota, "RPUSH/SADD/ZADD/XADD floods");
    }
    students.push(student);

    // A MULTI of big SETs, through the gateway and the console.
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    for round in 0..10 {
        // MULTI … EXEC as plain commands, to read EXEC's own reply.
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        pipe.cmd("MULTI");
        for i in 0..40 {
            pipe.cmd("SET").arg(format!("t{round}-{i}")).arg(&value);
        }
        pipe.cmd("EXEC");
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        match replies.last() {
            Some(redis::Value::Array(results)) => assert_eq!(refusals(results, names_quota), 0),
            Some(redis::Value::ServerError(err)) => {
                assert!(err.details().unwrap_or_default().contains(names_quota), "{err:?}: {replies:?}")
            }
            other => panic!("EXEC answered {other:?}"),
        }
        within(&redis, &student, quota, "MULTI of big SETs (gateway)");
    }
    students.push(student);
    let mut student = Student::new(&bolide).await;
    for round in 0..8 {
        assert_eq!(student.browser.console("MULTI").await, "OK");
        let mut doomed = false;
        for i in 0..40 {
            let answer = student.browser.console(&format!("SET c{round}-{i} {value}")).await;
            if answer != "QUEUED" {
                assert!(answer.contains(names_quota), "{answer}");
                doomed = true;
            }
        }
        let (_, answer) = student.browser.json("POST", "/api/console", &json!({ "line": "EXEC" })).await;
        let output = answer["output"].as_str().unwrap_or_default();
        if answer["error"] == true {
            assert!(doomed || output.contains(names_quota), "{output}");
        }
        within(&redis, &student, quota, "MULTI of big SETs (console)");
    }
    // The console's plain SETs, one line each.
    for i in 0..50 {
        let (_, answer) = student
            .browser
            .json("POST", "/api/console", &json!({ "line": format!("SET p{i} {value}") }))
            .await;
        if answer["error"] == true {
            assert!(answer["output"].as_str().unwrap_or_default().contains(names_quota), "{answer}");
        }
    }
    within(&redis, &student, quota, "console SETs");
    students.push(student);

    // Two sessions of one sandbox racing: two gateway connections at once.
    let student = Student::new(&bolide).await;
    let racers: Vec<_> = (0..2)
        .map(|who| {
            let mut gateway = student.gateway_client();
            let value = value.clone();
            tokio::task::spawn_blocking(move || {
                for round in 0..15 {
                    let mut pipe = redis::pipe();
                    pipe.ignore_errors();
                    for i in 0..30 {
                        pipe.cmd("SET").arg(format!("r{who}-{round}-{i}")).arg(&value);
                    }
                    let _: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
                }
            })
        })
        .collect();
    for racer in racers {
        racer.await.expect("racer");
    }
    within(&redis, &student, quota, "two racing connections");
    students.push(student);

    // Redis as a whole: the sum of the quotas plus a fixed overhead.
    let sum = students.len() as u64 * (quota + MIB);
    let used = common::used_memory(&redis);
    assert!(used <= baseline + sum + 16 * MIB, "Redis uses {used} bytes, past the quotas' {sum} + 16 MiB");
    // Deleting makes room again, at the latest when the room runs out.
    let student = &students[0];
    let mut gateway = student.gateway_client();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut gateway).expect("KEYS");
    for key in keys {
        let _: i64 = redis::cmd("DEL").arg(key).query(&mut gateway).expect("DEL");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let _: () = redis::cmd("SET").arg("again").arg(&value).query(&mut gateway).expect("room again");
}

/// Exercise 1's data (45,716 hashes of about ten small fields, ~20 MB
/// real) loads under the default 64 MiB quota: pipelined `HSET`s through
/// the gateway, all of them in one transaction (twice: the second over the
/// first's keys), and the data API's generator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exercise_one_fits_the_default_quota() {
    let (redis, bolide) = start(&[]);
    let dataset = bolide::data::generate::generate(45_716, 7);
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    for chunk in dataset.landings.chunks(1000) {
        let mut pipe = redis::pipe();
        for landing in chunk {
            let mut hset = redis::cmd("HSET");
            hset.arg(format!("meteorite:{}", landing.id()));
            for (field, value) in &landing.fields {
                hset.arg(field).arg(value);
            }
            pipe.add_command(hset).ignore();
        }
        pipe.exec(&mut gateway).expect("every HSET of Exercise 1 fits");
    }
    let real = within(&redis, &student, 64 * MIB, "Exercise 1 through the gateway");
    println!("Exercise 1 through the gateway: {real} bytes");
    assert!(real < 64 * MIB);

    // redis-py's `pipeline()` is a transaction by default: all 45,716
    // landings in one MULTI, its bound reserved at its EXEC — loaded, then
    // loaded again over what it loaded (a student running it twice).
    let loader = Student::new(&bolide).await;
    let mut gateway = loader.gateway_client();
    for run in ["loaded", "loaded again"] {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        pipe.cmd("MULTI").ignore();
        for landing in &dataset.landings {
            let mut hset = redis::cmd("HSET");
            hset.arg(format!("meteorite:{}", landing.id()));
            for (field, value) in &landing.fields {
                hset.arg(field).arg(value);
            }
            pipe.add_command(hset).ignore();
        }
        pipe.cmd("EXEC");
        let (exec,): (redis::Value,) = pipe.query(&mut gateway).expect("pipeline");
        match exec {
            redis::Value::Array(replies) => {
                assert_eq!(replies.len(), dataset.landings.len());
                assert!(!replies.iter().any(|r| matches!(r, redis::Value::ServerError(_))), "{run}");
            }
            other => panic!("Exercise 1 in one transaction ({run}) does not fit: {other:?}"),
        }
        let real = within(&redis, &loader, 64 * MIB, "Exercise 1 in one transaction");
        println!("Exercise 1 in one transaction, {run}: {real} bytes");
    }

    let mut other = Student::new(&bolide).await;
    let (status, json) = other.browser.send("POST", "/api/data/generate?n=45716", None, vec![]).await;
    assert_eq!(status.as_u16(), 200, "{json}");
    let real = within(&redis, &other, 64 * MIB, "Exercise 1 through the data API");
    println!("Exercise 1 through the data API: {real} bytes");
}

/// Resetting the count from a measurement keeps the room given out and
/// not yet spent (this process's lease), so it cannot be spent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measurement_keeps_the_leases_counted() {
    use bolide::sandbox::headroom::LEASE;
    use bolide::sandbox::Tenancy;
    use bolide::server::{app, AppState, StateOptions};
    use bolide_shared::api::RedisMode;

    let redis = RedisServer::start();
    let state =
        AppState::build(&redis.url(), StateOptions::new(RedisMode::External, Tenancy::Shared)).expect("url");
    let router = app(state.clone(), std::path::Path::new("/nonexistent-dist"));
    let mut browser = common::Client::new(&router);
    assert_eq!(browser.console("SET a v").await, "OK");
    let mut data = common::conn(redis.port(), 0);
    let keys: Vec<String> = redis::cmd("KEYS").arg("{s:*").query(&mut data).expect("KEYS");
    let id = keys
        .iter()
        .find_map(|k| k.strip_prefix("{s:")?.split('}').next())
        .expect("a key of the sandbox")
        .to_string();
    let mut system = common::conn(redis.port(), 15);
    let record = format!("bolide:sandbox:{{{id}}}");
    let used = |system: &mut redis::Connection| -> u64 {
        redis::cmd("HGET").arg(&record).arg("used").query::<Option<u64>>(system).expect("HGET").unwrap_or(0)
    };
    let leased = used(&mut system);
    assert!(leased >= LEASE, "one lease taken: {leased}");
    bolide::console::housekeeping::round(state.relay()).await.expect("round");
    let measured = used(&mut system);
    let real = common::memory_usage(
        &mut data,
        &[format!("{{s:{id}}}:a").into_bytes(), format!("{{s:{id}}}!keys").into_bytes()],
    );
    assert!(measured >= real + LEASE, "the lease was forgotten: {measured} < {real} + {LEASE}");
    assert!(measured <= real + leased + 4096, "counted twice: {measured}");
}

/// A change of encoding: thousands of small sets of integers (intsets,
/// 1.3 KB each), measured small, then each tipped over into a hashtable
/// (24.7 KB each) by one `SADD` — and the same for sorted sets and hashes.
/// The conversion is reserved before the write, so the sandbox stays
/// within its quota.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_encoding_is_reserved_before_the_write() {
    let quota = 16 * MIB;
    let (redis, bolide) = start(&["--max-session-bytes", &quota.to_string(), "--rate-session", "100000"]);
    let names_quota = "16777216-byte quota";
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    let members: Vec<u32> = (1..=512).collect();
    let scores: Vec<(u32, String)> = (1..=128).map(|n| (n, format!("m{n}"))).collect();
    // Made small: 2,000 intsets and 1,000 listpack sorted sets (about 4 MB).
    // (100 to a pipeline: each reserves its members at their full cost,
    // ~30 KB, until a measurement counts them small; one refused while the
    // measurement is not due yet is sent again.)
    for round in 0..30 {
        let mut missing: Vec<usize> = (round * 100..round * 100 + 100).collect();
        for _ in 0..50 {
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for n in &missing {
                if *n < 2000 {
                    pipe.cmd("SADD").arg(format!("s{n}")).arg(&members);
                } else {
                    pipe.cmd("ZADD").arg(format!("z{n}")).arg(&scores);
                }
            }
            let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
            refusals(&replies, names_quota);
            let refused = |reply: &redis::Value| matches!(reply, redis::Value::ServerError(_));
            missing = missing.into_iter().zip(&replies).filter(|(_, r)| refused(r)).map(|(n, _)| n).collect();
            if missing.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        assert!(missing.is_empty(), "small collections fit, once measured: {} refused", missing.len());
    }
    let compact = within(&redis, &student, quota, "small collections");
    assert!(compact < 8 * MIB, "{compact}");
    let key = format!("{}s0", student.namespace);
    let encoding: String =
        redis::cmd("OBJECT").arg("ENCODING").arg(key).query(&mut redis.connection()).expect("OBJECT");
    assert_eq!(encoding, "intset");
    // Tipped over, 250 at a time: 3,000 × ~20 KB would be ~60 MB.
    let mut refused = 0;
    for round in 0..12 {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for i in 0..250 {
            let n = round * 250 + i;
            if n < 2000 {
                pipe.cmd("SADD").arg(format!("s{n}")).arg("x");
            } else {
                pipe.cmd("ZADD").arg(format!("z{n}")).arg(0).arg("m0");
            }
        }
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        refused += refusals(&replies, names_quota);
        within(&redis, &student, quota, "collections converted to their full encoding");
    }
    assert!(refused > 1000, "only {refused} of 3,000 conversions were refused under a 16 MiB quota");
}

/// On a Redis configured to convert at 8 entries (below its defaults of
/// 128 and 512), small hashes, sorted sets and sets of 20 are hashtables
/// and skip lists, about twice what they would take as the listpacks and
/// intsets Redis's defaults keep them in: Bolide prices them by the
/// thresholds it read from the server at start, so a sandbox filling its
/// quota with them stays within its quota + 1 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_compact_thresholds_bound_the_writes() {
    let quota = 4 * MIB;
    let low = [
        ("hash-max-listpack-entries", "8"),
        ("zset-max-listpack-entries", "8"),
        ("set-max-intset-entries", "8"),
    ];
    let redis = RedisServer::start_configured(&low);
    let bolide =
        common::shared_on(&redis, &["--max-session-bytes", &quota.to_string(), "--rate-session", "100000"]);
    let names_quota = "4194304-byte quota";
    let student = Student::new(&bolide).await;
    let mut gateway = student.gateway_client();
    let pairs: Vec<(String, u32)> = (0..20).map(|i| (format!("f{i}"), i)).collect();
    let scores: Vec<(u32, String)> = (0..20).map(|i| (i, format!("m{i}"))).collect();
    let integers: Vec<u32> = (0..20).collect();
    let mut refused = 0;
    // 2,000 of each, 50 of each to a pipeline: ~10 MB in Redis were they
    // all let through.
    for round in 0..40 {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for i in 0..50 {
            let n = round * 50 + i;
            pipe.cmd("HSET").arg(format!("h{n}")).arg(&pairs);
            pipe.cmd("ZADD").arg(format!("z{n}")).arg(&scores);
            pipe.cmd("SADD").arg(format!("s{n}")).arg(&integers);
        }
        let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
        refused += refusals(&replies, names_quota);
        within(&redis, &student, quota, "collections past the server's thresholds");
    }
    let key = format!("{}h0", student.namespace);
    let encoding: String =
        redis::cmd("OBJECT").arg("ENCODING").arg(key).query(&mut redis.connection()).expect("OBJECT");
    assert_eq!(encoding, "hashtable", "20 fields past the server's 8");
    let real = within(&redis, &student, quota, "in the end");
    println!("{refused} of 6,000 writes refused; the sandbox holds {real} bytes of its {quota}");
    assert!(refused > 1000, "only {refused} of 6,000 writes were refused under a 4 MiB quota");
}
