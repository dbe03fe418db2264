//! A class under attack: a real `bolide serve --shared --gateway-listen` on
//! the test's own redis-server, an attacker sandbox trying to slow down,
//! starve or fill up what the class shares, and a victim sandbox reading
//! its key all along.
//!
//! What must hold: every attack gets a clear refusal naming the bound (the
//! console's `(error) …` text, the gateway's error reply, a JSON 4xx), and
//! the victim's requests keep answering — never a 503, never a 429.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bolide_tests::BolideProcess;
use common::{shared_with_gateway as start, used_memory, Client, Student};
use serde_json::{json, Value};

/// What the attack tests ask of a student.
impl Student {
    /// The console's whole answer to `line`.
    async fn line(&mut self, line: &str) -> (u16, Value) {
        let (status, json) = self.browser.json("POST", "/api/console", &json!({ "line": line })).await;
        (status.as_u16(), json)
    }

    /// The console's output for `line`, which must be an error naming `bound`.
    async fn refused(&mut self, line: &str, bound: &str) -> String {
        let (status, json) = self.line(line).await;
        let output = json["output"].as_str().unwrap_or_default().to_string();
        assert_eq!(status, 200, "{}: {json}", short(line));
        assert!(json["error"] == true, "{} was not refused: {}", short(line), short(&output));
        assert!(output.starts_with("(error) "), "{}: {output}", short(line));
        assert!(output.contains(bound), "{}: the refusal does not name {bound}: {output}", short(line));
        output
    }
}

fn short(text: &str) -> String {
    text.chars().take(120).collect()
}

/// A victim: another sandbox reading its own key every 100 ms until
/// stopped; what it got.
struct Victim {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<(u16, String)>>,
}

impl Victim {
    async fn start(bolide: &BolideProcess) -> Self {
        let mut browser = Client::of_process(bolide);
        assert_eq!(browser.console("SET mine v").await, "OK");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut answers = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                let (status, json) =
                    browser.json("POST", "/api/console", &json!({ "line": "GET mine" })).await;
                answers.push((status.as_u16(), json["output"].as_str().unwrap_or_default().to_string()));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            answers
        });
        Self { stop, task }
    }

    /// Stops it and checks every request was answered.
    async fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let answers = self.task.await.expect("victim");
        assert!(answers.len() >= 3, "the victim ran: {answers:?}");
        for (status, output) in &answers {
            assert_eq!((*status, output.as_str()), (200, "\"v\""), "the victim got {status} {output}");
        }
    }
}

fn bolide_peak_rss_kib(bolide: &BolideProcess) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", bolide.pid())).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_commands_are_refused_naming_their_bound() {
    // The attacker sends many lines quickly: its own rate limit is not what
    // this test is about.
    let (redis, bolide) = start(&["--rate-session", "500"]);
    let victim = Victim::start(&bolide).await;
    let mut attacker = Student::new(&bolide).await;

    // LCS: the product of the lengths, alone and summed over a MULTI.
    let long = "a".repeat(11_000);
    assert_eq!(attacker.browser.console(&format!("SET l1 {long}b")).await, "OK");
    assert_eq!(attacker.browser.console(&format!("SET l2 b{long}")).await, "OK");
    let refusal = attacker.refused("LCS l1 l2 LEN", "10000000").await;
    assert!(refusal.contains("LCS"), "{refusal}");
    let medium = "a".repeat(3_000);
    assert_eq!(attacker.browser.console(&format!("SET m1 {medium}")).await, "OK");
    assert_eq!(attacker.browser.console(&format!("SET m2 {medium}")).await, "OK");
    assert_eq!(attacker.browser.console("LCS m1 m2 LEN").await, "(integer) 3000", "under the bound: runs");
    assert_eq!(attacker.browser.console("MULTI").await, "OK");
    for _ in 0..5 {
        assert_eq!(attacker.browser.console("LCS m1 m2 LEN").await, "QUEUED");
    }
    let refusal = attacker.refused("EXEC", "in one transaction").await;
    assert!(refusal.contains("EXECABORT") && refusal.contains("10000000"), "{refusal}");
    // A write queued before the LCS counts too: APPENDs make the strings longer.
    assert_eq!(attacker.browser.console("MULTI").await, "OK");
    for _ in 0..3 {
        assert_eq!(attacker.browser.console(&format!("APPEND m1 {medium}")).await, "QUEUED");
    }
    assert_eq!(attacker.browser.console("LCS m1 m2 LEN").await, "QUEUED");
    attacker.refused("EXEC", "10000000").await;
    assert_eq!(attacker.browser.console("STRLEN m1").await, "(integer) 3000", "nothing ran");

    // Patterns: the same 256-byte limit on every path, KEYS answered by Bolide included.
    let pattern = format!("*{}b", "[a-z]".repeat(100));
    attacker.refused(&format!("KEYS {pattern}"), "at most 256").await;
    attacker.refused(&format!("SCAN 0 MATCH {pattern}"), "at most 256").await;
    attacker.refused(&format!("HSCAN h 0 MATCH {pattern}"), "at most 256").await;
    // COUNTs.
    attacker.refused("SCAN 0 COUNT 100000000", "at most 1000").await;
    attacker.refused("SSCAN s 0 COUNT 100000000", "at most 1000").await;
    attacker.refused("ZSCAN z 0 COUNT 5000", "at most 1000").await;
    attacker.refused("SPOP s 1000000", "at most 1000").await;
    attacker.refused("LPOP l 1000000", "at most 1000").await;
    attacker.refused("MEMORY USAGE l1 SAMPLES 0", "SAMPLES").await;

    // Large inputs: written directly (the console would take long to fill
    // them): a set of a million members, and the other types past their bounds.
    let mut direct = redis.connection();
    let million: Vec<u32> = (0..1_000_000).collect();
    for chunk in million.chunks(20_000) {
        let _: () = redis::cmd("SADD").arg(attacker.key("big")).arg(chunk).query(&mut direct).expect("SADD");
    }
    let members: Vec<u32> = (0..150_000).collect();
    for chunk in members.chunks(10_000) {
        let _: () =
            redis::cmd("RPUSH").arg(attacker.key("list")).arg(chunk).query(&mut direct).expect("RPUSH");
        let pairs: Vec<(u32, u32)> = chunk.iter().map(|n| (*n, *n)).collect();
        let _: () =
            redis::cmd("ZADD").arg(attacker.key("zbig")).arg(&pairs).query(&mut direct).expect("ZADD");
        let _: () =
            redis::cmd("HSET").arg(attacker.key("hbig")).arg(&pairs).query(&mut direct).expect("HSET");
    }
    let _: () = redis::cmd("SETRANGE")
        .arg(attacker.key("bits"))
        .arg(20 << 20)
        .arg("x")
        .query(&mut direct)
        .expect("SETRANGE");
    // A copy of the million twice over: more than the whole quota, but
    // refused by its inputs first (the bound that says what to change).
    attacker.refused("SUNIONSTORE dst big big", "at most 100000").await;
    attacker.refused("SRANDMEMBER big -1000000", "at most 1000").await;
    for line in [
        "SINTER big big",
        "SINTERCARD 2 big big",
        "SDIFFSTORE dst big",
        "SORT big STORE dst",
        "ZUNIONSTORE dst 2 zbig zbig",
        "ZINTER 1 zbig",
        "SORT big",
        "SORT list LIMIT 0 10",
    ] {
        attacker.refused(line, "at most 100000").await;
    }
    assert_eq!(attacker.browser.console("SCARD big").await, "(integer) 1000000");
    assert_eq!(attacker.browser.console("EXISTS dst").await, "(integer) 0", "nothing was stored");
    for line in ["BITCOUNT bits", "BITPOS bits 1", "BITCOUNT bits 0 -1", "BITOP NOT dst bits"] {
        attacker.refused(line, "at most 16777216").await;
    }
    assert_eq!(attacker.browser.console("BITCOUNT bits 0 1000").await, "(integer) 0", "a short range runs");
    for line in ["SMEMBERS big", "HGETALL hbig", "HVALS hbig", "ZRANGEBYSCORE zbig -inf +inf"] {
        attacker.refused(line, "at most 1048576 bytes").await;
    }
    // Index ranges are read only as far as the console shows them.
    let (_, answer) = attacker.line("LRANGE list 0 -1").await;
    assert_eq!(answer["omitted"], 149_500, "{}", short(&answer.to_string()));
    assert!(answer["output"].as_str().expect("output").ends_with("(… 149500 more elements not shown)"));
    let (_, answer) = attacker.line("ZRANGE zbig 10 -1 WITHSCORES").await;
    assert_eq!(answer["omitted"], 299_480, "{}", short(&answer.to_string()));

    // The gateway: the same bounds, and replies refused rather than cut.
    let mut gateway = attacker.gateway_client();
    for (args, bound) in [
        (vec!["LCS", "l1", "l2", "LEN"], "10000000"),
        (vec!["KEYS", pattern.as_str()], "at most 256"),
        (vec!["SCAN", "0", "COUNT", "100000000"], "at most 1000"),
        (vec!["SINTER", "big", "big"], "at most 100000"),
        (vec!["BITCOUNT", "bits"], "at most 16777216"),
        (vec!["LRANGE", "list", "0", "-1"], "at most 100000 elements"),
        (vec!["GET", "bits"], "at most 8388608 bytes"),
    ] {
        let result: redis::RedisResult<redis::Value> =
            redis::cmd(args[0]).arg(&args[1..]).query(&mut gateway);
        let err = result.expect_err(&format!("{args:?} was not refused"));
        assert!(err.to_string().contains(bound), "{args:?}: {err}");
    }
    let len: i64 = redis::cmd("LCS").arg("m1").arg("m2").arg("LEN").query(&mut gateway).expect("small LCS");
    assert_eq!(len, 3000);

    victim.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_value_costs_bolide_a_few_mib() {
    let (redis, bolide) = start(&[]);
    let victim = Victim::start(&bolide).await;
    let mut attacker = Student::new(&bolide).await;
    let mut direct = redis.connection();
    let huge = vec![b'x'; 64 << 20];
    let _: () = redis::cmd("SET").arg(attacker.key("huge")).arg(&huge).query(&mut direct).expect("SET");
    drop(huge);
    assert_eq!(attacker.browser.console("STRLEN huge").await, "(integer) 67108864");

    let before = bolide_peak_rss_kib(&bolide);
    for _ in 0..3 {
        let (status, answer) = attacker.line("GET huge").await;
        assert_eq!(status, 200);
        let output = answer["output"].as_str().expect("output");
        let shown = (1 << 20) as u64;
        assert_eq!(answer["omitted_bytes"], (64 << 20) - shown, "{}", short(output));
        assert!(output.ends_with(&format!("(… {} more bytes not shown)", (64 << 20) - shown)));
        assert!(output.len() < 2 << 20, "{} bytes shown", output.len());
    }
    let (_, answer) = attacker.line("GETRANGE huge 0 9").await;
    assert_eq!(answer["output"], "\"xxxxxxxxxx\"", "a short range is whole");
    attacker.refused("GETDEL huge", "at most 1048576 bytes").await;
    attacker.refused("MGET huge huge", "at most 1048576 bytes").await;
    attacker.refused("SET huge v GET", "at most 1048576 bytes").await;
    assert_eq!(attacker.browser.console("STRLEN huge").await, "(integer) 67108864", "nothing changed");

    let mut gateway = attacker.gateway_client();
    for _ in 0..3 {
        let result: redis::RedisResult<Vec<u8>> = redis::cmd("GET").arg("huge").query(&mut gateway);
        let err = result.expect_err("a 64 MiB reply is refused");
        assert!(err.to_string().contains("at most 8388608 bytes"), "{err}");
    }
    let part: Vec<u8> =
        redis::cmd("GETRANGE").arg("huge").arg(0).arg((1 << 20) - 1).query(&mut gateway).expect("part");
    assert_eq!(part.len(), 1 << 20, "read in parts");

    let after = bolide_peak_rss_kib(&bolide);
    let grown_mib = after.saturating_sub(before) / 1024;
    println!(
        "Bolide's peak RSS: {before} KiB before, {after} KiB after three GETs of 64 MiB (+{grown_mib} MiB)"
    );
    assert!(grown_mib < 64, "Bolide's peak RSS grew by {grown_mib} MiB ({before} → {after} KiB)");

    // Within the gateway's bound but past its first read (1 MiB): whole.
    for (name, length) in [("edge", (1 << 20) + 1), ("mid", 3 << 20)] {
        let value: Vec<u8> = (0..length).map(|i| b'a' + (i % 26) as u8).collect();
        let _: () = redis::cmd("SET").arg(attacker.key(name)).arg(&value).query(&mut direct).expect("SET");
        let read: Vec<u8> = redis::cmd("GET").arg(name).query(&mut gateway).expect("within the bound");
        assert!(read == value, "{name}: {} bytes read of {length}", read.len());
        let (_, answer) = attacker.line(&format!("GET {name}")).await;
        assert_eq!(answer["omitted_bytes"], length - (1 << 20), "{name}: the console shows 1 MiB");
    }
    victim.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bounds_are_the_hosts_flags() {
    let (_redis, bolide) = start(&[
        "--max-lcs-cells",
        "1000",
        "--max-scan-count",
        "7",
        "--max-input-elements",
        "3",
        "--max-scan-bytes",
        "10",
        "--max-reply-bytes",
        "20",
        "--gateway-max-reply-bytes",
        "30",
    ]);
    let mut student = Student::new(&bolide).await;
    assert_eq!(student.browser.console("SET a 0123456789012345678901234567890123456789").await, "OK");
    assert_eq!(student.browser.console("SADD s 1 2 3 4").await, "(integer) 4");
    student.refused("LCS a a", "at most 1000").await;
    student.refused("SCAN 0 COUNT 8", "at most 7").await;
    student.refused("SUNION s", "at most 3").await;
    student.refused("BITCOUNT a", "at most 10").await;
    let (_, answer) = student.line("GET a").await;
    assert_eq!(answer["omitted_bytes"], 20, "{answer}");
    let mut gateway = student.gateway_client();
    let err = redis::cmd("GET").arg("a").query::<Vec<u8>>(&mut gateway).expect_err("over 30 bytes");
    assert!(err.to_string().contains("at most 30 bytes"), "{err}");
}

/// Requests from four tasks as fast as the server answers, from the
/// browser with `cookie`, for at least `seconds` and until one was refused
/// (at most 30 s: a loaded machine answers slowly); how many passed, how
/// many were refused, the first 429's message, and the seconds it took.
async fn flood(bolide: &BolideProcess, cookie: &str, seconds: u64) -> (usize, usize, String, u64) {
    let started = std::time::Instant::now();
    let at_least = started + Duration::from_secs(seconds);
    let at_most = started + Duration::from_secs(30);
    let refused_any = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let base = bolide.base_url.clone();
        let cookie = cookie.to_string();
        let refused_any = refused_any.clone();
        tasks.push(tokio::spawn(async move {
            let (mut passed, mut refused, mut message) = (0, 0, String::new());
            let body = serde_json::to_vec(&json!({ "line": "PING" })).expect("json");
            loop {
                let now = std::time::Instant::now();
                if now >= at_most || (now >= at_least && refused_any.load(Ordering::Relaxed)) {
                    break;
                }
                let headers = [("cookie", cookie.as_str()), ("content-type", "application/json")];
                let answer = match worker {
                    0 | 1 => {
                        bolide_tests::http::request("POST", &format!("{base}/api/console"), &headers, &body)
                            .await
                    }
                    2 => {
                        bolide_tests::http::request("GET", &format!("{base}/api/data?size=1"), &headers, &[])
                            .await
                    }
                    _ => {
                        bolide_tests::http::request("GET", &format!("{base}/api/guides"), &headers, &[]).await
                    }
                }
                .expect("an answer");
                match answer.status {
                    429 => {
                        refused += 1;
                        refused_any.store(true, Ordering::Relaxed);
                        if message.is_empty() {
                            message = answer.text();
                        }
                    }
                    status => {
                        assert!(status < 500, "the flood got {status}: {}", answer.text());
                        passed += 1;
                    }
                }
            }
            (passed, refused, message)
        }));
    }
    let mut total = (0, 0, String::new(), 0);
    for task in tasks {
        let (passed, refused, message) = task.await.expect("flood");
        total.0 += passed;
        total.1 += refused;
        if total.2.is_empty() {
            total.2 = message;
        }
    }
    total.3 = started.elapsed().as_secs() + 1;
    total
}

/// The victim's other endpoints answer too (no 429) while it reads its key.
async fn victim_uses_every_endpoint(bolide: &BolideProcess) -> Victim {
    let victim = Victim::start(bolide).await;
    let mut browser = Client::of_process(bolide);
    for uri in ["/api/data?size=1", "/api/guides", "/api/jobs"] {
        let (status, json) = browser.get(uri).await;
        assert!(status.as_u16() < 400 || status.as_u16() == 404, "{uri}: {status} {json}");
    }
    victim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sandbox_flooding_never_uses_up_another_sandbox_at_the_same_address() {
    let (_redis, bolide) = start(&[]);
    let victim = victim_uses_every_endpoint(&bolide).await;
    let attacker = Student::new(&bolide).await;
    let cookie = attacker.browser.cookie().expect("cookie").to_string();
    let (passed, refused, message, seconds) = flood(&bolide, &cookie, 3).await;
    assert!(refused > 0, "the flood was never refused ({passed} passed in {seconds} s)");
    assert!(message.contains("at most 20 per second"), "{message}");
    // Its own bucket: about 20 a second after a burst of 60, across endpoints.
    let most = 60 + 20 * seconds as usize + 20;
    assert!(passed <= most, "{passed} passed in {seconds} s (at most {most})");
    victim.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_budget_is_shared_fairly_among_its_sandboxes() {
    // A generous per-sandbox rate: here the address's budget is what the
    // attackers run into.
    let (_redis, bolide) = start(&["--rate-session", "1000", "--rate-address", "60"]);
    let victim = victim_uses_every_endpoint(&bolide).await;
    let mut attackers = Vec::new();
    for _ in 0..3 {
        attackers.push(Student::new(&bolide).await);
    }
    let floods = attackers.iter().map(|a| {
        let cookie = a.browser.cookie().expect("cookie").to_string();
        let bolide = &bolide;
        async move { flood(bolide, &cookie, 3).await }
    });
    let results = futures_util::future::join_all(floods).await;
    for (passed, refused, message, seconds) in results {
        assert!(refused > 0, "a flooder was never refused ({passed} passed in {seconds} s)");
        assert!(message.contains("shared among its"), "{message}");
    }
    victim.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_grow_are_checked_against_the_quota_before_they_run() {
    let (redis, bolide) = start(&["--rate-session", "500"]);
    let baseline = used_memory(&redis);
    let victim = Victim::start(&bolide).await;
    let mut attacker = Student::new(&bolide).await;
    let quota = "67108864-byte quota";
    attacker.refused("SETRANGE big 536870000 x", quota).await;
    attacker.refused("SETBIT big 4294967295 1", quota).await;
    attacker.refused("BITFIELD big SET u8 #100000000 1", quota).await;
    attacker.refused("BITFIELD big INCRBY i64 4000000000 1", quota).await;
    assert_eq!(attacker.browser.console("EXISTS big").await, "(integer) 0", "nothing was written");
    // The headroom is used up by what was let through (25 MiB reserved for
    // 20: allocations round up), and a measurement on demand (what Redis
    // really holds: 24 MiB each) cannot make room.
    let twenty_mib = 20 << 20;
    assert_eq!(
        attacker.browser.console(&format!("SETRANGE k1 {} x", twenty_mib - 1)).await,
        "(integer) 20971520"
    );
    assert_eq!(
        attacker.browser.console(&format!("SETRANGE k2 {} x", twenty_mib - 1)).await,
        "(integer) 20971520"
    );
    attacker.refused(&format!("SETRANGE k3 {} x", twenty_mib - 1), "bytes left").await;
    attacker.refused(&format!("SETBIT k3 {} 1", 8 * twenty_mib), "bytes left").await;
    // Inside MULTI the growth is summed over the transaction.
    assert_eq!(attacker.browser.console("MULTI").await, "OK");
    for i in 0..3 {
        assert_eq!(attacker.browser.console(&format!("SETRANGE m{i} 6000000 x")).await, "QUEUED");
    }
    let refusal = attacker.refused("EXEC", "bytes left").await;
    assert!(refusal.contains("EXECABORT") && refusal.contains("this transaction"), "{refusal}");
    assert_eq!(attacker.browser.console("EXISTS m0").await, "(integer) 0");
    // BITOP scans (and writes) as much as its longest source.
    attacker.refused("BITOP NOT k3 k1", "at most 16777216 per command").await;
    // Copies count too: COPY and SORT … STORE write as much as they read.
    attacker.refused("COPY k1 k4", "bytes left").await;
    assert_eq!(attacker.browser.console("EXISTS k4").await, "(integer) 0");

    // A MULTI queue is bounded before a line is stored.
    let value = "v".repeat(60_000);
    assert_eq!(attacker.browser.console("MULTI").await, "OK");
    let mut queued = 0;
    loop {
        let (_, answer) = attacker.line(&format!("MSET a {value} b {value}")).await;
        if answer["error"] == true {
            let output = answer["output"].as_str().unwrap_or_default();
            assert!(output.contains("at most 4194304 bytes"), "{output}");
            break;
        }
        queued += 1;
        assert!(queued <= 40, "the queue kept growing");
    }
    let id = attacker.namespace.trim_start_matches("{s:").trim_end_matches("}:").to_string();
    let mut system = common::conn(redis.port(), 15);
    let stored: Vec<Vec<u8>> = redis::cmd("LRANGE")
        .arg(format!("bolide:sandbox:{{{id}}}:tx"))
        .arg(0)
        .arg(-1)
        .query(&mut system)
        .expect("LRANGE");
    let bytes: usize = stored.iter().map(Vec::len).sum();
    assert_eq!(stored.len(), queued);
    assert!(bytes <= 4 << 20, "{bytes} bytes queued");
    attacker.refused("EXEC", "EXECABORT").await;
    victim.finish().await;
    // Redis as a whole: within the two sandboxes' quotas (+ 1 MiB each) and
    // a fixed overhead.
    let used = used_memory(&redis);
    let quotas = 2 * (65 << 20);
    assert!(used <= baseline + quotas + (16 << 20), "Redis uses {used} bytes (it started at {baseline})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_growing_writes_cannot_all_take_the_same_room() {
    let (redis, bolide) = start(&[]);
    let attacker = Student::new(&bolide).await;
    // A pipeline through the gateway runs its commands concurrently.
    let mut gateway = attacker.gateway_client();
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for i in 0..8 {
        pipe.cmd("SETRANGE").arg(format!("g{i}")).arg((20 << 20) - 1).arg("x");
    }
    let replies: Vec<redis::Value> = pipe.query(&mut gateway).expect("pipeline");
    let written = replies.iter().filter(|r| matches!(r, redis::Value::Int(_))).count();
    assert!((1..=3).contains(&written), "{written} of 8 writes of 20 MiB fit a 64 MiB quota: {replies:?}");
    for reply in &replies {
        if let redis::Value::ServerError(err) = reply {
            assert!(err.details().unwrap_or_default().contains("67108864-byte quota"), "{err:?}");
        }
    }
    let mut direct = redis.connection();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}*", attacker.namespace)).query(&mut direct).expect("KEYS");
    assert!(keys.len() <= 3, "{keys:?}");
}

/// Connections of one sandbox adding to the same small sets at once: each
/// alone adding 60 members keeps a set of 350 integers an intset (its
/// probe bounds the members by the bytes: ~430), seven together convert
/// it to a hashtable (1 KB → 30 KB). Probed at the same time (here: while
/// Redis holds every write back, `CLIENT PAUSE … WRITE`, so each
/// connection's probes are read before any of their writes), each would
/// reserve one intset entry and every set would convert unreserved — a
/// student's threads repeating it would fill Redis far past the quota
/// before a measurement. One batch at a time (`sandbox::headroom`), each
/// probes the sets after the one before wrote them, and the last ones
/// reserve the conversion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_cannot_convert_collections_unreserved() {
    const GROUPS: usize = 2;
    const GROUP: usize = 7;
    let sets = |group: usize| (group * 16..group * 16 + 16).map(|i| format!("s{i}"));
    let (redis, bolide) = start(&["--gateway-rate", "0"]);
    let attacker = Student::new(&bolide).await;
    let mut pipe = redis::pipe();
    for key in (0..GROUPS).flat_map(sets) {
        pipe.cmd("SADD").arg(key).arg((0..350).collect::<Vec<u32>>()).ignore();
    }
    pipe.query::<()>(&mut attacker.gateway_client()).expect("intsets of 350 members");
    let keys: Vec<Vec<u8>> = (0..GROUPS).flat_map(sets).map(|key| attacker.key(&key).into_bytes()).collect();
    // Past Bolide's lease of room (`headroom::LOCAL_TTL`), so the first
    // write asks for a new one, and waits for the pause with the rest.
    tokio::time::sleep(bolide::sandbox::headroom::LOCAL_TTL + Duration::from_secs(1)).await;
    let mut direct = redis.connection();
    let before = (reserved(&redis, &attacker), common::memory_usage(&mut direct, &keys));

    // Seven connections per 16 sets, each adding 60 members of its own: a
    // batch each (at most 16 commands: `gateway::session::MAX_BATCH`).
    let racers: Vec<_> = (0..GROUPS * GROUP).map(|racer| (racer, attacker.gateway_client())).collect();
    let start = Arc::new(std::sync::Barrier::new(racers.len()));
    let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(500).arg("WRITE").query(&mut direct).expect("pause");
    let racers: Vec<_> = racers
        .into_iter()
        .map(|(racer, mut conn)| {
            let start = start.clone();
            std::thread::spawn(move || {
                let mut pipe = redis::pipe();
                for key in sets(racer / GROUP) {
                    let members: Vec<usize> = (0..60).map(|m| 1000 + 100 * racer + m).collect();
                    pipe.cmd("SADD").arg(key).arg(members);
                }
                start.wait();
                pipe.query::<Vec<u64>>(&mut conn).expect("each adds its members")
            })
        })
        .collect();
    for racer in racers {
        assert_eq!(racer.join().expect("racer"), vec![60; 16]);
    }
    for key in &keys {
        let encoding: String =
            redis::cmd("OBJECT").arg("ENCODING").arg(key).query(&mut direct).expect("encoding");
        assert_eq!(encoding, "hashtable", "770 members");
    }
    let after = (reserved(&redis, &attacker), common::memory_usage(&mut direct, &keys));
    assert!(
        after.0 - before.0 >= after.1 - before.1,
        "the writes reserved {} bytes and added {}",
        after.0 - before.0,
        after.1 - before.1
    );
}

/// The same race through two Bolide processes of the class, one
/// connection each (a student's console and script can land on two API
/// processes behind one address): a transaction each of 100 `SADD`s of
/// 110 members, to the same 100 intsets of 300, that alone keeps them
/// intsets (410; the probe bounds the members by the bytes: ~380 + 110)
/// and together converts them (520 members, past Debian's 512). With a turn
/// per process both `EXEC`s are probed while Redis holds writes back, and
/// the conversions go unreserved (424 KB reserved for 2.4 MB added); the class's turn
/// (`sandbox::compact_turn`) has the second probed after the first wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_through_two_processes_cannot_convert_collections_unreserved() {
    const SETS: usize = 100;
    let (redis, bolide) = start(&["--gateway-rate", "0"]);
    let second = common::shared_on(&redis, &["--gateway-rate", "0"]);
    let attacker = Student::new(&bolide).await;
    // The attacker's credentials at each process's gateway.
    let first_url = attacker.gateway["url"].as_str().expect("url").to_string();
    let first_port = attacker.gateway["port"].as_u64().expect("port");
    let second_port = Student::new(&second).await.gateway["port"].as_u64().expect("port");
    let urls =
        [first_url.clone(), first_url.replace(&format!(":{first_port}/"), &format!(":{second_port}/"))];
    assert_ne!(urls[0], urls[1]);
    let connect = |url: &str| redis::Client::open(url).and_then(|c| c.get_connection()).expect("gateway");
    let sets = || (0..SETS).map(|i| format!("s{i}"));
    let mut pipe = redis::pipe();
    for key in sets() {
        pipe.cmd("SADD").arg(key).arg((0..300).collect::<Vec<u32>>()).ignore();
    }
    pipe.query::<()>(&mut connect(&urls[0])).expect("intsets of 300 members");
    let keys: Vec<Vec<u8>> = sets().map(|key| attacker.key(&key).into_bytes()).collect();
    let mut direct = redis.connection();
    let before = (reserved(&redis, &attacker), common::memory_usage(&mut direct, &keys));

    let racers: Vec<_> = urls.iter().map(|url| connect(url)).collect();
    let start = Arc::new(std::sync::Barrier::new(racers.len()));
    let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(500).arg("WRITE").query(&mut direct).expect("pause");
    let racers: Vec<_> = racers
        .into_iter()
        .enumerate()
        .map(|(racer, mut conn)| {
            let start = start.clone();
            std::thread::spawn(move || {
                let mut transaction = redis::pipe();
                transaction.atomic();
                for key in sets() {
                    let members: Vec<usize> = (0..110).map(|m| 1000 + 200 * racer + m).collect();
                    transaction.cmd("SADD").arg(key).arg(members);
                }
                start.wait();
                transaction.query::<Vec<u64>>(&mut conn).expect("each adds its members")
            })
        })
        .collect();
    for racer in racers {
        assert_eq!(racer.join().expect("racer"), vec![110; SETS]);
    }
    for key in &keys {
        let encoding: String =
            redis::cmd("OBJECT").arg("ENCODING").arg(key).query(&mut direct).expect("encoding");
        assert_eq!(encoding, "hashtable", "520 members");
    }
    let after = (reserved(&redis, &attacker), common::memory_usage(&mut direct, &keys));
    println!("reserved {} bytes, added {}", after.0 - before.0, after.1 - before.1);
    assert!(
        after.0 - before.0 >= after.1 - before.1,
        "the transactions reserved {} bytes and added {}",
        after.0 - before.0,
        after.1 - before.1
    );
}

/// The room a student's sandbox has reserved so far.
fn reserved(redis: &bolide_tests::RedisServer, student: &Student) -> u64 {
    common::reserved_bytes(redis, student.namespace.trim_start_matches("{s:").trim_end_matches("}:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_loads_are_bounded_by_the_quota_and_weigh_more_in_the_rate() {
    let (_redis, bolide) = start(&["--max-session-bytes", "4194304"]);
    let victim = victim_uses_every_endpoint(&bolide).await;
    let mut attacker = Student::new(&bolide).await;
    // A million landings: refused before one is made, naming the quota.
    let (status, json) = attacker.browser.send("POST", "/api/data/generate?n=1000000", None, vec![]).await;
    assert_eq!(status.as_u16(), 413, "{json}");
    assert!(common::message(&json).contains("4 MiB quota"), "{json}");
    let (status, page) = attacker.browser.get("/api/data?size=1").await;
    assert_eq!((status.as_u16(), page["total"].as_u64()), (200, Some(0)), "nothing was loaded: {page}");

    // Loads weigh ten requests each: a burst of 60 holds about six.
    let (mut passed, mut refused) = (0, 0);
    for _ in 0..10 {
        let (status, json) = attacker.browser.send("POST", "/api/data/generate?n=10", None, vec![]).await;
        match status.as_u16() {
            200 => passed += 1,
            429 => {
                assert!(common::message(&json).contains("too many requests from this sandbox"), "{json}");
                refused += 1;
            }
            other => panic!("{other}: {json}"),
        }
    }
    assert!(refused > 0 && passed <= 7, "{passed} loads passed, {refused} refused");
    tokio::time::sleep(Duration::from_millis(400)).await;
    victim.finish().await;
}
