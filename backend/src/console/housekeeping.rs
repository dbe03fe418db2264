//! Housekeeping, about once a minute: idle sessions are removed (in shared
//! mode with all their keys and their Redis ACL users), and shared-mode
//! sessions' key counts and memory are measured against their quotas.
//!
//! Several API processes may run it; one of them does each round: it holds
//! a [`Lease`] on [`LOCK_KEY`] while the round runs (so a process killed
//! mid-round blocks the others for seconds, not a minute), and marks the
//! round done ([`DONE_KEY`], for most of an interval) when it ends.
//!
//! Measuring ([`crate::sandbox::store::SandboxStore::measure`]) walks each
//! sandbox's key index ([`crate::sandbox::key_index`]), never the
//! database: O(the sandboxes' own keys), pruning members whose key is
//! gone, plus `MEMORY USAGE` of every one of its keys (pipelined per batch
//! of the walk; a sample would miss one large key among many small ones),
//! of the index itself, which counts as the sandbox's memory, of its
//! console queue and of its data indexes. It sets the quota's count from
//! that, keeping the room given out and not yet spent
//! ([`crate::sandbox::headroom`]). A session over quota may still read and
//! delete, but not grow. Between rounds, a sandbox whose room runs out is
//! measured on demand (the same function).

use std::time::Duration;

use super::relay::Relay;
use crate::error::AppError;
use crate::lease::Lease;
use crate::redis_conn::Connection;
use crate::sandbox::clock::now_ms;
use crate::sandbox::store::{SandboxId, SANDBOXES_KEY};

/// How often a round runs, at most.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// How often a round runs for an idle timeout: `min(60 s, idle / 2)`, so
/// no sandbox outlives its timeout by more than half of it.
pub fn interval(idle: Duration) -> Duration {
    INTERVAL.min(idle / 2).max(Duration::from_millis(100))
}
const LOCK_KEY: &str = "bolide:housekeeping:lock";
/// Set when a round ends: the others skip theirs until it expires.
const DONE_KEY: &str = "bolide:housekeeping:done";
/// How long the round's lock outlives a process that stopped renewing it.
const LOCK_LEASE: Duration = Duration::from_secs(10);

/// Runs rounds until the returned future is dropped.
pub async fn run(relay: Relay) {
    let mut ticker = tokio::time::interval(interval(relay.sessions.idle_ttl()));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(err) = round(&relay).await {
            tracing::warn!(%err, "console housekeeping failed; will retry");
        }
    }
}

/// One round (public for tests, which cannot wait a minute).
pub async fn round(relay: &Relay) -> Result<(), AppError> {
    relay.sessions.shrink();
    let mut system = relay.sessions.system();
    let done: bool = redis::cmd("EXISTS").arg(DONE_KEY).query_async(&mut system).await?;
    if done {
        return Ok(()); // another process did this round
    }
    let Some(lease) = Lease::acquire(&mut system, LOCK_KEY, LOCK_LEASE).await? else {
        return Ok(()); // another process does this round
    };
    let result = work(relay, &mut system).await;
    if result.is_ok() {
        redis::cmd("SET")
            .arg(DONE_KEY)
            .arg(now_ms())
            .arg("PX")
            .arg(u64::try_from(interval(relay.sessions.idle_ttl()).as_millis() * 9 / 10).unwrap_or(u64::MAX))
            .exec_async(&mut system)
            .await?;
    }
    lease.release().await;
    result
}

async fn work(relay: &Relay, system: &mut Connection) -> Result<(), AppError> {
    reap_idle(relay, system).await?;
    if relay.sessions.is_shared() && (relay.limits.max_session_keys > 0 || relay.limits.max_session_bytes > 0)
    {
        measure_quotas(relay, system).await?;
    }
    Ok(())
}

/// Ends every sandbox idle past the timeout, in batches, until none is left.
async fn reap_idle(relay: &Relay, system: &mut Connection) -> Result<(), AppError> {
    loop {
        let idle = relay.sessions.idle(1000).await?;
        if idle.is_empty() {
            return Ok(());
        }
        for raw in idle {
            match SandboxId::parse(&raw) {
                Some(id) => relay.sessions.end(&id).await?,
                None => redis::cmd("ZREM").arg(SANDBOXES_KEY).arg(&raw).exec_async(system).await?,
            }
            tracing::debug!(sandbox = raw.as_str(), "idle sandbox ended");
        }
    }
}

async fn measure_quotas(relay: &Relay, system: &mut Connection) -> Result<(), AppError> {
    let limits = relay.limits;
    let active: Vec<String> =
        redis::cmd("ZRANGE").arg(SANDBOXES_KEY).arg(0).arg(-1).query_async(system).await?;
    for raw in active {
        let Some(id) = SandboxId::parse(&raw) else { continue };
        // Over the sandbox's own keys only, pruning its index as it goes;
        // its count keeps the room given out and not yet spent.
        relay.sessions.measure(&id, limits.max_session_keys, limits.max_session_bytes).await?;
    }
    Ok(())
}
