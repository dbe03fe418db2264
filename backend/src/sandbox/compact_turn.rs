//! A sandbox's **compact turn**: the right to probe, cost and send writes
//! that keep a small hash, set or sorted set compact, held by one batch at
//! a time across every Bolide process of the class.
//!
//! # Why
//! A write that keeps a collection compact reserves only its compact
//! entries, from a probe of the key's encoding and bytes
//! ([`crate::console::cost`]). That holds only if no other write to the
//! key lands between the probe and the write: two connections each adding
//! the 128th field of the same hashes would both probe 127 fields, both
//! reserve one compact entry, and every hash they share converts to a
//! hashtable unreserved (~5 KB a key, until the next measurement; a
//! student's threads repeating it fill Redis far past the quota). So such
//! batches take turns ([`super::headroom::Headroom::compact_turn`]): in a
//! process behind a lock, and across processes — a hosted class may run
//! several `bolide serve` behind one address, and one student's console
//! and script may land on two of them — by this turn in the sandbox's
//! record.
//!
//! # How
//! The record's field `compact` names the holder (`<process>.<take>`) and
//! until when it holds (Redis's clock, [`TURN_TTL_MS`]); [`TAKE`] claims
//! it, [`RELEASE`] gives it back when the batch answered. One process's
//! batches already take turns behind its lock, so the turn is its
//! process's: a batch may take it while the release of the one before is
//! still on its way (that release, of an older take, leaves it alone).
//! A process that finds another's turn notes that it waits
//! (`compact_wanted`, expiring in [`WANTED_TTL_MS`]), so the holder's next
//! batch lets it have the turn rather than take it again: two processes
//! writing hashes of one sandbox alternate, neither starves. It asks again
//! after a short sleep (doubling, at most [`MAX_SLEEP`]); a holder that
//! died leaves the turn for [`TURN_TTL_MS`] at most.
//!
//! # What it costs
//! One script call per batch that adds to a compact collection (an `HSET`
//! line, a socket read of a redis-py pipeline of `HSET`s), on Bolide's own
//! connection, and a release sent without waiting. Writes costed without
//! a compact probe (strings, lists, every `SET` and `GET`) never take it.
//!
//! The slack left: a batch still unanswered [`TURN_TTL_MS`] after it took
//! the turn (Redis stalled for ten seconds) may overlap the next holder's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use redis::Script;

use super::headroom::release_later;
use super::store::SandboxId;
use crate::error::AppError;
use crate::redis_conn::Connection;

/// How long a turn is held at most, by Redis's clock.
pub const TURN_TTL_MS: u64 = 10_000;
/// How long a waiter's claim on the next turn lasts, unless renewed (it
/// asks again within [`MAX_SLEEP`]).
pub const WANTED_TTL_MS: u64 = 250;
/// The longest sleep between two asks of a waiting batch.
pub const MAX_SLEEP: Duration = Duration::from_millis(20);
/// How long a batch waits for the turn at most (a holder that died leaves
/// it for [`TURN_TTL_MS`]), before it fails.
pub const MAX_WAIT: Duration = Duration::from_millis(TURN_TTL_MS + 5_000);

/// `KEYS[1]` the record. `ARGV`: this take (`<process>.<n>`), its process,
/// [`TURN_TTL_MS`], [`WANTED_TTL_MS`]. Takes the turn (0) if nobody holds
/// it, or this process does, and no other process waits for it; else
/// notes this process waits and answers the milliseconds the holder has
/// left (at least 1). A sandbox that ended has no turn to take (0).
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function live(field)
  local value = redis.call('HGET', KEYS[1], field)
  if not value then return nil, 0 end
  local who, process, expires = string.match(value, '^(([^.]*)%.[^:]*):(%d+)$')
  if who and tonumber(expires) > now then return process, tonumber(expires) - now end
  return nil, 0
end
local holder, left = live('compact')
local waiter = live('compact_wanted')
local mine = ARGV[2]
if (holder == nil or holder == mine) and (waiter == nil or waiter == mine) then
  redis.call('HSET', KEYS[1], 'compact', ARGV[1] .. ':' .. (now + tonumber(ARGV[3])))
  if waiter == mine then redis.call('HDEL', KEYS[1], 'compact_wanted') end
  return 0
end
if waiter == nil or waiter == mine then
  redis.call('HSET', KEYS[1], 'compact_wanted', ARGV[1] .. ':' .. (now + tonumber(ARGV[4])))
end
return math.max(1, left)
",
    )
});

/// `KEYS[1]` the record; `ARGV[1]` a take: gives the turn back if that
/// take still holds it.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local value = redis.call('HGET', KEYS[1], 'compact')
if value and string.sub(value, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then
  return redis.call('HDEL', KEYS[1], 'compact')
end
return 0
",
    )
});

/// Takes and gives back sandboxes' compact turns for one process.
#[derive(Clone)]
pub struct CompactTurns {
    system: Connection,
    process: Arc<String>,
    takes: Arc<AtomicU64>,
}

/// A batch's turn across processes, given back when dropped.
#[must_use = "the turn is given back when dropped"]
pub struct Taken {
    system: Connection,
    record: String,
    take: String,
}

impl CompactTurns {
    /// `process`: this process's name (it contains no `.` or `:`).
    pub fn new(system: Connection, process: Arc<String>) -> Self {
        Self { system, process, takes: Default::default() }
    }

    /// Waits for `id`'s turn (see the module docs), at most [`MAX_WAIT`].
    pub async fn take(&self, id: &SandboxId) -> Result<Taken, AppError> {
        let take = format!("{}.{}", self.process, self.takes.fetch_add(1, Ordering::Relaxed));
        let record = id.key();
        let asked = Instant::now();
        let mut sleep = Duration::from_millis(1);
        loop {
            let left: u64 = TAKE
                .key(&record)
                .arg(&take)
                .arg(self.process.as_str())
                .arg(TURN_TTL_MS)
                .arg(WANTED_TTL_MS)
                .invoke_async(&mut self.system.clone())
                .await?;
            if left == 0 {
                return Ok(Taken { system: self.system.clone(), record, take });
            }
            if asked.elapsed() >= MAX_WAIT {
                return Err(AppError::RedisUnavailable(
                    "another connection of this sandbox held its turn to write small collections for too long"
                        .into(),
                ));
            }
            tokio::time::sleep(sleep.min(Duration::from_millis(left))).await;
            sleep = (sleep * 2).min(MAX_SLEEP);
        }
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        // It expires by itself (TURN_TTL_MS).
        let (record, take) = (std::mem::take(&mut self.record), std::mem::take(&mut self.take));
        release_later(&self.system, &RELEASE, record, take, "a compact turn was not given back");
    }
}
