//! The redis-py 5.x side of [`super::python`].
//!
//! Two steps, as in redis-py itself:
//!
//! 1. **The call.** Common commands become the method a script would use,
//!    with redis-py's argument conventions (`rd.hset('k', mapping={...})`,
//!    `rd.mset({...})`, `rd.zadd('z', {'a': 1.0})`, `rd.set('k', 'v',
//!    ex=10, nx=True)`). Anything else, or a familiar command with options
//!    the mapping does not cover, becomes `rd.execute_command('XADD', ...)`,
//!    which sends exactly what was typed.
//! 2. **The value.** redis-py passes every reply through the response
//!    callback registered for the command name it sent (its
//!    `_RedisCallbacks` and `_RedisCallbacksRESP2` tables, looked up
//!    case-insensitively, also for `execute_command`), with the options the
//!    method adds (`withscores`, `get`, `as_score`). [`callback`] reproduces
//!    the callbacks a console command can reach; replies it cannot model
//!    faithfully (a `datetime`, `COMMAND`'s nested dicts) give no output
//!    rather than a wrong one.
//!
//! Errors are raised, not returned: the output is the last line of the
//! traceback, with the exception class redis-py's parser picks for the
//! error code (`ERR` is stripped from the message, as redis-py does).

use super::values::{float_literal, parse_float, parse_int, str_literal, Py, MAX_DEPTH};
use super::word::Word;
use super::{command_name, float_arg, int_arg, special, Snippet, Special};
use crate::cli::Reply;

/// How the call was written, which decides the callback and its options.
struct Call {
    /// The Python expression (or statement, for the special cases).
    code: String,
    /// The command name redis-py looks callbacks up by.
    callback: String,
    options: Options,
}

/// The keyword options redis-py methods pass on to their callbacks.
#[derive(Debug, Clone, Copy, Default)]
struct Options {
    /// `zrange(..., withscores=True)` and friends, `zpopmin`/`zpopmax`.
    withscores: bool,
    /// `set(..., get=True)`.
    get: bool,
    /// `zadd(..., incr=True)`.
    as_score: bool,
}

/// The end of every transaction snippet: `EXEC`.
const PY_EXEC: &str =
    "print(pipe.execute())  # EXEC: runs the queued commands, prints the list of their results";

pub(super) fn snippet(args: &[Word], reply: Option<&Reply>) -> Snippet {
    let Some(first) = args.first() else {
        return Snippet { code: String::new(), output: None, error: false };
    };
    let name = command_name(args);
    let call = || method_call(&name, args).unwrap_or_else(|| execute_command(args));
    let comment = |code: &str| Snippet { code: code.to_owned(), output: None, error: false };
    match special(&name, reply) {
        Some(Special::Console) => {
            return comment(&format!(
                "# {} is a command of Bolide's console (and redis-cli): there is no redis-py call for it",
                first.to_ascii_uppercase()
            ))
        }
        // A transaction is a pipeline in redis-py. Each block is a whole
        // program, so each makes its own pipeline and runs it: the console's
        // MULTI … EXEC, in one go.
        Some(Special::Multi) => {
            return comment(&format!(
                "pipe = rd.pipeline()  # MULTI: a transaction; queue commands on pipe\n\
                 # pipe.incr('counter') …: one call for each command you queue\n{PY_EXEC}"
            ))
        }
        Some(Special::Exec) => {
            return comment(&format!(
                "pipe = rd.pipeline()  # MULTI\n# pipe.incr('counter') …: the commands queued since MULTI\n{PY_EXEC}"
            ))
        }
        Some(Special::Discard) => {
            return comment(
                "pipe = rd.pipeline()  # MULTI\n# pipe.incr('counter') …: the commands queued since MULTI\n\
                 pipe.reset()  # DISCARD: forget the queued commands",
            )
        }
        Some(Special::Queued) => {
            let code = call().code.replacen("rd.", "pipe.", 1);
            return comment(&format!(
                "pipe = rd.pipeline()  # MULTI\n{code}  # queued: runs at pipe.execute()\n{PY_EXEC}"
            ));
        }
        Some(Special::Refused) => {
            let code = call().code;
            return comment(&format!(
                "{code}\n# Bolide's console refused this command; a script sends it straight to Redis"
            ));
        }
        None => {}
    }
    let call = call();
    let (output, error) = match reply {
        None => (None, false),
        Some(Reply::Error(message)) => (Some(exception_line(message)), true),
        Some(reply) => (callback(&call.callback, call.options, reply).map(|value| value.print()), false),
    };
    Snippet { code: call.code, output, error }
}

/// `rd.execute_command('NAME', 'arg', ...)`: the command as typed (a known
/// command's name in upper case, as scripts usually write it; an unknown
/// one as typed, since Redis's error quotes it).
fn execute_command(args: &[Word]) -> Call {
    let known = crate::commands::resolve_name(args).is_some();
    let mut parts = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        parts.push(if i == 0 && known {
            str_literal(&arg.to_ascii_uppercase())
        } else {
            arg.python_literal()
        });
    }
    Call {
        code: format!("rd.execute_command({})", parts.join(", ")),
        callback: args.first().map(|name| name.to_ascii_uppercase()).unwrap_or_default(),
        options: Options::default(),
    }
}

/// One argument of a method call, as written in Python.
enum Arg {
    /// A string literal.
    Str,
    /// An integer literal (the argument must be a strict integer).
    Int,
    /// A float literal.
    Float,
}

/// Commands whose redis-py method takes the Redis arguments in order, one
/// for one: name, method, argument kinds, and whether the last kind repeats
/// (variadic, at least once).
const PLAIN: &[(&str, &str, &[Arg], bool)] = {
    use Arg::{Float as F, Int as I, Str as S};
    &[
        ("APPEND", "append", &[S, S], false),
        ("BGSAVE", "bgsave", &[], false),
        ("DBSIZE", "dbsize", &[], false),
        ("DECR", "decr", &[S], false),
        ("DECRBY", "decrby", &[S, I], false),
        ("DEL", "delete", &[S], true),
        ("ECHO", "echo", &[S], false),
        ("EXISTS", "exists", &[S], true),
        ("GET", "get", &[S], false),
        ("GETDEL", "getdel", &[S], false),
        ("GETRANGE", "getrange", &[S, I, I], false),
        ("GETSET", "getset", &[S, S], false),
        ("HDEL", "hdel", &[S, S], true),
        ("HEXISTS", "hexists", &[S, S], false),
        ("HGET", "hget", &[S, S], false),
        ("HGETALL", "hgetall", &[S], false),
        ("HINCRBY", "hincrby", &[S, S, I], false),
        ("HINCRBYFLOAT", "hincrbyfloat", &[S, S, F], false),
        ("HKEYS", "hkeys", &[S], false),
        ("HLEN", "hlen", &[S], false),
        ("HSETNX", "hsetnx", &[S, S, S], false),
        ("HSTRLEN", "hstrlen", &[S, S], false),
        ("HVALS", "hvals", &[S], false),
        ("INCR", "incr", &[S], false),
        ("INCRBY", "incrby", &[S, I], false),
        ("INCRBYFLOAT", "incrbyfloat", &[S, F], false),
        ("KEYS", "keys", &[S], false),
        ("LINDEX", "lindex", &[S, I], false),
        ("LLEN", "llen", &[S], false),
        ("LPUSH", "lpush", &[S, S], true),
        ("LPUSHX", "lpushx", &[S, S], true),
        ("LRANGE", "lrange", &[S, I, I], false),
        ("LREM", "lrem", &[S, I, S], false),
        ("LSET", "lset", &[S, I, S], false),
        ("LTRIM", "ltrim", &[S, I, I], false),
        ("MEMORY USAGE", "memory_usage", &[S], false),
        ("PERSIST", "persist", &[S], false),
        ("PEXPIRE", "pexpire", &[S, I], false),
        ("PFADD", "pfadd", &[S, S], true),
        ("PFCOUNT", "pfcount", &[S], true),
        ("PING", "ping", &[], false),
        ("PTTL", "pttl", &[S], false),
        ("RANDOMKEY", "randomkey", &[], false),
        ("RENAME", "rename", &[S, S], false),
        ("RENAMENX", "renamenx", &[S, S], false),
        ("RPUSH", "rpush", &[S, S], true),
        ("RPUSHX", "rpushx", &[S, S], true),
        ("SADD", "sadd", &[S, S], true),
        ("SAVE", "save", &[], false),
        ("SCARD", "scard", &[S], false),
        ("SDIFF", "sdiff", &[S], true),
        ("SETEX", "setex", &[S, I, S], false),
        ("SETNX", "setnx", &[S, S], false),
        ("SETRANGE", "setrange", &[S, I, S], false),
        ("SINTER", "sinter", &[S], true),
        ("SISMEMBER", "sismember", &[S, S], false),
        ("SMEMBERS", "smembers", &[S], false),
        ("SMOVE", "smove", &[S, S, S], false),
        ("SREM", "srem", &[S, S], true),
        ("STRLEN", "strlen", &[S], false),
        ("SUNION", "sunion", &[S], true),
        ("TIME", "time", &[], false),
        ("TTL", "ttl", &[S], false),
        ("TYPE", "type", &[S], false),
        ("UNLINK", "unlink", &[S], true),
        ("XLEN", "xlen", &[S], false),
        ("ZCARD", "zcard", &[S], false),
        ("ZCOUNT", "zcount", &[S, S, S], false),
        ("ZINCRBY", "zincrby", &[S, F, S], false),
        ("ZRANK", "zrank", &[S, S], false),
        ("ZREM", "zrem", &[S, S], true),
        ("ZREVRANK", "zrevrank", &[S, S], false),
        ("ZSCORE", "zscore", &[S, S], false),
    ]
};

/// The redis-py method for the command, when one fits the arguments.
/// `name` is the table's name (`"CONFIG GET"`); `args` the whole command.
fn method_call(name: &str, args: &[Word]) -> Option<Call> {
    let words = name.split(' ').count();
    let rest = args.get(words..)?;
    let s = |i: usize| rest.get(i).map(|arg| arg.python_literal());
    let call = |code: String, options: Options| Some(Call { code, callback: name.to_owned(), options });
    if let Ok(i) = PLAIN.binary_search_by(|(n, ..)| (*n).cmp(name)) {
        let (_, method, kinds, variadic) = PLAIN.get(i)?;
        let fits = if *variadic { rest.len() >= kinds.len() } else { rest.len() == kinds.len() };
        if !fits {
            return None;
        }
        let mut parts = Vec::with_capacity(rest.len());
        for (i, arg) in rest.iter().enumerate() {
            let kind = kinds.get(i).or(kinds.last())?;
            parts.push(match kind {
                Arg::Str => arg.python_literal(),
                Arg::Int => int_arg(arg)?.to_string(),
                Arg::Float => float_literal(float_arg(arg)?),
            });
        }
        return call(format!("rd.{method}({})", parts.join(", ")), Options::default());
    }
    let upper = |i: usize| rest.get(i).map(|arg| arg.to_ascii_uppercase());
    match name {
        "SET" => set_call(rest).and_then(|(code, options)| call(code, options)),
        "HSET" if rest.len() >= 3 && !rest.len().is_multiple_of(2) => {
            let pairs = dict_literal(&rest[1..], |v| Some(v.python_literal()))?;
            call(format!("rd.hset({}, mapping={pairs})", s(0)?), Options::default())
        }
        "MSET" | "MSETNX" if !rest.is_empty() && rest.len().is_multiple_of(2) => {
            let pairs = dict_literal(rest, |v| Some(v.python_literal()))?;
            call(format!("rd.{}({pairs})", name.to_ascii_lowercase()), Options::default())
        }
        "MGET" if !rest.is_empty() => call(format!("rd.mget({})", list_literal(rest)), Options::default()),
        "HMGET" if rest.len() >= 2 => {
            call(format!("rd.hmget({}, {})", s(0)?, list_literal(&rest[1..])), Options::default())
        }
        "ZMSCORE" if rest.len() >= 2 => {
            call(format!("rd.zmscore({}, {})", s(0)?, list_literal(&rest[1..])), Options::default())
        }
        "EXPIRE" if rest.len() == 2 || rest.len() == 3 => {
            let flag = match upper(2).as_deref() {
                None => String::new(),
                Some(flag @ ("NX" | "XX" | "GT" | "LT")) => format!(", {}=True", flag.to_ascii_lowercase()),
                Some(_) => return None,
            };
            call(format!("rd.expire({}, {}{flag})", s(0)?, int_arg(&rest[1])?), Options::default())
        }
        "LPOP" | "RPOP" | "SPOP" | "SRANDMEMBER" if rest.len() == 1 || rest.len() == 2 => {
            let count = match rest.get(1) {
                Some(count) => format!(", {}", int_arg(count)?),
                None => String::new(),
            };
            call(format!("rd.{}({}{count})", name.to_ascii_lowercase(), s(0)?), Options::default())
        }
        "ZADD" => zadd_call(rest).and_then(|(code, options)| call(code, options)),
        "ZRANGE" | "ZREVRANGE" if rest.len() == 3 || rest.len() == 4 => {
            let withscores = match upper(3).as_deref() {
                None => false,
                Some("WITHSCORES") => true,
                Some(_) => return None,
            };
            let (start, end) = (int_arg(&rest[1])?, int_arg(&rest[2])?);
            let flag = if withscores { ", withscores=True" } else { "" };
            let code = format!("rd.{}({}, {start}, {end}{flag})", name.to_ascii_lowercase(), s(0)?);
            call(code, Options { withscores, ..Options::default() })
        }
        "ZRANGEBYSCORE" if rest.len() == 3 || rest.len() == 4 => {
            let withscores = match upper(3).as_deref() {
                None => false,
                Some("WITHSCORES") => true,
                Some(_) => return None,
            };
            let flag = if withscores { ", withscores=True" } else { "" };
            let code = format!("rd.zrangebyscore({}, {}, {}{flag})", s(0)?, s(1)?, s(2)?);
            call(code, Options { withscores, ..Options::default() })
        }
        "ZPOPMIN" | "ZPOPMAX" if rest.len() == 1 || rest.len() == 2 => {
            let count = match rest.get(1) {
                Some(count) => format!(", {}", int_arg(count)?),
                None => String::new(),
            };
            let code = format!("rd.{}({}{count})", name.to_ascii_lowercase(), s(0)?);
            call(code, Options { withscores: true, ..Options::default() })
        }
        "SCAN" => scan_call(None, rest).and_then(|code| call(code, Options::default())),
        "SSCAN" | "HSCAN" | "ZSCAN" if !rest.is_empty() => {
            let code = scan_call(Some((&name.to_ascii_lowercase(), &rest[0])), &rest[1..])?;
            call(code, Options::default())
        }
        "CONFIG GET" if !rest.is_empty() => {
            let parts: Vec<String> = rest.iter().map(|arg| arg.python_literal()).collect();
            call(format!("rd.config_get({})", parts.join(", ")), Options::default())
        }
        "INFO" if rest.len() <= 1 => {
            call(format!("rd.info({})", s(0).unwrap_or_default()), Options::default())
        }
        "FLUSHDB" if rest.is_empty() => call("rd.flushdb()".to_owned(), Options::default()),
        "FLUSHDB" if rest.len() == 1 && upper(0).as_deref() == Some("ASYNC") => {
            call("rd.flushdb(asynchronous=True)".to_owned(), Options::default())
        }
        "XADD" if rest.len() >= 4 && rest.len().is_multiple_of(2) => {
            let fields = dict_literal(&rest[2..], |v| Some(v.python_literal()))?;
            let id = if rest[1] == "*" { String::new() } else { format!(", id={}", s(1)?) };
            if rest[1].starts_with(|c: char| c.is_ascii_alphabetic()) {
                return None; // an option such as MAXLEN or NOMKSTREAM
            }
            call(format!("rd.xadd({}, {fields}{id})", s(0)?), Options::default())
        }
        "XRANGE" | "XREVRANGE"
            if rest.len() == 3 || (rest.len() == 5 && upper(3).as_deref() == Some("COUNT")) =>
        {
            let count = match rest.get(4) {
                Some(count) => format!(", count={}", int_arg(count)?),
                None => String::new(),
            };
            let code = format!("rd.{}({}, {}, {}{count})", name.to_ascii_lowercase(), s(0)?, s(1)?, s(2)?);
            call(code, Options::default())
        }
        "XREAD" => xread_call(rest).and_then(|code| call(code, Options::default())),
        "OBJECT ENCODING" | "OBJECT FREQ" | "OBJECT IDLETIME" | "OBJECT REFCOUNT" if rest.len() == 1 => {
            let info = name.trim_start_matches("OBJECT ").to_ascii_lowercase();
            call(format!("rd.object('{info}', {})", s(0)?), Options::default())
        }
        "GEOADD" if rest.len() >= 4 && (rest.len() - 1) % 3 == 0 => {
            let mut values = Vec::new();
            for triple in rest[1..].chunks(3) {
                let [lon, lat, member] = triple else { return None };
                values.push(format!(
                    "{}, {}, {}",
                    float_literal(float_arg(lon)?),
                    float_literal(float_arg(lat)?),
                    member.python_literal()
                ));
            }
            call(format!("rd.geoadd({}, [{}])", s(0)?, values.join(", ")), Options::default())
        }
        "GEODIST" if rest.len() == 3 || rest.len() == 4 => {
            let unit = match rest.get(3) {
                Some(unit) => format!(", unit={}", str_literal(&unit.to_ascii_lowercase())),
                None => String::new(),
            };
            call(format!("rd.geodist({}, {}, {}{unit})", s(0)?, s(1)?, s(2)?), Options::default())
        }
        "GEOPOS" | "GEOHASH" if rest.len() >= 2 => {
            let parts: Vec<String> = rest.iter().map(|arg| arg.python_literal()).collect();
            call(format!("rd.{}({})", name.to_ascii_lowercase(), parts.join(", ")), Options::default())
        }
        _ => None,
    }
}

/// `rd.set('k', 'v', ex=10, nx=True, get=True)`, keyword arguments in
/// redis-py's order; `None` for options it cannot express.
fn set_call(rest: &[Word]) -> Option<(String, Options)> {
    let [key, value, options @ ..] = rest else { return None };
    let mut ex = None;
    let mut px = None;
    let mut exat = None;
    let mut pxat = None;
    let (mut nx, mut xx, mut keepttl, mut get) = (false, false, false, false);
    let mut i = 0;
    while let Some(option) = options.get(i) {
        let number = || options.get(i + 1).and_then(|n| int_arg(n));
        match option.to_ascii_uppercase().as_str() {
            "NX" if !nx => nx = true,
            "XX" if !xx => xx = true,
            "KEEPTTL" if !keepttl => keepttl = true,
            "GET" if !get => get = true,
            "EX" if ex.is_none() => (ex, i) = (Some(number()?), i + 1),
            "PX" if px.is_none() => (px, i) = (Some(number()?), i + 1),
            "EXAT" if exat.is_none() => (exat, i) = (Some(number()?), i + 1),
            "PXAT" if pxat.is_none() => (pxat, i) = (Some(number()?), i + 1),
            _ => return None,
        }
        i += 1;
    }
    let mut code = format!("rd.set({}, {}", key.python_literal(), value.python_literal());
    let numbers = [("ex", ex), ("px", px)];
    for (keyword, number) in numbers {
        if let Some(number) = number {
            code.push_str(&format!(", {keyword}={number}"));
        }
    }
    for (keyword, on) in [("nx", nx), ("xx", xx), ("keepttl", keepttl), ("get", get)] {
        if on {
            code.push_str(&format!(", {keyword}=True"));
        }
    }
    for (keyword, number) in [("exat", exat), ("pxat", pxat)] {
        if let Some(number) = number {
            code.push_str(&format!(", {keyword}={number}"));
        }
    }
    code.push(')');
    Some((code, Options { get, ..Options::default() }))
}

/// `rd.zadd('z', {'a': 1.0}, nx=True)`.
fn zadd_call(rest: &[Word]) -> Option<(String, Options)> {
    let (key, mut rest) = rest.split_first()?;
    let mut flags = Vec::new();
    let mut incr = false;
    while let Some((first, tail)) = rest.split_first() {
        let upper = first.to_ascii_uppercase();
        match upper.as_str() {
            "NX" | "XX" | "GT" | "LT" | "CH" if !flags.contains(&upper) => flags.push(upper),
            "INCR" if !incr => incr = true,
            _ => break,
        }
        rest = tail;
    }
    if rest.is_empty() || !rest.len().is_multiple_of(2) || (incr && rest.len() != 2) {
        return None;
    }
    let mut pairs = Vec::new();
    for pair in rest.chunks(2) {
        let [score, member] = pair else { return None };
        pairs.push(format!("{}: {}", member.python_literal(), float_literal(float_arg(score)?)));
    }
    let mut code = format!("rd.zadd({}, {{{}}}", key.python_literal(), pairs.join(", "));
    for flag in ["NX", "XX", "CH", "INCR", "GT", "LT"] {
        if flags.iter().any(|f| f == flag) || (flag == "INCR" && incr) {
            code.push_str(&format!(", {}=True", flag.to_ascii_lowercase()));
        }
    }
    code.push(')');
    Some((code, Options { as_score: incr, ..Options::default() }))
}

/// `rd.scan(cursor=0, match='user:*', count=100)` (and `sscan`, `hscan`,
/// `zscan` with their key first).
fn scan_call(keyed: Option<(&str, &Word)>, rest: &[Word]) -> Option<String> {
    let (cursor, options) = rest.split_first()?;
    let mut parts = Vec::new();
    let method = match keyed {
        Some((method, key)) => {
            parts.push(key.python_literal());
            method
        }
        None => "scan",
    };
    parts.push(format!("cursor={}", int_arg(cursor)?));
    let mut seen = Vec::new();
    for pair in options.chunks(2) {
        let [option, value] = pair else { return None };
        let option = option.to_ascii_uppercase();
        if seen.contains(&option) {
            return None;
        }
        match option.as_str() {
            "MATCH" => parts.push(format!("match={}", value.python_literal())),
            "COUNT" => parts.push(format!("count={}", int_arg(value)?)),
            "TYPE" if keyed.is_none() => parts.push(format!("_type={}", value.python_literal())),
            _ => return None,
        }
        seen.push(option);
    }
    Some(format!("rd.{method}({})", parts.join(", ")))
}

/// `rd.xread({'s': '0'}, count=2)`.
fn xread_call(rest: &[Word]) -> Option<String> {
    let mut count = None;
    let mut i = 0;
    loop {
        let word = rest.get(i)?.to_ascii_uppercase();
        match word.as_str() {
            "COUNT" if count.is_none() => {
                count = Some(int_arg(rest.get(i + 1)?)?);
                i += 2;
            }
            "STREAMS" => break,
            _ => return None,
        }
    }
    let streams = rest.get(i + 1..)?;
    if streams.is_empty() || !streams.len().is_multiple_of(2) {
        return None;
    }
    let (keys, ids) = streams.split_at(streams.len() / 2);
    let pairs: Vec<String> = keys
        .iter()
        .zip(ids)
        .map(|(key, id)| format!("{}: {}", key.python_literal(), id.python_literal()))
        .collect();
    let count = count.map(|n| format!(", count={n}")).unwrap_or_default();
    Some(format!("rd.xread({{{}}}{count})", pairs.join(", ")))
}

/// `{'f': 'v', ...}` from alternating fields and values.
fn dict_literal(pairs: &[Word], value: impl Fn(&Word) -> Option<String>) -> Option<String> {
    if !pairs.len().is_multiple_of(2) {
        return None;
    }
    let mut items = Vec::new();
    for pair in pairs.chunks(2) {
        let [field, v] = pair else { return None };
        items.push(format!("{}: {}", field.python_literal(), value(v)?));
    }
    Some(format!("{{{}}}", items.join(", ")))
}

/// `['a', 'b']`.
fn list_literal(items: &[Word]) -> String {
    let items: Vec<String> = items.iter().map(|item| item.python_literal()).collect();
    format!("[{}]", items.join(", "))
}

/// The last line of the traceback for an error reply, with the class
/// redis-py's `parse_error` picks: a known code is stripped from the
/// message and picks the class; anything else is a `ResponseError` with
/// the whole message.
fn exception_line(message: &str) -> String {
    let (code, rest) = message.split_once(' ').unwrap_or((message, ""));
    let class = match code {
        "ERR" => match rest {
            "max number of clients reached" => Some("ConnectionError"),
            "invalid password" => Some("AuthenticationError"),
            _ => Some("ResponseError"),
        },
        "OOM" => Some("OutOfMemoryError"),
        "WRONGPASS" | "NOAUTH" => Some("AuthenticationError"),
        "EXECABORT" => Some("ExecAbortError"),
        "LOADING" => Some("BusyLoadingError"),
        "NOSCRIPT" => Some("NoScriptError"),
        "READONLY" => Some("ReadOnlyError"),
        "NOPERM" => Some("NoPermissionError"),
        _ => None,
    };
    match class {
        Some(class) => format!("redis.exceptions.{class}: {rest}"),
        None => format!("redis.exceptions.ResponseError: {message}"),
    }
}

/// The value redis-py returns for `reply`, after the callback registered
/// for `name` (upper case); `None` when it cannot be shown faithfully.
fn callback(name: &str, options: Options, reply: &Reply) -> Option<Py> {
    let raw = || raw(reply, 0);
    match name {
        "AUTH" | "COPY" | "EXPIRE" | "EXPIREAT" | "HEXISTS" | "HMSET" | "MOVE" | "MSETNX" | "PERSIST"
        | "PSETEX" | "PEXPIRE" | "PEXPIREAT" | "RENAMENX" | "SETEX" | "SETNX" | "SMOVE" => {
            Some(Py::Bool(raw().truthy()))
        }
        "HINCRBYFLOAT" | "INCRBYFLOAT" => to_float(&raw()),
        "ASKING" | "FLUSHALL" | "FLUSHDB" | "LSET" | "LTRIM" | "MSET" | "PFMERGE" | "READONLY"
        | "READWRITE" | "RENAME" | "SAVE" | "SELECT" | "SHUTDOWN" | "SLAVEOF" | "SWAPDB" | "WATCH"
        | "UNWATCH" | "QUIT" | "MEMORY PURGE" | "CONFIG SET" | "CONFIG RESETSTAT" => {
            Some(Py::Bool(text_is(&raw(), "OK")))
        }
        "BGSAVE" | "BGREWRITEAOF" => Some(Py::Bool(true)),
        "PING" => Some(Py::Bool(text_is(&raw(), "PONG"))),
        "SET" if options.get => Some(raw()),
        "SET" => match raw() {
            Py::None => Some(Py::None),
            value => Some(Py::Bool(text_is(&value, "OK"))),
        },
        "XREAD" | "XREADGROUP" => match raw() {
            Py::None => Some(Py::List(Vec::new())),
            Py::List(streams) => {
                let mut out = Vec::new();
                for stream in streams {
                    let Py::List(parts) = stream else { return None };
                    let [name, entries] = <[Py; 2]>::try_from(parts).ok()?;
                    out.push(Py::List(vec![name, stream_list(entries)?]));
                }
                Some(Py::List(out))
            }
            _ => None,
        },
        "XRANGE" | "XREVRANGE" | "XCLAIM" => stream_list(raw()),
        "XAUTOCLAIM" => match raw() {
            Py::List(mut parts) if parts.len() >= 2 => {
                let entries = std::mem::replace(&mut parts[1], Py::None);
                parts[1] = stream_list(entries)?;
                Some(Py::List(parts))
            }
            _ => None,
        },
        "XPENDING" => match raw() {
            Py::List(parts) if parts.len() == 4 && matches!(parts.first(), Some(Py::Int(_))) => {
                let [pending, min, max, consumers] = <[Py; 4]>::try_from(parts).ok()?;
                let consumers = match consumers {
                    Py::None => Vec::new(),
                    Py::List(items) => items,
                    _ => return None,
                };
                let mut list = Vec::new();
                for consumer in consumers {
                    let Py::List(pair) = consumer else { return None };
                    let [name, count] = <[Py; 2]>::try_from(pair).ok()?;
                    list.push(Py::dict([(key("name"), name), (key("pending"), to_int(&count)?)]));
                }
                Some(Py::dict([
                    (key("pending"), pending),
                    (key("min"), min),
                    (key("max"), max),
                    (key("consumers"), Py::List(list)),
                ]))
            }
            _ => None,
        },
        "GEODIST" | "ZINCRBY" | "ZSCORE" => match raw() {
            Py::None => Some(Py::None),
            value => to_float(&value),
        },
        "GEOHASH" | "COMMAND GETKEYS" | "ACL CAT" | "ACL HELP" | "ACL LIST" | "ACL USERS" => match raw() {
            Py::List(items) => Some(Py::List(items.iter().map(str_if_bytes).collect())),
            _ => None,
        },
        "GEOPOS" => match raw() {
            Py::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(match item {
                        Py::List(pair) if pair.len() == 2 => {
                            Py::Tuple(vec![to_float(&pair[0])?, to_float(&pair[1])?])
                        }
                        _ => Py::None,
                    });
                }
                Some(Py::List(out))
            }
            _ => None,
        },
        "HSCAN" => match raw() {
            Py::List(parts) if parts.len() == 2 => {
                let [cursor, items] = <[Py; 2]>::try_from(parts).ok()?;
                Some(Py::Tuple(vec![to_int(&cursor)?, pairs_to_dict(items)?]))
            }
            _ => None,
        },
        "SCAN" | "SSCAN" => match raw() {
            Py::List(parts) if parts.len() == 2 => {
                let [cursor, items] = <[Py; 2]>::try_from(parts).ok()?;
                Some(Py::Tuple(vec![to_int(&cursor)?, items]))
            }
            _ => None,
        },
        "ZSCAN" => match raw() {
            Py::List(parts) if parts.len() == 2 => {
                let [cursor, items] = <[Py; 2]>::try_from(parts).ok()?;
                Some(Py::Tuple(vec![to_int(&cursor)?, score_pairs(items)?]))
            }
            _ => None,
        },
        "TIME" => match raw() {
            Py::List(parts) if parts.len() == 2 => {
                Some(Py::Tuple(vec![to_int(&parts[0])?, to_int(&parts[1])?]))
            }
            _ => None,
        },
        "INFO" => match raw() {
            Py::Bytes(text) => Some(parse_info(&String::from_utf8_lossy(&text))),
            _ => None,
        },
        "CONFIG GET" => match raw() {
            Py::List(items) if items.is_empty() => Some(Py::dict([])),
            Py::List(items) => {
                let items =
                    items.iter().map(|item| if *item == Py::None { Py::None } else { str_if_bytes(item) });
                pairs_to_dict(Py::List(items.collect()))
            }
            _ => None,
        },
        "SDIFF" | "SINTER" | "SMEMBERS" | "SUNION" => match raw() {
            Py::List(items) => Some(Py::set(items)),
            Py::None => Some(Py::set([])),
            _ => None,
        },
        "ZDIFF" | "ZINTER" | "ZPOPMAX" | "ZPOPMIN" | "ZRANGE" | "ZRANGEBYSCORE" | "ZRANK" | "ZREVRANGE"
        | "ZREVRANGEBYSCORE" | "ZREVRANK" | "ZUNION" => {
            let value = raw();
            if !options.withscores || !value.truthy() {
                return Some(value);
            }
            score_pairs(value)
        }
        "HGETALL" => match raw() {
            value if !value.truthy() => Some(Py::dict([])),
            value => pairs_to_dict(value),
        },
        "ZADD" => match raw() {
            Py::None => Some(Py::None),
            value if options.as_score => to_float(&value),
            value => to_int(&value),
        },
        "ZMSCORE" => match raw() {
            Py::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(if item == Py::None { Py::None } else { to_float(&item)? });
                }
                Some(Py::List(out))
            }
            _ => None,
        },
        // Callbacks whose values (datetime, parsed client lists, command
        // tables...) the console cannot show faithfully.
        "LASTSAVE" | "COMMAND" | "CLIENT LIST" | "CLIENT INFO" | "DEBUG OBJECT" | "MEMORY STATS"
        | "MODULE LIST" | "SLOWLOG GET" | "XINFO STREAM" | "XINFO CONSUMERS" | "XINFO GROUPS"
        | "ACL GETUSER" | "ACL LOG" | "CLUSTER INFO" | "CLUSTER NODES" | "STRALGO" => None,
        _ => Some(raw()),
    }
}

/// The value redis-py's RESP2 parser builds, before any callback: bulk and
/// status replies are `bytes`, errors inside arrays are exception objects.
fn raw(reply: &Reply, depth: usize) -> Py {
    if depth > MAX_DEPTH {
        return Py::Ellipsis;
    }
    match reply {
        Reply::Nil | Reply::NilArray => Py::None,
        Reply::Integer(n) => Py::Int(i128::from(*n)),
        Reply::Status(text) => Py::Bytes(text.as_bytes().to_vec()),
        Reply::Bulk(bytes) => Py::Bytes(bytes.clone()),
        Reply::Error(message) => {
            let line = exception_line(message);
            let (class, message) = line
                .strip_prefix("redis.exceptions.")
                .and_then(|rest| rest.split_once(": "))
                .map(|(class, message)| (class.to_owned(), message.to_owned()))
                .unwrap_or_else(|| ("ResponseError".to_owned(), message.clone()));
            Py::Exception { class: exception_class(&class), message }
        }
        Reply::Array(items) => Py::List(items.iter().map(|item| raw(item, depth + 1)).collect()),
    }
}

fn exception_class(name: &str) -> &'static str {
    [
        "ConnectionError",
        "AuthenticationError",
        "OutOfMemoryError",
        "ExecAbortError",
        "BusyLoadingError",
        "NoScriptError",
        "ReadOnlyError",
        "NoPermissionError",
    ]
    .into_iter()
    .find(|class| *class == name)
    .unwrap_or("ResponseError")
}

/// A `str` dict key, as redis-py writes them in the dicts it builds.
fn key(name: &str) -> Py {
    Py::Str(name.to_owned())
}

/// redis-py's `str_if_bytes`: bytes decoded as UTF-8 (with replacement).
fn str_if_bytes(value: &Py) -> Py {
    match value {
        Py::Bytes(bytes) => Py::Str(String::from_utf8_lossy(bytes).into_owned()),
        other => other.clone(),
    }
}

/// Whether `str_if_bytes(value) == text`.
fn text_is(value: &Py, text: &str) -> bool {
    matches!(value, Py::Bytes(bytes) if bytes == text.as_bytes())
}

/// Python's `float(value)` for bytes or ints.
fn to_float(value: &Py) -> Option<Py> {
    match value {
        Py::Bytes(bytes) => parse_float(std::str::from_utf8(bytes).ok()?).map(Py::Float),
        Py::Int(n) => Some(Py::Float(*n as f64)),
        Py::Float(f) => Some(Py::Float(*f)),
        _ => None,
    }
}

/// Python's `int(value)` for bytes or ints.
fn to_int(value: &Py) -> Option<Py> {
    match value {
        Py::Bytes(bytes) => parse_int(std::str::from_utf8(bytes).ok()?).map(Py::Int),
        Py::Int(n) => Some(Py::Int(*n)),
        _ => None,
    }
}

/// redis-py's `pairs_to_dict`: alternating keys and values.
fn pairs_to_dict(value: Py) -> Option<Py> {
    match value {
        Py::None => Some(Py::dict([])),
        Py::List(items) => {
            let mut it = items.into_iter();
            let mut pairs = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Some(Py::dict(pairs))
        }
        _ => None,
    }
}

/// `[(member, float(score)), ...]` from alternating members and scores.
fn score_pairs(value: Py) -> Option<Py> {
    let Py::List(items) = value else { return None };
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(member), Some(score)) = (it.next(), it.next()) {
        out.push(Py::Tuple(vec![member, to_float(&score)?]));
    }
    Some(Py::List(out))
}

/// redis-py's `parse_stream_list`: `[(id, {field: value}), ...]`.
fn stream_list(value: Py) -> Option<Py> {
    match value {
        Py::None => Some(Py::None),
        Py::List(entries) => {
            let mut out = Vec::new();
            for entry in entries {
                out.push(match entry {
                    Py::None => Py::Tuple(vec![Py::None, Py::None]),
                    Py::List(parts) if parts.len() == 2 => {
                        let [id, fields] = <[Py; 2]>::try_from(parts).ok()?;
                        Py::Tuple(vec![id, pairs_to_dict(fields)?])
                    }
                    _ => return None,
                });
            }
            Some(Py::List(out))
        }
        _ => None,
    }
}

/// redis-py 5.x's `parse_info`: one dict entry per `key:value` line, values
/// turned into `int`, `float`, a dict (`keys=1,expires=0`) or left as `str`.
fn parse_info(text: &str) -> Py {
    fn value_of(value: &str) -> Py {
        if !value.contains(',') || !value.contains('=') {
            let parsed = if value.contains('.') {
                parse_float(value).map(Py::Float)
            } else {
                parse_int(value).map(Py::Int)
            };
            return parsed.unwrap_or_else(|| Py::Str(value.to_owned()));
        }
        let mut pairs = Vec::new();
        for item in value.split(',') {
            // Python would raise on an item without `=`; INFO has none.
            let (k, v) = item.rsplit_once('=').unwrap_or((item, ""));
            pairs.push((key(k), value_of(v)));
        }
        Py::dict(pairs)
    }
    let mut info: Vec<(Py, Py)> = Vec::new();
    let mut modules = Vec::new();
    let mut raw_lines = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) => {
                let (name, value) = if name == "cmdstat_host" {
                    line.rsplit_once(':').unwrap_or((name, value))
                } else {
                    (name, value)
                };
                if name == "module" {
                    modules.push(value_of(value));
                } else {
                    info.push((key(name), value_of(value)));
                }
            }
            None => raw_lines.push(Py::Str(line.to_owned())),
        }
    }
    if !modules.is_empty() {
        info.push((key("modules"), Py::List(modules)));
    }
    if !raw_lines.is_empty() {
        info.push((key("__raw__"), Py::List(raw_lines)));
    }
    Py::dict(info)
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

    fn ok() -> Reply {
        Reply::Status("OK".into())
    }

    /// The code and the printed output for a line and its reply.
    fn py(line: &str, reply: &Reply) -> (String, Option<String>) {
        let snippet = snippet(&args(line), Some(reply));
        (snippet.code, snippet.output)
    }

    fn check(line: &str, reply: Reply, code: &str, output: &str) {
        assert_eq!(py(line, &reply), (code.to_owned(), Some(output.to_owned())), "{line}");
    }

    #[test]
    fn strings() {
        check("SET my_key my_value", ok(), "rd.set('my_key', 'my_value')", "True");
        check("set my_key my_value", ok(), "rd.set('my_key', 'my_value')", "True");
        check("GET my_key", bulk("my_value"), "rd.get('my_key')", "b'my_value'");
        check("GET missing", Reply::Nil, "rd.get('missing')", "None");
        check("GET k", Reply::Bulk("ï".as_bytes().to_vec()), "rd.get('k')", r"b'\xc3\xaf'");
        check("INCR counter", Reply::Integer(1), "rd.incr('counter')", "1");
        check("INCRBY counter 5", Reply::Integer(6), "rd.incrby('counter', 5)", "6");
        check("DECR counter", Reply::Integer(5), "rd.decr('counter')", "5");
        check("INCRBYFLOAT f 1.5", bulk("2.5"), "rd.incrbyfloat('f', 1.5)", "2.5");
        check("INCRBYFLOAT f 2", bulk("3"), "rd.incrbyfloat('f', 2.0)", "3.0");
        check("MSET a 1 b 2", ok(), "rd.mset({'a': '1', 'b': '2'})", "True");
        check(
            "MGET a b c",
            Reply::Array(vec![bulk("1"), bulk("2"), Reply::Nil]),
            "rd.mget(['a', 'b', 'c'])",
            "[b'1', b'2', None]",
        );
        check("SETNX k v", Reply::Integer(0), "rd.setnx('k', 'v')", "False");
        check("SETEX k 10 v", ok(), "rd.setex('k', 10, 'v')", "True");
        check("APPEND k xy", Reply::Integer(3), "rd.append('k', 'xy')", "3");
        check("STRLEN k", Reply::Integer(3), "rd.strlen('k')", "3");
        check("GETRANGE k 0 -1", bulk("abc"), "rd.getrange('k', 0, -1)", "b'abc'");
    }

    #[test]
    fn set_options() {
        check("SET k v EX 10", ok(), "rd.set('k', 'v', ex=10)", "True");
        check("SET k v NX", Reply::Nil, "rd.set('k', 'v', nx=True)", "None");
        check("SET k v nx ex 10", ok(), "rd.set('k', 'v', ex=10, nx=True)", "True");
        check("SET k v GET", bulk("old"), "rd.set('k', 'v', get=True)", "b'old'");
        check("SET k v GET", Reply::Nil, "rd.set('k', 'v', get=True)", "None");
        check("SET k v KEEPTTL XX", ok(), "rd.set('k', 'v', xx=True, keepttl=True)", "True");
        check("SET k v PXAT 1700000000000", ok(), "rd.set('k', 'v', pxat=1700000000000)", "True");
        // What the mapping cannot express goes through execute_command,
        // whose callback is still SET's (without `get`).
        check(
            "SET k v EX ten",
            Reply::Error("ERR value is not an integer or out of range".into()),
            "rd.execute_command('SET', 'k', 'v', 'EX', 'ten')",
            "redis.exceptions.ResponseError: value is not an integer or out of range",
        );
        check("SET k v NX NX", ok(), "rd.execute_command('SET', 'k', 'v', 'NX', 'NX')", "True");
    }

    #[test]
    fn hashes() {
        check(
            "HSET k2 name Joe email x type instructor",
            Reply::Integer(3),
            "rd.hset('k2', mapping={'name': 'Joe', 'email': 'x', 'type': 'instructor'})",
            "3",
        );
        check("HSET k2 name Joe", Reply::Integer(1), "rd.hset('k2', mapping={'name': 'Joe'})", "1");
        check(
            "HGETALL k2",
            bulks(&["name", "Joe", "email", "x", "type", "instructor"]),
            "rd.hgetall('k2')",
            "{b'name': b'Joe', b'email': b'x', b'type': b'instructor'}",
        );
        check("HGETALL nothing", Reply::Array(vec![]), "rd.hgetall('nothing')", "{}");
        check("HKEYS k2", bulks(&["name", "email"]), "rd.hkeys('k2')", "[b'name', b'email']");
        check("HVALS k2", bulks(&["Joe"]), "rd.hvals('k2')", "[b'Joe']");
        check("HGET k2 name", bulk("Joe"), "rd.hget('k2', 'name')", "b'Joe'");
        check(
            "HMGET k2 name nope",
            Reply::Array(vec![bulk("Joe"), Reply::Nil]),
            "rd.hmget('k2', ['name', 'nope'])",
            "[b'Joe', None]",
        );
        check("HEXISTS k2 name", Reply::Integer(1), "rd.hexists('k2', 'name')", "True");
        check("HDEL k2 name email", Reply::Integer(2), "rd.hdel('k2', 'name', 'email')", "2");
        check("HLEN k2", Reply::Integer(1), "rd.hlen('k2')", "1");
        check("HINCRBY h n 2", Reply::Integer(2), "rd.hincrby('h', 'n', 2)", "2");
        check("HINCRBYFLOAT h n 0.5", bulk("2.5"), "rd.hincrbyfloat('h', 'n', 0.5)", "2.5");
        check("HSETNX h f v", Reply::Integer(1), "rd.hsetnx('h', 'f', 'v')", "1");
        // An odd number of field/value words is not a mapping.
        check(
            "HSET k f",
            Reply::Error("ERR wrong number of arguments for 'hset' command".into()),
            "rd.execute_command('HSET', 'k', 'f')",
            "redis.exceptions.ResponseError: wrong number of arguments for 'hset' command",
        );
    }

    #[test]
    fn lists_sets_and_keys() {
        check("LPUSH l a b", Reply::Integer(2), "rd.lpush('l', 'a', 'b')", "2");
        check("RPUSH l c", Reply::Integer(3), "rd.rpush('l', 'c')", "3");
        check("LRANGE l 0 -1", bulks(&["b", "a", "c"]), "rd.lrange('l', 0, -1)", "[b'b', b'a', b'c']");
        check("LPOP l", bulk("b"), "rd.lpop('l')", "b'b'");
        check("LPOP l 2", bulks(&["a", "c"]), "rd.lpop('l', 2)", "[b'a', b'c']");
        check("LLEN l", Reply::Integer(0), "rd.llen('l')", "0");
        check("SADD s a b", Reply::Integer(2), "rd.sadd('s', 'a', 'b')", "2");
        check("SMEMBERS s", bulks(&["a", "b"]), "rd.smembers('s')", "{b'a', b'b'}");
        check("SMEMBERS none", Reply::Array(vec![]), "rd.smembers('none')", "set()");
        check("SISMEMBER s a", Reply::Integer(1), "rd.sismember('s', 'a')", "1");
        check("SINTER s t", bulks(&["a"]), "rd.sinter('s', 't')", "{b'a'}");
        check("KEYS *", bulks(&["k2", "my_key"]), "rd.keys('*')", "[b'k2', b'my_key']");
        check("KEYS nothing*", Reply::Array(vec![]), "rd.keys('nothing*')", "[]");
        check("EXPIRE k 10", Reply::Integer(1), "rd.expire('k', 10)", "True");
        check("EXPIRE missing 10", Reply::Integer(0), "rd.expire('missing', 10)", "False");
        check("EXPIRE k 10 NX", Reply::Integer(0), "rd.expire('k', 10, nx=True)", "False");
        check("TTL k", Reply::Integer(-1), "rd.ttl('k')", "-1");
        check("EXISTS a b", Reply::Integer(2), "rd.exists('a', 'b')", "2");
        check("DEL a b", Reply::Integer(1), "rd.delete('a', 'b')", "1");
        check("TYPE k", Reply::Status("string".into()), "rd.type('k')", "b'string'");
        check("RENAME a b", ok(), "rd.rename('a', 'b')", "True");
        check("PERSIST k", Reply::Integer(0), "rd.persist('k')", "False");
        check("DBSIZE", Reply::Integer(4), "rd.dbsize()", "4");
        check("PING", Reply::Status("PONG".into()), "rd.ping()", "True");
        check("ECHO hi", bulk("hi"), "rd.echo('hi')", "b'hi'");
        check("FLUSHDB", ok(), "rd.flushdb()", "True");
        check("RANDOMKEY", Reply::Nil, "rd.randomkey()", "None");
        check("TIME", bulks(&["1700000000", "123456"]), "rd.time()", "(1700000000, 123456)");
    }

    #[test]
    fn sorted_sets() {
        check("ZADD z 1 a", Reply::Integer(1), "rd.zadd('z', {'a': 1.0})", "1");
        check("ZADD z 1 a 2.5 b", Reply::Integer(2), "rd.zadd('z', {'a': 1.0, 'b': 2.5})", "2");
        check("ZADD z NX CH 1 a", Reply::Integer(0), "rd.zadd('z', {'a': 1.0}, nx=True, ch=True)", "0");
        check("ZADD z INCR 2 a", bulk("3"), "rd.zadd('z', {'a': 2.0}, incr=True)", "3.0");
        check("ZADD z +inf a", Reply::Integer(1), "rd.zadd('z', {'a': float('inf')})", "1");
        check("ZRANGE z 0 -1", bulks(&["a", "b"]), "rd.zrange('z', 0, -1)", "[b'a', b'b']");
        check(
            "ZRANGE z 0 -1 WITHSCORES",
            bulks(&["a", "1", "b", "2.5"]),
            "rd.zrange('z', 0, -1, withscores=True)",
            "[(b'a', 1.0), (b'b', 2.5)]",
        );
        check(
            "ZREVRANGE z 0 0 withscores",
            bulks(&["b", "2.5"]),
            "rd.zrevrange('z', 0, 0, withscores=True)",
            "[(b'b', 2.5)]",
        );
        check("ZRANGEBYSCORE z -inf +inf", bulks(&["a"]), "rd.zrangebyscore('z', '-inf', '+inf')", "[b'a']");
        check("ZSCORE z a", bulk("1"), "rd.zscore('z', 'a')", "1.0");
        check("ZSCORE z nope", Reply::Nil, "rd.zscore('z', 'nope')", "None");
        check("ZINCRBY z 2 a", bulk("3"), "rd.zincrby('z', 2.0, 'a')", "3.0");
        check("ZRANK z a", Reply::Integer(0), "rd.zrank('z', 'a')", "0");
        check("ZCARD z", Reply::Integer(2), "rd.zcard('z')", "2");
        check("ZPOPMIN z", bulks(&["a", "1"]), "rd.zpopmin('z')", "[(b'a', 1.0)]");
        check(
            "ZMSCORE z a x",
            Reply::Array(vec![bulk("1"), Reply::Nil]),
            "rd.zmscore('z', ['a', 'x'])",
            "[1.0, None]",
        );
        // Through execute_command the callback gets no `withscores`:
        // scores stay bytes.
        check(
            "ZRANGE z 0 -1 REV WITHSCORES",
            bulks(&["b", "2.5"]),
            "rd.execute_command('ZRANGE', 'z', '0', '-1', 'REV', 'WITHSCORES')",
            "[b'b', b'2.5']",
        );
    }

    #[test]
    fn scans_and_server() {
        let scan = Reply::Array(vec![bulk("0"), bulks(&["a", "b"])]);
        check("SCAN 0", scan.clone(), "rd.scan(cursor=0)", "(0, [b'a', b'b'])");
        check(
            "SCAN 0 MATCH user:* COUNT 100",
            scan.clone(),
            "rd.scan(cursor=0, match='user:*', count=100)",
            "(0, [b'a', b'b'])",
        );
        check("SCAN 0 TYPE hash", scan.clone(), "rd.scan(cursor=0, _type='hash')", "(0, [b'a', b'b'])");
        check("SSCAN s 0", scan.clone(), "rd.sscan('s', cursor=0)", "(0, [b'a', b'b'])");
        check("HSCAN h 0", scan.clone(), "rd.hscan('h', cursor=0)", "(0, {b'a': b'b'})");
        check(
            "ZSCAN z 0",
            Reply::Array(vec![bulk("0"), bulks(&["a", "1"])]),
            "rd.zscan('z', cursor=0)",
            "(0, [(b'a', 1.0)])",
        );
        check(
            "CONFIG GET maxmemory",
            bulks(&["maxmemory", "0"]),
            "rd.config_get('maxmemory')",
            "{'maxmemory': '0'}",
        );
        check("config get nothing", Reply::Array(vec![]), "rd.config_get('nothing')", "{}");
        check(
            "INFO keyspace",
            bulk("# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"),
            "rd.info('keyspace')",
            "{'db0': {'keys': 2, 'expires': 0, 'avg_ttl': 0}}",
        );
        check(
            "INFO server",
            bulk("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nprocess_id:42\r\nmem_fragmentation_ratio:3.52\r\nexecutable:/usr/bin/redis-server\r\nconfig_file:\r\n"),
            "rd.info('server')",
            "{'redis_version': '7.0.15', 'redis_mode': 'standalone', 'process_id': 42, 'mem_fragmentation_ratio': 3.52, 'executable': '/usr/bin/redis-server', 'config_file': ''}",
        );
        check(
            "OBJECT ENCODING k",
            Reply::Bulk(b"listpack".to_vec()),
            "rd.object('encoding', 'k')",
            "b'listpack'",
        );
        check("MEMORY USAGE k", Reply::Integer(72), "rd.memory_usage('k')", "72");
        check("SAVE", ok(), "rd.save()", "True");
        check("BGSAVE", Reply::Status("Background saving started".into()), "rd.bgsave()", "True");
        check("SELECT 1", ok(), "rd.execute_command('SELECT', '1')", "True");
        // LASTSAVE is a datetime in the student's time zone: no output.
        assert_eq!(
            py("LASTSAVE", &Reply::Integer(1700000000)),
            ("rd.execute_command('LASTSAVE')".to_owned(), None)
        );
    }

    #[test]
    fn streams_and_geo() {
        check("XADD s * f v", bulk("1700000000000-0"), "rd.xadd('s', {'f': 'v'})", "b'1700000000000-0'");
        check("XADD s 1-1 f v g w", bulk("1-1"), "rd.xadd('s', {'f': 'v', 'g': 'w'}, id='1-1')", "b'1-1'");
        check(
            "XADD s MAXLEN 10 * f v",
            bulk("1-2"),
            "rd.execute_command('XADD', 's', 'MAXLEN', '10', '*', 'f', 'v')",
            "b'1-2'",
        );
        let entries = Reply::Array(vec![Reply::Array(vec![bulk("1-0"), bulks(&["f", "v"])])]);
        check("XRANGE s - +", entries.clone(), "rd.xrange('s', '-', '+')", "[(b'1-0', {b'f': b'v'})]");
        check(
            "XRANGE s - + COUNT 1",
            entries.clone(),
            "rd.xrange('s', '-', '+', count=1)",
            "[(b'1-0', {b'f': b'v'})]",
        );
        check("XREVRANGE s + -", entries.clone(), "rd.xrevrange('s', '+', '-')", "[(b'1-0', {b'f': b'v'})]");
        check(
            "XREAD COUNT 1 STREAMS s 0",
            Reply::Array(vec![Reply::Array(vec![bulk("s"), entries])]),
            "rd.xread({'s': '0'}, count=1)",
            "[[b's', [(b'1-0', {b'f': b'v'})]]]",
        );
        check("XREAD STREAMS s $", Reply::NilArray, "rd.xread({'s': '$'})", "[]");
        check("XLEN s", Reply::Integer(1), "rd.xlen('s')", "1");
        check(
            "GEOADD Sicily 13.361389 38.115556 Palermo",
            Reply::Integer(1),
            "rd.geoadd('Sicily', [13.361389, 38.115556, 'Palermo'])",
            "1",
        );
        check(
            "GEODIST Sicily Palermo Catania km",
            bulk("166.2742"),
            "rd.geodist('Sicily', 'Palermo', 'Catania', unit='km')",
            "166.2742",
        );
        check(
            "GEOPOS Sicily Palermo nope",
            Reply::Array(vec![bulks(&["13.36138933897018433", "38.11555639549629859"]), Reply::NilArray]),
            "rd.geopos('Sicily', 'Palermo', 'nope')",
            "[(13.361389338970184, 38.1155563954963), None]",
        );
        check(
            "GEOHASH Sicily Palermo",
            bulks(&["sqc8b49rny0"]),
            "rd.geohash('Sicily', 'Palermo')",
            "['sqc8b49rny0']",
        );
    }

    #[test]
    fn generic_fallback() {
        check("XGROUP CREATE s g $", ok(), "rd.execute_command('XGROUP', 'CREATE', 's', 'g', '$')", "b'OK'");
        check(
            "nosuch a",
            Reply::Error("ERR unknown command 'nosuch', with args beginning with: 'a' ".into()),
            "rd.execute_command('nosuch', 'a')",
            "redis.exceptions.ResponseError: unknown command 'nosuch', with args beginning with: 'a' ",
        );
        check("PING hello", bulk("hello"), "rd.execute_command('PING', 'hello')", "False");
        check("OBJECT HELP", bulks(&["x"]), "rd.execute_command('OBJECT', 'HELP')", "[b'x']");
        // Arguments are Python literals, whatever they contain.
        check("GET it's", Reply::Nil, "rd.get(\"it's\")", "None");
        let xss = vec![Word::from("GET"), Word::from("<img src=x onerror=alert(1)>")];
        assert_eq!(snippet(&xss, Some(&Reply::Nil)).code, "rd.get('<img src=x onerror=alert(1)>')");
        check("GET a\\b", Reply::Nil, "rd.get('a\\\\b')", "None");
    }

    #[test]
    fn errors_are_the_last_traceback_line() {
        let wrongtype =
            Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into());
        let snippet = snippet(&args("GET k2"), Some(&wrongtype));
        assert!(snippet.error);
        assert_eq!(snippet.output.as_deref(), Some("redis.exceptions.ResponseError: WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(exception_line("ERR syntax error"), "redis.exceptions.ResponseError: syntax error");
        assert_eq!(
            exception_line("NOSCRIPT No matching script"),
            "redis.exceptions.NoScriptError: No matching script"
        );
        assert_eq!(
            exception_line("EXECABORT Transaction discarded"),
            "redis.exceptions.ExecAbortError: Transaction discarded"
        );
        assert_eq!(
            exception_line("OOM command not allowed"),
            "redis.exceptions.OutOfMemoryError: command not allowed"
        );
        assert_eq!(
            exception_line("BUSYGROUP Consumer Group name already exists"),
            "redis.exceptions.ResponseError: BUSYGROUP Consumer Group name already exists"
        );
        assert_eq!(exception_line("ERR"), "redis.exceptions.ResponseError: ");
        // An error inside an array is a value.
        let value =
            callback("EXEC", Options::default(), &Reply::Array(vec![ok(), Reply::Error("ERR bad".into())]));
        assert_eq!(value.map(|v| v.repr()).as_deref(), Some("[b'OK', ResponseError('bad')]"));
    }

    #[test]
    fn console_transactions_and_refusals() {
        let console = snippet(&args("HELP SET"), None);
        assert!(console.code.starts_with("# HELP is a command of Bolide's console"));
        assert_eq!(console.output, None);
        // Each transaction snippet is a whole program: its own pipeline, run.
        let multi = snippet(&args("MULTI"), Some(&ok())).code;
        assert!(multi.starts_with("pipe = rd.pipeline()  # MULTI"), "{multi}");
        assert!(multi.ends_with(PY_EXEC), "{multi}");
        let queued = snippet(&args("SET k v"), Some(&Reply::Status("QUEUED".into())));
        assert_eq!(
            queued.code,
            format!("pipe = rd.pipeline()  # MULTI\npipe.set('k', 'v')  # queued: runs at pipe.execute()\n{PY_EXEC}")
        );
        assert_eq!(queued.output, None);
        let exec = snippet(&args("EXEC"), Some(&Reply::Array(vec![ok()]))).code;
        assert!(exec.starts_with("pipe = rd.pipeline()") && exec.ends_with(PY_EXEC), "{exec}");
        let discard = snippet(&args("DISCARD"), Some(&ok())).code;
        assert!(
            discard.starts_with("pipe = rd.pipeline()") && discard.contains("\npipe.reset()"),
            "{discard}"
        );
        let refused = Reply::Error("ERR EVAL is refused: scripting is disabled in Bolide's console".into());
        let eval = snippet(&args("EVAL return 0"), Some(&refused));
        assert_eq!(eval.code, "rd.execute_command('EVAL', 'return', '0')\n# Bolide's console refused this command; a script sends it straight to Redis");
        assert_eq!(eval.output, None);
        assert!(!eval.error);
    }

    #[test]
    fn arguments_that_are_not_utf8_are_bytes() {
        let set: Vec<Vec<u8>> = vec![b"SET".to_vec(), b"bin".to_vec(), b"\x00\xff".to_vec()];
        let words: Vec<Word> = set.iter().map(|arg| Word::new(arg)).collect();
        assert_eq!(snippet(&words, Some(&ok())).code, "rd.set('bin', b'\\x00\\xff')");
        let hset: Vec<Word> =
            [&b"HSET"[..], b"h", b"f", b"caf\xe9"].iter().map(|arg| Word::new(arg)).collect();
        assert_eq!(snippet(&hset, Some(&Reply::Integer(1))).code, "rd.hset('h', mapping={'f': b'caf\\xe9'})");
        let odd: Vec<Word> =
            [&b"XADD"[..], b"s", b"*", b"\xff", b"v"].iter().map(|arg| Word::new(arg)).collect();
        assert_eq!(snippet(&odd, None).code, "rd.xadd('s', {b'\\xff': 'v'})",);
        // Valid UTF-8 stays a str, whatever it contains.
        let text: Vec<Word> = ["SET", "k", "café\u{0}"].map(Word::from).into();
        assert_eq!(snippet(&text, Some(&ok())).code, "rd.set('k', 'café\\x00')");
    }

    #[test]
    fn plain_methods_are_sorted_known_commands() {
        assert!(PLAIN.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, ..) in PLAIN {
            assert!(crate::commands::lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn no_reply_or_no_args() {
        let none = snippet(&args("GET k"), None);
        assert_eq!((none.code.as_str(), none.output), ("rd.get('k')", None));
        let empty = snippet(&[], None);
        assert_eq!(empty.code, "");
    }

    #[test]
    fn callbacks_do_not_panic_on_odd_shapes() {
        let odd = [
            Reply::Nil,
            Reply::NilArray,
            Reply::Integer(-1),
            Reply::Status("x".into()),
            bulk("x"),
            Reply::Array(vec![]),
            Reply::Array(vec![Reply::Integer(1)]),
            Reply::Array(vec![bulk("1"), Reply::Nil, Reply::Array(vec![bulk("a")])]),
        ];
        for name in [
            "SET",
            "XREAD",
            "XRANGE",
            "XAUTOCLAIM",
            "XPENDING",
            "GEODIST",
            "GEOPOS",
            "GEOHASH",
            "HSCAN",
            "SCAN",
            "ZSCAN",
            "TIME",
            "INFO",
            "CONFIG GET",
            "SMEMBERS",
            "ZRANGE",
            "HGETALL",
            "ZADD",
            "ZMSCORE",
            "PING",
            "EXPIRE",
            "MSET",
            "INCRBYFLOAT",
            "XCLAIM",
        ] {
            for reply in &odd {
                for withscores in [false, true] {
                    let _ =
                        callback(name, Options { withscores, get: withscores, as_score: withscores }, reply);
                }
            }
        }
    }
}
