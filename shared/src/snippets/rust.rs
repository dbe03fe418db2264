//! The `redis` crate side of [`super::rust`].
//!
//! With the `redis` crate the program, not the library, decides what a
//! reply becomes: `let v: T = con.get(...)?` converts the reply to `T`
//! (`FromRedisValue`). So the snippet picks the `T` a Rust programmer would
//! write for this reply (`String`, `Option<String>`, `i64`, `bool` for the
//! commands that answer 0 or 1, `f64` for scores, `BTreeMap` for `HGETALL`,
//! `BTreeSet` for `SMEMBERS`, ...), converts the reply the way the crate
//! does, and prints it with Rust's own `{:?}`. Ordered collections are
//! chosen so that the printed output is the same every run.
//!
//! The call is the crate's `Commands` method when there is one with the same
//! meaning (`con.hset("k", "f", "v")`; not `hset_multiple`, which sends
//! `HMSET` and answers `OK` rather than a count); otherwise
//! `redis::cmd("NAME").arg(...)...query(&mut con)`, which sends exactly what
//! was typed.
//!
//! An error reply makes the call return `Err`; the output is what `main`
//! prints for it with `?` (`Error: ResponseError: syntax error`; codes the
//! crate does not know are printed quoted: `Error: "WRONGTYPE": Operation
//! against ...`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::values::MAX_DEPTH;
use super::word::Word;
use super::{command_name, float_arg, int_arg, special, Snippet, Special};
use crate::cli::Reply;

/// Commands whose integer reply is a yes/no: the natural Rust type is
/// `bool`.
const BOOL_COMMANDS: &[&str] = &[
    "COPY",
    "EXPIRE",
    "EXPIREAT",
    "HEXISTS",
    "HSETNX",
    "MOVE",
    "MSETNX",
    "PERSIST",
    "PEXPIRE",
    "PEXPIREAT",
    "RENAMENX",
    "SETNX",
    "SISMEMBER",
    "SMOVE",
];

/// Commands whose bulk reply is a number with a fractional part.
const FLOAT_COMMANDS: &[&str] = &["GEODIST", "HINCRBYFLOAT", "INCRBYFLOAT", "ZINCRBY", "ZSCORE"];

/// Commands whose array reply is a set of members.
const SET_COMMANDS: &[&str] = &["SDIFF", "SINTER", "SMEMBERS", "SUNION"];

/// Commands whose array reply alternates fields and values.
const MAP_COMMANDS: &[&str] = &["CONFIG GET", "HGETALL"];

/// The start and the end of every transaction snippet: `MULTI`, `EXEC`.
const RS_MULTI: &str = "let mut pipe = redis::pipe();\npipe.atomic();";
const RS_EXEC: &str =
    "let v: redis::Value = pipe.query(&mut con)?; // EXEC: runs the queued commands\nprintln!(\"{v:?}\");";

pub(super) fn snippet(args: &[Word], reply: Option<&Reply>) -> Snippet {
    let Some(first) = args.first() else {
        return Snippet { code: String::new(), output: None, error: false };
    };
    let name = command_name(args);
    let comment = |code: String| Snippet { code, output: None, error: false };
    let typed = reply.map(|reply| rust_type(&name, args, reply));
    let call = || {
        let ty = typed.as_ref().map(|(ty, _)| ty.as_str()).unwrap_or("redis::Value");
        method_call(&name, args, ty).unwrap_or_else(|| cmd_call(args, ty))
    };
    match special(&name, reply) {
        Some(Special::Console) => {
            return comment(format!(
                "// {} is a command of Bolide's console (and redis-cli): the redis crate has no call for it",
                first.to_ascii_uppercase()
            ))
        }
        // A transaction is an atomic pipeline. Each block is a whole
        // program, so each makes its own pipeline and runs it.
        Some(Special::Multi) => {
            return comment(format!(
                "{RS_MULTI} // MULTI: add commands to pipe\n\
                 // pipe.incr(\"counter\", 1); …: one call for each command you queue\n{RS_EXEC}"
            ))
        }
        Some(Special::Exec) => {
            return comment(format!(
                "{RS_MULTI} // MULTI\n// pipe.incr(\"counter\", 1); …: the commands queued since MULTI\n{RS_EXEC}"
            ))
        }
        Some(Special::Discard) => {
            return comment(format!(
                "{RS_MULTI} // MULTI\n// pipe.incr(\"counter\", 1); …: the commands queued since MULTI\n\
                 pipe.clear(); // DISCARD: forget the queued commands"
            ))
        }
        Some(Special::Queued) => {
            let code = match method_call(&name, args, "()") {
                Some(code) => pipe_form(&code),
                None => cmd_chain(args).replacen("redis::cmd(", "pipe.cmd(", 1),
            };
            return comment(format!(
                "{RS_MULTI} // MULTI\n{code}; // queued: runs when the pipeline is queried\n{RS_EXEC}"
            ));
        }
        Some(Special::Refused) => {
            let code = call();
            return comment(format!(
                "{code}\n// Bolide's console refused this command; a program sends it straight to Redis"
            ));
        }
        None => {}
    }
    let code = call();
    let (output, error) = match (reply, typed) {
        (Some(Reply::Error(message)), _) => (Some(error_line(message)), true),
        (Some(_), Some((ty, value))) => (if ty == "()" { None } else { Some(value) }, false),
        _ => (None, false),
    };
    Snippet { code, output, error }
}

/// `let v: T = redis::cmd("NAME").arg("a")...query(&mut con)?;`
fn cmd_call(args: &[Word], ty: &str) -> String {
    format!("{} = {}.query(&mut con)?;", binding(ty), cmd_chain(args))
}

/// `let v: T`, or `let _: ()` when there is no value to print.
fn binding(ty: &str) -> String {
    if ty == "()" {
        "let _: ()".to_owned()
    } else {
        format!("let v: {ty}")
    }
}

/// `redis::cmd("NAME").arg("a").arg("b")` (a known command's name in
/// upper case, an unknown one as typed, since Redis's error quotes it).
fn cmd_chain(args: &[Word]) -> String {
    let known = crate::commands::resolve_name(args).is_some();
    let mut code = String::from("redis::cmd(");
    for (i, arg) in args.iter().enumerate() {
        if i == 0 {
            let _ = if known {
                write!(code, "{:?})", arg.to_ascii_uppercase())
            } else {
                write!(code, "{arg:?})")
            };
        } else {
            let _ = write!(code, ".arg({arg:?})");
        }
    }
    code
}

/// A method call written for a connection (`let v: T = con.m(...)?;`)
/// rewritten for a pipeline (`pipe.m(...)`).
fn pipe_form(code: &str) -> String {
    let call = code.split_once(" = ").map(|(_, call)| call).unwrap_or(code);
    call.trim_end_matches(';').trim_end_matches('?').replacen("con.", "pipe.", 1)
}

/// The `Commands` method for the command, when one fits, bound to `v` with
/// type `ty`.
fn method_call(name: &str, args: &[Word], ty: &str) -> Option<String> {
    let words = name.split(' ').count();
    let rest = args.get(words..)?;
    let s = |i: usize| rest.get(i).map(|arg| format!("{arg:?}"));
    let int = |i: usize| rest.get(i).and_then(|arg| int_arg(arg));
    // One key or a slice of several: `"k"` or `&["a", "b"]` (a slice has one
    // element type: with bytes among strings, `redis::cmd` instead).
    let one_or_many = |items: &[Word]| match items {
        [one] => Some(format!("{one:?}")),
        many if many.iter().any(Word::is_binary) => None,
        many => Some(format!("&{:?}", many)),
    };
    let call = match (name, rest.len()) {
        ("GET", 1) => format!("get({})", s(0)?),
        ("GETDEL", 1) => format!("get_del({})", s(0)?),
        ("SET", 2) => format!("set({}, {})", s(0)?, s(1)?),
        ("SETEX", 3) => format!("set_ex({}, {}, {})", s(0)?, s(2)?, u64::try_from(int(1)?).ok()?),
        ("SETNX", 2) => format!("set_nx({}, {})", s(0)?, s(1)?),
        ("MSET" | "MSETNX", n) if n >= 2 && n.is_multiple_of(2) => {
            let method = if name == "MSET" { "mset" } else { "mset_nx" };
            format!("{method}(&{})", pairs(rest)?)
        }
        ("MGET", n) if n >= 1 => format!("mget({})", one_or_many(rest)?),
        ("DEL" | "EXISTS" | "UNLINK", n) if n >= 1 => {
            format!("{}({})", name.to_ascii_lowercase(), one_or_many(rest)?)
        }
        ("EXPIRE", 2) => format!("expire({}, {})", s(0)?, int(1)?),
        ("PEXPIRE", 2) => format!("pexpire({}, {})", s(0)?, int(1)?),
        (
            "TTL" | "PTTL" | "PERSIST" | "STRLEN" | "HGETALL" | "HKEYS" | "HVALS" | "HLEN" | "LLEN"
            | "SMEMBERS" | "SCARD" | "ZCARD",
            1,
        ) => format!("{}({})", name.to_ascii_lowercase(), s(0)?),
        ("TYPE", 1) => format!("key_type({})", s(0)?),
        ("KEYS", 1) => format!("keys({})", s(0)?),
        ("INCR", 1) => format!("incr({}, 1)", s(0)?),
        ("DECR", 1) => format!("decr({}, 1)", s(0)?),
        ("INCRBY", 2) => format!("incr({}, {})", s(0)?, int(1)?),
        ("DECRBY", 2) => format!("decr({}, {})", s(0)?, int(1)?),
        ("INCRBYFLOAT", 2) => format!("incr({}, {})", s(0)?, float_literal(float_arg(&rest[1])?)?),
        ("RENAME", 2) => format!("rename({}, {})", s(0)?, s(1)?),
        ("RENAMENX", 2) => format!("rename_nx({}, {})", s(0)?, s(1)?),
        ("APPEND", 2) => format!("append({}, {})", s(0)?, s(1)?),
        ("GETRANGE", 3) => format!("getrange({}, {}, {})", s(0)?, int(1)?, int(2)?),
        ("HSET", 3) => format!("hset({}, {}, {})", s(0)?, s(1)?, s(2)?),
        ("HSETNX", 3) => format!("hset_nx({}, {}, {})", s(0)?, s(1)?, s(2)?),
        ("HGET" | "HEXISTS", 2) => format!("{}({}, {})", name.to_ascii_lowercase(), s(0)?, s(1)?),
        ("HMGET", n) if n >= 2 => format!("hmget({}, {})", s(0)?, one_or_many(&rest[1..])?),
        ("HDEL", n) if n >= 2 => format!("hdel({}, {})", s(0)?, one_or_many(&rest[1..])?),
        ("HINCRBY", 3) => format!("hincr({}, {}, {})", s(0)?, s(1)?, int(2)?),
        ("HINCRBYFLOAT", 3) => {
            format!("hincr({}, {}, {})", s(0)?, s(1)?, float_literal(float_arg(&rest[2])?)?)
        }
        ("LPUSH" | "RPUSH" | "SADD" | "SREM" | "ZREM" | "PFADD", n) if n >= 2 => {
            format!("{}({}, {})", name.to_ascii_lowercase(), s(0)?, one_or_many(&rest[1..])?)
        }
        ("LRANGE" | "LTRIM", 3) => {
            format!("{}({}, {}, {})", name.to_ascii_lowercase(), s(0)?, int(1)?, int(2)?)
        }
        ("LINDEX", 2) => format!("lindex({}, {})", s(0)?, int(1)?),
        ("LSET", 3) => format!("lset({}, {}, {})", s(0)?, int(1)?, s(2)?),
        ("LREM", 3) => format!("lrem({}, {}, {})", s(0)?, int(1)?, s(2)?),
        ("LPOP" | "RPOP", 1) => format!("{}({}, None)", name.to_ascii_lowercase(), s(0)?),
        ("SISMEMBER", 2) => format!("sismember({}, {})", s(0)?, s(1)?),
        ("SINTER" | "SUNION" | "SDIFF" | "PFCOUNT", n) if n >= 1 => {
            format!("{}({})", name.to_ascii_lowercase(), one_or_many(rest)?)
        }
        ("ZADD", 3) => format!("zadd({}, {}, {})", s(0)?, s(2)?, score_literal(&rest[1])?),
        ("ZADD", n) if n >= 5 && !n.is_multiple_of(2) => {
            // One element type for the slice: all integers, or all `f64`;
            // members all strings (with bytes among them, `redis::cmd`).
            if rest[2..].iter().step_by(2).any(Word::is_binary) {
                return None;
            }
            let all_int = rest[1..].iter().step_by(2).all(|score| int_arg(score).is_some());
            let mut items = Vec::new();
            for pair in rest[1..].chunks(2) {
                let [score, member] = pair else { return None };
                let score = if all_int { score_literal(score)? } else { float_literal(float_arg(score)?)? };
                items.push(format!("({score}, {member:?})"));
            }
            format!("zadd_multiple({}, &[{}])", s(0)?, items.join(", "))
        }
        ("ZRANGE" | "ZREVRANGE", 3) => {
            format!("{}({}, {}, {})", name.to_ascii_lowercase(), s(0)?, int(1)?, int(2)?)
        }
        ("ZRANGE" | "ZREVRANGE", 4) if rest[3].eq_ignore_ascii_case("WITHSCORES") => {
            format!("{}_withscores({}, {}, {})", name.to_ascii_lowercase(), s(0)?, int(1)?, int(2)?)
        }
        ("ZSCORE" | "ZRANK" | "ZREVRANK", 2) => {
            format!("{}({}, {})", name.to_ascii_lowercase(), s(0)?, s(1)?)
        }
        ("ZINCRBY", 3) => format!("zincr({}, {}, {})", s(0)?, s(2)?, score_literal(&rest[1])?),
        ("ZCOUNT", 3) => format!("zcount({}, {}, {})", s(0)?, s(1)?, s(2)?),
        ("PING", 0) => "ping()".to_owned(),
        _ => return None,
    };
    Some(format!("{} = con.{call}?;", binding(ty)))
}

/// `[("a", "1"), ("b", "2")]` from alternating words; `None` when bytes
/// are among them (an array has one element type).
fn pairs(items: &[Word]) -> Option<String> {
    if items.iter().any(Word::is_binary) {
        return None;
    }
    let pairs: Vec<String> = items.chunks(2).map(|pair| format!("({:?}, {:?})", pair[0], pair[1])).collect();
    Some(format!("[{}]", pairs.join(", ")))
}

/// A number literal for a score: an integer as typed, else an `f64`.
fn score_literal(arg: &str) -> Option<String> {
    match int_arg(arg) {
        Some(n) => Some(n.to_string()),
        None => float_literal(float_arg(arg)?),
    }
}

/// An `f64` literal (`1.5`, `2.0`, `f64::INFINITY`): always a float, so
/// the crate sends `INCRBYFLOAT` rather than `INCRBY`.
fn float_literal(value: f64) -> Option<String> {
    if value.is_nan() {
        None
    } else if value == f64::INFINITY {
        Some("f64::INFINITY".to_owned())
    } else if value == f64::NEG_INFINITY {
        Some("f64::NEG_INFINITY".to_owned())
    } else {
        Some(format!("{value:?}"))
    }
}

/// What `main` prints when a call fails with this error reply: the crate's
/// `Display` of the server error, after `Error: `.
fn error_line(message: &str) -> String {
    let (code, detail) = match message.split_once(' ') {
        Some((code, detail)) => (code, Some(detail)),
        None => (message, None),
    };
    let kind = match code {
        "ERR" => Some("ResponseError"),
        "EXECABORT" => Some("ExecAbort"),
        "LOADING" => Some("BusyLoading"),
        "NOSCRIPT" => Some("NoScript"),
        "MOVED" => Some("Moved"),
        "ASK" => Some("Ask"),
        "TRYAGAIN" => Some("TryAgain"),
        "CLUSTERDOWN" => Some("ClusterDown"),
        "CROSSSLOT" => Some("CrossSlot"),
        "MASTERDOWN" => Some("MasterDown"),
        "READONLY" => Some("ReadOnly"),
        "NOTBUSY" => Some("NotBusy"),
        "NOSUB" => Some("NoSub"),
        "NOPERM" => Some("NoPerm"),
        _ => None,
    };
    let head = match kind {
        Some(kind) => kind.to_owned(),
        None => format!("{code:?}"),
    };
    match detail {
        Some(detail) => format!("Error: {head}: {detail}"),
        None => format!("Error: {head}"),
    }
}

/// The type to ask for, and `{:?}` of the reply converted to it.
fn rust_type(name: &str, args: &[Word], reply: &Reply) -> (String, String) {
    let value = || (String::from("redis::Value"), value_debug(reply));
    let withscores = args.iter().skip(1).any(|arg| arg.eq_ignore_ascii_case("WITHSCORES"));
    match reply {
        Reply::Error(_) => value(),
        Reply::Status(status) if status == "OK" => ("()".to_owned(), "()".to_owned()),
        Reply::Status(status) => ("String".to_owned(), format!("{status:?}")),
        Reply::Integer(n) if BOOL_COMMANDS.contains(&name) => ("bool".to_owned(), format!("{:?}", *n != 0)),
        Reply::Integer(n) => ("i64".to_owned(), n.to_string()),
        Reply::Nil | Reply::NilArray if FLOAT_COMMANDS.contains(&name) => {
            ("Option<f64>".to_owned(), "None".to_owned())
        }
        Reply::Nil | Reply::NilArray if name == "ZRANK" || name == "ZREVRANK" => {
            ("Option<i64>".to_owned(), "None".to_owned())
        }
        Reply::Nil | Reply::NilArray => ("Option<String>".to_owned(), "None".to_owned()),
        Reply::Bulk(bytes) if FLOAT_COMMANDS.contains(&name) => {
            match std::str::from_utf8(bytes).ok().and_then(|text| text.parse::<f64>().ok()) {
                Some(number) => ("f64".to_owned(), format!("{number:?}")),
                None => value(),
            }
        }
        Reply::Bulk(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => ("String".to_owned(), format!("{text:?}")),
            Err(_) => ("Vec<u8>".to_owned(), format!("{bytes:?}")),
        },
        Reply::Array(items) => {
            let Some(strings) = strings(items) else {
                return match optional_strings(items) {
                    Some(optional) => ("Vec<Option<String>>".to_owned(), format!("{optional:?}")),
                    None => match integers(items) {
                        Some(numbers) if !items.is_empty() => ("Vec<i64>".to_owned(), format!("{numbers:?}")),
                        _ => value(),
                    },
                };
            };
            if SET_COMMANDS.contains(&name) {
                let set: BTreeSet<&str> = strings.iter().copied().collect();
                ("BTreeSet<String>".to_owned(), format!("{set:?}"))
            } else if MAP_COMMANDS.contains(&name) && strings.len().is_multiple_of(2) {
                let map: BTreeMap<&str, &str> = strings.chunks(2).map(|pair| (pair[0], pair[1])).collect();
                ("BTreeMap<String, String>".to_owned(), format!("{map:?}"))
            } else if withscores && name.starts_with('Z') && strings.len().is_multiple_of(2) {
                let mut scored = Vec::new();
                for pair in strings.chunks(2) {
                    match pair[1].parse::<f64>() {
                        Ok(score) => scored.push((pair[0], score)),
                        Err(_) => return value(),
                    }
                }
                ("Vec<(String, f64)>".to_owned(), format!("{scored:?}"))
            } else {
                ("Vec<String>".to_owned(), format!("{strings:?}"))
            }
        }
    }
}

/// Every element a UTF-8 bulk string.
fn strings(items: &[Reply]) -> Option<Vec<&str>> {
    items
        .iter()
        .map(|item| match item {
            Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok(),
            _ => None,
        })
        .collect()
}

/// Every element a UTF-8 bulk string or nil, at least one nil.
fn optional_strings(items: &[Reply]) -> Option<Vec<Option<&str>>> {
    items
        .iter()
        .map(|item| match item {
            Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok().map(Some),
            Reply::Nil | Reply::NilArray => Some(None),
            _ => None,
        })
        .collect()
}

/// Every element an integer.
fn integers(items: &[Reply]) -> Option<Vec<i64>> {
    items
        .iter()
        .map(|item| match item {
            Reply::Integer(n) => Some(*n),
            _ => None,
        })
        .collect()
}

/// `{:?}` of the reply as a `redis::Value` (the crate's own `Debug`, for
/// RESP2 values).
fn value_debug(reply: &Reply) -> String {
    let mut out = String::new();
    write_value(&mut out, reply, 0);
    out
}

fn write_value(out: &mut String, reply: &Reply, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    let _ = match reply {
        Reply::Nil | Reply::NilArray => write!(out, "nil"),
        Reply::Integer(n) => write!(out, "int({n:?})"),
        Reply::Bulk(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => write!(out, "bulk-string('{text:?}')"),
            Err(_) => write!(out, "binary-data({bytes:?})"),
        },
        Reply::Status(text) if text == "OK" => write!(out, "ok"),
        Reply::Status(text) => write!(out, "simple-string({text:?})"),
        Reply::Error(message) => match message.split_once(' ') {
            Some((code, detail)) => write!(out, "Server error: `{code}: {detail}`"),
            None => write!(out, "Server error: `{message}`"),
        },
        Reply::Array(items) => {
            out.push_str("array([");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, depth + 1);
            }
            write!(out, "])")
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Word> {
        line.split(' ').map(Word::from).collect()
    }

    fn bulk(text: &str) -> Reply {
        Reply::Bulk(text.as_bytes().to_vec())
    }

    fn bulks(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|item| bulk(item)).collect())
    }

    fn check(line: &str, reply: Reply, code: &str, output: Option<&str>) {
        let snippet = snippet(&args(line), Some(&reply));
        assert_eq!((snippet.code.as_str(), snippet.output.as_deref()), (code, output), "{line}");
    }

    #[test]
    fn common_commands() {
        check(
            "SET my_key my_value",
            Reply::Status("OK".into()),
            "let _: () = con.set(\"my_key\", \"my_value\")?;",
            None,
        );
        check("GET my_key", bulk("my_value"), "let v: String = con.get(\"my_key\")?;", Some("\"my_value\""));
        check("GET missing", Reply::Nil, "let v: Option<String> = con.get(\"missing\")?;", Some("None"));
        check("GET k", Reply::Bulk(vec![0xff]), "let v: Vec<u8> = con.get(\"k\")?;", Some("[255]"));
        check("INCR n", Reply::Integer(1), "let v: i64 = con.incr(\"n\", 1)?;", Some("1"));
        check("INCRBY n 5", Reply::Integer(6), "let v: i64 = con.incr(\"n\", 5)?;", Some("6"));
        check("DECR n", Reply::Integer(5), "let v: i64 = con.decr(\"n\", 1)?;", Some("5"));
        check("INCRBYFLOAT f 2", bulk("2"), "let v: f64 = con.incr(\"f\", 2.0)?;", Some("2.0"));
        check(
            "HSET k2 name Joe email x",
            Reply::Integer(2),
            "let v: i64 = redis::cmd(\"HSET\").arg(\"k2\").arg(\"name\").arg(\"Joe\").arg(\"email\").arg(\"x\").query(&mut con)?;",
            Some("2"),
        );
        check(
            "HSET k2 name Joe",
            Reply::Integer(1),
            "let v: i64 = con.hset(\"k2\", \"name\", \"Joe\")?;",
            Some("1"),
        );
        check(
            "HGETALL k2",
            bulks(&["name", "Joe", "email", "x"]),
            "let v: BTreeMap<String, String> = con.hgetall(\"k2\")?;",
            Some("{\"email\": \"x\", \"name\": \"Joe\"}"),
        );
        check(
            "HGETALL none",
            Reply::Array(vec![]),
            "let v: BTreeMap<String, String> = con.hgetall(\"none\")?;",
            Some("{}"),
        );
        check(
            "KEYS *",
            bulks(&["k2", "my_key"]),
            "let v: Vec<String> = con.keys(\"*\")?;",
            Some("[\"k2\", \"my_key\"]"),
        );
        check(
            "SMEMBERS s",
            bulks(&["b", "a"]),
            "let v: BTreeSet<String> = con.smembers(\"s\")?;",
            Some("{\"a\", \"b\"}"),
        );
        check(
            "SISMEMBER s a",
            Reply::Integer(1),
            "let v: bool = con.sismember(\"s\", \"a\")?;",
            Some("true"),
        );
        check("EXPIRE k 10", Reply::Integer(0), "let v: bool = con.expire(\"k\", 10)?;", Some("false"));
        check("TTL k", Reply::Integer(-2), "let v: i64 = con.ttl(\"k\")?;", Some("-2"));
        check(
            "TYPE k",
            Reply::Status("string".into()),
            "let v: String = con.key_type(\"k\")?;",
            Some("\"string\""),
        );
        check("DEL a b", Reply::Integer(2), "let v: i64 = con.del(&[\"a\", \"b\"])?;", Some("2"));
        check("EXISTS a", Reply::Integer(1), "let v: i64 = con.exists(\"a\")?;", Some("1"));
        check(
            "MSET a 1 b 2",
            Reply::Status("OK".into()),
            "let _: () = con.mset(&[(\"a\", \"1\"), (\"b\", \"2\")])?;",
            None,
        );
        check(
            "MGET a b",
            Reply::Array(vec![bulk("1"), Reply::Nil]),
            "let v: Vec<Option<String>> = con.mget(&[\"a\", \"b\"])?;",
            Some("[Some(\"1\"), None]"),
        );
        check(
            "LPUSH l a b",
            Reply::Integer(2),
            "let v: i64 = con.lpush(\"l\", &[\"a\", \"b\"])?;",
            Some("2"),
        );
        check(
            "LRANGE l 0 -1",
            bulks(&["b", "a"]),
            "let v: Vec<String> = con.lrange(\"l\", 0, -1)?;",
            Some("[\"b\", \"a\"]"),
        );
        check("LPOP l", bulk("b"), "let v: String = con.lpop(\"l\", None)?;", Some("\"b\""));
        check("PING", Reply::Status("PONG".into()), "let v: String = con.ping()?;", Some("\"PONG\""));
    }

    #[test]
    fn sorted_sets() {
        check("ZADD z 1 a", Reply::Integer(1), "let v: i64 = con.zadd(\"z\", \"a\", 1)?;", Some("1"));
        check(
            "ZADD z 1.5 a 2 b",
            Reply::Integer(2),
            "let v: i64 = con.zadd_multiple(\"z\", &[(1.5, \"a\"), (2.0, \"b\")])?;",
            Some("2"),
        );
        check("ZSCORE z a", bulk("1.5"), "let v: f64 = con.zscore(\"z\", \"a\")?;", Some("1.5"));
        check("ZSCORE z x", Reply::Nil, "let v: Option<f64> = con.zscore(\"z\", \"x\")?;", Some("None"));
        check(
            "ZRANGE z 0 -1 WITHSCORES",
            bulks(&["a", "1.5", "b", "2"]),
            "let v: Vec<(String, f64)> = con.zrange_withscores(\"z\", 0, -1)?;",
            Some("[(\"a\", 1.5), (\"b\", 2.0)]"),
        );
        check("ZRANK z x", Reply::Nil, "let v: Option<i64> = con.zrank(\"z\", \"x\")?;", Some("None"));
        check("ZINCRBY z 2 a", bulk("3.5"), "let v: f64 = con.zincr(\"z\", \"a\", 2)?;", Some("3.5"));
        check("ZADD z NX 1 a", Reply::Integer(1), "let v: i64 = redis::cmd(\"ZADD\").arg(\"z\").arg(\"NX\").arg(\"1\").arg(\"a\").query(&mut con)?;", Some("1"));
    }

    #[test]
    fn generic_commands() {
        check(
            "XADD s * f v",
            bulk("1-0"),
            "let v: String = redis::cmd(\"XADD\").arg(\"s\").arg(\"*\").arg(\"f\").arg(\"v\").query(&mut con)?;",
            Some("\"1-0\""),
        );
        let nested = Reply::Array(vec![Reply::Array(vec![bulk("1-0"), bulks(&["f", "v"])])]);
        check(
            "xrange s - +",
            nested,
            "let v: redis::Value = redis::cmd(\"XRANGE\").arg(\"s\").arg(\"-\").arg(\"+\").query(&mut con)?;",
            Some("array([array([bulk-string('\"1-0\"'), array([bulk-string('\"f\"'), bulk-string('\"v\"')])])])"),
        );
        check(
            "SET k v NX",
            Reply::Nil,
            "let v: Option<String> = redis::cmd(\"SET\").arg(\"k\").arg(\"v\").arg(\"NX\").query(&mut con)?;",
            Some("None"),
        );
        check(
            "SCAN 0",
            Reply::Array(vec![bulk("0"), bulks(&["a"])]),
            "let v: redis::Value = redis::cmd(\"SCAN\").arg(\"0\").query(&mut con)?;",
            Some("array([bulk-string('\"0\"'), array([bulk-string('\"a\"')])])"),
        );
        let xss = vec![Word::from("GET"), Word::from("<img src=x onerror=alert(1)>")];
        assert_eq!(
            snippet(&xss, Some(&Reply::Nil)).code,
            "let v: Option<String> = con.get(\"<img src=x onerror=alert(1)>\")?;"
        );
        check(
            "GET say\"hi\"",
            Reply::Nil,
            "let v: Option<String> = con.get(\"say\\\"hi\\\"\")?;",
            Some("None"),
        );
    }

    #[test]
    fn errors_are_what_main_prints() {
        let snippet = snippet(
            &args("SET k v EX x"),
            Some(&Reply::Error("ERR value is not an integer or out of range".into())),
        );
        assert!(snippet.error);
        assert_eq!(
            snippet.output.as_deref(),
            Some("Error: ResponseError: value is not an integer or out of range")
        );
        assert!(snippet.code.starts_with("let v: redis::Value = redis::cmd(\"SET\")"));
        assert_eq!(
            error_line("WRONGTYPE Operation against a key holding the wrong kind of value"),
            "Error: \"WRONGTYPE\": Operation against a key holding the wrong kind of value"
        );
        assert_eq!(error_line("EXECABORT Transaction discarded"), "Error: ExecAbort: Transaction discarded");
        assert_eq!(error_line("ERR"), "Error: ResponseError");
    }

    #[test]
    fn console_transactions_and_refusals() {
        assert!(snippet(&args("CLEAR"), None).code.starts_with("// CLEAR is a command of Bolide's console"));
        // Each transaction snippet is a whole program: its own pipeline, run.
        for line in ["MULTI", "EXEC", "DISCARD"] {
            let code = snippet(&args(line), Some(&Reply::Status("OK".into()))).code;
            assert!(code.starts_with(RS_MULTI), "{code}");
        }
        let exec = snippet(&args("EXEC"), Some(&Reply::Array(vec![]))).code;
        assert!(exec.ends_with(RS_EXEC), "{exec}");
        let queued = snippet(&args("SET k v"), Some(&Reply::Status("QUEUED".into())));
        assert_eq!(
            queued.code,
            format!("{RS_MULTI} // MULTI\npipe.set(\"k\", \"v\"); // queued: runs when the pipeline is queried\n{RS_EXEC}")
        );
        let queued = snippet(&args("XADD s * f v"), Some(&Reply::Status("QUEUED".into())));
        assert!(queued
            .code
            .contains("\npipe.cmd(\"XADD\").arg(\"s\").arg(\"*\").arg(\"f\").arg(\"v\"); // queued"));
        let refused = Reply::Error("ERR FLUSHALL is refused: no".into());
        let flushall = snippet(&args("FLUSHALL"), Some(&refused));
        assert_eq!(flushall.code, "let v: redis::Value = redis::cmd(\"FLUSHALL\").query(&mut con)?;\n// Bolide's console refused this command; a program sends it straight to Redis");
        assert_eq!(flushall.output, None);
    }

    #[test]
    fn arguments_that_are_not_utf8_are_byte_strings() {
        let words = |args: &[&[u8]]| args.iter().map(|arg| Word::new(arg)).collect::<Vec<_>>();
        let ok = Reply::Status("OK".into());
        assert_eq!(
            snippet(&words(&[b"SET", b"bin", b"\x00\xff"]), Some(&ok)).code,
            "let _: () = con.set(\"bin\", b\"\\x00\\xff\")?;"
        );
        // A slice has one element type: bytes among strings go through redis::cmd.
        let code = snippet(&words(&[b"RPUSH", b"l", b"a", b"\xff"]), Some(&Reply::Integer(2))).code;
        assert_eq!(
            code,
            "let v: i64 = redis::cmd(\"RPUSH\").arg(\"l\").arg(\"a\").arg(b\"\\xff\").query(&mut con)?;"
        );
        let code = snippet(&words(&[b"MSET", b"a", b"1", b"b", b"\xff"]), Some(&ok)).code;
        assert!(code.contains("redis::cmd(\"MSET\")") && code.contains(".arg(b\"\\xff\")"), "{code}");
    }

    #[test]
    fn no_reply_means_no_output() {
        let snippet = snippet(&args("GET k"), None);
        assert_eq!(snippet.code, "let v: redis::Value = con.get(\"k\")?;");
        assert_eq!(snippet.output, None);
    }

    #[test]
    fn value_debug_matches_the_crate() {
        let reply = Reply::Array(vec![
            Reply::Nil,
            Reply::Integer(3),
            Reply::Status("OK".into()),
            Reply::Status("QUEUED".into()),
            Reply::Bulk(vec![0xff]),
            Reply::Error("ERR bad thing".into()),
        ]);
        assert_eq!(
            value_debug(&reply),
            "array([nil, int(3), ok, simple-string(\"QUEUED\"), binary-data([255]), Server error: `ERR: bad thing`])"
        );
        let mut deep = Reply::Integer(1);
        for _ in 0..500 {
            deep = Reply::Array(vec![deep]);
        }
        assert!(value_debug(&deep).contains("..."));
    }
}
