//! Replacing a whole dataset (a load), rebuilding its indexes from the
//! hashes as they are (a reindex), and removing its bookkeeping.
//!
//! A load is one `MULTI`/`EXEC` on a connection of its own: `SELECT 0`,
//! `UNLINK` the old records and any key a new record will use, one `HSET`
//! per landing, `SELECT 15`, `UNLINK` the old indexes, write the new ones
//! ([`super::indexes`]) and the file's description, `INCR` the version.
//! Redis queues the commands as they arrive and runs them all at `EXEC`
//! without interleaving any other client's, which is what makes the swap
//! atomic; a refused transaction (out of memory, say) changes nothing.
//!
//! **Speed.** Most of a load's time is Redis's: reading and queueing
//! 20 MB of commands for NASA's file, then running them. Bolide's own
//! work is kept beside it rather than before it: the records' commands
//! and the indexes are computed on two threads, and the index commands are
//! written while Redis is still reading the records'.
//!
//! Two loads of the same owner would each read the old set's ids and then
//! delete them: the second would miss the first's records. So a load holds
//! the owner's `lock` (`SET NX PX`, a random token that only its holder
//! releases) and a second one is refused with a 409 while it runs.

use std::collections::HashSet;
use std::future::Future;
use std::task::Poll;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use super::indexes::{Indexes, CHUNK};
use super::layout::{category_values, dataset_keys};
use super::{private_connection, DataScope, LoadReport};
use crate::console::SYSTEM_DB;
use crate::data::{Dataset, Landing, Shape};
use crate::error::AppError;

/// How long one load may hold the owner's lock.
const LOCK_MS: u64 = 10 * 60 * 1000;
/// A whole-dataset transaction can take seconds for a million records.
const LOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// Replaces `scope`'s dataset with `dataset`, atomically.
///
/// `base_url` is Redis's URL without a database. Refuses (409) while another
/// load of the same owner runs.
pub async fn replace(
    base_url: &str,
    scope: &DataScope,
    dataset: &Dataset,
    source: &str,
) -> Result<LoadReport, AppError> {
    let started = Instant::now();
    let mut conn = private_connection(base_url, LOAD_TIMEOUT).await?;
    let token = lock(&mut conn, scope).await?;
    let result = swap(&mut conn, scope, dataset, source).await;
    unlock(&mut conn, scope, &token).await;
    let replaced = result?;
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
    Ok(report)
}

/// Takes the owner's load lock (leaves the connection on the system
/// database), or refuses with a 409.
async fn lock(conn: &mut MultiplexedConnection, scope: &DataScope) -> Result<String, AppError> {
    // Random, so only the load that took the lock can release it.
    let token = crate::console::session::random_hex()?;
    let (locked,): (Option<String>,) = redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("SET")
        .arg(scope.key("lock"))
        .arg(&token)
        .arg("NX")
        .arg("PX")
        .arg(LOCK_MS)
        .query_async(conn)
        .await?;
    if locked.is_none() {
        return Err(AppError::Conflict(
            "another load of this dataset is running; try again when it is done".into(),
        ));
    }
    Ok(token)
}

/// Releases the lock if it is still ours, whatever happened to the load.
async fn unlock(conn: &mut MultiplexedConnection, scope: &DataScope, token: &str) {
    let released: redis::RedisResult<()> = redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("EVAL")
        .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1")
        .arg(1)
        .arg(scope.key("lock"))
        .arg(token)
        .ignore()
        .exec_async(conn)
        .await;
    if let Err(err) = released {
        tracing::warn!(%err, "could not release the load lock; it expires by itself");
    }
}

/// Reads the old dataset's keys, then deletes it and writes the new one in
/// one transaction. Returns how many old records were removed.
async fn swap(
    conn: &mut MultiplexedConnection,
    scope: &DataScope,
    dataset: &Dataset,
    source: &str,
) -> Result<u64, AppError> {
    // What the old dataset owns (the connection is on the system db).
    let old_ids: Vec<String> =
        redis::cmd("ZRANGE").arg(scope.key("ids")).arg(0).arg(-1).query_async(conn).await?;
    let old_values = category_values(conn, scope).await?;

    // Bolide's work runs beside Redis's: this thread writes the records'
    // commands while another sorts and groups the indexes (Redis waits)…
    let (records, indexes) = std::thread::scope(|threads| {
        let indexes = threads.spawn(|| Indexes::of(dataset));
        (record_commands(scope, dataset, &old_ids), indexes.join())
    });
    let indexes = indexes.map_err(|_| AppError::Internal("computing the indexes failed".into()))?;

    // …then the transaction's first part goes out — `MULTI`, the records,
    // in the student's database — and while Redis reads and queues it, this
    // thread writes the second: the indexes, in Bolide's database, and
    // `EXEC`. Only `EXEC` runs anything, so until then nothing has changed.
    let mut first = redis::pipe();
    first.cmd("MULTI").ignore().cmd("SELECT").arg(0).ignore();
    for command in records {
        first.add_command(command).ignore();
    }
    let mut first_conn = conn.clone();
    let mut sending = std::pin::pin!(first.exec_async(&mut first_conn));
    // One poll hands the request to the connection, which sends it.
    let sent = std::future::poll_fn(|cx| Poll::Ready(sending.as_mut().poll(cx))).await;

    let mut second = redis::pipe();
    second.cmd("SELECT").arg(SYSTEM_DB).ignore();
    for chunk in dataset_keys(scope, &old_values, false).chunks(CHUNK) {
        second.cmd("UNLINK").arg(chunk).ignore();
    }
    let mut commands = Vec::new();
    indexes.write(&mut commands, scope);
    indexes.write_file(&mut commands, scope, dataset, source);
    for command in commands {
        second.add_command(command).ignore();
    }
    // Cached page results name the version they were computed from.
    second.cmd("INCR").arg(scope.key("version")).ignore();
    second.cmd("SELECT").arg(0).ignore();
    second.cmd("EXEC").ignore();

    let queued = match sent {
        Poll::Ready(result) => result,
        Poll::Pending => sending.await,
    };
    if let Err(err) = queued {
        // A command refused while queueing (out of memory, say): drop the
        // transaction; nothing ran.
        let _: redis::RedisResult<()> = redis::cmd("DISCARD").exec_async(conn).await;
        return Err(refused(err));
    }
    second.exec_async(conn).await.map_err(refused)?;
    Ok(old_ids.len() as u64)
}

/// Redis's refusal of a load, for the student.
fn refused(err: redis::RedisError) -> AppError {
    match err.code() {
        Some(code) => AppError::Conflict(format!(
            "Redis refused the load ({code} {}); nothing was changed",
            err.detail().unwrap_or_default()
        )),
        None => AppError::from(err),
    }
}

/// The commands replacing the records: `UNLINK` the old records and any
/// key a new record will use (so every new record is exactly the file's,
/// not merged into what a student made under its name), then one `HSET`
/// per landing.
fn record_commands(scope: &DataScope, dataset: &Dataset, old_ids: &[String]) -> Vec<redis::Cmd> {
    let mut doomed: Vec<String> = dataset.landings.iter().map(|l| scope.record_key(l.id())).collect();
    if !old_ids.is_empty() {
        let new_ids: HashSet<&str> = dataset.landings.iter().map(Landing::id).collect();
        doomed.extend(
            old_ids.iter().filter(|id| !new_ids.contains(id.as_str())).map(|id| scope.record_key(id)),
        );
    }
    let mut commands = Vec::with_capacity(dataset.len() + doomed.len() / CHUNK + 1);
    for chunk in doomed.chunks(CHUNK) {
        let mut unlink = redis::cmd("UNLINK");
        unlink.arg(chunk);
        commands.push(unlink);
    }
    for landing in &dataset.landings {
        if landing.fields.is_empty() {
            continue;
        }
        let mut hset = redis::cmd("HSET");
        hset.arg(scope.record_key(landing.id()));
        for (field, value) in &landing.fields {
            hset.arg(field).arg(value);
        }
        commands.push(hset);
    }
    commands
}

/// Rebuilds the browser's indexes from the `meteorite:*` hashes as they are
/// now (after edits from the console or from a student's script), in one
/// transaction. Returns how many landings were indexed. `meta` and `file`
/// keep describing the last loaded file, for verify.
///
/// A key whose id could not be typed in a URL (`meteorite:a b`, made in the
/// console) is left out: the browser could not open it.
pub async fn reindex(base_url: &str, scope: &DataScope) -> Result<u64, AppError> {
    let mut conn = private_connection(base_url, LOAD_TIMEOUT).await?;
    let token = lock(&mut conn, scope).await?;
    let result = rebuild(&mut conn, scope).await;
    unlock(&mut conn, scope, &token).await;
    result
}

async fn rebuild(conn: &mut MultiplexedConnection, scope: &DataScope) -> Result<u64, AppError> {
    redis::cmd("SELECT").arg(0).exec_async(conn).await?;
    let prefix_len = scope.record_key("").len();
    let mut keys =
        crate::redis_conn::scan_keys(conn, scope.record_pattern().as_bytes(), Some("hash")).await?;
    // SCAN may return a key twice (when Redis resizes its table meanwhile).
    keys.sort_unstable();
    keys.dedup();
    let mut landings = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.cmd("HGETALL").arg(key);
        }
        let records: Vec<redis::Value> = pipe.query_async(&mut *conn).await?;
        for (key, record) in chunk.iter().zip(records) {
            // A key deleted or retyped since the scan reads as no fields.
            let Ok(mut fields) = redis::from_redis_value::<Vec<(String, String)>>(record) else {
                continue;
            };
            let Ok(id) = std::str::from_utf8(key.get(prefix_len..).unwrap_or_default()) else {
                continue;
            };
            if fields.is_empty() || id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                continue;
            }
            // The id is the key's, whatever the hash's `id` field says now.
            fields.retain(|(name, _)| name != "id");
            fields.insert(0, ("id".to_string(), id.to_string()));
            landings.push(Landing::new(fields));
        }
    }
    let dataset = Dataset::from_landings(landings, Shape::Generated);
    redis::cmd("SELECT").arg(SYSTEM_DB).exec_async(&mut *conn).await?;
    let old_values = category_values(conn, scope).await?;
    let mut tx = redis::pipe();
    tx.atomic();
    for chunk in dataset_keys(scope, &old_values, true).chunks(CHUNK) {
        tx.cmd("UNLINK").arg(chunk).ignore();
    }
    let mut commands = Vec::new();
    Indexes::of(&dataset).write(&mut commands, scope);
    for command in commands {
        tx.add_command(command).ignore();
    }
    tx.cmd("INCR").arg(scope.key("version")).ignore();
    tx.exec_async(&mut *conn).await?;
    Ok(dataset.len() as u64)
}

/// Removes what is left of a dataset's bookkeeping after it was emptied
/// (its `meta`: "no dataset loaded").
pub async fn forget(base_url: &str, scope: &DataScope) -> Result<(), AppError> {
    let mut conn = private_connection(base_url, LOAD_TIMEOUT).await?;
    redis::cmd("SELECT").arg(SYSTEM_DB).exec_async(&mut conn).await?;
    let values = category_values(&mut conn, scope).await?;
    let mut pipe = redis::pipe();
    for chunk in dataset_keys(scope, &values, false).chunks(CHUNK) {
        pipe.cmd("UNLINK").arg(chunk).ignore();
    }
    pipe.cmd("INCR").arg(scope.key("version")).ignore();
    pipe.exec_async(&mut conn).await?;
    Ok(())
}
