//! `bolide load FILE|URL|PRESET` and `bolide generate N`: the same path as
//! the API (read, download or generate; then one atomic swap, a file's
//! checked while it streams into it), with progress on the terminal.
//!
//! What `load` is given is read as a URL when it starts with `http://` or
//! `https://`, as a preset's name (`course-sample`, `nasa`) when it is one
//! and no file of that name exists, and as a file's path otherwise.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use bolide_shared::data::presets::{preset, PRESETS};

use super::store::{self, LoadFailure, LoadReport, Owner};
use super::{fetch, generate as synthetic, source, Dataset};

/// Loads a file, a URL or a preset (see the module docs); prints the
/// report.
pub async fn load(what: &str, redis_url: &str) -> Result<(), String> {
    if fetch::looks_like_url(what) {
        return load_url(what, redis_url).await;
    }
    if !Path::new(what).exists() {
        if let Some(preset) = preset(what) {
            return load_url(preset.url, redis_url).await;
        }
    }
    load_file(Path::new(what), redis_url).await
}

/// Downloads, checks and loads a file; prints the report.
pub async fn load_url(text: &str, redis_url: &str) -> Result<(), String> {
    let url = fetch::check_url(text).map_err(|err| err.to_string())?;
    let bar = ProgressBar::no_length().with_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {bytes}/{total_bytes}")
            .map_err(|err| err.to_string())?
            .progress_chars("=> "),
    );
    bar.set_message("downloading");
    let download = fetch::fetch(&url, |received, total| {
        if let Some(total) = total {
            bar.set_length(total);
        } else {
            bar.set_length(received);
        }
        bar.set_position(received);
    })
    .await;
    bar.finish();
    let download = download.map_err(|err| format!("{text} was not loaded, nothing changed: {err}"))?;
    check_and_load(download.bytes, download.format, redis_url, text).await
}

/// Reads, checks and loads a file; prints the report.
pub async fn load_file(path: &Path, redis_url: &str) -> Result<(), String> {
    let text = path.display().to_string();
    if !path.exists() {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        return Err(format!(
            "{text}: no such file (give a file, an http(s):// URL, or a preset: {})",
            names.join(", ")
        ));
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
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Some(super::Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("json") => Some(super::Format::Json),
        _ => None,
    };
    check_and_load(bytes, format, redis_url, &text).await
}

/// Checks every record of a file while its landings stream into one
/// transaction, committed only if the whole file is good (the API's path,
/// [`store::load_file_bytes`]); prints the report.
async fn check_and_load(
    bytes: Vec<u8>,
    format: Option<super::Format>,
    redis_url: &str,
    text: &str,
) -> Result<(), String> {
    let spinner = spinner("checking every record and loading it into Redis (one transaction)");
    let base = crate::redis_conn::url_without_db(redis_url);
    let source_name = text.to_string();
    let report = store::load_file_bytes(&base, &Owner::local(), bytes, format, move |_| source_name).await;
    spinner.finish_and_clear();
    let report = report.map_err(|failure| match failure {
        LoadFailure::File(err) => format!("{text} was not loaded, nothing changed: {err}"),
        LoadFailure::Store(err) => format!("nothing was changed: {err}"),
    })?;
    print_report(&report);
    Ok(())
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
    let report = store::replace(&base, &Owner::local(), dataset, source_name).await;
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
