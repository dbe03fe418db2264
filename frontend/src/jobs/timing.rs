//! A job's timeline in words: how long it waited in the queue, how long a
//! worker ran it, and clock times for the three timestamps.
//!
//! The timestamps come from the server (ms since the Unix epoch), so a
//! duration between two of them is exact whatever the browser's clock; only
//! "running for …" of an unfinished job uses the browser's `now`.

use bolide_shared::jobs::Job;

/// The phases of a job: `(label, duration in ms)`; `None` for a phase that
/// has not started. A running job's phase runs up to `now_ms`.
pub fn phases(job: &Job, now_ms: u64) -> [(&'static str, Option<u64>); 3] {
    let started = job.started_at;
    let end = job.finished_at.unwrap_or(now_ms);
    let waited = match (started, job.finished_at) {
        (Some(started), _) => Some(started.saturating_sub(job.queued_at)),
        // Cancelled while queued: it waited until it was cancelled.
        (None, Some(finished)) => Some(finished.saturating_sub(job.queued_at)),
        (None, None) => Some(now_ms.saturating_sub(job.queued_at)),
    };
    let ran = started.map(|started| end.saturating_sub(started));
    let total = Some(end.saturating_sub(job.queued_at));
    [("waited in the queue", waited), ("ran", ran), ("in all", total)]
}

/// `850 ms`, `2.35 s`, `1 min 05 s`, `2 h 03 min`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.2} s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{} h {:02} min", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

/// The browser's clock, ms since the Unix epoch.
pub fn now_ms() -> u64 {
    let now = wasm_bindgen_futures::js_sys::Date::now();
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// A timestamp as the student's local date and time (`2024-05-01 14:03:07.250`).
pub fn clock(ms: u64) -> String {
    use wasm_bindgen_futures::js_sys::Date;
    let date = Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if date.get_time().is_nan() {
        return format!("{ms} ms since 1970");
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds(),
        date.get_milliseconds()
    )
}

/// A timestamp's local time of day (`14:03:07`), for the list.
pub fn clock_time(ms: u64) -> String {
    let full = clock(ms);
    match full.split_once(' ') {
        Some((_, time)) => time.split('.').next().unwrap_or(time).to_owned(),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;
    use crate::jobs::fixtures::job;
    use bolide_shared::jobs::JobStatus;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn durations_read_well() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(999), "999 ms");
        assert_eq!(duration(2_345), "2.35 s");
        assert_eq!(duration(65_000), "1 min 05 s");
        assert_eq!(duration(7_380_000), "2 h 03 min");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn phases_follow_the_timestamps() {
        let mut done = job("a", JobStatus::Succeeded);
        (done.queued_at, done.started_at, done.finished_at) = (1_000, Some(1_012), Some(1_050));
        let phases = phases(&done, 99_999);
        assert_eq!(phases.map(|(_, ms)| ms), [Some(12), Some(38), Some(50)]);

        let mut running = job("b", JobStatus::Running);
        (running.queued_at, running.started_at) = (1_000, Some(1_100));
        assert_eq!(super::phases(&running, 1_600).map(|(_, ms)| ms), [Some(100), Some(500), Some(600)]);

        let mut cancelled = job("c", JobStatus::Cancelled);
        (cancelled.queued_at, cancelled.finished_at) = (1_000, Some(1_300));
        assert_eq!(super::phases(&cancelled, 5_000).map(|(_, ms)| ms), [Some(300), None, Some(300)]);
    }
}
