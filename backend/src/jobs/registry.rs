//! Who is working: every worker writes its heartbeat (`ZADD
//! bolide:jobs:workers <now> <id>`) about once a second, and the API counts
//! those seen within [`ALIVE_WINDOW`]. A worker's id is
//! `<host>:<pid>:<random>`, so a student can tell their laptop's in-process
//! worker from a `bolide worker` on another machine.
//!
//! The registry only *shows* who is alive; it does not decide anything.
//! Taking over a dead worker's job is the queue's business (the entry's idle
//! time in the consumer group), so a worker with a wrong clock can at worst
//! be shown as dead, never lose a job.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bolide_shared::jobs::{WorkerInfo, Workers};
use redis::{RedisResult, Value};
use tokio::sync::watch;

use super::config::millis;
use super::keys;
use crate::redis_conn::Connection;
use crate::sandbox::{clock::now_ms, ids::random_bytes_hex};

/// How often a worker says it is alive.
pub const BEAT_INTERVAL: Duration = Duration::from_secs(1);
/// A worker heard from within this window counts as alive.
pub const ALIVE_WINDOW: Duration = Duration::from_secs(5);
/// Workers (and idle consumers of the group) silent this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// How often a worker forgets the long-dead.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// `<host>:<pid>:<6 random hex digits>`.
pub fn new_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace(':', "-"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    // Without randomness, the pid and the clock still tell workers apart.
    let random = random_bytes_hex(3).unwrap_or_else(|_| format!("{:06x}", now_ms() & 0xff_ffff));
    format!("{host}:{}:{random}", std::process::id())
}

/// Beats until `stop` says so (or its sender is gone).
pub async fn run(mut conn: Connection, id: String, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(BEAT_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_sweep: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        let now = now_ms();
        if let Err(err) = redis::cmd("ZADD").arg(keys::WORKERS).arg(now).arg(&id).exec_async(&mut conn).await
        {
            tracing::debug!(%err, "worker heartbeat failed");
            continue;
        }
        if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_INTERVAL) {
            last_sweep = Some(Instant::now());
            if let Err(err) = sweep(&mut conn, now).await {
                tracing::debug!(%err, "forgetting dead workers failed");
            }
        }
    }
}

/// Forgets workers not heard from for [`FORGET_AFTER`], and the group's
/// consumers that hold nothing and were idle as long (a consumer with
/// pending entries is kept: `XAUTOCLAIM` takes those over, and deleting it
/// would drop them).
pub async fn sweep(conn: &mut Connection, now: u64) -> RedisResult<()> {
    let before = now.saturating_sub(millis(FORGET_AFTER));
    let dead: Vec<String> = redis::cmd("ZRANGE")
        .arg(keys::WORKERS)
        .arg("-inf")
        .arg(before)
        .arg("BYSCORE")
        .arg("LIMIT")
        .arg(0)
        .arg(1000)
        .query_async(conn)
        .await?;
    if !dead.is_empty() {
        redis::pipe()
            .cmd("ZREM")
            .arg(keys::WORKERS)
            .arg(&dead)
            .ignore()
            .cmd("HDEL")
            .arg(keys::WORKING)
            .arg(&dead)
            .ignore()
            .exec_async(conn)
            .await?;
    }
    let consumers: RedisResult<Vec<HashMap<String, Value>>> =
        redis::cmd("XINFO").arg("CONSUMERS").arg(keys::QUEUE).arg(keys::GROUP).query_async(conn).await;
    let Ok(consumers) = consumers else { return Ok(()) }; // no group yet
    for consumer in consumers {
        let int = |name: &str| match consumer.get(name) {
            Some(Value::Int(n)) => *n,
            _ => -1,
        };
        let name = match consumer.get("name") {
            Some(Value::BulkString(name)) => String::from_utf8_lossy(name).into_owned(),
            _ => continue,
        };
        if int("pending") == 0 && int("idle") >= i64::try_from(millis(FORGET_AFTER)).unwrap_or(i64::MAX) {
            delete_consumer_if_idle(conn, &name).await?;
        }
    }
    Ok(())
}

/// `XGROUP DELCONSUMER`, only while the consumer holds no entry (checked
/// and done in one script, `scripts/delete_idle_consumer.lua`).
async fn delete_consumer_if_idle(conn: &mut Connection, name: &str) -> RedisResult<()> {
    static DELETE_IDLE: std::sync::LazyLock<redis::Script> =
        std::sync::LazyLock::new(|| redis::Script::new(include_str!("scripts/delete_idle_consumer.lua")));
    DELETE_IDLE.key(keys::QUEUE).arg(keys::GROUP).arg(name).invoke_async::<i64>(conn).await.map(|_| ())
}

/// A worker leaving (graceful shutdown): out of the registry at once, and
/// out of the consumer group when it holds nothing.
pub async fn leave(conn: &mut Connection, id: &str) -> RedisResult<()> {
    redis::pipe()
        .cmd("ZREM")
        .arg(keys::WORKERS)
        .arg(id)
        .ignore()
        .cmd("HDEL")
        .arg(keys::WORKING)
        .arg(id)
        .ignore()
        .exec_async(conn)
        .await?;
    delete_consumer_if_idle(conn, id).await.or_else(|err| {
        if err.code() == Some("NOGROUP") {
            Ok(())
        } else {
            Err(err)
        }
    })
}

/// The workers alive now, and what each is running.
pub async fn alive(conn: &mut Connection, now: u64) -> RedisResult<Workers> {
    let since = now.saturating_sub(millis(ALIVE_WINDOW));
    let seen: Vec<(String, u64)> = redis::cmd("ZRANGE")
        .arg(keys::WORKERS)
        .arg("+inf")
        .arg(since)
        .arg("BYSCORE")
        .arg("REV")
        .arg("WITHSCORES")
        .query_async(conn)
        .await?;
    let jobs: Vec<Option<String>> = if seen.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
        redis::cmd("HMGET").arg(keys::WORKING).arg(&ids).query_async(conn).await?
    };
    let workers: Vec<WorkerInfo> = seen
        .into_iter()
        .zip(jobs.into_iter().chain(std::iter::repeat(None)))
        .map(|((id, last_seen), job)| WorkerInfo { id, last_seen, job })
        .collect();
    Ok(Workers { alive: u32::try_from(workers.len()).unwrap_or(u32::MAX), workers })
}

/// How many workers are alive now (`ZCOUNT`), for a pipeline.
pub fn count_alive(pipe: &mut redis::Pipeline, now: u64) {
    pipe.cmd("ZCOUNT").arg(keys::WORKERS).arg(now.saturating_sub(millis(ALIVE_WINDOW))).arg("+inf");
}
