//! The browser app's weight: what a first visit downloads from `bolide
//! serve`, and what the wasm is made of, so that a change which grows the
//! app is seen.
//!
//!     trunk build --release            # dist/, with its .br and .gz files
//!     cargo build --release -p bolide -p bolide-bench
//!     target/release/weight            # or: target/release/weight --dist DIR
//!
//! It starts the real `bolide serve` on the built app and fetches every
//! file of `dist/` (the page, its script, wasm, style and icon: a first
//! visit's files) three times — as a browser does (`Accept-Encoding: gzip,
//! deflate, br`), gzip only, and uncompressed — and adds up the bytes the
//! server sent, plus the first API call the app makes (`/api/health`).
//! Then it reads the wasm's sections (the code, the data — mostly string
//! constants such as the command table —, the rest) and its largest
//! function bodies and data segments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
}

const ENCODINGS: [(&str, &str); 3] =
    [("browser", "gzip, deflate, br"), ("gzip", "gzip"), ("none", "identity")];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let files = served_files(&args.dist);
    assert!(!files.is_empty(), "{} holds no built app: run `trunk build --release`", args.dist.display());
    // Edition 2021: setting the environment before any thread starts is safe.
    std::env::set_var("BOLIDE_BIN", bolide_bench::release_bolide());
    let data = tempfile::tempdir().expect("data dir");
    let bolide = BolideProcess::serve(
        &[
            "--no-worker",
            "--dist",
            &args.dist.display().to_string(),
            "--data-dir",
            &data.path().display().to_string(),
        ],
        &[],
    );

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
    println!("{:<48} {:>10} {:>10} {:>10}", "total", totals[0], totals[1], totals[2]);
    println!(
        "ratios: browser/none {:.3}, gzip/none {:.3}, browser/gzip {:.3}",
        ratio(totals[0], totals[2]),
        ratio(totals[1], totals[2]),
        ratio(totals[0], totals[1])
    );
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
