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
//!
//! A gateway connection also keeps one **private Redis connection** here,
//! for commands with arguments that are not UTF-8 (which must not go down
//! a shared connection: see `Relay::isolated_connection`): opened on the
//! first such command, reused for the next ones (a pipeline of binary
//! `SET`s is one connection, not one per command), replaced when the
//! session's credentials or database change, dropped after a reply the
//! client library could not read (it may have lost its place in the
//! stream), and closed with the client's connection. The console, whose
//! requests share nothing, opens one per command.

use std::sync::{Arc, Mutex};

use redis::aio::MultiplexedConnection;

use crate::error::AppError;
use crate::sandbox::store::{Queued, SandboxId, SandboxStore};

/// Bytes one connection may queue inside `MULTI` (the lines as stored).
pub const MAX_QUEUED_BYTES: usize = 32 * 1024 * 1024;

#[derive(Clone, Default)]
pub enum StateHome {
    /// The sandbox's record (the browser console).
    #[default]
    Sandbox,
    /// This connection's memory.
    Connection(Arc<ConnectionMemory>),
}

/// What a gateway connection keeps for itself.
#[derive(Default)]
pub struct ConnectionMemory {
    /// The lines queued since `MULTI`.
    queue: Mutex<Vec<String>>,
    /// The private Redis connection and the URL it was opened with. A
    /// tokio mutex: commands of one pipelined batch wait for the first to
    /// open it, in order.
    private: tokio::sync::Mutex<Option<(String, MultiplexedConnection)>>,
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
            Self::Connection(memory) => {
                lock(&memory.queue)?.clear();
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
            Self::Connection(memory) => {
                let mut queue = lock(&memory.queue)?;
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
            Self::Connection(memory) => Ok(std::mem::take(&mut *lock(&memory.queue)?)),
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

impl StateHome {
    /// A Redis connection of the caller's alone, to `url`: this
    /// connection's private one (opened on first use, or when `url`
    /// changed), or — for the console — a new one.
    pub async fn private_connection(&self, url: &str) -> Result<MultiplexedConnection, AppError> {
        let open = || crate::redis_conn::private_connection(url, crate::redis_conn::RESPONSE_TIMEOUT);
        let Self::Connection(memory) = self else { return Ok(open().await?) };
        let mut private = memory.private.lock().await;
        if let Some((opened_for, conn)) = private.as_ref() {
            if opened_for == url {
                return Ok(conn.clone());
            }
        }
        *private = None;
        let conn = open().await?;
        *private = Some((url.to_string(), conn.clone()));
        Ok(conn)
    }

    /// Drops the private connection (the next command opens a new one).
    pub async fn forget_private_connection(&self) {
        if let Self::Connection(memory) = self {
            *memory.private.lock().await = None;
        }
    }
}

fn lock(queue: &Mutex<Vec<String>>) -> Result<std::sync::MutexGuard<'_, Vec<String>>, AppError> {
    queue.lock().map_err(|_| AppError::Internal("a connection's MULTI queue is poisoned".into()))
}
