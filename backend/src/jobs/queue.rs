//! Reading the queue: new entries (`XREADGROUP … >`), entries whose worker
//! went silent (`XAUTOCLAIM`), and the consumer group itself, created again
//! when Redis lost it (`NOGROUP`: a fresh Redis, or a restart without
//! persistence).

use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{RedisError, RedisResult, Value};

use super::config::millis;
use super::keys;
use super::transitions::Delivery;

/// The next new entry for `worker`, waiting up to `block` for one.
pub async fn read_new(
    conn: &mut impl ConnectionLike,
    worker: &str,
    block: Duration,
) -> RedisResult<Option<Delivery>> {
    let reply: Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(keys::GROUP)
        .arg(worker)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(millis(block).max(1))
        .arg("STREAMS")
        .arg(keys::QUEUE)
        .arg(">")
        .query_async(conn)
        .await?;
    // [[queue, [[entry, [field, value, …]]]]], or nil after the block.
    let Value::Array(streams) = reply else { return Ok(None) };
    for stream in streams {
        if let Some(entries) = pair(stream).map(|(_, entries)| entries) {
            if let Some(delivery) = entries_of(entries).into_iter().next() {
                return Ok(Some(delivery));
            }
        }
    }
    Ok(None)
}

/// An entry delivered to another worker that has been idle (no heartbeat)
/// for at least `min_idle`, now claimed by `worker`.
pub async fn claim_stale(
    conn: &mut impl ConnectionLike,
    worker: &str,
    min_idle: Duration,
) -> RedisResult<Option<Delivery>> {
    let reply: Value = redis::cmd("XAUTOCLAIM")
        .arg(keys::QUEUE)
        .arg(keys::GROUP)
        .arg(worker)
        .arg(millis(min_idle))
        .arg("0-0")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    // [next cursor, [[entry, [field, value, …]]], [deleted entries]]
    let Value::Array(parts) = reply else { return Ok(None) };
    Ok(parts.into_iter().nth(1).and_then(|entries| entries_of(entries).into_iter().next()))
}

/// Creates the consumer group (and the stream) if missing; from the start
/// of the stream, so entries added while there was no group are not lost.
pub async fn ensure_group(conn: &mut impl ConnectionLike) -> RedisResult<()> {
    let created: RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(keys::QUEUE)
        .arg(keys::GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(conn)
        .await;
    match created {
        Err(err) if err.code() != Some("BUSYGROUP") => Err(err),
        _ => Ok(()),
    }
}

/// Acknowledges and deletes an entry that is not a job's (written by hand
/// or by something else): no worker will ever run it.
pub async fn drop_foreign(conn: &mut impl ConnectionLike, entry: &str) -> RedisResult<()> {
    redis::pipe()
        .cmd("XACK")
        .arg(keys::QUEUE)
        .arg(keys::GROUP)
        .arg(entry)
        .ignore()
        .cmd("XDEL")
        .arg(keys::QUEUE)
        .arg(entry)
        .ignore()
        .exec_async(conn)
        .await
}

/// Runs `reconcile` over every owner's unfinished jobs: those whose queue
/// entry is gone go back in the queue (or fail); how many did.
pub async fn reconcile_all(
    conn: &mut (impl ConnectionLike + Send),
    now: u64,
    visibility_timeout: Duration,
) -> RedisResult<u32> {
    let prefix = keys::owner_active("");
    let sets = crate::redis_conn::scan_keys(conn, format!("{prefix}*").as_bytes(), Some("set")).await?;
    let mut changed = 0;
    for set in sets {
        let owner = String::from_utf8_lossy(&set[prefix.len()..]).into_owned();
        let ids: Vec<String> = redis::cmd("SMEMBERS").arg(&set).query_async(conn).await?;
        for id in ids.iter().filter(|id| keys::is_job_id(id)) {
            let outcome =
                super::transitions::reconcile(conn, &owner, id, now, visibility_timeout, false).await?;
            if outcome == "requeued" || outcome == "failed" {
                tracing::warn!(job = %id, %outcome, "a job's queue entry was gone");
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Whether Redis has no such consumer group (or stream).
pub fn is_no_group(err: &RedisError) -> bool {
    err.code() == Some("NOGROUP")
}

fn pair(value: Value) -> Option<(Value, Value)> {
    match value {
        Value::Array(items) if items.len() == 2 => {
            let mut items = items.into_iter();
            Some((items.next()?, items.next()?))
        }
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        _ => None,
    }
}

/// `[[entry, [field, value, …]], …]` → deliveries (an entry without the
/// fields, which Bolide never writes, gets an empty job id: the worker
/// drops it).
fn entries_of(value: Value) -> Vec<Delivery> {
    let Value::Array(entries) = value else { return Vec::new() };
    entries
        .into_iter()
        .filter_map(|entry| {
            let (id, fields) = pair(entry)?;
            let entry = text(&id)?;
            let fields = match fields {
                Value::Array(fields) => fields,
                _ => Vec::new(),
            };
            let mut job_id = None;
            let mut owner = None;
            for kv in fields.chunks(2) {
                if let [name, value] = kv {
                    match text(name).as_deref() {
                        Some("job") => job_id = text(value),
                        Some("owner") => owner = text(value),
                        _ => {}
                    }
                }
            }
            Some(Delivery { entry, job_id: job_id.unwrap_or_default(), owner: owner.unwrap_or_default() })
        })
        .collect()
}
