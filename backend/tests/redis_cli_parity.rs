//! The console prints what `redis-cli` prints, byte for byte.
//!
//! A corpus of lines (every reply shape, binary values, unicode, nested
//! replies, errors, quoting, transactions) runs through Bolide's console on
//! one fresh Redis and through the real `redis-cli --no-raw` (its terminal
//! formatting, forced while its output is a pipe) on another fresh Redis fed
//! the same lines; the texts must be equal.
//!
//! redis-cli reads all the lines on one connection (so `MULTI` and `SELECT`
//! carry over, as in a terminal session); an `ECHO` marker after each block
//! cuts its output into the blocks to compare.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{header, Request};
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState};
use bolide_shared::api::{ConsoleResponse, RedisMode};
use bolide_tests::RedisServer;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Blocks of lines; each block's output is compared as a whole. Key
/// listings avoid several keys at once: their order follows the server's
/// hash seed, which differs between two servers.
const CORPUS: &[&[&str]] = &[
    &["PING"],
    &["PING \"hello world\""],
    &["ECHO 'single quoted'"],
    &["SET my_key my_value"],
    &["GET my_key"],
    &["GET nothing"],
    &["SET \"with space\" \"line1\\nline2\\ttab\\r\\a\\b\""],
    &["GET \"with space\""],
    &["SET bin \"\\x00\\x01\\x7f\\xff\\xfe\""],
    &["GET bin"],
    &["SET utf \"A\u{ef}r \u{2604} caf\u{e9}\""],
    &["GET utf"],
    &["STRLEN utf"],
    &["SET quote \"say \\\"hi\\\" \\\\ back\""],
    &["GET quote"],
    &["SET empty \"\""],
    &["GET empty"],
    &["APPEND my_key \"!\""],
    &["INCR counter"],
    &["INCRBY counter 10"],
    &["DECR counter"],
    &["INCRBYFLOAT f 1.5"],
    &["INCRBYFLOAT f 1e3"],
    &["MSET a 1 b 2 c 3"],
    &["MGET a nothing c"],
    &["HSET k2 name Joe email x type instructor"],
    &["HGET k2 name"],
    &["HGET k2 missing"],
    &["HGETALL k2"],
    &["HKEYS k2"],
    &["HVALS k2"],
    &["HLEN k2"],
    &["HMGET k2 name missing type"],
    &["HGETALL nothing"],
    &["LPUSH list c b a"],
    &["RPUSH list d e f g h i j k l"],
    &["LRANGE list 0 -1"],
    &["LRANGE nothing 0 -1"],
    &["LLEN list"],
    &["LINDEX list 99"],
    &["SADD set only"],
    &["SMEMBERS set"],
    &["SISMEMBER set only"],
    &["ZADD z 1 one 2 two 3.5 three"],
    &["ZRANGE z 0 -1 WITHSCORES"],
    &["ZRANGE z 0 -1"],
    &["ZSCORE z three"],
    &["ZRANGEBYSCORE z -inf +inf LIMIT 0 2"],
    &["ZPOPMIN z"],
    &["XADD s 1-1 name a mass 10"],
    &["XADD s 2-1 name b"],
    &["XRANGE s - +"],
    &["XRANGE s - + COUNT 1"],
    &["XLEN s"],
    &["LMPOP 1 list LEFT COUNT 2"],
    &["TYPE list"],
    &["TYPE z"],
    &["TYPE nothing"],
    &["OBJECT ENCODING list"],
    &["EXISTS a b nothing"],
    &["DEL a"],
    &["EXPIRE b 100"],
    &["TTL b"],
    &["PERSIST b"],
    &["TTL b"],
    &["TTL nothing"],
    &["KEYS my_*"],
    &["KEYS nomatch*"],
    &["COMMAND INFO get"],
    &["COMMAND INFO get set nosuchcommand"],
    &["COMMAND GETKEYS MSET a 1 b 2"],
    &["CONFIG GET maxmemory-policy"],
    &["DBSIZE"],
    &["SELECT 3"],
    &["SET in3 x"],
    &["DBSIZE"],
    &["SELECT 0"],
    &["LPUSH my_key x"],
    &["INCR my_key"],
    &["FOO bar baz"],
    &["foo"],
    &["SET"],
    &["GET a b"],
    &["SET a \"b"],
    &["GET \"a\"b"],
    &["SET k 'it''s'"],
    &["EXEC"],
    &["DISCARD"],
    &["MULTI", "SET t 1", "INCR t", "LPUSH t x", "GET t", "EXEC"],
    &["MULTI", "SET gone 1", "DISCARD", "EXISTS gone"],
    &["MULTI", "EXEC"],
    &["MULTI", "SET t2 1", "NOSUCH", "EXEC"],
    // redis-cli prints these replies raw, line by line, even in a terminal
    // (sections that read the same on two fresh servers).
    &["INFO cluster"],
    &["info modules"],
    &["INFO nosuchsection"],
    &["LOLWUT VERSION 4"],
    &["MEMORY DOCTOR"],
];

async fn bolide_outputs(redis: &RedisServer) -> Vec<String> {
    let state = AppState::connect_with(&redis.url(), RedisMode::External, Tenancy::Local).expect("url");
    let router = app(state, std::path::Path::new("/nonexistent-dist"));
    let mut cookie: Option<String> = None;
    let mut blocks = Vec::new();
    for block in CORPUS {
        let mut outputs = Vec::new();
        for line in *block {
            let mut request = Request::post("/api/console").header(header::CONTENT_TYPE, "application/json");
            if let Some(c) = &cookie {
                request = request.header(header::COOKIE, c.as_str());
            }
            let body = serde_json::to_vec(&serde_json::json!({ "line": line })).expect("json");
            let response =
                router.clone().oneshot(request.body(Body::from(body)).expect("req")).await.expect("ok");
            if let Some(set) = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
                cookie = set.split(';').next().map(str::to_string);
            }
            let bytes = response.into_body().collect().await.expect("body").to_bytes();
            let reply: ConsoleResponse = serde_json::from_slice(&bytes).expect("console response");
            outputs.push(reply.output);
        }
        blocks.push(outputs.join("\n"));
    }
    blocks
}

fn redis_cli_outputs(redis: &RedisServer) -> Vec<String> {
    let mut input = String::new();
    for (i, block) in CORPUS.iter().enumerate() {
        for line in *block {
            input.push_str(line);
            input.push('\n');
        }
        input.push_str(&format!("ECHO __bolide_block_{i}__\n"));
    }
    let mut child = Command::new("redis-cli")
        .args(["--no-raw", "-p", &redis.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli (comes with redis-server)");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("redis-cli output");
    let text = String::from_utf8(output.stdout).expect("redis-cli prints ASCII (it escapes the rest)");
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        if line.starts_with("\"__bolide_block_") {
            blocks.push(current.strip_suffix('\n').unwrap_or(&current).to_string());
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    blocks
}

#[tokio::test]
async fn console_output_equals_redis_cli_output() {
    let for_bolide = RedisServer::start();
    let for_cli = RedisServer::start();
    let ours = bolide_outputs(&for_bolide).await;
    let theirs = redis_cli_outputs(&for_cli);
    assert_eq!(theirs.len(), CORPUS.len(), "redis-cli answered every block: {theirs:#?}");
    let mut mismatches = Vec::new();
    for ((block, ours), theirs) in CORPUS.iter().zip(&ours).zip(&theirs) {
        if ours != theirs {
            mismatches.push(format!("{block:?}\n  bolide:    {ours:?}\n  redis-cli: {theirs:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} blocks differ:\n{}",
        mismatches.len(),
        CORPUS.len(),
        mismatches.join("\n")
    );
}
