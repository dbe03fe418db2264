//! The gateway's RESP3 replies that nest types (maps in arrays, sets of
//! maps, doubles inside maps), byte for byte against what the real
//! redis-server sends a RESP3 client: `COMMAND INFO`, `COMMAND
//! GETKEYSANDFLAGS`, `MEMORY STATS` (local mode), `XINFO STREAM … FULL`
//! (both modes), and a sweep of others. The flat ones are checked, inside
//! and outside `MULTI`, by `gateway.rs`'s `resp3_replies_are_the_ones_redis_sends`.
//!
//! Replies that hold clocks or memory figures (`MEMORY STATS`, a stream's
//! `seen-time`) differ between two calls; for those the numbers are masked
//! and everything else — every type byte, length, name and string — must
//! be the same.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{local_with_gateway, shared_with_gateway, Client};

/// A client that sends commands and reads back each reply's exact bytes.
struct Raw {
    reader: BufReader<TcpStream>,
}

impl Raw {
    fn connect(address: &str) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        Self { reader: BufReader::new(stream) }
    }

    fn call(&mut self, args: &[&str]) -> Vec<u8> {
        let mut frame = format!("*{}\r\n", args.len());
        for arg in args {
            frame.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.reader.get_mut().write_all(frame.as_bytes()).expect("write");
        self.frame()
    }

    /// One reply of any RESP2/RESP3 type, exactly the bytes received.
    fn frame(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).expect("read");
        assert!(line.ends_with(b"\r\n"), "not a RESP line: {:?}", String::from_utf8_lossy(&line));
        let number = String::from_utf8_lossy(&line[1..line.len() - 2]).parse::<i64>().unwrap_or(-1);
        let mut frame = line.clone();
        match line[0] {
            b'$' | b'=' | b'!' if number >= 0 => {
                let mut body = vec![0u8; usize::try_from(number).expect("len") + 2];
                self.reader.read_exact(&mut body).expect("bulk");
                frame.extend(body);
            }
            b'*' | b'~' | b'>' | b'%' | b'|' if number >= 0 => {
                let per = if matches!(line[0], b'%' | b'|') { 2 } else { 1 };
                for _ in 0..number * per {
                    frame.extend(self.frame());
                }
            }
            _ => {}
        }
        frame
    }
}

/// `frame` with the value of every integer and double masked (`:#`,
/// `,#`): its types, lengths and strings as they are.
fn masked(frame: &[u8]) -> String {
    let text = String::from_utf8_lossy(frame);
    let mut out = String::new();
    let mut lines = text.split_inclusive("\r\n");
    while let Some(line) = lines.next() {
        match line.as_bytes().first() {
            Some(b':') => out.push_str(":#\r\n"),
            Some(b',') => out.push_str(",#\r\n"),
            Some(b'$' | b'=') if !line.starts_with("$-1") => {
                out.push_str(line);
                // The body: its own line (the tests' strings hold no CRLF).
                out.push_str(lines.next().unwrap_or_default());
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn assert_same(command: &[&str], want: &[u8], have: &[u8]) {
    assert_eq!(
        String::from_utf8_lossy(have),
        String::from_utf8_lossy(want),
        "{}: the gateway's RESP3 reply differs from Redis's",
        command.join(" ")
    );
}

/// Commands whose replies hold no clock or memory figure: the same bytes.
const EXACT: &[&[&str]] = &[
    &["COMMAND", "INFO", "GET"],
    &["COMMAND", "INFO", "SET", "XADD", "MIGRATE", "no-such-command"],
    &["COMMAND", "INFO", "CONFIG"],
    &["COMMAND", "INFO", "SORT", "ZUNIONSTORE", "EVAL"],
    &["COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "RIGHT"],
    &["COMMAND", "COUNT"],
    &["XADD", "r3n:st", "1-1", "f", "v"],
    &["XADD", "r3n:st", "2-1", "g", "w"],
    &["XGROUP", "CREATE", "r3n:st", "grp", "0"],
    &["XINFO", "STREAM", "r3n:st"],
    &["XRANGE", "r3n:st", "-", "+"],
    &["XINFO", "STREAM", "r3n:st", "FULL", "COUNT", "1"],
    &["HSET", "r3n:h", "a", "1"],
    &["OBJECT", "ENCODING", "r3n:h"],
    &["HSTRLEN", "r3n:h", "a"],
    &["SADD", "r3n:s", "x", "y"],
    &["SMISMEMBER", "r3n:s", "x", "z"],
    &["ZADD", "r3n:z", "1", "a", "2.5", "b"],
    &["ZRANGE", "r3n:z", "0", "-1", "REV", "WITHSCORES"],
    &["ZINTERCARD", "1", "r3n:z"],
    &["RPUSH", "r3n:l", "a", "b", "a"],
    &["LPOS", "r3n:l", "a", "COUNT", "0"],
    &["TTL", "r3n:l"],
    &["TYPE", "r3n:z"],
];

/// Commands with clocks or memory figures in their replies: masked.
const MASKED: &[&[&str]] = &[
    &["XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "r3n:st", ">"],
    &["XINFO", "STREAM", "r3n:st", "FULL"],
    &["XINFO", "CONSUMERS", "r3n:st", "grp"],
    &["XPENDING", "r3n:st", "grp", "-", "+", "10"],
];

/// What `conn` answers to `commands` (after clearing their keys).
fn replies(conn: &mut Raw, commands: &[&[&str]]) -> Vec<Vec<u8>> {
    conn.call(&["DEL", "r3n:st", "r3n:h", "r3n:s", "r3n:z", "r3n:l"]);
    commands.iter().map(|command| conn.call(command)).collect()
}

/// `COMMAND INFO`, `MEMORY STATS` and the rest, in local mode (where they
/// are let through), against the same Redis directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_resp3_replies_are_the_ones_redis_sends() {
    let (redis, bolide) = local_with_gateway();
    let mut browser = Client::of_process(&bolide);
    let (status, gateway) = browser.get("/api/gateway").await;
    assert_eq!(status, 200, "{gateway}");
    let mut direct = Raw::connect(&format!("127.0.0.1:{}", redis.port()));
    let mut through = Raw::connect(&format!("127.0.0.1:{}", gateway["port"]));
    for conn in [&mut direct, &mut through] {
        assert!(conn.call(&["HELLO", "3"]).starts_with(b"%"));
    }

    // Each connection in turn (locally they share the keys): the exact
    // ones, then the masked ones, then MEMORY STATS.
    let all: Vec<&[&str]> =
        EXACT.iter().chain(MASKED).chain([&["MEMORY", "STATS"][..]].iter()).copied().collect();
    let want = replies(&mut direct, &all);
    let have = replies(&mut through, &all);
    for (i, ((command, want), have)) in all.iter().zip(&want).zip(&have).enumerate() {
        if i < EXACT.len() {
            assert_same(command, want, have);
        } else if i + 1 < all.len() {
            assert_same(command, masked(want).as_bytes(), masked(have).as_bytes());
        }
    }
    same_memory_stats(&mut direct, &mut through);
    let text = |i: usize| String::from_utf8_lossy(&have[i]).into_owned();
    let config = text(2);
    assert!(config.contains("\r\n~0\r\n*") && config.contains("config|get"), "subcommands: {config}");
    let full = text(EXACT.len() + 1);
    assert!(full.contains("$9\r\nconsumers\r\n*1\r\n%"), "consumers are maps: {full}");
    let stats = text(all.len() - 1);
    assert!(stats.contains("$4\r\ndb.0\r\n%") && stats.contains("percentage\r\n,"), "{stats}");
}

/// `MEMORY STATS` on both connections, masked, until both saw the same
/// databases holding keys (Bolide writes its own keys in database 15 as it
/// starts, which adds a `db.15` entry between two readings).
fn same_memory_stats(direct: &mut Raw, through: &mut Raw) {
    let command = ["MEMORY", "STATS"];
    let mut last = (String::new(), String::new());
    for _ in 0..10 {
        let want = masked(&direct.call(&command));
        let have = masked(&through.call(&command));
        if want == have {
            return;
        }
        last = (want, have);
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_same(&command, last.0.as_bytes(), last.1.as_bytes());
}

/// In a class: `XINFO STREAM … FULL` of a sandbox's stream has the shape
/// Redis gives it (groups and consumers as maps), its keys the student's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandboxs_stream_info_is_shaped_as_redis_shapes_it() {
    let (redis, bolide) = shared_with_gateway(&[]);
    let mut browser = Client::of_process(&bolide);
    assert_eq!(browser.console("PING").await, "PONG");
    let (status, gateway) = browser.get("/api/gateway").await;
    assert_eq!(status, 200, "{gateway}");
    let field =
        |name: &str| gateway[name].as_str().map(str::to_string).unwrap_or_else(|| gateway[name].to_string());
    let mut through = Raw::connect(&format!("{}:{}", field("host"), field("port")));
    let hello = through.call(&["HELLO", "3", "AUTH", &field("username"), &field("password")]);
    assert!(hello.starts_with(b"%"), "{}", String::from_utf8_lossy(&hello));
    let mut direct = Raw::connect(&format!("127.0.0.1:{}", redis.port()));
    assert!(direct.call(&["HELLO", "3"]).starts_with(b"%"));

    // A sandbox's user may not XREADGROUP (it is `@blocking` in Redis):
    // the group has no consumers.
    let commands: Vec<&[&str]> = EXACT[6..12].iter().chain(&MASKED[1..]).copied().collect();
    let (want, have) = (replies(&mut direct, &commands), replies(&mut through, &commands));
    for ((command, want), have) in commands.iter().zip(&want).zip(&have) {
        assert_same(command, masked(want).as_bytes(), masked(have).as_bytes());
    }
    let full = String::from_utf8_lossy(&have[commands.len() - 3]).into_owned();
    assert!(full.contains("$6\r\ngroups\r\n*1\r\n%"), "groups are maps: {full}");
}
