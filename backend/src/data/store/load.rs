//! Replacing a whole dataset (a load). Rebuilding its indexes from the
//! hashes as they are, and removing its bookkeeping, are
//! [`super::reindex`]'s.
//!
//! A load is one `MULTI`/`EXEC` on a connection of its own
//! ([`super::stream`]): in database 0, for each batch of landings an
//! `UNLINK` of their keys (so every new record is exactly the file's, not
//! merged into what a student made under its name) and one `HSET` per
//! landing; then the `UNLINK` of the old records the new set does not
//! overwrite, `SELECT 15`, `UNLINK` the old indexes, write the new ones
//! ([`super::indexes`]) and the file's description, `INCR` the version,
//! `SELECT 0`, `EXEC`. Redis queues the commands as they arrive and runs
//! them all at `EXEC` without interleaving any other client's, which is
//! what makes the swap atomic; a refused transaction (out of memory, say)
//! changes nothing.
//!
//! **A file is checked while it is sent.** [`load_file_bytes`] parses the
//! file on one thread ([`source::parse_in_batches`]), which hands every
//! 512 checked landings, as commands, to a writer thread that sends
//! them at once. Only a file that is good to its end gets the
//! transaction's end and `EXEC`; one whose problem shows at its 40,000th
//! record (a duplicate id, a file cut off) gets a `DISCARD` of what was
//! queued, and the same 400 as if nothing had been sent. [`replace`] (a
//! generated set, or the empty one that deletes) uses the same writer.
//!
//! **Speed.** Timed by `bench/src/bin/load.rs` against `redis-cli --pipe`
//! of the bare hashes, on the 2-core development machine. NASA's JSON
//! (45,716 landings) loads in 250–280 ms against 145–157 ms for the pipe
//! (ratio 1.6–1.9, best of seven; single runs up to ~2.2 when the machine
//! is busy), where parsing first and then sending cost 2.3–2.4 times the
//! pipe. Where the time goes: the parse and check (~50 ms alone, 60–90 ms
//! here beside Redis) runs while Redis reads and queues the records; the
//! indexes (~20 ms on three threads) and their commands (~10 ms) need the
//! whole file, so they follow it, while Redis reads what is left; then
//! `EXEC` runs everything (~130 ms, Redis alone: the `HSET`s are ~75 of
//! it), and the ~92,000 replies are read (~5 ms). So this design's floor
//! is parse + indexes + `EXEC`: about 1.6 times the pipe. The commands are
//! written as RESP bytes straight from the landings (a `redis::Cmd` per
//! landing, then a pipeline, cost as long as the parse), and the writer is
//! a blocking connection on a thread of its own, so the parser only waits
//! when it is 32 MiB of commands ahead of Redis (NASA's are 18 MB in all).
//!
//! Staging the records in database 15 outside the transaction and
//! `MOVE`-ing them in at `EXEC` was measured too: `EXEC` fell to ~40 ms,
//! but the load did not get faster — Redis then runs the `HSET`s and the
//! moves before `EXEC` instead — and it needs a crash cleanup, so it was
//! left out.
//!
//! Two loads of the same owner would each read the old set's ids and then
//! delete them: the second would miss the first's records. So a load holds
//! the owner's `lock` and a second one is refused with a 409 while it runs.
//! The lock is a [`Lease`] of [`LOCK_LEASE`], renewed while the load works
//! and fenced by its random token: after any crash (Bolide killed mid-load,
//! Redis restarted with the lock in its AOF) the next load can start within
//! a few seconds. A load whose lease expired under it (paused, or cut off
//! from Redis, past it) sends no `EXEC`: its transaction is discarded.
//!
//! **Within the sandbox's quota** (shared mode, [`super::budget`]): the
//! parser adds up each landing's estimated bytes as it goes, and once the
//! whole file is good and the old set's size is known, the load reserves
//! what it adds (its estimate minus what the old records hold) in the
//! sandbox's count before it sends the transaction's end. No room: no end,
//! the writer discards what was queued, and the answer is a `413` naming
//! the quota. A file that could not fit even an empty sandbox stops sending
//! records as soon as its estimate passes the quota, so Redis never queues
//! much more than a quota's worth for it. [`replace`] (a generated set)
//! reserves the same way before it sends anything.
//!
//! **A stalled Redis costs seconds, not a hung request.** Every command of
//! a load but its `EXEC` gets [`STALL_TIMEOUT`] to be taken and answered:
//! a Redis stopped (`SIGSTOP`) mid-load ends the load with a `503` that
//! says nothing was changed (the writer's connection closes, so Redis
//! discards the transaction when it resumes), and the lock, whose renewals
//! fail meanwhile, is released or lapses within its lease.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::task::JoinHandle;

use super::budget;
use super::indexes::{Indexes, CHUNK};
use super::layout::{category_values, dataset_keys};
use super::stream::{self, Outcome, Part, Resp};
use super::{private_connection, LoadReport, Owner, PrivateConnections};
use crate::console::cost::Encodings;
use crate::data::source::{self, LoadError};
use crate::data::{Dataset, Format, Landing, Shape};
use crate::error::AppError;
use crate::lease::Lease;
use crate::sandbox::quota::Quota;
use crate::sandbox::SYSTEM_DB;

/// How long the owner's lock outlives a load that stopped renewing it.
pub const LOCK_LEASE: Duration = Duration::from_secs(5);
/// Reply timeout of the lock's own connection.
const LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// The owner's load lock, held (see the module docs).
pub(super) type LoadLock = Lease<MultiplexedConnection>;
/// The longest a load waits for Redis to take a write or answer a
/// command, but for its `EXEC` ([`stream::exec_timeout`]): a Redis stopped
/// or stalled ends the load within seconds, with nothing changed (see
/// [`super::stream`]).
pub(super) const STALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Landings per part of the stream: about 150 KB of commands for NASA's,
/// large enough that a part costs the writer one `write` call, small
/// enough that Redis gets the first ones within a millisecond of parsing.
const BATCH: usize = 512;
/// Parts the parser may be ahead of Redis (about 20 MB of NASA-like
/// commands: more than all of NASA's file). It rarely waits, so it finishes
/// and computes the indexes while Redis is still reading the records.
const PARTS_AHEAD: usize = 128;
/// The most bytes of commands in one part of records (but one landing):
/// with [`PARTS_AHEAD`], at most 32 MiB wait for Redis, whatever the file
/// (a CSV of long column names and one-letter cells makes 100 times its own
/// size in commands).
const PART_BYTES: usize = 256 * 1024;
/// Bytes of index commands per part of the transaction's end.
const INDEX_PART_BYTES: usize = 256 * 1024;

/// Why a file was not loaded: its own problem (a 400 naming the record),
/// or Redis's (unavailable, refusing, another load running).
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    #[error("{0}")]
    File(LoadError),
    #[error("{0}")]
    Store(AppError),
}

impl From<LoadFailure> for AppError {
    fn from(failure: LoadFailure) -> Self {
        match failure {
            LoadFailure::File(err) => AppError::BadRequest { code: "bad_file", message: err.to_string() },
            LoadFailure::Store(err) => err,
        }
    }
}

/// What the old dataset owns, read under the lock before the transaction.
struct OldSet {
    ids: Vec<String>,
    /// Its categories' values (the sets to remove), see [`dataset_keys`].
    values: Vec<Vec<String>>,
    /// Bytes its records hold now ([`budget::held`]; 0 without a quota).
    held: u64,
    /// True once the load's lock expired under it: no `EXEC` then.
    lost: Arc<AtomicBool>,
}

/// A file parsed whole, and the source name the report gives it.
type Parsed = (Dataset, String);

/// What the parser answers for a good file: the file, and whether it sent
/// the transaction's end (or why not: no room in the quota, a lost lock).
type Produced = (Parsed, Result<(), AppError>);

/// What a load does about the quota, given its estimate and the old set's
/// bytes: reserves what it adds, or says why not (`Ok` without a quota).
fn approve(quota: Option<Quota>) -> impl FnOnce(u64, u64, u64) -> Result<(), AppError> + Send + 'static {
    let handle = tokio::runtime::Handle::current();
    move |needed, held, records| match quota {
        // Called on the parser's (blocking) thread, which may wait here.
        Some(quota) => handle.block_on(quota.reserve("this load", needed.saturating_sub(held), records)),
        None => Ok(()),
    }
}

/// Parses a file (see [`source::parse`]) and replaces `scope`'s dataset with
/// it, atomically, sending the landings to Redis while the rest of the file
/// is still being read (see the module docs). `name` names the source for
/// the report and `meta`, given the shape found.
///
/// A file's problem is a [`LoadFailure::File`] whenever the file has one,
/// whatever else went wrong: as when files were parsed before Redis was
/// touched. Refuses (409) while another load of the same owner runs. The
/// report's `millis` counts the parse, which overlaps the sending.
pub async fn load_file_bytes<B>(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    bytes: B,
    hint: Option<Format>,
    name: impl FnOnce(Shape) -> String + Send + 'static,
) -> Result<LoadReport, LoadFailure>
where
    B: AsRef<[u8]> + Send + 'static,
{
    load_file_within(base, scope, None, bytes, hint, name).await
}

/// [`load_file_bytes`] within a sandbox's `quota` (`None`: unlimited): a
/// file that does not fit is refused (413) with nothing changed (see the
/// module docs).
pub async fn load_file_within<B>(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    quota: Option<Quota>,
    bytes: B,
    hint: Option<Format>,
    name: impl FnOnce(Shape) -> String + Send + 'static,
) -> Result<LoadReport, LoadFailure>
where
    B: AsRef<[u8]> + Send + 'static,
{
    let started = Instant::now();
    let (parts, queued) = mpsc::sync_channel(PARTS_AHEAD);
    let (old_sender, old) = mpsc::sync_channel(1);
    // Parsing starts at once; the lock and the old set's ids are read
    // meanwhile (its first parts wait in the channel for the writer).
    let measure = quota.is_some();
    let parser = {
        let scope = scope.clone();
        let limit = quota.as_ref().map(|quota| (quota.max_bytes(), *quota.encodings()));
        let approve = approve(quota);
        tokio::task::spawn_blocking(move || {
            produce(bytes.as_ref(), hint, &scope, &parts, old, name, limit, approve)
        })
    };
    let base_url = base.base_url();
    let locked = async {
        let mut conn = private_connection(base, STALL_TIMEOUT).await?;
        let lock = lock(&mut conn, base_url, scope).await?;
        Ok::<_, AppError>((conn, lock))
    }
    .await;
    let (mut conn, lock) = match locked {
        Ok(locked) => locked,
        Err(err) => {
            drop((old_sender, queued));
            return Err(file_first(parser, err).await);
        }
    };
    let result =
        stream_file(&mut conn, base_url, scope, parser, old_sender, queued, lock.lost_flag(), measure).await;
    lock.release().await;
    let ((dataset, source_name), replaced) = result?;
    Ok(report(started, &dataset, replaced, &source_name))
}

/// The parser's side of a file's load: parses `bytes`, handing every
/// [`BATCH`] landings to the writer as commands; once the whole file is
/// good, computes the indexes and (once the old set is known) sends the
/// transaction's end — once `approve` (given the file's estimated bytes,
/// the old records' and the file's count) let it. A bad file's answer is
/// its error, and no end: the writer then discards what it queued. Past
/// `limit` estimated bytes (on the server of its encodings) no more
/// records are sent (the file can never fit then).
#[allow(clippy::too_many_arguments)]
fn produce(
    bytes: &[u8],
    hint: Option<Format>,
    scope: &Owner,
    parts: &SyncSender<Part>,
    old: Receiver<OldSet>,
    name: impl FnOnce(Shape) -> String,
    limit: Option<(u64, Encodings)>,
    approve: impl FnOnce(u64, u64, u64) -> Result<(), AppError>,
) -> Result<Produced, LoadError> {
    let key_prefix = scope.record_key("");
    let records = parts.clone();
    let estimate = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = estimate.clone();
    let dataset = source::parse_in_batches(bytes, hint, BATCH, move |landings| {
        let Some((limit, encodings)) = limit else {
            return send_records(&key_prefix, landings, &mut |part| {
                // A writer that failed reads no more; the parse goes on all
                // the same, for its verdict on the file.
                let _ = records.send(part);
            });
        };
        let batch: u64 = landings.iter().map(|l| budget::landing_bytes(&encodings, &key_prefix, l)).sum();
        if counted.fetch_add(batch, Ordering::Relaxed) + batch <= limit {
            send_records(&key_prefix, landings, &mut |part| {
                let _ = records.send(part);
            });
        }
    })?;
    let estimate = estimate.load(Ordering::Relaxed);
    let source_name = name(dataset.shape);
    let landings = &dataset;
    let ended = std::thread::scope(|threads| {
        // Which old records go, beside the indexes (no old set: the load
        // failed before its transaction was written).
        let gone =
            threads.spawn(move || old.recv().ok().map(|old| (gone_records(scope, landings, &old), old)));
        let indexes = Indexes::of(landings);
        match gone.join() {
            Ok(Some((gone, old))) => {
                approve(estimate, old.held, landings.len() as u64)?;
                finish(
                    scope,
                    landings,
                    &indexes,
                    &old.values,
                    &source_name,
                    gone,
                    &mut |part| {
                        // As above: the writer's failure is its own answer.
                        let _ = parts.send(part);
                    },
                    &old.lost,
                )
            }
            Ok(None) => Ok(()),
            Err(_) => Err(AppError::Internal("listing the old records failed".into())),
        }
    });
    // No end sent (an error): the writer discards, and the load answers it.
    Ok(((dataset, source_name), ended))
}

/// With the lock held: reads the old set (and, to `measure` it for the
/// quota, what its records hold), starts the writer, and waits for both
/// sides. Answers the parsed file and how many old records went.
#[allow(clippy::too_many_arguments)]
async fn stream_file(
    conn: &mut MultiplexedConnection,
    base_url: &str,
    scope: &Owner,
    parser: JoinHandle<Result<Produced, LoadError>>,
    old_sender: SyncSender<OldSet>,
    queued: Receiver<Part>,
    lost: Arc<AtomicBool>,
    measure: bool,
) -> Result<(Parsed, u64), LoadFailure> {
    let fence = lost.clone();
    let old = match read_old(conn, scope, lost, measure).await {
        Ok(old) => old,
        Err(err) => {
            drop((old_sender, queued));
            return Err(file_first(parser, err).await);
        }
    };
    if parser.is_finished() {
        // Before its old set came: the file is bad (or the parser died).
        // No transaction to open, then.
        drop((old_sender, queued));
        let died = AppError::Internal("the parser stopped without an answer".into());
        return Err(file_first(parser, died).await);
    }
    let replaced = old.ids.len() as u64;
    let url = format!("{base_url}/0");
    let writer = tokio::task::spawn_blocking(move || stream::write(&url, queued, STALL_TIMEOUT));
    // The parser may have stopped at a bad file already, and gone.
    let _ = old_sender.send(old);
    drop(old_sender);
    let parsed = parser.await;
    // Also after a bad file: its answer waits until Redis has discarded
    // what was queued.
    let written = writer.await.map_err(|err| AppError::Internal(format!("the load's writer failed: {err}")));
    let parsed = match parsed {
        Ok(Ok((parsed, Ok(())))) => parsed,
        // Refused at its end (no room in the quota, a lost lock): the writer
        // discarded what was queued.
        Ok(Ok((_, Err(ended)))) => return Err(LoadFailure::Store(ended)),
        Ok(Err(file)) => return Err(LoadFailure::File(file)),
        Err(err) => return Err(LoadFailure::Store(AppError::Internal(format!("parser task failed: {err}")))),
    };
    match written.and_then(|outcome| outcome).map_err(LoadFailure::Store)? {
        Outcome::Committed => Ok((parsed, replaced)),
        Outcome::Discarded if fence.load(Ordering::SeqCst) => Err(LoadFailure::Store(AppError::Conflict(
            "the load lost its lock (it was paused or cut off from Redis for longer than the lock's lease); \
             nothing was changed: load again"
                .into(),
        ))),
        Outcome::Discarded => {
            Err(LoadFailure::Store(AppError::Internal("the load's transaction was not committed".into())))
        }
    }
}

/// A load that failed before its transaction was written: the file's own
/// problem, if it has one, else `err`.
async fn file_first(parser: JoinHandle<Result<Produced, LoadError>>, err: AppError) -> LoadFailure {
    match parser.await {
        Ok(Err(file)) => LoadFailure::File(file),
        _ => LoadFailure::Store(err),
    }
}

/// Replaces `scope`'s dataset with `dataset` (generated, or empty to
/// delete it), atomically, through the same stream as a file's load.
///
/// `base` is where the connections go (a sandbox's [`crate::sandbox::Access`],
/// or Redis's URL without a database). Refuses (409) while another load of
/// the same owner runs.
pub async fn replace(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    dataset: &Dataset,
    source: &str,
) -> Result<LoadReport, AppError> {
    replace_within(base, scope, None, dataset, source).await
}

/// [`replace`] within a sandbox's `quota` (`None`: unlimited): a set that
/// does not fit is refused (413) before anything is sent.
pub async fn replace_within(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    quota: Option<&Quota>,
    dataset: &Dataset,
    source: &str,
) -> Result<LoadReport, AppError> {
    let started = Instant::now();
    let mut conn = private_connection(base, STALL_TIMEOUT).await?;
    let base_url = base.base_url();
    let lock = lock(&mut conn, base_url, scope).await?;
    let result = swap(&mut conn, base_url, scope, quota, dataset, source, lock.lost_flag()).await;
    lock.release().await;
    Ok(report(started, dataset, result?, source))
}

/// The load report, logged.
fn report(started: Instant, dataset: &Dataset, replaced: u64, source: &str) -> LoadReport {
    let report = LoadReport {
        loaded: dataset.landings.len() as u64,
        replaced,
        fields: dataset.field_names.clone(),
        missing: dataset.missing.clone(),
        source: source.to_string(),
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    tracing::info!(
        loaded = report.loaded,
        replaced = report.replaced,
        ms = report.millis,
        "dataset replaced"
    );
    report
}

/// Takes the owner's load lock, a lease on a connection of its own (and
/// leaves `conn` on the system database), or refuses with a 409.
pub(super) async fn lock(
    conn: &mut MultiplexedConnection,
    base_url: &str,
    scope: &Owner,
) -> Result<LoadLock, AppError> {
    let stalled = stream::stalled(STALL_TIMEOUT);
    redis::cmd("SELECT").arg(SYSTEM_DB).exec_async(&mut *conn).await.map_err(stalled)?;
    let url = format!("{base_url}/{SYSTEM_DB}");
    let mut lock_conn = crate::redis_conn::private_connection(&url, LOCK_TIMEOUT).await?;
    match Lease::acquire(&mut lock_conn, &scope.key("lock"), LOCK_LEASE).await.map_err(stalled)? {
        Some(lease) => Ok(lease),
        None => Err(AppError::Conflict(
            "another load of this dataset is running; try again when it is done".into(),
        )),
    }
}

/// What the old dataset owns (the connection is on the system db, and is
/// left there), and what its records hold when `measure`d.
async fn read_old(
    conn: &mut MultiplexedConnection,
    scope: &Owner,
    lost: Arc<AtomicBool>,
    measure: bool,
) -> Result<OldSet, AppError> {
    let ids: Vec<String> = redis::cmd("LRANGE")
        .arg(scope.key("ids"))
        .arg(0)
        .arg(-1)
        .query_async(conn)
        .await
        .map_err(stream::stalled(STALL_TIMEOUT))?;
    let values = category_values(conn, scope).await.map_err(stream::stalled(STALL_TIMEOUT))?;
    let held = if measure {
        let held = budget::held(conn, scope, &ids).await?;
        redis::cmd("SELECT").arg(SYSTEM_DB).exec_async(&mut *conn).await?;
        held
    } else {
        0
    };
    Ok(OldSet { ids, values, held, lost })
}

/// Reads the old set's keys, then deletes it and writes `dataset` in one
/// transaction. Returns how many old records were removed.
async fn swap(
    conn: &mut MultiplexedConnection,
    base_url: &str,
    scope: &Owner,
    quota: Option<&Quota>,
    dataset: &Dataset,
    source: &str,
    lost: Arc<AtomicBool>,
) -> Result<u64, AppError> {
    let old = read_old(conn, scope, lost, quota.is_some()).await?;
    if let Some(quota) = quota {
        let key_prefix = scope.record_key("");
        let estimate = |l| budget::landing_bytes(quota.encodings(), &key_prefix, l);
        let needed: u64 = dataset.landings.iter().map(estimate).sum();
        quota.reserve("this load", needed.saturating_sub(old.held), dataset.len() as u64).await?;
    }
    // Unbounded: this (async) thread must never wait for Redis.
    let (parts, queued) = mpsc::channel();
    let url = format!("{base_url}/0");
    let writer = tokio::task::spawn_blocking(move || stream::write(&url, queued, STALL_TIMEOUT));
    // The records' commands go out as they are made, while another thread
    // sorts and groups the indexes.
    let key_prefix = scope.record_key("");
    let mut send = |part| {
        // A writer that failed says so below.
        let _ = parts.send(part);
    };
    let ended = std::thread::scope(|threads| {
        let indexes = threads.spawn(|| Indexes::of(dataset));
        for batch in dataset.landings.chunks(BATCH) {
            send_records(&key_prefix, batch, &mut send);
        }
        let gone = gone_records(scope, dataset, &old);
        match indexes.join() {
            Ok(indexes) => finish(scope, dataset, &indexes, &old.values, source, gone, &mut send, &old.lost),
            Err(_) => Err(AppError::Internal("computing the indexes failed".into())),
        }
    });
    // Without its end, the writer discards the transaction.
    drop(parts);
    let outcome =
        writer.await.map_err(|err| AppError::Internal(format!("the load's writer failed: {err}")))??;
    ended?;
    match outcome {
        Outcome::Committed => Ok(old.ids.len() as u64),
        Outcome::Discarded => Err(AppError::Internal("the load's transaction was not committed".into())),
    }
}

/// Sends `landings` as records' commands, in parts of about [`PART_BYTES`].
fn send_records(key_prefix: &str, landings: &[Landing], send: &mut dyn FnMut(Part)) {
    let mut start = 0;
    let mut bytes = 0;
    for (at, landing) in landings.iter().enumerate() {
        bytes += stream::record_bytes(key_prefix, landing);
        if bytes >= PART_BYTES || at + 1 == landings.len() {
            let mut part = Resp::default();
            part.records(key_prefix, &landings[start..=at]);
            send(Part::Queue(part));
            start = at + 1;
            bytes = 0;
        }
    }
}

/// `UNLINK` of the old records that `dataset` does not overwrite (the
/// ones it does were unlinked with its own records).
fn gone_records(scope: &Owner, dataset: &Dataset, old: &OldSet) -> Resp {
    let mut gone = Resp::default();
    if !old.ids.is_empty() {
        let new_ids: HashSet<&str> = dataset.landings.iter().map(Landing::id).collect();
        let ids: Vec<&str> = old.ids.iter().map(String::as_str).filter(|id| !new_ids.contains(id)).collect();
        gone.unlink_records(&scope.record_key(""), ids.iter().copied(), CHUNK);
    }
    gone
}

/// Sends the transaction's end, after every record: the `gone` records'
/// `UNLINK`, then in the system database `UNLINK` of the old indexes (of
/// categories with `old_values`), the new indexes and the file's
/// description, `INCR` of the version (cached page results name the
/// version they were computed from), back to database 0; the writer then
/// sends `EXEC`.
///
/// The index commands go out in parts of about [`INDEX_PART_BYTES`], so
/// that Redis reads each while the next is packed, and the file's
/// description is made on another thread meanwhile. Nothing is sent after
/// an error, nor the end once the lock was `lost`, so the writer discards
/// the transaction.
#[allow(clippy::too_many_arguments)]
fn finish(
    scope: &Owner,
    dataset: &Dataset,
    indexes: &Indexes<'_>,
    old_values: &[Vec<String>],
    source: &str,
    gone: Resp,
    send: &mut dyn FnMut(Part),
    lost: &AtomicBool,
) -> Result<(), AppError> {
    let mut part = gone;
    part.packed(redis::cmd("SELECT").arg(SYSTEM_DB));
    for chunk in dataset_keys(scope, old_values, false).chunks(CHUNK) {
        part.packed(redis::cmd("UNLINK").arg(chunk));
    }
    std::thread::scope(|threads| {
        let file = threads.spawn(|| {
            let mut commands = Vec::new();
            indexes.write_file(&mut commands, scope, dataset, source);
            let mut file = Resp::default();
            for command in &commands {
                file.packed(command);
            }
            file
        });
        let mut commands = Vec::new();
        indexes.write(&mut commands, scope);
        for command in &commands {
            part.packed(command);
            if part.bytes.len() >= INDEX_PART_BYTES {
                send(Part::Queue(std::mem::take(&mut part)));
            }
        }
        let file = file.join().map_err(|_| AppError::Internal("describing the file failed".into()))?;
        send(Part::Queue(std::mem::take(&mut part)));
        let mut end = file;
        end.packed(redis::cmd("INCR").arg(scope.key("version")));
        end.packed(redis::cmd("SELECT").arg(0));
        if lost.load(Ordering::SeqCst) {
            return Err(AppError::Conflict(
                "the load lost its lock (it was paused or cut off from Redis for longer than the lock's lease); \
                 nothing was changed: load again"
                    .into(),
            ));
        }
        send(Part::Commit(end));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_go_out_in_parts_of_bounded_size() {
        let landings: Vec<Landing> = (0..100)
            .map(|i| Landing::new(vec![("id".into(), i.to_string()), ("v".into(), "x".repeat(10_000))]))
            .collect();
        let mut parts = Vec::new();
        send_records("meteorite:", &landings, &mut |part| parts.push(part));
        assert!(parts.len() >= 4, "{} parts", parts.len());
        let mut commands = 0;
        for part in &parts {
            let Part::Queue(resp) = part else { panic!("records are never the end") };
            assert!(resp.bytes.len() <= PART_BYTES + 11_000, "{} bytes", resp.bytes.len());
            commands += resp.commands;
        }
        assert_eq!(commands, landings.len() + parts.len(), "an HSET a landing, an UNLINK a part");

        let mut small = Vec::new();
        send_records("meteorite:", &landings[..3], &mut |part| small.push(part));
        assert_eq!(small.len(), 1);
        send_records("meteorite:", &[], &mut |part| small.push(part));
        assert_eq!(small.len(), 1, "nothing to send, no part");
    }
}
