//! Sandboxes: cookie attributes, codes (resume, rotate), cookieless reads,
//! the mint limit, and a cleanup that leaves nothing behind.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use bolide::jobs::{worker, WorkerOptions};
use bolide::sandbox::store::Lifetime;
use bolide::sandbox::store::COOKIE;
use bolide::sandbox::PublicUrl;
use bolide::sandbox::Tenancy;
use bolide::server::{app, AppState, StateOptions};
use bolide_shared::api::RedisMode;
use bolide_tests::{BolideProcess, RedisServer};
use common::Client;
use serde_json::json;
use tower::ServiceExt;

fn shared_state(redis: &RedisServer, idle: Duration, mints: u32, public: Option<&str>) -> AppState {
    let mut options = StateOptions::new(RedisMode::External, Tenancy::Shared);
    options.lifetime = Lifetime { idle, mints_per_minute: mints };
    options.public_url = public.map(|url| PublicUrl::parse(url).expect("url"));
    AppState::build(&redis.url(), options).expect("state")
}

/// A worker that runs jobs at once (no pacing).
fn quick_worker() -> WorkerOptions {
    WorkerOptions {
        visibility_timeout: Duration::from_secs(5),
        pace: Duration::ZERO,
        grace_period: Duration::from_secs(1),
    }
}

/// `ACL USERS`, sorted.
fn acl_users(redis: &RedisServer) -> Vec<String> {
    let mut users: Vec<String> =
        redis::cmd("ACL").arg("USERS").query(&mut redis.connection()).expect("users");
    users.sort();
    users
}

async fn set_cookie_of(router: &axum::Router, method: &str, uri: &str) -> (StatusCode, Option<String>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"line":"PING"}"#))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status(), cookie)
}

#[tokio::test]
async fn the_cookie_lives_as_long_as_the_idle_timeout_and_is_secure_over_https() {
    let redis = RedisServer::start();
    let plain = app(shared_state(&redis, Duration::from_secs(7200), 0, None), std::path::Path::new("/x"));
    let (status, cookie) = set_cookie_of(&plain, "POST", "/api/console").await;
    assert_eq!(status, StatusCode::OK);
    let cookie = cookie.expect("a cookie");
    for part in ["Max-Age=7200", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let https = app(
        shared_state(&redis, Duration::from_secs(60), 0, Some("https://class.example")),
        std::path::Path::new("/x"),
    );
    let (_, cookie) = set_cookie_of(&https, "POST", "/api/console").await;
    let cookie = cookie.expect("a cookie");
    assert!(cookie.contains("Secure") && cookie.contains("Max-Age=60"), "{cookie}");
}

#[tokio::test]
async fn cookieless_reads_create_nothing() {
    let redis = RedisServer::start();
    let state = shared_state(&redis, Duration::from_secs(60), 0, None);
    let router = app(state.clone(), std::path::Path::new("/x"));
    // What `bolide serve` makes at start, once per class: the read-only
    // user of cookieless reads, with its password in database 15.
    state.sandboxes().store.prepare().await.expect("prepare");
    let before = redis.snapshot(|_, _| false);
    let users = acl_users(&redis);
    assert!(users.contains(&"bolide-f-nobody".to_string()), "{users:?}");
    for uri in
        ["/api/jobs", "/api/data", "/api/guides", "/api/jobs/workers", "/api/data/verify", "/api/sandbox"]
    {
        let (status, cookie) = set_cookie_of(&router, "GET", uri).await;
        assert!(cookie.is_none(), "{uri}: {status}");
    }
    assert_eq!(redis.snapshot(|_, _| false), before);
    assert_eq!(acl_users(&redis), users);

    // That user has a password, the same for every Bolide of the class.
    let mut conn = redis.connection();
    let guessed: redis::RedisResult<()> = redis::cmd("AUTH").arg("bolide-f-nobody").arg("x").query(&mut conn);
    assert!(guessed.expect_err("refused").to_string().contains("WRONGPASS"));
    let mut system = redis.connection();
    let () = redis::cmd("SELECT").arg(15).query(&mut system).expect("select");
    let password: String = redis::cmd("GET").arg("bolide:acl:nobody").query(&mut system).expect("password");
    assert_eq!(password.len(), 32);
    let other = shared_state(&redis, Duration::from_secs(60), 0, None);
    other.sandboxes().store.prepare().await.expect("prepare");
    let again: String = redis::cmd("GET").arg("bolide:acl:nobody").query(&mut system).expect("password");
    assert_eq!(again, password, "one password for the class");
    let () = redis::cmd("AUTH").arg("bolide-f-nobody").arg(&password).query(&mut conn).expect("its login");
}

#[tokio::test]
async fn new_sandboxes_per_address_are_limited_with_429() {
    let redis = RedisServer::start();
    let router = app(shared_state(&redis, Duration::from_secs(60), 3, None), std::path::Path::new("/x"));
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let request = Request::post("/api/console")
            .header(header::CONTENT_TYPE, "application/json")
            .extension(ConnectInfo(SocketAddr::from(([10, 0, 0, 7], 5555))))
            .body(Body::from(r#"{"line":"PING"}"#))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("response");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().get(header::RETRY_AFTER).is_some());
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn a_code_resumes_the_sandbox_and_rotation_retires_the_old_one() {
    let redis = RedisServer::start();
    let router = app(shared_state(&redis, Duration::from_secs(60), 0, None), std::path::Path::new("/x"));
    let mut laptop = Client::new(&router);
    laptop.console("SET persist:me yes").await;
    let (status, info) = laptop.get("/api/sandbox").await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let code = info["code"].as_str().expect("code").to_string();
    assert_eq!(info["shared"], true);

    let mut phone = Client::new(&router);
    let (status, resumed) =
        phone.json("POST", "/api/sandbox/resume", &json!({ "code": code.to_lowercase() })).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(phone.console("GET persist:me").await, "\"yes\"");
    assert_ne!(phone.cookie(), laptop.cookie(), "each browser has its own secret");

    let (status, rotated) = laptop.json("POST", "/api/sandbox/rotate", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["code"].as_str(), Some(code.as_str()));
    let mut stranger = Client::new(&router);
    let (status, _) = stranger.json("POST", "/api/sandbox/resume", &json!({ "code": code })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the old code is useless");
    let (status, _) = stranger.json("POST", "/api/sandbox/resume", &json!({ "code": rotated["code"] })).await;
    assert_eq!(status, StatusCode::OK, "the new one works");
}

#[tokio::test]
async fn an_ended_sandbox_leaves_nothing_behind_and_no_secret_shows_anywhere() {
    let redis = RedisServer::start();
    let state = shared_state(&redis, Duration::from_secs(1), 0, None);
    let router = app(state.clone(), std::path::Path::new("/x"));
    let before = redis.snapshot(|_, _| false);
    let users = acl_users(&redis);

    let mut student = Client::new(&router);
    student.console("SET k v").await;
    student.console("RPUSH l a b").await;
    let nogroup = student.console("XPENDING st nogroup").await;
    student.console("MULTI").await;
    student.console("SET queued 1").await;
    let whoami = student.console("ACL WHOAMI").await;
    let (status, report) = student.send("POST", "/api/data/generate?n=50&seed=3", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // A filtered page: a cached result of its own.
    let (status, page) = student.get("/api/data?mass_min=1&sort=mass").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, check) =
        student.json("POST", "/api/guides/redis-basics/progress", &json!({"current_step": 1})).await;
    assert_eq!(status, StatusCode::OK, "{check}");
    // A finished job, run by a real worker over the sandbox's landings.
    let worker = worker::spawn(&redis.url(), quick_worker()).expect("worker");
    let (status, job) = student.json("POST", "/api/jobs", &json!({"analysis": "count_per_class"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job_uri = format!("/api/jobs/{}", job["id"].as_str().expect("job id"));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let (_, job) = student.get(&job_uri).await;
        if job["status"] == "succeeded" {
            break job;
        }
        assert!(std::time::Instant::now() < deadline, "the job did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker.stop().await;
    let (status, results) = student.get(&format!("{job_uri}/results")).await;
    assert_eq!((status, &results["records"]), (StatusCode::OK, &json!(50)), "{finished} {results}");

    let secret =
        student.cookie().and_then(|c| c.strip_prefix("bolide_session=")).expect("cookie").to_string();
    for output in [&nogroup, &whoami] {
        assert!(!output.contains(&secret) && !output.contains("{s:"), "{output}");
    }
    for (db, key, value) in redis.snapshot(|_, _| false) {
        let (key, value) = (String::from_utf8_lossy(&key), String::from_utf8_lossy(&value));
        assert!(!key.contains(&secret) && !value.contains(&secret), "db {db}: {key}");
    }
    assert!(acl_users(&redis).iter().all(|u| !u.contains(&secret)));

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let cached = redis
        .snapshot(|_, _| false)
        .into_iter()
        .filter(|(db, key, _)| *db == 15 && key.windows(8).any(|w| w == b":result:"));
    assert!(cached.count() >= 2, "the filtered page's result and summary are kept");
    let scans = scan_calls(&redis);
    bolide::console::housekeeping::round(state.relay()).await.expect("round");
    assert_eq!(scan_calls(&redis), scans, "each feature names its keys: no SCAN at a sandbox's end");
    // Housekeeping's own short-lived keys (its lease, "a round just ran")
    // and the jobs queue every sandbox shares (made by the first job) are
    // not the sandbox's; the queue holds nothing of it.
    let after = redis.snapshot(|db, key| {
        db == 15 && (key.starts_with(b"bolide:housekeeping:") || key == b"bolide:jobs:queue")
    });
    assert_eq!(after, before, "every database as before");
    let mut system = redis.connection();
    let () = redis::cmd("SELECT").arg(15).query(&mut system).expect("select");
    let entries: u64 = redis::cmd("XLEN").arg("bolide:jobs:queue").query(&mut system).expect("xlen");
    assert_eq!(entries, 0, "the queue holds nothing of the ended sandbox");
    assert_eq!(acl_users(&redis), users, "ACL USERS as before");
}

/// How many `SCAN`s Redis has run (`INFO commandstats`).
fn scan_calls(redis: &RedisServer) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(&mut redis.connection()).expect("INFO");
    info.lines()
        .find_map(|line| line.strip_prefix("cmdstat_scan:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().expect("calls"))
}

/// The error Redis answers `command` with, on `conn`.
async fn refusal(conn: &mut bolide::redis_conn::Connection, command: &[&str]) -> String {
    let mut cmd = redis::cmd(command[0]);
    for arg in &command[1..] {
        cmd.arg(*arg);
    }
    match cmd.query_async::<redis::Value>(conn).await {
        Ok(value) => format!("allowed: {value:?}"),
        Err(err) => err.to_string(),
    }
}

#[tokio::test]
async fn a_sandboxs_feature_connections_reach_only_its_own_keys() {
    let redis = RedisServer::start();
    let state = shared_state(&redis, Duration::from_secs(60), 0, None);
    let router = app(state.clone(), std::path::Path::new("/x"));
    let store = &state.sandboxes().store;
    let mut sessions = Vec::new();
    for name in ["alice", "bob"] {
        let mut client = Client::new(&router);
        let (status, report) = client.send("POST", "/api/data/generate?n=20&seed=1", None, Vec::new()).await;
        assert_eq!(status, StatusCode::OK, "{name}: {report}");
        client.console("SET k v").await;
        let secret = client.cookie().and_then(|c| c.strip_prefix(&format!("{COOKIE}="))).expect("cookie");
        sessions.push(store.find(Some(secret)).await.expect("find").expect("a sandbox"));
    }
    let (alice, bob) = (&sessions[0], &sessions[1]);
    let mut access = store.access(alice).expect("access");
    let (a, b) = (alice.id.as_str(), bob.id.as_str());

    // Its own keys, in both databases.
    let own = refusal(&mut access.data, &["GET", &format!("{{s:{a}}}:k")]).await;
    assert!(own.starts_with("allowed") && own.contains('v'), "{own}");
    let own_meta = format!("bolide:data:{{{a}}}:meta");
    assert!(refusal(&mut access.system, &["HGET", &own_meta, "count"]).await.starts_with("allowed"));

    // Nothing of Bob's, in any database, read or written.
    let bobs = [
        format!("{{s:{b}}}:k"),
        format!("{{s:{b}}}:meteorite:1"),
        format!("bolide:data:{{{b}}}:meta"),
        format!("bolide:guides:{{{b}}}:progress:redis-basics"),
    ];
    for conn in [&mut access.data, &mut access.system] {
        for key in &bobs {
            let key = key.as_str();
            for command in [vec!["GET", key], vec!["SET", key, "x"], vec!["UNLINK", key]] {
                let answer = refusal(conn, &command).await;
                assert!(answer.to_uppercase().contains("NOPERM"), "{command:?}: {answer}");
            }
        }
        // Nor Bolide's other keys: sandbox records (passwords), logins,
        // the jobs queue, Alice's own record.
        let record = format!("bolide:sandbox:{{{a}}}");
        for key in ["bolide:sandboxes", "bolide:jobs:queue", record.as_str()] {
            let answer = refusal(conn, &["TYPE", key]).await;
            assert!(answer.to_uppercase().contains("NOPERM"), "TYPE {key}: {answer}");
        }
        for command in [vec!["FLUSHDB"], vec!["FLUSHALL"], vec!["ACL", "USERS"], vec!["CONFIG", "GET", "*"]] {
            let answer = refusal(conn, &command).await;
            assert!(answer.to_uppercase().contains("NOPERM"), "{command:?}: {answer}");
        }
    }
    // SELECT is allowed (a load's transaction spans both databases), but
    // key patterns hold in every database.
    let mut private = redis::Client::open(format!("{}/0", access.base_url))
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let () = redis::cmd("SELECT").arg(3).query_async(&mut private).await.expect("select");
    let read: redis::RedisResult<redis::Value> =
        redis::cmd("GET").arg(&bobs[0]).query_async(&mut private).await;
    assert!(read.expect_err("refused").to_string().to_uppercase().contains("NOPERM"));
}

#[tokio::test]
async fn no_cookie_value_shows_in_redis_the_log_or_any_console_output() {
    let redis = RedisServer::start();
    let bolide = BolideProcess::serve(
        &["--redis-url", &redis.url(), "--shared", "--dist", "/nonexistent-dist", "--session-idle", "2s"],
        &[("RUST_LOG", "debug")],
    );
    // A shared Bolide makes the class's user of cookieless reads at start.
    let made = bolide_tests::wait_until(Duration::from_secs(10), || {
        acl_users(&redis).contains(&"bolide-f-nobody".to_string())
    });
    assert!(made, "{:?}", acl_users(&redis));
    let users_before = acl_users(&redis);
    let mut student = Client::of_process(&bolide);
    let mut outputs = vec![student.console("SET k v").await];
    for line in [
        "XADD st * a 1",
        "XGROUP CREATE st g 0",
        "XPENDING st nogroup",
        "XCLAIM st nogroup c 0 0-1",
        "XAUTOCLAIM st nogroup c 0 0",
        "XGROUP DELCONSUMER st nogroup c",
        "XPENDING nost g",
        "XCLAIM nost g c 0 0-1",
        "XAUTOCLAIM nost g c 0 0",
        "XGROUP DELCONSUMER nost g c",
        "ACL WHOAMI",
        "CLIENT INFO",
        "GET nothing",
    ] {
        outputs.push(student.console(line).await);
    }
    let (status, report) = student.send("POST", "/api/data/generate?n=30&seed=2", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, job) = student.json("POST", "/api/jobs", &json!({"analysis": "count_per_class"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let (_, info) = student.get("/api/sandbox").await;
    outputs.push(info.to_string());
    let secret =
        student.cookie().and_then(|c| c.strip_prefix(&format!("{COOKIE}="))).expect("cookie").to_string();

    for output in &outputs {
        assert!(!output.contains(&secret), "the secret in console output: {output}");
        assert!(!output.contains("{s:"), "a namespace in console output: {output}");
    }
    let assert_nowhere = |when: &str| {
        for (db, key, value) in redis.snapshot(|_, _| false) {
            let (key, value) = (String::from_utf8_lossy(&key), String::from_utf8_lossy(&value));
            assert!(!key.contains(&secret) && !value.contains(&secret), "{when}: db {db}: {key}");
        }
        let users: Vec<String> =
            redis::cmd("ACL").arg("USERS").query(&mut redis.connection()).expect("users");
        assert!(users.iter().all(|user| !user.contains(&secret)), "{when}: {users:?}");
        let list: Vec<String> = redis::cmd("ACL").arg("LIST").query(&mut redis.connection()).expect("list");
        assert!(list.iter().all(|rule| !rule.contains(&secret)), "{when}: ACL LIST");
        let log = bolide.log();
        assert!(!log.is_empty() && !log.contains(&secret), "{when}: the secret in Bolide's log");
    };
    assert_nowhere("in use");
    // The idle sandbox ends (housekeeping, every min(60 s, idle / 2)).
    let ended = bolide_tests::wait_until(Duration::from_secs(20), || acl_users(&redis) == users_before);
    assert!(ended, "the sandbox did not end: {:?}", acl_users(&redis));
    assert_nowhere("ended");
}

// Redis keeps ACL users in memory only: a restarted Redis refuses every
// sandbox's feature user (and the cookieless reads' one) until it is made
// again. The connections the sandbox layer hands every feature re-create it
// when Redis refuses their login, and send once more; without that, each
// first request below answers 500 until the sandbox's next refresh (up to
// 10 s later), and the one after a private connection's refusal too.
// Two threads, as a served Bolide has: the connections' tasks see the
// restart close their sockets while this thread waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_feature_requests_after_a_redis_restart_answer() {
    let mut redis = RedisServer::start_persistent();
    let state = shared_state(&redis, Duration::from_secs(600), 0, None);
    let router = app(state.clone(), std::path::Path::new("/x"));
    let mut student = Client::new(&router);
    let mut passer_by = Client::new(&router);
    let (status, report) = student.send("POST", "/api/data/generate?n=30&seed=4", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let check = "/api/guides/exercise-2-verify/steps/0/check";
    // Every connection the requests below use is opened first.
    let (status, page) = student.get("/api/data?size=5").await;
    assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(30)), "{page}");
    let (status, result) = student.json("POST", check, &json!({})).await;
    assert_eq!((status, &result["passed"]), (StatusCode::OK, &json!(true)), "{result}");
    let (status, page) = passer_by.get("/api/data").await;
    assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(0)), "{page}");
    let worker = worker::spawn(&redis.url(), quick_worker()).expect("worker");
    let (status, job) = student.json("POST", "/api/jobs", &json!({"analysis": "count_per_class"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let ended = ended_job(&mut student, &job).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    // The console's user is the console's to re-create (its relay does).
    let feature_users = |redis: &RedisServer| {
        let mut users = acl_users(redis);
        users.retain(|user| !user.starts_with("bolide-s-"));
        users
    };
    let users = feature_users(&redis);
    assert!(users.contains(&"bolide-f-nobody".to_string()), "{users:?}");

    // The AOF keeps the data; the ACL users are gone.
    redis.restart();
    assert!(acl_users(&redis).iter().all(|u| !u.starts_with("bolide-")), "Redis forgot the users");
    let (status, page) = student.get("/api/data?size=5").await;
    assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(30)), "the first read: {page}");
    let (status, result) = student.json("POST", check, &json!({})).await;
    assert_eq!((status, &result["passed"]), (StatusCode::OK, &json!(true)), "the first check: {result}");
    let (status, page) = passer_by.get("/api/data").await;
    assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(0)), "the first cookieless read: {page}");
    let (status, job) = student.json("POST", "/api/jobs", &json!({"analysis": "hemispheres"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "the first job: {job}");
    assert_eq!(feature_users(&redis), users, "the same users again");
    assert_eq!(ended_job(&mut student, &job).await["status"], "succeeded");

    // A job first: the worker (outside the API) makes the user itself.
    redis.restart();
    let (status, job) = student.json("POST", "/api/jobs", &json!({"analysis": "count_per_class"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let ended = ended_job(&mut student, &job).await;
    assert_eq!(ended["status"], "succeeded", "the worker read the landings as the sandbox: {ended}");
    // Its first run, not one after a hand-back (which queues a new entry)
    // once the sandbox's refresh made the user again.
    assert_eq!(ended["redis"]["queue_entry"], job["redis"]["queue_entry"], "{job} {ended}");
    let (_, results) = student.get(&format!("/api/jobs/{}/results", job["id"].as_str().expect("id"))).await;
    assert_eq!(results["records"], 30, "{results}");

    // A write first: its connection of its own is refused, and recovers.
    redis.restart();
    let (status, report) = student.send("POST", "/api/data/generate?n=12&seed=5", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "the first write: {report}");
    let (status, page) = student.get("/api/data?size=5").await;
    assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(12)), "{page}");
    worker.stop().await;
}

/// The job once it has ended (or the test fails after 30 s).
async fn ended_job(client: &mut Client, job: &serde_json::Value) -> serde_json::Value {
    let uri = format!("/api/jobs/{}", job["id"].as_str().expect("job id"));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, job) = client.get(&uri).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "the job did not end: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// A connection re-creating its feature user after a refused login (or a
// refresh re-creating both users) just as its sandbox ends must not bring
// the users back: both check the record after making them, and the end
// removes the record before the users.
#[tokio::test]
async fn an_ended_sandbox_gets_no_user_back() {
    let redis = RedisServer::start();
    let state = shared_state(&redis, Duration::from_secs(60), 0, None);
    let store = &state.sandboxes().store;
    let users = acl_users(&redis);
    let session = store.mint().await.expect("mint");
    let password = session.password.clone().expect("a password");
    let access = store.access(&session).expect("access");
    store.end(&session.id).await.expect("end");
    assert_eq!(acl_users(&redis), users, "ended");

    let owner = bolide::sandbox::Owner::for_session(session.id.as_str());
    let made = bolide::sandbox::acl::recreate_feature_user(&mut store.system(), &owner, &password).await;
    assert!(made.is_err(), "the feature user of an ended sandbox");
    assert!(store.ensure_acl_user(&session.id, &password).await.is_err(), "both users of an ended sandbox");
    // A feature's connection still held: refused, and it makes no user.
    let mut data = access.data.clone();
    let read: redis::RedisResult<Option<String>> =
        redis::cmd("GET").arg(owner.student_key("k")).query_async(&mut data).await;
    assert!(read.is_err(), "{read:?}");
    assert_eq!(acl_users(&redis), users, "no user came back");
}

// A Redis restarted without persistence forgets the cookieless reads'
// password as well as the user; a Bolide started after that makes another.
// The older Bolide's next cookieless read adds its password back rather
// than replacing the newer one's, so both keep logging in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bolides_of_one_class_keep_their_cookieless_logins_across_a_restart() {
    let mut redis = RedisServer::start();
    let old = shared_state(&redis, Duration::from_secs(60), 0, None);
    old.sandboxes().store.prepare().await.expect("prepare");
    let mut system = redis.connection();
    let () = redis::cmd("SELECT").arg(15).query(&mut system).expect("select");
    let first: String = redis::cmd("GET").arg("bolide:acl:nobody").query(&mut system).expect("password");
    let old_router = app(old.clone(), std::path::Path::new("/x"));
    let (status, _) = Client::new(&old_router).get("/api/data").await;
    assert_eq!(status, StatusCode::OK);

    redis.restart();
    let new = shared_state(&redis, Duration::from_secs(60), 0, None);
    new.sandboxes().store.prepare().await.expect("prepare");
    let mut system = redis.connection();
    let () = redis::cmd("SELECT").arg(15).query(&mut system).expect("select");
    let second: String = redis::cmd("GET").arg("bolide:acl:nobody").query(&mut system).expect("password");
    assert_ne!(first, second, "the restart forgot the first one");
    let (status, page) = Client::new(&old_router).get("/api/data").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for password in [&first, &second] {
        let mut conn = redis.connection();
        let login: redis::RedisResult<()> =
            redis::cmd("AUTH").arg("bolide-f-nobody").arg(password).query(&mut conn);
        assert!(login.is_ok(), "both Bolides log in: {login:?}");
    }
}
