//! The contributor loop of the README, `trunk serve`, on a fresh clone.
//!
//! `trunk serve` is one of the three ways this project is used (run it, test
//! it, work on it), and it once broke silently: `Trunk.toml` told Trunk to
//! ignore folders that only exist after a test run, and on a fresh clone
//! Trunk refused to start. So this test does what a new contributor does:
//! it copies the files git tracks (as they are in the work tree) into an
//! empty folder, runs `trunk serve` there with the repository's own
//! `Trunk.toml`, and loads the app and `/api/health` through it from a
//! running `bolide serve`.
//!
//! Only the proxy's port differs from the checked-in file (the test's Bolide
//! listens on a free port, not on :8080), and the build goes to its own
//! target dir, `target/dev-loop`, so a second run is incremental.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bolide_tests::{free_port, http, workspace_root, BolideProcess};

/// The proxy line of the checked-in `Trunk.toml`.
const PROXY: &str = "backend = \"http://127.0.0.1:8080/api\"";

/// A clean copy of the work tree: every file git tracks or would track (not
/// ignored), and nothing a build or test run left behind.
fn clean_copy(into: &Path) {
    let root = workspace_root();
    let listed = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(&root)
        .output()
        .expect("git (the tests run in a checkout)");
    assert!(listed.status.success(), "git ls-files: {}", String::from_utf8_lossy(&listed.stderr));
    for name in listed.stdout.split(|&b| b == 0).filter(|name| !name.is_empty()) {
        let name = std::str::from_utf8(name).expect("file names are UTF-8");
        let from = root.join(name);
        if !from.is_file() {
            continue; // listed but deleted in the work tree
        }
        let to = into.join(name);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&from, &to).unwrap_or_else(|err| panic!("copy {name}: {err}"));
    }
}

struct TrunkServe(Child);

impl Drop for TrunkServe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn trunk_serve_works_on_a_fresh_clone_and_proxies_the_api() {
    let data = tempfile::tempdir().expect("data dir");
    let bolide =
        BolideProcess::serve(&["--no-worker", "--data-dir", &data.path().display().to_string()], &[]);

    let clone = tempfile::tempdir().expect("clone dir");
    clean_copy(clone.path());
    for leftover in ["dist", "target", "dist-test"] {
        assert!(!clone.path().join(leftover).exists(), "{leftover} is not in a fresh clone");
    }
    let config = std::fs::read_to_string(clone.path().join("Trunk.toml")).expect("Trunk.toml");
    assert!(config.contains(PROXY), "Trunk.toml proxies /api to :8080 as the README says");
    std::fs::write(
        clone.path().join("Trunk.toml"),
        config.replace(PROXY, &format!("backend = \"{}\"", bolide.url("/api"))),
    )
    .expect("write Trunk.toml");

    let port = free_port();
    let trunk = TrunkServe(
        Command::new("trunk")
            .args(["serve", "--port", &port.to_string()])
            .current_dir(clone.path())
            .env("CARGO_TARGET_DIR", workspace_root().join("target").join("dev-loop"))
            .env("NO_COLOR", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("trunk (the README's test command installs it)"),
    );

    // The first build of a fresh target dir compiles the app's dependencies.
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(600);
    let page = loop {
        if let Ok(response) = http::get(&format!("{base}/")).await {
            if response.status == 200 {
                break response;
            }
        }
        assert!(Instant::now() < deadline, "trunk serve never answered on :{port}");
        assert!(bolide_tests::process_alive(trunk.0.id()), "trunk serve exited (see its output above)");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let html = page.text();
    assert!(html.contains("<title>Bolide"), "the app's page: {html}");
    assert!(html.contains(".wasm"), "the page loads the built wasm: {html}");
    // The post-build hook (scripts/lib/bundles.sh) named every page's
    // bundle in the loader, and trunk serves them.
    for page in ["home", "console", "keys", "data", "jobs", "guides"] {
        let named = html
            .split(&format!("\"{page}\":\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("the loader names the {page} bundle: {html}"));
        let script = http::get(&format!("{base}/{named}.js")).await.expect("a bundle's script");
        assert_eq!(script.status, 200, "/{named}.js");
    }

    let health = http::get(&format!("{base}/api/health")).await.expect("health through trunk's proxy");
    assert_eq!(health.status, 200, "{}", health.text());
    let json = health.json();
    assert_eq!(json["status"], "ok", "{json}");
    assert_eq!(json["redis"]["port"], bolide.redis_port, "Bolide's own answer, through the proxy: {json}");
}
