//! A sandbox's memory headroom: every write takes room from the sandbox's
//! count *before* it runs, without a Redis round trip of its own.
//!
//! # What must hold
//! No sandbox ever holds more than its quota + 1 MiB, whatever it sends.
//! (A change of encoding is one: a write that makes Redis convert a
//! small collection to its full encoding adds what the key's existing
//! elements then take; [`crate::console::cost`] probes a collection's
//! encoding before such a write and reserves that too.)
//! So every write reserves an upper bound of what it can add
//! ([`crate::console::cost`]: its arguments plus Redis's overheads, one
//! rule per command family) in one count per sandbox, `used` in its record
//! ([`super::store`]), which never lets the sum pass the quota. A
//! measurement (what the sandbox really holds: [`Measure`]) replaces the
//! count from time to time, as overwrites make it drift above the truth.
//!
//! # Leases: no round trip per command
//! Asking Redis for every `SET` would halve the gateway's pipelined speed.
//! So a Bolide process takes a **lease** of room for a sandbox — one
//! script call adding the command's need and `min(`[`LEASE`]`, what is
//! left)` to `used` — and spends it locally, command by command; it takes
//! another when the lease runs out. A command (or a transaction) needing
//! more than a lease reserves its own room instead, held in the record
//! until it answered (one round trip per 256 KiB at least). A lease is spent or dropped
//! within [`LOCAL_TTL`] of being asked for; what was not spent stays
//! counted until the next measurement (the safe side).
//!
//! # Measurements keep leases counted
//! Resetting `used` from a measurement must not forget room already given
//! out: a lease not yet spent, or a write reserved whose bytes did not
//! reach Redis yet when its key was measured. So each grant is also noted
//! in the record as `held:<process>`: the lease's bytes plus the bytes this
//! process had in flight (reserved, reply not back: [`Spent`] guards), with
//! an expiry ([`HELD_TTL`], longer than [`LOCAL_TTL`], by Redis's clock). A
//! measurement sets `used` = what it measured + every unexpired `held`
//! entry ([`RECORD`], one script). Room granted before the measurement's
//! script is thus either in what it measured or in a `held` entry (or in
//! both: the safe side); room granted after adds to the new count. The
//! data API's loads hold their reservation the same way
//! ([`Headroom::hold`]: `held:q:<token>`), until the load ends.
//!
//! The slack left: a write still in flight [`HELD_TTL`] after its lease
//! was granted (Redis stalled for half a minute) is no longer held; nothing
//! else. Leases themselves add none: `processes × LEASE` stays counted.
//!
//! # Measuring when the room runs out
//! When a lease cannot be had, the count may only be stale (a million
//! `SET k v` counted a million times): the caller measures the sandbox
//! now ([`Headroom::spend_or_measure`], [`super::store::SandboxStore::measure`]:
//! O(its own keys)) and asks again; only then is the write refused. A
//! write waits up to [`MAX_WAIT`] for a measurement to be allowed, and a
//! process's writes of one sandbox measure one at a time (those that
//! waited while another measured ask again, and are refused at once if
//! there is still no room): a pipelined flood of overwrites is measured,
//! not refused. A caller (a gateway connection, a console line) waits at
//! most once per [`MAX_WAIT`] ([`Patience`]): for a second after a wait or
//! a measurement, its writes short of room are measured again only if a
//! measurement is allowed at once, else refused at once — a pipeline of
//! `n` writes past the quota waits about a second, not `n` (it reaches
//! the relay in many batches: a socket read holds a few 60 KB `SET`s). To
//! keep measuring cheap, a sandbox is measured on demand at most once per
//! [`MIN_GAP_MS`] and never more often than [`COST_FACTOR`] times its last
//! measurement's duration (so measuring takes at most ~5% of Redis's time
//! for a sandbox that keeps hitting its quota).
//!
//! # Compact writes, one batch at a time
//! A write that keeps a small hash, set or sorted set compact reserves
//! only its compact entries, from a probe of the key's encoding and bytes
//! ([`crate::console::cost`]). That holds only if no other write to the
//! key lands between the probe and the write: two connections of one
//! sandbox each adding the 128th field of the same hashes (a student's
//! threads, or a script beside the console) would both probe 127 fields,
//! both reserve one compact entry, and every hash they share converts to
//! a hashtable unreserved (~5 KB a key, until the next measurement). So a
//! process costs and sends one sandbox's batches and transactions whose
//! cost rests on such a probe one at a time ([`Headroom::compact_turn`]):
//! behind a lock in this process, and across the class's processes by a
//! turn in the sandbox's record ([`super::compact_turn`]). Its other
//! writes (strings, lists, anything costed without a compact probe) never
//! wait for the turn, nor does any other sandbox.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use redis::Script;

use super::compact_turn::{CompactTurns, Taken};
use super::ids::random_hex;
use super::store::SandboxId;
use super::Owner;
use crate::error::AppError;
use crate::redis_conn::Connection;

/// Room one lease asks for beside the command's own need: 256 KiB (a
/// sandbox near its quota gets what is left).
pub const LEASE: u64 = 256 * 1024;
/// How long this process may spend a lease after asking for it.
pub const LOCAL_TTL: Duration = Duration::from_secs(10);
/// How long a measurement counts a grant as held (by Redis's clock): past
/// [`LOCAL_TTL`], with room for writes still in flight.
pub const HELD_TTL_MS: u64 = 30_000;
/// How long a data load's reservation is held at most (it is released
/// when the load ends).
pub const LOAD_HELD_TTL_MS: u64 = 600_000;
/// Measurements on demand: at least this far apart (a small sandbox that
/// overwrites one key at 200,000 `SET`s a second reserves 64 MiB in about
/// a second: it is measured about once a second, never refused)…
pub const MIN_GAP_MS: u64 = 100;
/// …and at least this many times the last measurement's duration apart.
pub const COST_FACTOR: u64 = 20;

/// `KEYS[1]` the record. `ARGV`: the bytes needed, the extra wanted, the
/// quota, the `held` field, the bytes already in flight, its TTL (ms).
/// Grants `need + min(extra, room - need)`, notes it held, answers
/// `{granted, used}`; `{0, used}` when `need` does not fit. Only a sandbox
/// that still exists (HINCRBY would recreate its record).
static LEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local need, extra, quota = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if used + need > quota then return {0, used} end
local grant = need + math.min(extra, quota - used - need)
used = redis.call('HINCRBY', KEYS[1], 'used', grant)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[4], (now + tonumber(ARGV[6])) .. ':' .. (grant + tonumber(ARGV[5])))
return {grant, used}
",
    )
});

/// `KEYS[1]` the record. `ARGV`: the bytes measured, the quota verdict
/// (`""`: within), the measurement's duration (ms). Sets `used` to the
/// bytes plus every unexpired `held` entry (dropping expired ones), and
/// when it was measured; answers the new `used` (-1: no such sandbox).
pub static RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fields = redis.call('HGETALL', KEYS[1])
local held = 0
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, 1, 5) == 'held:' then
    local expires, bytes = string.match(fields[i + 1], '^(%d+):(%d+)$')
    if expires and tonumber(expires) > now then
      held = held + tonumber(bytes)
    else
      redis.call('HDEL', KEYS[1], name)
    end
  end
end
local used = tonumber(ARGV[1]) + held
redis.call('HSET', KEYS[1], 'used', used, 'quota', ARGV[2], 'measured', now, 'measure_ms', ARGV[3])
return used
",
    )
});

/// `KEYS[1]` the record. `ARGV`: [`MIN_GAP_MS`], [`COST_FACTOR`]. Claims
/// a measurement on demand (0) if the last one is old enough, else answers
/// the milliseconds until it is (-1: no such sandbox).
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('HGET', KEYS[1], 'measured') or '0')
local took = tonumber(redis.call('HGET', KEYS[1], 'measure_ms') or '0')
local gap = math.max(tonumber(ARGV[1]), tonumber(ARGV[2]) * took)
if now - last < gap then return math.max(1, last + gap - now) end
redis.call('HSET', KEYS[1], 'measured', now)
return 0
",
    )
});

/// How long a write whose room ran out waits for a measurement on demand
/// to be allowed, at most, before it is refused.
pub const MAX_WAIT: Duration = Duration::from_secs(1);

/// Whether a caller's writes may still wait for a measurement on demand
/// (see the module docs): a wait or a measurement spends it for
/// [`MAX_WAIT`].
#[derive(Debug, Clone, Default)]
pub struct Patience {
    spent_at: Option<Instant>,
    /// The caller's sandbox's lease slot, kept from its last write: a
    /// caller writes to its own sandbox, often (a pipelined client, every
    /// command), and finding the slot in this process's map of them took
    /// a lock and a hash of the id each time.
    slot: Option<(SandboxId, Arc<Slot>)>,
}

impl Patience {
    fn may_wait(&self) -> bool {
        self.spent_at.is_none_or(|at| at.elapsed() >= MAX_WAIT)
    }
}

/// `KEYS[1]` the record; `ARGV[1]` a `held` field: no longer held.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
",
    )
});

/// What one feature's part of a sandbox holds: keys and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measured {
    pub keys: u64,
    pub bytes: u64,
}

impl Measured {
    pub fn plus(self, other: Measured) -> Measured {
        Measured { keys: self.keys + other.keys, bytes: self.bytes.saturating_add(other.bytes) }
    }
}

/// What a measurement of one sandbox reaches Redis with.
#[derive(Clone)]
pub struct Measuring {
    pub id: SandboxId,
    pub owner: Owner,
    /// Bolide's own connection to the system database.
    pub system: Connection,
    /// Bolide's own connection to database 0 (the students' keys).
    pub data: Connection,
}

/// A feature's measurement of what a sandbox holds in it (the console:
/// its keys and key index; the data API: its indexes), O(its own keys).
pub type Measure =
    Arc<dyn Fn(Measuring) -> Pin<Box<dyn Future<Output = Result<Measured, AppError>> + Send>> + Send + Sync>;

/// A measurement from an async function.
pub fn measure<F, Fut>(f: F) -> Measure
where
    F: Fn(Measuring) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Measured, AppError>> + Send + 'static,
{
    Arc::new(move |measuring| Box::pin(f(measuring)))
}

/// One sandbox's lease in this process, its entry in the map of leases.
///
/// Its counters are under a plain lock, held for a few instructions and
/// never across an await: every write takes from them. An async lock
/// around them, held while a new lease was asked for, made the writes of a
/// busy sandbox queue behind each other (a fair lock handed on to the next
/// in line, each a task switch) long after the request had ended; only the
/// requests for a lease wait for each other now (`asking`).
#[derive(Debug, Default)]
struct Slot {
    /// Out of the map ([`Headroom::forget`]): a caller that kept it looks
    /// the sandbox up again, as one that did not would.
    forgotten: AtomicBool,
    lease: Mutex<Lease>,
    /// Held while this process asks Redis for a new lease of the sandbox:
    /// one request at a time, the writes short of room waiting for it.
    asking: tokio::sync::Mutex<()>,
    /// Taken while this process measures the sandbox on demand, with when
    /// its last such measurement ended.
    measuring: Arc<tokio::sync::Mutex<Option<Instant>>>,
    /// Bytes spent whose command has not answered yet.
    in_flight: Arc<AtomicU64>,
    /// The turn of writes costed from a compact probe ([`CompactTurn`]).
    compact: Arc<tokio::sync::Mutex<()>>,
}

/// What is left of a lease, and until when.
#[derive(Debug, Default, Clone, Copy)]
struct Lease {
    /// Bytes of the lease not yet spent.
    left: u64,
    /// Until when it may be spent.
    until: Option<Instant>,
}

impl Slot {
    fn lease(&self) -> std::sync::MutexGuard<'_, Lease> {
        self.lease.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Spends `bytes` from the lease if it is fresh and has them.
    fn spend_leased(&self, bytes: u64) -> Option<Spent> {
        let mut lease = self.lease();
        let fresh = lease.until.is_some_and(|until| Instant::now() < until);
        if !fresh || lease.left < bytes {
            return None;
        }
        lease.left -= bytes;
        self.in_flight.fetch_add(bytes, Ordering::Relaxed);
        Some(Spent { bytes, in_flight: Some(self.in_flight.clone()), _held: None })
    }

    /// Closes the lease while a new one is asked for (nothing is spent
    /// from it meanwhile, so what is in flight can be read now); what was
    /// left of it if it was fresh, to reopen if no new one is granted.
    fn close(&self) -> Lease {
        let mut lease = self.lease();
        let fresh = lease.until.is_some_and(|until| Instant::now() < until);
        let old = if fresh { *lease } else { Lease::default() };
        *lease = Lease::default();
        old
    }

    fn reopen(&self, old: Lease) {
        *self.lease() = old;
    }
}

/// A sandbox's turn to probe, cost and send writes that keep a collection
/// compact (see the module docs): this process's lock, then the class's
/// turn ([`super::compact_turn`]); held until dropped.
pub struct CompactTurn {
    // Given back before the lock lets this process's next batch in.
    _taken: Taken,
    _local: tokio::sync::OwnedMutexGuard<()>,
}

/// Room spent by a command: counted in flight until dropped (after its
/// reply). Empty for commands that reserve nothing.
#[derive(Default)]
#[must_use = "the room counts as in flight until the command answered"]
pub struct Spent {
    bytes: u64,
    in_flight: Option<Arc<AtomicU64>>,
    /// A command larger than a lease holds its own reservation.
    _held: Option<Held>,
}

impl Spent {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Spent {
    fn drop(&mut self) {
        if let Some(in_flight) = &self.in_flight {
            in_flight.fetch_sub(self.bytes, Ordering::Relaxed);
        }
    }
}

/// A data load's reservation, held in the record until dropped.
pub struct Held {
    system: Connection,
    record: String,
    field: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        // It expires by itself (LOAD_HELD_TTL_MS): the safe side.
        let (record, field) = (std::mem::take(&mut self.record), std::mem::take(&mut self.field));
        release_later(&self.system, &RELEASE, record, field, "a load's held room was not released");
    }
}

/// Runs `script` on `record` with `arg` without waiting for it: a guard's
/// release, from its `Drop` (what it releases expires by itself, so a
/// failure is only logged, as `failed`).
pub(super) fn release_later(
    system: &Connection,
    script: &'static Script,
    record: String,
    arg: String,
    failed: &'static str,
) {
    let mut system = system.clone();
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            let result: redis::RedisResult<i64> = script.key(record).arg(arg).invoke_async(&mut system).await;
            if let Err(err) = result {
                tracing::debug!(%err, "{failed}");
            }
        });
    }
}

/// This process's leases, one per sandbox (see the module docs).
#[derive(Clone)]
pub struct Headroom {
    system: Connection,
    /// Names this process's `held:` entries.
    process: Arc<String>,
    leases: Arc<Mutex<HashMap<SandboxId, Arc<Slot>>>>,
    turns: CompactTurns,
}

impl Headroom {
    pub fn new(system: Connection) -> Self {
        // The process's name only needs to differ from the others'.
        let process = Arc::new(random_hex().unwrap_or_else(|_| format!("p{}", std::process::id())));
        let turns = CompactTurns::new(system.clone(), process.clone());
        Self { system, process, leases: Default::default(), turns }
    }

    fn slot(&self, id: &SandboxId) -> Arc<Slot> {
        let mut leases = self.leases.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Asked for every write: the id is copied only for a new entry.
        if let Some(slot) = leases.get(id) {
            return slot.clone();
        }
        if leases.len() > 10_000 {
            // Sandboxes whose lease is idle: forgotten (their room stays
            // counted in Redis until the next measurement).
            // (A turn still held keeps its slot: a new one would let a
            // second batch in beside it.)
            leases.retain(|_, slot| Arc::strong_count(slot) > 1 || Arc::strong_count(&slot.compact) > 1);
        }
        leases.entry(id.clone()).or_default().clone()
    }

    /// Waits for `id`'s turn to probe, cost and send writes that keep a
    /// collection compact (see the module docs): this process's batches
    /// one at a time, then the class's turn.
    pub async fn compact_turn(&self, id: &SandboxId) -> Result<CompactTurn, AppError> {
        let local = self.slot(id).compact.clone().lock_owned().await;
        let taken = self.turns.take(id).await?;
        Ok(CompactTurn { _taken: taken, _local: local })
    }

    /// [`Self::slot`], kept in the caller's `patience` between its writes
    /// (the same entry as the map's: an entry leaves the map only when no
    /// caller holds it, or when forgotten).
    fn kept_slot(&self, id: &SandboxId, patience: &mut Patience) -> Arc<Slot> {
        match &patience.slot {
            Some((kept, slot)) if kept == id && !slot.forgotten.load(Ordering::Relaxed) => slot.clone(),
            _ => {
                let slot = self.slot(id);
                patience.slot = Some((id.clone(), slot.clone()));
                slot
            }
        }
    }

    /// [`Headroom::spend`]'s first step alone, which waits for nothing:
    /// `bytes` of `id`'s room from this process's lease, if it has them —
    /// the case of nearly every write, which the relay tries first, before
    /// it sets up [`Headroom::spend_or_measure`]'s slower ways.
    pub fn spend_from_lease(&self, id: &SandboxId, bytes: u64, patience: &mut Patience) -> Option<Spent> {
        match bytes {
            0 => Some(Spent::default()),
            _ if bytes > LEASE => None,
            _ => self.kept_slot(id, patience).spend_leased(bytes),
        }
    }

    /// Spends `bytes` of `id`'s room under `quota`, from this process's
    /// lease or a new one: `Ok(spent)`, or `Err(used)` — the count that
    /// left no room for them.
    async fn spend(
        &self,
        id: &SandboxId,
        bytes: u64,
        quota: u64,
        patience: &mut Patience,
    ) -> Result<Result<Spent, u64>, AppError> {
        if let Some(spent) = self.spend_from_lease(id, bytes, patience) {
            return Ok(Ok(spent));
        }
        if bytes > LEASE {
            // Larger than a lease: its own reservation, held in the record
            // until it answered (one round trip for at least 256 KiB), so
            // that a measurement after it landed does not count it twice.
            return Ok(self.hold_for(id, bytes, quota, HELD_TTL_MS).await?.map(|held| Spent {
                bytes,
                in_flight: None,
                _held: Some(held),
            }));
        }
        let slot = self.kept_slot(id, patience);
        // Out of room (or expired): one writer asks for the next lease, the
        // others wait for it, then take from it (or ask in turn).
        let _asking = slot.asking.lock().await;
        if let Some(spent) = slot.spend_leased(bytes) {
            return Ok(Ok(spent));
        }
        let asked = Instant::now();
        let old = slot.close();
        let in_flight = slot.in_flight.load(Ordering::Relaxed);
        let asked_for: Result<(u64, u64), _> = LEASE_SCRIPT
            .key(id.key())
            .arg(bytes)
            .arg(LEASE)
            .arg(quota)
            .arg(format!("held:{}", self.process))
            .arg(in_flight)
            .arg(HELD_TTL_MS)
            .invoke_async(&mut self.system.clone())
            .await;
        let grant = match asked_for {
            Ok((grant, _)) if grant > 0 => grant,
            // No new lease: what was left of the old one stays to spend.
            Ok((_, used)) => {
                slot.reopen(old);
                return Ok(Err(used));
            }
            Err(err) => {
                slot.reopen(old);
                return Err(err.into());
            }
        };
        // A new lease replaces what is left of the old one (which stays
        // counted until the next measurement); this write spends from it
        // (the grant holds its bytes and the lease).
        *slot.lease() = Lease { left: grant.saturating_sub(bytes), until: Some(asked + LOCAL_TTL) };
        slot.in_flight.fetch_add(bytes, Ordering::Relaxed);
        Ok(Ok(Spent { bytes, in_flight: Some(slot.in_flight.clone()), _held: None }))
    }

    /// Reserves `bytes` for a data load under `quota`, held in the record
    /// until the returned guard is dropped: `Err(used)` when they do not fit.
    pub async fn hold(&self, id: &SandboxId, bytes: u64, quota: u64) -> Result<Result<Held, u64>, AppError> {
        self.hold_for(id, bytes, quota, LOAD_HELD_TTL_MS).await
    }

    /// Reserves `bytes`, held in the record (at most `ttl_ms`) until the
    /// guard is dropped.
    async fn hold_for(
        &self,
        id: &SandboxId,
        bytes: u64,
        quota: u64,
        ttl_ms: u64,
    ) -> Result<Result<Held, u64>, AppError> {
        let field = format!("held:q:{}", random_hex()?);
        let (grant, used): (u64, u64) = LEASE_SCRIPT
            .key(id.key())
            .arg(bytes)
            .arg(0)
            .arg(quota)
            .arg(&field)
            .arg(0)
            .arg(ttl_ms)
            .invoke_async(&mut self.system.clone())
            .await?;
        if grant == 0 && bytes > 0 {
            return Ok(Err(used));
        }
        Ok(Ok(Held { system: self.system.clone(), record: id.key(), field }))
    }

    /// Whether `id` may be measured now, on demand (see the module docs);
    /// `true` claims the measurement.
    pub async fn may_measure(&self, id: &SandboxId) -> Result<bool, AppError> {
        Ok(self.claim(id).await? == 0)
    }

    /// Claims a measurement on demand: 0, or the milliseconds until one is
    /// allowed (negative: the sandbox ended).
    async fn claim(&self, id: &SandboxId) -> Result<i64, AppError> {
        Ok(CLAIM
            .key(id.key())
            .arg(MIN_GAP_MS)
            .arg(COST_FACTOR)
            .invoke_async(&mut self.system.clone())
            .await?)
    }

    /// Spends `bytes` as [`Headroom::spend`] does, and when the room ran
    /// out, has the sandbox measured (`measure`: the count may only be
    /// stale) and asks again. A write waits for a measurement to be allowed
    /// (at most [`MAX_WAIT`], once a second per caller: `patience`), and this
    /// process's writes of one sandbox wait for one measurement at a time:
    /// a write that waited while another measured asks again rather than
    /// measure once more, so a pipelined flood of overwrites is measured,
    /// not refused, while a sandbox really at its quota has its writes
    /// refused at once.
    pub async fn spend_or_measure<F, Fut>(
        &self,
        id: &SandboxId,
        bytes: u64,
        quota: u64,
        patience: &mut Patience,
        measure: F,
    ) -> Result<Result<Spent, u64>, AppError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<(), AppError>>,
    {
        let asked = Instant::now();
        let first = self.spend(id, bytes, quota, patience).await?;
        if first.is_ok() || bytes > quota {
            return Ok(first);
        }
        let measuring = self.kept_slot(id, patience).measuring.clone();
        let mut last = measuring.lock().await;
        if last.is_some_and(|at| at > asked) {
            // Measured while this write waited its turn: once more, then no.
            return self.spend(id, bytes, quota, patience).await;
        }
        let mut result = first;
        let deadline = asked + if patience.may_wait() { MAX_WAIT } else { Duration::ZERO };
        loop {
            match self.claim(id).await? {
                0 => {
                    patience.spent_at = Some(Instant::now());
                    measure().await?;
                    *last = Some(Instant::now());
                    return self.spend(id, bytes, quota, patience).await;
                }
                wait if wait > 0 => {
                    let wait = Duration::from_millis(wait.unsigned_abs());
                    if Instant::now() + wait > deadline {
                        return Ok(result);
                    }
                    patience.spent_at = Some(Instant::now());
                    tokio::time::sleep(wait).await;
                    // Another process may have measured meanwhile.
                    result = self.spend(id, bytes, quota, patience).await?;
                    if result.is_ok() {
                        return Ok(result);
                    }
                }
                _ => return Ok(result),
            }
        }
    }

    /// Forgets this process's lease of `id` (its room stays counted).
    pub fn forget(&self, id: &SandboxId) {
        let mut leases = self.leases.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = leases.remove(id) {
            slot.forgotten.store(true, Ordering::Relaxed);
        }
    }
}
