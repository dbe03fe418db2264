//! The class gateway with the real clients: redis-py, redis-cli and
//! redis-benchmark against a real `bolide serve --shared --gateway-listen`,
//! on the test's own redis-server.
//!
//! What must hold: a sandbox's own scripts see its keys and only its keys
//! (and the console sees what they wrote); connecting clients' handshakes
//! work; logins are required, wrong ones refused and brute force cut off;
//! a client that never reads is cut off without Bolide's memory growing.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bolide_tests::BolideProcess;
use common::{shared_with_gateway as start, Client};
use serde_json::Value;

/// A student: a browser with a sandbox, and its gateway credentials.
struct Student {
    browser: Client,
    gateway: Value,
}

impl Student {
    async fn new(bolide: &BolideProcess) -> Self {
        let mut browser = Client::of_process(bolide);
        assert_eq!(browser.console("PING").await, "PONG");
        let (status, gateway) = browser.get("/api/gateway").await;
        assert_eq!(status, 200, "{gateway}");
        Self { browser, gateway }
    }

    fn field(&self, name: &str) -> String {
        match &self.gateway[name] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }

    fn url(&self) -> String {
        self.field("url")
    }

    /// redis-cli's connection options for this student.
    fn cli_args(&self) -> Vec<String> {
        ["-h", &self.field("host"), "-p", &self.field("port"), "--user", &self.field("username")]
            .into_iter()
            .map(str::to_string)
            .chain(["--pass".to_string(), self.field("password"), "--no-auth-warning".to_string()])
            .collect()
    }
}

fn python_with_redis() -> bool {
    Command::new("python3").args(["-c", "import redis"]).output().is_ok_and(|o| o.status.success())
}

/// Runs a Python script with `GATEWAY_URL` set; its stdout (it must succeed).
fn python(script: &str, url: &str, dir: &std::path::Path) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("GATEWAY_URL", url)
        .current_dir(dir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "script failed:\n{script}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn redis_cli(args: &[String], stdin: Option<&str>) -> String {
    let mut child = Command::new("redis-cli")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("write stdin");
    drop(input);
    let output = child.wait_with_output().expect("redis-cli output");
    assert!(output.status.success(), "redis-cli failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_py_scripts_reach_their_own_sandbox_and_only_it() {
    if !python_with_redis() {
        println!("SKIPPED: python3 with redis-py is not available (scripts/lib/setup.sh installs it)");
        return;
    }
    let (_redis, bolide) = start(&[]);
    let mut ada = Student::new(&bolide).await;
    let mut bob = Student::new(&bolide).await;
    assert_ne!(ada.field("username"), bob.field("username"));
    let dir = tempfile::tempdir().expect("dir");

    // Strings, hashes, JSON, a transaction, RESP3 — through the gateway.
    let out = python(
        r#"
import json, os, redis
r = redis.Redis.from_url(os.environ['GATEWAY_URL'])
print(r.ping())
r.set('py:greeting', 'hello from Python')
print(r.get('py:greeting').decode())
r.hset('user:1', mapping={'name': 'Ada', 'email': 'ada@lovelace.org'})
print(sorted(r.hgetall('user:1').items()))
r.set('py:user:1', json.dumps({'name': 'Ada', 'langs': ['python']}))
print(json.loads(r.get('py:user:1'))['langs'])
with r.pipeline(transaction=True) as t:
    t.incr('py:counter'); t.incr('py:counter'); t.get('py:counter')
    print(t.execute())
print(sorted(k.decode() for k in r.keys('*')))
r3 = redis.Redis.from_url(os.environ['GATEWAY_URL'], protocol=3, decode_responses=True)
print(r3.hgetall('user:1') == {'name': 'Ada', 'email': 'ada@lovelace.org'}, r3.get('nothing'))
"#,
        &ada.url(),
        dir.path(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "True");
    assert_eq!(lines[1], "hello from Python");
    assert_eq!(lines[2], "[(b'email', b'ada@lovelace.org'), (b'name', b'Ada')]");
    assert_eq!(lines[3], "['python']");
    assert_eq!(lines[4], "[1, 2, b'2']");
    assert_eq!(lines[5], "['py:counter', 'py:greeting', 'py:user:1', 'user:1']", "no prefix shows");
    assert_eq!(lines[6], "True None");

    // The console of the same sandbox sees what the script wrote…
    assert_eq!(ada.browser.console("GET py:greeting").await, "\"hello from Python\"");
    assert_eq!(ada.browser.console("HGET user:1 name").await, "\"Ada\"");
    // …and the other sandbox, from its script and its console, does not.
    let out = python(
        r#"
import os, redis
r = redis.Redis.from_url(os.environ['GATEWAY_URL'])
print(r.keys('*'), r.get('py:greeting'), r.dbsize())
r.set('py:greeting', 'bob was here')
"#,
        &bob.url(),
        dir.path(),
    );
    assert_eq!(out.trim(), "[] None 0");
    assert_eq!(bob.browser.console("GET py:greeting").await, "\"bob was here\"");
    assert_eq!(ada.browser.console("GET py:greeting").await, "\"hello from Python\"");

    // A pipelined load of 10,000 landings (a generated file), as Exercise 1's
    // script does it, then the console counts them.
    let landings: Vec<Value> = (1..=10_000)
        .map(|i| serde_json::json!({"name": format!("Rock {i}"), "id": i.to_string(), "recclass": "L5", "mass (g)": "21", "year": null}))
        .collect();
    std::fs::write(dir.path().join("Meteorite_Landings.json"), serde_json::to_vec(&landings).expect("json"))
        .expect("write");
    let out = python(
        r#"
import json, os, redis
r = redis.Redis.from_url(os.environ['GATEWAY_URL'])
with open('Meteorite_Landings.json') as f:
    landings = json.load(f)
pipe = r.pipeline()
for landing in landings:
    fields = {name: value for name, value in landing.items() if value is not None}
    pipe.hset(f"meteorite:{landing['id']}", mapping=fields)
pipe.execute()
print(len(landings), 'landings written')
"#,
        &ada.url(),
        dir.path(),
    );
    assert_eq!(out.trim(), "10000 landings written");
    assert_eq!(ada.browser.console("DBSIZE").await, "(integer) 10004");
    assert_eq!(ada.browser.console("HGET meteorite:9999 name").await, "\"Rock 9999\"");
    assert_eq!(bob.browser.console("EXISTS meteorite:1").await, "(integer) 0");
    // The Data page shows them without a Reindex, and Bob's shows none.
    let (status, page) = ada.browser.get("/api/data?size=1").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!((page["total"].as_u64(), page["reindexed"].as_u64()), (Some(10_000), Some(10_000)), "{page}");
    let (_, page) = bob.browser.get("/api/data?size=1").await;
    assert_eq!(page["total"].as_u64(), Some(0), "{page}");

    // The console's refusals hold here too.
    let out = python(
        r#"
import os, redis
r = redis.Redis.from_url(os.environ['GATEWAY_URL'])
for command in (('BLPOP', 'q', '1'), ('FLUSHALL',), ('SELECT', '3'), ('CONFIG', 'SET', 'save', '')):
    try:
        r.execute_command(*command)
        print('accepted', command)
    except redis.ResponseError as err:
        print('refused', command[0])
"#,
        &bob.url(),
        dir.path(),
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["refused BLPOP", "refused FLUSHALL", "refused SELECT", "refused CONFIG"]
    );

    // Rotating the password: the old one stops working.
    let old = bob.url();
    let (status, rotated) = bob.browser.json("POST", "/api/gateway/rotate", &Value::Null).await;
    assert_eq!(status, 200, "{rotated}");
    assert_ne!(rotated["password"], bob.gateway["password"]);
    let out = python(
        r#"
import os, redis
try:
    redis.Redis.from_url(os.environ['GATEWAY_URL']).ping()
    print('accepted')
except redis.AuthenticationError as err:
    print('refused')
"#,
        &old,
        dir.path(),
    );
    assert_eq!(out.trim(), "refused");
    bob.gateway = rotated;
    assert_eq!(
        python(
            "import os, redis\nprint(redis.Redis.from_url(os.environ['GATEWAY_URL']).get('py:greeting'))",
            &bob.url(),
            dir.path()
        )
        .trim(),
        "b'bob was here'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cli_and_redis_benchmark_work_through_the_gateway() {
    let (_redis, bolide) = start(&["--gateway-rate", "0"]);
    let mut ada = Student::new(&bolide).await;
    let mut args = ada.cli_args();
    args.extend(["SET", "cli:one", "hello"].map(str::to_string));
    assert_eq!(redis_cli(&args, None).trim(), "OK");
    let out = redis_cli(
        &ada.cli_args(),
        Some("SET cli:two 2\nINCR cli:two\nGET cli:two\nMULTI\nINCR cli:two\nEXEC\nKEYS cli:*\n"),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..6], ["OK", "3", "3", "OK", "QUEUED", "4"], "{out}");
    let mut keys = lines[6..].to_vec();
    keys.sort_unstable();
    assert_eq!(keys, ["cli:one", "cli:two"]);
    assert_eq!(ada.browser.console("GET cli:one").await, "\"hello\"");

    // RESP3 (`redis-cli -3` sends HELLO 3) and a refused login.
    let mut resp3 = vec!["-3".to_string()];
    resp3.extend(ada.cli_args());
    resp3.extend(["HSET", "h", "f", "v"].map(str::to_string));
    assert_eq!(redis_cli(&resp3, None).trim(), "1");

    let benchmark = Command::new("redis-benchmark")
        .args(["-h", &ada.field("host"), "-p", &ada.field("port")])
        .args(["--user", &ada.field("username"), "-a", &ada.field("password")])
        .args(["-t", "set,get", "-n", "5000", "-c", "8", "-q"])
        .output()
        .expect("redis-benchmark");
    let out = String::from_utf8_lossy(&benchmark.stdout);
    assert!(benchmark.status.success(), "{out}\n{}", String::from_utf8_lossy(&benchmark.stderr));
    assert!(out.contains("SET: ") && out.contains("GET: "), "{out}");
    assert!(!out.to_lowercase().contains("error"), "{out}");
    assert_eq!(
        ada.browser.console("EXISTS key:__rand_int__").await,
        "(integer) 1",
        "its keys are the sandbox's"
    );
}

/// A raw RESP client: exactly the bytes sent, exactly the replies read.
struct Raw {
    reader: BufReader<TcpStream>,
}

impl Raw {
    fn connect(student: &Student) -> Self {
        let stream = TcpStream::connect(format!("{}:{}", student.field("host"), student.field("port")))
            .expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        Self { reader: BufReader::new(stream) }
    }

    fn send(&mut self, args: &[&str]) {
        let mut frame = format!("*{}\r\n", args.len());
        for arg in args {
            frame.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.reader.get_mut().write_all(frame.as_bytes()).expect("write");
    }

    /// One reply as text: `+OK`, `-ERR …`, `:1`, `$hello`, `*2 [..]`.
    fn reply(&mut self) -> String {
        let mut line = String::new();
        if self.reader.read_line(&mut line).expect("read") == 0 {
            return "(closed)".into();
        }
        let line = line.trim_end().to_string();
        let (kind, rest) = line.split_at(1);
        match kind {
            "$" if rest != "-1" => {
                let mut bulk = vec![0u8; rest.parse::<usize>().expect("len") + 2];
                self.reader.read_exact(&mut bulk).expect("bulk");
                format!("${}", String::from_utf8_lossy(&bulk[..bulk.len() - 2]))
            }
            "*" | "%" if !rest.starts_with('-') => {
                let n = rest.parse::<usize>().expect("count") * if kind == "%" { 2 } else { 1 };
                let items: Vec<String> = (0..n).map(|_| self.reply()).collect();
                format!("{kind}{n} [{}]", items.join(", "))
            }
            _ => line,
        }
    }

    fn call(&mut self, args: &[&str]) -> String {
        self.send(args);
        self.reply()
    }

    fn connect_to(address: &str) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        Self { reader: BufReader::new(stream) }
    }

    /// One reply of any RESP2/RESP3 type, exactly the bytes received.
    fn frame(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).expect("read");
        assert!(line.ends_with(b"\r\n"), "not a RESP line: {:?}", String::from_utf8_lossy(&line));
        let number = || String::from_utf8_lossy(&line[1..line.len() - 2]).parse::<i64>().unwrap_or(-1);
        let mut frame = line.clone();
        match line[0] {
            b'$' | b'=' | b'!' if number() >= 0 => {
                let mut body = vec![0u8; usize::try_from(number()).expect("len") + 2];
                self.reader.read_exact(&mut body).expect("bulk");
                frame.extend(body);
            }
            b'*' | b'~' | b'>' | b'%' | b'|' if number() >= 0 => {
                let per = if matches!(line[0], b'%' | b'|') { 2 } else { 1 };
                for _ in 0..number() * per {
                    frame.extend(self.frame());
                }
            }
            _ => {}
        }
        frame
    }

    /// Sends many commands of raw byte arguments in one write (a pipeline).
    fn send_all(&mut self, commands: &[Vec<Vec<u8>>]) {
        let mut frames = Vec::new();
        for args in commands {
            frames.extend(format!("*{}\r\n", args.len()).into_bytes());
            for arg in args {
                frames.extend(format!("${}\r\n", arg.len()).into_bytes());
                frames.extend(arg);
                frames.extend(b"\r\n");
            }
        }
        self.reader.get_mut().write_all(&frames).expect("write");
    }

    fn call_frame(&mut self, args: &[&str]) -> Vec<u8> {
        self.send(args);
        self.frame()
    }
}

/// The commands whose RESP3 replies the gateway must send as Redis does:
/// maps, sets, doubles (alone, in arrays, in `WITHSCORES` pairs, in
/// coordinates), verbatim strings, nulls, errors — keys as the client names
/// them. Run outside and inside `MULTI`.
const RESP3_COMMANDS: &[&[&str]] = &[
    &["SET", "r3:s", "hello"],
    &["GET", "r3:s"],
    &["GET", "r3:missing"],
    &["MGET", "r3:s", "r3:missing"],
    &["INCRBYFLOAT", "r3:f", "1.5"],
    &["HSET", "r3:h", "a", "1", "b", "2"],
    &["HGETALL", "r3:h"],
    &["HGETALL", "r3:missing"],
    &["HINCRBYFLOAT", "r3:h", "c", "0.5"],
    &["HSET", "r3:one", "f", "v"],
    &["HRANDFIELD", "r3:one", "1", "WITHVALUES"],
    &["SADD", "r3:set", "1", "2", "3"],
    &["SMEMBERS", "r3:set"],
    &["SINTER", "r3:set", "r3:set"],
    &["SUNION", "r3:set", "r3:missing"],
    &["SDIFF", "r3:set", "r3:missing"],
    &["SADD", "r3:single", "x"],
    &["SPOP", "r3:single", "5"],
    &["ZADD", "r3:z", "1.5", "a", "2", "b", "3.25", "c"],
    &["ZSCORE", "r3:z", "a"],
    &["ZSCORE", "r3:z", "nope"],
    &["ZINCRBY", "r3:z", "0.1", "a"],
    &["ZADD", "r3:z", "INCR", "1", "b"],
    &["ZMSCORE", "r3:z", "a", "nope"],
    &["ZRANGE", "r3:z", "0", "-1", "WITHSCORES"],
    &["ZRANGE", "r3:z", "0", "-1"],
    &["ZRANGEBYSCORE", "r3:z", "-inf", "+inf", "WITHSCORES", "LIMIT", "0", "2"],
    &["ZREVRANGE", "r3:z", "0", "-1", "WITHSCORES"],
    &["ZUNION", "2", "r3:z", "r3:z", "WITHSCORES"],
    &["ZPOPMIN", "r3:z"],
    &["ZPOPMAX", "r3:z", "2"],
    &["ZADD", "r3:z2", "1", "x"],
    &["ZRANDMEMBER", "r3:z2", "1", "WITHSCORES"],
    &["ZMPOP", "1", "r3:z2", "MIN"],
    &["GEOADD", "r3:g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
    &["GEOPOS", "r3:g", "Palermo", "nope"],
    &["GEOSEARCH", "r3:g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST", "WITHCOORD"],
    &["GEODIST", "r3:g", "Palermo", "Catania"],
    &["XADD", "r3:st", "1-1", "f", "v"],
    &["XGROUP", "CREATE", "r3:st", "g", "0"],
    &["XINFO", "GROUPS", "r3:st"],
    &["XINFO", "STREAM", "r3:st"],
    &["LCS", "r3:s", "r3:s", "IDX"],
    &["HGETALL", "r3:s"],
    &["LPOP", "r3:missing"],
    &["TYPE", "r3:h"],
    &["EXISTS", "r3:s", "r3:h"],
    &["LRANGE", "r3:missing", "0", "-1"],
];

const RESP3_KEYS: &[&str] =
    &["r3:s", "r3:f", "r3:h", "r3:one", "r3:set", "r3:single", "r3:z", "r3:z2", "r3:g", "r3:st"];

/// What `conn` answers to [`RESP3_COMMANDS`]: one reply each, then the
/// same inside `MULTI` (`+QUEUED` each, then `EXEC`'s array).
fn resp3_replies(conn: &mut Raw) -> Vec<(String, Vec<u8>)> {
    let mut replies = Vec::new();
    for pass in ["alone", "in MULTI"] {
        let mut del = vec!["DEL"];
        del.extend_from_slice(RESP3_KEYS);
        conn.call_frame(&del);
        if pass == "in MULTI" {
            replies.push(("MULTI".to_string(), conn.call_frame(&["MULTI"])));
        }
        for command in RESP3_COMMANDS {
            replies.push((format!("{} ({pass})", command.join(" ")), conn.call_frame(command)));
        }
    }
    replies.push(("EXEC".to_string(), conn.call_frame(&["EXEC"])));
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_replies_are_the_ones_redis_sends() {
    let (redis, bolide) = start(&[]);
    let ada = Student::new(&bolide).await;
    let mut direct = Raw::connect_to(&format!("127.0.0.1:{}", redis.port()));
    assert!(direct.call_frame(&["HELLO", "3"]).starts_with(b"%7\r\n"));
    let mut gateway = Raw::connect(&ada);
    let hello = gateway.call_frame(&["HELLO", "3", "AUTH", &ada.field("username"), &ada.field("password")]);
    assert!(hello.starts_with(b"%7\r\n$6\r\nserver\r\n"), "{}", String::from_utf8_lossy(&hello));

    let expected = resp3_replies(&mut direct);
    let got = resp3_replies(&mut gateway);
    for ((command, want), (_, have)) in expected.iter().zip(&got) {
        assert_eq!(
            String::from_utf8_lossy(have),
            String::from_utf8_lossy(want),
            "{command}: the gateway's RESP3 reply differs from Redis's"
        );
    }
    assert_eq!(expected.len(), got.len());
    // EXEC's reply is checked above element by element; make sure it held
    // the RESP3 types at all (a map, a set, a double).
    let exec = String::from_utf8_lossy(&got.last().expect("EXEC").1).into_owned();
    assert!(
        exec.contains("\r\n%2\r\n") && exec.contains("\r\n~3\r\n") && exec.contains("\r\n,1.5\r\n"),
        "{exec}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_required_checked_and_brute_force_is_cut_off() {
    let (_redis, bolide) = start(&[]);
    let ada = Student::new(&bolide).await;
    let user = ada.field("username");
    let pass = ada.field("password");

    let mut raw = Raw::connect(&ada);
    assert_eq!(raw.call(&["PING"]), "+PONG", "PING needs no login");
    assert_eq!(raw.call(&["GET", "k"]), "-NOAUTH Authentication required.");
    assert_eq!(raw.call(&["CLIENT", "SETINFO", "LIB-NAME", "x"]), "-NOAUTH Authentication required.");
    assert!(raw.call(&["HELLO", "3"]).starts_with("-NOAUTH HELLO must be called"));
    assert_eq!(
        raw.call(&["AUTH", &user, "wrong"]),
        "-WRONGPASS invalid username-password pair or user is disabled."
    );
    assert_eq!(raw.call(&["AUTH", &pass]), "-WRONGPASS invalid username-password pair or user is disabled.");
    assert_eq!(raw.call(&["AUTH", &user, &pass]), "+OK");
    assert_eq!(raw.call(&["SET", "k", "v"]), "+OK");
    assert_eq!(raw.call(&["CLIENT", "SETNAME", "me"]), "+OK");
    assert_eq!(raw.call(&["CLIENT", "GETNAME"]), "$me");
    assert_eq!(raw.call(&["SELECT", "0"]), "+OK");
    assert_eq!(raw.call(&["CONFIG", "GET", "save"]), "*2 [$save, $]");
    // RESP3: maps and nulls as RESP3 clients expect them.
    assert!(raw.call(&["HELLO", "3"]).starts_with("%14 [$server"));
    raw.call(&["HSET", "h", "f", "v"]);
    assert_eq!(raw.call(&["HGETALL", "h"]), "%2 [$f, $v]");
    assert_eq!(raw.call(&["GET", "missing"]), "_");
    assert_eq!(raw.call(&["RESET"]), "+RESET");
    assert_eq!(raw.call(&["GET", "missing"]), "-NOAUTH Authentication required.", "RESET logs out");
    assert_eq!(raw.call(&["AUTH", &user, &pass]), "+OK");
    assert_eq!(raw.call(&["GET", "missing"]), "$-1", "RESET goes back to RESP2");
    assert_eq!(raw.call(&["QUIT"]), "+OK");
    assert_eq!(raw.reply(), "(closed)");

    // Brute force: each failure is slow, and past ten a minute (the two
    // above count) the address is refused — even with the right password.
    let mut guesser = Raw::connect(&ada);
    let started = Instant::now();
    for _ in 0..8 {
        assert!(guesser.call(&["AUTH", &user, "guess"]).starts_with("-WRONGPASS"));
    }
    assert!(started.elapsed() >= Duration::from_millis(8 * 250), "failures are slowed");
    assert!(guesser.call(&["AUTH", &user, "guess"]).starts_with("-ERR too many failed logins"));
    assert_eq!(guesser.reply(), "(closed)");
    let mut late = Raw::connect(&ada);
    assert!(late.call(&["AUTH", &user, &pass]).starts_with("-ERR too many failed logins"));
}

/// Bolide's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_cut_off_without_memory_growing() {
    let (_redis, bolide) = start(&["--gateway-rate", "0"]);
    let ada = Student::new(&bolide).await;
    let (user, pass) = (ada.field("username"), ada.field("password"));
    let mut setup = Raw::connect(&ada);
    assert_eq!(setup.call(&["AUTH", &user, &pass]), "+OK");
    let big = "x".repeat(60_000);
    assert_eq!(setup.call(&["SET", "big", &big]), "+OK");
    let before = rss_kib(bolide.pid());

    // GET big, pipelined without end, never reading a reply: 60 KB of
    // replies per 22 bytes sent.
    let mut stream =
        TcpStream::connect(format!("{}:{}", ada.field("host"), ada.field("port"))).expect("connect");
    stream.set_write_timeout(Some(Duration::from_secs(2))).expect("timeout");
    let auth = format!("*3\r\n$4\r\nAUTH\r\n${}\r\n{user}\r\n${}\r\n{pass}\r\n", user.len(), pass.len());
    stream.write_all(auth.as_bytes()).expect("auth");
    let chunk = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".repeat(1000);
    let started = Instant::now();
    let mut sent = 0usize;
    let cut_off = loop {
        match stream.write(chunk.as_bytes()) {
            Ok(n) => sent += n,
            Err(err)
                if matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break true,
        }
        if started.elapsed() > Duration::from_secs(90) {
            break false;
        }
    };
    assert!(cut_off, "the connection was never closed ({sent} bytes sent)");
    let after = rss_kib(bolide.pid());
    // Replies for everything sent would be ~2,700× the bytes sent.
    println!("sent {sent} bytes; Bolide's RSS {before} KiB → {after} KiB");
    assert!(after < before + 32 * 1024, "Bolide grew from {before} KiB to {after} KiB");
    // The gateway still serves everyone else.
    let mut other = Raw::connect(&ada);
    assert_eq!(other.call(&["AUTH", &user, &pass]), "+OK");
    assert_eq!(other.call(&["STRLEN", "big"]), ":60000");
}

/// A generated landings file in NASA's JSON shape.
fn landings_file(dir: &std::path::Path, n: usize) {
    let landings: Vec<Value> = (1..=n)
        .map(|i| {
            let class = ["L5", "H6", "LL4"][i % 3];
            serde_json::json!({"name": format!("Rock {i}"), "id": i.to_string(), "nametype": "Valid",
                "recclass": class, "mass (g)": (i * 7).to_string(), "fall": "Found",
                "year": (1800 + i % 200).to_string(), "reclat": "50.775000", "reclong": "6.083330",
                "GeoLocation": "(50.775, 6.08333)"})
        })
        .collect();
    std::fs::write(dir.join("Meteorite_Landings.json"), serde_json::to_vec(&landings).expect("json"))
        .expect("write");
}

/// The guides, in a class: their scripts carry the sandbox's own URL, their
/// curl lines its credentials and Bolide's real address — and their checks
/// see what the scripts wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_scripts_and_curl_lines_work_for_their_sandbox() {
    if !python_with_redis() {
        println!("SKIPPED: python3 with redis-py is not available (scripts/lib/setup.sh installs it)");
        return;
    }
    let (_redis, bolide) = start(&[]);
    let mut ada = Student::new(&bolide).await;
    let dir = tempfile::tempdir().expect("dir");

    let (status, view) = ada.browser.get("/api/guides/redis-from-python").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["environment"]["redis_port"].to_string(), ada.field("port"));
    let steps = view["guide"]["steps"].as_array().expect("steps");
    let mut checked = 0;
    for (n, step) in steps.iter().enumerate() {
        let Some(script) = step["python"].as_str() else { continue };
        assert!(script.contains(&ada.url()), "the script has the sandbox's URL: {script}");
        python(script, "", dir.path());
        if step["check"].is_null() {
            continue;
        }
        let (status, result) = ada
            .browser
            .json("POST", &format!("/api/guides/redis-from-python/steps/{n}/check"), &serde_json::json!({}))
            .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["passed"], true, "step {n}: {result}");
        checked += 1;
    }
    assert!(checked >= 3, "the Python guide's checked steps ran ({checked})");

    // Only the owner sees the password: a browser without the cookie sees
    // the shape of the URL, not ada's.
    let mut stranger = Client::of_process(&bolide);
    let (_, theirs) = stranger.get("/api/guides/redis-from-python").await;
    assert!(!theirs.to_string().contains(&ada.field("password")));
    assert!(theirs.to_string().contains("USERNAME:PASSWORD@"));

    // Exercise 1: the curl line (the guide's own, filled in) loads the file
    // into ada's sandbox, the guide's script loads it through the gateway,
    // and the checks of Exercises 1 and 2 pass.
    landings_file(dir.path(), 10_000);
    let (_, exercise) = ada.browser.get("/api/guides/exercise-1-load").await;
    let load_step = exercise["guide"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .position(|s| s["python"].as_str().is_some_and(|p| p.contains("pipeline")))
        .expect("the loading step");
    let step = &exercise["guide"]["steps"][load_step];
    // The page's HTML (the server renders the guide): the curl line is the
    // inline code that starts with `curl `, entities decoded back.
    let body = step["body_html"].as_str().expect("body").replace('\n', " ");
    let curl = body
        .split("<code>")
        .filter_map(|part| part.split_once("</code>").map(|(code, _)| code))
        .find(|code| code.starts_with("curl "))
        .expect("a curl line")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("  ", " ");
    assert!(curl.contains(&format!("-u {}:{}", ada.field("username"), ada.field("password"))), "{curl}");
    assert!(curl.contains(&bolide.base_url), "{curl}");
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{curl} --silent --fail"))
        .current_dir(dir.path())
        .output()
        .expect("curl");
    assert!(output.status.success(), "{curl}: {}", String::from_utf8_lossy(&output.stdout));
    let out = python(step["python"].as_str().expect("script"), "", dir.path());
    assert_eq!(out.trim(), "10000 landings written");
    let (_, result) = ada
        .browser
        .json("POST", &format!("/api/guides/exercise-1-load/steps/{load_step}/check"), &serde_json::json!({}))
        .await;
    assert_eq!(result["passed"], true, "{result}");
    let (_, verify) = ada.browser.get("/api/guides/exercise-2-verify").await;
    for (n, step) in verify["guide"]["steps"].as_array().expect("steps").iter().enumerate() {
        if step["check"].is_null() {
            continue;
        }
        // Verifying 10,000 hashes on a busy machine may hit Redis's
        // response timeout: a 503, which says "try again".
        let mut result = Value::Null;
        for _ in 0..5 {
            let (status, answer) = ada
                .browser
                .json(
                    "POST",
                    &format!("/api/guides/exercise-2-verify/steps/{n}/check"),
                    &serde_json::json!({}),
                )
                .await;
            result = answer;
            if status != 503 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(result["passed"], true, "exercise 2 step {n}: {result}");
    }
    // A curl without the sandbox's credentials is refused, not given a new sandbox.
    let output = Command::new("curl")
        .args([
            "--silent",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            &format!("{}:wrong", ada.field("username")),
        ])
        .arg(format!("{}/api/data/verify", bolide.base_url))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "403");
}

/// With `--gateway-tls-cert`/`--gateway-tls-key` the gateway speaks TLS:
/// redis-py's `rediss://` (ssl=True) and `redis-cli --tls` connect and
/// verify the certificate; a plain client gets nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_clients_connect_and_verify_the_certificate() {
    if !python_with_redis() || Command::new("openssl").arg("version").output().is_err() {
        println!("SKIPPED: needs python3 with redis-py and openssl");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (cert_arg, key_arg) = (cert.display().to_string(), key.display().to_string());
    let (_redis, bolide) = start(&["--gateway-tls-cert", &cert_arg, "--gateway-tls-key", &key_arg]);
    let mut ada = Student::new(&bolide).await;
    assert_eq!(ada.gateway["tls"], true);
    assert!(ada.url().starts_with("rediss://"), "{}", ada.url());

    let script = format!(
        "import os, redis\nr = redis.Redis.from_url(os.environ['GATEWAY_URL'], ssl_ca_certs={cert_arg:?})\n\
         r.set('tls:key', 'over TLS')\nprint(r.get('tls:key').decode())"
    );
    assert_eq!(python(&script, &ada.url(), dir.path()).trim(), "over TLS");
    let mut args = vec!["--tls".to_string(), "--cacert".to_string(), cert_arg.clone()];
    args.extend(ada.cli_args());
    args.extend(["GET", "tls:key"].map(str::to_string));
    assert_eq!(redis_cli(&args, None).trim(), "over TLS");
    assert_eq!(ada.browser.console("GET tls:key").await, "\"over TLS\"");

    // Plain RESP to a TLS port: no answer but a closed connection.
    let mut plain = Raw::connect(&ada);
    plain.send(&["PING"]);
    let mut byte = [0u8; 1];
    let answered = plain.reader.get_mut().read(&mut byte).map(|n| n > 0 && byte[0] == b'+').unwrap_or(false);
    assert!(!answered, "a plain client must not get a RESP answer");
}

/// Locally the gateway needs no login and works like the local console:
/// database 0 of Bolide's Redis, `SELECT` among the student's databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locally_the_gateway_needs_no_login() {
    let (redis, bolide) = common::local_with_gateway();
    let mut browser = Client::of_process(&bolide);
    let (status, gateway) = browser.get("/api/gateway").await;
    assert_eq!(status, 200, "{gateway}");
    assert_eq!(gateway["username"], "default");
    let port = gateway["port"].to_string();
    assert_eq!(gateway["url"].as_str(), Some(format!("redis://127.0.0.1:{port}/0").as_str()));
    let cli = |line: &str| redis_cli(&["-p".to_string(), port.clone()], Some(line));
    assert_eq!(
        cli("SET local:k v\nSELECT 1\nSET local:one 1\nMULTI\nINCR local:one\nEXEC\n")
            .lines()
            .collect::<Vec<_>>(),
        ["OK", "OK", "OK", "OK", "QUEUED", "2"]
    );
    let mut db0 = common::conn(redis.port(), 0);
    let mut db1 = common::conn(redis.port(), 1);
    let get = |conn: &mut redis::Connection, key: &str| -> Option<String> {
        redis::cmd("GET").arg(key).query(conn).expect("GET")
    };
    assert_eq!(get(&mut db0, "local:k").as_deref(), Some("v"));
    assert_eq!(get(&mut db1, "local:one").as_deref(), Some("2"));
    assert_eq!(browser.console("GET local:k").await, "\"v\"", "the console is still in database 0");
    assert!(cli("SELECT 15\n").contains("ERR"), "Bolide's own database stays out of reach");

    // RESET goes back to database 0 (and drops MULTI, RESP3, the name).
    let mut raw = Raw::connect_to(&format!("127.0.0.1:{port}"));
    assert_eq!(raw.call(&["SELECT", "1"]), "+OK");
    assert_eq!(raw.call(&["GET", "local:one"]), "$2");
    assert!(raw.call(&["HELLO", "3"]).starts_with("%14 ["));
    assert_eq!(raw.call(&["MULTI"]), "+OK");
    assert_eq!(raw.call(&["SET", "local:k", "changed"]), "+QUEUED");
    assert_eq!(raw.call(&["RESET"]), "+RESET");
    assert_eq!(raw.call(&["GET", "local:one"]), "$-1", "database 0 again, in RESP2");
    assert_eq!(raw.call(&["EXEC"]), "-ERR EXEC without MULTI");
    assert_eq!(get(&mut db0, "local:k").as_deref(), Some("v"), "the queued SET was discarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_logs_out_and_forgets_the_connection_state_as_redis_does() {
    let (_redis, bolide) = start(&[]);
    let mut ada = Student::new(&bolide).await;
    let (user, pass) = (ada.field("username"), ada.field("password"));
    let mut raw = Raw::connect(&ada);
    assert_eq!(raw.call(&["RESET"]), "+RESET", "allowed before login, as in Redis");
    assert_eq!(raw.call(&["RESET", "x"]), "-ERR wrong number of arguments for 'reset' command");
    assert!(raw.call(&["HELLO", "3", "AUTH", &user, &pass, "SETNAME", "ada"]).starts_with("%14 ["));
    assert_eq!(raw.call(&["CLIENT", "GETNAME"]), "$ada");
    assert_eq!(raw.call(&["SET", "k", "before"]), "+OK");
    assert_eq!(raw.call(&["MULTI"]), "+OK");
    assert_eq!(raw.call(&["SET", "k", "queued"]), "+QUEUED");
    assert_eq!(raw.call(&["RESET"]), "+RESET", "not queued: RESET runs inside MULTI too");
    assert_eq!(raw.call(&["GET", "k"]), "-NOAUTH Authentication required.", "logged out");
    assert_eq!(raw.call(&["EXEC"]), "-NOAUTH Authentication required.");
    assert_eq!(raw.call(&["AUTH", &user, &pass]), "+OK");
    assert_eq!(raw.call(&["GET", "k"]), "$before", "the MULTI was discarded, and replies are RESP2");
    assert_eq!(raw.call(&["GET", "missing"]), "$-1");
    assert_eq!(raw.call(&["CLIENT", "GETNAME"]), "$-1", "the name is gone");
    assert_eq!(raw.call(&["EXEC"]), "-ERR EXEC without MULTI");
    assert_eq!(ada.browser.console("GET k").await, "\"before\"");
}

/// Redis's count of connected clients, and of connections it ever accepted.
fn redis_clients(redis: &mut redis::Connection) -> (usize, u64) {
    let list: String = redis::cmd("CLIENT").arg("LIST").query(redis).expect("CLIENT LIST");
    let info: String = redis::cmd("INFO").arg("stats").query(redis).expect("INFO");
    let accepted = info
        .lines()
        .find_map(|line| line.strip_prefix("total_connections_received:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("total_connections_received");
    (list.lines().count(), accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_arguments_share_one_private_redis_connection_per_client() {
    let (redis, bolide) = start(&[]);
    let mut ada = Student::new(&bolide).await;
    let mut raw = Raw::connect(&ada);
    assert_eq!(raw.call(&["AUTH", &ada.field("username"), &ada.field("password")]), "+OK");
    assert_eq!(raw.call(&["SET", "warm", "up"]), "+OK");
    let mut direct = common::conn(redis.port(), 0);
    let (clients_before, accepted_before) = redis_clients(&mut direct);

    // Keys and values that are not UTF-8, with CR LF and NUL inside.
    let key = |i: usize| [b"bin:\xff\x00".as_slice(), i.to_string().as_bytes()].concat();
    let value = |i: usize| [b"\xfe\r\n\x00v".as_slice(), &i.to_le_bytes(), b"\xc3\x28"].concat();
    let sets: Vec<Vec<Vec<u8>>> = (0..200).map(|i| vec![b"SET".to_vec(), key(i), value(i)]).collect();
    raw.send_all(&sets);
    for i in 0..200 {
        assert_eq!(raw.frame(), b"+OK\r\n", "SET {i}");
    }
    let gets: Vec<Vec<Vec<u8>>> = (0..200).map(|i| vec![b"GET".to_vec(), key(i)]).collect();
    raw.send_all(&gets);
    for i in 0..200 {
        let want = [format!("${}\r\n", value(i).len()).into_bytes(), value(i), b"\r\n".to_vec()].concat();
        assert_eq!(raw.frame(), want, "GET {i} is byte-exact");
    }
    // Binary and plain commands in one pipeline keep their order.
    raw.send_all(&[
        vec![b"SET".to_vec(), b"mixed".to_vec(), b"plain".to_vec()],
        vec![b"APPEND".to_vec(), b"mixed".to_vec(), b"\xff".to_vec()],
        vec![b"GET".to_vec(), b"mixed".to_vec()],
    ]);
    assert_eq!(raw.frame(), b"+OK\r\n");
    assert_eq!(raw.frame(), b":6\r\n");
    assert_eq!(raw.frame(), b"$6\r\nplain\xff\r\n");

    let (clients_during, accepted_during) = redis_clients(&mut direct);
    assert!(
        clients_during <= clients_before + 1 && accepted_during <= accepted_before + 2,
        "one private connection for 400 binary commands: {clients_before} → {clients_during} clients, \
         {accepted_before} → {accepted_during} accepted"
    );
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(
            [
                format!("{{s:{}}}:", ada.field("username").trim_start_matches("bolide-s-")).into_bytes(),
                key(7),
            ]
            .concat(),
        )
        .query(&mut direct)
        .expect("GET");
    assert_eq!(stored, value(7), "stored under the sandbox's prefix");
    assert_eq!(ada.browser.console("EXISTS \"bin:\\xff\\x00199\"").await, "(integer) 1");

    // Closing the client closes its private connection.
    drop(raw);
    assert!(
        bolide_tests::wait_until(Duration::from_secs(10), || redis_clients(&mut direct).0 < clients_during),
        "the private connection outlived its client"
    );
}

/// A pipelined batch goes to Redis as one pipeline of probes and one of
/// commands, but each command is costed from its keys' sizes just before
/// it runs, as if sent alone: a `GET` after an `APPEND` that grows its key
/// in the same batch sees the grown size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_are_checked_and_costed_as_if_sent_one_by_one() {
    let (_redis, bolide) = start(&["--gateway-max-reply-bytes", "100"]);
    let ada = Student::new(&bolide).await;
    let mut raw = Raw::connect(&ada);
    assert_eq!(raw.call(&["AUTH", &ada.field("username"), &ada.field("password")]), "+OK");
    let sixty = "x".repeat(60);
    let words = |line: &[&str]| line.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
    raw.send_all(&[
        words(&["SET", "grow", &sixty]),
        words(&["GET", "grow"]),
        words(&["CONFIG", "SET", "maxmemory", "1"]),
        words(&["APPEND", "grow", &sixty]),
        words(&["GET", "grow"]),
        words(&["STRLEN", "grow"]),
        words(&["SELECT", "0"]),
        words(&["SET", "small", "1"]),
        words(&["INCR", "small"]),
        words(&["GET", "small"]),
        words(&["KEYS", "*"]),
        words(&["GET", "missing"]),
        words(&["SET", "empty", ""]),
        words(&["GET", "empty"]),
        words(&["RPUSH", "list", "a"]),
        words(&["GET", "list"]),
        words(&["SET", "big", &"y".repeat(101)]),
        words(&["GET", "big"]),
    ]);
    assert_eq!(raw.frame(), b"+OK\r\n");
    assert_eq!(raw.frame(), format!("$60\r\n{sixty}\r\n").into_bytes(), "60 bytes: within the bound");
    assert!(raw.frame().starts_with(b"-"), "CONFIG SET is refused in its place");
    assert_eq!(raw.frame(), b":120\r\n");
    let refused = String::from_utf8(raw.frame()).expect("text");
    assert!(
        refused.starts_with("-ERR reply too large") && refused.contains("about 120 bytes"),
        "measured after the APPEND before it: {refused}"
    );
    assert_eq!(raw.frame(), b":120\r\n");
    assert_eq!(raw.frame(), b"+OK\r\n", "SELECT 0");
    assert_eq!(raw.frame(), b"+OK\r\n");
    assert_eq!(raw.frame(), b":2\r\n");
    assert_eq!(raw.frame(), b"$1\r\n2\r\n");
    let keys = String::from_utf8(raw.frame()).expect("text");
    assert!(keys.starts_with("*2\r\n") && keys.contains("grow") && keys.contains("small"), "{keys}");
    // A GET read along with its probe (bounded): nil, empty and wrong
    // types as Redis answers them, one byte past the bound refused.
    assert_eq!(raw.frame(), b"$-1\r\n", "a missing key is nil, not an empty string");
    assert_eq!(raw.frame(), b"+OK\r\n");
    assert_eq!(raw.frame(), b"$0\r\n\r\n", "an empty string is not nil");
    assert_eq!(raw.frame(), b":1\r\n");
    assert!(raw.frame().starts_with(b"-WRONGTYPE"), "GET of a list");
    assert_eq!(raw.frame(), b"+OK\r\n");
    let refused = String::from_utf8(raw.frame()).expect("text");
    assert!(refused.starts_with("-ERR reply too large") && refused.contains("about 101 bytes"), "{refused}");
}
