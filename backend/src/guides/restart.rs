//! `POST /api/guides/persistence/restart`: the persistence exercise, live.
//!
//! Only in local mode with the embedded Redis: it restarts the one server
//! on the student's own machine. In shared mode the server is the whole
//! class's (403: the guide explains instead); with `--redis-url` Bolide did
//! not start it and cannot start it again (409).
//!
//! - **With persistence**: `SHUTDOWN` (which fsyncs the AOF) and start
//!   again; the AOF is replayed and every key is back.
//! - **Without persistence**: Bolide copies its own database 15 (sessions,
//!   data indexes, guide progress) with `DUMP`, restarts the server with
//!   `appendonly no` (so it reads no AOF: only an RDB snapshot, if the
//!   student made one with `SAVE` — a lesson in itself), puts database 15
//!   back with `RESTORE`, and turns the AOF on again with `CONFIG SET
//!   appendonly yes`. That rewrites the AOF from what is in memory now, so
//!   the next ordinary restart finds the same keys the student sees, and
//!   Bolide is back on its normal setting before the request answers.
//!
//! One restart runs at a time (the embedded server's lock); console
//! requests during the second or two it takes get a `503`, as they would
//! from any Redis that restarts. This restart is Bolide's own, so the
//! supervisor (`embedded::supervisor`) leaves it alone; a `SHUTDOWN` the
//! student types in a terminal instead is followed by the supervisor's
//! restart, with the AOF, and this button works as before afterwards.

use std::time::{Duration, Instant};

use bolide_shared::guides::{RestartReport, RestartRequest};
use redis::aio::MultiplexedConnection;

use super::checks::restart_key;
use super::GuidesState;
use crate::error::AppError;
use crate::sandbox::Sandbox;
use crate::sandbox::SYSTEM_DB;

/// Longest a `DUMP`/`RESTORE` of a large index may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest the AOF rewrite that turns persistence back on may take.
const AOF_TIMEOUT: Duration = Duration::from_secs(120);

pub async fn restart(
    state: &GuidesState,
    sandbox: &Sandbox,
    request: RestartRequest,
) -> Result<RestartReport, AppError> {
    if sandbox.shared {
        return Err(AppError::Forbidden(
            "restarting Redis is not offered in shared mode: the server is the whole class's, and a restart \
             would cut everyone off. The persistence guide explains what would happen instead."
                .into(),
        ));
    }
    let Some(control) = state.embedded() else {
        return Err(AppError::Conflict(
            "Bolide did not start this Redis (it was given with --redis-url), so it cannot restart it. \
             Restart it yourself to try the exercise (e.g. `docker restart <container>`)."
                .into(),
        ));
    };
    let mut server = control.lock().await;
    let Some(server) = server.as_mut() else {
        return Err(AppError::RedisUnavailable("Bolide is stopping".into()));
    };
    let port = server.port();
    let pid_before = server.pid();
    let keys_before = dbsize(&mut connect(port, 0).await?).await?;

    let failed =
        |err: crate::embedded::EmbeddedError| AppError::Internal(format!("restarting Redis failed: {err}"));
    if request.persistence {
        server.restart(true).await.map_err(failed)?;
    } else {
        let system = dump_db(&mut connect(port, SYSTEM_DB).await?).await?;
        server.restart(false).await.map_err(failed)?;
        let mut conn = connect(port, SYSTEM_DB).await?;
        // Turn the AOF back on whatever happened to the restore.
        let restored = restore_db(&mut conn, &system).await;
        resume_aof(&mut conn).await?;
        restored?;
    }

    let mut conn = connect(port, SYSTEM_DB).await?;
    redis::cmd("SET")
        .arg(restart_key(&sandbox.owner))
        .arg(if request.persistence { "on" } else { "off" })
        .exec_async(&mut conn)
        .await?;
    let keys_after = dbsize(&mut connect(port, 0).await?).await?;
    wait_for_reconnect(state).await;

    let message = if request.persistence {
        format!(
            "Redis was shut down (its append-only file flushed to disk) and started again: it replayed the file \
             and database 0 has {keys_after} keys, as before ({keys_before})."
        )
    } else {
        format!(
            "Redis was restarted without persistence: database 0 had {keys_before} keys and now has {keys_after}. \
             (Bolide kept its own bookkeeping, then turned persistence back on.)"
        )
    };
    Ok(RestartReport {
        persistence: request.persistence,
        keys_before,
        keys_after,
        pid_before,
        pid_after: server.pid(),
        port,
        message,
    })
}

/// A connection of this request's own to database `db` (Bolide's shared
/// ones reconnect by themselves afterwards).
async fn connect(port: u16, db: u32) -> Result<MultiplexedConnection, AppError> {
    let url = format!("redis://127.0.0.1:{port}/{db}");
    Ok(crate::redis_conn::private_connection(&url, COMMAND_TIMEOUT).await?)
}

async fn dbsize(conn: &mut MultiplexedConnection) -> Result<u64, AppError> {
    Ok(redis::cmd("DBSIZE").query_async(conn).await?)
}

/// One key's `DUMP` payload and remaining time to live (0: none).
struct Dumped {
    key: Vec<u8>,
    ttl_ms: i64,
    payload: Vec<u8>,
}

/// Every key of the connection's database, serialized.
async fn dump_db(conn: &mut MultiplexedConnection) -> Result<Vec<Dumped>, AppError> {
    let keys = crate::redis_conn::scan_keys(conn, b"*", None).await?;
    let mut dumped = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.cmd("PTTL").arg(key).cmd("DUMP").arg(key);
        }
        let replies: Vec<redis::Value> = pipe.query_async(conn).await?;
        let mut replies = replies.into_iter();
        for key in chunk {
            let (Some(ttl), Some(payload)) = (replies.next(), replies.next()) else { break };
            let ttl: i64 = decoded(ttl)?;
            let payload: Option<Vec<u8>> = decoded(payload)?;
            // Gone (or expired) since the scan: nothing to keep.
            let Some(payload) = payload.filter(|_| ttl != -2) else { continue };
            dumped.push(Dumped { key: key.clone(), ttl_ms: ttl.max(0), payload });
        }
    }
    Ok(dumped)
}

/// Empties the connection's database and puts `dumped` back.
async fn restore_db(conn: &mut MultiplexedConnection, dumped: &[Dumped]) -> Result<(), AppError> {
    // An RDB snapshot the student made may hold an older copy.
    redis::cmd("FLUSHDB").exec_async(conn).await?;
    for chunk in dumped.chunks(100) {
        let mut pipe = redis::pipe();
        for item in chunk {
            pipe.cmd("RESTORE").arg(&item.key).arg(item.ttl_ms).arg(&item.payload).arg("REPLACE").ignore();
        }
        pipe.exec_async(conn).await?;
    }
    Ok(())
}

/// `CONFIG SET appendonly yes`, then waits until Redis has written the new
/// AOF and appends to it again.
async fn resume_aof(conn: &mut MultiplexedConnection) -> Result<(), AppError> {
    redis::cmd("CONFIG").arg("SET").arg("appendonly").arg("yes").exec_async(conn).await?;
    let deadline = Instant::now() + AOF_TIMEOUT;
    loop {
        let info: String = redis::cmd("INFO").arg("persistence").query_async(conn).await?;
        let field = |name: &str| {
            info.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .map(str::trim)
                .unwrap_or("")
        };
        if field("aof_enabled") == "1"
            && field("aof_rewrite_in_progress") == "0"
            && field("aof_rewrite_scheduled") == "0"
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(AppError::Internal(format!(
                "Redis did not finish rewriting its append-only file within {AOF_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Bolide's shared connections notice the restart on their next command
/// (which fails) and reconnect. Spend those failures here, on a `PING`
/// each, so the student's next command does not meet one: Bolide's own
/// database and every database the local console can use. Also run by the
/// embedded Redis's supervisor after it brought the server back.
pub(crate) async fn wait_for_reconnect(state: &GuidesState) {
    let mut connections = vec![state.redis()];
    let databases = crate::sandbox::STUDENT_DATABASES;
    for db in databases.first..=databases.last {
        if let Ok(conn) = state.sandboxes().store.connections().for_db(db) {
            connections.push(conn);
        }
    }
    for mut conn in connections {
        for _ in 0..20 {
            let pong: Result<String, _> = redis::cmd("PING").query_async(&mut conn).await;
            if pong.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One reply of a pipeline, as `T`.
fn decoded<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, AppError> {
    redis::from_redis_value(value)
        .map_err(|err| AppError::Internal(format!("unexpected reply from Redis: {err}")))
}
