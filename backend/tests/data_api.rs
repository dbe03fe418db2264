//! `/api/data` beyond uploads, on a real Redis: loading from a URL (against
//! a small HTTP server this test runs on 127.0.0.1 — no internet), the
//! shared-mode refusal of arbitrary URLs, `bolide load URL`, and record
//! edits (`PUT`, `PATCH`, `DELETE /api/data/{id}`) with hostile inputs.
//! Every refusal is checked to leave the keyspace exactly as it was.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use bolide::data::{generate, source, Dataset};
use bolide::sandbox::Tenancy;
use bolide_tests::RedisServer;
use common::{hgetall, message, page_ids, router, snapshot, Client, JSON};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---- A small HTTP server on 127.0.0.1 ------------------------------------

/// What the file server answers for a path.
enum Reply {
    File {
        content_type: &'static str,
        body: Vec<u8>,
    },
    Status(&'static str),
    Redirect(&'static str),
    /// `Content-Length` over the limit, and no body.
    DeclaredHuge,
    /// A body without `Content-Length` that goes on for 64 MiB (or until
    /// the client hangs up): only a reader that stops can refuse it.
    Endless,
}

/// An HTTP/1.1 server on a free loopback port that serves one dataset in
/// NASA's JSON and CSV, plus misbehaving paths. Connections are closed
/// after each answer.
struct FileServer {
    base: String,
    /// Bytes of the endless body written before the client hung up.
    endless_written: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    async fn start(dataset: &Dataset) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let json_body = Arc::new(generate::to_nasa_json(dataset));
        let csv_body = Arc::new(generate::to_csv(dataset));
        let endless_written = Arc::new(AtomicUsize::new(0));
        let written = endless_written.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (json_body, csv_body, written) = (json_body.clone(), csv_body.clone(), written.clone());
                tokio::spawn(async move {
                    let _ = serve_one(stream, &json_body, &csv_body, &written).await;
                });
            }
        });
        Self { base, endless_written, task }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut stream: TcpStream,
    json_body: &[u8],
    csv_body: &[u8],
    written: &AtomicUsize,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = match path.as_str() {
        "/nasa.json" => Reply::File { content_type: "application/json", body: json_body.to_vec() },
        // As raw.githubusercontent.com serves JSON: text/plain, sniffed.
        "/plain" => Reply::File { content_type: "text/plain; charset=utf-8", body: json_body.to_vec() },
        "/download" => Reply::File { content_type: "text/csv", body: csv_body.to_vec() },
        "/bad.json" => {
            Reply::File { content_type: "application/json", body: b"[{\"id\": \"1\"}, {}]".to_vec() }
        }
        "/page" => Reply::File { content_type: "text/html", body: b"<html>Sign in</html>".to_vec() },
        "/moved" => Reply::Redirect("/download"),
        "/loop" => Reply::Redirect("/loop"),
        "/declared-huge" => Reply::DeclaredHuge,
        "/endless" => Reply::Endless,
        _ => Reply::Status("404 Not Found"),
    };
    match reply {
        Reply::File { content_type, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
        }
        Reply::Status(status) => {
            let body = "no such file";
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
        }
        Reply::Redirect(to) => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
        }
        Reply::DeclaredHuge => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n[",
                source::MAX_FILE_BYTES + 1
            );
            stream.write_all(head.as_bytes()).await?;
        }
        Reply::Endless => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
                .await?;
            let record = b"{\"id\": \"1\", \"name\": \"Aachen\"},";
            let chunk: Vec<u8> = record.iter().copied().cycle().take(1024 * 1024).collect();
            for _ in 0..64 {
                stream.write_all(&chunk).await?;
                written.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
    }
    stream.shutdown().await
}

// ---- Loading from a URL --------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_loads_like_an_upload_in_every_shape() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(250, 3);
    let server = FileServer::start(&dataset).await;
    for path in ["/nasa.json", "/plain", "/download", "/moved"] {
        let url = server.url(path);
        let (status, report) = client.json("POST", "/api/data/fetch", &json!({ "url": url })).await;
        assert_eq!(status, StatusCode::OK, "{path}: {report}");
        assert_eq!(report["loaded"], 250, "{path}");
        assert_eq!(report["source"], url.as_str(), "{path}");
        let (_, page) = client.get("/api/data?size=1").await;
        assert_eq!(page["total"], 250, "{path}");
    }
    // What the console shows is the generated record, field by field.
    let landing = &dataset.landings[17];
    let mut db0 = redis.connection();
    let stored: Vec<(String, String)> =
        redis::cmd("HGETALL").arg(landing.key()).query(&mut db0).expect("HGETALL");
    assert_eq!(stored, landing.fields);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_that_gives_no_good_file_changes_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(40, 8);
    let server = FileServer::start(&dataset).await;
    client.json("POST", "/api/data/generate?n=30&seed=2", &json!({})).await;
    client.console("SET my_key my_value").await;
    let before = snapshot(&redis);
    let closed = format!("http://127.0.0.1:{}/data.json", bolide_tests::free_port());
    let huge = format!("{}", source::MAX_FILE_BYTES);
    for (url, status, needles) in [
        (server.url("/missing.json"), StatusCode::BAD_GATEWAY, vec!["404 Not Found", "/missing.json"]),
        (server.url("/bad.json"), StatusCode::BAD_REQUEST, vec!["record 2", "id"]),
        (server.url("/page"), StatusCode::BAD_REQUEST, vec!["web page"]),
        (server.url("/loop"), StatusCode::BAD_GATEWAY, vec!["redirected more than"]),
        (server.url("/declared-huge"), StatusCode::BAD_REQUEST, vec!["over the limit", huge.as_str()]),
        (server.url("/endless"), StatusCode::BAD_REQUEST, vec!["over the limit", huge.as_str()]),
        (
            closed.clone(),
            StatusCode::BAD_GATEWAY,
            vec!["could not reach 127.0.0.1:", "is this machine offline?"],
        ),
    ] {
        let (got, json) = client.json("POST", "/api/data/fetch", &json!({ "url": url })).await;
        assert_eq!(got, status, "{url}: {json}");
        let text = message(&json);
        for needle in needles {
            assert!(text.contains(needle), "{url}: {text:?} lacks {needle:?}");
        }
        assert_eq!(snapshot(&redis), before, "{url}");
    }
    // The endless body was abandoned soon after the limit, not read to its end.
    let written = server.endless_written.load(Ordering::SeqCst);
    assert!(written < 64 * 1024 * 1024, "the whole endless body was read ({written} bytes)");
}

#[tokio::test]
async fn fetch_requests_are_checked() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    client.json("POST", "/api/data/generate?n=10&seed=2", &json!({})).await;
    let before = snapshot(&redis);
    let long = format!("https://example.org/{}", "a".repeat(3000));
    for (body, status, needle) in [
        (json!({}), StatusCode::BAD_REQUEST, "`url` or `preset`"),
        (json!({ "url": "https://x.org/a.json", "preset": "nasa" }), StatusCode::BAD_REQUEST, "not both"),
        (json!({ "preset": "everything" }), StatusCode::BAD_REQUEST, "course-sample"),
        (json!({ "url": "ftp://example.org/a.csv" }), StatusCode::BAD_REQUEST, "http"),
        (json!({ "url": "file:///etc/passwd" }), StatusCode::BAD_REQUEST, "http"),
        (json!({ "url": "https://user:pw@example.org/" }), StatusCode::BAD_REQUEST, "password"),
        (json!({ "url": long }), StatusCode::BAD_REQUEST, "too long"),
        (json!({ "url": 5 }), StatusCode::BAD_REQUEST, ""),
        (json!({ "link": "https://x.org/" }), StatusCode::BAD_REQUEST, "link"),
        (json!([1, 2]), StatusCode::BAD_REQUEST, ""),
    ] {
        let (got, json) = client.json("POST", "/api/data/fetch", &body).await;
        assert_eq!(got, status, "{body}: {json}");
        assert!(message(&json).contains(needle), "{body}: {json}");
    }
    let (got, _) = client.send("POST", "/api/data/fetch", Some(JSON), b"{\"url\": ".to_vec()).await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    let padded = format!("{{\"url\": \"https://x.org/\", \"preset\": null{}}}", " ".repeat(100 * 1024));
    let (got, _) = client.send("POST", "/api/data/fetch", Some(JSON), padded.into_bytes()).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(snapshot(&redis), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_site_fetches_only_its_presets() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let mut client = Client::new(&router);
    let dataset = generate::generate(20, 1);
    let server = FileServer::start(&dataset).await;
    client.json("POST", "/api/data/generate?n=10&seed=2", &json!({})).await;
    let before = snapshot(&redis);
    // A file server that answers, and a loopback port nothing listens on:
    // both refused before any connection is tried.
    let closed = format!("http://127.0.0.1:{}/admin", bolide_tests::free_port());
    for url in [server.url("/nasa.json"), closed] {
        let (status, json) = client.json("POST", "/api/data/fetch", &json!({ "url": url })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{url}: {json}");
        assert!(message(&json).contains("only its presets"), "{json}");
    }
    let (status, _) = client.json("POST", "/api/data/fetch", &json!({ "preset": "nope" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&redis), before);
    assert_eq!(client.get("/api/data").await.1["total"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bolide_load_takes_a_url() {
    let redis = RedisServer::start();
    let dataset = generate::generate(120, 4);
    let server = FileServer::start(&dataset).await;
    let bolide = env!("CARGO_BIN_EXE_bolide");
    let run = |what: String| {
        let redis_url = redis.url();
        async move {
            tokio::process::Command::new(bolide)
                .args(["load", &what, "--redis-url", &redis_url])
                .env_remove("REDIS_URL")
                .output()
                .await
                .expect("run bolide load")
        }
    };
    let output = run(server.url("/download")).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("loaded 120 landings from http://127.0.0.1:"), "{stdout}");
    let mut db0 = redis.connection();
    let size: u64 = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(size, 120);

    let before = snapshot(&redis);
    let output = run(format!("http://127.0.0.1:{}/x.csv", bolide_tests::free_port())).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("could not reach") && stderr.contains("nothing changed"), "{stderr}");
    let output = run("no-such-file-or-preset".to_string()).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no such file") && stderr.contains("course-sample"), "{stderr}");
    assert_eq!(snapshot(&redis), before);
}

// ---- Record edits ----------------------------------------------------------

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn record_edits_write_exactly_what_they_say_and_pages_follow() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(100, 5);
    client.send("POST", "/api/data", Some(JSON), generate::to_nasa_json(&dataset)).await;
    let (patched, replaced, deleted) = (&dataset.landings[3], &dataset.landings[4], &dataset.landings[5]);

    // PATCH: the given fields change (or are added), the others stay.
    let uri = format!("/api/data/{}", patched.id());
    // (Written out: `json!` would sort the fields, and their order matters.)
    let body = br#"{"name": "Patched Aachen", "color": "red"}"#.to_vec();
    let (status, answer) = client.send("PATCH", &uri, Some(JSON), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut want = patched.fields.clone();
    for (name, value) in want.iter_mut() {
        if name == "name" {
            *value = "Patched Aachen".into();
        }
    }
    want.push(("color".into(), "red".into()));
    assert_eq!(hgetall(&redis, &patched.key()), want);
    assert_eq!(answer["key"], patched.key());
    assert_eq!(answer["record"]["name"], "Patched Aachen");
    let hset = format!("HSET {} name \"Patched Aachen\" color red", patched.key());
    assert!(answer["commands"].as_array().expect("commands").iter().any(|c| *c == hset.as_str()), "{answer}");
    let (_, page) = client.get("/api/data?q=patched%20aach").await;
    assert_eq!(page_ids(&page), [patched.id()], "the name search follows the edit");

    // PUT: the hash becomes exactly the body, in its order.
    let uri = format!("/api/data/{}", replaced.id());
    let body = format!(r#"{{"name": "Replaced", "id": "{}", "mass (g)": "999999999999"}}"#, replaced.id());
    let (status, answer) = client.send("PUT", &uri, Some(JSON), body.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        hgetall(&redis, &replaced.key()),
        pairs(&[("name", "Replaced"), ("id", replaced.id()), ("mass (g)", "999999999999")])
    );
    let (_, page) = client.get("/api/data?sort=mass&order=desc&size=1").await;
    assert_eq!(page_ids(&page), [replaced.id()], "the mass sort follows the edit");

    // PUT creates a landing that was not there, with its id.
    let (status, answer) =
        client.json("PUT", "/api/data/990001", &json!({ "name": "New", "recclass": "L6" })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        hgetall(&redis, "meteorite:990001"),
        pairs(&[("id", "990001"), ("name", "New"), ("recclass", "L6")])
    );
    let (_, page) = client.get("/api/data?class=L6&size=500").await;
    assert!(page_ids(&page).contains(&"990001".to_string()), "the class filter follows the new landing");
    let (_, one) = client.get("/api/data/990001").await;
    assert_eq!(one["record"]["recclass"], "L6");

    // DELETE: that hash goes, the rest stays; a second DELETE is a 404.
    let uri = format!("/api/data/{}", deleted.id());
    let (status, answer) = client.send("DELETE", &uri, None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["commands"][0], format!("DEL {}", deleted.key()));
    assert!(hgetall(&redis, &deleted.key()).is_empty());
    assert_eq!(client.get(&uri).await.0, StatusCode::NOT_FOUND);
    let (_, page) = client.get("/api/data?size=500").await;
    assert!(!page_ids(&page).contains(&deleted.id().to_string()));
    assert!(page_ids(&page).contains(&"990001".to_string()));
    assert_eq!(page["total"], 100, "100 loaded, one added, one deleted");
    let (status, json) = client.send("DELETE", &uri, None, Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    assert_eq!(client.console("DBSIZE").await, "(integer) 100");

    // PATCH of a landing that is not there makes it, as HSET would.
    let (status, answer) =
        client.json("PATCH", "/api/data/990002", &json!({ "name": "Made by PATCH" })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(hgetall(&redis, "meteorite:990002"), pairs(&[("id", "990002"), ("name", "Made by PATCH")]));
}

#[tokio::test]
async fn hostile_record_edits_are_refused_and_change_nothing() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Local);
    let mut client = Client::new(&router);
    let dataset = generate::generate(20, 6);
    client.send("POST", "/api/data", Some(JSON), generate::to_nasa_json(&dataset)).await;
    client.console("SET my_key my_value").await;
    let id = dataset.landings[0].id().to_string();
    let uri = format!("/api/data/{id}");
    let before = snapshot(&redis);

    let many: serde_json::Map<String, Value> = (0..65).map(|i| (format!("f{i}"), json!("v"))).collect();
    let long_name = "n".repeat(257);
    let long_value = "v".repeat(64 * 1024 + 1);
    let cases: Vec<(&str, String, String, StatusCode, &str)> = vec![
        ("PATCH", uri.clone(), String::new(), StatusCode::BAD_REQUEST, "JSON object"),
        ("PATCH", uri.clone(), "[1, 2]".into(), StatusCode::BAD_REQUEST, "JSON object"),
        ("PATCH", uri.clone(), "{\"name\": ".into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        ("PATCH", uri.clone(), "{\"name\": \"a\"} {}".into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        ("PATCH", uri.clone(), "{}".into(), StatusCode::BAD_REQUEST, "no fields"),
        ("PUT", uri.clone(), "{}".into(), StatusCode::BAD_REQUEST, "no fields"),
        (
            "PATCH",
            uri.clone(),
            "{\"mass (g)\": 21}".into(),
            StatusCode::BAD_REQUEST,
            "\"mass (g)\" is a number",
        ),
        ("PUT", uri.clone(), "{\"name\": null}".into(), StatusCode::BAD_REQUEST, "null"),
        ("PATCH", uri.clone(), "{\"name\": {\"a\": \"b\"}}".into(), StatusCode::BAD_REQUEST, "an object"),
        ("PATCH", uri.clone(), "{\"\": \"v\"}".into(), StatusCode::BAD_REQUEST, "empty"),
        (
            "PATCH",
            uri.clone(),
            format!("{{\"{long_name}\": \"v\"}}"),
            StatusCode::BAD_REQUEST,
            "longer than 256",
        ),
        ("PATCH", uri.clone(), "{\"a\\u0000b\": \"v\"}".into(), StatusCode::BAD_REQUEST, "control"),
        ("PATCH", uri.clone(), "{\"name\": \"a\", \"name\": \"b\"}".into(), StatusCode::BAD_REQUEST, "twice"),
        ("PUT", uri.clone(), Value::Object(many).to_string(), StatusCode::BAD_REQUEST, "at most 64"),
        (
            "PATCH",
            uri.clone(),
            json!({ "name": long_value }).to_string(),
            StatusCode::BAD_REQUEST,
            "over the limit",
        ),
        ("PATCH", uri.clone(), json!({ "id": "777" }).to_string(), StatusCode::BAD_REQUEST, "cannot move"),
        (
            "PUT",
            uri.clone(),
            json!({ "id": "777", "name": "x" }).to_string(),
            StatusCode::BAD_REQUEST,
            "cannot move",
        ),
        ("PATCH", "/api/data/a%20b".into(), "{\"name\": \"x\"}".into(), StatusCode::BAD_REQUEST, "`id`"),
        (
            "PUT",
            format!("/api/data/{}", "9".repeat(65)),
            "{\"name\": \"x\"}".into(),
            StatusCode::BAD_REQUEST,
            "`id`",
        ),
        ("DELETE", "/api/data/a%09b".into(), String::new(), StatusCode::BAD_REQUEST, "`id`"),
        ("DELETE", "/api/data/990002".into(), String::new(), StatusCode::NOT_FOUND, "990002"),
        (
            "PATCH",
            uri.clone(),
            json!({ "name": "v".repeat(300 * 1024) }).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (method, target, body, status, needle) in cases {
        let (got, json) = client.send(method, &target, Some(JSON), body.clone().into_bytes()).await;
        assert_eq!(got, status, "{method} {target} {body:.80}: {json}");
        assert!(json["error"]["code"].is_string(), "{method} {target}: not a JSON error: {json}");
        assert!(message(&json).contains(needle), "{method} {target} {body:.80}: {json}");
        assert_eq!(snapshot(&redis), before, "{method} {target} {body:.80}");
    }
}

#[tokio::test]
async fn shared_sessions_edit_only_their_own_records() {
    let redis = RedisServer::start();
    let router = router(&redis, Tenancy::Shared);
    let (mut alice, mut bob) = (Client::new(&router), Client::new(&router));
    alice.json("POST", "/api/data/generate?n=10&seed=1", &json!({})).await;
    bob.json("POST", "/api/data/generate?n=10&seed=1", &json!({})).await;
    let (_, page) = alice.get("/api/data?size=1").await;
    let id = page_ids(&page)[0].clone();
    let uri = format!("/api/data/{id}");
    let (status, _) = alice.json("PATCH", &uri, &json!({ "name": "Alice's" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(bob.get(&uri).await.1["record"]["name"], "Alice's");
    assert_eq!(bob.send("DELETE", &uri, None, Vec::new()).await.0, StatusCode::OK);
    assert_eq!(alice.get(&uri).await.1["record"]["name"], "Alice's");
    assert_eq!(alice.console(&format!("HGET meteorite:{id} name")).await, "\"Alice's\"");
    assert_eq!(bob.console(&format!("EXISTS meteorite:{id}")).await, "(integer) 0");
}
