//! The replies redis-cli prints raw, even in a terminal.
//!
//! Some commands answer one long text meant to be read as lines: `INFO`'s
//! `# Server\r\nredis_version:7.0.15\r\n…`, `LOLWUT`'s drawing, `MEMORY
//! DOCTOR`'s advice. Quoted and escaped like any bulk string they would be a
//! single unreadable line, so redis-cli (`cliSendCommand` in redis-cli.c,
//! 7.0) prints the replies of a fixed list of commands as they are
//! (`cliFormatReplyRaw`), whatever its output mode. The guides ask students
//! to read `redis_version` off `INFO server`, and their own redis-cli shows
//! it line by line, so the console does exactly the same, for the same list.

use super::Reply;

/// Whether redis-cli prints the reply to `args` raw: the list in redis-cli
/// 7.0's `cliSendCommand`, with its argument counts.
///
/// ```
/// use bolide_shared::cli::prints_raw;
///
/// assert!(prints_raw(&[b"info".as_slice(), b"server"]));
/// assert!(prints_raw(&[b"MEMORY".as_slice(), b"doctor"]));
/// assert!(!prints_raw(&[b"GET".as_slice(), b"info"]));
/// ```
pub fn prints_raw<A: AsRef<[u8]>>(args: &[A]) -> bool {
    let Some(command) = args.first().map(AsRef::as_ref) else { return false };
    let argc = args.len();
    let sub = |names: &[&str]| {
        args.get(1)
            .is_some_and(|arg| names.iter().any(|name| arg.as_ref().eq_ignore_ascii_case(name.as_bytes())))
    };
    let is = |name: &str| command.eq_ignore_ascii_case(name.as_bytes());
    is("info")
        || is("lolwut")
        || (is("debug") && sub(&["htstats", "htstats-key", "client-eviction"]))
        || (is("memory") && sub(&["malloc-stats", "doctor"]))
        || (argc == 2 && is("cluster") && sub(&["nodes", "info"]))
        || (is("client") && sub(&["list", "info"]))
        || (argc == 3 && is("latency") && sub(&["graph"]))
        || (argc == 2 && is("latency") && sub(&["doctor"]))
        || (is("proxy") && sub(&["info"]))
}

/// Formats `reply` as redis-cli's `cliFormatReplyRaw`, without the final
/// newline (as [`format_reply`](super::format_reply)): strings as their
/// bytes (invalid UTF-8 shown as U+FFFD), an error as its text without
/// `(error)`, an integer as its digits, a null as nothing, an array's
/// elements one per line.
///
/// ```
/// use bolide_shared::cli::{format_reply_raw, Reply};
///
/// let info = Reply::Bulk(b"# Server\r\nredis_version:7.0.15\r\n".to_vec());
/// assert_eq!(format_reply_raw(&info), "# Server\r\nredis_version:7.0.15\r");
/// ```
pub fn format_reply_raw(reply: &Reply) -> String {
    let mut out = Vec::new();
    // Depth-first without recursion, as `format_reply`: the elements still to
    // print, last first, each with whether a line break goes before it.
    let mut pending = vec![(reply, false)];
    while let Some((reply, newline_before)) = pending.pop() {
        if newline_before {
            out.push(b'\n');
        }
        match reply {
            Reply::Nil | Reply::NilArray => {}
            Reply::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Reply::Status(text) => out.extend_from_slice(text.as_bytes()),
            Reply::Error(text) => {
                out.extend_from_slice(text.as_bytes());
                out.push(b'\n');
            }
            Reply::Bulk(bytes) => out.extend_from_slice(bytes),
            Reply::Array(items) => {
                pending.extend(items.iter().enumerate().rev().map(|(i, item)| (item, i > 0)));
            }
        }
    }
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_of_redis_cli_7_0() {
        for line in [
            "INFO",
            "info server",
            "LOLWUT VERSION 5",
            "DEBUG HTSTATS 0",
            "memory malloc-stats",
            "MEMORY DOCTOR",
            "CLUSTER INFO",
            "CLUSTER NODES",
            "CLIENT LIST",
            "CLIENT INFO",
            "LATENCY GRAPH command",
            "LATENCY DOCTOR",
        ] {
            let args: Vec<&str> = line.split(' ').collect();
            assert!(prints_raw(&args), "{line}");
        }
        for line in
            ["GET info", "MEMORY USAGE k", "CLUSTER INFO x", "LATENCY DOCTOR x", "LATENCY GRAPH", "CLIENT"]
        {
            let args: Vec<&str> = line.split(' ').collect();
            assert!(!prints_raw(&args), "{line}");
        }
        assert!(!prints_raw::<&str>(&[]));
    }

    #[test]
    fn scalars_and_arrays() {
        assert_eq!(format_reply_raw(&Reply::Nil), "");
        assert_eq!(format_reply_raw(&Reply::Integer(-4)), "-4");
        assert_eq!(format_reply_raw(&Reply::Status("OK".into())), "OK");
        assert_eq!(format_reply_raw(&Reply::Error("ERR no".into())), "ERR no");
        assert_eq!(format_reply_raw(&Reply::Bulk(b"a\"b\n".to_vec())), "a\"b");
        let nested = Reply::Array(vec![
            Reply::Bulk(b"x".to_vec()),
            Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)]),
            Reply::Nil,
        ]);
        // The last line break is the one redis-cli ends its output with.
        assert_eq!(format_reply_raw(&nested), "x\n1\n2");
    }
}
