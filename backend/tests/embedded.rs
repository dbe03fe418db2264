//! The embedded default: `bolide serve` without `REDIS_URL` starts its own
//! `redis-server`, keeps data across its own restarts, and never leaves a
//! `redis-server` behind — not after SIGTERM, not after SIGKILL.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use bolide_tests::{http, port_open, process_alive, wait_until, BolideProcess};

fn start(data_dir: &std::path::Path) -> BolideProcess {
    let dir = data_dir.display().to_string();
    BolideProcess::serve(&["--data-dir", &dir, "--dist", "/nonexistent-dist"], &[])
}

fn redis(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
        .and_then(|c| c.get_connection())
        .expect("connect to the embedded redis")
}

#[tokio::test]
async fn embedded_redis_keeps_data_across_restarts_and_stops_on_sigterm() {
    let data = tempfile::tempdir().expect("data dir");

    let bolide = start(data.path());
    let redis_pid = bolide.redis_pid.expect("embedded mode prints the redis-server pid");
    assert!(process_alive(redis_pid));
    let health = http::get(&bolide.url("/api/health")).await.expect("health").json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["redis"]["mode"], "embedded");
    assert_eq!(health["redis"]["port"], bolide.redis_port);
    assert!(data.path().join("redis").join("appendonlydir").is_dir(), "AOF is on by default");

    let mut conn = redis(bolide.redis_port);
    redis::cmd("SET").arg("my_key").arg("my_value").exec(&mut conn).expect("SET");
    redis::cmd("HSET").arg("k2").arg("name").arg("Joe").exec(&mut conn).expect("HSET");
    drop(conn);
    let first_port = bolide.redis_port;

    let status = bolide.terminate();
    assert!(status.success(), "clean exit after SIGTERM: {status}");
    assert!(!process_alive(redis_pid), "redis-server {redis_pid} left behind after SIGTERM");
    assert!(!port_open(first_port));

    let bolide = start(data.path());
    assert_eq!(bolide.redis_port, first_port, "the port of last time is reused when free");
    let mut conn = redis(bolide.redis_port);
    let value: String = redis::cmd("GET").arg("my_key").query(&mut conn).expect("GET");
    assert_eq!(value, "my_value");
    let name: String = redis::cmd("HGET").arg("k2").arg("name").query(&mut conn).expect("HGET");
    assert_eq!(name, "Joe");
    drop(conn);
    let redis_pid = bolide.redis_pid.expect("pid");
    let status = bolide.terminate();
    assert!(status.success(), "clean exit after SIGTERM: {status}");
    assert!(!process_alive(redis_pid));
}

#[tokio::test]
async fn sigkill_of_bolide_takes_its_redis_down_too() {
    let data = tempfile::tempdir().expect("data dir");
    let bolide = start(data.path());
    let redis_pid = bolide.redis_pid.expect("pid");
    let port = bolide.redis_port;
    let mut conn = redis(port);
    redis::cmd("SET").arg("survives").arg("yes").exec(&mut conn).expect("SET");
    drop(conn);
    // appendfsync everysec: give the background fsync its second.
    std::thread::sleep(Duration::from_millis(1500));

    bolide.kill9();
    assert!(
        wait_until(Duration::from_secs(10), || !process_alive(redis_pid)),
        "redis-server {redis_pid} outlived a SIGKILLed bolide"
    );

    // The lock went with the process: a new Bolide starts on the same dir,
    // and what was written before the crash is there.
    let bolide = start(data.path());
    let mut conn = redis(bolide.redis_port);
    let value: String = redis::cmd("GET").arg("survives").query(&mut conn).expect("GET");
    assert_eq!(value, "yes");
}

#[test]
fn a_second_bolide_on_the_same_data_dir_is_refused() {
    let data = tempfile::tempdir().expect("data dir");
    let _first = start(data.path());
    let output = Command::new(bolide_tests::bolide_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", &data.path().display().to_string()])
        .env_remove("REDIS_URL")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("another Bolide is already using"), "{stderr}");
}

fn run_with_redis_server(program: &str) -> (bool, String) {
    let data = tempfile::tempdir().expect("data dir");
    let output = Command::new(bolide_tests::bolide_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--redis-server", program])
        .args(["--data-dir", &data.path().display().to_string()])
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "off")
        .output()
        .expect("run");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn missing_redis_server_is_one_clear_line_and_a_failure() {
    let (ok, stderr) = run_with_redis_server("/nonexistent/redis-server");
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("was not found") && stderr.contains("apt-get install redis-server"), "{stderr}");
}

#[test]
fn too_old_redis_server_is_one_clear_line_and_a_failure() {
    let dir = tempfile::tempdir().expect("dir");
    let fake = dir.path().join("redis-server");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Redis server v=6.2.6 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64'\n",
    )
    .expect("write");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (ok, stderr) = run_with_redis_server(&fake.display().to_string());
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("Redis 6.2.6") && stderr.contains("7.0 or newer"), "{stderr}");
}

#[test]
fn sigterm_right_after_start_still_exits_cleanly() {
    // The signal handlers are installed before anything else: a SIGTERM at
    // once must not kill Bolide with the default action (or orphan Redis).
    for _ in 0..3 {
        let data = tempfile::tempdir().expect("data dir");
        let bolide = start(data.path());
        let redis_pid = bolide.redis_pid.expect("pid");
        let status = bolide.terminate();
        assert!(status.success(), "clean exit after an immediate SIGTERM: {status}");
        assert!(wait_until(Duration::from_secs(10), || !process_alive(redis_pid)));
    }
}

/// `CONFIG GET name` on the Redis at `port`: its value.
fn config_get(port: u16, name: &str) -> String {
    let pairs: Vec<String> =
        redis::cmd("CONFIG").arg("GET").arg(name).query(&mut redis(port)).expect("CONFIG GET");
    assert_eq!(pairs.len(), 2, "{name}: {pairs:?}");
    pairs[1].clone()
}

#[tokio::test]
async fn the_embedded_redis_is_capped_as_documented() {
    let data = tempfile::tempdir().expect("data dir");
    let bolide = start(data.path());
    let port = bolide.redis_port;
    assert_eq!(config_get(port, "maxmemory"), (2u64 << 30).to_string(), "2gb by default");
    assert_eq!(config_get(port, "maxmemory-policy"), "noeviction");
    let limits = config_get(port, "client-output-buffer-limit");
    assert!(limits.contains(&format!("normal {} 0 0", 512u64 << 20)), "{limits}");
    drop(bolide);

    let dir = data.path().display().to_string();
    let bolide = BolideProcess::serve(
        &["--data-dir", &dir, "--dist", "/nonexistent-dist", "--redis-maxmemory", "64mb"],
        &[],
    );
    assert_eq!(config_get(bolide.redis_port, "maxmemory"), (64u64 << 20).to_string(), "the flag");
}
