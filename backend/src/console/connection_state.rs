//! Where redis-cli's per-connection state lives: the `SELECT`ed database
//! and the `MULTI` queue.
//!
//! Redis keeps them per connection. The browser console has no connection
//! of its own (each line is an HTTP request any API process may serve), so
//! it keeps them in the sandbox's record in Redis ([`StateHome::Sandbox`]).
//! A gateway connection *is* a connection: it keeps its own, in memory,
//! for as long as it is open ([`StateHome::Connection`]), so two scripts of
//! one sandbox (or a script and the console) never share a transaction.
//! The relay asks this type and does not care which it is.

use std::sync::{Arc, Mutex};

use crate::error::AppError;
use crate::sandbox::store::{Queued, SandboxId, SandboxStore};

/// Bytes one connection may queue inside `MULTI` (the lines as stored).
pub const MAX_QUEUED_BYTES: usize = 32 * 1024 * 1024;

#[derive(Clone, Default)]
pub enum StateHome {
    /// The sandbox's record (the browser console).
    #[default]
    Sandbox,
    /// This connection's memory: the lines queued since `MULTI`.
    Connection(Arc<Mutex<Vec<String>>>),
}

impl StateHome {
    /// A new connection's own, empty state.
    pub fn connection() -> Self {
        Self::Connection(Arc::default())
    }

    /// `MULTI`: an empty queue.
    pub async fn begin(&self, store: &SandboxStore, id: &SandboxId) -> Result<(), AppError> {
        match self {
            Self::Sandbox => store.begin(id).await,
            Self::Connection(queue) => {
                lock(queue)?.clear();
                Ok(())
            }
        }
    }

    /// Queues one line unless the queue holds `max` lines already or the
    /// line would take it past `max_bytes`: checked before it is stored,
    /// so a refused line costs no memory.
    pub async fn queue(
        &self,
        store: &SandboxStore,
        id: &SandboxId,
        line: &str,
        max: u64,
        max_bytes: u64,
    ) -> Result<Queued, AppError> {
        match self {
            Self::Sandbox => store.queue(id, line, max, max_bytes).await,
            Self::Connection(queue) => {
                let mut queue = lock(queue)?;
                let queued = queue.len() as u64;
                let bytes: usize = queue.iter().map(String::len).sum::<usize>() + line.len();
                if queued >= max {
                    return Ok(Queued::TooMany);
                }
                if bytes as u64 > max_bytes {
                    return Ok(Queued::TooLarge);
                }
                queue.push(line.to_string());
                Ok(Queued::Queued(queued + 1))
            }
        }
    }

    /// Marks the transaction doomed. The flag itself is the caller's
    /// session state; the console also stores it for its next request.
    pub async fn fail_tx(&self, store: &SandboxStore, id: &SandboxId) -> Result<(), AppError> {
        match self {
            Self::Sandbox => store.fail_tx(id).await,
            Self::Connection(_) => Ok(()),
        }
    }

    /// Ends the transaction and hands back what was queued.
    pub async fn take_tx(&self, store: &SandboxStore, id: &SandboxId) -> Result<Vec<String>, AppError> {
        match self {
            Self::Sandbox => store.take_tx(id).await,
            Self::Connection(queue) => Ok(std::mem::take(&mut *lock(queue)?)),
        }
    }

    /// `SELECT`: the database for the next commands (the caller's session
    /// state holds it; the console also stores it).
    pub async fn select(&self, store: &SandboxStore, id: &SandboxId, db: u32) -> Result<(), AppError> {
        match self {
            Self::Sandbox => store.select(id, db).await,
            Self::Connection(_) => Ok(()),
        }
    }
}

fn lock(queue: &Mutex<Vec<String>>) -> Result<std::sync::MutexGuard<'_, Vec<String>>, AppError> {
    queue.lock().map_err(|_| AppError::Internal("a connection's MULTI queue is poisoned".into()))
}
