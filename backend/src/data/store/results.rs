//! Filtered results, bounded per sandbox: how many are computed at once
//! and how much of them is kept.
//!
//! A new filter over a large dataset is the browser's one expensive read:
//! at a million landings it costs Bolide seconds and tens of MiB while it
//! is computed, and its result (a list of ids, [`super::page`]) is kept in
//! Redis a minute. Unbounded, one student firing random filters six at a
//! time would fill Redis with results and slow every other student down.
//! So, per sandbox ([`Filters`], one per process):
//!
//! - **one computation in flight** (`--data-filters-in-flight`, 1 by
//!   default): a second new filter of the same sandbox waits for it up to
//!   [`Bounds::wait`], then is answered `429` ("one new filter at a time");
//!   a page of a result already kept, and every other sandbox's request,
//!   never waits for it. (Per process, as the rate limits are.)
//! - **kept results bounded** (`--data-results-per-sandbox`, 8, and
//!   `--data-result-bytes-per-sandbox`, 16 MiB): each result computed is
//!   recorded in the sandbox's own `results` sorted set (by when it was
//!   made) with its estimated bytes (`results:bytes`), and the sandbox's
//!   oldest results are deleted while it is past either bound — never the
//!   newest (the page being answered reads it), never another sandbox's.
//!   So Redis holds at most those bounds per sandbox, plus one result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Owner;
use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::clock::now_ms;

/// The per-sandbox bounds of filtered results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// New filters computed at once per sandbox (0 = unlimited).
    pub in_flight: usize,
    /// How long a new filter waits for the sandbox's turn.
    pub wait: Duration,
    /// Results kept per sandbox (0 = unlimited).
    pub kept: usize,
    /// Estimated bytes of the results kept per sandbox (0 = unlimited).
    pub kept_bytes: u64,
}

impl Bounds {
    pub const DEFAULT: Bounds =
        Bounds { in_flight: 1, wait: Duration::from_secs(2), kept: 8, kept_bytes: 16 * 1024 * 1024 };
    /// No bounds (local mode: one student; the CLI, benches).
    pub const NONE: Bounds = Bounds { in_flight: 0, wait: Duration::ZERO, kept: 0, kept_bytes: 0 };

    /// The mode's bounds: [`Bounds::DEFAULT`] on a shared Bolide.
    pub fn for_tenancy(tenancy: crate::sandbox::Tenancy) -> Bounds {
        if tenancy.is_shared() {
            Bounds::DEFAULT
        } else {
            Bounds::NONE
        }
    }
}

/// Every sandbox's turns at computing a filter, in this process.
pub struct Filters {
    pub bounds: Bounds,
    turns: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A sandbox's turn at computing a filter, held until dropped.
pub struct Turn {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Filters {
    pub fn new(bounds: Bounds) -> Self {
        Self { bounds, turns: Mutex::default() }
    }

    /// `scope`'s turn: at once if it has one free, else after waiting up
    /// to [`Bounds::wait`], else a `429`.
    pub async fn turn(&self, scope: &Owner) -> Result<Turn, AppError> {
        if self.bounds.in_flight == 0 {
            return Ok(Turn { _permit: None });
        }
        let semaphore = {
            // Nothing under this lock can leave the map half-changed, so a
            // poisoned lock (a panic elsewhere) is taken as it is: turns
            // stay bounded whatever happened.
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            // Forget sandboxes with no filter running (all permits back,
            // and nobody else holding the semaphore).
            if turns.len() > 1024 {
                let all = self.bounds.in_flight;
                turns.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < all);
            }
            turns
                .entry(scope.key(""))
                .or_insert_with(|| Arc::new(Semaphore::new(self.bounds.in_flight)))
                .clone()
        };
        match tokio::time::timeout(self.bounds.wait, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Turn { _permit: Some(permit) }),
            Ok(Err(_)) => Err(AppError::Internal("the filters' turns are closed".into())),
            Err(_) => Err(AppError::RateLimited {
                message: format!(
                    "one new filter at a time: this sandbox is already computing {} (a new filter over a large \
                     data set takes seconds); try again when it is done",
                    if self.bounds.in_flight == 1 { "one".to_string() } else { self.bounds.in_flight.to_string() }
                ),
                retry_after: Duration::from_secs(1),
            }),
        }
    }

    /// New filters `scope` is computing now, in this process.
    pub fn in_flight(&self, scope: &Owner) -> usize {
        let turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        turns.get(&scope.key("")).map_or(0, |s| self.bounds.in_flight - s.available_permits())
    }
}

/// How long a sandbox's record of its results outlives its last new
/// filter (its results expire within a minute of their last page).
const INDEX_TTL_SECONDS: u64 = 3600;

/// The bytes a result of these ids takes in Redis, estimated: each list
/// entry's id and header, the keys and the summary hash.
pub fn estimate(ids: &[String], nulls: &[String]) -> u64 {
    let entries: usize = ids.iter().chain(nulls).map(|id| id.len() + 2).sum();
    (entries + 3 * 128 + 256) as u64
}

/// Records `key` (a result just written, with its `:nulls` and `:stats`)
/// as `scope`'s newest, then deletes its oldest results while it keeps
/// more than `bounds` allow (the newest always stays).
pub async fn keep(
    conn: &mut Connection,
    scope: &Owner,
    key: &str,
    bytes: u64,
    bounds: &Bounds,
) -> Result<(), AppError> {
    let (index, sizes) = (scope.key("results"), scope.key("results:bytes"));
    let (kept, sized): (Vec<String>, Vec<(String, u64)>) = redis::pipe()
        .cmd("ZADD")
        .arg(&index)
        .arg(now_ms())
        .arg(key)
        .ignore()
        .cmd("HSET")
        .arg(&sizes)
        .arg(key)
        .arg(bytes)
        .ignore()
        .cmd("EXPIRE")
        .arg(&index)
        .arg(INDEX_TTL_SECONDS)
        .ignore()
        .cmd("EXPIRE")
        .arg(&sizes)
        .arg(INDEX_TTL_SECONDS)
        .ignore()
        .cmd("ZRANGE")
        .arg(&index)
        .arg(0)
        .arg(-1)
        .cmd("HGETALL")
        .arg(&sizes)
        .query_async(conn)
        .await?;
    let sized: HashMap<String, u64> = sized.into_iter().collect();
    let mut count = kept.len();
    let mut total: u64 = kept.iter().map(|k| sized.get(k).copied().unwrap_or(0)).sum();
    let mut evict = redis::pipe();
    let mut evicted = 0;
    // Oldest first; the newest (`key`, last) is never evicted.
    for old in kept.iter().filter(|k| *k != key) {
        let over =
            (bounds.kept > 0 && count > bounds.kept) || (bounds.kept_bytes > 0 && total > bounds.kept_bytes);
        if !over {
            break;
        }
        evict.cmd("UNLINK").arg(&super::layout::result_keys(old)).ignore();
        evict.cmd("ZREM").arg(&index).arg(old).ignore();
        evict.cmd("HDEL").arg(&sizes).arg(old).ignore();
        count -= 1;
        total = total.saturating_sub(sized.get(old).copied().unwrap_or(0));
        evicted += 1;
    }
    if evicted > 0 {
        evict.exec_async(conn).await?;
    }
    Ok(())
}

/// How many results `scope` keeps and their estimated bytes, as recorded
/// (a result that expired meanwhile still counts until it is evicted).
pub async fn kept(conn: &mut Connection, scope: &Owner) -> Result<(u64, u64), AppError> {
    let (count, sizes): (u64, Vec<u64>) = redis::pipe()
        .cmd("ZCARD")
        .arg(scope.key("results"))
        .cmd("HVALS")
        .arg(scope.key("results:bytes"))
        .query_async(conn)
        .await?;
    Ok((count, sizes.iter().sum()))
}
