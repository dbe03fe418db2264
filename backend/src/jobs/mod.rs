//! Analysis jobs: the API records a request and answers at once, a
//! separate worker computes it from Redis, the API reports status and
//! results — the pattern the course is heading to, made reliable.
//!
//! # The pieces
//! - [`api`]: `/api/jobs` (submit, list, status, results, cancel/delete,
//!   workers); [`store`]: what those do in Redis, as one owner;
//! - [`worker`]: the loop of a worker (`bolide worker`, or inside `bolide
//!   serve`); [`run`]: running one job (progress, heartbeats, pace,
//!   cancellation); [`queue`]: reading the stream; [`registry`]: who is alive;
//! - [`transitions`]: every state change, one Lua script each
//!   (`scripts/*.lua`); [`keys`]: every key; [`record`]: a job's hash read
//!   back; [`config`]: the flags;
//! - [`analysis`]: the analyses themselves.
//!
//! # States
//! `queued → running → succeeded | failed | cancelled`; a running job whose
//! worker died goes back to `running` under another worker (attempts + 1),
//! or to `failed` after its maximum attempts; a worker that stops gracefully
//! hands its job back to `queued`. Each arrow is one script that reads the
//! job and changes it in one atomic step, with the time passed in by the
//! caller (Redis scripts should not read clocks of their own), and the
//! run-ending ones (`finish`, `fail`, `hand_back`, the heartbeat) act only
//! if the job is still running under *this* worker and *this* attempt. That
//! check is the whole safety argument: a worker paused past its visibility
//! timeout, then resumed, finds its run taken over and reports nothing; a
//! cancelled job refuses every later finish.
//!
//! # Why a stream with a consumer group (and not lists)
//! The other design would be `BLMOVE` from a queue list to a per-worker
//! processing list, plus a reaper that scans those lists for the jobs of
//! dead workers. Redis Streams already *are* that design, kept by Redis:
//!
//! - `XREADGROUP … >` hands each entry to exactly one worker of the group
//!   and records it in the group's pending entries list (PEL), with who has
//!   it and since when — the processing list, without our own bookkeeping;
//! - `XAUTOCLAIM … <visibility timeout>` is the reaper: any worker, in one
//!   command, takes over an entry nobody has touched for that long. No
//!   separate reaper process, no scan of every worker's list, no race
//!   between two reapers (the claim is atomic);
//! - a running job's heartbeat is `XCLAIM <entry> … JUSTID` to itself
//!   (inside the heartbeat script), which resets the entry's idle time: a
//!   job that takes an hour is never taken over while its worker lives, and
//!   one whose worker was `kill -9`ed is taken over one visibility timeout
//!   after its last heartbeat;
//! - the entry id is a timestamp a student can read (`XRANGE`, `XPENDING`,
//!   `XINFO GROUPS` show the queue's whole state), and the PEL, group and
//!   entries are persisted with everything else (AOF), so a Redis restart
//!   loses nothing: workers reconnect, and recreate the group if Redis came
//!   back empty (`NOGROUP`).
//!
//! An entry only says which job (`job <id> owner <owner>`); the job's state
//! lives in its hash, and an entry is deleted when its job ends. So the
//! stream holds only live work, and a stale or duplicate delivery (after a
//! hand-back, or a group re-created from the start of the stream) is
//! recognised by the `start` script and dropped.
//!
//! # Fair shares: one waiting job per owner in the stream
//! A consumer group hands out entries in stream order, so one owner who
//! queues twenty long jobs would make everyone behind them wait for all
//! twenty. Instead the stream holds at most one *waiting* entry per owner,
//! the owner's turn; the owner's other queued jobs wait in its held list,
//! without an entry, and the next one is appended to the stream when the
//! one before it stops waiting (a worker starts it, it is cancelled, found
//! gone). Workers still read one stream in order, which now goes round the
//! owners: a job waits behind at most one waiting job of every other owner
//! (plus the jobs already running), however many those owners queued — a
//! class's jobs are served round robin, and an owner alone still keeps
//! every worker busy (each start lets its next job in). The turn is kept by
//! the same scripts that change a job's state (`scripts/turns.lua` is put
//! in front of them), so it is never out of step with the jobs; a held job
//! whose owner lost its turn (a Redis restart without the turn key, a hand
//! edit) is given it by `reconcile`.
//!
//! # Delivery and failure
//! At least once, with the check above making the *effect* exactly once:
//! one result per job, whatever dies when. A job whose workers keep dying is
//! failed after `max_attempts` starts, with the reason. A job whose params
//! do not read (written by another version) fails at once; one whose data
//! changes under it finishes over whatever it read, or fails with the
//! analysis's error — never hangs. A run that loses Redis mid-way is handed
//! back (or, if Redis stays away, taken over after the visibility timeout).
//! A job whose entry is gone from the stream (`XDEL` by hand, a trim;
//! `XAUTOCLAIM` silently drops such entries) is found by the workers'
//! `reconcile` pass about once a visibility timeout and queued again, or
//! failed with the reason once its attempts are used up. A `finish` or
//! `fail` that Redis applied although its reply timed out is recognised on
//! retry as this run's own, not reported as a lost run.

pub mod analysis;
pub mod api;
pub mod config;
pub mod keys;
pub mod queue;
pub mod record;
pub mod registry;
mod run;
pub mod store;
pub mod transitions;
pub mod worker;

pub use api::router;
pub use config::{JobsConfig, WorkerOptions};

/// When a sandbox ends: its jobs (cancelled if unfinished) and results.
pub fn on_sandbox_end() -> crate::sandbox::ended::Cleanup {
    crate::sandbox::ended::cleanup(|mut ended| async move {
        let owner = ended.owner.owner.clone();
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(keys::owner_index(&owner))
            .arg(0)
            .arg(-1)
            .query_async(&mut ended.system)
            .await?;
        for id in ids {
            // Cancel first (a running job finishes as cancelled), then delete.
            for _ in 0..2 {
                if store::cancel_or_delete(&mut ended.system, &owner, &id).await.is_err() {
                    break;
                }
            }
            redis::pipe().del(keys::result(&id)).ignore().exec_async(&mut ended.system).await?;
        }
        redis::pipe()
            .del(keys::owner_index(&owner))
            .ignore()
            .del(keys::owner_active(&owner))
            .ignore()
            .del(keys::owner_held(&owner))
            .ignore()
            .del(keys::owner_turn(&owner))
            .ignore()
            .exec_async(&mut ended.system)
            .await?;
        Ok(())
    })
}
