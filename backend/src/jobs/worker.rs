//! The worker: takes jobs from the queue one at a time, runs their
//! analysis, stores the result; any number of them may share one Redis
//! (`bolide worker`, and by default one inside `bolide serve`).
//!
//! Its loop:
//! 1. every heartbeat interval, `XAUTOCLAIM` one entry whose worker has been
//!    silent for the visibility timeout (it died, or was cut off);
//! 2. otherwise `XREADGROUP … BLOCK` for a new entry, on a connection of its
//!    own (a blocked read would hold up every command pipelined behind it);
//! 3. about once a visibility timeout, put back in the queue the unfinished
//!    jobs whose entry is gone (deleted by hand, trimmed): `reconcile`;
//! 4. `start` the job (a script: it may say the job was cancelled, finished,
//!    or has had its attempts), run it ([`super::run`]), then `finish`,
//!    `fail` or `hand_back` it, retrying while Redis is away.
//!
//! Redis going away is normal (a restart, the persistence guide): every
//! connection reconnects by itself, the loop backs off and tries again, and
//! a group lost with the data (`NOGROUP`) is created again.
//!
//! Stopping (SIGTERM, Ctrl-C, or the server shutting down): no new job is
//! taken; the running one has the grace period to finish, else it is handed
//! back to the queue for another worker, at once, without counting as an
//! attempt.

use std::future::Future;
use std::time::{Duration, Instant};

use bolide_shared::jobs::{Analysis, JobParams, JobResults};
use redis::{RedisError, RedisResult};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::analysis::RecordCache;
use super::config::WorkerOptions;
use super::run::Outcome;
use super::transitions::{self, Claim, Delivery, Lease, Verdict};
use super::{keys, queue, registry};
use crate::redis_conn;
pub use crate::redis_conn::is_transient;
use crate::redis_conn::Connection;
use crate::sandbox::clock::now_ms;
use crate::sandbox::Owner;
use crate::sandbox::SYSTEM_DB;

/// Longest `XREADGROUP … BLOCK`: also how soon an idle worker notices a
/// shutdown.
const READ_BLOCK: Duration = Duration::from_millis(500);
/// Reply timeout of the control connection (scripts, heartbeats).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a finished run's report is retried while Redis is away.
const REPORT_RETRY_FOR: Duration = Duration::from_secs(30);

/// A worker running in this process; [`WorkerHandle::stop`] stops it.
pub struct WorkerHandle {
    id: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// `<host>:<pid>:<random>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stops taking jobs, lets the running one finish within the grace
    /// period (else hands it back), leaves the registry; returns when done.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(%err, "the job worker crashed");
        }
    }
}

/// Starts a worker on the Redis at `redis_url` (any database in it is
/// ignored). Connections are made lazily: a worker started before its Redis
/// waits for it.
pub fn spawn(redis_url: &str, options: WorkerOptions) -> RedisResult<WorkerHandle> {
    let base = redis_conn::url_without_db(redis_url);
    let system = format!("{base}/{SYSTEM_DB}");
    let (stop, stop_rx) = watch::channel(false);
    let worker = Worker {
        id: registry::new_worker_id(),
        control: redis_conn::connect_with_timeout(&system, COMMAND_TIMEOUT)?,
        reader: redis_conn::connect_with_timeout(&system, READ_BLOCK + COMMAND_TIMEOUT)?,
        records: RecordCache::new(&format!("{base}/0"))?,
        options,
        stop: stop_rx,
        grace_deadline: None,
        last_reconcile: None,
    };
    let id = worker.id.clone();
    let task = tokio::spawn(worker.run());
    Ok(WorkerHandle { id, stop, task })
}

/// `bolide worker`: runs a worker until `shutdown` completes, then stops it
/// gracefully.
pub async fn run_until(
    redis_url: &str,
    options: WorkerOptions,
    shutdown: impl Future<Output = ()>,
) -> RedisResult<()> {
    let handle = spawn(redis_url, options)?;
    let client = redis::Client::open(redis_url)?;
    println!("Bolide worker {} on {}", handle.id(), client.get_connection_info().addr());
    tracing::info!(
        worker = handle.id(),
        visibility_timeout = ?options.visibility_timeout,
        pace = ?options.pace,
        "worker started"
    );
    shutdown.await;
    handle.stop().await;
    println!("Bolide worker stopped");
    Ok(())
}

/// Makes this process `nice` steps nicer (up to 19, the lowest priority).
///
/// A worker is batch work: where it shares a machine with the API and
/// Redis (a laptop, a small server), a busy worker must not make the pages
/// slow. The analyses run the same, only later when the CPU is contended;
/// on a machine of its own a worker loses nothing.
pub fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    #[cfg(unix)]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let lowered = getpriority_process(None)
            .and_then(|current| setpriority_process(None, current.saturating_add(nice).min(19)));
        if let Err(err) = lowered {
            tracing::warn!(%err, "could not lower the worker's CPU priority");
        }
    }
}

pub(super) struct Worker {
    pub(super) id: String,
    /// Database 15: scripts, heartbeats, `XAUTOCLAIM`.
    pub(super) control: Connection,
    /// Database 15, for the blocking `XREADGROUP` only.
    reader: Connection,
    /// Database 0: the student's data, for the analyses, kept in memory
    /// between jobs and up to date through Redis's invalidations; a
    /// shared-mode sandbox's records are read as its feature user
    /// ([`crate::sandbox::acl`]), so a job can only ever read its own
    /// sandbox's keys.
    pub(super) records: RecordCache,
    pub(super) options: WorkerOptions,
    pub(super) stop: watch::Receiver<bool>,
    /// Set when a stop is first noticed.
    grace_deadline: Option<Instant>,
    /// When the unfinished jobs were last checked for a lost queue entry
    /// (about once a visibility timeout, see [`queue::reconcile_all`]).
    last_reconcile: Option<Instant>,
}

impl Worker {
    async fn run(mut self) {
        let beats = tokio::spawn(registry::run(self.control.clone(), self.id.clone(), self.stop.clone()));
        let mut last_claim: Option<Instant> = None;
        let mut failures = 0u32;
        while !self.stopping() {
            match self.next_delivery(&mut last_claim).await {
                Ok(delivery) => {
                    if failures > 0 {
                        tracing::info!(worker = %self.id, "Redis answers again; taking jobs");
                        failures = 0;
                    }
                    if let Some(delivery) = delivery {
                        self.process(delivery).await;
                    }
                }
                Err(err) if queue::is_no_group(&err) => {
                    if let Err(err) = queue::ensure_group(&mut self.control).await {
                        failures += 1;
                        self.log_failure(failures, &err);
                        self.pause(failures).await;
                    }
                }
                Err(err) => {
                    failures += 1;
                    self.log_failure(failures, &err);
                    self.pause(failures).await;
                }
            }
        }
        let _ = beats.await;
        if let Err(err) = registry::leave(&mut self.control, &self.id).await {
            tracing::debug!(%err, "could not leave the worker registry");
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    /// Whether a stop was asked for (or whoever could ask is gone).
    pub(super) fn stopping(&self) -> bool {
        *self.stop.borrow() || self.stop.has_changed().is_err()
    }

    /// When the running job must be done by, once stopping.
    pub(super) fn grace_deadline(&mut self) -> Option<Instant> {
        if !self.stopping() {
            return None;
        }
        let grace = self.options.grace_period;
        Some(*self.grace_deadline.get_or_insert_with(|| Instant::now() + grace))
    }

    fn log_failure(&self, failures: u32, err: &RedisError) {
        if failures == 1 || failures.is_multiple_of(60) {
            tracing::warn!(worker = %self.id, %err, "cannot reach the job queue; retrying");
        }
    }

    /// Backs off (up to a second) after a failure, unless asked to stop.
    async fn pause(&mut self, failures: u32) {
        let wait =
            Duration::from_millis(50u64.saturating_mul(1 << failures.min(5))).min(Duration::from_secs(1));
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }

    async fn next_delivery(&mut self, last_claim: &mut Option<Instant>) -> RedisResult<Option<Delivery>> {
        let every = self.options.heartbeat_interval();
        if last_claim.is_none_or(|at| at.elapsed() >= every) {
            *last_claim = Some(Instant::now());
            if self.last_reconcile.is_none_or(|at| at.elapsed() >= self.options.visibility_timeout) {
                self.last_reconcile = Some(Instant::now());
                let visibility = self.options.visibility_timeout;
                if let Err(err) = queue::reconcile_all(&mut self.control, now_ms(), visibility).await {
                    tracing::debug!(%err, "reconciling the queue failed; next time");
                }
            }
            let stale =
                queue::claim_stale(&mut self.control, &self.id, self.options.visibility_timeout).await?;
            if stale.is_some() {
                return Ok(stale);
            }
        }
        queue::read_new(&mut self.reader, &self.id, READ_BLOCK).await
    }

    /// Starts, runs and reports one delivered job.
    async fn process(&mut self, mut delivery: Delivery) {
        if !keys::is_job_id(&delivery.job_id) {
            tracing::warn!(entry = %delivery.entry, "dropping a queue entry that is not a job's");
            if let Err(err) = queue::drop_foreign(&mut self.control, &delivery.entry).await {
                tracing::debug!(%err, "could not drop a foreign entry");
            }
            return;
        }
        if delivery.owner.is_empty() {
            // Entries always name the owner; read it from the job otherwise.
            let owner: RedisResult<Option<String>> = redis::cmd("HGET")
                .arg(keys::job(&delivery.job_id))
                .arg("owner")
                .query_async(&mut self.control)
                .await;
            delivery.owner = owner.ok().flatten().unwrap_or_default();
        }
        let visibility = self.options.visibility_timeout;
        let claim = transitions::start(&mut self.control, &delivery, &self.id, now_ms(), visibility).await;
        let (lease, analysis, params_json, data_prefix) = match claim {
            Ok(Claim::Started { lease, analysis, params_json, data_prefix }) => {
                (lease, analysis, params_json, data_prefix)
            }
            Ok(Claim::Busy { worker }) => {
                tracing::debug!(job = %delivery.job_id, %worker, "job still runs on a live worker");
                return;
            }
            Ok(Claim::Exhausted { attempts }) => {
                tracing::warn!(job = %delivery.job_id, attempts, "job failed: its workers kept dying");
                return;
            }
            Ok(Claim::Skipped { why }) => {
                tracing::debug!(job = %delivery.job_id, %why, "nothing to run");
                return;
            }
            Err(err) => {
                // The entry stays pending: after the visibility timeout, a
                // worker (maybe this one) claims it again.
                tracing::warn!(job = %delivery.job_id, %err, "could not start a job");
                return;
            }
        };
        tracing::debug!(job = %delivery.job_id, attempt = lease.attempt, %analysis, "job started");
        let outcome = match read_job(&analysis, &params_json) {
            Ok((analysis, params)) => {
                let scope = Owner { data_prefix, owner: delivery.owner.clone() };
                self.execute(&lease, analysis, params, scope).await
            }
            Err(reason) => Outcome::Failed(reason),
        };
        self.report(&lease, outcome).await;
    }

    /// Tells Redis how the run ended, retrying while Redis is away.
    async fn report(&mut self, lease: &Lease, outcome: Outcome) {
        let job = &lease.delivery.job_id;
        let what = outcome.name();
        let report = Report::of(job, outcome);
        let retry_until = Instant::now() + REPORT_RETRY_FOR;
        let mut failures = 0u32;
        loop {
            let reported = match &report {
                Report::Finish(json) => transitions::finish(&mut self.control, lease, json, now_ms()).await,
                Report::Fail(reason) => transitions::fail(&mut self.control, lease, reason, now_ms()).await,
                Report::HandBack => transitions::hand_back(&mut self.control, lease).await,
                Report::Nothing(verdict) => Ok(verdict.clone()),
            };
            match reported {
                Ok(Verdict::Ok) => {
                    tracing::debug!(%job, outcome = what, "job reported");
                    return;
                }
                Ok(Verdict::Cancelled) => {
                    tracing::info!(%job, "job was cancelled while running; nothing reported");
                    return;
                }
                Ok(Verdict::Lost(status)) => {
                    tracing::warn!(%job, %status, "job is no longer this worker's run; nothing reported");
                    return;
                }
                Err(err) => {
                    failures += 1;
                    let out_of_time = Instant::now() >= retry_until
                        || self.grace_deadline().is_some_and(|deadline| Instant::now() >= deadline);
                    if out_of_time || !is_transient(&err) {
                        // Still pending in the group: after the visibility
                        // timeout another worker takes the job over.
                        tracing::warn!(%job, %err, outcome = what, "could not report a job's end");
                        return;
                    }
                    self.pause(failures).await;
                }
            }
        }
    }
}

/// The transition that ends a run.
enum Report {
    /// `finish` with this `JobResults` JSON.
    Finish(String),
    Fail(String),
    HandBack,
    /// Redis already said stop.
    Nothing(Verdict),
}

impl Report {
    fn of(job_id: &str, outcome: Outcome) -> Report {
        match outcome {
            Outcome::Computed { records, result } => {
                let results =
                    JobResults { job_id: job_id.to_string(), records, computed_at: now_ms(), result };
                match serde_json::to_string(&results) {
                    Ok(json) => Report::Finish(json),
                    Err(err) => Report::Fail(format!("the result could not be encoded: {err}")),
                }
            }
            Outcome::Failed(reason) => Report::Fail(reason),
            Outcome::Interrupted(why) => {
                tracing::info!(job = %job_id, %why, "handing the job back to the queue");
                Report::HandBack
            }
            Outcome::Stopped(verdict) => Report::Nothing(verdict),
        }
    }
}

/// The job's analysis and params as stored; a job written by another
/// version of Bolide may not read, and then fails at once with the reason.
fn read_job(analysis: &str, params_json: &str) -> Result<(Analysis, JobParams), String> {
    let analysis = Analysis::from_name(analysis).ok_or_else(|| {
        format!("unknown analysis `{analysis}` (was the job written by another version of Bolide?)")
    })?;
    let params: JobParams = serde_json::from_str(params_json).map_err(|err| {
        format!("invalid params {params_json}: {err} (written by another version of Bolide?)")
    })?;
    params.validate(analysis).map_err(|err| format!("invalid params: {err}"))?;
    Ok((analysis, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_jobs_are_read_strictly() {
        assert_eq!(read_job("hemispheres", "{}"), Ok((Analysis::Hemispheres, JobParams::default())));
        assert!(read_job("astrology", "{}").expect_err("refused").contains("astrology"));
        assert!(read_job("hemispheres", "{\"colour\":1}").expect_err("refused").contains("colour"));
        assert!(read_job("hemispheres", "{\"year_min\":3,\"year_max\":1}")
            .expect_err("refused")
            .contains("year_min"));
        assert!(read_job("hemispheres", "{\"n\":3}").expect_err("refused").contains("`n`"));
    }
}
