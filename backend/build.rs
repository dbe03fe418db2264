//! Compiles the guide files (`guides/*.md` at the repository root) into the
//! server: writes `$OUT_DIR/guide_files.rs`, a list of `(name, text)` with
//! one `include_str!` per file, in file-name order.
//!
//! Listing the folder here (rather than by hand in Rust) means an instructor
//! adds a guide by adding a file. The files are parsed and checked by
//! `guides::catalog`'s tests, which name the file and line of any mistake.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let guides_dir = manifest_dir.join("..").join("guides");
    // A folder here is watched as a whole: adding, removing or editing a
    // file reruns this script.
    println!("cargo:rerun-if-changed={}", guides_dir.display());

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&guides_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "md") {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((format!("guides/{name}"), path.canonicalize()?));
        }
    }
    files.sort();

    let mut code = String::from("/// Every guide file: (path in the repository, text).\n");
    code.push_str("pub(crate) const GUIDE_FILES: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        writeln!(code, "    ({name:?}, include_str!({:?})),", path.display().to_string())?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("guide_files.rs");
    std::fs::write(out, code)?;
    Ok(())
}
