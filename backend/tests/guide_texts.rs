//! What the guides API says to a student, on a real Redis: a failed
//! check's hint never contradicts the step's own hint (no "Create it with
//! `SET visits 12`" beside "Start again from `SET visits 10`"), a step
//! without one still gets the command, and a guide that does not exist is
//! said in words, not with an API path.

mod common;

use axum::http::StatusCode;
use bolide::sandbox::Tenancy;
use bolide_shared::guides::{CheckResult, GuideView};
use bolide_tests::RedisServer;
use common::{message, router, Client};
use serde_json::json;

/// The step of guide `id` titled `title`: its index and the author's hint.
async fn step(client: &mut Client, id: &str, title: &str) -> (usize, Option<String>) {
    let (status, view) = client.get(&format!("/api/guides/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let view: GuideView = serde_json::from_value(view).expect("a GuideView");
    let (n, step) = view
        .guide
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.title == title)
        .expect("the step is in the guide");
    (n, step.hint.clone())
}

async fn check(client: &mut Client, id: &str, n: usize) -> CheckResult {
    let (status, json) = client.json("POST", &format!("/api/guides/{id}/steps/{n}/check"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    serde_json::from_value(json).expect("a CheckResult")
}

#[tokio::test]
async fn a_failed_check_follows_the_steps_own_hint() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let (n, author) = step(&mut client, "why-a-database", "The same counter, done by a server").await;
    let author = author.expect("the counter step has a hint");
    assert!(author.contains("SET visits 10"), "{author}");

    // Absent, then with the wrong value: the step's hint, and nothing
    // that tells the student to SET the final value instead.
    let absent = check(&mut client, "why-a-database", n).await;
    assert!(!absent.passed);
    let hint = absent.hint.expect("a hint");
    assert!(hint.contains(&author) && !hint.contains("SET visits 12"), "{hint}");
    assert_eq!(hint.matches(&author).count(), 1, "{hint}");

    client.console("SET visits 11").await;
    let wrong = check(&mut client, "why-a-database", n).await;
    assert!(!wrong.passed && wrong.message.contains("`11`"), "{wrong:?}");
    let hint = wrong.hint.expect("a hint");
    assert!(hint.starts_with("Values are compared exactly"), "{hint}");
    assert!(hint.contains(&author) && !hint.contains("SET visits 12"), "{hint}");

    // The wrong type: what to do first, then the step's hint.
    client.console("DEL visits").await;
    client.console("RPUSH visits 10").await;
    let hint = check(&mut client, "why-a-database", n).await.hint.expect("a hint");
    assert!(hint.contains("`DEL visits` first") && hint.contains(&author), "{hint}");
    assert!(!hint.contains("SET visits 12"), "{hint}");

    client.console("DEL visits").await;
    client.console("SET visits 10").await;
    client.console("INCR visits").await;
    client.console("INCR visits").await;
    assert!(check(&mut client, "why-a-database", n).await.passed, "the hint's way passes");
}

#[tokio::test]
async fn a_step_without_a_hint_of_its_own_gets_the_command() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let (n, author) = step(&mut client, "redis-basics", "Keys and values").await;
    assert_eq!(author, None);
    let absent = check(&mut client, "redis-basics", n).await;
    assert_eq!(absent.hint.as_deref(), Some("Create it with `SET my_key my_value`."));
}

#[tokio::test]
async fn a_missing_guide_is_said_in_words() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let (status, json) = client.get("/api/guides/nosuch").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let text = message(&json);
    assert_eq!(text, "There is no guide called `nosuch`: the guides page lists every guide.");
    assert!(!text.contains("/api/"), "{text}");
}
