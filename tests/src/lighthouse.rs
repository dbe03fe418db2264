//! Lighthouse, as the accessibility test and the `lighthouse` bench run it.
//!
//! The version is pinned in `tools/lighthouse/package.json` (12.2.3;
//! `scripts/lib/setup.sh` installs it with `npm ci`), and it drives
//! Debian's Chromium (`CHROME_PATH`, default `/usr/bin/chromium`): nothing
//! here downloads a browser. Each run is one Chromium with a fresh
//! profile, Lighthouse's defaults otherwise (a mobile device), and only the
//! categories asked for, so an accessibility-only run takes seconds.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Lighthouse's command line, as `npm ci --prefix tools/lighthouse`
/// installs it; panics with how to install it when it is missing.
pub fn cli() -> PathBuf {
    let cli = crate::workspace_root().join("tools/lighthouse/node_modules/lighthouse/cli/index.js");
    assert!(
        cli.is_file(),
        "{} missing: run `npm ci --prefix tools/lighthouse` (the README's test command does)",
        cli.display()
    );
    cli
}

/// The Chromium Lighthouse drives: `$CHROME_PATH`, else Debian's.
pub fn chrome() -> String {
    let chrome = std::env::var("CHROME_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chrome).is_file(), "no Chromium at {chrome} (set CHROME_PATH)");
    chrome
}

/// One Lighthouse run on `url` for `categories` (`accessibility`,
/// `performance`, …) and the `audits` of other categories named on top
/// (`dom-size`): its JSON report, or why it failed.
pub fn run(url: &str, categories: &[&str], audits: &[&str]) -> Result<Value, String> {
    let mut command = Command::new("node");
    command
        .arg(cli())
        .arg(url)
        .arg("--output=json")
        .arg("--output-path=stdout")
        .arg(format!("--only-categories={}", categories.join(",")));
    if !audits.is_empty() {
        command.arg(format!("--only-audits={}", audits.join(",")));
    }
    let output = command
        .arg("--quiet")
        // Its picture of the whole page is in no score, and costs seconds.
        .arg("--disable-full-page-screenshot")
        .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage")
        .env("CHROME_PATH", chrome())
        .output()
        .map_err(|err| format!("cannot run node: {err}"))?;
    if !output.status.success() {
        return Err(format!("lighthouse {url}: {}", String::from_utf8_lossy(&output.stderr)));
    }
    serde_json::from_slice(&output.stdout).map_err(|err| format!("lighthouse {url}: not JSON: {err}"))
}

/// A category's score in a report, 0–100 (`None` if it was not run or
/// could not be scored).
pub fn score(report: &Value, category: &str) -> Option<f64> {
    report["categories"][category]["score"].as_f64().map(|score| score * 100.0)
}

/// Every audit of `category` in `report` that scored below 1 (the ones
/// that lower the score; audits Lighthouse could not apply have no score
/// and are left out): a line each, with its id, title, and the elements
/// it names.
pub fn failing_audits(report: &Value, category: &str) -> Vec<String> {
    let mut failing = Vec::new();
    for reference in report["categories"][category]["auditRefs"].as_array().into_iter().flatten() {
        let id = reference["id"].as_str().unwrap_or("?");
        let audit = &report["audits"][id];
        let Some(score) = audit["score"].as_f64() else { continue };
        if score >= 1.0 {
            continue;
        }
        let mut line = format!("{id} ({score}): {}", audit["title"].as_str().unwrap_or("?"));
        for item in audit["details"]["items"].as_array().into_iter().flatten() {
            let node = &item["node"];
            let what = node["selector"].as_str().or_else(|| node["snippet"].as_str()).unwrap_or("");
            let why = node["explanation"].as_str().unwrap_or("").replace('\n', " ");
            line.push_str(&format!("\n    {what}: {why}"));
        }
        failing.push(line);
    }
    failing
}
