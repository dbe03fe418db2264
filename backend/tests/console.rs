//! `POST /api/console` against a real Redis: the contract, sessions,
//! databases, transactions, refusals, hostile input, shared-mode isolation.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use bolide::console::Limits;
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState, StateOptions};
use bolide_shared::api::{ConsoleResponse, ErrorBody, RedisMode};
use bolide_tests::RedisServer;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn router(redis: &RedisServer, tenancy: Tenancy) -> Router {
    let state = AppState::connect_with(&redis.url(), RedisMode::External, tenancy).expect("url");
    app(state, std::path::Path::new("/nonexistent-dist"))
}

/// [`router`] with the console's limits changed by `change`.
fn router_with_limits(redis: &RedisServer, tenancy: Tenancy, change: impl FnOnce(&mut Limits)) -> AppState {
    let mut options = StateOptions::new(RedisMode::External, tenancy);
    change(&mut options.console);
    options.lifetime.idle = options.console.session_idle;
    AppState::build(&redis.url(), options).expect("url")
}

/// A browser: keeps the session cookie between lines.
struct Browser {
    router: Router,
    cookie: Option<String>,
    set_cookie_seen: Vec<String>,
}

impl Browser {
    fn new(router: &Router) -> Self {
        Self { router: router.clone(), cookie: None, set_cookie_seen: Vec::new() }
    }

    async fn post(&mut self, body: Vec<u8>, headers: &[(&str, &str)]) -> (StatusCode, Vec<u8>) {
        let mut request = Request::post("/api/console").header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie.as_str());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).expect("request"))
            .await
            .expect("infallible");
        if let Some(set) = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            self.set_cookie_seen.push(set.to_string());
            self.cookie = set.split(';').next().map(str::to_string);
        }
        let status = response.status();
        (status, response.into_body().collect().await.expect("body").to_bytes().to_vec())
    }

    async fn line(&mut self, line: &str) -> ConsoleResponse {
        let body = serde_json::to_vec(&serde_json::json!({ "line": line })).expect("json");
        let (status, body) = self.post(body, &[]).await;
        assert_eq!(status, StatusCode::OK, "{line:?}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("console response")
    }

    async fn out(&mut self, line: &str) -> String {
        self.line(line).await.output
    }
}

fn conn(redis: &RedisServer, db: u32) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{}/{db}", redis.port()))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

/// Every key and its value, but the session bookkeeping (it changes on
/// every request by design).
/// Every key and value but Bolide's bookkeeping: the sandboxes, and the
/// key indexes (over-inclusive on purpose: a write Redis then refuses has
/// announced its key already; see `bolide::sandbox::key_index`).
fn snapshot(redis: &RedisServer) -> Vec<(u32, Vec<u8>, Vec<u8>)> {
    redis.snapshot(|db, key| (db == 15 && key.starts_with(b"bolide:sandbox")) || key.ends_with(b"}!keys"))
}

#[tokio::test]
async fn local_console_works_on_db0_with_a_session_cookie() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut browser = Browser::new(&router);

    let reply = browser.line("SET my_key my_value").await;
    assert_eq!(reply.output, "OK");
    assert_eq!(reply.prompt, format!("127.0.0.1:{}>", redis.port()));
    assert_eq!(reply.command.as_deref(), Some("SET"));
    assert_eq!(reply.args, ["SET", "my_key", "my_value"]);
    assert!(!reply.error);
    let set_cookie = browser.set_cookie_seen.first().expect("a session cookie").to_ascii_lowercase();
    assert!(set_cookie.contains("httponly") && set_cookie.contains("samesite=strict"), "{set_cookie}");
    assert!(set_cookie.contains("max-age=") && set_cookie.contains("path=/"), "{set_cookie}");
    let id = sandbox_of(&redis, &browser);
    assert_eq!(id.len(), 32, "128-bit id in hex");

    assert_eq!(browser.out("GET my_key").await, "\"my_value\"");
    assert_eq!(browser.out("HSET k2 name Joe email x type instructor").await, "(integer) 3");
    assert_eq!(
        browser.out("HGETALL k2").await,
        "1) \"name\"\n2) \"Joe\"\n3) \"email\"\n4) \"x\"\n5) \"type\"\n6) \"instructor\""
    );
    assert_eq!(browser.out("GET nothing").await, "(nil)");
    assert!(browser.set_cookie_seen.len() == 1, "the cookie is set once, then reused");

    // The student's own script sees the same keyspace, database 0…
    let mut c = conn(&redis, 0);
    let value: String = redis::cmd("GET").arg("my_key").query(&mut c).expect("GET");
    assert_eq!(value, "my_value");
    redis::cmd("SET").arg("from_python").arg("hi").exec(&mut c).expect("SET");
    assert_eq!(browser.out("GET from_python").await, "\"hi\"");
    // …and Bolide's own keys are not in it.
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).expect("KEYS");
    keys.sort();
    assert_eq!(keys, ["from_python", "k2", "my_key"]);
    let mut system = conn(&redis, 15);
    let sessions: Vec<String> =
        redis::cmd("ZRANGE").arg("bolide:sandboxes").arg(0).arg(-1).query(&mut system).expect("ZRANGE");
    assert_eq!(sessions, [id]);
}

#[tokio::test]
async fn select_switches_database_and_prompt_but_never_reaches_the_system_db() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut browser = Browser::new(&router);
    let port = redis.port();

    let reply = browser.line("SELECT 2").await;
    assert_eq!((reply.output.as_str(), reply.prompt.clone()), ("OK", format!("127.0.0.1:{port}[2]>")));
    assert_eq!(browser.out("SET in_two yes").await, "OK");
    let value: String = redis::cmd("GET").arg("in_two").query(&mut conn(&redis, 2)).expect("GET");
    assert_eq!(value, "yes");

    let refused = browser.line("SELECT 15").await;
    assert!(
        refused.error && refused.output.starts_with("(error) ERR SELECT is refused"),
        "{}",
        refused.output
    );
    assert_eq!(refused.prompt, format!("127.0.0.1:{port}[2]>"));
    assert!(browser.out("MOVE in_two 15").await.starts_with("(error) "));
    assert!(browser.out("SWAPDB 0 15").await.starts_with("(error) "));

    // Another browser has its own session, on database 0.
    let mut other = Browser::new(&router);
    assert_eq!(other.line("GET in_two").await.output, "(nil)");
    assert_eq!(browser.line("SELECT 0").await.prompt, format!("127.0.0.1:{port}>"));
}

#[tokio::test]
async fn multi_exec_and_discard_behave_like_redis() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut browser = Browser::new(&router);
    let port = redis.port();

    assert_eq!(browser.out("EXEC").await, "(error) ERR EXEC without MULTI");
    assert_eq!(browser.out("DISCARD").await, "(error) ERR DISCARD without MULTI");
    let reply = browser.line("MULTI").await;
    assert_eq!((reply.output.as_str(), reply.prompt.clone()), ("OK", format!("127.0.0.1:{port}(TX)>")));
    assert_eq!(browser.out("MULTI").await, "(error) ERR MULTI calls can not be nested");
    assert_eq!(browser.out("INCR counter").await, "QUEUED");
    assert_eq!(browser.out("SET \"with space\" \"v\\x00w\"").await, "QUEUED");
    assert_eq!(browser.out("INCR counter").await, "QUEUED");
    assert_eq!(browser.out("LPUSH counter x").await, "QUEUED");
    let exec = browser.line("EXEC").await;
    assert_eq!(
        exec.output,
        "1) (integer) 1\n2) OK\n3) (integer) 2\n4) (error) WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(exec.prompt, format!("127.0.0.1:{port}>"));
    assert_eq!(browser.out("GET \"with space\"").await, "\"v\\x00w\"");

    // A command rejected while queueing dooms the transaction, as in Redis.
    browser.line("MULTI").await;
    assert_eq!(browser.out("SET doomed 1").await, "QUEUED");
    assert!(browser.out("EVAL \"return 1\" 0").await.starts_with("(error) ERR EVAL is refused"));
    assert!(browser.out("NOSUCHCOMMAND").await.starts_with("(error) ERR unknown command"));
    assert_eq!(
        browser.out("EXEC").await,
        "(error) EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(browser.out("EXISTS doomed").await, "(integer) 0");

    browser.line("MULTI").await;
    browser.line("SET discarded 1").await;
    assert_eq!(browser.out("DISCARD").await, "OK");
    assert_eq!(browser.out("EXISTS discarded").await, "(integer) 0");
    browser.line("MULTI").await;
    assert_eq!(browser.out("EXEC").await, "(empty array)");
}

#[tokio::test]
async fn refused_commands_name_the_reason_and_change_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut browser = Browser::new(&router);
    browser.line("SET keep me").await;
    browser.line("RPUSH list a b c").await;
    let before = snapshot(&redis);
    for line in [
        "EVAL \"redis.call('flushall')\" 0",
        "FCALL f 0",
        "SCRIPT FLUSH",
        "FUNCTION FLUSH",
        "FLUSHALL",
        "CONFIG SET maxmemory 1",
        "SHUTDOWN NOSAVE",
        "DEBUG SLEEP 1",
        "MODULE LIST",
        "REPLICAOF 127.0.0.1 1",
        "BLPOP list 0",
        "SUBSCRIBE news",
        "CLIENT KILL TYPE normal",
        "AUTH default x",
        "HELLO 3",
        "MONITOR",
        "SORT list BY weight_*",
        "MIGRATE 127.0.0.1 1 keep 0 1000",
        "DUMP keep",
        "RESTORE k2 0 x",
        "SWAPDB 0 1",
        "SELECT 15",
        "WAIT 1 1",
        "ACL SETUSER x on",
    ] {
        let reply = browser.line(line).await;
        assert!(reply.error, "{line} was not refused: {}", reply.output);
        assert!(reply.output.starts_with("(error) ERR"), "{line}: {}", reply.output);
    }
    // inside MULTI too
    browser.line("MULTI").await;
    assert!(browser.line("FLUSHALL").await.error);
    assert!(browser.line("EVAL \"return 1\" 0").await.error);
    assert!(browser.line("EXEC").await.output.contains("EXECABORT"));
    assert_eq!(snapshot(&redis), before);
    assert_eq!(
        browser.out("FOO bar").await,
        "(error) ERR unknown command 'FOO', with args beginning with: 'bar' "
    );
}

#[tokio::test]
async fn hostile_input_gets_a_clear_error_and_changes_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut browser = Browser::new(&router);
    browser.line("SET n 10").await;
    browser.line("SADD s a b c").await;
    browser.line("ZADD z 1 a").await;
    let before = snapshot(&redis);

    assert_eq!(browser.line("").await.output, "");
    assert_eq!(browser.line("     ").await.output, "");
    for line in ["SET a \"b", "SET 'a b", "GET \"a\"b", "\"unbalanced"] {
        let reply = browser.line(line).await;
        assert_eq!((reply.output.as_str(), reply.error), ("Invalid argument(s)", true), "{line}");
    }
    let many_args = format!("DEL {}", vec!["k"; 10_000].join(" "));
    for (line, expected) in [
        (many_args.as_str(), "(error) ERR too many arguments"),
        ("INCRBY n 99999999999999999999", "(error) ERR value is not an integer or out of range"),
        ("INCRBY n 9223372036854775807", "(error) ERR increment or decrement would overflow"),
        ("INCRBYFLOAT n inf", "(error) ERR increment would produce NaN or Infinity"),
        ("ZADD z nan b", "(error) ERR value is not a valid float"),
        ("SET n 1 EX -5", "(error) ERR invalid expire time in 'set' command"),
        ("LRANGE s -99999999999999999999 1", "(error) ERR value is not an integer or out of range"),
        ("SRANDMEMBER s -9223372036854775808", "(error) ERR count too large"),
        ("HRANDFIELD h -100000", "(error) ERR count too large"),
        ("SET", "(error) ERR wrong number of arguments for 'set' command"),
    ] {
        let reply = browser.line(line).await;
        assert!(reply.error, "{line}");
        assert!(reply.output.starts_with(expected), "{line}: {}", reply.output);
    }
    // NUL and invalid UTF-8 are just bytes to Redis.
    assert_eq!(browser.out("GET \"\\xff\\x00\"").await, "(nil)");
    // A NUL ends the line, as it does in redis-cli (a C string).
    assert_eq!(browser.out("GET \u{0}k").await, "(error) ERR wrong number of arguments for 'get' command");
    assert_eq!(snapshot(&redis), before, "nothing changed");

    // Transport problems are JSON errors with the right status.
    let (status, body) =
        browser.post(format!("{{\"line\": \"SET k {}\"}}", "x".repeat(1 << 20)).into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).expect("json error").error.code,
        "payload_too_large"
    );
    for bad in [&b"{not json"[..], b"{\"lines\": \"GET k\"}", b"[1,2]", b"\xff\xfe"] {
        let (status, body) = browser.post(bad.to_vec(), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(bad));
        assert_eq!(serde_json::from_slice::<ErrorBody>(&body).expect("json error").error.code, "bad_json");
    }
    let json = serde_json::to_vec(&serde_json::json!({"line": "SET stolen 1"})).expect("json");
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")][..],
    ] {
        let (status, body) = browser.post(json.clone(), headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(serde_json::from_slice::<ErrorBody>(&body).expect("json error").error.code, "forbidden");
    }
    assert_eq!(snapshot(&redis), before, "nothing changed");
}

#[tokio::test]
async fn long_replies_are_cut_and_say_how_many_more() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut browser = Browser::new(&router);
    let items: Vec<String> = (0..1200).map(|i| i.to_string()).collect();
    browser.line(&format!("RPUSH big {}", items.join(" "))).await;
    let reply = browser.line("LRANGE big 0 -1").await;
    assert_eq!(reply.omitted, Some(200));
    assert!(reply.output.starts_with("   1) \"0\"\n"), "{}", &reply.output[..40]);
    assert!(reply.output.ends_with("1000) \"999\"\n(… 200 more elements not shown)"));
}

#[tokio::test]
async fn shared_mode_sessions_never_see_each_other() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Browser::new(&router);
    let mut bob = Browser::new(&router);

    assert_eq!(alice.out("SET k alice").await, "OK");
    assert_eq!(bob.out("SET k bob").await, "OK");
    assert_eq!(alice.out("GET k").await, "\"alice\"");
    assert_eq!(bob.out("GET k").await, "\"bob\"");
    alice.line("RPUSH STREAMS a b").await;
    alice.line("SADD WEIGHTS x").await;

    // Keyless commands answer within the namespace.
    let keys = alice.line("KEYS *").await.output;
    let mut listed: Vec<&str> = keys.lines().map(|l| l.split_once(") ").map_or(l, |(_, k)| k)).collect();
    listed.sort();
    assert_eq!(listed, ["\"STREAMS\"", "\"WEIGHTS\"", "\"k\""]);
    assert_eq!(bob.out("KEYS *").await, "1) \"k\"");
    assert_eq!(alice.out("DBSIZE").await, "(integer) 3");
    assert_eq!(bob.out("DBSIZE").await, "(integer) 1");
    assert_eq!(bob.out("RANDOMKEY").await, "\"k\"");
    let scan = bob.out("SCAN 0 COUNT 1000").await;
    assert!(scan.ends_with("2) 1) \"k\""), "{scan}");

    // Keys named like keywords, numkeys commands, destinations.
    assert_eq!(alice.out("LMPOP 1 STREAMS LEFT").await, "1) \"STREAMS\"\n2) 1) \"a\"");
    assert_eq!(alice.out("ZUNIONSTORE dest 1 WEIGHTS").await, "(integer) 1");
    assert_eq!(alice.out("RENAME k k2").await, "OK");
    assert_eq!(bob.out("EXISTS k2 dest WEIGHTS").await, "(integer) 0");
    assert_eq!(bob.out("LMOVE STREAMS mine LEFT LEFT").await, "(nil)");
    assert_eq!(bob.out("BITOP OR out k k2").await, "(integer) 3");

    // Bob's FLUSHDB empties Bob's namespace only.
    assert_eq!(bob.out("FLUSHDB").await, "OK");
    assert_eq!(bob.out("DBSIZE").await, "(integer) 0");
    assert_eq!(alice.out("GET k2").await, "\"alice\"");

    // In Redis, every key is inside a session's namespace, or is a
    // session's key index (`{s:<id>}!keys`).
    let mut c = conn(&redis, 0);
    let raw: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).expect("KEYS");
    let inside = |k: &String| k.starts_with("{s:") && (k.contains("}:") || k.ends_with("}!keys"));
    assert!(!raw.is_empty() && raw.iter().all(inside), "{raw:?}");

    // A forged cookie gets a fresh session, not someone's namespace.
    let mut mallory = Browser::new(&router);
    mallory.cookie = Some(format!("bolide_session={}", "0".repeat(32)));
    assert_eq!(mallory.out("DBSIZE").await, "(integer) 0");
    assert!(mallory.cookie.as_deref() != Some(&format!("bolide_session={}", "0".repeat(32))));

    // Local-only commands are refused on a shared server.
    for line in ["SELECT 1", "CONFIG GET maxmemory", "INFO", "SAVE"] {
        assert!(alice.line(line).await.error, "{line}");
    }
}

/// The sandbox id the browser's cookie secret leads to (Redis hashes the
/// secret as Bolide does: the secret itself is in no key).
fn sandbox_of(redis: &RedisServer, browser: &Browser) -> String {
    let secret = browser.cookie.as_deref().and_then(|c| c.strip_prefix("bolide_session=")).expect("cookie");
    redis::cmd("EVAL")
        .arg("return redis.call('GET', 'bolide:sandbox:secret:' .. redis.sha1hex(ARGV[1]))")
        .arg(0)
        .arg(secret)
        .query(&mut conn(redis, 15))
        .expect("sandbox id")
}

#[tokio::test]
async fn redis_acls_confine_a_session_even_without_the_relay() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Browser::new(&router);
    let mut bob = Browser::new(&router);
    alice.line("SET k alice").await;
    bob.line("SET k bob").await;
    let (alice_id, bob_id) = (sandbox_of(&redis, &alice), sandbox_of(&redis, &bob));

    // Connect straight to Redis as Alice's ACL user, bypassing Bolide.
    let mut system = conn(&redis, 15);
    let password: String = redis::cmd("HGET")
        .arg(format!("bolide:sandbox:{{{alice_id}}}"))
        .arg("pass")
        .query(&mut system)
        .expect("pass");
    let client =
        redis::Client::open(format!("redis://bolide-s-{alice_id}:{password}@127.0.0.1:{}/0", redis.port()))
            .expect("url");
    let mut as_alice = client.get_connection().expect("Alice's ACL user can log in");
    let own: String =
        redis::cmd("GET").arg(format!("{{s:{alice_id}}}:k")).query(&mut as_alice).expect("own key");
    assert_eq!(own, "alice");
    let denied = |result: redis::RedisResult<redis::Value>| match result {
        // NOPERM, or (SORT's BY/GET) "ERR … denied due to insufficient ACL permissions."
        Err(err) => err.code() == Some("NOPERM") || err.to_string().contains("insufficient ACL permissions"),
        Ok(_) => false,
    };
    for args in [
        vec!["GET".to_string(), format!("{{s:{bob_id}}}:k")],
        vec!["SET".into(), "unprefixed".into(), "x".into()],
        vec!["RENAME".into(), format!("{{s:{alice_id}}}:k"), format!("{{s:{bob_id}}}:stolen")],
        vec!["SELECT".into(), "15".into()],
        vec!["KEYS".into(), "*".into()],
        vec!["SCAN".into(), "0".into()],
        vec!["FLUSHDB".into()],
        vec!["CONFIG".into(), "GET".into(), "*".into()],
        vec!["EVAL".into(), "return 1".into(), "0".into()],
        vec!["SORT".into(), format!("{{s:{alice_id}}}:k"), "BY".into(), "x_*".into()],
        vec!["ACL".into(), "LIST".into()],
    ] {
        let mut cmd = redis::Cmd::new();
        args.iter().for_each(|a| {
            cmd.arg(a);
        });
        assert!(denied(cmd.query(&mut as_alice)), "Redis let Alice's user run {args:?}");
    }
    assert_eq!(bob.out("GET k").await, "\"bob\"");
}

#[tokio::test]
async fn shared_sessions_survive_a_redis_restart_that_forgets_acl_users() {
    let mut redis = RedisServer::start_persistent();
    let router = router(&redis, Tenancy::Shared);
    let mut alice = Browser::new(&router);
    assert_eq!(alice.out("SET k kept").await, "OK");
    let id = sandbox_of(&redis, &alice);
    // appendfsync everysec: let the AOF reach the disk.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    redis.restart();
    // The first requests may find the old connections broken (503); then
    // the console reconnects, re-creates the ACL user and answers.
    let mut answered = None;
    let body = serde_json::to_vec(&serde_json::json!({"line": "GET k"})).expect("json");
    for _ in 0..50 {
        let (status, bytes) = alice.post(body.clone(), &[]).await;
        if status == StatusCode::OK {
            answered = Some(serde_json::from_slice::<ConsoleResponse>(&bytes).expect("response").output);
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&bytes));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(answered.as_deref(), Some("\"kept\""));
    assert_eq!(sandbox_of(&redis, &alice), id, "same session after the restart");
}

#[tokio::test]
async fn housekeeping_removes_idle_shared_sessions_and_enforces_quotas() {
    let redis = RedisServer::start();
    let state = router_with_limits(&redis, Tenancy::Shared, |limits| {
        limits.session_idle = std::time::Duration::from_millis(1500);
        limits.max_session_keys = 5;
    });
    let router = app(state.clone(), std::path::Path::new("/nonexistent-dist"));

    let mut idle = Browser::new(&router);
    idle.line("MSET a 1 b 2").await;
    let idle_id = sandbox_of(&redis, &idle);
    let mut busy = Browser::new(&router);
    busy.line("MSET a 1 b 2 c 3 d 4 e 5 f 6").await;
    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(900)).await;
        busy.line("PING").await; // keeps busy alive; idle stays idle
    }

    bolide::console::housekeeping::round(state.relay()).await.expect("round");
    let mut c = conn(&redis, 0);
    let left: Vec<String> = redis::cmd("KEYS").arg(format!("{{s:{idle_id}}}:*")).query(&mut c).expect("KEYS");
    assert!(left.is_empty(), "idle session's keys removed: {left:?}");
    let users: Vec<String> = redis::cmd("ACL").arg("USERS").query(&mut c).expect("ACL USERS");
    assert!(!users.contains(&format!("bolide-s-{idle_id}")), "its ACL user removed: {users:?}");
    assert!(users.contains(&format!("bolide-s-{}", sandbox_of(&redis, &busy))));

    // busy holds 6 keys, over the quota of 5: it may read and delete, not grow.
    let refused = busy.line("SET g 7").await;
    assert!(refused.output.starts_with("(error) ERR session quota exceeded: 6 keys"), "{}", refused.output);
    assert_eq!(busy.out("GET a").await, "\"1\"");
    assert_eq!(busy.out("DEL a b").await, "(integer) 2");
    // Wait for the round's done mark to lapse, as the next minute would.
    redis::cmd("DEL").arg("bolide:housekeeping:done").exec(&mut conn(&redis, 15)).expect("DEL");
    bolide::console::housekeeping::round(state.relay()).await.expect("round");
    assert_eq!(busy.out("SET g 7").await, "OK");
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let redis = RedisServer::start();
    let state = router_with_limits(&redis, Tenancy::Shared, |limits| {
        limits.session_rate = bolide::console::rate::Rate { per_second: 1, burst: 5 };
    });
    let router = app(state, std::path::Path::new("/nonexistent-dist"));
    let mut browser = Browser::new(&router);
    let body = serde_json::to_vec(&serde_json::json!({"line": "INCR hits"})).expect("json");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    let started = std::time::Instant::now();
    for _ in 0..8 {
        let mut request = Request::post("/api/console").header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = &browser.cookie {
            request = request.header(header::COOKIE, cookie.as_str());
        }
        let response =
            router.clone().oneshot(request.body(Body::from(body.clone())).expect("req")).await.expect("ok");
        if let Some(set) = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            browser.cookie = set.split(';').next().map(str::to_string);
        }
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after =
                response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_string);
        }
        statuses.push(response.status().as_u16());
    }
    // A bucket refills one request a second: on a machine slow enough to
    // take seconds over eight requests, that many more may pass.
    let refilled = started.elapsed().as_secs() as usize;
    let passed = statuses.iter().filter(|&&s| s == 200).count();
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!((5..=5 + refilled).contains(&passed), "{statuses:?}");
    assert!(statuses.iter().all(|&s| s == 200 || s == 429), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    // Refused requests changed nothing: one increment per request let in.
    let hits: usize = redis::cmd("GET")
        .arg(format!("{{s:{}}}:hits", sandbox_of(&redis, &browser)))
        .query(&mut conn(&redis, 0))
        .expect("GET");
    assert_eq!(hits, passed);
}

#[tokio::test]
async fn an_unreadable_error_reply_breaks_nobody_elses_console() {
    let redis = RedisServer::start();
    for policy in [Tenancy::Local, Tenancy::Shared] {
        let router = router(&redis, policy);
        let mut mallory = Browser::new(&router);
        let mut alice = Browser::new(&router);
        assert_eq!(alice.out("PING").await, "PONG");
        // Redis echoes the category, bytes that are not UTF-8 included.
        let reply = mallory.line("ACL CAT \"caf\\xff\"").await;
        assert!(reply.error && reply.output.starts_with("(error) ERR"), "{}", reply.output);
        mallory.line("MULTI").await;
        mallory.line("ACL CAT \"\\xfe\"").await;
        assert!(mallory.line("EXEC").await.error);
        // The shared connections are still in step.
        assert_eq!(alice.out("PING").await, "PONG");
        assert_eq!(alice.out("ECHO hello").await, "\"hello\"");
        assert_eq!(mallory.out("PING").await, "PONG");
    }
}

/// Every command the table refuses in a mode is refused there, by name,
/// outside and inside MULTI, and nothing changes.
#[tokio::test]
async fn every_refused_command_in_the_table_is_refused() {
    use bolide_shared::commands::policy::policy;
    let redis = RedisServer::start();
    for tenancy in [Tenancy::Local, Tenancy::Shared] {
        let mode = bolide::console::command_mode(tenancy);
        let lax = router_with_limits(&redis, tenancy, |limits| {
            limits.session_rate = bolide::console::rate::Rate { per_second: 0, burst: 0 };
        });
        let router = app(lax, std::path::Path::new("/nonexistent-dist"));
        let mut browser = Browser::new(&router);
        browser.line("SET keep me").await;
        let before = snapshot(&redis);
        let refused: Vec<&str> = bolide_shared::commands::all()
            .iter()
            .filter(|spec| !spec.is_container() && policy(spec).refusal_reason(mode).is_some())
            .map(|spec| spec.name)
            .collect();
        assert!(refused.len() > 50, "{} refused commands", refused.len());
        for name in &refused {
            let reply = browser.line(name).await;
            assert!(reply.error, "{name} ran: {}", reply.output);
            assert!(
                reply.output.starts_with(&format!("(error) ERR {name} is refused")),
                "{name}: {}",
                reply.output
            );
        }
        browser.line("MULTI").await;
        for name in refused.iter().take(40) {
            assert!(browser.line(name).await.error, "{name} queued inside MULTI");
        }
        assert!(browser.out("EXEC").await.contains("EXECABORT"));
        assert_eq!(snapshot(&redis), before, "nothing changed");
    }
}

/// `GET /api/commands/help`: the table the browser's HELP, Tab and hints
/// read, the same as the compiled one, compressed as the request accepts,
/// and a `304` for a browser that has it already; HELP on the server
/// answers from the same table.
#[tokio::test]
async fn the_help_table_is_served_once_compressed_and_revalidated() {
    use bolide_shared::commands::help::HelpTable;

    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let get = |headers: Vec<(&'static str, String)>| {
        let router = router.clone();
        async move {
            let mut request = Request::get("/api/commands/help");
            for (name, value) in headers {
                request = request.header(name, value);
            }
            router.oneshot(request.body(Body::empty()).expect("request")).await.expect("infallible")
        }
    };
    let plain = get(vec![]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(plain.headers()[header::CONTENT_TYPE], "application/json");
    let etag = plain.headers()[header::ETAG].to_str().expect("etag").to_owned();
    let body = plain.into_body().collect().await.expect("body").to_bytes();
    let table: HelpTable = serde_json::from_slice(&body).expect("a help table");
    assert_eq!(&table, HelpTable::compiled());

    let brotli = get(vec![("accept-encoding", "gzip, deflate, br".into())]).await;
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(brotli.headers()[header::VARY], "accept-encoding");
    let compressed = brotli.into_body().collect().await.expect("body").to_bytes();
    assert!(compressed.len() * 4 < body.len(), "{} of {}", compressed.len(), body.len());
    let gzip = get(vec![("accept-encoding", "gzip".into())]).await;
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");

    let again = get(vec![("if-none-match", etag.clone())]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.into_body().collect().await.expect("body").to_bytes().is_empty());

    let mut browser = Browser::new(&router);
    assert_eq!(browser.out("HELP GET").await, table.help_text(&[b"GET".to_vec()]));
}
