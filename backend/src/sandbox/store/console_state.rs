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
            .hset_multiple(id.key(), &[("tx", 1), ("txerr", 0)])
            .exec_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Queues one line; returns how many are queued now.
    pub async fn queue(&self, id: &SandboxId, line: &str) -> Result<u64, AppError> {
        let mut conn = self.system.clone();
        let (len,): (u64,) = redis::pipe()
            .atomic()
            .rpush(id.tx_key(), line)
            .pexpire(id.tx_key(), i64::try_from(self.lifetime.idle.as_millis()).unwrap_or(i64::MAX))
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(len)
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
            .hset_multiple(id.key(), &[("tx", 0), ("txerr", 0)])
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(lines)
    }
}
