//! The console's last command, as the same call from a program: Python with
//! redis-py, and Rust with the `redis` crate; [`python_program`] and
//! [`rust_program`] make each a whole program to run.
//!
//! # Why
//!
//! The course module this console serves teaches Python scripts that talk
//! to Redis. Students first try commands at the console, then have to write
//! `rd.hset('k2', mapping={...})` and make sense of `{b'name': b'Joe'}`
//! coming back. Showing, for every command they type, the call a script
//! makes and what it gets back bridges the two: the reply they just saw in
//! redis-cli's format, next to the Python value a script receives.
//!
//! That only helps if it is right, so the output is not a generic pretty
//! print of the reply: [`python`] applies the response callback redis-py
//! 5.x applies to that command (`SET` gives `True`, `SMEMBERS` a `set`,
//! `HGETALL` a `dict`, `ZSCORE` a `float`, `EXPIRE` a `bool`, ...) and
//! prints the result as Python would; [`rust`] picks the type a Rust program
//! would ask the `redis` crate for and prints it with `{:?}`.
//!
//! Everything here is pure string work on the arguments and the [`Reply`],
//! so the browser computes it without another request.
//!
//! # What the snippets assume
//!
//! The Python code runs after
//!
//! ```python
//! import redis
//! rd = redis.Redis(host='127.0.0.1', port=PORT, db=0)
//! ```
//!
//! (no `decode_responses`, RESP2: redis-py 5.x's defaults), and
//! [`Snippet::code`] is what to write there; [`Snippet::output`] is what
//! `print()` of it shows, or the last line of the traceback when Redis
//! answers with an error.
//!
//! The Rust code runs in a function returning `redis::RedisResult<_>`, after
//!
//! ```rust,ignore
//! use redis::Commands;
//! let client = redis::Client::open("redis://127.0.0.1:PORT/")?;
//! let mut con = client.get_connection()?;
//! ```
//!
//! [`Snippet::code`] binds the result to `v` (`let v: String =
//! con.get("my_key")?;`; `let _: () = ...` when the reply is just `OK`),
//! and [`Snippet::output`] is what `println!("{v:?}")` prints, or the error
//! `main` reports when Redis answers with one. Types
//! from `std::collections` (`BTreeMap`, `BTreeSet`) are written unqualified:
//! the page adds the `use` lines.
//!
//! Arguments are bytes, as Redis gets them: one that is not UTF-8
//! (redis-cli's `"\x00\xff"`) is written as `b'\x00\xff'` in Python and
//! `b"\x00\xff"` in Rust, so the program stores exactly what the console
//! did.
//!
//! Commands Bolide's console handles itself get a comment instead of a call:
//! `HELP` and `CLEAR` (console commands), and commands the console refused
//! (a script is not bound by the console's rules). `MULTI`/`EXEC`/`DISCARD`
//! and the commands queued between them are a pipeline in both libraries;
//! each of their snippets makes the pipeline and runs it, so that it is a
//! whole program too (the panel shows one command, not the transaction).

mod program;
mod python;
mod rust;
mod values;
mod word;

pub use program::{python_program, rust_program, Target};

use crate::cli::Reply;
use word::Word;

/// One call in one language, and what it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The statement or expression to write, without the set-up lines; may
    /// span several lines (comments included).
    pub code: String,
    /// What the program prints for the reply that came back (see the module
    /// doc); `None` when there was no reply or the library's value cannot be
    /// shown faithfully (e.g. a pipeline that has not run yet).
    pub output: Option<String>,
    /// Whether [`Snippet::output`] is an error the call raises rather than a
    /// value it returns.
    pub error: bool,
}

/// The command as redis-py 5.x code, and what `print()` shows of the value
/// it returns for `reply` (see the module doc).
///
/// `args` is the command as typed, name first: its bytes after redis-cli's
/// unquoting ([`split_args`](crate::cli::split_args)), so that an argument
/// that is not UTF-8 (`"\x00\xff"`) is written as `bytes` (`b'\x00\xff'`).
///
/// ```
/// use bolide_shared::cli::Reply;
/// use bolide_shared::snippets::python;
///
/// let args: Vec<String> = ["HGETALL", "k2"].map(String::from).into();
/// let reply = Reply::Array(vec![Reply::Bulk(b"name".to_vec()), Reply::Bulk(b"Joe".to_vec())]);
/// let snippet = python(&args, Some(&reply));
/// assert_eq!(snippet.code, "rd.hgetall('k2')");
/// assert_eq!(snippet.output.as_deref(), Some("{b'name': b'Joe'}"));
/// ```
pub fn python<A: AsRef<[u8]>>(args: &[A], reply: Option<&Reply>) -> Snippet {
    python::snippet(&words(args), reply)
}

/// The command with the `redis` crate, its result bound to `v`, and what
/// `println!("{v:?}")` shows for `reply` (see the module doc). `args` as
/// for [`python`]: an argument that is not UTF-8 is a byte string
/// (`b"\x00\xff"`).
///
/// ```
/// use bolide_shared::cli::Reply;
/// use bolide_shared::snippets::rust;
///
/// let args: Vec<String> = ["GET", "my_key"].map(String::from).into();
/// let snippet = rust(&args, Some(&Reply::Bulk(b"my_value".to_vec())));
/// assert_eq!(snippet.code, "let v: String = con.get(\"my_key\")?;");
/// assert_eq!(snippet.output.as_deref(), Some("\"my_value\""));
/// ```
pub fn rust<A: AsRef<[u8]>>(args: &[A], reply: Option<&Reply>) -> Snippet {
    rust::snippet(&words(args), reply)
}

fn words<A: AsRef<[u8]>>(args: &[A]) -> Vec<Word> {
    args.iter().map(|arg| Word::new(arg.as_ref())).collect()
}

/// What Bolide's console answers itself, so a snippet gives a comment
/// rather than a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    /// `HELP`, `CLEAR`.
    Console,
    Multi,
    Exec,
    Discard,
    /// A command queued after `MULTI` (the reply is `QUEUED`).
    Queued,
    /// A command Bolide's console refused (`ERR X is refused: ...`).
    Refused,
}

/// Which [`Special`] case, if any, a command and its reply are.
fn special(name: &str, reply: Option<&Reply>) -> Option<Special> {
    match name {
        "HELP" | "CLEAR" => return Some(Special::Console),
        "MULTI" => return Some(Special::Multi),
        "EXEC" => return Some(Special::Exec),
        "DISCARD" => return Some(Special::Discard),
        _ => {}
    }
    match reply {
        Some(Reply::Status(status)) if status == "QUEUED" => Some(Special::Queued),
        Some(Reply::Error(message)) if is_refusal(message) => Some(Special::Refused),
        _ => None,
    }
}

/// Bolide's refusals read `ERR <COMMAND> is refused: <reason>` (see
/// [`Refusal`](crate::commands::Refusal)).
fn is_refusal(message: &str) -> bool {
    message.strip_prefix("ERR ").is_some_and(|rest| rest.contains(" is refused: "))
}

/// The command's name as the table knows it (`"CONFIG GET"`), or the first
/// argument in upper case for a command the table does not know.
fn command_name(args: &[Word]) -> String {
    match crate::commands::resolve_name(args) {
        Some(name) => name.to_owned(),
        None => args.first().map(|name| name.to_ascii_uppercase()).unwrap_or_default(),
    }
}

/// A strict integer argument (Redis's rules: no `+`, no leading zeros), so
/// it can be written as a number literal in both languages.
fn int_arg(arg: &str) -> Option<i64> {
    crate::commands::parse_redis_int(arg.as_bytes())
}

/// A float argument (a score, an increment) as Redis reads one.
fn float_arg(arg: &str) -> Option<f64> {
    let lower = arg.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ if arg.is_empty() || arg.trim() != arg || lower.contains("nan") || lower.contains("inf") => None,
        _ => arg.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials() {
        assert_eq!(special("HELP", None), Some(Special::Console));
        assert_eq!(special("MULTI", Some(&Reply::Status("OK".into()))), Some(Special::Multi));
        assert_eq!(special("SET", Some(&Reply::Status("QUEUED".into()))), Some(Special::Queued));
        let refused = Reply::Error("ERR EVAL is refused: scripting is disabled in Bolide's console".into());
        assert_eq!(special("EVAL", Some(&refused)), Some(Special::Refused));
        assert_eq!(special("GET", Some(&Reply::Error("ERR syntax error".into()))), None);
        assert_eq!(special("GET", None), None);
    }

    #[test]
    fn names_and_numbers() {
        let args = |words: &[&str]| words.iter().map(|w| Word::from(*w)).collect::<Vec<_>>();
        assert_eq!(command_name(&args(&["config", "get", "x"])), "CONFIG GET");
        assert_eq!(command_name(&args(&["nosuch", "x"])), "NOSUCH");
        assert_eq!(command_name(&[]), "");
        assert_eq!(int_arg("10"), Some(10));
        assert_eq!(int_arg("-1"), Some(-1));
        assert_eq!(int_arg("010"), None);
        assert_eq!(int_arg("1.5"), None);
        assert_eq!(float_arg("1.5"), Some(1.5));
        assert_eq!(float_arg("+inf"), Some(f64::INFINITY));
        assert_eq!(float_arg("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(float_arg("nan"), None);
        assert_eq!(float_arg(" 1"), None);
        assert_eq!(float_arg("x"), None);
        assert_eq!(float_arg("1e3"), Some(1000.0));
    }
}
