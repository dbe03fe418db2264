//! Shared pieces of Bolide's benchmark programs (`src/bin/*`).
//!
//! Each program measures Bolide and, in the same run, a reference on the same
//! machine and the same Redis (these machines are noisy: only ratios from
//! one run compare), then prints the figures and the ratio. None of them is
//! a test: nothing here asserts a time.

use std::time::Duration;

/// p50/p99 and friends of a set of latencies.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latencies {
    pub fn of(samples: &mut [Duration]) -> Self {
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(i).copied().unwrap_or_default()
        };
        Self { p50: at(0.50), p99: at(0.99), max: samples.last().copied().unwrap_or_default() }
    }
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The release `bolide` serving the app built into `dist` (no worker, a
/// fresh data dir, kept as long as the returned directory), as the page
/// benchmarks (`weight`, `lighthouse`) measure it. Call it before any
/// thread starts: it sets `BOLIDE_BIN` (edition 2021: safe then).
pub fn serve_release_app(dist: &std::path::Path) -> (bolide_tests::BolideProcess, tempfile::TempDir) {
    std::env::set_var("BOLIDE_BIN", release_bolide());
    let data = tempfile::tempdir().expect("data dir");
    let bolide = bolide_tests::BolideProcess::serve(
        &[
            "--no-worker",
            "--dist",
            &dist.display().to_string(),
            "--data-dir",
            &data.path().display().to_string(),
        ],
        &[],
    );
    (bolide, data)
}

/// The release `bolide` binary next to this one (`target/release/bolide`),
/// or `$BOLIDE_BIN`.
pub fn release_bolide() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("BOLIDE_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    let bin = exe.parent().expect("target dir").join("bolide");
    assert!(bin.is_file(), "{} not built: run `cargo build --release -p bolide` first", bin.display());
    bin
}
