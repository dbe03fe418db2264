//! The API's side of the job system: record a job, read jobs and results
//! back, cancel or delete — always as one owner, who sees only their own
//! jobs (a job of another owner is "not found", never "forbidden": its
//! existence is not the caller's business).

use std::time::Duration;

use bolide_shared::jobs::{Job, JobList, JobRequest, JobStatus, Workers};

use super::config::JobsConfig;
use super::keys;
use super::record::{self, job_from_fields, Fields};
use super::registry;
use super::transitions::{self, Cancelled, Deleted, NewJob, Submitted};
use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::clock::now_ms;
use crate::sandbox::Owner;

/// What [`submit`] did.
#[derive(Debug)]
pub enum Submission {
    /// A new job, queued.
    New(Box<Job>),
    /// The idempotency key had submitted this job already (as it is now).
    Repeat(Box<Job>),
}

/// Records and queues a job for `scope`'s owner; the job as the API shows
/// it. With an `idempotency_key` the owner used before (within the result
/// TTL) for the same request, nothing is recorded: the first job is the
/// answer; for another request, a `409`.
pub async fn submit(
    conn: &mut Connection,
    config: &JobsConfig,
    scope: &Owner,
    request: &JobRequest,
    idempotency_key: Option<&str>,
) -> Result<Submission, AppError> {
    let params_json = serde_json::to_string(&request.params)
        .map_err(|err| AppError::Internal(format!("params do not encode: {err}")))?;
    let now = now_ms();
    // 64 random bits: a collision is next to impossible, but cheap to handle.
    for _ in 0..4 {
        let id = keys::new_job_id().map_err(|err| AppError::Internal(format!("no randomness: {err}")))?;
        let job = NewJob {
            id: &id,
            owner: &scope.owner,
            analysis: request.analysis.name(),
            params_json: &params_json,
            data_prefix: &scope.data_prefix,
            now,
            max_attempts: config.max_attempts,
            result_ttl: config.result_ttl,
            max_unfinished: config.max_unfinished_per_owner,
            index_ttl: config.record_ttl(),
            idempotency_key,
        };
        match transitions::submit(conn, &job).await? {
            Submitted::Queued { entry } => {
                if let Err(err) = trim(conn, config, &scope.owner).await {
                    tracing::warn!(%err, "could not drop an owner's oldest jobs");
                }
                return Ok(Submission::New(Box::new(Job {
                    analysis: request.analysis,
                    params: request.params.clone(),
                    status: JobStatus::Queued,
                    progress: 0,
                    queued_at: now,
                    started_at: None,
                    finished_at: None,
                    worker: None,
                    attempts: 0,
                    max_attempts: config.max_attempts,
                    error: None,
                    result_expires_at: None,
                    redis: record::job_redis(&id, JobStatus::Queued, entry.as_deref()),
                    id,
                })));
            }
            Submitted::IdTaken => continue,
            Submitted::Repeat { job_id } => match get(conn, &scope.owner, &job_id).await? {
                Some(job) if job.analysis == request.analysis && job.params == request.params => {
                    return Ok(Submission::Repeat(Box::new(job)));
                }
                Some(job) => {
                    return Err(AppError::Conflict(format!(
                        "this Idempotency-Key was used for another request (job {}, {}); use a new key \
                         for a new job",
                        job.id,
                        job.analysis.name()
                    )))
                }
                None => {
                    // Its job was deleted since: the key may submit anew.
                    let key = keys::idempotency(&scope.owner, idempotency_key.unwrap_or_default());
                    redis::cmd("DEL").arg(key).exec_async(conn).await?;
                }
            },
            Submitted::Busy { unfinished } => {
                return Err(AppError::RateLimited {
                    message: format!(
                        "you have {unfinished} unfinished jobs, the most allowed at once: \
                         wait for some to finish, or cancel some"
                    ),
                    retry_after: Duration::from_secs(1),
                })
            }
        }
    }
    Err(AppError::Internal("could not find a free job id".into()))
}

/// Keeps the owner's list at most `max_kept_per_owner` long by deleting
/// the oldest finished jobs (unfinished ones are never dropped).
async fn trim(conn: &mut Connection, config: &JobsConfig, owner: &str) -> Result<(), AppError> {
    let index = keys::owner_index(owner);
    let total: u64 = redis::cmd("ZCARD").arg(&index).query_async(conn).await?;
    let excess = total.saturating_sub(config.max_kept_per_owner);
    if excess == 0 {
        return Ok(());
    }
    // Look a little past the excess, in case some of the oldest still run.
    let oldest: Vec<String> =
        redis::cmd("ZRANGE").arg(&index).arg(0).arg(excess + 20).query_async(conn).await?;
    let mut dropped = 0;
    for id in oldest {
        if dropped >= excess {
            break;
        }
        if transitions::delete(conn, owner, &id).await? != Deleted::Unfinished {
            dropped += 1;
        }
    }
    Ok(())
}

/// The owner's job `id`, if there is one.
///
/// A job `running` under a worker silent for longer than the visibility
/// timeout its run started with is never shown so: it is put back in the
/// queue (or failed, attempts used up) first, as a worker would.
pub async fn get(conn: &mut Connection, owner: &str, id: &str) -> Result<Option<Job>, AppError> {
    let fields: Fields = redis::cmd("HGETALL").arg(keys::job(id)).query_async(conn).await?;
    let number = |name: &str| fields.get(name).and_then(|v| v.parse::<u64>().ok());
    let silent_for = now_ms().saturating_sub(number("heartbeat_at").unwrap_or(u64::MAX));
    let stale = fields.get("status").map(String::as_str) == Some("running")
        && fields.get("owner").map(String::as_str) == Some(owner)
        && number("visibility_ms").is_some_and(|visibility| silent_for >= visibility);
    if stale {
        let visibility = Duration::from_millis(number("visibility_ms").unwrap_or_default());
        transitions::reconcile(conn, owner, id, now_ms(), visibility, true).await?;
        let fields: Fields = redis::cmd("HGETALL").arg(keys::job(id)).query_async(conn).await?;
        return owned_job(&fields, owner);
    }
    owned_job(&fields, owner)
}

fn owned_job(fields: &Fields, owner: &str) -> Result<Option<Job>, AppError> {
    if fields.get("owner").map(String::as_str) != Some(owner) {
        return Ok(None);
    }
    job_from_fields(fields).map(Some).map_err(AppError::Internal)
}

/// A page of the owner's jobs, newest first (`page` from 1).
pub async fn list(conn: &mut Connection, owner: &str, page: usize, size: usize) -> Result<JobList, AppError> {
    let index = keys::owner_index(owner);
    let start = page.saturating_sub(1).saturating_mul(size);
    let stop = start.saturating_add(size).saturating_sub(1);
    let mut pipe = redis::pipe();
    pipe.cmd("ZCARD").arg(&index).cmd("ZRANGE").arg(&index).arg(start).arg(stop).arg("REV");
    registry::count_alive(&mut pipe, now_ms());
    let (total, ids, workers_alive): (u64, Vec<String>, u32) = pipe.query_async(conn).await?;
    let mut items = Vec::with_capacity(ids.len());
    let mut expired = Vec::new();
    if !ids.is_empty() {
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HGETALL").arg(keys::job(id));
        }
        let records: Vec<Fields> = pipe.query_async(conn).await?;
        for (id, fields) in ids.iter().zip(&records) {
            if fields.is_empty() {
                expired.push(id.as_str());
                continue;
            }
            match owned_job(fields, owner) {
                Ok(Some(job)) => items.push(job),
                Ok(None) => {}
                // One unreadable record must not hide the others.
                Err(err) => tracing::warn!(%err, "skipping an unreadable job record"),
            }
        }
    }
    if !expired.is_empty() {
        redis::cmd("ZREM").arg(&index).arg(&expired).exec_async(conn).await?;
    }
    let total = total.saturating_sub(expired.len() as u64);
    Ok(JobList { items, total, page, size, workers_alive })
}

/// The stored result of the owner's job `id` (its `JobResults` JSON, as the
/// worker wrote it), or why there is none.
pub async fn results(conn: &mut Connection, owner: &str, id: &str) -> Result<Vec<u8>, AppError> {
    let (fields, result): (Fields, Option<Vec<u8>>) = redis::pipe()
        .cmd("HGETALL")
        .arg(keys::job(id))
        .cmd("GET")
        .arg(keys::result(id))
        .query_async(conn)
        .await?;
    let Some(job) = owned_job(&fields, owner)? else {
        return Err(not_found(id));
    };
    match (job.status, result) {
        (JobStatus::Succeeded, Some(result)) => Ok(result),
        (JobStatus::Succeeded, None) => {
            let kept = fields.get("result_ttl_ms").and_then(|ms| ms.parse().ok()).map_or_else(
                || "for a limited time".to_string(),
                |ms| format!("for {}", human_duration(Duration::from_millis(ms))),
            );
            Err(AppError::NotFound(format!(
                "the result of job {id} has expired (results are kept {kept}); submit the job again"
            )))
        }
        (JobStatus::Queued | JobStatus::Running, _) => Err(AppError::NotFound(format!(
            "job {id} has no result yet: it is {} ({} %)",
            job.status.name(),
            job.progress
        ))),
        (JobStatus::Failed | JobStatus::Cancelled, _) => Err(AppError::Conflict(format!(
            "job {id} {} and has no result: {}",
            job.status.name(),
            job.error.as_deref().unwrap_or("no reason given")
        ))),
    }
}

/// Cancels the owner's job `id` (`POST /api/jobs/{id}/cancel`) — only if it
/// is still queued or running. A job that finished first is left as it is,
/// result and all: a `409` saying how it ended, so a Cancel clicked a
/// moment too late never deletes anything.
pub async fn cancel(conn: &mut Connection, owner: &str, id: &str) -> Result<Job, AppError> {
    match transitions::cancel(conn, owner, id, now_ms()).await? {
        Cancelled::Cancelled { .. } => get(conn, owner, id).await?.ok_or_else(|| not_found(id)),
        Cancelled::Finished { status } => Err(AppError::Conflict(format!(
            "job {id} had already finished ({status}) before it could be cancelled: nothing was changed, and \
             its result is kept"
        ))),
        Cancelled::NotFound => Err(not_found(id)),
    }
}

/// What `DELETE /api/jobs/{id}` did.
#[derive(Debug)]
pub enum Removal {
    /// It was queued or running: now cancelled.
    Cancelled(Box<Job>),
    /// It was finished: now deleted, with its result.
    Deleted,
}

/// Cancels the owner's job `id` if it is queued or running, else deletes it.
pub async fn cancel_or_delete(conn: &mut Connection, owner: &str, id: &str) -> Result<Removal, AppError> {
    match transitions::cancel(conn, owner, id, now_ms()).await? {
        Cancelled::Cancelled { .. } => match get(conn, owner, id).await? {
            Some(job) => Ok(Removal::Cancelled(Box::new(job))),
            None => Err(not_found(id)),
        },
        Cancelled::Finished { .. } => match transitions::delete(conn, owner, id).await? {
            Deleted::Deleted => Ok(Removal::Deleted),
            Deleted::NotFound => Err(not_found(id)),
            Deleted::Unfinished => Err(AppError::Conflict(format!("job {id} changed meanwhile; try again"))),
        },
        Cancelled::NotFound => Err(not_found(id)),
    }
}

/// The workers alive now; what each runs is shown only when it is the
/// owner's job (another session's job ids are not the caller's business).
pub async fn workers(conn: &mut Connection, owner: &str) -> Result<Workers, AppError> {
    let mut workers = registry::alive(conn, now_ms()).await?;
    let running: Vec<&str> = workers.workers.iter().filter_map(|w| w.job.as_deref()).collect();
    if running.is_empty() {
        return Ok(workers);
    }
    let mut pipe = redis::pipe();
    for id in &running {
        pipe.cmd("HGET").arg(keys::job(id)).arg("owner");
    }
    let owners: Vec<Option<String>> = pipe.query_async(conn).await?;
    let mut owners = owners.into_iter();
    for worker in &mut workers.workers {
        if worker.job.is_some() && owners.next().flatten().as_deref() != Some(owner) {
            worker.job = None;
        }
    }
    Ok(workers)
}

pub fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no job {id} (finished jobs are forgotten after a while)"))
}

/// `24 h`, `90 min`, `45 s`, `500 ms`.
fn human_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    match ms {
        ms if ms >= 3_600_000 && ms % 3_600_000 == 0 => format!("{} h", ms / 3_600_000),
        ms if ms >= 60_000 && ms % 60_000 == 0 => format!("{} min", ms / 60_000),
        ms if ms >= 1000 && ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_secs(86_400)), "24 h");
        assert_eq!(human_duration(Duration::from_secs(5400)), "90 min");
        assert_eq!(human_duration(Duration::from_secs(45)), "45 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1500 ms");
    }
}
