//! What Bolide's console does with each command: forward it to Redis,
//! answer it itself, or refuse it with a reason a student can read.
//!
//! Hand-written on purpose: the generator never touches this file, because
//! what a learning console should allow is a decision, not something Redis
//! can tell us. The rules come from the product issue:
//!
//! - Refused by default: Redis's `@dangerous` and `@admin` commands,
//!   scripting, `SORT` with `BY`/`GET`, `MIGRATE`/`DUMP`/`RESTORE`,
//!   `SELECT`/`MOVE`/`SWAPDB`/`COPY ... DB`, `AUTH`/`HELLO`/`RESET`/`QUIT`/
//!   `CLIENT`/`WAIT`/`MONITOR`, blocking commands and pub/sub. Unknown
//!   commands get Redis's own `ERR unknown command ...`.
//! - `MULTI`/`EXEC`/`DISCARD` work: Bolide queues them and sends one
//!   transaction (so they are [`Policy::Emulated`]), like `HELP` and `CLEAR`.
//! - In local mode the student owns the server, so what the course uses and
//!   is harmless there is allowed too (`KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB`,
//!   `INFO`, `SAVE`/`BGSAVE`/`LASTSAVE`, `CONFIG GET`, `SELECT` among the
//!   console's databases), but never what can harm the host or Bolide
//!   (`CONFIG SET`, `MODULE`, `DEBUG`, `REPLICAOF`, `SHUTDOWN`, scripting,
//!   anything reaching Bolide's own data).
//!
//! # Design
//!
//! [`policy`] is the static part, one [`Policy`] per table entry. It is
//! decided in this order, first match wins:
//!
//! 1. [`OVERRIDES`]: a short, sorted, hand-maintained list of exceptions
//!    by name (the local-mode exceptions to `@dangerous`/`@admin`, the
//!    emulated commands, and refusals that deserve a specific reason);
//! 2. families by name or group: `CLIENT *`, `MODULE *`, and the
//!    `scripting`, `pubsub` and `cluster` groups;
//! 3. Redis's own classification: the `blocking` flag, then the `@admin`
//!    and `@dangerous` categories;
//! 4. containers (`CONFIG`, `XINFO`, ...) without a subcommand;
//! 5. everything else is [`Policy::Allowed`].
//!
//! Because step 3 reads Redis's categories, a command added by a newer
//! Redis is refused if Redis considers it dangerous, and allowed if it is an
//! ordinary data command; only exceptions need a line here.
//!
//! What depends on the arguments cannot live in a static table; it is in
//! [`check_args`]: `SORT`/`SORT_RO` `BY`/`GET` patterns that read other keys,
//! `XREAD`/`XREADGROUP ... BLOCK`, and the database index of `SELECT`,
//! `MOVE` and `COPY ... DB`.
//!
//! [`decide`] puts it all together for a typed command, and is what the
//! server should call: it resolves subcommands, answers unknown commands,
//! unknown subcommands and wrong arities exactly as Redis does, then applies
//! [`policy`] and [`check_args`].
//!
//! # What the server must still do
//!
//! - In shared mode, put every key (see
//!   [`CommandSpec::key_positions`](super::CommandSpec::key_positions)) in
//!   the session's namespace, and answer [`Policy::EmulatedInShared`]
//!   commands (`KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB`, `RANDOMKEY`) within it.
//!   A `key_positions` error means the keys cannot be known: do not forward.
//! - Check each command queued after `MULTI` with [`decide`] too.
//! - Local mode assumes Bolide keeps its own data outside the console's
//!   [`Databases`]; that is what makes `FLUSHDB` and `KEYS` harmless there.
//! - `SELECT` changes the connection's database: the connection that runs
//!   the student's commands must remember it.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::{parse_redis_int, pattern_names_keys, resolve, CommandSpec};

/// Who owns the Redis behind the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The student's own server (Bolide on their machine). `databases` are
    /// the database indexes the console may `SELECT`, `MOVE` or `COPY` to;
    /// Bolide's own data must live outside them.
    Local { databases: Databases },
    /// A hosted server shared by many students: each session gets one
    /// namespace in one database.
    Shared,
}

/// An inclusive range of database indexes, `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Databases {
    pub first: u32,
    pub last: u32,
}

impl Databases {
    /// Databases `first..=last`.
    pub const fn new(first: u32, last: u32) -> Self {
        Self { first, last }
    }

    /// Whether `index` is one of them.
    pub fn contains(&self, index: i64) -> bool {
        i64::from(self.first) <= index && index <= i64::from(self.last)
    }
}

/// What Bolide does with a command, before looking at its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Forwarded to Redis in both modes.
    Allowed,
    /// Forwarded when the student owns the server ([`Mode::Local`]);
    /// refused with `reason` on a shared server.
    LocalOnly { reason: &'static str },
    /// Bolide answers it itself in both modes: `MULTI`/`EXEC`/`DISCARD`
    /// (queued by Bolide, sent as one transaction), `HELP`, `CLEAR`.
    Emulated,
    /// Forwarded in local mode; on a shared server Bolide answers it within
    /// the session's namespace: `KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB`,
    /// `RANDOMKEY`.
    EmulatedInShared,
    /// Refused in both modes.
    Refused { reason: &'static str },
}

impl Policy {
    /// Whether the command can run at all in `mode` (forwarded or
    /// emulated), arguments aside. Handy for marking commands in `HELP`.
    pub fn available(&self, mode: Mode) -> bool {
        match self {
            Policy::Allowed | Policy::Emulated | Policy::EmulatedInShared => true,
            Policy::LocalOnly { .. } => matches!(mode, Mode::Local { .. }),
            Policy::Refused { .. } => false,
        }
    }

    /// Why the command cannot run in `mode`, if it cannot.
    pub fn refusal_reason(&self, mode: Mode) -> Option<&'static str> {
        match (self, mode) {
            (Policy::Refused { reason }, _) | (Policy::LocalOnly { reason }, Mode::Shared) => Some(reason),
            _ => None,
        }
    }
}

/// Why a command is not run. [`Refusal::message`] is the error to show
/// (redis-cli prints it after `(error) `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Bolide's rules refuse it: `ERR <COMMAND> is refused: <reason>`.
    Policy { command: &'static str, reason: Cow<'static, str> },
    /// Redis itself would refuse it, and this is the error Redis gives
    /// (unknown command or subcommand, wrong number of arguments, a
    /// database index that is not a number).
    Redis(String),
}

impl Refusal {
    /// The error line, without redis-cli's `(error) ` prefix, e.g.
    /// `ERR EVAL is refused: scripting is disabled in Bolide's console`.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// Bolide's reason, or Redis's error.
    pub fn reason(&self) -> &str {
        match self {
            Refusal::Policy { reason, .. } => reason,
            Refusal::Redis(message) => message,
        }
    }

    fn policy(spec: &CommandSpec, reason: &'static str) -> Self {
        Refusal::Policy { command: spec.name, reason: Cow::Borrowed(reason) }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Policy { command, reason } => write!(f, "ERR {command} is refused: {reason}"),
            Refusal::Redis(message) => f.write_str(message),
        }
    }
}

/// What to do with a typed command; see [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it to Redis (in shared mode, with its keys namespaced).
    Forward(&'static CommandSpec),
    /// Bolide answers it itself (match on the spec's name).
    Emulate(&'static CommandSpec),
    /// Answer with [`Refusal::message`] as an error.
    Refuse(Refusal),
}

// The reasons, in one place so they stay consistent. Short sentences a
// student understands, no trailing period (Redis errors have none).
const SCRIPTING: &str = "scripting is disabled in Bolide's console";
const PUBSUB: &str = "pub/sub needs a dedicated connection the console does not keep";
const BLOCKING: &str = "blocking commands would hold a shared connection";
const CLUSTER: &str = "cluster commands need a Redis Cluster, and the console talks to a single server";
const ADMIN: &str = "administrative commands could harm the server Bolide runs on";
const CONNECTION: &str = "Bolide manages the console's connection itself";
const WAIT: &str = "WAIT waits for replicas, and the console's server has none";
const MONITOR: &str = "MONITOR streams every command the server runs and needs a dedicated connection";
const WATCH: &str = "WATCH needs a connection of its own between commands, which the console does not keep";
const DUMP_RESTORE: &str = "DUMP and RESTORE move raw serialized values, which the console does not handle";
const MIGRATE: &str = "MIGRATE moves keys to another server";
const FLUSHALL: &str = "FLUSHALL would erase every database, Bolide's own data included; use FLUSHDB";
const SWAPDB: &str = "SWAPDB swaps whole databases, Bolide's own data included";
const CONFIG_CHANGE: &str = "changing the server's configuration could break Bolide";
const MODULE: &str = "modules load native code into the server";
const DEBUG: &str = "DEBUG can crash or stall the server";
const REPLICATION: &str = "replication settings would take the server away from Bolide";
const SHUTDOWN: &str = "SHUTDOWN would stop the server Bolide needs";
const NEEDS_SUBCOMMAND: &str = "it needs a subcommand (HELP lists them)";
const SORT_PATTERN: &str =
    "SORT's BY and GET patterns read other keys by name, which the console does not allow";
const ONE_DATABASE: &str = "on the shared server each session has a single database";
const INFO: &str = "INFO describes the whole shared server; it works when Bolide runs on your own machine";
const CONFIG_GET: &str =
    "the shared server's configuration is private; CONFIG GET works when Bolide runs on your own machine";
const SAVING: &str =
    "saving is up to the shared server's operator; it works when Bolide runs on your own machine";
const WHOLE_SERVER: &str =
    "it concerns the whole shared server; it works when Bolide runs on your own machine";

/// The hand-maintained exceptions, sorted by name (a test checks the order
/// and that every name is in the table). Everything not listed here follows
/// the general rules in the module doc.
pub const OVERRIDES: &[(&str, Policy)] = &[
    ("AUTH", Policy::Refused { reason: CONNECTION }),
    ("BGSAVE", Policy::LocalOnly { reason: SAVING }),
    ("CLEAR", Policy::Emulated),
    ("CONFIG GET", Policy::LocalOnly { reason: CONFIG_GET }),
    ("CONFIG RESETSTAT", Policy::Refused { reason: CONFIG_CHANGE }),
    ("CONFIG REWRITE", Policy::Refused { reason: CONFIG_CHANGE }),
    ("CONFIG SET", Policy::Refused { reason: CONFIG_CHANGE }),
    ("DBSIZE", Policy::EmulatedInShared),
    ("DEBUG", Policy::Refused { reason: DEBUG }),
    ("DISCARD", Policy::Emulated),
    ("DUMP", Policy::Refused { reason: DUMP_RESTORE }),
    ("EXEC", Policy::Emulated),
    ("FLUSHALL", Policy::Refused { reason: FLUSHALL }),
    ("FLUSHDB", Policy::EmulatedInShared),
    ("HELLO", Policy::Refused { reason: CONNECTION }),
    ("HELP", Policy::Emulated),
    ("INFO", Policy::LocalOnly { reason: INFO }),
    ("KEYS", Policy::EmulatedInShared),
    ("LASTSAVE", Policy::LocalOnly { reason: SAVING }),
    ("MEMORY DOCTOR", Policy::LocalOnly { reason: WHOLE_SERVER }),
    ("MEMORY MALLOC-STATS", Policy::LocalOnly { reason: WHOLE_SERVER }),
    ("MEMORY PURGE", Policy::LocalOnly { reason: WHOLE_SERVER }),
    ("MEMORY STATS", Policy::LocalOnly { reason: WHOLE_SERVER }),
    ("MIGRATE", Policy::Refused { reason: MIGRATE }),
    ("MONITOR", Policy::Refused { reason: MONITOR }),
    ("MOVE", Policy::LocalOnly { reason: ONE_DATABASE }),
    ("MULTI", Policy::Emulated),
    ("QUIT", Policy::Refused { reason: CONNECTION }),
    ("RANDOMKEY", Policy::EmulatedInShared),
    ("REPLICAOF", Policy::Refused { reason: REPLICATION }),
    ("RESET", Policy::Refused { reason: CONNECTION }),
    ("RESTORE", Policy::Refused { reason: DUMP_RESTORE }),
    ("SAVE", Policy::LocalOnly { reason: SAVING }),
    ("SCAN", Policy::EmulatedInShared),
    ("SELECT", Policy::LocalOnly { reason: ONE_DATABASE }),
    ("SHUTDOWN", Policy::Refused { reason: SHUTDOWN }),
    ("SLAVEOF", Policy::Refused { reason: REPLICATION }),
    // @dangerous in Redis only because BY/GET can read any key; check_args
    // refuses those patterns.
    ("SORT", Policy::Allowed),
    ("SORT_RO", Policy::Allowed),
    ("SWAPDB", Policy::Refused { reason: SWAPDB }),
    ("UNWATCH", Policy::Refused { reason: WATCH }),
    ("WAIT", Policy::Refused { reason: WAIT }),
    ("WATCH", Policy::Refused { reason: WATCH }),
    // Flagged blocking only because of the optional BLOCK; check_args
    // refuses that option.
    ("XREAD", Policy::Allowed),
    ("XREADGROUP", Policy::Allowed),
];

/// The static policy for a table entry; see the module doc for the order
/// of the rules.
///
/// A container without its subcommand (`CONFIG` alone) is refused here, so
/// that looking up only the first word can never let `CONFIG SET` through;
/// [`decide`] resolves subcommands and answers a missing or unknown one as
/// Redis does.
pub fn policy(spec: &CommandSpec) -> Policy {
    match rule(spec) {
        Some(policy) => policy,
        None if spec.is_container() => Policy::Refused { reason: NEEDS_SUBCOMMAND },
        None => Policy::Allowed,
    }
}

/// Steps 1 to 3 of the rules; `None` when none applies. Decided once per
/// table entry (by its position, [`CommandSpec::index`]): every command a
/// student sends asks, and the rules compare names, flags and categories.
fn rule(spec: &CommandSpec) -> Option<Policy> {
    static BY_ENTRY: OnceLock<Vec<Option<Policy>>> = OnceLock::new();
    spec.per_entry(&BY_ENTRY, search_rule)
}

/// [`rule`], by name, flags and categories.
fn search_rule(spec: &CommandSpec) -> Option<Policy> {
    if let Ok(i) = OVERRIDES.binary_search_by(|(name, _)| (*name).cmp(spec.name)) {
        return OVERRIDES.get(i).map(|(_, policy)| *policy);
    }
    let refused = |reason| Some(Policy::Refused { reason });
    match spec.command_name() {
        "CLIENT" => return refused(CONNECTION),
        "MODULE" => return refused(MODULE),
        _ => {}
    }
    match spec.group {
        "scripting" => return refused(SCRIPTING),
        "pubsub" => return refused(PUBSUB),
        "cluster" => return refused(CLUSTER),
        _ => {}
    }
    if spec.has_flag("blocking") || spec.in_category("blocking") {
        return refused(BLOCKING);
    }
    if spec.in_category("admin") || spec.in_category("dangerous") || spec.has_flag("admin") {
        return refused(ADMIN);
    }
    None
}

/// The rules that depend on the arguments. `args` is the whole command as
/// typed (`args[0]` is the command name). `Ok` for commands without such
/// rules; this does not repeat [`policy`].
///
/// - `SORT`/`SORT_RO`: a `BY` or `GET` pattern containing `*` reads other
///   keys by name (bypassing the namespace): refused in both modes. `BY
///   nosort` and `GET #` read no other key and are fine.
/// - `XREAD`/`XREADGROUP`: the `BLOCK` option is refused in both modes.
/// - `SELECT index`, `MOVE key db`, `COPY src dst DB db`: on a shared
///   server, refused; locally, the index must be one of the console's
///   [`Databases`] (an index that is not a number gets Redis's own error).
pub fn check_args<A: AsRef<[u8]>>(spec: &CommandSpec, args: &[A], mode: Mode) -> Result<(), Refusal> {
    let arg = |i: usize| args.get(i).map(AsRef::as_ref);
    match spec.name {
        "SORT" | "SORT_RO" => {
            let mut i = 2;
            while let Some(word) = arg(i) {
                if word.eq_ignore_ascii_case(b"LIMIT") {
                    i += 2;
                } else if word.eq_ignore_ascii_case(b"BY") || word.eq_ignore_ascii_case(b"GET") {
                    if arg(i + 1).is_some_and(pattern_names_keys) {
                        return Err(Refusal::policy(spec, SORT_PATTERN));
                    }
                    i += 1;
                }
                i += 1;
            }
            Ok(())
        }
        "XREAD" | "XREADGROUP" => {
            let mut i = 1;
            while let Some(word) = arg(i) {
                if word.eq_ignore_ascii_case(b"STREAMS") {
                    break; // what follows is keys and IDs
                } else if word.eq_ignore_ascii_case(b"BLOCK") {
                    return Err(Refusal::policy(spec, BLOCKING));
                } else if word.eq_ignore_ascii_case(b"GROUP") {
                    i += 2; // group and consumer names
                } else if word.eq_ignore_ascii_case(b"COUNT") {
                    i += 1;
                }
                i += 1;
            }
            Ok(())
        }
        "SELECT" => check_database(spec, arg(1), mode),
        "MOVE" => check_database(spec, arg(2), mode),
        "COPY" => {
            let mut i = 3;
            while let Some(word) = arg(i) {
                if word.eq_ignore_ascii_case(b"DB") {
                    return check_database(spec, arg(i + 1), mode);
                }
                i += 1;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_database(spec: &CommandSpec, index: Option<&[u8]>, mode: Mode) -> Result<(), Refusal> {
    let Mode::Local { databases } = mode else {
        return Err(Refusal::policy(spec, ONE_DATABASE));
    };
    let Some(index) = index else {
        return Ok(()); // Redis reports the missing argument
    };
    match parse_redis_int(index) {
        None => Err(Refusal::Redis("ERR value is not an integer or out of range".to_owned())),
        Some(index) if databases.contains(index) => Ok(()),
        Some(_) => Err(Refusal::Policy {
            command: spec.name,
            reason: Cow::Owned(if databases.first == databases.last {
                format!("the console may only use database {}", databases.first)
            } else {
                format!("the console may only use databases {} to {}", databases.first, databases.last)
            }),
        }),
    }
}

/// Everything Bolide decides about a typed command, in Redis's order:
///
/// 1. unknown command: Redis's `ERR unknown command '...', with args
///    beginning with: ...`;
/// 2. a container whose subcommand is missing or unknown: the container's
///    policy refusal if it has one (`SCRIPT ...`), else Redis's arity or
///    `ERR unknown subcommand '...'. Try CONFIG HELP.`;
/// 3. [`policy`] in `mode` (refusals come before arity, so `EVAL` alone
///    says why it is refused);
/// 4. wrong number of arguments: Redis's error;
/// 5. [`check_args`].
///
/// `args` is the whole command as typed; an empty one is refused.
pub fn decide<A: AsRef<[u8]>>(args: &[A], mode: Mode) -> Decision {
    let Some(name) = args.first() else {
        return Decision::Refuse(Refusal::Redis("ERR empty command".to_owned()));
    };
    let Some(spec) = resolve(args) else {
        return Decision::Refuse(Refusal::Redis(unknown_command_error(args)));
    };
    if spec.is_container() {
        if let Some(Policy::Refused { reason }) = rule(spec) {
            return Decision::Refuse(Refusal::policy(spec, reason));
        }
        return Decision::Refuse(Refusal::Redis(match args.get(1) {
            Some(sub) if spec.accepts_argc(args.len()) => {
                unknown_subcommand_error(name.as_ref(), sub.as_ref())
            }
            _ => arity_error(spec),
        }));
    }
    let decision = match policy(spec) {
        Policy::Allowed => Decision::Forward(spec),
        Policy::Emulated => Decision::Emulate(spec),
        Policy::EmulatedInShared => match mode {
            Mode::Local { .. } => Decision::Forward(spec),
            Mode::Shared => Decision::Emulate(spec),
        },
        Policy::LocalOnly { reason } => match mode {
            Mode::Local { .. } => Decision::Forward(spec),
            Mode::Shared => return Decision::Refuse(Refusal::policy(spec, reason)),
        },
        Policy::Refused { reason } => return Decision::Refuse(Refusal::policy(spec, reason)),
    };
    if !spec.accepts_argc(args.len()) {
        return Decision::Refuse(Refusal::Redis(arity_error(spec)));
    }
    match check_args(spec, args, mode) {
        Ok(()) => decision,
        Err(refusal) => Decision::Refuse(refusal),
    }
}

/// Redis's error for an unknown command: `ERR unknown command 'foo', with
/// args beginning with: 'a' 'b' ` (names and arguments cut as Redis cuts
/// them, line breaks shown as spaces).
pub fn unknown_command_error<A: AsRef<[u8]>>(args: &[A]) -> String {
    let mut out = b"ERR unknown command '".to_vec();
    let name = args.first().map(AsRef::as_ref).unwrap_or_default();
    out.extend_from_slice(name.get(..128).unwrap_or(name));
    out.extend_from_slice(b"', with args beginning with: ");
    let mut listed: Vec<u8> = Vec::new();
    for arg in args.iter().skip(1) {
        if listed.len() >= 128 {
            break;
        }
        let arg = arg.as_ref();
        let room = 128 - listed.len();
        listed.push(b'\'');
        listed.extend_from_slice(arg.get(..room).unwrap_or(arg));
        listed.extend_from_slice(b"' ");
    }
    out.extend_from_slice(&listed);
    redis_error_text(&out)
}

/// Redis's error for an unknown subcommand: `ERR unknown subcommand 'foo'.
/// Try CONFIG HELP.`
pub fn unknown_subcommand_error(container: &[u8], sub: &[u8]) -> String {
    let mut out = b"ERR unknown subcommand '".to_vec();
    out.extend_from_slice(sub.get(..128).unwrap_or(sub));
    out.extend_from_slice(b"'. Try ");
    out.extend(container.iter().map(u8::to_ascii_uppercase));
    out.extend_from_slice(b" HELP.");
    redis_error_text(&out)
}

/// Redis's arity error: `ERR wrong number of arguments for 'config|get'
/// command` (Redis names subcommands with `|`, in lower case).
pub fn arity_error(spec: &CommandSpec) -> String {
    let name = spec.name.to_ascii_lowercase().replace(' ', "|");
    format!("ERR wrong number of arguments for '{name}' command")
}

/// Redis replaces line breaks in error messages with spaces (an error
/// reply is one line).
fn redis_error_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::super::{all, builtins, lookup};
    use super::*;

    const LOCAL: Mode = Mode::Local { databases: Databases::new(0, 7) };
    const MODES: [Mode; 2] = [LOCAL, Mode::Shared];

    fn spec(name: &str) -> &'static CommandSpec {
        lookup(name).unwrap_or_else(|| panic!("{name} is in the table"))
    }

    #[test]
    fn each_entry_keeps_the_rule_its_name_flags_and_categories_give() {
        for spec in all() {
            assert_eq!(rule(spec), search_rule(spec), "{}", spec.name);
        }
    }

    fn policy_of(name: &str) -> Policy {
        policy(spec(name))
    }

    fn words(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    fn decided(line: &str, mode: Mode) -> Decision {
        decide(&words(line), mode)
    }

    fn forwarded(line: &str, mode: Mode) -> bool {
        matches!(decided(line, mode), Decision::Forward(_))
    }

    fn emulated(line: &str, mode: Mode) -> bool {
        matches!(decided(line, mode), Decision::Emulate(_))
    }

    fn refusal(line: &str, mode: Mode) -> String {
        match decided(line, mode) {
            Decision::Refuse(refusal) => refusal.message(),
            other => panic!("{line:?} in {mode:?} should be refused, got {other:?}"),
        }
    }

    fn refused_with(name: &str, reason: &'static str) {
        assert_eq!(policy_of(name), Policy::Refused { reason }, "{name}");
    }

    #[test]
    fn course_commands_run_in_both_modes() {
        let course = [
            "SET", "GET", "HSET", "HGET", "HGETALL", "HKEYS", "DEL", "EXISTS", "TYPE", "LPUSH", "LRANGE",
            "SADD", "SMEMBERS", "INCR", "EXPIRE", "TTL", "MSET", "MGET", "ZADD", "ZRANGE", "XADD", "XRANGE",
        ];
        for name in course {
            assert_eq!(policy_of(name), Policy::Allowed, "{name}");
        }
        for line in [
            "SET k v",
            "get k",
            "HSET h f v",
            "HGET h f",
            "HGETALL h",
            "HKEYS h",
            "DEL a b",
            "EXISTS k",
            "TYPE k",
            "LPUSH l a b",
            "LRANGE l 0 -1",
            "SADD s a",
            "SMEMBERS s",
            "INCR n",
            "EXPIRE k 10",
            "TTL k",
            "MSET a 1 b 2",
            "MGET a b",
            "ZADD z 1 a",
            "ZRANGE z 0 -1",
            "XADD s * f v",
            "XRANGE s - +",
        ] {
            for mode in MODES {
                assert!(forwarded(line, mode), "{line} in {mode:?}");
            }
        }
        // KEYS: forwarded on the student's own server, emulated within the
        // session's namespace on a shared one.
        assert_eq!(policy_of("KEYS"), Policy::EmulatedInShared);
        assert!(forwarded("KEYS *", LOCAL));
        assert!(emulated("KEYS *", Mode::Shared));
    }

    #[test]
    fn scripting_is_refused() {
        for name in [
            "EVAL",
            "EVAL_RO",
            "EVALSHA",
            "EVALSHA_RO",
            "FCALL",
            "FCALL_RO",
            "FUNCTION",
            "FUNCTION LOAD",
            "FUNCTION HELP",
            "SCRIPT",
            "SCRIPT LOAD",
            "SCRIPT FLUSH",
        ] {
            refused_with(name, SCRIPTING);
        }
        for mode in MODES {
            assert_eq!(
                refusal("EVAL return 0", mode),
                "ERR EVAL is refused: scripting is disabled in Bolide's console"
            );
            assert_eq!(refusal("EVAL", mode), refusal("EVAL return 0", mode));
            assert!(refusal("script nosuch", mode).contains(SCRIPTING));
        }
    }

    #[test]
    fn blocking_and_pubsub_are_refused() {
        for name in ["BLPOP", "BRPOP", "BLMOVE", "BLMPOP", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX", "BZMPOP"] {
            refused_with(name, BLOCKING);
        }
        for name in [
            "SUBSCRIBE",
            "PSUBSCRIBE",
            "SSUBSCRIBE",
            "UNSUBSCRIBE",
            "PUNSUBSCRIBE",
            "PUBLISH",
            "SPUBLISH",
            "PUBSUB CHANNELS",
            "PUBSUB",
        ] {
            refused_with(name, PUBSUB);
        }
        for mode in MODES {
            assert!(refusal("BLPOP l 0", mode).ends_with(BLOCKING));
            assert!(refusal("SUBSCRIBE news", mode).ends_with(PUBSUB));
            // XREAD is only blocking with BLOCK.
            assert!(forwarded("XREAD COUNT 2 STREAMS s 0", mode));
            assert!(forwarded("XREAD STREAMS block 0", mode), "a stream named block");
            assert!(refusal("XREAD BLOCK 0 STREAMS s $", mode).ends_with(BLOCKING));
            assert!(refusal("xreadgroup group g c block 10 streams s >", mode).ends_with(BLOCKING));
            assert!(forwarded("XREADGROUP GROUP block c COUNT 1 STREAMS s >", mode));
        }
    }

    #[test]
    fn dangerous_and_admin_are_refused() {
        refused_with("FLUSHALL", FLUSHALL);
        refused_with("CONFIG SET", CONFIG_CHANGE);
        refused_with("CONFIG REWRITE", CONFIG_CHANGE);
        refused_with("MODULE LOAD", MODULE);
        refused_with("MODULE LIST", MODULE);
        refused_with("DEBUG", DEBUG);
        refused_with("REPLICAOF", REPLICATION);
        refused_with("SLAVEOF", REPLICATION);
        refused_with("SHUTDOWN", SHUTDOWN);
        refused_with("SWAPDB", SWAPDB);
        refused_with("MIGRATE", MIGRATE);
        refused_with("DUMP", DUMP_RESTORE);
        refused_with("RESTORE", DUMP_RESTORE);
        for name in [
            "ACL SETUSER",
            "RESTORE-ASKING",
            "BGREWRITEAOF",
            "ROLE",
            "SLOWLOG GET",
            "LATENCY DOCTOR",
            "PFDEBUG",
            "FAILOVER",
        ] {
            refused_with(name, ADMIN);
        }
        for name in ["CLUSTER INFO", "CLUSTER", "READONLY", "READWRITE", "ASKING"] {
            refused_with(name, CLUSTER);
        }
        for mode in MODES {
            assert_eq!(
                refusal("CONFIG SET maxmemory 1", mode),
                "ERR CONFIG SET is refused: changing the server's configuration could break Bolide"
            );
            assert!(refusal("flushall", mode).contains("FLUSHALL is refused"));
            assert!(refusal("SHUTDOWN NOSAVE", mode).contains(SHUTDOWN));
        }
    }

    #[test]
    fn connection_commands_are_refused() {
        for name in [
            "AUTH",
            "HELLO",
            "RESET",
            "QUIT",
            "CLIENT",
            "CLIENT LIST",
            "CLIENT KILL",
            "CLIENT SETNAME",
            "CLIENT HELP",
        ] {
            refused_with(name, CONNECTION);
        }
        refused_with("WAIT", WAIT);
        refused_with("MONITOR", MONITOR);
        refused_with("WATCH", WATCH);
        refused_with("UNWATCH", WATCH);
        assert!(forwarded("PING", Mode::Shared));
        assert!(forwarded("ECHO hi", Mode::Shared));
    }

    #[test]
    fn transactions_help_and_clear_are_emulated() {
        for name in ["MULTI", "EXEC", "DISCARD", "HELP", "CLEAR"] {
            assert_eq!(policy_of(name), Policy::Emulated, "{name}");
        }
        for mode in MODES {
            for line in ["MULTI", "exec", "DISCARD", "HELP", "help @string", "help config get", "CLEAR"] {
                assert!(emulated(line, mode), "{line}");
            }
            assert_eq!(refusal("MULTI x", mode), "ERR wrong number of arguments for 'multi' command");
        }
    }

    #[test]
    fn local_mode_exceptions() {
        for name in ["INFO", "SAVE", "BGSAVE", "LASTSAVE", "CONFIG GET", "SELECT", "MOVE", "MEMORY STATS"] {
            assert!(matches!(policy_of(name), Policy::LocalOnly { .. }), "{name}");
        }
        for name in ["KEYS", "SCAN", "DBSIZE", "FLUSHDB", "RANDOMKEY"] {
            assert_eq!(policy_of(name), Policy::EmulatedInShared, "{name}");
        }
        for line in ["INFO", "INFO memory", "SAVE", "BGSAVE", "LASTSAVE", "CONFIG GET maxmemory", "SELECT 3"]
        {
            assert!(forwarded(line, LOCAL), "{line}");
            let message = refusal(line, Mode::Shared);
            assert!(message.starts_with("ERR ") && message.contains("is refused: "), "{message}");
        }
        for line in ["KEYS *", "SCAN 0", "DBSIZE", "FLUSHDB", "FLUSHDB ASYNC", "RANDOMKEY"] {
            assert!(forwarded(line, LOCAL), "{line}");
            assert!(emulated(line, Mode::Shared), "{line}");
        }
        assert!(refusal("CONFIG GET maxmemory", Mode::Shared)
            .contains("CONFIG GET works when Bolide runs on your own machine"));
        // Still refused on one's own machine.
        for line in [
            "CONFIG SET maxmemory 1",
            "MODULE LOAD /x.so",
            "DEBUG SLEEP 1",
            "REPLICAOF h 1",
            "SHUTDOWN",
            "EVAL x 0",
            "FLUSHALL",
        ] {
            refusal(line, LOCAL);
        }
    }

    #[test]
    fn databases_are_checked() {
        assert!(forwarded("SELECT 0", LOCAL));
        assert!(forwarded("SELECT 7", LOCAL));
        assert_eq!(
            refusal("SELECT 8", LOCAL),
            "ERR SELECT is refused: the console may only use databases 0 to 7"
        );
        assert!(refusal("SELECT -1", LOCAL).contains("databases 0 to 7"));
        assert_eq!(refusal("SELECT 01", LOCAL), "ERR value is not an integer or out of range");
        assert_eq!(refusal("SELECT x", LOCAL), "ERR value is not an integer or out of range");
        assert_eq!(refusal("SELECT", LOCAL), "ERR wrong number of arguments for 'select' command");
        let one = Mode::Local { databases: Databases::new(2, 2) };
        assert_eq!(refusal("SELECT 0", one), "ERR SELECT is refused: the console may only use database 2");
        assert!(refusal("SELECT 0", Mode::Shared).ends_with(ONE_DATABASE));

        assert!(forwarded("MOVE k 3", LOCAL));
        assert!(refusal("MOVE k 9", LOCAL).contains("databases 0 to 7"));
        assert!(refusal("MOVE k 3", Mode::Shared).ends_with(ONE_DATABASE));

        for mode in MODES {
            assert!(forwarded("COPY a b", mode));
            assert!(forwarded("COPY a b REPLACE", mode));
        }
        assert!(forwarded("COPY a b DB 3 REPLACE", LOCAL));
        assert!(refusal("COPY a b db 12", LOCAL).contains("databases 0 to 7"));
        assert!(refusal("COPY a b DB 0", Mode::Shared).ends_with(ONE_DATABASE));
        // A key named "db" is not the option.
        assert!(forwarded("COPY db b", Mode::Shared));
    }

    #[test]
    fn sort_patterns_are_refused() {
        for mode in MODES {
            assert!(forwarded("SORT l", mode));
            assert!(forwarded("SORT l LIMIT 0 10 DESC ALPHA STORE dst", mode));
            assert!(forwarded("SORT l BY nosort GET #", mode));
            assert!(forwarded("SORT l LIMIT 0 by", mode), "LIMIT's count is not BY");
            assert!(refusal("SORT l BY weight_*", mode).ends_with(SORT_PATTERN));
            assert!(refusal("sort l get obj_*->name", mode).ends_with(SORT_PATTERN));
            assert!(refusal("SORT_RO l GET # GET o_*", mode).ends_with(SORT_PATTERN));
        }
    }

    #[test]
    fn unknown_commands_answer_like_redis() {
        for mode in MODES {
            assert_eq!(
                refusal("foo a b", mode),
                "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
            );
            assert_eq!(refusal("foo", mode), "ERR unknown command 'foo', with args beginning with: ");
            assert_eq!(refusal("CONFIG", mode), "ERR wrong number of arguments for 'config' command");
            assert_eq!(refusal("config foo bar", mode), "ERR unknown subcommand 'foo'. Try CONFIG HELP.");
            assert_eq!(refusal("XINFO nope", mode), "ERR unknown subcommand 'nope'. Try XINFO HELP.");
            assert_eq!(refusal("GET", mode), "ERR wrong number of arguments for 'get' command");
        }
        // Arity comes after policy (as EVAL alone says why it is refused).
        assert_eq!(refusal("config get", LOCAL), "ERR wrong number of arguments for 'config|get' command");
        assert!(refusal("config get", Mode::Shared).contains(CONFIG_GET));
        let empty: [&[u8]; 0] = [];
        assert!(matches!(decide(&empty, LOCAL), Decision::Refuse(Refusal::Redis(_))));
        // Line breaks become spaces; long names and arguments are cut at 128
        // bytes as Redis cuts them (checked against Redis 7.0.15).
        assert_eq!(
            unknown_command_error(&["foo", "a\nb", "c"]),
            "ERR unknown command 'foo', with args beginning with: 'a b' 'c' "
        );
        let a200 = "a".repeat(200);
        assert_eq!(unknown_command_error(&["foo", &a200, "b"]).len(), 184);
        let (x100, y100) = ("x".repeat(100), "y".repeat(100));
        assert_eq!(
            unknown_command_error(&["foo", &x100, &y100, "zzz"]),
            format!("ERR unknown command 'foo', with args beginning with: '{x100}' '{}' ", "y".repeat(25))
        );
        assert_eq!(unknown_command_error(&["c".repeat(150)]).len(), 178);
    }

    #[test]
    fn containers_are_never_forwarded_whole() {
        for c in all().iter().filter(|c| c.is_container()) {
            assert!(matches!(policy(c), Policy::Refused { .. }), "{}", c.name);
            for mode in MODES {
                assert!(matches!(decide(&[c.name], mode), Decision::Refuse(_)), "{}", c.name);
            }
        }
        for mode in MODES {
            assert!(forwarded("OBJECT ENCODING k", mode));
            assert!(forwarded("xinfo stream s", mode));
            assert!(forwarded("XGROUP CREATE s g $", mode));
            assert!(forwarded("MEMORY USAGE k", mode));
            assert!(forwarded("COMMAND DOCS get", mode));
            assert!(forwarded("CONFIG HELP", mode));
        }
    }

    #[test]
    fn only_listed_exceptions_escape_dangerous_and_admin() {
        let local_exceptions =
            ["BGSAVE", "CONFIG GET", "FLUSHDB", "INFO", "KEYS", "LASTSAVE", "SAVE", "SORT", "SORT_RO"];
        let shared_exceptions = ["FLUSHDB", "KEYS", "SORT", "SORT_RO"]; // emulated, or args-checked
        for c in all() {
            let dangerous = c.in_category("dangerous") || c.in_category("admin") || c.has_flag("admin");
            if !dangerous {
                continue;
            }
            let p = policy(c);
            assert_eq!(p.available(LOCAL), local_exceptions.contains(&c.name), "{} locally: {p:?}", c.name);
            assert_eq!(
                p.available(Mode::Shared),
                shared_exceptions.contains(&c.name),
                "{} shared: {p:?}",
                c.name
            );
        }
        for c in all().iter().filter(|c| c.has_flag("blocking") || c.in_category("blocking")) {
            let expected = c.name == "XREAD" || c.name == "XREADGROUP";
            assert_eq!(policy(c) == Policy::Allowed, expected, "{}", c.name);
        }
        for c in all().iter().filter(|c| ["scripting", "pubsub", "cluster"].contains(&c.group)) {
            assert!(matches!(policy(c), Policy::Refused { .. }), "{}", c.name);
        }
    }

    #[test]
    fn overrides_are_sorted_and_real() {
        for pair in OVERRIDES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} then {}", pair[0].0, pair[1].0);
        }
        for (name, _) in OVERRIDES {
            assert!(all().iter().chain(builtins()).any(|c| c.name == *name), "{name} is not in the table");
        }
    }

    #[test]
    fn reasons_read_well() {
        let mut reasons: Vec<&str> = OVERRIDES
            .iter()
            .filter_map(|(_, p)| match p {
                Policy::Refused { reason } | Policy::LocalOnly { reason } => Some(*reason),
                _ => None,
            })
            .collect();
        reasons.extend([
            SCRIPTING,
            PUBSUB,
            BLOCKING,
            CLUSTER,
            ADMIN,
            NEEDS_SUBCOMMAND,
            SORT_PATTERN,
            ONE_DATABASE,
        ]);
        for reason in reasons {
            assert!(!reason.is_empty() && reason.len() <= 110, "{reason}");
            assert!(!reason.ends_with('.') && !reason.contains('\n'), "{reason}");
        }
        for c in all().iter().chain(builtins()) {
            if let Some(reason) = policy(c).refusal_reason(Mode::Shared) {
                let message = Refusal::policy(c, reason).message();
                assert!(message.starts_with(&format!("ERR {} is refused: ", c.name)), "{message}");
            }
        }
    }
}
