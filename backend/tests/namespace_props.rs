//! Shared mode's key rewrite, checked against a real Redis.
//!
//! Two oracles, on random commands the console would forward in shared
//! mode (`decide(.., Mode::Shared)` says `Forward`) and on hand-picked
//! tricky ones:
//!
//! - What Redis *says*: `COMMAND GETKEYS` on the rewritten command must
//!   name exactly the keys it names in the original, in order, each inside
//!   the session's namespace, and the rewrite must change nothing else. A
//!   key named like a keyword (`STREAMS`, `STORE`, `WEIGHTS`…) must stay a
//!   key, and a keyword must never be mistaken for a key.
//! - What Redis *does*: the rewritten command runs on a server where every
//!   non-key argument names a decoy key outside the namespace; no key may
//!   appear outside the namespace, no decoy may change, and no reply may
//!   carry a decoy's content.
//!
//! Bugs these tests found are kept as fixed cases (`georadius_last_store_wins`,
//! `sort_store_takes_its_argument`, `sort_ro_store_is_not_a_key`).
//! `BOLIDE_NAMESPACE_CASES=N` sets the
//! number of random cases (default 1000; the running test does half).

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::time::Duration;

use bolide::console::namespace::Namespace;
use bolide_shared::cli::split_args;
use bolide_shared::commands::{all, decide, policy, CommandSpec, Decision, Mode, Policy};
use bolide_tests::RedisServer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Random cases in [`random_forwarded_commands_keep_their_keys`] (and half
/// as many in [`random_forwarded_writes_stay_in_the_namespace`]);
/// `BOLIDE_NAMESPACE_CASES=100000` runs more.
fn cases() -> u32 {
    std::env::var("BOLIDE_NAMESPACE_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000)
}

/// A test server and a connection to it.
struct TestRedis {
    server: RedisServer,
    con: redis::Connection,
}

impl TestRedis {
    /// A fresh `redis-server`, capped at 256 MB, with a read timeout so
    /// that a runaway command fails the test instead of hanging it.
    fn start() -> Self {
        let server = RedisServer::start();
        let con = Self::connect(&server);
        let mut redis = Self { server, con };
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxmemory")
            .arg("256mb")
            .exec(&mut redis.con)
            .expect("CONFIG SET");
        redis
    }

    fn connect(server: &RedisServer) -> redis::Connection {
        let con = server.connection();
        con.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
        con
    }

    /// Runs `args`; `Err` when Redis answers an error.
    ///
    /// Redis's errors quote arguments, which may not be UTF-8, and redis-rs
    /// cannot parse such an error line: the connection is then out of step
    /// with the server, and is replaced.
    fn run(&mut self, args: &[Vec<u8>]) -> Result<redis::Value, ()> {
        let mut command = redis::Cmd::new();
        for arg in args {
            command.arg(arg);
        }
        match command.query::<redis::Value>(&mut self.con) {
            Ok(value) => Ok(value),
            Err(e) if e.is_io_error() || e.is_timeout() => panic!("{}: {e}", show(args)),
            Err(e) => {
                if e.kind() == redis::ErrorKind::Parse {
                    self.con = Self::connect(&self.server);
                }
                Err(())
            }
        }
    }
}

/// What Redis's `COMMAND GETKEYS` said about a command.
#[derive(Debug)]
enum GetKeys {
    Keys(Vec<Vec<u8>>),
    /// `ERR The command has no key arguments` (Redis 7.0's answer for a
    /// command without key specs): zero keys.
    NoKeyArguments,
    /// Redis cannot find the keys of these arguments (`Invalid arguments
    /// specified for command`, ...): Redis would reject the command itself.
    Invalid,
}

fn getkeys(redis: &mut TestRedis, args: &[Vec<u8>]) -> GetKeys {
    if args.len() < 2 {
        // `COMMAND GETKEYS TIME` is an arity error; a one-word command has
        // no room for a key anyway (keys are at positions 1 and up).
        return GetKeys::NoKeyArguments;
    }
    let reply: redis::RedisResult<Vec<Vec<u8>>> =
        redis::cmd("COMMAND").arg("GETKEYS").arg(args).query(&mut redis.con);
    match reply {
        Ok(keys) => GetKeys::Keys(keys),
        Err(e) if e.to_string().contains("The command has no key arguments") => GetKeys::NoKeyArguments,
        Err(e) if e.to_string().contains("Invalid") => GetKeys::Invalid,
        Err(e) => panic!("COMMAND GETKEYS {}: unexpected error {e}", show(args)),
    }
}

/// Whether Redis runs `args` without an error (only called for the rare
/// commands the rewrite refuses; the test server's data is disposable).
fn runs(redis: &mut TestRedis, args: &[Vec<u8>]) -> bool {
    redis.run(args).is_ok()
}

fn show(args: &[Vec<u8>]) -> String {
    args.iter().map(|a| format!("{:?}", String::from_utf8_lossy(a))).collect::<Vec<_>>().join(" ")
}

/// What happened to one command.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Not forwarded in shared mode (refused or emulated by `decide`).
    NotForwarded,
    /// Redis cannot find the original command's keys either.
    InvalidForRedis,
    /// Forwarded, but `rewrite` could not tell the keys (the console
    /// refuses it), and Redis rejects the command too when it runs it
    /// (`COMMAND GETKEYS` reads `numkeys` with `atoi`, so `ZINTER 1.5 a`
    /// has keys for it, but running it is `ERR value is not an integer`).
    RewriteRefusedRedisRejects,
    /// Forwarded, `rewrite` could not tell the keys, but Redis runs the
    /// command: the console refuses something it need not refuse.
    RewriteRefused,
    /// Checked: the rewritten command has the same keys, namespaced.
    Checked { keys: usize },
}

/// The property, for one command and one session id. `Err` describes a
/// violation.
fn check(redis: &mut TestRedis, args: &[Vec<u8>], id: &str) -> Result<Outcome, String> {
    let spec = match decide(args, Mode::Shared) {
        Decision::Forward(spec) => spec,
        _ => return Ok(Outcome::NotForwarded),
    };
    let original = match getkeys(redis, args) {
        GetKeys::Keys(keys) => Some(keys),
        GetKeys::NoKeyArguments => None,
        GetKeys::Invalid => return Ok(Outcome::InvalidForRedis),
    };
    let ns = Namespace::for_session(id);
    let mut rewritten = args.to_vec();
    if ns.rewrite(spec, &mut rewritten).is_err() {
        return Ok(if runs(redis, args) {
            Outcome::RewriteRefused
        } else {
            Outcome::RewriteRefusedRedisRejects
        });
    }
    let Some(original) = original else {
        // Redis says the command has no keys at all: nothing may change.
        if rewritten != args {
            return Err(format!(
                "{} has no keys for Redis, but was rewritten to {}",
                show(args),
                show(&rewritten)
            ));
        }
        return Ok(Outcome::Checked { keys: 0 });
    };
    let after = match getkeys(redis, &rewritten) {
        GetKeys::Keys(keys) => keys,
        other => {
            return Err(format!(
                "{} (keys {}) rewritten to {}: COMMAND GETKEYS now says {other:?}",
                show(args),
                show(&original),
                show(&rewritten)
            ))
        }
    };
    // With several STORE words, GETKEYS and the parser disagree and the
    // rewrite prefixes every destination: only the written keys are checked
    // (below, and by running the commands in the second test).
    let destinations = store_destinations(args);
    let same = after.len() == original.len()
        && after.iter().zip(&original).all(|(new, old)| ns.strip(new) == Some(old.as_slice()));
    // GEORADIUS* keys are found the parser's way (see `key_positions`):
    // where its key specs name a word the parser reads as an option's
    // value (`COUNT STORE x`), Redis's parser rejects the command, so no
    // key is written; the second oracle runs what Redis does run. That
    // holds with any number of STORE words (`COUNT d x … STORE a
    // STOREDIST b`: the count is refused before a destination is read).
    let parser_read = matches!(spec.name, "GEORADIUS" | "GEORADIUSBYMEMBER");
    if !same && parser_read && !runs(redis, args) {
        return Ok(Outcome::InvalidForRedis);
    }
    if !same && destinations.len() < 2 {
        return Err(format!(
            "{}\n  Redis's keys:        {}\n  rewritten:           {}\n  Redis's keys now:    {}",
            show(args),
            show(&original),
            show(&rewritten),
            show(&after)
        ));
    }
    // And the rewrite touched nothing else: the arguments it changed are
    // exactly Redis's keys (a value or an option must never be prefixed).
    // (SORT and GEORADIUS may also prefix a STORE destination that Redis's
    // GETKEYS does not list: the parser may write it.)
    let touched: BTreeSet<&Vec<u8>> =
        args.iter().zip(&rewritten).filter(|(old, new)| old != new).map(|(old, _)| old).collect();
    let keys: BTreeSet<&Vec<u8>> = original.iter().collect();
    let allowed = |t: &&Vec<u8>| keys.contains(t) || destinations.contains(t);
    if !keys.is_subset(&touched) || !touched.iter().all(allowed) {
        return Err(format!(
            "{}\n  Redis's keys: {}\n  rewritten:    {}",
            show(args),
            show(&original),
            show(&rewritten)
        ));
    }
    Ok(Outcome::Checked { keys: original.len() })
}

/// The words after `STORE`/`STOREDIST` in a `SORT` or `GEORADIUS*`
/// command: destinations Redis's parser may write, prefixed by the rewrite
/// even where `COMMAND GETKEYS` names another.
fn store_destinations(args: &[Vec<u8>]) -> Vec<&Vec<u8>> {
    let name = args.first().map(|a| a.to_ascii_uppercase()).unwrap_or_default();
    let stores: &[&str] = match name.as_slice() {
        b"SORT" => &["STORE"],
        b"GEORADIUS" | b"GEORADIUSBYMEMBER" => &["STORE", "STOREDIST"],
        _ => return Vec::new(),
    };
    args.windows(2)
        .skip(1)
        .filter(|w| stores.iter().any(|s| w[0].eq_ignore_ascii_case(s.as_bytes())))
        .map(|w| &w[1])
        .collect()
}

/// The commands `decide(.., Mode::Shared)` can forward: allowed by policy,
/// not a container (a container is only ever forwarded as a subcommand).
fn forwardable() -> Vec<&'static CommandSpec> {
    all().iter().filter(|c| !c.is_container() && policy(c) == Policy::Allowed).collect()
}

/// Arguments that mean something to some command, and are also valid key
/// names.
const KEYWORDS: &[&str] = &[
    "STREAMS",
    "streams",
    "STORE",
    "store",
    "STOREDIST",
    "WEIGHTS",
    "weights",
    "KEYS",
    "BY",
    "GET",
    "LIMIT",
    "limit",
    "COUNT",
    "MATCH",
    "LEFT",
    "RIGHT",
    "MIN",
    "MAX",
    "AGGREGATE",
    "SUM",
    "ID",
    "FIELDS",
    "NX",
    "XX",
    "EX",
    "PX",
    "GROUP",
    "DB",
    "REPLACE",
    "AND",
    "OR",
    "NOT",
    "WITHSCORES",
    "FROMMEMBER",
    "BYRADIUS",
    "km",
    "m",
    "nosort",
    "#",
    "$",
    "*",
    ">",
    "0-0",
];

const WORDS: &[&str] =
    &["a", "b", "g", "k", "key", "dst", "s1", "{s:other}:x", "{s:", "café ☄", "", " ", "\n"];

const NUMBERS: &[&str] =
    &["0", "1", "1", "2", "2", "3", "-1", "10", "1.5", "9999999999999", "99999999999999999999"];

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(KEYWORDS).prop_map(|s| s.as_bytes().to_vec()),
        3 => prop::sample::select(WORDS).prop_map(|s| s.as_bytes().to_vec()),
        4 => prop::sample::select(NUMBERS).prop_map(|s| s.as_bytes().to_vec()),
        1 => "[a-z]{1,4}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..6),
    ]
}

/// A command of `pool`: its words (name in random case) and a number of
/// random arguments its arity allows, at most 12 beyond the name.
///
/// Half the time, a command whose keys move with its arguments (numkeys,
/// keywords, per-command code): the ones a rewrite can get wrong.
fn command(pool: Vec<&'static CommandSpec>) -> impl Strategy<Value = Vec<Vec<u8>>> {
    let movable: Vec<&'static CommandSpec> =
        pool.iter().copied().filter(|c| c.has_flag("movablekeys")).collect();
    prop_oneof![prop::sample::select(pool), prop::sample::select(movable)]
        .prop_flat_map(|spec| {
            let name: Vec<&'static str> = spec.name.split(' ').collect();
            let words = name.len();
            let arity = usize::try_from(spec.arity.unsigned_abs()).expect("small arity");
            let extra = if spec.arity >= 0 {
                let n = arity.saturating_sub(words);
                n..=n
            } else {
                let min = arity.saturating_sub(words);
                min..=min.max(12)
            };
            let lower = prop::collection::vec(any::<bool>(), words);
            (Just(name), lower, prop::collection::vec(token(), extra))
        })
        .prop_map(|(name, lower, rest)| {
            let mut args: Vec<Vec<u8>> = name
                .iter()
                .zip(lower)
                .map(|(w, lower)| if lower { w.to_ascii_lowercase() } else { (*w).to_owned() }.into_bytes())
                .collect();
            args.extend(rest);
            args
        })
}

fn session_id() -> impl Strategy<Value = String> {
    "[0-9a-f]{32}"
}

#[test]
fn random_forwarded_commands_keep_their_keys() {
    let redis = RefCell::new(TestRedis::start());
    let (checked, with_keys, invalid, not_forwarded, refused) =
        (Cell::new(0u32), Cell::new(0u32), Cell::new(0u32), Cell::new(0u32), Cell::new(0u32));
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    let result = runner.run(&(command(forwardable()), session_id()), |(args, id)| {
        let outcome = check(&mut redis.borrow_mut(), &args, &id).map_err(TestCaseError::fail)?;
        let counter = match outcome {
            Outcome::Checked { keys } => {
                if keys > 0 {
                    with_keys.set(with_keys.get() + 1);
                }
                &checked
            }
            Outcome::InvalidForRedis | Outcome::RewriteRefusedRedisRejects => &invalid,
            Outcome::NotForwarded => &not_forwarded,
            Outcome::RewriteRefused => {
                eprintln!("refused by the rewrite, but Redis runs it: {}", show(&args));
                &refused
            }
        };
        counter.set(counter.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let total = checked.get() + invalid.get() + not_forwarded.get() + refused.get();
    eprintln!(
        "{total} cases in {:?}: {} checked ({} with keys), {} invalid for Redis, {} not forwarded, \
         {} refused by the rewrite although Redis runs them",
        started.elapsed(),
        checked.get(),
        with_keys.get(),
        invalid.get(),
        not_forwarded.get(),
        refused.get(),
    );
    assert_eq!(total, cases());
    assert!(checked.get() * 10 >= total * 3, "fewer than 30% of the cases were checked");
    assert!(with_keys.get() * 10 >= total * 2, "fewer than 20% of the cases had keys");
    // A command Redis runs, but whose keys the rewrite cannot tell, is
    // refused to the student: acceptable only when rare.
    assert!(refused.get() * 50 <= total, "the rewrite refused {} of {total} commands", refused.get());
}

/// Commands whose keys are found by counting (`numkeys`), after a keyword,
/// from the end, or by per-command code, and keys named like keywords.
const LINES_WITH_KEYS: &[&str] = &[
    // numkeys
    "LMPOP 2 a b LEFT",
    "LMPOP 1 LEFT RIGHT COUNT 2",
    "lmpop 3 COUNT LEFT RIGHT left count 1",
    "ZMPOP 2 a b MIN COUNT 3",
    "ZMPOP 1 MAX MAX",
    "ZUNIONSTORE d 2 a b WEIGHTS 1 2 AGGREGATE SUM",
    "ZUNIONSTORE d 2 WEIGHTS STORE WEIGHTS 1 2",
    "ZINTERSTORE AGGREGATE 2 SUM MAX AGGREGATE MIN",
    "ZUNION 2 a b WITHSCORES",
    "ZINTER 3 a b c WEIGHTS 1 2 3",
    "ZDIFF 2 a b",
    "ZDIFFSTORE d 2 a b",
    "ZINTERCARD 2 a b LIMIT 10",
    "ZINTERCARD 2 LIMIT LIMIT LIMIT 1",
    "SINTERCARD 3 a b c",
    "SINTERCARD 1 LIMIT LIMIT 5",
    // after STREAMS
    "XREAD STREAMS s1 s2 0 0",
    "XREAD COUNT 2 STREAMS STREAMS s2 0 0",
    "XREAD COUNT 1 STREAMS COUNT $",
    "xread streams streams $",
    "XREAD STREAMS STREAMS STREAMS STREAMS STREAMS",
    "XREADGROUP GROUP g c STREAMS s >",
    "XREADGROUP GROUP g c COUNT 1 NOACK STREAMS a b > 0",
    "XREADGROUP GROUP STREAMS STREAMS STREAMS STREAMS >",
    // BITOP
    "BITOP AND dest a b c",
    "BITOP NOT d s",
    "BITOP OR STORE BITOP AND",
    // two keys
    "LMOVE a b LEFT RIGHT",
    "LMOVE LEFT RIGHT LEFT RIGHT",
    "RPOPLPUSH a b",
    "SMOVE a b m",
    "SMOVE STORE KEYS STREAMS",
    "RENAME a b",
    "RENAMENX RENAME RENAMENX",
    "COPY a b",
    "COPY a b REPLACE",
    "COPY db b",
    "COPY REPLACE DB",
    // SORT ... STORE
    "SORT l STORE d",
    "SORT l LIMIT 0 10 DESC ALPHA STORE dst",
    "SORT l STORE a STORE b",
    "SORT STORE STORE STORE",
    "SORT l STORE LIMIT 0 1",
    "SORT l LIMIT 0 STORE STORE x",
    "SORT l BY nosort GET # STORE d",
    "SORT_RO l LIMIT 0 1 ALPHA",
    // GEO ... STORE
    "GEORADIUS g 0 0 1 km STORE d",
    "GEORADIUS g 0 0 1 km STOREDIST d",
    "GEORADIUS g 0 0 1 km STORE a STOREDIST b",
    "GEORADIUS STORE 0 0 1 km WITHDIST COUNT 3 STORE STORE",
    "GEORADIUSBYMEMBER g m 1 km STORE d",
    "GEORADIUSBYMEMBER STORE STORE 1 km STOREDIST STOREDIST",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    // many keys
    "MSET a 1 b 2 c 3",
    "MSETNX a 1 b 2",
    "MSET STREAMS KEYS WEIGHTS STORE",
    "MGET a b c KEYS STREAMS",
    "EXISTS a b c d e f g h i j",
    "DEL k1 k2 k3 k4 k5 k6 k7 k8",
    "UNLINK a a a",
    "TOUCH a b",
    "PFMERGE d a b",
    "PFCOUNT a b",
    "SUNIONSTORE d a b",
    "SINTERSTORE STORE STORE",
    "LCS a b LEN",
    "BITFIELD_RO b GET u8 0",
    // keys named like keywords, odd names
    "SET STREAMS v",
    "SET k v EX 10 GET",
    "SET GET GET GET",
    "GET STORE",
    "LPUSH KEYS a b",
    "HSET WEIGHTS f v",
    "SET '' v",
    "SET {s:other}:x v",
    "GET \"caf\u{e9} \u{2604}\"",
    "GET \"\\xff\\x00\"",
    "XADD s * f v",
    "XADD STREAMS MAXLEN 1 * f v",
    "XAUTOCLAIM s g c 0 0-0 COUNT 1",
    "XGROUP CREATE s g $ MKSTREAM",
    "XINFO STREAM s FULL",
    "OBJECT ENCODING k",
    "MEMORY USAGE k SAMPLES 5",
];

/// Commands without keys: Redis says so, and the rewrite changes nothing.
const LINES_WITHOUT_KEYS: &[&str] =
    &["PING", "ECHO STREAMS", "TIME", "COMMAND COUNT", "COMMAND GETKEYS SET a b"];

#[test]
fn tricky_commands_keep_their_keys() {
    let mut redis = TestRedis::start();
    let id = "0123456789abcdef0123456789abcdef";
    for (lines, want_keys) in [(LINES_WITH_KEYS, true), (LINES_WITHOUT_KEYS, false)] {
        for line in lines {
            let args = split_args(line).expect("a valid line");
            let outcome = check(&mut redis, &args, id).unwrap_or_else(|e| panic!("{e}"));
            match outcome {
                Outcome::Checked { keys } => assert_eq!(keys > 0, want_keys, "{line}: {keys} keys"),
                other => panic!("{line}: {other:?}, not checked"),
            }
        }
    }
}

// Running the rewritten commands.
//
// `COMMAND GETKEYS` is what Redis *says* the keys are; the test below
// checks what Redis *does*. Each case runs on a flushed server where the
// namespaced keys hold a value of the command's type, and every other
// argument names a decoy: a key outside the namespace, of the same type,
// holding a marker. After the rewritten command runs (an error reply is
// fine), no key may exist outside the namespace but the decoys, every
// decoy must be unchanged (`DUMP`), and the reply must not carry the
// marker (a read outside the namespace).

/// What the decoys hold.
const MARKER: &str = "LEAKED-DECOY";

/// Puts a value of `group`'s type at `key`: the marker for a decoy,
/// something the command can work on otherwise.
fn seed(pipe: &mut redis::Pipeline, group: &str, key: &[u8], decoy: bool) {
    let member = if decoy { MARKER } else { "m" };
    match group {
        "list" | "generic" => {
            let first = if decoy { MARKER } else { "3" };
            pipe.cmd("RPUSH").arg(key).arg(first).arg("1").arg("2").ignore()
        }
        "set" => pipe.cmd("SADD").arg(key).arg(member).arg("a").arg("b").ignore(),
        "sorted-set" => pipe.cmd("ZADD").arg(key).arg(1).arg(member).arg(2).arg("a").arg(3).arg("b").ignore(),
        "hash" => pipe.cmd("HSET").arg(key).arg(member).arg("1").arg("a").arg("2").ignore(),
        "geo" => {
            pipe.cmd("GEOADD").arg(key).arg(0).arg(0).arg(member).arg("0.001").arg("0.001").arg("a").ignore()
        }
        "stream" => pipe
            .cmd("XADD")
            .arg(key)
            .arg("1-1")
            .arg(member)
            .arg("v")
            .ignore()
            .cmd("XGROUP")
            .arg("CREATE")
            .arg(key)
            .arg("g")
            .arg("0")
            .ignore(),
        "hyperloglog" => pipe.cmd("PFADD").arg(key).arg(member).arg("a").ignore(),
        _ => pipe.cmd("SET").arg(key).arg(if decoy { MARKER } else { "1" }).ignore(),
    };
}

fn dumps(redis: &mut TestRedis, keys: &BTreeSet<Vec<u8>>) -> Vec<Option<Vec<u8>>> {
    if keys.is_empty() {
        return Vec::new(); // an empty pipeline is an error
    }
    let mut pipe = redis::pipe();
    for key in keys {
        pipe.cmd("DUMP").arg(key);
    }
    pipe.query(&mut redis.con).expect("DUMP the decoys")
}

/// What running one command did.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    NotForwarded,
    RewriteRefused,
    /// Ran, and stayed in the namespace; `ok`: Redis did not answer an
    /// error.
    Inside {
        ok: bool,
    },
}

/// Runs `args` as the console would in shared mode, on a prepared server;
/// `Err` describes what escaped the namespace.
fn run_rewritten(redis: &mut TestRedis, args: &[Vec<u8>], id: &str) -> Result<Ran, String> {
    let spec = match decide(args, Mode::Shared) {
        Decision::Forward(spec) => spec,
        _ => return Ok(Ran::NotForwarded),
    };
    let ns = Namespace::for_session(id);
    let mut rewritten = args.to_vec();
    if ns.rewrite(spec, &mut rewritten).is_err() {
        return Ok(Ran::RewriteRefused);
    }
    let words = spec.name.split(' ').count();
    let (keys, decoys): (BTreeSet<Vec<u8>>, BTreeSet<Vec<u8>>) =
        rewritten.iter().skip(words).cloned().partition(|arg| arg.starts_with(ns.prefix()));
    redis::cmd("FLUSHALL").exec(&mut redis.con).expect("FLUSHALL the test server");
    let mut pipe = redis::pipe();
    for key in &keys {
        seed(&mut pipe, spec.group, key, false);
    }
    for decoy in &decoys {
        seed(&mut pipe, spec.group, decoy, true);
    }
    if !keys.is_empty() || !decoys.is_empty() {
        pipe.exec(&mut redis.con).unwrap_or_else(|e| panic!("seeding for {}: {e}", show(args)));
    }
    let before = dumps(redis, &decoys);

    let reply = redis.run(&rewritten);
    let escaped = |what: String| format!("{}\n  rewritten: {}\n  {what}", show(args), show(&rewritten));
    let ok = match reply {
        Ok(value) => {
            let text = format!("{value:?}");
            if text.contains(MARKER) {
                return Err(escaped(format!("the reply read a decoy: {text}")));
            }
            true
        }
        Err(()) => false,
    };
    let all: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut redis.con).expect("KEYS");
    let outside: Vec<Vec<u8>> =
        all.into_iter().filter(|k| !k.starts_with(ns.prefix()) && !decoys.contains(k)).collect();
    if !outside.is_empty() {
        return Err(escaped(format!("wrote keys outside the namespace: {}", show(&outside))));
    }
    if dumps(redis, &decoys) != before {
        return Err(escaped("changed a decoy outside the namespace".to_owned()));
    }
    Ok(Ran::Inside { ok })
}

#[test]
fn random_forwarded_writes_stay_in_the_namespace() {
    let redis = RefCell::new(TestRedis::start());
    let (inside, ran_ok) = (Cell::new(0u32), Cell::new(0u32));
    let (not_forwarded, refused) = (Cell::new(0u32), Cell::new(0u32));
    let add = |counter: &Cell<u32>| counter.set(counter.get() + 1);
    // Only commands that write: a read leaves no trace to check here (the
    // marker check still catches the reads of commands that also write),
    // and reads with huge counts (`SRANDMEMBER k -9999999999999`) would be
    // slow. `COMMAND GETKEYS` above covers the reads' keys.
    let writes: Vec<&'static CommandSpec> =
        forwardable().into_iter().filter(|c| c.has_flag("write")).collect();
    let cases = cases() / 2;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    let result = runner.run(&(command(writes), session_id()), |(args, id)| {
        match run_rewritten(&mut redis.borrow_mut(), &args, &id).map_err(TestCaseError::fail)? {
            Ran::Inside { ok } => {
                add(&inside);
                if ok {
                    add(&ran_ok);
                }
            }
            Ran::NotForwarded => add(&not_forwarded),
            Ran::RewriteRefused => add(&refused),
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{cases} write cases in {:?}: {} ran ({} without an error); not run: {} not forwarded, {} refused \
         by the rewrite",
        started.elapsed(),
        inside.get(),
        ran_ok.get(),
        not_forwarded.get(),
        refused.get(),
    );
    // About 74% run and 20% run without an error (the others mostly have
    // a `numkeys` that is not one, which the rewrite refuses).
    assert!(inside.get() * 10 >= cases * 6, "fewer than 60% of the write cases ran");
    assert!(ran_ok.get() * 10 >= cases, "fewer than 10% of the write cases ran without an error");
}

/// Writes to two keys or more, and keys named like keywords; each must run
/// without an error and stay inside.
const WRITES: &[&str] = &[
    "SET STREAMS v",
    "MSET a 1 STORE 2 WEIGHTS 3",
    "MSETNX x 1 y 2",
    "DEL a b STREAMS",
    "RENAME a b",
    "RENAMENX a b",
    "COPY a b",
    "COPY a b REPLACE",
    "LMOVE a b LEFT RIGHT",
    "LMOVE LEFT RIGHT LEFT RIGHT",
    "RPOPLPUSH a b",
    "SMOVE a b m",
    "SORT l STORE d",
    "SORT l STORE a STORE b",
    "SORT l LIMIT 0 1 STORE STORE",
    "SORT l BY nosort GET # STORE d",
    "GEORADIUS g 0 0 1 km STORE d",
    "GEORADIUS g 0 0 1 km STOREDIST d",
    "GEORADIUS g 0 0 1 km STORE a STOREDIST b",
    "GEORADIUS g 0 0 1 km STOREDIST a STORE b",
    "GEORADIUSBYMEMBER g m 1 km STORE d",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
    "ZUNIONSTORE d 2 WEIGHTS STORE WEIGHTS 1 2",
    "ZINTERSTORE d 2 a b AGGREGATE MAX",
    "ZDIFFSTORE d 2 a b",
    "ZRANGESTORE d s 0 -1",
    "LMPOP 2 a b LEFT COUNT 2",
    "ZMPOP 2 a b MIN",
    "SUNIONSTORE d a b",
    "SINTERSTORE d a b",
    "SDIFFSTORE d a b",
    "BITOP AND d a b",
    "PFMERGE d a b",
    "XREADGROUP GROUP g c STREAMS s >",
    "XREADGROUP GROUP g c COUNT 1 STREAMS a b > >",
    "XREADGROUP GROUP g STREAMS STREAMS STREAMS >",
    "XAUTOCLAIM s g c 0 0-0",
];

/// Shapes where a name equals a keyword Redis's key specs look for:
/// errors are fine, escaping is not.
const WRITES_MAY_FAIL: &[&str] = &[
    "XREADGROUP NOACK GROUP g STREAMS STREAMS s >",
    "XREADGROUP COUNT 1 GROUP STREAMS c STREAMS s >",
    "XREADGROUP COUNT 1 GROUP g STREAMS COUNT 1 STREAMS s >",
    "GEORADIUS g 0 0 1 km STORE STORE",
    "GEORADIUS STORE 0 0 1 km STORE STOREDIST",
    "SORT STORE STORE STORE",
    "SORT l STORE",
];

#[test]
fn tricky_writes_stay_in_the_namespace() {
    let mut redis = TestRedis::start();
    let id = "fedcba9876543210fedcba9876543210";
    for (lines, must_succeed) in [(WRITES, true), (WRITES_MAY_FAIL, false)] {
        for line in lines {
            let args = split_args(line).expect("a valid line");
            match run_rewritten(&mut redis, &args, id).unwrap_or_else(|e| panic!("{e}")) {
                Ran::Inside { ok } => assert!(ok || !must_succeed, "{line}: Redis answered an error"),
                other => panic!("{line}: {other:?}, not run"),
            }
        }
    }
}

/// `GEORADIUS … STORE a STORE b` stores into `b`: Redis's parser
/// (`georadiusGeneric`) takes the word after each `STORE`/`STOREDIST` as
/// its destination and the last one wins. Redis 7.0's key specs, and so
/// `COMMAND GETKEYS`, the ACL key check and `CommandSpec::key_positions`,
/// take the first `STORE` and the first `STOREDIST` instead (and can take a
/// destination named `STOREDIST` for the keyword: `STORE STOREDIST
/// STOREDIST b`). Found by this file: the rewrite used to leave `b` outside
/// the namespace, and the ACL rules do not stop it. The table now prefixes
/// every destination the parser may write.
#[test]
fn georadius_last_store_wins() {
    let mut redis = TestRedis::start();
    let id = "fedcba9876543210fedcba9876543210";
    for line in [
        "GEORADIUS g 0 0 1 km STORE a STORE b",
        "GEORADIUS g 0 0 1 km STOREDIST a STOREDIST b",
        "GEORADIUS g 0 0 1 km STORE a STOREDIST b STORE c",
        "GEORADIUS g 0 0 1 km STORE STOREDIST STOREDIST b",
        "GEORADIUSBYMEMBER g m 1 km STORE a STORE b",
    ] {
        let args = split_args(line).expect("a valid line");
        assert_eq!(run_rewritten(&mut redis, &args, id), Ok(Ran::Inside { ok: true }), "{line}");
    }
    // A STORE that is COUNT's value: the key specs call the next word a
    // key, the parser refuses the count; the rewrite reads it the parser's
    // way (only the source key), and Redis rejects the command either way.
    let args = split_args("GEORADIUSBYMEMBER k m 1 km COUNT STORE x").expect("a valid line");
    assert!(!runs(&mut redis, &args), "Redis's parser refuses COUNT STORE");
    assert_eq!(check(&mut redis, &args, id), Ok(Outcome::InvalidForRedis));
    // So is a count that is no number, with two STORE words after it (a
    // line the property test drew).
    let args = split_args("GEORADIUSBYMEMBER COUNT d qwx KEYS store STOREDIST a").expect("a valid line");
    assert!(!runs(&mut redis, &args), "Redis's parser refuses the count");
    assert_eq!(check(&mut redis, &args, id), Ok(Outcome::InvalidForRedis));
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn stripping_an_added_key_gives_it_back(id in session_id(), other in session_id(), key in prop::collection::vec(any::<u8>(), 0..40)) {
        let ns = Namespace::for_session(&id);
        let namespaced = ns.add(&key);
        prop_assert!(namespaced.starts_with(ns.prefix()));
        prop_assert_eq!(ns.strip(&namespaced), Some(key.as_slice()));
        if other != id {
            prop_assert_eq!(Namespace::for_session(&other).strip(&namespaced), None);
        }
    }
}

/// Redis's `SORT` takes the word after `STORE` as the destination, whatever
/// it is, and goes on after it: `SORT l STORE GET STORE x` stores into `x`.
/// Found by this file: the table used to read `GET` as the option there and
/// leave `x` outside the namespace, as Redis 7.0.15's `COMMAND GETKEYS`
/// does (its ACL check does not, so the ACL user got `NOPERM`).
#[test]
fn sort_store_takes_its_argument() {
    let mut redis = TestRedis::start();
    let id = "fedcba9876543210fedcba9876543210";
    for line in ["SORT l STORE GET STORE x", "SORT l STORE LIMIT STORE x", "SORT l STORE BY STORE x"] {
        let args = split_args(line).expect("a valid line");
        assert_eq!(run_rewritten(&mut redis, &args, id), Ok(Ran::Inside { ok: true }), "{line}");
    }
}

/// `SORT_RO` has no `STORE` option (Redis: `ERR syntax error`), and
/// `COMMAND GETKEYS SORT_RO l STORE d` is just `l`: the table agrees.
#[test]
fn sort_ro_store_is_not_a_key() {
    let mut redis = TestRedis::start();
    let args = split_args("SORT_RO l STORE d").expect("a valid line");
    let spec = bolide_shared::commands::resolve(&args).expect("SORT_RO is known");
    let redis_keys = match getkeys(&mut redis, &args) {
        GetKeys::Keys(keys) => keys,
        other => panic!("{other:?}"),
    };
    assert_eq!(redis_keys, [b"l".to_vec()]);
    assert_eq!(spec.key_positions(&args), Ok(vec![1]));
}
