//! The console's redis-cli state of a sandbox, kept in its record so that
//! several Bolide processes serve the same sandbox: the database
//! `SELECT`ed (local mode) and an open `MULTI` with its queued lines
//! (`bolide:sandbox:{<id>}:tx`). The console decides what these mean; the
//! store only keeps them, because they live and end with the sandbox.

use super::{SandboxId, SandboxStore};
use crate::error::AppError;

/// What redis-cli would remember about its connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionState {
    /// The database `SELECT`ed (local mode).
    pub db: u32,
    /// Inside `MULTI`.
    pub in_tx: bool,
    /// A command queued in this `MULTI` was rejected: `EXEC` must abort.
    pub tx_failed: bool,
}

/// What queueing a `MULTI` line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// Queued; this many lines are queued now.
    Queued(u64),
    /// Refused: the queue holds its most lines already.
    TooMany,
    /// Refused: the line would take the queue past its most bytes.
    TooLarge,
}

/// `KEYS[1]` the queue, `KEYS[2]` the record (its `txbytes`); `ARGV`: the
/// line, the most lines, the most bytes, the queue's lifetime in ms.
const QUEUE_SCRIPT: &str = r"
local n = redis.call('LLEN', KEYS[1])
if n >= tonumber(ARGV[2]) then return -1 end
local bytes = tonumber(redis.call('HGET', KEYS[2], 'txbytes') or '0')
if bytes + string.len(ARGV[1]) > tonumber(ARGV[3]) then return -2 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('HINCRBY', KEYS[2], 'txbytes', string.len(ARGV[1]))
return n + 1
";

impl SandboxStore {
    /// `SELECT`: remembers the database for the console's next commands.
    pub async fn select(&self, id: &SandboxId, db: u32) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        redis::cmd("HSET").arg(id.key()).arg("db").arg(db).exec_async(&mut conn).await?;
        Ok(())
    }

    /// `MULTI`: opens an empty queue.
    pub async fn begin(&self, id: &SandboxId) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        redis::pipe()
            .atomic()
            .del(id.tx_key())
            .hset_multiple(id.key(), &[("tx", 1), ("txerr", 0), ("txbytes", 0)])
            .exec_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Queues one line unless the queue holds `max_lines` already or the
    /// line would take it past `max_bytes` — checked before it is stored,
    /// in one script, so nothing past the bounds ever reaches Redis's memory.
    pub async fn queue(
        &self,
        id: &SandboxId,
        line: &str,
        max_lines: u64,
        max_bytes: u64,
    ) -> Result<Queued, AppError> {
        let mut conn = self.system.clone();
        let answer: i64 = redis::Script::new(QUEUE_SCRIPT)
            .key(id.tx_key())
            .key(id.key())
            .arg(line)
            .arg(max_lines)
            .arg(max_bytes)
            .arg(u64::try_from(self.lifetime.idle.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut conn)
            .await?;
        Ok(match answer {
            -1 => Queued::TooMany,
            -2 => Queued::TooLarge,
            n => Queued::Queued(n.unsigned_abs()),
        })
    }

    /// Marks the open transaction as doomed (`EXEC` will answer EXECABORT).
    pub async fn fail_tx(&self, id: &SandboxId) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        redis::cmd("HSET").arg(id.key()).arg("txerr").arg(1).exec_async(&mut conn).await?;
        Ok(())
    }

    /// Ends the transaction and hands back what was queued (for `EXEC`;
    /// `DISCARD` just drops it).
    pub async fn take_tx(&self, id: &SandboxId) -> Result<Vec<String>, AppError> {
        let mut conn = self.system.clone();
        let (lines,): (Vec<String>,) = redis::pipe()
            .atomic()
            .lrange(id.tx_key(), 0, -1)
            .del(id.tx_key())
            .ignore()
            .hset_multiple(id.key(), &[("tx", 0), ("txerr", 0), ("txbytes", 0)])
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(lines)
    }
}
