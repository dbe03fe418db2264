//! Shared mode's listings read each sandbox's key index
//! (`bolide::sandbox::key_index`), on a real `bolide serve --shared
//! --gateway-listen` and its own redis-server:
//! - their answers are exact after every kind of write (console, `MULTI`,
//!   gateway, a data load), expiry, delete and rename: the same keys as
//!   the test's own `SCAN` of the namespace finds;
//! - they cost O(the sandbox's keys): with 200,000 keys of someone else on
//!   the server, Redis runs no `SCAN` or `KEYS` for them (its
//!   `INFO commandstats`).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bolide_tests::RedisServer;
use common::{shared_with_gateway as start, Client, Student};

/// What the key index tests ask of a student.
impl Student {
    /// The truth: the student's key names, by the test's own `SCAN` of the
    /// whole database.
    fn truth(&self, redis: &RedisServer) -> BTreeSet<String> {
        let mut conn = redis.connection();
        let keys: Vec<String> =
            redis::cmd("KEYS").arg(format!("{}*", self.namespace)).query(&mut conn).expect("KEYS");
        keys.iter().map(|k| k.strip_prefix(&self.namespace).expect("prefixed").to_string()).collect()
    }
}

/// A whole `SCAN` through `conn` (the gateway), with `extra` options.
fn scan_all(conn: &mut redis::Connection, extra: &[&str]) -> BTreeSet<String> {
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    loop {
        let (next, keys): (String, Vec<String>) =
            redis::cmd("SCAN").arg(&cursor).arg(extra).query(conn).expect("SCAN");
        seen.extend(keys);
        if next == "0" {
            return seen;
        }
        cursor = next;
    }
}

/// `calls` of `cmdstat_<name>` in `INFO commandstats` (0 if never run).
fn calls(redis: &RedisServer, name: &str) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(&mut redis.connection()).expect("INFO");
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("cmdstat_{name}:calls=")))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn listings_agree_with_the_truth_after_every_kind_of_write() {
    let (redis, bolide) = start(&[]);
    let mut student = Student::new(&bolide).await;
    let mut other = Student::new(&bolide).await;
    assert_eq!(other.browser.console("SET theirs 1").await, "OK");

    for line in [
        "SET a 1",
        "SET brief 1 EX 1",
        "SET gone 1",
        "DEL gone",
        "SET r1 x",
        "RENAME r1 r2",
        "COPY a a_copy",
        "RPUSH l 3 1 2",
        "SORT l STORE sorted",
        "MULTI",
        "SET tx1 1",
        "HSET tx2 f v",
        "RENAME tx1 tx3",
    ] {
        let out = student.browser.console(line).await;
        assert!(!out.starts_with("(error)"), "{line}: {out}");
    }
    assert!(student.browser.console("EXEC").await.contains("OK"));
    let (status, report) =
        student.browser.send("POST", "/api/data/generate?n=20&seed=3", None, Vec::new()).await;
    assert_eq!(status, 200, "{report}");
    let mut gateway = student.gateway_client();
    redis::cmd("SET").arg("gw").arg(1).exec(&mut gateway).expect("gateway SET");
    redis::cmd("LPUSH").arg("gwl").arg("x").exec(&mut gateway).expect("gateway LPUSH");
    tokio::time::sleep(Duration::from_millis(1300)).await; // `brief` expires

    let truth = student.truth(&redis);
    for name in ["a", "r2", "a_copy", "l", "sorted", "tx2", "tx3", "gw", "gwl", "meteorite:1"] {
        assert!(truth.contains(name), "{name} missing from the truth {truth:?}");
    }
    for name in ["brief", "gone", "r1", "tx1", "theirs"] {
        assert!(!truth.contains(name), "{name} in the truth {truth:?}");
    }
    assert_eq!(truth.len(), 9 + 20, "{truth:?}");

    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut gateway).expect("KEYS");
    assert_eq!(keys.iter().cloned().collect::<BTreeSet<_>>(), truth);
    assert_eq!(keys.len(), truth.len(), "no key twice");
    let some: BTreeSet<String> = redis::cmd("KEYS")
        .arg("meteorite:1*")
        .query::<Vec<String>>(&mut gateway)
        .expect("KEYS")
        .into_iter()
        .collect();
    let want: BTreeSet<String> = truth.iter().filter(|k| k.starts_with("meteorite:1")).cloned().collect();
    assert_eq!(some, want);
    assert_eq!(scan_all(&mut gateway, &["COUNT", "3"]), truth);
    let hashes = scan_all(&mut gateway, &["MATCH", "*", "TYPE", "hash", "COUNT", "7"]);
    assert_eq!(hashes.len(), 21, "the 20 records and tx2: {hashes:?}");
    let dbsize: u64 = redis::cmd("DBSIZE").query(&mut gateway).expect("DBSIZE");
    assert_eq!(dbsize, truth.len() as u64);
    assert_eq!(student.browser.console("DBSIZE").await, format!("(integer) {}", truth.len()));
    for _ in 0..5 {
        let random: String = redis::cmd("RANDOMKEY").query(&mut gateway).expect("RANDOMKEY");
        assert!(truth.contains(&random), "{random}");
    }
    let err = redis::cmd("SCAN").arg("0").arg("BOGUS").arg("1").query::<redis::Value>(&mut gateway);
    assert!(err.is_err(), "an unknown option is a syntax error");

    assert_eq!(student.browser.console("FLUSHDB").await, "OK");
    assert!(student.truth(&redis).is_empty(), "FLUSHDB removed every key of the sandbox");
    assert_eq!(student.browser.console("DBSIZE").await, "(integer) 0");
    assert_eq!(student.browser.console("KEYS *").await, "(empty array)");
    assert_eq!(student.browser.console("RANDOMKEY").await, "(nil)");
    assert!(scan_all(&mut gateway, &[]).is_empty());
    assert_eq!(other.browser.console("GET theirs").await, "\"1\"", "another sandbox keeps its keys");

    // A key written after FLUSHDB is listed again.
    assert_eq!(student.browser.console("SET again 1").await, "OK");
    assert_eq!(student.browser.console("KEYS *").await, "1) \"again\"");

    // Ending the sandbox removes its keys and its index.
    let index = format!("{}!keys", student.namespace.trim_end_matches(':'));
    let exists: bool = redis::cmd("EXISTS").arg(&index).query(&mut redis.connection()).expect("EXISTS");
    assert!(exists, "{index}");
    let (status, ended) = student.browser.send("DELETE", "/api/sandbox", None, Vec::new()).await;
    assert!(status.is_success(), "{status} {ended}");
    assert!(student.truth(&redis).is_empty());
    let exists: bool = redis::cmd("EXISTS").arg(&index).query(&mut redis.connection()).expect("EXISTS");
    assert!(!exists, "the index went with the sandbox");
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_a_sandbox_never_walks_the_others_keys() {
    let (redis, bolide) = start(&[]);
    let mut student = Student::new(&bolide).await;
    for line in ["SET a 1", "RPUSH b x", "HSET c f v"] {
        assert!(!student.browser.console(line).await.starts_with("(error)"), "{line}");
    }
    // 200,000 keys of another sandbox, written straight to Redis.
    let mut direct = redis.connection();
    for chunk in 0..200 {
        let mut mset = redis::cmd("MSET");
        for i in 0..1000 {
            mset.arg(format!("{{s:ffffffffffffffffffffffffffffffff}}:k:{chunk}:{i}")).arg(i);
        }
        mset.exec(&mut direct).expect("MSET");
    }
    let before = (calls(&redis, "scan"), calls(&redis, "keys"));

    let mut gateway = student.gateway_client();
    let want: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut gateway).expect("KEYS");
    assert_eq!(keys.into_iter().collect::<BTreeSet<_>>(), want);
    assert_eq!(scan_all(&mut gateway, &[]), want);
    let dbsize: u64 = redis::cmd("DBSIZE").query(&mut gateway).expect("DBSIZE");
    assert_eq!(dbsize, 3);
    let random: String = redis::cmd("RANDOMKEY").query(&mut gateway).expect("RANDOMKEY");
    assert!(want.contains(&random));
    assert_eq!(student.browser.console("SCAN 0 COUNT 10").await.lines().count(), 4, "cursor and three keys");
    let (status, tree) = student.browser.get("/api/keys").await;
    assert_eq!(status, 200, "{tree}");
    assert!(tree.to_string().contains("\"a\""), "{tree}");

    assert_eq!((calls(&redis, "scan"), calls(&redis, "keys")), before, "no SCAN or KEYS of the database");
    assert!(calls(&redis, "zscan") > 0, "the index was read");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quota_is_measured_over_the_index_which_it_prunes_and_counts() {
    use bolide::sandbox::Tenancy;
    use bolide::server::{app, AppState, StateOptions};
    use bolide_shared::api::RedisMode;

    let redis = RedisServer::start();
    let state = AppState::build(&redis.url(), StateOptions::new(RedisMode::External, Tenancy::Shared))
        .expect("state");
    let router = app(state.clone(), std::path::Path::new("/nonexistent-dist"));
    let mut student = Client::new(&router);
    assert_eq!(student.console("MSET a 1 b 2 c 3").await, "OK");
    let secret =
        student.cookie().and_then(|c| c.split_once('=')).map(|(_, s)| s.to_string()).expect("cookie");
    let mut system = common::conn(redis.port(), 15);
    let id: String = redis::cmd("EVAL")
        .arg("return redis.call('GET', 'bolide:sandbox:secret:' .. redis.sha1hex(ARGV[1]))")
        .arg(0)
        .arg(&secret)
        .query(&mut system)
        .expect("sandbox id");
    let index = format!("{{s:{id}}}!keys");
    let mut direct = redis.connection();
    // Two members without a key: one announced long ago (a key deleted
    // since), one just now (a write on its way).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis();
    redis::cmd("ZADD")
        .arg(&index)
        .arg(0)
        .arg(format!("{{s:{id}}}:long-gone"))
        .arg(now as u64)
        .arg(format!("{{s:{id}}}:on-its-way"))
        .exec(&mut direct)
        .expect("ZADD");
    for chunk in 0..50 {
        let mut mset = redis::cmd("MSET");
        for i in 0..1000 {
            mset.arg(format!("{{s:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee}}:k:{chunk}:{i}")).arg(i);
        }
        mset.exec(&mut direct).expect("MSET");
    }
    // A thousand small keys of the sandbox and one large one (written as
    // the gateway would: announced first): all of them are measured.
    let mut own = redis::pipe();
    let small: Vec<String> = (0..1000).map(|i| format!("{{s:{id}}}:small:{i}")).collect();
    let large = format!("{{s:{id}}}:large");
    let mut announce = redis::cmd("ZADD");
    announce.arg(&index);
    for key in small.iter().chain(std::iter::once(&large)) {
        announce.arg(now as u64).arg(key);
        own.cmd("SET").arg(key).arg("v").ignore();
    }
    own.cmd("SET").arg(&large).arg(vec![b'x'; 3 << 20]).ignore();
    announce.exec(&mut direct).expect("ZADD");
    own.exec(&mut direct).expect("SET");
    let before = (calls(&redis, "scan"), calls(&redis, "keys"));

    bolide::console::housekeeping::round(state.relay()).await.expect("round");

    assert_eq!((calls(&redis, "scan"), calls(&redis, "keys")), before, "no SCAN or KEYS of the database");
    let members: Vec<String> =
        redis::cmd("ZRANGE").arg(&index).arg(0).arg(-1).query(&mut direct).expect("ZRANGE");
    let names: BTreeSet<String> =
        members.iter().map(|m| m.split_once("}:").expect("prefixed").1.to_string()).collect();
    let names: BTreeSet<String> = names.into_iter().filter(|name| !name.starts_with("small:")).collect();
    assert_eq!(
        names,
        ["a", "b", "c", "large", "on-its-way"].map(String::from).into(),
        "the long-gone member was pruned"
    );
    let index_bytes: u64 = redis::cmd("MEMORY").arg("USAGE").arg(&index).query(&mut direct).expect("MEMORY");
    let used: u64 = redis::cmd("HGET")
        .arg(format!("bolide:sandbox:{{{id}}}"))
        .arg("used")
        .query(&mut system)
        .expect("used");
    assert!(
        used >= index_bytes && index_bytes > 0,
        "the index counts in the sandbox's usage: {used} < {index_bytes}"
    );
    assert!(used >= (3 << 20) + index_bytes, "the one large key among a thousand small ones counts: {used}");
    assert_eq!(student.console("DBSIZE").await, "(integer) 1004", "the member on its way is no key");
}
