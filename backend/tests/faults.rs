//! Faults, with real processes: the embedded Redis killed or shut down from
//! a terminal comes back by itself; Bolide killed mid-load leaves no lock
//! that outlives it by more than seconds; a Bolide restarted right after a
//! `kill -9` waits for the old `redis-server` and keeps its port; a job
//! submitted twice with one `Idempotency-Key` is one job; a job whose queue
//! entry is deleted by hand still ends.
//!
//! No time is asserted: each wait is bounded, for a state.

mod common;

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use bolide_tests::{http, process_alive, send_signal, wait_until, BolideProcess};
use common::Client;
use serde_json::{json, Value};

fn start(data_dir: &Path) -> BolideProcess {
    let dir = data_dir.display().to_string();
    BolideProcess::serve(&["--data-dir", &dir, "--dist", "/nonexistent-dist"], &[])
}

fn redis(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
        .and_then(|c| c.get_connection())
        .expect("connect to the embedded redis")
}

async fn health(bolide: &BolideProcess) -> Value {
    match http::get(&bolide.url("/api/health")).await {
        Ok(response) => response.json(),
        Err(err) => json!({ "status": format!("unreachable: {err}") }),
    }
}

/// Polls health until it says `ok` (bounded); every status seen on the way.
async fn wait_for_ok(bolide: &BolideProcess, within: Duration) -> Vec<String> {
    let deadline = std::time::Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let status = health(bolide).await["status"].as_str().unwrap_or_default().to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "ok" {
            return seen;
        }
        assert!(std::time::Instant::now() < deadline, "health never came back to ok: {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The pids of the `redis-server` processes working in `dir`'s `redis/`
/// (Redis changes its directory to `--dir`, and its title to its address).
fn redis_servers_on(dir: &Path) -> Vec<u32> {
    let redis_dir = std::fs::canonicalize(dir.join("redis")).expect("redis dir");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else { continue };
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else { continue };
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .map(|stat| stat.split(") ").nth(1).is_some_and(|rest| rest.starts_with('Z')))
            .unwrap_or(false);
        if comm.trim() == "redis-server" && cwd == redis_dir && !zombie {
            pids.push(pid);
        }
    }
    pids
}

#[tokio::test]
async fn the_embedded_redis_comes_back_after_kill_9_and_after_a_shutdown_from_a_terminal() {
    let data = tempfile::tempdir().expect("data dir");
    let bolide = start(data.path());
    let port = bolide.redis_port;
    let first_pid = bolide.redis_pid.expect("pid");
    let mut conn = redis(port);
    redis::cmd("SET").arg("before_kill").arg("1").exec(&mut conn).expect("SET");
    drop(conn);
    // appendfsync everysec: give the background fsync its second.
    std::thread::sleep(Duration::from_millis(1500));

    send_signal(first_pid, rustix::process::Signal::KILL);
    wait_for_ok(&bolide, Duration::from_secs(20)).await;
    let health = health(&bolide).await;
    assert_eq!(health["redis"]["port"], port, "same port: {health}");
    let servers = redis_servers_on(data.path());
    assert_eq!(servers.len(), 1, "one server on the data dir: {servers:?}");
    assert!(!servers.contains(&first_pid), "a new server, not the killed one");
    assert!(!process_alive(first_pid), "the killed child was reaped, not left a zombie");
    let mut conn = redis(port);
    let value: Option<String> = redis::cmd("GET").arg("before_kill").query(&mut conn).expect("GET");
    assert_eq!(value.as_deref(), Some("1"), "the fsynced key was replayed from the AOF");

    // What the persistence exercise suggests: shut Redis down from a terminal.
    redis::cmd("SET").arg("before_shutdown").arg("2").exec(&mut conn).expect("SET");
    let second_pid = servers[0];
    let shutdown: redis::RedisResult<()> = redis::cmd("SHUTDOWN").query(&mut conn);
    assert!(shutdown.is_err(), "SHUTDOWN closes the connection instead of answering");
    drop(conn);
    wait_for_ok(&bolide, Duration::from_secs(20)).await;
    assert!(wait_until(Duration::from_secs(5), || !process_alive(second_pid)));
    let mut conn = redis(port);
    let value: Option<String> = redis::cmd("GET").arg("before_shutdown").query(&mut conn).expect("GET");
    assert_eq!(value.as_deref(), Some("2"), "SHUTDOWN flushed the AOF, the restart replayed it");

    // The first requests after the restart do not meet a broken connection.
    let mut client = Client::of_process(&bolide);
    let (status, json) = client.json("POST", "/api/console", &json!({ "line": "GET before_shutdown" })).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    // And the persistence guide's restart button still works.
    let (status, json) =
        client.json("POST", "/api/guides/persistence/restart", &json!({ "persistence": true })).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["port"], port);
    let value: Option<String> = redis::cmd("GET").arg("before_kill").query(&mut redis(port)).expect("GET");
    assert_eq!(value.as_deref(), Some("1"));
}

#[tokio::test]
async fn a_bolide_restarted_right_after_kill_9_waits_for_the_old_server_and_keeps_its_port() {
    let data = tempfile::tempdir().expect("data dir");
    for round in 0..3 {
        let bolide = start(data.path());
        let port = bolide.redis_port;
        let old_pid = bolide.redis_pid.expect("pid");
        redis::cmd("SET").arg("round").arg(round).exec(&mut redis(port)).expect("SET");
        bolide.kill9();
        // At once, while the old child is still handling its SIGTERM.
        let bolide = start(data.path());
        assert!(!process_alive(old_pid), "round {round}: the new server started before the old one was gone");
        assert_eq!(bolide.redis_port, port, "round {round}: same port");
        let servers = redis_servers_on(data.path());
        assert_eq!(servers.len(), 1, "round {round}: one server on the data dir: {servers:?}");
        let value: Option<String> = redis::cmd("GET").arg("round").query(&mut redis(port)).expect("GET");
        assert_eq!(
            value,
            Some(round.to_string()),
            "round {round}: SIGTERM made the old server flush its AOF"
        );
        bolide.kill9();
        assert!(wait_until(Duration::from_secs(10), || redis_servers_on(data.path()).is_empty()));
    }
}

// Two threads: the load's request runs while this one waits for its lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bolide_killed_mid_load_leaves_a_lock_that_lapses_within_seconds() {
    let redis = bolide_tests::RedisServer::start();
    let url = redis.url();
    let serve =
        || BolideProcess::serve(&["--redis-url", &url, "--dist", "/nonexistent-dist", "--no-worker"], &[]);
    let bolide = serve();
    let base = bolide.base_url.clone();
    // A large generate, killed while it holds the lock.
    let load = tokio::spawn(async move {
        let _ = http::request("POST", &format!("{base}/api/data/generate?n=200000&seed=1"), &[], &[]).await;
    });
    let mut system = common::conn(redis.port(), 15);
    let locked = wait_until(Duration::from_secs(60), || {
        let keys: Vec<String> = redis::cmd("KEYS").arg("*lock").query(&mut system).unwrap_or_default();
        keys.iter().any(|k| !k.contains("housekeeping"))
    });
    assert!(locked, "the load took its lock");
    bolide.kill9();
    load.abort();

    let bolide = serve();
    let mut client = Client::of_process(&bolide);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, json) = client.send("POST", "/api/data/generate?n=50&seed=2", None, Vec::new()).await;
        if status == StatusCode::OK {
            assert_eq!(json["loaded"], 50, "{json}");
            break;
        }
        assert_eq!(status, StatusCode::CONFLICT, "only the dead load's lock may refuse: {json}");
        assert!(std::time::Instant::now() < deadline, "the dead load's lock never lapsed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_same_idempotency_key_twice_is_one_job() {
    let redis = bolide_tests::RedisServer::start();
    let bolide = BolideProcess::serve(
        &["--redis-url", &redis.url(), "--dist", "/nonexistent-dist", "--no-worker"],
        &[],
    );
    let url = bolide.url("/api/jobs");
    let body = serde_json::to_vec(&json!({ "analysis": "hemispheres" })).expect("json");
    let headers =
        [("content-type", "application/json"), ("idempotency-key", "0b7c1f0e-2d5a-4c1e-9a53-0d3c2b1a0f9e")];
    let first = http::request("POST", &url, &headers, &body).await.expect("answer");
    assert_eq!(first.status, 202);
    let second = http::request("POST", &url, &headers, &body).await.expect("answer");
    assert_eq!(second.status, 200, "a repeat answers the first job");
    assert_eq!(first.json()["id"], second.json()["id"]);
    let other = serde_json::to_vec(&json!({ "analysis": "count_per_class" })).expect("json");
    let conflict = http::request("POST", &url, &headers, &other).await.expect("answer");
    assert_eq!(conflict.status, 409, "the same key for another request");
    let bad = http::request(
        "POST",
        &url,
        &[("content-type", "application/json"), ("idempotency-key", "a b")],
        &body,
    )
    .await
    .expect("answer");
    assert_eq!(bad.status, 400);
    let mut system = common::conn(redis.port(), 15);
    let jobs: u64 = redis::cmd("XLEN").arg("bolide:jobs:queue").query(&mut system).expect("XLEN");
    assert_eq!(jobs, 1, "one job queued");
}

/// Polls `GET /api/jobs/{id}` until the job has ended (bounded); the job.
async fn wait_until_ended(client: &mut Client, id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let (status, job) = client.get(&format!("/api/jobs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or_default()) {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "job stranded: {job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn jobs_whose_queue_entry_was_deleted_by_hand_still_end() {
    use bolide_tests::WorkerProcess;
    let redis = bolide_tests::RedisServer::start();
    let bolide = BolideProcess::serve(
        &["--redis-url", &redis.url(), "--dist", "/nonexistent-dist", "--no-worker"],
        &[],
    );
    let mut client = Client::of_process(&bolide);
    let (status, json) = client.send("POST", "/api/data/generate?n=300&seed=3", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let mut system = common::conn(redis.port(), 15);
    let entry_of = |system: &mut redis::Connection, id: &str| -> String {
        redis::cmd("HGET").arg(format!("bolide:jobs:job:{id}")).arg("entry").query(system).expect("HGET")
    };

    // Queued, its entry deleted before any worker saw it.
    let (status, job) = client.json("POST", "/api/jobs", &json!({ "analysis": "hemispheres" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let queued = job["id"].as_str().expect("id").to_string();
    let entry = entry_of(&mut system, &queued);
    let deleted: u32 =
        redis::cmd("XDEL").arg("bolide:jobs:queue").arg(&entry).query(&mut system).expect("XDEL");
    assert_eq!(deleted, 1);
    let worker = WorkerProcess::start(&redis.url(), &["--job-visibility-timeout", "2s"]);
    let job = wait_until_ended(&mut client, &queued).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    drop(worker);

    // Running (paced: ten 1 s steps), its entry deleted, then its worker
    // killed mid-run.
    let slow =
        WorkerProcess::start(&redis.url(), &["--job-visibility-timeout", "2s", "--job-pace-ms", "1000"]);
    let (status, job) = client.json("POST", "/api/jobs", &json!({ "analysis": "hemispheres" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let running = job["id"].as_str().expect("id").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, job) = client.get(&format!("/api/jobs/{running}")).await;
        if job["status"] == "running" && job["progress"].as_u64().unwrap_or(0) >= 10 {
            assert_eq!(job["worker"], slow.id.as_str(), "{job}");
            assert!(job["progress"].as_u64().unwrap_or(100) < 100, "still mid-run: {job}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never ran: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let entry = entry_of(&mut system, &running);
    let deleted: u32 =
        redis::cmd("XDEL").arg("bolide:jobs:queue").arg(&entry).query(&mut system).expect("XDEL");
    assert_eq!(deleted, 1, "the running job's entry was there, and is gone");
    let dead = slow.id.clone();
    slow.kill9();
    let killed = std::time::Instant::now();
    let _worker = WorkerProcess::start(&redis.url(), &["--job-visibility-timeout", "2s"]);
    // Until it ends: never `running` under the killed worker once that one
    // has been silent for longer than the visibility timeout (1 s of slack
    // for the last heartbeat before the kill).
    let deadline = killed + Duration::from_secs(30);
    let job = loop {
        let (status, job) = client.get(&format!("/api/jobs/{running}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or_default()) {
            break job;
        }
        if job["status"] == "running" && job["worker"] == dead.as_str() {
            assert!(killed.elapsed() < Duration::from_secs(3), "running under a dead worker: {job}");
        }
        assert!(std::time::Instant::now() < deadline, "job stranded: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "the running job ended {:.1} s after its worker was killed: {job}",
        killed.elapsed().as_secs_f64()
    );
    assert!(job["status"] == "succeeded" || job["status"] == "failed", "{job}");
    if job["status"] == "failed" {
        assert!(job["error"].as_str().unwrap_or_default().contains("queue entry"), "{job}");
    } else {
        assert_eq!(job["attempts"], 2, "re-queued, counting as an attempt: {job}");
    }
}

/// `bolide serve` on the external `redis`, without workers.
fn serve_on(redis: &bolide_tests::RedisServer) -> BolideProcess {
    BolideProcess::serve(&["--redis-url", &redis.url(), "--dist", "/nonexistent-dist", "--no-worker"], &[])
}

// The connection layer (`redis_conn::Connection`) sends a command that
// never reached Redis once more: without that, each first request below
// meets the connection the restart closed and answers 503.
#[tokio::test]
async fn the_first_requests_after_a_redis_restart_are_answered_reads_and_writes_alike() {
    let mut redis = bolide_tests::RedisServer::start();
    let bolide = serve_on(&redis);
    let mut client = Client::of_process(&bolide);
    // Every connection the requests below use is opened, then idle.
    let (status, json) = client.get("/api/jobs").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(client.console("INCR visits").await, "(integer) 1");

    redis.restart();
    let (status, json) = client.get("/api/jobs").await;
    assert_eq!(status, StatusCode::OK, "the first read after the restart: {json}");
    assert_eq!(
        client.console("INCR visits").await,
        "(integer) 1",
        "the first write after the restart, run once (Redis came back empty)"
    );

    redis.restart();
    let (status, job) = client.json("POST", "/api/jobs", &json!({ "analysis": "hemispheres" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "the first write on the system connection: {job}");
    let mut system = common::conn(redis.port(), 15);
    let jobs: u64 = redis::cmd("XLEN").arg("bolide:jobs:queue").query(&mut system).expect("XLEN");
    assert_eq!(jobs, 1, "submitted once");
}

// Two threads: the load's request runs while this one stops Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_during_a_redis_stall_ends_with_an_error_and_changes_nothing() {
    let redis = bolide_tests::RedisServer::start();
    let bolide = serve_on(&redis);
    let mut client = Client::of_process(&bolide);
    let (status, json) = client.send("POST", "/api/data/generate?n=50&seed=1", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let mut db0 = redis.connection();
    let keys_before: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");

    let base = bolide.base_url.clone();
    let load = tokio::spawn(async move {
        http::request("POST", &format!("{base}/api/data/generate?n=300000&seed=2"), &[], &[]).await
    });
    let mut system = common::conn(redis.port(), 15);
    let locked = wait_until(Duration::from_secs(60), || {
        let keys: Vec<String> = redis::cmd("KEYS").arg("*lock").query(&mut system).unwrap_or_default();
        keys.iter().any(|k| !k.contains("housekeeping"))
    });
    assert!(locked, "the load took its lock");
    let pid = redis.pid().expect("pid");
    send_signal(pid, rustix::process::Signal::STOP);
    // Redis stays stopped until the load has answered (bounded).
    let answer = tokio::time::timeout(Duration::from_secs(60), load).await;
    send_signal(pid, rustix::process::Signal::CONT);
    let answer = answer.expect("the load answered while Redis was stopped").expect("task").expect("HTTP");
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert!(answer.text().contains("nothing was changed"), "{}", answer.text());

    // Redis discarded the load's transaction: the 50 landings are all there is.
    assert!(wait_until(Duration::from_secs(10), || redis::cmd("PING").query::<String>(&mut db0).is_ok()));
    let keys_after: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(keys_after, keys_before, "nothing of the stopped load was written");
    let (status, page) = client.get("/api/data").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // And the lock was released or lapsed: a new load runs within seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, json) = client.send("POST", "/api/data/generate?n=60&seed=3", None, Vec::new()).await;
        if status == StatusCode::OK {
            assert_eq!(json["loaded"], 60, "{json}");
            break;
        }
        assert_eq!(status, StatusCode::CONFLICT, "only the stopped load's lock may refuse: {json}");
        assert!(std::time::Instant::now() < deadline, "the stopped load's lock never lapsed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// The other side of the reconnect rule: a command that was sent and then
// timed out may have run, so it is not sent again.
#[tokio::test]
async fn a_write_that_timed_out_on_a_stalled_redis_is_not_sent_twice() {
    let redis = bolide_tests::RedisServer::start();
    let mut conn =
        bolide::redis_conn::connect_with_timeout(&redis.url(), Duration::from_millis(300)).expect("url");
    let pong: String = redis::cmd("PING").query_async(&mut conn).await.expect("PING");
    assert_eq!(pong, "PONG");
    let pid = redis.pid().expect("pid");
    send_signal(pid, rustix::process::Signal::STOP);
    let incr: redis::RedisResult<i64> = redis::cmd("INCR").arg("runs").query_async(&mut conn).await;
    send_signal(pid, rustix::process::Signal::CONT);
    let err = incr.expect_err("no reply from a stopped Redis");
    assert!(err.is_timeout(), "{err}");
    let runs = || redis::cmd("GET").arg("runs").query::<Option<i64>>(&mut redis.connection()).expect("GET");
    assert!(wait_until(Duration::from_secs(5), || runs().is_some()), "Redis ran the INCR it had been sent");
    // Whatever Redis had still to read from that connection, it has read by
    // the time it answers a `PING` on it.
    let _ = redis::cmd("PING").query_async::<String>(&mut conn).await;
    assert_eq!(runs(), Some(1), "once");
}

/// Reads from `stream` until the server closes it (or it stays open for
/// `within`): what the server sent, and whether it closed.
fn read_until_closed(stream: &mut std::net::TcpStream, within: Duration) -> (String, bool) {
    use std::io::Read;
    let deadline = std::time::Instant::now() + within;
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    stream.set_read_timeout(Some(Duration::from_millis(200))).expect("read timeout");
    while std::time::Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err)
                if matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), false)
}

#[tokio::test]
async fn idle_and_half_sent_requests_are_closed_within_seconds() {
    use std::io::Write;
    let redis = bolide_tests::RedisServer::start();
    let bolide = serve_on(&redis);
    let addr = bolide.base_url.trim_start_matches("http://").to_string();
    // Bounded waits, well past the 10 s timeouts: the point is that they end.
    let within = Duration::from_secs(30);

    let mut idle = std::net::TcpStream::connect(&addr).expect("connect");
    let mut half_head = std::net::TcpStream::connect(&addr).expect("connect");
    half_head.write_all(b"POST /api/console HTTP/1.1\r\nHost: x\r\nContent-Ty").expect("write");
    let mut half_body = std::net::TcpStream::connect(&addr).expect("connect");
    half_body
        .write_all(
            b"POST /api/console HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"line\": \"PI",
        )
        .expect("write");

    let mut kept_alive = std::net::TcpStream::connect(&addr).expect("connect");
    kept_alive.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");

    let (sent, closed) = read_until_closed(&mut kept_alive, within);
    assert!(closed, "a kept-alive connection idle after its answer stays open: {sent:?}");
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent:?}");
    let (sent, closed) = read_until_closed(&mut idle, within);
    assert!(closed, "an idle connection stays open: {sent:?}");
    let (sent, closed) = read_until_closed(&mut half_head, within);
    assert!(closed, "half a request head stays open: {sent:?}");
    let (sent, closed) = read_until_closed(&mut half_body, within);
    assert!(closed, "a body that never comes holds the connection: {sent:?}");
    assert!(sent.starts_with("HTTP/1.1 4"), "and is answered as the client's fault: {sent:?}");

    // A whole request on a fresh connection is served as ever.
    let (status, json) =
        Client::of_process(&bolide).json("POST", "/api/console", &json!({ "line": "PING" })).await;
    assert_eq!(status, StatusCode::OK, "{json}");
}
