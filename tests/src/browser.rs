//! Headless Chromium over WebDriver, for end-to-end tests.
//!
//! Starts Debian's `chromedriver` on a free port and opens a session with a
//! fresh profile. The flags keep Chromium from reaching for the network
//! (which this machine does not have) and let it run as root in a sandboxless
//! CI container.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::{free_port, port_open, wait_until};

/// Where Debian's packages put the browser and its driver; override with
/// `CHROME_BIN` / `CHROMEDRIVER`.
const CHROME_BIN: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process and a WebDriver session on it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session (1280×900).
    pub async fn start() -> Self {
        Self::start_with_size(1280, 900).await
    }

    pub async fn start_with_size(width: u32, height: u32) -> Self {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let chrome_bin = std::env::var("CHROME_BIN").unwrap_or_else(|_| CHROME_BIN.into());
        let port = free_port();
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot start {driver_bin} ({err}); the README's test command installs chromium-driver"
                )
            });
        if !wait_until(Duration::from_secs(20), || port_open(port)) {
            let _ = driver.kill();
            panic!("chromedriver did not listen on port {port}");
        }
        let profile = tempfile::Builder::new().prefix("bolide-chrome-").tempdir().expect("profile dir");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": chrome_bin, "args": args }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(err) => {
                let _ = driver.kill();
                panic!("cannot open a Chromium session: {err}");
            }
        };
        Self { client, driver, _profile: profile }
    }

    /// Ends the WebDriver session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver takes its Chromium with it.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A Chrome DevTools Protocol command, through chromedriver's
/// `goog/cdp/execute` (what WebDriver itself cannot do: emulate
/// `prefers-color-scheme`, say).
#[derive(Debug)]
struct CdpCommand {
    method: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (hyper::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.method, "params": self.params });
        (hyper::Method::POST, Some(body.to_string()))
    }
}

/// Runs the DevTools command `method` with `params` and returns its result.
pub async fn cdp(client: &Client, method: &str, params: serde_json::Value) -> serde_json::Value {
    client
        .issue_cmd(CdpCommand { method: method.to_owned(), params })
        .await
        .unwrap_or_else(|err| panic!("DevTools {method}: {err}"))
}

/// Makes the page see `prefers-color-scheme: <scheme>` (`light`, `dark`),
/// as a student's system setting would, until changed again.
pub async fn emulate_color_scheme(client: &Client, scheme: &str) {
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )
    .await;
}

/// Makes the page a `width`×`height` CSS-pixel viewport, as a phone's
/// (headless Chromium's window is never narrower than 500 px, so a phone
/// needs this rather than a window size), until changed again.
pub async fn emulate_viewport(client: &Client, width: u32, height: u32, mobile: bool) {
    cdp(
        client,
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
    )
    .await;
}

/// The app built for the browser tests: `$BOLIDE_E2E_DIST`, else
/// `target/e2e-dist` (the README's test command builds it there with
/// `trunk build --dist target/e2e-dist`).
pub fn e2e_dist() -> std::path::PathBuf {
    let dist = std::env::var_os("BOLIDE_E2E_DIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target").join("e2e-dist"));
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built app: run `trunk build --dist target/e2e-dist` (the README's test command does)",
        dist.display()
    );
    dist
}

/// `bolide serve` on the built app, with its embedded Redis in a fresh
/// data dir (dropped with the returned dir).
pub fn serve_app() -> (crate::BolideProcess, tempfile::TempDir) {
    serve_app_with(&[])
}

/// [`serve_app`] with `extra` flags (`--shared`, `--no-worker`, …).
pub fn serve_app_with(extra: &[&str]) -> (crate::BolideProcess, tempfile::TempDir) {
    let (dist, data) = (e2e_dist(), tempfile::tempdir().expect("data dir"));
    let (dist, dir) = (dist.display().to_string(), data.path().display().to_string());
    let mut args = vec!["--dist", &dist, "--data-dir", &dir];
    args.extend_from_slice(extra);
    (crate::BolideProcess::serve(&args, &[]), data)
}

/// [`serve_app`] with a generated data set (500 landings) and one finished
/// job (count per class); the job's id.
pub async fn serve_app_with_data_and_a_job() -> (crate::BolideProcess, tempfile::TempDir, String) {
    let (bolide, data) = serve_app();
    let generated = crate::http::request("POST", &bolide.url("/api/data/generate?n=500&seed=3"), &[], &[])
        .await
        .expect("generate");
    assert_eq!(generated.status, 200, "{}", generated.text());
    let body = br#"{"analysis": "count_per_class"}"#;
    let submitted =
        crate::http::request("POST", &bolide.url("/api/jobs"), &[("content-type", "application/json")], body)
            .await
            .expect("submit");
    assert_eq!(submitted.status, 202, "{}", submitted.text());
    let id = submitted.json()["id"].as_str().expect("job id").to_owned();
    for _ in 0..400 {
        let job = crate::http::get(&bolide.url(&format!("/api/jobs/{id}"))).await.expect("job").json();
        if job["status"] == "succeeded" {
            return (bolide, data, id);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} did not succeed");
}

/// The first guide whose first step has a line to Run (the page opens a
/// new student's guide on its first step).
pub async fn guide_with_a_run(bolide: &crate::BolideProcess) -> String {
    let list = crate::http::get(&bolide.url("/api/guides")).await.expect("guides").json();
    for summary in list["guides"].as_array().expect("guides") {
        let id = summary["id"].as_str().expect("id");
        let guide = crate::http::get(&bolide.url(&format!("/api/guides/{id}"))).await.expect("guide").json();
        if guide["guide"]["steps"][0]["runnable"].as_array().is_some_and(|lines| !lines.is_empty()) {
            return id.to_owned();
        }
    }
    panic!("no guide starts with a line to run: {list}");
}

/// Waits (90 s at most: a first load compiles the debug build's wasm, slow
/// on a loaded machine) until the app has taken over from index.html's
/// loading shell (`#boot`, gone). The shell holds the page's first content
/// in the app's own markup (backend/src/boot_shell/), so until then a
/// page's heading, or a guide's outline, may be the shell's, inert.
pub async fn app_took_over(client: &Client) {
    for _ in 0..900 {
        if client.find_all(fantoccini::Locator::Css("#boot")).await.expect("find").is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the app never took over from the loading shell");
}

/// Waits (20 s at most) for an element matching `css`, drawn by the app
/// (not the loading shell's: [`app_took_over`]).
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    app_took_over(client).await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no element {css}: {err}"))
}

/// Types `line` + Enter into the console on the page (the Console page or
/// a guide's) and returns the text of the new entry's output.
pub async fn run_console_line(client: &Client, line: &str) -> String {
    use fantoccini::Locator;
    let before = client.find_all(Locator::Css(".console-entry")).await.expect("entries").len();
    let input = wait_for(client, "#console-input").await;
    input.send_keys(line).await.expect("type");
    input.send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("enter");
    for _ in 0..200 {
        let entries = client.find_all(Locator::Css(".console-entry")).await.expect("entries");
        if let Some(entry) = entries.get(before) {
            if let Ok(output) = entry.find(Locator::Css("pre.console-output")).await {
                // innerText keeps the <pre>'s line breaks exactly.
                return output.prop("innerText").await.expect("text").unwrap_or_default();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("entry {before} never got an output");
}

/// Waits (10 s at most) until the first element matching `css` contains
/// `needle`, and returns its text.
pub async fn text_becomes(client: &Client, css: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(element) = client.find(fantoccini::Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never contained {needle:?}; it reads {last:?}");
}

/// Saves a screenshot as `target/e2e/<name>.png`, and as `docs/<name>.png`
/// too when `BOLIDE_UPDATE_SCREENSHOTS` is set (the README's pictures).
pub async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let out = crate::workspace_root().join("target").join("e2e");
    std::fs::create_dir_all(&out).expect("out dir");
    std::fs::write(out.join(format!("{name}.png")), &png).expect("save screenshot");
    if std::env::var_os("BOLIDE_UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(crate::workspace_root().join("docs").join(format!("{name}.png")), &png)
            .expect("save README screenshot");
    }
}
