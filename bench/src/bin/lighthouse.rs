//! Lighthouse on every page of the release build, as `bolide serve` serves
//! it: the performance score, LCP and the other metrics, and the bytes the
//! page downloaded, against the targets of issue #17 (performance ≥ 95,
//! LCP ≤ 2.5 s, ≤ 250 KB).
//!
//!     trunk build --release            # dist/, with its .br and .gz files
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/lighthouse        # or: --dist DIR --runs 3
//!
//! Lighthouse 12.2.3 (pinned in `tools/lighthouse/package.json`; the
//! README's commands install it with `npm ci`) runs with its defaults: a
//! mobile device, simulated throttling (a slow 4G network, 150 ms round
//! trips and 1.6 Mbit/s, and a CPU 4× slower), against Debian's Chromium
//! (`CHROME_PATH`, default `/usr/bin/chromium`; Lighthouse never downloads
//! a browser; `bolide_tests::lighthouse` runs it, as for the accessibility
//! test). Each page is run `--runs` times and the median run is printed,
//! with the range of scores and the slowest LCP, as Lighthouse's own docs
//! advise (one run varies), and how many runs met every target.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The built app (`trunk build --release` output).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Runs per page.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Only these pages (default: all seven).
    #[arg(long)]
    page: Vec<String>,
}

const PAGES: [&str; 7] = ["/", "/console", "/keys", "/data", "/jobs", "/guides", "/guides/redis-basics"];

/// One Lighthouse run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    score: f64,
    lcp_ms: f64,
    fcp_ms: f64,
    tbt_ms: f64,
    cls: f64,
    speed_index_ms: f64,
    bytes: f64,
}

fn main() {
    let args = Args::parse();
    // Both panic with what to install when missing.
    bolide_tests::lighthouse::cli();
    bolide_tests::lighthouse::chrome();
    assert!(args.dist.join("index.html").is_file(), "{} holds no built app", args.dist.display());

    let (bolide, _data) = bolide_bench::serve_release_app(&args.dist);
    let pages: Vec<String> = if args.page.is_empty() {
        PAGES.iter().map(|p| (*p).to_owned()).collect()
    } else {
        args.page.clone()
    };

    println!(
        "Lighthouse 12.2.3, mobile, simulated throttling; {} run(s) per page, median (min–max score)",
        args.runs
    );
    println!(
        "{:<24} {:>11} {:>17} {:>8} {:>8} {:>6} {:>8} {:>9}  verdict",
        "page", "performance", "LCP (slowest)", "FCP", "TBT", "CLS", "SI", "bytes"
    );
    let mut all_pass = true;
    for page in &pages {
        let mut runs: Vec<Run> = (0..args.runs).filter_map(|_| lighthouse(&bolide.url(page))).collect();
        if runs.is_empty() {
            println!("{page:<24} lighthouse failed");
            all_pass = false;
            continue;
        }
        runs.sort_by(|a, b| a.score.total_cmp(&b.score));
        let median = runs[runs.len() / 2];
        let (low, high) = (runs[0].score, runs[runs.len() - 1].score);
        let slowest_lcp = runs.iter().map(|run| run.lcp_ms).fold(f64::NAN, f64::max);
        let passed = runs.iter().filter(|run| run.meets_targets()).count();
        all_pass &= median.meets_targets();
        println!(
            "{page:<24} {:>3.0} ({:>2.0}–{:>3.0}) {:>6.2} s ({:>5.2} s) {:>6.2} s {:>5.0} ms {:>6.3} {:>6.2} s {:>9.0}  {}",
            median.score,
            low,
            high,
            median.lcp_ms / 1000.0,
            slowest_lcp / 1000.0,
            median.fcp_ms / 1000.0,
            median.tbt_ms,
            median.cls,
            median.speed_index_ms / 1000.0,
            median.bytes,
            match (median.meets_targets(), passed == runs.len()) {
                (true, true) => format!("meets the targets in every run ({passed})"),
                (true, false) => format!("meets the targets (median; {passed} of {} runs)", runs.len()),
                (false, _) => format!("MISSES a target ({passed} of {} runs meet them)", runs.len()),
            }
        );
    }
    println!(
        "targets (performance ≥ 95, LCP ≤ 2.5 s, ≤ 250 KB) {} on every page (in the median run)",
        if all_pass { "met" } else { "NOT met" }
    );
    drop(bolide);
}

impl Run {
    /// Issue #17's targets: performance ≥ 95, LCP ≤ 2.5 s, ≤ 250 KB.
    fn meets_targets(&self) -> bool {
        self.score >= 95.0 && self.lcp_ms <= 2500.0 && self.bytes <= 250_000.0
    }
}

/// One Lighthouse run on `url`; `None` (with its error printed) if it failed.
fn lighthouse(url: &str) -> Option<Run> {
    let report =
        bolide_tests::lighthouse::run(url, &["performance"], &[]).map_err(|err| eprintln!("{err}")).ok()?;
    let audit = |id: &str| report["audits"][id]["numericValue"].as_f64().unwrap_or(f64::NAN);
    Some(Run {
        score: bolide_tests::lighthouse::score(&report, "performance").unwrap_or(0.0),
        lcp_ms: audit("largest-contentful-paint"),
        fcp_ms: audit("first-contentful-paint"),
        tbt_ms: audit("total-blocking-time"),
        cls: audit("cumulative-layout-shift"),
        speed_index_ms: audit("speed-index"),
        bytes: audit("total-byte-weight"),
    })
}
