//! Rebuilding a dataset's indexes from its `meteorite:*` hashes as they
//! are now ([`reindex`]: after a student's edits from the console or from
//! their own script), and removing what is left of its bookkeeping once it
//! was emptied ([`forget`]).
//!
//! A reindex holds the same owner's lock as a load ([`super::load`]), so
//! the two never interleave, and swaps the indexes in one transaction, as
//! a load does: a page read meanwhile sees the old indexes or the new ones.

use redis::aio::MultiplexedConnection;

use super::indexes::{Indexes, CHUNK};
use super::layout::{category_values, dataset_keys};
use super::load::{lock, LoadLock, STALL_TIMEOUT};
use super::stream;
use super::{private_connection, Owner, PrivateConnections};
use crate::data::{Dataset, Landing, Shape};
use crate::error::AppError;
use crate::sandbox::SYSTEM_DB;

/// Rebuilds the browser's indexes from the `meteorite:*` hashes as they are
/// now (after edits from the console or from a student's script), in one
/// transaction. Returns how many landings were indexed. `meta` and `file`
/// keep describing the last loaded file, for verify.
///
/// A key whose id could not be typed in a URL (`meteorite:a b`, made in the
/// console) is left out: the browser could not open it.
pub async fn reindex(base: &(impl PrivateConnections + ?Sized), scope: &Owner) -> Result<u64, AppError> {
    let mut conn = private_connection(base, STALL_TIMEOUT).await?;
    let lock = lock(&mut conn, base.base_url(), scope).await?;
    let result = rebuild(&mut conn, scope, &lock).await;
    lock.release().await;
    result
}

async fn rebuild(conn: &mut MultiplexedConnection, scope: &Owner, lock: &LoadLock) -> Result<u64, AppError> {
    redis::cmd("SELECT").arg(0).exec_async(conn).await?;
    let prefix_len = scope.record_key("").len();
    let mut keys = crate::sandbox::key_index::owner_keys(conn, scope, "meteorite:*", Some("hash")).await?;
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
    if lock.lost() {
        return Err(AppError::Conflict(
            "the reindex lost its lock (paused past its lease); nothing was changed".into(),
        ));
    }
    conn.set_response_timeout(stream::exec_timeout(tx.len()));
    tx.exec_async(&mut *conn).await?;
    Ok(dataset.len() as u64)
}

/// Removes what is left of a dataset's bookkeeping after it was emptied
/// (its `meta`: "no dataset loaded").
pub async fn forget(base: &(impl PrivateConnections + ?Sized), scope: &Owner) -> Result<(), AppError> {
    let mut conn = private_connection(base, STALL_TIMEOUT).await?;
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
