//! The knobs of the job system, for the API side ([`JobsConfig`]) and the
//! worker side ([`WorkerOptions`]), and the `15s`/`500ms`/`24h` durations
//! the command line takes.
//!
//! What a job keeps for life (its maximum number of attempts, how long its
//! result is kept) is decided by the API process that accepts it and stored
//! in the job, so every worker treats it alike whatever its own flags. What
//! depends on the worker (how long a silent job waits before another worker
//! takes it over, the teaching pace) is the worker's.

use std::time::Duration;

/// The API's side: what a new job gets, and how many a caller may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsConfig {
    /// How long a succeeded job's result is kept (`--job-result-ttl`).
    pub result_ttl: Duration,
    /// Starts before a job whose worker keeps dying is failed (`--job-max-attempts`).
    pub max_attempts: u32,
    /// Queued and running jobs one owner may have at once (0: no limit).
    pub max_unfinished_per_owner: u64,
    /// Jobs one owner keeps listed; past it, submitting drops the oldest
    /// finished ones.
    pub max_kept_per_owner: u64,
}

/// Default of `--job-result-ttl`.
pub const DEFAULT_RESULT_TTL: Duration = Duration::from_secs(24 * 3600);
/// Default of `--job-max-attempts`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Finished jobs' records are kept at least this long (their results may go
/// sooner), so a student still sees what happened to a job after its result
/// expired.
pub const RECORD_TTL_FLOOR: Duration = Duration::from_secs(7 * 24 * 3600);

impl JobsConfig {
    /// One student on their own machine: a benchmark may queue thousands.
    pub const LOCAL: JobsConfig = JobsConfig {
        result_ttl: DEFAULT_RESULT_TTL,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        max_unfinished_per_owner: 100_000,
        max_kept_per_owner: 10_000,
    };
    /// A class or a public site: one browser cannot flood the queue.
    pub const SHARED: JobsConfig = JobsConfig {
        result_ttl: DEFAULT_RESULT_TTL,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        max_unfinished_per_owner: 20,
        max_kept_per_owner: 200,
    };

    pub fn for_mode(shared: bool) -> JobsConfig {
        if shared {
            JobsConfig::SHARED
        } else {
            JobsConfig::LOCAL
        }
    }

    /// How long a finished job's record is kept.
    pub fn record_ttl(&self) -> Duration {
        self.result_ttl.max(RECORD_TTL_FLOOR)
    }
}

/// The worker's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// A running job whose worker has not been heard from for this long is
    /// taken over by another worker (`--job-visibility-timeout`).
    pub visibility_timeout: Duration,
    /// Teaching aid: a job takes at least 10 × this, its progress advancing
    /// 10 % per step, so students can watch it run (`--job-pace-ms`).
    pub pace: Duration,
    /// On shutdown, how long the running job may take to finish before it
    /// is handed back to the queue (`--job-grace-period`).
    pub grace_period: Duration,
}

/// Default of `--job-visibility-timeout`.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(15);
/// Default of `--job-grace-period`.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);
/// Shortest visibility timeout: heartbeats must fit in it several times.
pub const MIN_VISIBILITY_TIMEOUT: Duration = Duration::from_millis(500);

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
            pace: Duration::ZERO,
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

impl WorkerOptions {
    /// How often a running job's worker says it is alive: a quarter of the
    /// visibility timeout (so three beats can be lost before a takeover),
    /// at most once a second (a cancelled job stops within a second).
    pub fn heartbeat_interval(&self) -> Duration {
        (self.visibility_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(1))
    }
}

/// `500ms`, `15s`, `2m`, `24h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (write e.g. 500ms, 15s, 2m or 24h)"))?;
    let millis = match unit.trim() {
        "ms" => Some(number),
        "" | "s" => number.checked_mul(1000),
        "m" => number.checked_mul(60_000),
        "h" => number.checked_mul(3_600_000),
        other => return Err(format!("unknown unit `{other}` in `{text}` (use ms, s, m or h)")),
    };
    millis.map(Duration::from_millis).ok_or_else(|| format!("`{text}` is too long"))
}

/// A `Duration` in whole milliseconds (saturating), as Redis takes them.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration(" 24h "), Ok(Duration::from_secs(86_400)));
        for bad in ["", "s", "1.5s", "-1s", "10 days", "3d", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn heartbeats_fit_in_the_visibility_timeout() {
        let options =
            |ms| WorkerOptions { visibility_timeout: Duration::from_millis(ms), ..Default::default() };
        assert_eq!(options(15_000).heartbeat_interval(), Duration::from_secs(1));
        assert_eq!(options(2_000).heartbeat_interval(), Duration::from_millis(500));
        assert_eq!(options(500).heartbeat_interval(), Duration::from_millis(125));
    }

    #[test]
    fn records_outlive_results() {
        assert_eq!(JobsConfig::LOCAL.record_ttl(), RECORD_TTL_FLOOR);
        let long = JobsConfig { result_ttl: Duration::from_secs(30 * 86_400), ..JobsConfig::LOCAL };
        assert_eq!(long.record_ttl(), Duration::from_secs(30 * 86_400));
    }
}
