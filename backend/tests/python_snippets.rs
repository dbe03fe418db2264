//! Every Python snippet a student is shown is a program that runs as shown:
//! each guide's ```` ```python ```` blocks (filled in for this Redis, in
//! order, as a student would copy them), and the console code panel's
//! programs for a few commands — a binary value, a hash, a transaction —
//! run with `python3` and redis-py against a real Redis, which must then
//! hold exactly the bytes the console would have stored.
//!
//! Skipped (saying so) where python3 with redis-py is missing;
//! `scripts/lib/setup.sh` installs it for the test command.

mod common;

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use bolide::data::generate;
use bolide::sandbox::Tenancy;
use bolide_shared::cli::{split_args, Reply};
use bolide_shared::guides::{GuideList, GuideView};
use bolide_shared::snippets::{python, python_program, Target};
use bolide_tests::RedisServer;
use common::{conn, router, Client};

fn python_with_redis() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import redis"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs `script` with python3 in `dir`; its standard output, or a panic
/// naming `what` with what it printed.
async fn run_python(what: &str, script: &str, dir: &Path) -> String {
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("python3").arg("-c").arg(script).current_dir(dir).output(),
    )
    .await
    .expect("python finished")
    .expect("python ran");
    assert!(
        output.status.success(),
        "{what}:\n{script}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guide_python_block_runs_as_shown() {
    if !python_with_redis() {
        println!("SKIPPED: python3 with redis-py is not available (scripts/lib/setup.sh installs it)");
        return;
    }
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    // Exercise 1's script reads NASA's file from the current directory.
    let dir = tempfile::tempdir().expect("dir");
    let dataset = generate::generate(25, 4);
    std::fs::write(dir.path().join("Meteorite_Landings.json"), generate::to_nasa_json(&dataset))
        .expect("file");

    let (status, list) = client.get("/api/guides").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list: GuideList = serde_json::from_value(list).expect("a GuideList");
    let mut ran = 0;
    for summary in &list.guides {
        let (status, view) = client.get(&format!("/api/guides/{}", summary.id)).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let view: GuideView = serde_json::from_value(view).expect("a GuideView");
        for (n, step) in view.guide.steps.iter().enumerate() {
            let Some(script) = &step.python else { continue };
            assert!(!script.contains("{{"), "{} step {n}: a placeholder left: {script}", summary.id);
            run_python(&format!("{} step {n} ({})", summary.id, step.title), script, dir.path()).await;
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} Python blocks found");
    // What the blocks wrote is there, as the guides say.
    let mut db0 = conn(redis.port(), 0);
    let get = |db: &mut redis::Connection, key: &str| -> Option<Vec<u8>> {
        redis::cmd("GET").arg(key).query(db).expect("GET")
    };
    assert_eq!(get(&mut db0, "visits").as_deref(), Some(&b"12"[..]));
    assert_eq!(get(&mut db0, "my_key").as_deref(), Some(&b"my_value"[..]));
    let email: Option<String> = redis::cmd("HGET").arg("user:1").arg("email").query(&mut db0).expect("HGET");
    assert_eq!(email.as_deref(), Some("ada@lovelace.org"));
    let landing = &dataset.landings[3];
    let stored: Vec<(String, String)> =
        redis::cmd("HGETALL").arg(format!("meteorite:{}", landing.id())).query(&mut db0).expect("HGETALL");
    let mut want = landing.fields.clone();
    want.sort();
    let mut stored = stored;
    stored.sort();
    assert_eq!(stored, want, "Exercise 1's script stores each landing's fields");
}

/// One console line, the reply the console got for it, and what the
/// program must print (`None`: it prints nothing to compare).
struct Case {
    line: &'static str,
    reply: Reply,
    prints: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_panel_programs_run_and_store_the_same_bytes() {
    if !python_with_redis() {
        println!("SKIPPED: python3 with redis-py is not available (scripts/lib/setup.sh installs it)");
        return;
    }
    let redis = RedisServer::start();
    let target = Target { host: "127.0.0.1".into(), port: redis.port(), db: 0 };
    let dir = tempfile::tempdir().expect("dir");
    let ok = || Reply::Status("OK".into());
    let queued = || Reply::Status("QUEUED".into());
    let cases = [
        Case { line: r#"SET bin "\x00\xff""#, reply: ok(), prints: Some("True") },
        Case { line: "GET bin", reply: Reply::Bulk(b"\x00\xff".to_vec()), prints: Some(r"b'\x00\xff'") },
        Case { line: r#"HSET h name Ada blob "caf\xe9""#, reply: Reply::Integer(2), prints: Some("2") },
        Case { line: r#"RPUSH l a "\xff" "é""#, reply: Reply::Integer(3), prints: Some("3") },
        Case { line: "MULTI", reply: ok(), prints: Some("[]") },
        Case { line: "INCR counter", reply: queued(), prints: Some("[1]") },
        Case { line: "EXEC", reply: Reply::Array(vec![Reply::Integer(1)]), prints: Some("[]") },
        Case { line: "DISCARD", reply: ok(), prints: None },
    ];
    for case in &cases {
        let args = split_args(case.line).expect("a line redis-cli reads");
        let snippet = python(&args, Some(&case.reply));
        let program = python_program(&snippet, &target, false);
        let printed = run_python(case.line, &program, dir.path()).await;
        if let Some(prints) = case.prints {
            assert_eq!(printed.trim_end(), prints, "{}:\n{program}", case.line);
        }
        // What the program says it prints is what it prints.
        if let Some(output) = &snippet.output {
            assert_eq!(printed.trim_end(), output, "{}:\n{program}", case.line);
        }
    }
    let mut db0 = conn(redis.port(), 0);
    let bin: Vec<u8> = redis::cmd("GET").arg("bin").query(&mut db0).expect("GET");
    assert_eq!(bin, b"\x00\xff", "the bytes redis-cli's quoting gives");
    let blob: Vec<u8> = redis::cmd("HGET").arg("h").arg("blob").query(&mut db0).expect("HGET");
    assert_eq!(blob, b"caf\xe9");
    let list: Vec<Vec<u8>> = redis::cmd("LRANGE").arg("l").arg(0).arg(-1).query(&mut db0).expect("LRANGE");
    assert_eq!(list, [b"a".to_vec(), b"\xff".to_vec(), "é".as_bytes().to_vec()]);
    let counter: Option<String> = redis::cmd("GET").arg("counter").query(&mut db0).expect("GET");
    assert_eq!(counter.as_deref(), Some("1"), "the queued INCR ran once, in its own pipeline");
}
