//! `bolide load FILE` and `bolide generate N`: the same path as the API
//! (parse or generate, then one atomic swap), with progress on the terminal.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::store::{self, DataScope, LoadReport};
use super::{generate as synthetic, source, Dataset};

/// Reads, checks and loads a file; prints the report.
pub async fn load_file(path: &Path, redis_url: &str) -> Result<(), String> {
    let text = path.display().to_string();
    if text.starts_with("http://") || text.starts_with("https://") {
        return Err(
            "a URL: download the file and pass its path (loading from a URL is not supported yet)".into()
        );
    }
    let file = std::fs::File::open(path).map_err(|err| format!("cannot open {text}: {err}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > source::MAX_FILE_BYTES as u64 {
        return Err(format!("{text} is {size} bytes; the limit is {} bytes", source::MAX_FILE_BYTES));
    }
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {bytes}/{total_bytes}")
            .map_err(|err| err.to_string())?
            .progress_chars("=> "),
    );
    bar.set_message("reading");
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    bar.wrap_read(file).read_to_end(&mut bytes).map_err(|err| format!("cannot read {text}: {err}"))?;
    bar.finish();
    let spinner = spinner("checking every record");
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Some(super::Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("json") => Some(super::Format::Json),
        _ => None,
    };
    let dataset = source::parse(&bytes, format).map_err(|err| {
        spinner.finish_and_clear();
        format!("{text} was not loaded, nothing changed: {err}")
    })?;
    spinner.finish_and_clear();
    store_and_report(&dataset, redis_url, &text).await
}

/// Generates `n` landings and loads them; prints the report.
pub async fn generate(n: usize, seed: u64, redis_url: &str) -> Result<(), String> {
    let spinner = spinner(&format!("generating {n} landings"));
    let dataset = synthetic::generate(n, seed);
    spinner.finish_and_clear();
    store_and_report(&dataset, redis_url, &format!("generated n={n} seed={seed}")).await
}

async fn store_and_report(dataset: &Dataset, redis_url: &str, source_name: &str) -> Result<(), String> {
    let spinner = spinner(&format!("loading {} landings into Redis (one transaction)", dataset.len()));
    let base = crate::redis_conn::url_without_db(redis_url);
    let report = store::replace(&base, &DataScope::local(), dataset, source_name).await;
    spinner.finish_and_clear();
    let report = report.map_err(|err| format!("nothing was changed: {err}"))?;
    print_report(&report);
    Ok(())
}

fn print_report(report: &LoadReport) {
    println!(
        "loaded {} landings from {} in {} ms (replacing {}); one hash each: HGETALL meteorite:<id>",
        report.loaded, report.source, report.millis, report.replaced
    );
    let missing: Vec<String> =
        report.missing.iter().filter(|(_, n)| **n > 0).map(|(field, n)| format!("{field}: {n}")).collect();
    if !missing.is_empty() {
        println!("records without some fields (kept absent): {}", missing.join(", "));
    }
}

fn spinner(message: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}
