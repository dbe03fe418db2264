//! Running one job: the analysis computes on a task of its own, while this
//! side reports its progress and heartbeats, and stops it when Redis says
//! the job was cancelled (or taken over).
//!
//! - **Progress** comes from the analysis's `watch` channel and is written
//!   at most every [`MIN_PROGRESS_INTERVAL`] (≤ 10 writes a second, however
//!   often the analysis reports); each write is also a heartbeat.
//! - **Heartbeats** go out at least every
//!   [`WorkerOptions::heartbeat_interval`](super::config::WorkerOptions::heartbeat_interval)
//!   even when progress stalls, so a long step does not look like a dead
//!   worker. The computation runs on its own task so that a CPU-heavy step
//!   cannot hold up the heartbeats either.
//! - **Pace** (`--job-pace-ms N`, or a job's own `pace_ms`, a teaching
//!   aid; the slower wins): the reported progress is at most 10 % per N ms
//!   elapsed, and the job is not reported done before 10 × N ms, so
//!   students can watch a job move from queued to running to succeeded,
//!   and tests can kill a worker mid-job.

use std::time::{Duration, Instant};

use bolide_shared::jobs::{Analysis, AnalysisResult, JobParams};
use tokio::sync::watch;
use tokio::task::{JoinError, JoinHandle};

use super::analysis::{self, AnalysisError};
use super::transitions::{self, Lease, Verdict};
use super::worker::{is_transient, Worker};
use crate::sandbox::acl::LoginError;
use crate::sandbox::clock::now_ms;
use crate::sandbox::Owner;

/// Shortest time between two progress writes.
pub const MIN_PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// How a run ended, as the worker reports it.
#[derive(Debug)]
pub(super) enum Outcome {
    /// The result, over this many landings: `finish`.
    Computed { records: u64, result: AnalysisResult },
    /// The job cannot succeed (bad params, an analysis error): `fail`.
    Failed(String),
    /// The run was cut short through no fault of the job (Redis went away,
    /// the worker is stopping): `hand_back`, to run again.
    Interrupted(String),
    /// Redis said stop (cancelled, or no longer this worker's run): report
    /// nothing.
    Stopped(Verdict),
}

impl Outcome {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Outcome::Computed { .. } => "succeeded",
            Outcome::Failed(_) => "failed",
            Outcome::Interrupted(_) => "handed back",
            Outcome::Stopped(_) => "stopped",
        }
    }
}

/// Aborts the computation when the run is dropped or left early.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The progress `pace` allows after `elapsed`: 10 % per step, 100 when there
/// is no pace.
fn paced_progress(elapsed: Duration, pace: Duration) -> u8 {
    if pace.is_zero() {
        return 100;
    }
    let steps = (elapsed.as_nanos() / pace.as_nanos()).min(10);
    u8::try_from(steps * 10).unwrap_or(100)
}

/// The last progress written, and when.
struct Written {
    progress: u8,
    at: Instant,
}

impl Worker {
    /// Runs the analysis for `lease`, reporting progress, until it is done,
    /// fails, is cancelled, or the grace period of a stop runs out.
    pub(super) async fn execute(
        &mut self,
        lease: &Lease,
        analysis: Analysis,
        params: JobParams,
        scope: Owner,
    ) -> Outcome {
        let (progress_tx, mut progress_rx) = watch::channel(0u8);
        // A sandbox's records are read as its feature user: Redis refuses
        // the job any other sandbox's keys.
        match crate::sandbox::acl::feature_login(&mut self.control, &scope).await {
            Ok(login) => self.records.log_in(&scope, login),
            Err(err) => return login_failed(err),
        }
        // The slower of the worker's pace and the one the job asked for.
        let pace = self.options.pace.max(Duration::from_millis(u64::from(params.pace_ms.unwrap_or(0))));
        let records = self.records.clone();
        let mut compute = AbortOnDrop(tokio::spawn(async move {
            analysis::compute_cached(&records, &scope, analysis, &params, &progress_tx).await
        }));

        let heartbeat_every = self.options.heartbeat_interval();
        let started = Instant::now();
        let mut written = Written { progress: 0, at: started };
        let mut computed: Option<(u64, AnalysisResult)> = None;
        let mut progress_open = true;
        let mut stop = self.stop.clone();
        loop {
            let paced = paced_progress(started.elapsed(), pace);
            // Paced, the job is done when the pace says so, stopping or not
            // (a stopping worker hands back what the grace period cannot finish).
            if paced >= 100 {
                if let Some((records, result)) = computed.take() {
                    return Outcome::Computed { records, result };
                }
            }
            let real = if computed.is_some() { 100 } else { *progress_rx.borrow_and_update() };
            let shown = real.min(paced).min(99);
            let due =
                written.at + if shown == written.progress { heartbeat_every } else { MIN_PROGRESS_INTERVAL };
            let now = Instant::now();
            if now >= due {
                match transitions::heartbeat(&mut self.control, lease, shown, now_ms()).await {
                    Ok(Verdict::Ok) => {}
                    Ok(verdict) => return Outcome::Stopped(verdict),
                    // The run goes on: a worker cut off longer than the
                    // visibility timeout finds its run taken over when it
                    // reports, and reports nothing.
                    Err(err) => tracing::debug!(job = %lease.delivery.job_id, %err, "heartbeat failed"),
                }
                written = Written { progress: shown, at: now };
                continue;
            }
            let grace = self.grace_deadline();
            if grace.is_some_and(|deadline| now >= deadline) {
                return Outcome::Interrupted("the worker is stopping".into());
            }
            let next_step =
                (!pace.is_zero() && paced < 100).then(|| started + pace * (u32::from(paced) / 10 + 1));
            let wake = [Some(due), next_step, grace].into_iter().flatten().min().unwrap_or(due);
            tokio::select! {
                joined = &mut compute.0, if computed.is_none() => match classify(joined) {
                    Ok(done) => computed = Some(done),
                    Err(outcome) => return outcome,
                },
                changed = progress_rx.changed(), if progress_open && computed.is_none() => {
                    progress_open = changed.is_ok();
                }
                _ = stop.changed(), if grace.is_none() => {}
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }
}

/// A run that could not log in as the sandbox's feature user: handed back
/// when Redis is away for now (the job runs again once it is back), failed
/// when the sandbox has ended or Redis refused.
fn login_failed(err: LoginError) -> Outcome {
    match err {
        LoginError::Redis(err) if is_transient(&err) => {
            Outcome::Interrupted(format!("cannot read the sandbox's password for now: {err}"))
        }
        err => Outcome::Failed(format!("cannot read the sandbox's data: {err}")),
    }
}

/// What the analysis task ended with.
fn classify(
    joined: Result<Result<(u64, AnalysisResult), AnalysisError>, JoinError>,
) -> Result<(u64, AnalysisResult), Outcome> {
    match joined {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(err)) => match redis_cause(&err) {
            Some(redis) if is_transient(redis) => {
                Err(Outcome::Interrupted(format!("lost Redis mid-run: {err}")))
            }
            // Redis restarted between the login and a read, and forgot the
            // feature user: the next attempt's login makes it again.
            Some(redis) if crate::redis_conn::login_refused(redis) => {
                Err(Outcome::Interrupted(format!("Redis refused the sandbox's login mid-run: {err}")))
            }
            _ => Err(Outcome::Failed(err.to_string())),
        },
        Err(join) if join.is_panic() => {
            Err(Outcome::Failed("the analysis crashed (a bug in Bolide; see the worker's log)".into()))
        }
        Err(_) => Err(Outcome::Interrupted("the analysis was stopped".into())),
    }
}

/// The Redis error behind an analysis error, if that is what it is.
fn redis_cause(err: &AnalysisError) -> Option<&redis::RedisError> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if let Some(redis) = current.downcast_ref::<redis::RedisError>() {
            return Some(redis);
        }
        cause = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Without the transient case, the job failed for good on Redis's hiccup.
    #[tokio::test]
    async fn a_password_unread_while_redis_is_away_hands_the_job_back() {
        // Nothing listens on port 1.
        let (mut system, _) = crate::redis_conn::connect("redis://127.0.0.1:1/15").expect("url");
        let owner = Owner::for_session("0123456789abcdef0123456789abcdef");
        let err = crate::sandbox::acl::feature_login(&mut system, &owner).await.expect_err("no Redis");
        assert!(matches!(login_failed(err), Outcome::Interrupted(_)));
        assert!(matches!(login_failed(LoginError::Ended), Outcome::Failed(_)));
    }

    #[test]
    fn pace_allows_ten_percent_per_step() {
        let pace = Duration::from_millis(100);
        assert_eq!(paced_progress(Duration::ZERO, Duration::ZERO), 100);
        assert_eq!(paced_progress(Duration::from_millis(99), pace), 0);
        assert_eq!(paced_progress(Duration::from_millis(100), pace), 10);
        assert_eq!(paced_progress(Duration::from_millis(550), pace), 50);
        assert_eq!(paced_progress(Duration::from_millis(1000), pace), 100);
        assert_eq!(paced_progress(Duration::from_secs(60), pace), 100);
    }
}
