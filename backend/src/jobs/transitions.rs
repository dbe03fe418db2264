//! Every change of a job's state: one small Lua script each
//! (`scripts/*.lua`, their header says their keys, arguments and replies),
//! run atomically by Redis, with the time passed in by the caller.
//!
//! Why scripts and not `MULTI`: each transition *reads* the job first and
//! decides (is it still running under this worker and this attempt? was it
//! cancelled?). `MULTI` cannot branch on what it reads, and `WATCH` retries
//! under contention; a script runs its check and its writes with nothing in
//! between, in one round trip. That check is what makes the queue safe:
//! two workers never both finish a job, a cancelled job is never reported
//! succeeded, and a worker that comes back from a long pause finds its run
//! taken over and stops.
//!
//! [`redis::Script`] sends `EVALSHA` and falls back to `EVAL` when Redis
//! does not know the script (after a restart), so nothing needs loading.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{RedisResult, Script};

use super::config::{millis, RECORD_TTL_FLOOR};
use super::keys;

static SUBMIT: LazyLock<Script> = LazyLock::new(|| with_turns(include_str!("scripts/submit.lua")));
static START: LazyLock<Script> = LazyLock::new(|| with_turns(include_str!("scripts/start.lua")));
static HEARTBEAT: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/heartbeat.lua")));
static FINISH: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/finish.lua")));
static FAIL: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/fail.lua")));
static CANCEL: LazyLock<Script> = LazyLock::new(|| with_turns(include_str!("scripts/cancel.lua")));
static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/delete.lua")));
static HAND_BACK: LazyLock<Script> = LazyLock::new(|| with_turns(include_str!("scripts/hand_back.lua")));
static RECONCILE: LazyLock<Script> = LazyLock::new(|| with_turns(include_str!("scripts/reconcile.lua")));

/// A script that takes turns between owners: `scripts/turns.lua`'s
/// functions put in front of it (Redis has no `require`).
fn with_turns(script: &str) -> Script {
    Script::new(&format!("{}\n{script}", include_str!("scripts/turns.lua")))
}

/// The prefix of every job's hash key, for the scripts that find jobs by
/// id in an owner's held list.
fn job_prefix() -> String {
    keys::job("")
}

/// Puts a job whose queue entry is gone back in the queue (or fails it,
/// attempts used up); see `scripts/reconcile.lua`. Its reply's first word.
pub async fn reconcile(
    conn: &mut impl ConnectionLike,
    owner: &str,
    job_id: &str,
    now: u64,
    visibility_timeout: Duration,
    force: bool,
) -> RedisResult<String> {
    let reply: Vec<String> = RECONCILE
        .key(keys::job(job_id))
        .key(keys::QUEUE)
        .key(keys::owner_active(owner))
        .key(keys::WORKING)
        .key(keys::owner_held(owner))
        .key(keys::owner_turn(owner))
        .arg(keys::GROUP)
        .arg(job_id)
        .arg(now)
        .arg(millis(visibility_timeout))
        .arg(millis(RECORD_TTL_FLOOR))
        .arg(if force { "1" } else { "0" })
        .arg(job_prefix())
        .invoke_async(conn)
        .await?;
    Ok(reply.into_iter().next().unwrap_or_default())
}

/// A new job, as the API records it.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub analysis: &'a str,
    pub params_json: &'a str,
    pub data_prefix: &'a str,
    pub now: u64,
    pub max_attempts: u32,
    pub result_ttl: Duration,
    /// 0: no limit.
    pub max_unfinished: u64,
    pub index_ttl: Duration,
    /// The client's `Idempotency-Key`, if it sent one.
    pub idempotency_key: Option<&'a str>,
}

/// What `submit` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Recorded and queued: under this stream entry, or (`None`) held until
    /// its owner's turn (`scripts/turns.lua`).
    Queued { entry: Option<String> },
    /// The id is taken (pick another).
    IdTaken,
    /// The owner has this many unfinished jobs already.
    Busy { unfinished: u64 },
    /// The idempotency key submitted this job already: nothing new.
    Repeat { job_id: String },
}

pub async fn submit(conn: &mut impl ConnectionLike, job: &NewJob<'_>) -> RedisResult<Submitted> {
    let reply: Vec<String> = SUBMIT
        .key(keys::job(job.id))
        .key(keys::owner_index(job.owner))
        .key(keys::owner_active(job.owner))
        .key(keys::QUEUE)
        .key(job.idempotency_key.map(|key| keys::idempotency(job.owner, key)).unwrap_or_default())
        .key(keys::owner_held(job.owner))
        .key(keys::owner_turn(job.owner))
        .arg(job.id)
        .arg(job.owner)
        .arg(job.analysis)
        .arg(job.params_json)
        .arg(job.data_prefix)
        .arg(job.now)
        .arg(job.max_attempts)
        .arg(millis(job.result_ttl))
        .arg(job.max_unfinished)
        .arg(millis(job.index_ttl))
        .arg(job_prefix())
        .invoke_async(conn)
        .await?;
    Ok(match reply.as_slice() {
        [queued, entry] if queued == "queued" => {
            Submitted::Queued { entry: Some(entry.clone()).filter(|entry| !entry.is_empty()) }
        }
        [busy, count] if busy == "busy" => Submitted::Busy { unfinished: count.parse().unwrap_or(0) },
        [repeat, id] if repeat == "repeat" => Submitted::Repeat { job_id: id.clone() },
        _ => Submitted::IdTaken,
    })
}

/// A queue entry delivered to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The stream entry id.
    pub entry: String,
    pub job_id: String,
    pub owner: String,
}

/// One run of a job by one worker: what every later transition of that
/// run names, so Redis can refuse it once the run is no longer current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub delivery: Delivery,
    pub worker: String,
    /// 1 for the first run.
    pub attempt: u32,
}

/// What `start` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Running now under this worker: the job's stored fields, as written.
    Started { lease: Lease, analysis: String, params_json: String, data_prefix: String },
    /// Running under another worker that is alive: leave the entry pending.
    Busy { worker: String },
    /// Its workers died `attempts` times: now failed.
    Exhausted { attempts: u32 },
    /// Nothing to run (the entry is acknowledged).
    Skipped { why: String },
}

pub async fn start(
    conn: &mut impl ConnectionLike,
    delivery: &Delivery,
    worker: &str,
    now: u64,
    visibility_timeout: Duration,
) -> RedisResult<Claim> {
    let reply: Vec<String> = START
        .key(keys::job(&delivery.job_id))
        .key(keys::QUEUE)
        .key(keys::owner_active(&delivery.owner))
        .key(keys::WORKING)
        .key(keys::owner_held(&delivery.owner))
        .key(keys::owner_turn(&delivery.owner))
        .arg(keys::GROUP)
        .arg(&delivery.entry)
        .arg(worker)
        .arg(&delivery.job_id)
        .arg(now)
        .arg(millis(visibility_timeout))
        .arg(millis(RECORD_TTL_FLOOR))
        .arg(&delivery.owner)
        .arg(job_prefix())
        .invoke_async(conn)
        .await?;
    let mut reply = reply.into_iter();
    let outcome = reply.next().unwrap_or_default();
    let mut next = || reply.next().unwrap_or_default();
    Ok(match outcome.as_str() {
        "started" => {
            let attempt = next().parse().unwrap_or(1);
            Claim::Started {
                lease: Lease { delivery: delivery.clone(), worker: worker.to_string(), attempt },
                analysis: next(),
                params_json: next(),
                data_prefix: next(),
            }
        }
        "busy" => Claim::Busy { worker: next() },
        "exhausted" => Claim::Exhausted { attempts: next().parse().unwrap_or(0) },
        _ => Claim::Skipped { why: next() },
    })
}

/// What Redis said to a running job's worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Done (or, for a heartbeat: carry on).
    Ok,
    /// The owner cancelled the job: stop, report nothing.
    Cancelled,
    /// The run is not current any more (another worker took it over, or the
    /// job is gone): stop, report nothing. Holds the job's status.
    Lost(String),
}

fn verdict(reply: &[String]) -> Verdict {
    match reply.first().map(String::as_str) {
        Some("ok") => Verdict::Ok,
        Some("cancelled") => Verdict::Cancelled,
        Some(status) => Verdict::Lost(status.to_string()),
        None => Verdict::Lost("gone".into()),
    }
}

/// Progress (0–99) and "still alive"; keeps the entry from being taken over.
pub async fn heartbeat(
    conn: &mut impl ConnectionLike,
    lease: &Lease,
    progress: u8,
    now: u64,
) -> RedisResult<Verdict> {
    let reply: Vec<String> = HEARTBEAT
        .key(keys::job(&lease.delivery.job_id))
        .key(keys::QUEUE)
        .key(keys::WORKERS)
        .arg(keys::GROUP)
        .arg(&lease.delivery.entry)
        .arg(&lease.worker)
        .arg(lease.attempt)
        .arg(now)
        .arg(progress)
        .invoke_async(conn)
        .await?;
    Ok(verdict(&reply))
}

/// Stores the result (`JobResults` JSON) and marks the job succeeded.
pub async fn finish(
    conn: &mut impl ConnectionLike,
    lease: &Lease,
    result_json: &str,
    now: u64,
) -> RedisResult<Verdict> {
    let id = &lease.delivery.job_id;
    let reply: Vec<String> = FINISH
        .key(keys::job(id))
        .key(keys::result(id))
        .key(keys::QUEUE)
        .key(keys::owner_active(&lease.delivery.owner))
        .key(keys::WORKING)
        .arg(keys::GROUP)
        .arg(&lease.delivery.entry)
        .arg(&lease.worker)
        .arg(lease.attempt)
        .arg(now)
        .arg(id)
        .arg(result_json)
        .arg(millis(RECORD_TTL_FLOOR))
        .invoke_async(conn)
        .await?;
    Ok(verdict(&reply))
}

/// Marks the job failed with `reason`.
pub async fn fail(
    conn: &mut impl ConnectionLike,
    lease: &Lease,
    reason: &str,
    now: u64,
) -> RedisResult<Verdict> {
    let id = &lease.delivery.job_id;
    let reply: Vec<String> = FAIL
        .key(keys::job(id))
        .key(keys::QUEUE)
        .key(keys::owner_active(&lease.delivery.owner))
        .key(keys::WORKING)
        .arg(keys::GROUP)
        .arg(&lease.delivery.entry)
        .arg(&lease.worker)
        .arg(lease.attempt)
        .arg(now)
        .arg(id)
        .arg(reason)
        .arg(millis(RECORD_TTL_FLOOR))
        .invoke_async(conn)
        .await?;
    Ok(verdict(&reply))
}

/// Returns the job to the queue (a new entry; this run is not counted).
pub async fn hand_back(conn: &mut impl ConnectionLike, lease: &Lease) -> RedisResult<Verdict> {
    let id = &lease.delivery.job_id;
    let reply: Vec<String> = HAND_BACK
        .key(keys::job(id))
        .key(keys::QUEUE)
        .key(keys::WORKING)
        .key(keys::owner_held(&lease.delivery.owner))
        .key(keys::owner_turn(&lease.delivery.owner))
        .arg(keys::GROUP)
        .arg(&lease.delivery.entry)
        .arg(&lease.worker)
        .arg(lease.attempt)
        .arg(id)
        .arg(job_prefix())
        .invoke_async(conn)
        .await?;
    Ok(match reply.first().map(String::as_str) {
        Some("queued") => Verdict::Ok,
        _ => verdict(&reply),
    })
}

/// What `cancel` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancelled {
    /// Was queued or running (the status it had), is cancelled now.
    Cancelled { was: String },
    /// Already finished with this status: nothing changed.
    Finished { status: String },
    /// No such job of this owner.
    NotFound,
}

pub async fn cancel(
    conn: &mut impl ConnectionLike,
    owner: &str,
    id: &str,
    now: u64,
) -> RedisResult<Cancelled> {
    let reply: Vec<String> = CANCEL
        .key(keys::job(id))
        .key(keys::QUEUE)
        .key(keys::owner_active(owner))
        .key(keys::WORKING)
        .key(keys::owner_held(owner))
        .key(keys::owner_turn(owner))
        .arg(keys::GROUP)
        .arg(owner)
        .arg(id)
        .arg(now)
        .arg(millis(RECORD_TTL_FLOOR))
        .arg(job_prefix())
        .invoke_async(conn)
        .await?;
    Ok(match reply.as_slice() {
        [outcome, was] if outcome == "cancelled" => Cancelled::Cancelled { was: was.clone() },
        [outcome, status] if outcome == "finished" => Cancelled::Finished { status: status.clone() },
        _ => Cancelled::NotFound,
    })
}

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Still queued or running: nothing changed.
    Unfinished,
    NotFound,
}

pub async fn delete(conn: &mut impl ConnectionLike, owner: &str, id: &str) -> RedisResult<Deleted> {
    let reply: Vec<String> = DELETE
        .key(keys::job(id))
        .key(keys::result(id))
        .key(keys::owner_index(owner))
        .key(keys::owner_active(owner))
        .arg(owner)
        .arg(id)
        .invoke_async(conn)
        .await?;
    Ok(match reply.first().map(String::as_str) {
        Some("deleted") => Deleted::Deleted,
        Some("unfinished") => Deleted::Unfinished,
        _ => Deleted::NotFound,
    })
}
