//! `/api/guides` on a real Redis: every guide completed end to end through
//! the API (its console lines run through `POST /api/console`, its quizzes
//! answered, its checks passing), wrong answers and their hints, bad input,
//! reset, shared-mode isolation, and — on a real `bolide serve` with its
//! embedded Redis — the persistence exercise and the Python guide run by a
//! real redis-py script.

mod common;

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use bolide::jobs::config::WorkerOptions;
use bolide::jobs::worker;
use bolide::sandbox::Tenancy;
use bolide_shared::guides::{
    Check, CheckResult, CountTarget, GuideList, GuideView, Persistence, ResetReport, RestartReport, Step,
};
use bolide_tests::{http, BolideProcess, RedisServer};
use common::{conn, router, Client, JSON};
use serde_json::{json, Value};
use tower::ServiceExt;

// ---------------------------------------------------------------------------
// A student of the guides: in-process (a router) or a real process (a URL).

/// A client of the API that knows the guides' endpoints, and whether it
/// has loaded its sample landings yet (steps that need data load them
/// once). Everything else is the common [`Client`]'s, hence `Deref`.
struct Student {
    client: Client,
    data_loaded: bool,
}

impl Deref for Student {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Student {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Student {
    fn of_router(router: &Router) -> Self {
        Self { client: Client::new(router), data_loaded: false }
    }

    fn of_process(bolide: &BolideProcess) -> Self {
        Self { client: Client::of_process(bolide), data_loaded: false }
    }

    async fn guide(&mut self, id: &str) -> GuideView {
        let (status, json) = self.get(&format!("/api/guides/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        serde_json::from_value(json).expect("a GuideView")
    }

    async fn list(&mut self) -> GuideList {
        let (status, json) = self.get("/api/guides").await;
        assert_eq!(status, StatusCode::OK, "{json}");
        serde_json::from_value(json).expect("a GuideList")
    }

    /// `POST …/steps/{n}/check`, with `answer` for a quiz.
    async fn check(&mut self, id: &str, n: usize, answer: Option<usize>) -> CheckResult {
        let body = match answer {
            Some(answer) => json!({ "answer": answer }),
            None => json!({}),
        };
        let (status, json) = self.json("POST", &format!("/api/guides/{id}/steps/{n}/check"), &body).await;
        assert_eq!(status, StatusCode::OK, "{id} step {n}: {json}");
        serde_json::from_value(json).expect("a CheckResult")
    }

    async fn restart(&mut self, persistence: bool) -> (StatusCode, Value) {
        self.json("POST", "/api/guides/persistence/restart", &json!({ "persistence": persistence })).await
    }

    /// Loads a small synthetic set of landings (once).
    async fn ensure_data(&mut self) {
        if !self.data_loaded {
            let (status, json) = self.send("POST", "/api/data/generate?n=120&seed=9", None, Vec::new()).await;
            assert_eq!(status, StatusCode::OK, "{json}");
            self.data_loaded = true;
        }
    }
}

fn parts(step: &Step) -> Vec<&Check> {
    step.check.iter().flat_map(Check::parts).collect()
}

fn needs_data(step: &Step) -> bool {
    parts(step).iter().any(|check| {
        matches!(check, Check::DataVerified | Check::CountMatches { equals: CountTarget::LoadedDataset, .. })
    })
}

fn restart_wanted(step: &Step) -> Option<bool> {
    parts(step).iter().find_map(|check| match check {
        Check::Restarted { persistence } => Some(*persistence == Persistence::On),
        _ => None,
    })
}

/// The analysis a step wants a job of (`count_per_class` when any will do).
fn job_wanted(step: &Step) -> Option<&'static str> {
    parts(step).iter().find_map(|check| match check {
        Check::JobSucceeded { analysis } => Some(analysis.map_or("count_per_class", |a| a.name())),
        _ => None,
    })
}

/// Does what step `n` asks, as a student would (its console lines, a data
/// load, a restart, the right quiz answer) and checks it.
async fn perform(client: &mut Student, view: &GuideView, n: usize) -> CheckResult {
    let step = &view.guide.steps[n];
    for snippet in &step.runnable {
        let output = client.console(&snippet.command).await;
        assert!(!output.starts_with("(error)"), "{}: `{}` answered {output}", view.guide.id, snippet.command);
    }
    if needs_data(step) {
        client.ensure_data().await;
    }
    if let Some(persistence) = restart_wanted(step) {
        let (status, json) = client.restart(persistence).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        // The step's console lines are meant to be read after the restart.
        for snippet in &step.runnable {
            client.console(&snippet.command).await;
        }
    }
    let answer =
        step.quiz.as_ref().map(|quiz| quiz.choices.iter().position(|c| c.correct).expect("a correct choice"));
    let Some(analysis) = job_wanted(step) else {
        return client.check(&view.guide.id, n, answer).await;
    };
    // A job: submit it, then check until a worker has done it.
    client.ensure_data().await;
    let (status, json) =
        client.json("POST", "/api/jobs", &json!({ "analysis": analysis, "params": {} })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{json}");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let result = client.check(&view.guide.id, n, answer).await;
        if result.passed || std::time::Instant::now() > deadline {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------
// In-process, on a plain redis-server (local mode, external Redis).

#[tokio::test]
async fn every_guide_can_be_completed_through_the_api() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let worker = worker::spawn(&redis.url(), WorkerOptions::default()).expect("a job worker");
    let mut client = Student::of_router(&app);
    let list = client.list().await;
    assert_eq!(list.guides.len(), 10);
    assert!(list.progress.is_empty(), "nothing started yet");

    let mut expected_done = Vec::new();
    for summary in &list.guides {
        let view = client.guide(&summary.id).await;
        assert_eq!(view.guide.steps.len(), summary.steps);
        let mut done = Vec::new();
        for n in 0..view.guide.steps.len() {
            let step = &view.guide.steps[n];
            if restart_wanted(step).is_some() {
                // An external Redis cannot be restarted by Bolide (the
                // embedded test below does this guide): the step says it is
                // not applicable and counts as done.
                let result = client.check(&view.guide.id, n, None).await;
                assert!(result.passed && result.message.starts_with("Not applicable here"), "{result:?}");
                let (status, json) = client.restart(true).await;
                assert_eq!(status, StatusCode::CONFLICT, "{json}");
                done.push(n);
                continue;
            }
            let result = perform(&mut client, &view, n).await;
            assert!(result.passed, "{} step {n} ({}): {result:?}", view.guide.id, step.title);
            assert!(result.hint.is_none());
            done.push(n);
        }
        expected_done.push((summary.id.clone(), done));
    }

    let list = client.list().await;
    for (id, done) in expected_done {
        let progress = list.progress.iter().find(|p| p.guide_id == id).expect("progress of a started guide");
        assert_eq!(progress.completed, done, "{id}");
    }
    worker.stop().await;
}

/// A count check reads as a sentence whatever the count: "There is 1 hash
/// key", "There are 2 hash keys".
#[tokio::test]
async fn counts_read_as_sentences() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);
    let step =
        client.guide("exercise-1-load").await.guide.steps.iter().position(|s| s.title == "Load them all");
    let step = step.expect("the load step");
    client.console("HSET meteorite:1 name Aachen").await;
    let result = client.check("exercise-1-load", step, None).await;
    assert!(result.message.starts_with("There is 1 hash key matching `meteorite:*`,"), "{result:?}");
    client.console("HSET meteorite:2 name Aarhus").await;
    let result = client.check("exercise-1-load", step, None).await;
    assert!(result.message.starts_with("There are 2 hash keys matching `meteorite:*`,"), "{result:?}");
}

#[tokio::test]
async fn wrong_answers_get_a_useful_hint() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);

    // A missing key, then a wrong value.
    let missing = client.check("redis-basics", 0, None).await;
    assert!(!missing.passed);
    assert!(missing.message.contains("`my_key` does not exist"), "{missing:?}");
    assert!(missing.hint.as_deref().unwrap_or("").contains("SET my_key my_value"), "{missing:?}");
    client.console("SET my_key My_Value").await;
    let wrong = client.check("redis-basics", 0, None).await;
    assert!(!wrong.passed);
    assert_eq!(wrong.message, "`my_key` is `My_Value`, not `my_value`.");

    // The issue's example: SET where HSET was meant.
    client.console("RPUSH langs python rust").await;
    client.console("SADD tags redis nosql").await;
    client.console("SET k2 Ada").await;
    let types = client.check("redis-basics", 4, None).await;
    assert!(!types.passed);
    assert_eq!(types.message, "`k2` exists but is a string, not a hash: you used SET; try HSET.");
    assert!(types.hint.as_deref().unwrap_or("").contains("DEL k2"), "{types:?}");
    // Now a hash, but missing a field.
    client.console("DEL k2").await;
    client.console("HSET k2 name Ada email ada@example.com").await;
    let fields = client.check("redis-basics", 4, None).await;
    assert!(!fields.passed);
    assert!(fields.message.contains("no `type` field"), "{fields:?}");
    assert!(fields.hint.as_deref().unwrap_or("").contains("HSET k2 type"), "{fields:?}");

    // Not JSON: the automatic hint, then the guide author's.
    client.console("SET py:user:1 \"{'name': 'Ada'}\"").await;
    let json_check = client.check("redis-from-python", 2, None).await;
    assert!(!json_check.passed);
    assert!(json_check.message.contains("not JSON"), "{json_check:?}");
    let hint = json_check.hint.unwrap_or_default();
    assert!(hint.contains("json.dumps") && hint.contains("str(user)"), "{hint}");

    // A wrong quiz answer explains itself; the right one passes.
    let view = client.guide("sql-vs-nosql").await;
    let quiz = view.guide.steps[1].quiz.as_ref().expect("the ACID quiz");
    let wrong_choice = quiz.choices.iter().position(|c| !c.correct).expect("a wrong choice");
    let result = client.check("sql-vs-nosql", 1, Some(wrong_choice)).await;
    assert!(!result.passed);
    assert!(result.message.contains(&quiz.choices[wrong_choice].why), "{result:?}");
    assert!(result.hint.is_some());

    // No job yet (and no worker: the check says what to do).
    let job = client.check("jobs-pattern", 1, None).await;
    assert!(!job.passed);
    assert_eq!(job.message, "You have not submitted a `count_per_class` job yet.");
    assert!(job.hint.as_deref().unwrap_or("").contains("POST /api/jobs"), "{job:?}");
    let (status, json) =
        client.json("POST", "/api/jobs", &json!({ "analysis": "count_per_class", "params": {} })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{json}");
    let job = client.check("jobs-pattern", 1, None).await;
    assert!(!job.passed);
    assert!(job.message.contains("no worker"), "{job:?}");
    assert!(job.hint.as_deref().unwrap_or("").contains("bolide worker"), "{job:?}");

    // Counting against a file that was never loaded.
    let count = client.check("exercise-2-verify", 0, None).await;
    assert!(!count.passed);
    assert!(count.hint.as_deref().unwrap_or("").contains("Data page"), "{count:?}");

    // Nothing of that counts as done.
    let list = client.list().await;
    assert!(list.progress.iter().all(|p| p.completed.is_empty()), "{:?}", list.progress);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter_and_changes_nothing() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);
    let before = redis.snapshot(|_, _| false);

    /// Method, path, body, expected status, and what the message must name.
    type Case = (&'static str, &'static str, Option<&'static [u8]>, StatusCode, &'static str);
    let cases: Vec<Case> = vec![
        ("GET", "/api/guides/no-such-guide", None, StatusCode::NOT_FOUND, "no-such-guide"),
        ("POST", "/api/guides/redis-basics/steps/x/check", Some(b"{}"), StatusCode::BAD_REQUEST, "`n`"),
        ("POST", "/api/guides/redis-basics/steps/99/check", Some(b"{}"), StatusCode::BAD_REQUEST, "`n`"),
        ("POST", "/api/guides/redis-basics/steps/-1/check", Some(b"{}"), StatusCode::BAD_REQUEST, "`n`"),
        ("POST", "/api/guides/sql-vs-nosql/steps/0/check", Some(b"{}"), StatusCode::BAD_REQUEST, "`answer`"),
        (
            "POST",
            "/api/guides/sql-vs-nosql/steps/0/check",
            Some(br#"{"answer": 9}"#),
            StatusCode::BAD_REQUEST,
            "`answer`",
        ),
        (
            "POST",
            "/api/guides/sql-vs-nosql/steps/0/check",
            Some(br#"{"answer": "a"}"#),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        (
            "POST",
            "/api/guides/sql-vs-nosql/steps/0/check",
            Some(br#"{"oops": 1}"#),
            StatusCode::BAD_REQUEST,
            "oops",
        ),
        (
            "POST",
            "/api/guides/redis-basics/progress",
            Some(br#"{"current_step": 99}"#),
            StatusCode::BAD_REQUEST,
            "`current_step`",
        ),
        ("POST", "/api/guides/redis-basics/progress", Some(b"[1,2"), StatusCode::BAD_REQUEST, "body"),
        ("POST", "/api/guides/redis-basics/progress", Some(b""), StatusCode::BAD_REQUEST, "body"),
        (
            "POST",
            "/api/guides/persistence/restart",
            Some(br#"{"persistence": "yes"}"#),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        ("POST", "/api/guides/no-such-guide/reset", None, StatusCode::NOT_FOUND, "no-such-guide"),
        ("DELETE", "/api/guides/redis-basics", None, StatusCode::METHOD_NOT_ALLOWED, "method"),
    ];
    for (method, uri, body, status, needle) in cases {
        let (got, json) =
            client.send(method, uri, body.map(|_| JSON), body.unwrap_or_default().to_vec()).await;
        assert_eq!(got, status, "{method} {uri}: {json}");
        let message = json["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{method} {uri}: {json}");
    }
    // An oversized body is refused before it is read.
    let (got, json) =
        client.send("POST", "/api/guides/redis-basics/progress", Some(JSON), vec![b' '; 10_000]).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json["error"]["code"], "payload_too_large", "{json}");

    // A cross-site page may not drive a guide.
    let request = Request::builder()
        .method("POST")
        .uri("/api/guides/redis-basics/reset")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // With an external Redis, Bolide cannot restart it.
    let (status, json) = client.restart(false).await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    assert!(json["error"]["message"].as_str().unwrap_or_default().contains("--redis-url"), "{json}");

    assert_eq!(redis.snapshot(|_, _| false), before, "refused requests changed Redis");
}

#[tokio::test]
async fn reset_removes_only_what_the_guide_created() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);
    client.ensure_data().await;
    client.console("SET mine keep-me").await;
    client.console("SET countryside green").await;

    let view = client.guide("redis-basics").await;
    for n in 0..view.guide.steps.len() {
        assert!(perform(&mut client, &view, n).await.passed);
    }
    let (status, json) =
        client.json("POST", "/api/guides/redis-basics/progress", &json!({ "current_step": 3 })).await;
    assert_eq!(status, StatusCode::OK, "{json}");

    let (status, json) = client.send("POST", "/api/guides/redis-basics/reset", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let report: ResetReport = serde_json::from_value(json).expect("a ResetReport");
    assert_eq!(report.removed_keys, ["country:fr", "country:jp", "k2", "langs", "my_key", "tags"]);
    assert_eq!(report.progress.current_step, 0);

    let mut db0 = conn(redis.port(), 0);
    let mut left: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut db0).expect("KEYS");
    left.retain(|key| !key.starts_with("meteorite:"));
    left.sort();
    assert_eq!(left, ["countryside", "mine"]);
    let meteorites: Vec<String> = redis::cmd("KEYS").arg("meteorite:*").query(&mut db0).expect("KEYS");
    assert_eq!(meteorites.len(), 120, "the loaded data stays");

    let view = client.guide("redis-basics").await;
    assert_eq!(view.progress.current_step, 0);
    assert!(view.progress.completed.is_empty());
    assert!(client.list().await.progress.iter().all(|p| p.guide_id != "redis-basics"));
    // Again: nothing left to remove, and no error.
    let (status, json) = client.send("POST", "/api/guides/redis-basics/reset", None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["removed_keys"], json!([]));
}

#[tokio::test]
async fn skipping_and_going_back_move_the_student_without_completing_steps() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);

    // Skipping ahead moves the student without marking anything done.
    let (status, json) =
        client.json("POST", "/api/guides/redis-basics/progress", &json!({ "current_step": 2 })).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json, json!({ "guide_id": "redis-basics", "current_step": 2, "completed": [] }));
    let (_, json) =
        client.json("POST", "/api/guides/redis-basics/progress", &json!({ "current_step": 1 })).await;
    assert_eq!(json["current_step"], 1);
    client.console("SET country:fr France").await;
    client.console("SET country:jp Japan").await;
    assert!(client.check("redis-basics", 1, None).await.passed);
    let view = client.guide("redis-basics").await;
    assert_eq!(view.progress.current_step, 1);
    assert_eq!(view.progress.completed, [1]);
    let list = client.list().await;
    assert_eq!(list.progress.len(), 1);
    assert_eq!(list.progress[0].guide_id, "redis-basics");
}

#[tokio::test]
async fn guides_show_this_redis() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Local);
    let mut client = Student::of_router(&app);
    let view = client.guide("running-redis").await;
    let port = redis.port().to_string();
    assert_eq!(view.environment.redis_port, redis.port());
    assert!(!view.environment.shared && !view.environment.embedded && !view.environment.restart_available);
    assert!(view
        .environment
        .redis_version
        .as_deref()
        .is_some_and(|v| v.starts_with('7') || v.starts_with('8')));
    // The API sends the step rendered (placeholders filled in first), as
    // HTML for the page and as text for the console's TUTORIAL.
    for body in [&view.guide.steps[0].body_html, &view.guide.steps[0].body_text] {
        assert!(body.contains(&format!("127.0.0.1:{port}")), "{body}");
        assert!(body.contains("--redis-url"), "no start command for an external Redis: {body}");
        assert!(!body.contains("{{"), "{body}");
    }
    assert!(view.guide.steps[0].body_html.contains("<p>"), "{}", view.guide.steps[0].body_html);
    assert!(view.guide.steps[0].body_markdown.is_empty(), "the Markdown stays on the server");
    let python = client.guide("redis-from-python").await;
    let script = python.guide.steps[1].python.as_deref().expect("a script");
    assert!(script.contains(&format!("redis://127.0.0.1:{port}/0")), "{script}");
}

/// No guide, in either mode, shows a student an unfilled `{{placeholder}}`:
/// not in a title, a step, a console line, a hint, a quiz or its feedback.
#[tokio::test]
async fn no_guide_shows_a_placeholder_in_either_mode() {
    let redis = RedisServer::start();
    for policy in [Tenancy::Local, Tenancy::Shared] {
        let app = router(&redis, policy);
        let mut client = Student::of_router(&app);
        let list = client.list().await;
        assert!(list.guides.len() >= 10, "{:?}", list.guides);
        for summary in &list.guides {
            let (status, json) = client.get(&format!("/api/guides/{}", summary.id)).await;
            assert_eq!(status, StatusCode::OK, "{json}");
            let shown = json["guide"].to_string();
            assert!(
                !shown.contains("{{"),
                "guide `{}` ({policy:?}) shows a placeholder: {shown}",
                summary.id
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Shared mode.

#[tokio::test]
async fn shared_mode_keeps_each_sessions_progress_and_keys_apart() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Shared);
    let mut alice = Student::of_router(&app);
    let mut bob = Student::of_router(&app);

    let view = alice.guide("redis-basics").await;
    assert!(view.environment.shared && !view.environment.restart_available);
    assert!(view.environment.redis_command.is_none(), "no host paths on a shared site");
    assert!(perform(&mut alice, &view, 0).await.passed);
    bob.guide("redis-basics").await;
    assert_ne!(alice.cookie(), bob.cookie());

    // Bob has not set my_key in his namespace, whatever Alice did.
    let result = bob.check("redis-basics", 0, None).await;
    assert!(!result.passed, "{result:?}");
    assert_eq!(alice.guide("redis-basics").await.progress.completed, [0]);
    assert!(bob.guide("redis-basics").await.progress.completed.is_empty());
    assert!(bob.list().await.progress.is_empty());

    // The key lives in Alice's namespace; her progress expires with her session.
    let mut db0 = conn(redis.port(), 0);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*my_key").query(&mut db0).expect("KEYS");
    assert_eq!(keys.len(), 1);
    assert!(keys[0].starts_with("{s:") && keys[0].ends_with("}:my_key"), "{keys:?}");
    let mut db15 = conn(redis.port(), 15);
    let progress_keys: Vec<String> =
        redis::cmd("KEYS").arg("bolide:guides:*").query(&mut db15).expect("KEYS");
    assert!(!progress_keys.is_empty());
    for key in progress_keys {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut db15).expect("PTTL");
        assert!(ttl > 0, "{key} has no expiry");
    }

    // Bob's reset removes nothing of Alice's.
    bob.console("SET my_key bobs").await;
    let (_, json) = bob.send("POST", "/api/guides/redis-basics/reset", None, Vec::new()).await;
    assert_eq!(json["removed_keys"], json!(["my_key"]));
    assert!(alice.check("redis-basics", 0, None).await.passed);

    // No restarting the class's Redis: the persistence guide's restart
    // steps are not applicable, say so, and count as done, so the guide can
    // be completed.
    let (status, json) = alice.restart(true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
    alice.console("SET persist:note \"written before the restart\"").await;
    for step in [1, 2] {
        let result = alice.check("exercise-3-persistence", step, None).await;
        assert!(result.passed && result.message.starts_with("Not applicable here"), "{result:?}");
    }
}

// ---------------------------------------------------------------------------
// A real `bolide serve` with its embedded Redis.

fn serve(data_dir: &std::path::Path) -> BolideProcess {
    let dir = data_dir.display().to_string();
    BolideProcess::serve(&["--data-dir", &dir, "--dist", "/nonexistent-dist"], &[])
}

fn get_string(conn: &mut redis::Connection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(conn).expect("GET")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistence_exercise_keeps_keys_with_persistence_and_loses_them_without() {
    let data = tempfile::tempdir().expect("data dir");
    let bolide = serve(data.path());
    let port = bolide.redis_port;
    let mut client = Student::of_process(&bolide);
    client.ensure_data().await;
    client.console("SET mine mine-too").await;

    let view = client.guide("exercise-3-persistence").await;
    assert!(view.environment.embedded && view.environment.restart_available);
    let command = view.environment.redis_command.clone().expect("the start command");
    assert!(command.contains(&format!("--port {port}")) && command.contains("--appendonly yes"), "{command}");

    // Step 0: a key, seen again by a brand-new client.
    assert!(perform(&mut client, &view, 0).await.passed);
    let mut fresh = conn(port, 0);
    assert_eq!(get_string(&mut fresh, "persist:note").as_deref(), Some("written before the restart"));
    drop(fresh);

    // Step 1: with persistence, a real restart, and every key is back.
    let (status, json) = client.restart(true).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let report: RestartReport = serde_json::from_value(json).expect("a RestartReport");
    assert_ne!(report.pid_before, report.pid_after, "the server really restarted");
    assert!(report.keys_before >= 122 && report.keys_after == report.keys_before, "{report:?}");
    let result = perform(&mut client, &view, 1).await;
    assert!(result.passed, "{result:?}");
    assert_eq!(get_string(&mut conn(port, 0), "mine").as_deref(), Some("mine-too"));

    // Step 2: without persistence, database 0 comes back empty…
    let result = perform(&mut client, &view, 2).await;
    assert!(result.passed, "{result:?}");
    let mut db0 = conn(port, 0);
    let dbsize: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(dbsize, 0, "without persistence the student's keys are gone");
    // …while Bolide's own database 15 is intact: progress, data indexes, session.
    let view = client.guide("exercise-3-persistence").await;
    assert_eq!(view.progress.completed, [0, 1, 2]);
    let mut db15 = conn(port, 15);
    let meta: Option<String> =
        redis::cmd("HGET").arg("bolide:data:{local}:meta").arg("count").query(&mut db15).expect("HGET");
    assert_eq!(meta.as_deref(), Some("120"));
    // …and persistence is on again.
    let appendonly: Vec<String> =
        redis::cmd("CONFIG").arg("GET").arg("appendonly").query(&mut db0).expect("CONFIG");
    assert_eq!(appendonly, ["appendonly", "yes"]);
    let result = perform(&mut client, &view, 3).await;
    assert!(result.passed, "{result:?}");

    // Keys written now survive an ordinary restart of Bolide; the lost ones
    // stay lost (the AOF was rewritten from what was in memory).
    client.console("SET after:restart still-here").await;
    drop((db0, db15));
    let status = bolide.terminate();
    assert!(status.success(), "{status}");
    let bolide = serve(data.path());
    let mut db0 = conn(bolide.redis_port, 0);
    assert_eq!(get_string(&mut db0, "after:restart").as_deref(), Some("still-here"));
    assert_eq!(get_string(&mut db0, "persist:note"), None);
    assert_eq!(get_string(&mut db0, "mine"), None);
    let mut client = Student::of_process(&bolide);
    let view = client.guide("exercise-3-persistence").await;
    assert_eq!(view.progress.completed, [0, 1, 2, 3]);
    bolide.terminate();
}

/// Whether `python3` with redis-py is here (`scripts/lib/setup.sh`
/// installs it for the test command).
fn python_with_redis() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import redis"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_guide_completes_with_real_redis_py_scripts() {
    if !python_with_redis() {
        println!("SKIPPED: python3 with redis-py is not available (scripts/lib/setup.sh installs it)");
        return;
    }
    let data = tempfile::tempdir().expect("data dir");
    let bolide = serve(data.path());
    let health = http::get(&bolide.url("/api/health")).await.expect("health").json();
    let port = health["redis"]["port"].as_u64().expect("port");
    let mut client = Student::of_process(&bolide);
    let view = client.guide("redis-from-python").await;
    assert_eq!(u64::from(view.environment.redis_port), port);

    for (n, step) in view.guide.steps.iter().enumerate() {
        if let Some(script) = &step.python {
            assert!(script.contains(&format!("redis://127.0.0.1:{port}/0")), "{script}");
            let output = tokio::time::timeout(
                Duration::from_secs(30),
                tokio::process::Command::new("python3").arg("-c").arg(script).output(),
            )
            .await
            .expect("python finished")
            .expect("python ran");
            assert!(
                output.status.success(),
                "step {n}: {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        // Only Python wrote: the console lines are not run here.
        let answer = step.quiz.as_ref().and_then(|quiz| quiz.choices.iter().position(|c| c.correct));
        let result = client.check("redis-from-python", n, answer).await;
        assert!(result.passed, "step {n} ({}): {result:?}", step.title);
    }
    let mut db0 = conn(bolide.redis_port, 0);
    assert_eq!(get_string(&mut db0, "py:counter").as_deref(), Some("2"));
    bolide.terminate();
}
