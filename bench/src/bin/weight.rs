//! The browser app's weight: what a first visit downloads from `bolide
//! serve`, and what the wasm is made of, so that a change which grows the
//! app is seen.
//!
//!     trunk build --release            # dist/, with its .br and .gz files
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/weight            # or: target/release/weight --dist DIR
//!
//! It starts the real `bolide serve` on the built app and fetches every
//! file of `dist/` (the page, style, icon, and every page's bundle — its
//! script and wasm —, of which a first visit loads one) three times — as a browser does (`Accept-Encoding: gzip,
//! deflate, br`), gzip only, and uncompressed — and adds up the bytes the
//! server sent, plus the first API call the app makes (`/api/health`).
//! Then it opens each page (`/`, `/console`, `/keys`, `/data`, `/jobs`,
//! `/guides` and a guide) in a fresh headless Chromium (an empty cache: a first
//! visit), waits until the app has drawn it and the network is quiet, and
//! adds up what the browser itself counts as received
//! (`performance.getEntries()`' `transferSize`: headers and bodies as they
//! came over the wire, every request the page made, API calls included),
//! against the target of 250 KB. `--no-browser` skips that part.
//! Last, it reads the wasm's sections (the code, the data — string
//! constants —, the rest) and its largest function bodies and data
//! segments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use bolide_tests::browser::Browser;
use bolide_tests::{http, BolideProcess};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The built app (`trunk build --release` output).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// How many of the largest function bodies and data segments to list.
    #[arg(long, default_value_t = 8)]
    top: usize,
    /// Skip the per-page first visits in Chromium.
    #[arg(long)]
    no_browser: bool,
}

/// The pages a first visit may start on.
const PAGES: [&str; 7] = ["/", "/console", "/keys", "/data", "/jobs", "/guides", "/guides/redis-basics"];

/// What a first visit to any page may download (issue #17).
const BUDGET_BYTES: u64 = 250 * 1000;

const ENCODINGS: [(&str, &str); 3] =
    [("browser", "gzip, deflate, br"), ("gzip", "gzip"), ("none", "identity")];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let files = served_files(&args.dist);
    assert!(!files.is_empty(), "{} holds no built app: run `trunk build --release`", args.dist.display());
    let (bolide, _data) = bolide_bench::serve_release_app(&args.dist);

    println!("First visit, bytes sent by bolide serve ({}):", args.dist.display());
    println!("{:<48} {:>10} {:>10} {:>10}  encoding", "file", "browser", "gzip", "none");
    let mut totals = [0usize; 3];
    let mut paths: Vec<String> = files.iter().map(|name| format!("/{name}")).collect();
    paths.push("/api/health".into());
    for path in &paths {
        let mut sizes = [0usize; 3];
        let mut chosen = String::new();
        for (i, (_, accept)) in ENCODINGS.iter().enumerate() {
            let response = http::request("GET", &bolide.url(path), &[("accept-encoding", accept)], &[])
                .await
                .unwrap_or_else(|err| panic!("GET {path}: {err}"));
            assert_eq!(response.status, 200, "GET {path}");
            sizes[i] = response.body.len();
            if i == 0 {
                chosen = response.header("content-encoding").unwrap_or("identity").to_string();
            }
        }
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        println!("{path:<48} {:>10} {:>10} {:>10}  {chosen}", sizes[0], sizes[1], sizes[2]);
    }
    println!("{:<48} {:>10} {:>10} {:>10}", "total (every bundle)", totals[0], totals[1], totals[2]);
    println!(
        "ratios: browser/none {:.3}, gzip/none {:.3}, browser/gzip {:.3}",
        ratio(totals[0], totals[2]),
        ratio(totals[1], totals[2]),
        ratio(totals[0], totals[1])
    );
    if !args.no_browser {
        first_visits(&bolide).await;
    }
    drop(bolide);

    for name in files.iter().filter(|name| name.ends_with(".wasm")) {
        let bytes = std::fs::read(args.dist.join(name)).expect("read wasm");
        println!();
        println!("{name}: {} bytes", bytes.len());
        match Module::read(&bytes) {
            Ok(module) => module.print(bytes.len(), args.top),
            Err(err) => println!("  not a wasm module I can read: {err}"),
        }
    }
}

/// Each page's first visit in a fresh Chromium: every request and what it
/// cost on the wire, as the browser counts it.
async fn first_visits(bolide: &BolideProcess) {
    println!();
    println!("First visit per page, in headless Chromium (bytes received, headers included):");
    println!("{:<24} {:>9} {:>9} {:>9} {:>9}  requests", "page", "total", "wasm", "api", "other");
    for page in PAGES {
        let browser = Browser::start().await;
        let client = &browser.client;
        client.goto(&bolide.url(page)).await.unwrap_or_else(|err| panic!("open {page}: {err}"));
        wait_until_drawn(client).await;
        let entries = transfers(client).await;
        browser.close().await;
        let mut sums = [0u64; 3];
        for (name, size) in &entries {
            let kind = if name.ends_with(".wasm") {
                0
            } else if name.contains("/api/") {
                1
            } else {
                2
            };
            sums[kind] += size;
        }
        let total: u64 = sums.iter().sum();
        let verdict = if total <= BUDGET_BYTES { "within" } else { "OVER" };
        println!(
            "{page:<24} {total:>9} {:>9} {:>9} {:>9}  {} ({verdict} {} KB)",
            sums[0],
            sums[1],
            sums[2],
            entries.len(),
            BUDGET_BYTES / 1000
        );
        let api: Vec<String> = entries
            .iter()
            .filter(|(name, _)| name.contains("/api/"))
            .map(|(name, size)| {
                format!("{} {size}", name.split_once("/api/").map_or(name.as_str(), |(_, p)| p))
            })
            .collect();
        if !api.is_empty() {
            println!("{:<24} api: {}", "", api.join(", "));
        }
    }
}

/// Until the app has replaced the loading state, then until no request has
/// started for a second (the page's first API calls are done).
async fn wait_until_drawn(client: &fantoccini::Client) {
    for _ in 0..400 {
        let booting = client.execute("return document.getElementById('boot') !== null", vec![]).await;
        if booting.ok().and_then(|v| v.as_bool()) == Some(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut count = 0;
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = transfers(client).await.len();
        if now != count {
            count = now;
            quiet_since = Instant::now();
        }
    }
}

/// Every request of the page so far: (URL, bytes received).
async fn transfers(client: &fantoccini::Client) -> Vec<(String, u64)> {
    let script = "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => [e.name, e.transferSize])";
    let value = client.execute(script, vec![]).await.expect("performance entries");
    value
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| {
                    let name = entry.get(0)?.as_str()?.to_owned();
                    Some((name, entry.get(1)?.as_f64()? as u64))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b.max(1) as f64
}

/// The files a first visit loads: everything in `dist/` but the
/// precompressed copies.
fn served_files(dist: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dist)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A wasm module's sections, as sizes.
struct Module {
    /// (section name, bytes including its header).
    sections: Vec<(String, usize)>,
    /// Each function body's size, by function index within the code section.
    bodies: Vec<usize>,
    /// Each data segment's size.
    segments: Vec<usize>,
}

impl Module {
    fn read(bytes: &[u8]) -> Result<Module, String> {
        if bytes.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
            return Err("no wasm header".into());
        }
        let mut module = Module { sections: Vec::new(), bodies: Vec::new(), segments: Vec::new() };
        let mut at = 8;
        while at < bytes.len() {
            let start = at;
            let id = bytes[at];
            at += 1;
            let size = leb(bytes, &mut at)? as usize;
            let body = bytes.get(at..at + size).ok_or("a section runs past the end")?;
            at += size;
            let name = match id {
                0 => {
                    let mut i = 0;
                    let len = leb(body, &mut i)? as usize;
                    let name = body.get(i..i + len).ok_or("a custom section's name runs past it")?;
                    format!("custom \"{}\"", String::from_utf8_lossy(name))
                }
                10 => {
                    module.bodies = items(body)?;
                    "code".into()
                }
                11 => {
                    module.segments = data_segments(body)?;
                    "data".into()
                }
                _ => SECTION_NAMES.get(usize::from(id)).copied().unwrap_or("unknown").into(),
            };
            module.sections.push((name, at - start));
        }
        Ok(module)
    }

    fn print(&self, total: usize, top: usize) {
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, size) in &self.sections {
            *by_name.entry(name.as_str()).or_default() += size;
        }
        let mut sections: Vec<(&str, usize)> = by_name.into_iter().collect();
        sections.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
        for (name, size) in sections {
            println!("  {name:<28} {size:>9} bytes  {:>5.1}%", 100.0 * size as f64 / total as f64);
        }
        println!("  {} function bodies, {} data segments", self.bodies.len(), self.segments.len());
        for (label, sizes) in [("function", &self.bodies), ("data segment", &self.segments)] {
            let mut largest: Vec<(usize, usize)> = sizes.iter().copied().enumerate().collect();
            largest.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
            let shown: Vec<String> =
                largest.iter().take(top).map(|(i, size)| format!("#{i} {size}")).collect();
            println!("  largest {label}s: {}", shown.join(", "));
        }
    }
}

/// Sections by id (custom, code and data are read apart).
const SECTION_NAMES: [&str; 13] = [
    "custom",
    "type",
    "import",
    "function",
    "table",
    "memory",
    "global",
    "export",
    "start",
    "element",
    "code",
    "data",
    "data count",
];

/// The sizes of the code section's function bodies: a count, then each
/// body preceded by its size.
fn items(section: &[u8]) -> Result<Vec<usize>, String> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut sizes = Vec::new();
    for _ in 0..count {
        let size = leb(section, &mut at)? as usize;
        at += size;
        if at > section.len() {
            return Err("a function body runs past its section".into());
        }
        sizes.push(size);
    }
    Ok(sizes)
}

/// The sizes of the data section's segments (the bytes each puts in
/// memory): a count, then each segment's mode (0 active, 1 passive, 2
/// active with a memory index), its offset expression when active, and its
/// bytes, preceded by their length.
fn data_segments(section: &[u8]) -> Result<Vec<usize>, String> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut sizes = Vec::new();
    for _ in 0..count {
        let mode = leb(section, &mut at)?;
        if mode == 2 {
            leb(section, &mut at)?; // memory index
        }
        if mode != 1 {
            // A constant expression: one instruction, then `end` (0x0b).
            let opcode = *section.get(at).ok_or("a data segment runs past the end")?;
            at += 1;
            match opcode {
                0x41 | 0x42 | 0x23 => {
                    leb(section, &mut at)?; // its operand (signed or not, the same length)
                }
                _ => return Err(format!("an offset expression starting with 0x{opcode:02x}")),
            }
            if section.get(at) != Some(&0x0b) {
                return Err("an offset expression of more than one instruction".into());
            }
            at += 1;
        }
        let size = leb(section, &mut at)? as usize;
        at += size;
        if at > section.len() {
            return Err("a data segment runs past its section".into());
        }
        sizes.push(size);
    }
    Ok(sizes)
}

/// An unsigned LEB128 number at `*at`, moving past it.
fn leb(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at).ok_or("a number runs past the end")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("a number longer than 64 bits".into())
}
