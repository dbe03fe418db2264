//! The bounds each write reserves ([`bolide::console::cost`]) are true
//! upper bounds of what Redis 7 allocates for it: per family, each case's
//! writes costed as the relay costs them (their probes first, the writes
//! before them in the same pipeline counted), then run on a real
//! redis-server, their reservations summed and compared with the keys'
//! `MEMORY USAGE … SAMPLES 0` and the growth of `used_memory` — on a
//! server with Redis's default compact-encoding thresholds, and on one
//! configured with low ones (read from it, as `bolide serve` reads them);
//! and on one that refuses `CONFIG`, the fallback: nothing compact.

mod common;

use bolide::console::cost::{self, plan, Earlier, Encodings};
use bolide::console::Limits;
use bolide_shared::commands::resolve;
use bolide_tests::RedisServer;

/// The shared mode's limits with the compact-encoding thresholds of the
/// server behind `conn`, as `bolide serve` reads them at start.
fn limits_of(conn: &mut redis::Connection) -> Limits {
    let replies: Vec<redis::Value> = Encodings::request().query(conn).expect("CONFIG GET");
    Limits { encodings: Encodings::from_replies(&replies).expect("read"), ..Limits::SHARED }
}

/// What the relay reserves for `words`: the command's plan, from the
/// sizes it probes (with its probes), counting what the commands before it
/// in the same pipeline add (`earlier`), as the relay costs a segment.
fn bound(limits: &Limits, conn: &mut redis::Connection, earlier: &mut Earlier, words: &[Vec<u8>]) -> u64 {
    let spec = resolve(words).expect("known");
    let needs = cost::needs(limits, spec, words);
    let replies: Vec<redis::Value> = match needs.is_empty() {
        true => Vec::new(),
        false => cost::probe_pipeline(&needs).query(conn).expect("probes"),
    };
    let sizes = earlier.sizes(&cost::read_sizes(&needs, &replies), &needs);
    earlier.note(limits, spec, words, &sizes);
    plan(limits, spec, words, &sizes, false).cost.grow_bytes
}

/// Every family's reserved bound is at least what Redis allocates for it.
#[test]
fn write_bounds_are_upper_bounds_of_redis_memory() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    let limits = limits_of(&mut conn);
    println!("the server's thresholds: {:?}", limits.encodings);
    let bound = |conn: &mut redis::Connection, earlier: &mut Earlier, words: &[Vec<u8>]| {
        bound(&limits, conn, earlier, words)
    };
    let words = |list: &[&str]| list.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
    // Each case: its commands, the keys they make.
    let small = |i: usize| format!("v{}", i % 1000);
    let big = "x".repeat(60_000);
    let mut cases: Vec<(&str, Vec<Vec<Vec<u8>>>)> = Vec::new();
    cases.push((
        "10,000 HSETs of small fields (a hashtable)",
        (0..10_000).map(|i| words(&["HSET", "{s:t}:h", &format!("f{i}"), &small(i)])).collect(),
    ));
    cases.push((
        "2,000 hashes of 10 small fields (listpacks)",
        (0..2000)
            .map(|i| {
                let mut w = vec!["HSET".to_string(), format!("{{s:t}}:meteorite:{i}")];
                for f in
                    ["id", "name", "nametype", "recclass", "mass", "fall", "year", "reclat", "reclong", "geo"]
                {
                    w.push(f.to_string());
                    w.push(format!("{f}-{}", i * 7 % 1000));
                }
                w.into_iter().map(String::into_bytes).collect()
            })
            .collect(),
    ));
    cases.push((
        "100 hashes grown 4 small fields at a time past 512 (listpacks, then hashtables)",
        (0..100)
            .flat_map(|h| {
                (0..140).map(move |i| {
                    let mut w = vec!["HSET".to_string(), format!("{{s:t}}:g{h}")];
                    for j in 0..4 {
                        w.push(format!("f{}", i * 4 + j));
                        w.push(format!("{}", i * j));
                    }
                    w.into_iter().map(String::into_bytes).collect()
                })
            })
            .collect(),
    ));
    cases.push((
        "2,000 sorted sets of 20 scores Redis writes long (listpacks)",
        (0..2000)
            .map(|i| {
                let mut w = vec!["ZADD".to_string(), format!("{{s:t}}:zl{i}")];
                for j in 0..20 {
                    w.push(format!("1e{}", 280 + j));
                    w.push(format!("m{j}"));
                }
                w.into_iter().map(String::into_bytes).collect()
            })
            .collect(),
    ));
    cases.push((
        "1,000 intsets of 200 small integers, widened by one past 16 bits",
        (0..1000)
            .flat_map(|i| {
                let small: Vec<String> = (1..=200).map(|n: i64| n.to_string()).collect();
                let mut first = vec!["SADD".to_string(), format!("{{s:t}}:w{i}")];
                first.extend(small);
                let wide = vec!["SADD".to_string(), format!("{{s:t}}:w{i}"), i64::MAX.to_string()];
                [first, wide].map(|w| w.into_iter().map(String::into_bytes).collect::<Vec<_>>())
            })
            .collect(),
    ));
    cases.push((
        "1,000 intsets of 100 integers, converted by \"01\" (not an integer to Redis)",
        (0..1000)
            .flat_map(|i| {
                let mut first = vec!["SADD".to_string(), format!("{{s:t}}:c{i}")];
                first.extend((1..=100).map(|n: i64| n.to_string()));
                let string = vec!["SADD".to_string(), format!("{{s:t}}:c{i}"), "01".to_string()];
                [first, string].map(|w| w.into_iter().map(String::into_bytes).collect::<Vec<_>>())
            })
            .collect(),
    ));
    cases.push((
        "1,000 INCRBYFLOATs and HINCRBYFLOATs of 1e4000 (4,001 digits written)",
        (0..1000)
            .flat_map(|i| {
                [
                    words(&["INCRBYFLOAT", &format!("{{s:t}}:f{i}"), "1e4000"]),
                    words(&["HSET", &format!("{{s:t}}:hf{i}"), "a", "1"]),
                    words(&["HINCRBYFLOAT", &format!("{{s:t}}:hf{i}"), "b", "1e4000"]),
                ]
            })
            .collect(),
    ));
    cases.push((
        "100 SETs of 60 KB",
        (0..100).map(|i| words(&["SET", &format!("{{s:t}}:big{i}"), &big])).collect(),
    ));
    cases.push((
        "10,000 small SETs",
        (0..10_000).map(|i| words(&["SET", &format!("{{s:t}}:k{i}"), &small(i)])).collect(),
    ));
    cases.push(("10,000 RPUSHes", (0..10_000).map(|i| words(&["RPUSH", "{s:t}:l", &small(i)])).collect()));
    cases.push(("200 LPUSHes of 60 KB", (0..200).map(|_| words(&["LPUSH", "{s:t}:bl", &big])).collect()));
    cases.push((
        "10,000 SADDs of integers",
        (0..10_000).map(|i| words(&["SADD", "{s:t}:si", &i.to_string()])).collect(),
    ));
    cases.push((
        "10,000 SADDs of strings",
        (0..10_000).map(|i| words(&["SADD", "{s:t}:ss", &format!("member-{i}")])).collect(),
    ));
    cases.push((
        "10,000 ZADDs",
        (0..10_000).map(|i| words(&["ZADD", "{s:t}:z", &i.to_string(), &format!("m{i}")])).collect(),
    ));
    cases.push((
        "5,000 XADDs of 3 fields",
        (0..5000).map(|i| words(&["XADD", "{s:t}:x", "*", "a", &small(i), "b", "2", "c", "3"])).collect(),
    ));
    cases.push((
        "1,000 APPENDs of 1 KB",
        (0..1000).map(|_| words(&["APPEND", "{s:t}:a", &"y".repeat(1000)])).collect(),
    ));
    // Stores: their sources made first, then copied into new destinations
    // (each store measured after its sources exist, as the relay probes it).
    let sorted_sets = |sets: usize, members: usize| -> Vec<Vec<Vec<u8>>> {
        (0..sets)
            .map(|j| {
                let mut w = vec!["ZADD".to_string(), format!("{{s:t}}:src{j}")];
                w.extend((0..members).flat_map(|i| [i.to_string(), format!("m{j}-{i}")]));
                w.into_iter().map(String::into_bytes).collect()
            })
            .collect()
    };
    let intsets = |sets: usize, members: usize| -> Vec<Vec<Vec<u8>>> {
        (0..sets)
            .map(|j| {
                let mut w = vec!["SADD".to_string(), format!("{{s:t}}:src{j}")];
                w.extend((0..members).map(|i| (j * members + i).to_string()));
                w.into_iter().map(String::into_bytes).collect()
            })
            .collect()
    };
    let sources = |n: usize| (0..n).map(|j| format!("{{s:t}}:src{j}")).collect::<Vec<_>>();
    let store = |command: &str, numkeys: bool, n: usize, extra: &[&str]| {
        let sources = sources(n);
        (0..100)
            .map(|k| {
                let mut w = vec![command.to_string(), format!("{{s:t}}:dst{k}")];
                if numkeys {
                    w.push(n.to_string());
                }
                w.extend(sources.iter().cloned());
                w.extend(extra.iter().map(|e| e.to_string()));
                w.into_iter().map(String::into_bytes).collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let mut union = sorted_sets(10, 128);
    union.extend(store("ZUNIONSTORE", true, 10, &[]));
    cases.push(("100 ZUNIONSTOREs of ten 128-member listpacks (1,280-member skip lists)", union));
    let mut weighted = sorted_sets(2, 60);
    weighted.extend(store("ZUNIONSTORE", true, 2, &["WEIGHTS", "0.1", "0.3"]));
    cases
        .push(("100 ZUNIONSTOREs of two 60-member listpacks, weighted (listpacks of long scores)", weighted));
    let mut inter = sorted_sets(3, 128);
    inter.extend(store("ZINTERSTORE", true, 3, &[]));
    cases.push(("100 ZINTERSTOREs of three 128-member listpacks (empty)", inter));
    let mut sets = intsets(20, 30);
    sets.extend(store("SUNIONSTORE", false, 20, &[]));
    cases.push(("100 SUNIONSTOREs of twenty 30-integer intsets (600-member hashtables)", sets));
    let mut few = intsets(4, 100);
    few.extend(store("SUNIONSTORE", false, 4, &[]));
    cases.push(("100 SUNIONSTOREs of four 100-integer intsets (intsets)", few));
    let mut zsets_of_sets = intsets(3, 100);
    zsets_of_sets.extend(store("ZUNIONSTORE", true, 3, &[]));
    cases.push(("100 ZUNIONSTOREs of three 100-integer intsets (skip lists)", zsets_of_sets));
    let mut ranged = sorted_sets(1, 128);
    ranged.extend(
        (0..100).map(|k| words(&["ZRANGESTORE", &format!("{{s:t}}:dst{k}"), "{s:t}:src0", "0", "-1"])),
    );
    cases.push(("100 ZRANGESTOREs of a 128-member listpack", ranged));
    let mut sorted = intsets(1, 512);
    sorted.extend((0..100).map(|k| {
        words(&["SORT", "{s:t}:src0", "GET", "#", "GET", "#", "STORE", &format!("{{s:t}}:dst{k}")])
    }));
    cases.push(("100 SORT … GET # GET # STOREs of a 512-integer intset (lists)", sorted));
    for (what, commands) in cases {
        redis::cmd("FLUSHALL").exec(&mut conn).expect("FLUSHALL");
        let before = common::used_memory(&redis);
        let mut reserved = 0u64;
        // Probed commands (APPEND) one at a time, as the relay measures them.
        let probed = commands.first().is_some_and(|args| args[0] == b"APPEND");
        // A store's sources are written (and measured) before it.
        let store = |args: &Vec<Vec<u8>>| args[0].ends_with(b"STORE") || args[0] == b"SORT";
        let phases = commands.chunk_by(|a, b| store(a) == store(b));
        for chunk in phases.flat_map(|phase| phase.chunks(if probed { 1 } else { 500 })) {
            let mut pipe = redis::pipe();
            let mut earlier = Earlier::default();
            for args in chunk {
                reserved += bound(&mut conn, &mut earlier, args);
                let mut cmd = redis::cmd(&String::from_utf8_lossy(&args[0]));
                for arg in &args[1..] {
                    cmd.arg(arg.as_slice());
                }
                pipe.add_command(cmd).ignore();
            }
            pipe.exec(&mut conn).expect(what);
        }
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS");
        let real = common::memory_usage(&mut conn, &keys);
        let grew = common::used_memory(&redis).saturating_sub(before);
        println!(
            "{what}: reserved {reserved}, MEMORY USAGE {real}, used_memory +{grew}, ratio {:.2}",
            reserved as f64 / real as f64
        );
        assert!(reserved >= real, "{what}: reserved {reserved} < MEMORY USAGE {real}");
        assert!(reserved >= grew, "{what}: reserved {reserved} < used_memory's growth {grew}");
    }

    // `XREADGROUP` without `COUNT` delivers every new message: 20,000
    // pending entries, bounded by the stream's length.
    redis::cmd("FLUSHALL").exec(&mut conn).expect("FLUSHALL");
    let stream = "{s:t}:rs";
    for chunk in (0..20_000).collect::<Vec<usize>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("XADD").arg(stream).arg("*").arg("f").arg(small(*i)).ignore();
        }
        pipe.exec(&mut conn).expect("XADD");
    }
    redis::cmd("XGROUP").arg("CREATE").arg(stream).arg("g").arg("0").exec(&mut conn).expect("XGROUP");
    let read = words(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", stream, ">"]);
    let reserved = bound(&mut conn, &mut Earlier::default(), &read);
    let (before, memory_before) =
        (common::memory_usage(&mut conn, &[stream.as_bytes().to_vec()]), common::used_memory(&redis));
    let _: redis::Value = redis::cmd("XREADGROUP").arg(&read[1..]).query(&mut conn).expect("XREADGROUP");
    let real = common::memory_usage(&mut conn, &[stream.as_bytes().to_vec()]).saturating_sub(before);
    let grew = common::used_memory(&redis).saturating_sub(memory_before);
    println!("XREADGROUP of 20,000 messages: reserved {reserved}, MEMORY USAGE +{real}, used_memory +{grew}");
    assert!(reserved >= real && reserved >= grew, "XREADGROUP: reserved {reserved} < {real} or {grew}");
}

/// Runs `commands` on `conn` (a pipeline of up to 500, each costed first
/// with `bound` as the relay costs a segment); what they reserved in all.
fn run(
    conn: &mut redis::Connection,
    commands: &[Vec<Vec<u8>>],
    mut bound: impl FnMut(&mut redis::Connection, &mut Earlier, &[Vec<u8>]) -> u64,
) -> u64 {
    let mut reserved = 0;
    for chunk in commands.chunks(500) {
        let mut pipe = redis::pipe();
        let mut earlier = Earlier::default();
        for args in chunk {
            reserved += bound(conn, &mut earlier, args);
            let mut cmd = redis::cmd(&String::from_utf8_lossy(&args[0]));
            for arg in &args[1..] {
                cmd.arg(arg.as_slice());
            }
            pipe.add_command(cmd).ignore();
        }
        pipe.exec(conn).expect("the writes");
    }
    reserved
}

/// On a server that converts at 8 entries (an instructor's configuration
/// below Redis's defaults), the writes that convert there are reserved as
/// conversions, and every case's reservation is at least what Redis
/// allocates for it — where Redis's default thresholds would reserve less.
#[test]
fn write_bounds_follow_the_servers_thresholds() {
    let low = [
        ("hash-max-listpack-entries", "8"),
        ("zset-max-listpack-entries", "8"),
        ("set-max-intset-entries", "8"),
    ];
    let redis = RedisServer::start_configured(&low);
    let mut conn = redis.connection();
    let limits = limits_of(&mut conn);
    let read = limits.encodings;
    assert_eq!((read.hash.entries, read.zset.entries, read.intset_entries), (8, 8, 8), "{read:?}");
    assert_eq!((read.hash.value, read.zset.value), (64, 64), "the others as Redis's defaults");
    let words = |list: &[String]| list.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
    let write = |command: &str, key: String, elements: Vec<String>| {
        let mut w = vec![command.to_string(), key];
        w.extend(elements);
        words(&w)
    };
    let pairs = |from: usize, to: usize| (from..to).flat_map(|i| [format!("f{i}"), i.to_string()]).collect();
    let scored = |from: usize, to: usize| (from..to).flat_map(|i| [i.to_string(), format!("m{i}")]).collect();
    let integers = |from: usize, to: usize| (from..to).map(|i| i.to_string()).collect();
    // Each case: the writes that make its keys compact (8 entries), then
    // the ones that take them past 8 (`None`: none before).
    type Writes = Vec<Vec<Vec<u8>>>;
    let mut cases: Vec<(&str, Writes, Writes)> = Vec::new();
    let keys = 0..500;
    cases.push((
        "500 hashes of 8 fields given a ninth (listpacks, then hashtables)",
        keys.clone().map(|k| write("HSET", format!("{{s:t}}:h{k}"), pairs(0, 8))).collect(),
        keys.clone().map(|k| write("HSET", format!("{{s:t}}:h{k}"), pairs(8, 9))).collect(),
    ));
    cases.push((
        "500 sorted sets of 8 given a ninth (listpacks, then skip lists)",
        keys.clone().map(|k| write("ZADD", format!("{{s:t}}:z{k}"), scored(0, 8))).collect(),
        keys.clone().map(|k| write("ZADD", format!("{{s:t}}:z{k}"), scored(8, 9))).collect(),
    ));
    cases.push((
        "500 sets of 8 integers given a ninth (intsets, then hashtables)",
        keys.clone().map(|k| write("SADD", format!("{{s:t}}:s{k}"), integers(0, 8))).collect(),
        keys.clone().map(|k| write("SADD", format!("{{s:t}}:s{k}"), integers(8, 9))).collect(),
    ));
    cases.push((
        "500 new hashes of 20 fields, 500 sorted sets of 20, 500 sets of 20 integers (full encodings at once)",
        Vec::new(),
        keys.clone()
            .flat_map(|k| {
                [
                    write("HSET", format!("{{s:t}}:nh{k}"), pairs(0, 20)),
                    write("ZADD", format!("{{s:t}}:nz{k}"), scored(0, 20)),
                    write("SADD", format!("{{s:t}}:ns{k}"), integers(0, 20)),
                ]
            })
            .collect(),
    ));
    let sources: Vec<String> = (0..15).map(|j| format!("{{s:t}}:src{j}")).collect();
    let store = |command: &str, destination: String, numkeys: bool| {
        let mut w = vec![command.to_string(), destination];
        w.extend(numkeys.then(|| sources.len().to_string()));
        w.extend(sources.iter().cloned());
        words(&w)
    };
    cases.push((
        "500 SUNIONSTOREs and ZUNIONSTOREs of fifteen 8-integer intsets (120 members: hashtables, skip lists)",
        (0..15).map(|j| write("SADD", sources[j].clone(), integers(j * 8, j * 8 + 8))).collect(),
        keys.clone()
            .flat_map(|k| {
                [
                    store("SUNIONSTORE", format!("{{s:t}}:su{k}"), false),
                    store("ZUNIONSTORE", format!("{{s:t}}:zu{k}"), true),
                ]
            })
            .collect(),
    ));
    for (what, before, past) in cases {
        redis::cmd("FLUSHALL").exec(&mut conn).expect("FLUSHALL");
        let prepared = run(&mut conn, &before, |conn, earlier, args| bound(&limits, conn, earlier, args));
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS");
        let (held, used) = (common::memory_usage(&mut conn, &keys), common::used_memory(&redis));
        assert!(prepared >= held, "{what}: reserved {prepared} < MEMORY USAGE {held} before");
        // The writes past 8, each costed as the relay costs it, by the
        // server's thresholds and by Redis's defaults (what Bolide assumed
        // before it read them).
        let mut conversions = 0;
        let mut by_defaults = 0;
        let reserved = run(&mut conn, &past, |conn, earlier, args| {
            let spec = resolve(args).expect("known");
            let needs = cost::needs(&limits, spec, args);
            let replies: Vec<redis::Value> = match needs.is_empty() {
                true => Vec::new(),
                false => cost::probe_pipeline(&needs).query(conn).expect("probes"),
            };
            let sizes = earlier.sizes(&cost::read_sizes(&needs, &replies), &needs);
            by_defaults += plan(&Limits::SHARED, spec, args, &sizes, false).cost.grow_bytes;
            let reserved = bound(&limits, conn, earlier, args);
            conversions += usize::from(reserved > cost::write_bound(&limits, spec, args, &sizes));
            reserved
        });
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS");
        let real = common::memory_usage(&mut conn, &keys).saturating_sub(held);
        let grew = common::used_memory(&redis).saturating_sub(used);
        println!(
            "{what}: reserved {reserved} ({conversions} conversions), Redis's defaults would reserve \
             {by_defaults}; MEMORY USAGE +{real}, used_memory +{grew}"
        );
        assert!(reserved >= real, "{what}: reserved {reserved} < MEMORY USAGE's growth {real}");
        assert!(reserved >= grew, "{what}: reserved {reserved} < used_memory's growth {grew}");
        // (A store's bound is its destination's whole, generous either way.)
        if what.contains("STORE") {
            continue;
        }
        if !before.is_empty() {
            assert_eq!(conversions, past.len(), "{what}: every write past 8 reserved as a conversion");
        }
        assert!(by_defaults < real, "{what}: Redis's defaults would reserve less than Redis allocates here");
    }
}

/// A server that refuses `CONFIG` (a managed Redis renames it): Bolide
/// assumes nothing is compact, so a small new hash reserves its full
/// encoding's cost, and one still compact its conversion too.
#[tokio::test]
async fn thresholds_that_cannot_be_read_are_assumed_none_compact() {
    let redis = RedisServer::start_configured(&[("rename-command", "CONFIG hidden-config")]);
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("connect");
    let encodings = Encodings::read(&mut conn).await;
    assert_eq!(encodings, Encodings::NONE_COMPACT);
    let limits = Limits { encodings, ..Limits::SHARED };
    let mut sync = redis.connection();
    let mut pairs = vec!["HSET".to_string(), "{s:t}:h".to_string()];
    pairs.extend((0..10).flat_map(|i| [format!("f{i}"), i.to_string()]));
    let hset: Vec<Vec<u8>> = pairs.iter().map(|w| w.as_bytes().to_vec()).collect();
    let spec = resolve(&hset).expect("known");
    let full = |sizes: &cost::Sizes| cost::write_bound(&limits, spec, &hset, sizes);
    let new = bound(&limits, &mut sync, &mut Earlier::default(), &hset);
    assert_eq!(new, full(&cost::Sizes::default()), "a new hash at its hashtable cost");
    assert!(
        bound(&Limits::SHARED, &mut sync, &mut Earlier::default(), &hset) < new,
        "a listpack by the defaults"
    );
    redis::cmd(&pairs[0]).arg(&pairs[1..]).exec(&mut sync).expect("HSET");
    let again = bound(&limits, &mut sync, &mut Earlier::default(), &hset);
    assert!(again > full(&cost::Sizes::default()), "its conversion reserved too: {again}");
}
