//! A worker's cache of the student's landings, kept correct by Redis
//! itself: client-side caching with `CLIENT TRACKING`.
//!
//! **Why cache.** Reading 45,716 hashes costs Redis about 50 ms of CPU
//! (`SCAN` plus one `HGET` per key) before the worker counts anything, and
//! the data rarely changes between two jobs. Re-reading only what changed
//! turns a job into a `PING` and a few milliseconds of counting in memory.
//!
//! **Why it stays correct.** A cache is only as good as its invalidation,
//! and Redis does that part (<https://redis.io/docs/latest/develop/reference/client-side-caching/>):
//!
//! - Each cached scope has its **own connection** (in shared mode
//!   authenticated as its sandbox's feature user, [`RecordCache::log_in`],
//!   which Redis restricts to that sandbox's keys), in RESP3 so that
//!   invalidation messages arrive as push messages on that same connection,
//!   with `CLIENT TRACKING ON BCAST PREFIX <prefix>meteorite:`. **BCAST**
//!   (broadcasting) mode reports every change to any key under the prefix,
//!   whether this client read it or not — so a record created from the
//!   console (`HSET meteorite:999999 …`) is reported, not only changes to
//!   keys already cached. Deletions and expirations are changes too.
//! - Tracking is on **before** the first read, and every read for the
//!   cache goes over the tracking connection itself. Redis appends an
//!   invalidation to this connection's output in the event-loop turn of the
//!   write that causes it, so a write made after one of our reads is served
//!   is reported *after* that read's reply: the cache can never keep a value
//!   older than a change it has not been told about.
//! - **The `PING` barrier.** Before a job uses a cached scope, the cache
//!   sends `PING` on the tracking connection and waits for the reply. Every
//!   write completed before the `PING` was sent has its invalidation ahead
//!   of the reply on the socket, and the client's reader hands push messages
//!   over before completing the reply that follows them; so once the reply
//!   is in, the invalidations taken are complete. The keys they name are
//!   read again (`EXISTS` + `HMGET`): a hash is stored anew, a vanished key
//!   (or one now of another type) is removed, a new key is added. A job
//!   therefore sees every write that finished before it started — exactly
//!   what reading everything afresh would show.
//! - **Cancellation.** A cancelled job's task is aborted at whatever
//!   `.await` it was in. Keys taken from the invalidations stay listed on
//!   the scope until their new values are applied, so an abort mid-refresh
//!   leaves them for the next job rather than losing them; an abort
//!   mid-load leaves the scope uncached.
//! - **What drops a scope's cache** (the next job reads it whole again):
//!   an `invalidate` with a null key (`FLUSHDB`/`FLUSHALL`, which Redis
//!   reports that way); any error on the tracking connection (a dropped or
//!   restarted Redis, a timeout) — a new connection could not know what it
//!   missed, which is also why this is a plain multiplexed connection and
//!   not a `ConnectionManager` that would reconnect silently; more than
//!   [`MAX_PENDING_KEYS`](invalidations::MAX_PENDING_KEYS) changed keys
//!   between two jobs (re-reading the whole scope is then as cheap).
//!
//! **Why one connection per scope.** A connection's BCAST prefixes can be
//! added to by re-issuing `CLIENT TRACKING ON BCAST PREFIX …`, but not
//! taken away one at a time: turning tracking off drops them all, and a
//! write between `OFF` and the next `ON` would go unreported. With one
//! connection per cached scope, evicting a scope is closing its connection
//! (Redis forgets its prefix with it), shared-mode sessions are isolated
//! by construction, and a broken connection drops one scope only.
//!
//! **Bounded.** At most [`CacheLimits::max_records`] records in all and
//! [`CacheLimits::max_scopes`] scopes (connections), least recently used
//! scope evicted first. A scope larger than the whole budget is not cached:
//! its jobs read it from Redis as [`super::compute`] does (it is tried
//! again after [`OVERSIZED_RETRY`], as it may have shrunk).
//!
//! **What a job sees.** The same [`RecordView`]s as from the streaming
//! reader, with only the fields it asked for, so every filter and
//! accumulator runs unchanged and the results are identical. The job that
//! pays for a cold read gets its result from that very read.

mod invalidations;
mod stored_record;
mod tracked_scope;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use redis::{IntoConnectionInfo, ProtocolVersion};
use tokio::sync::watch;

use self::tracked_scope::TrackedScope;
use super::read;
use super::record::{Field, RecordView};
use super::AnalysisError;
use crate::sandbox::acl::FeatureLogin;
use crate::sandbox::Owner;

/// How long a scope found too large to cache is read straight from Redis
/// before caching it is tried again.
pub const OVERSIZED_RETRY: Duration = Duration::from_secs(600);

/// How much a [`RecordCache`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Records cached in all scopes together (a NASA-like record takes
    /// about 150 bytes: a million is ~150 MB).
    pub max_records: usize,
    /// Scopes cached at once, each with its own tracking connection.
    pub max_scopes: usize,
}

impl Default for CacheLimits {
    fn default() -> CacheLimits {
        CacheLimits { max_records: 1_000_000, max_scopes: 16 }
    }
}

/// One worker's cache of the records of the scopes it ran jobs for. Cheap
/// to clone (the clones share the cache); create one per worker.
#[derive(Clone)]
pub struct RecordCache {
    shared: Arc<Shared>,
}

struct Shared {
    /// Database 0 over RESP3.
    client: redis::Client,
    /// Redis's address and settings, for the clients of scopes read as
    /// their sandbox's feature user.
    info: redis::ConnectionInfo,
    limits: CacheLimits,
    scopes: Mutex<Scopes>,
}

/// A scope's slot: its cache, once loaded, behind a lock that one job
/// holds while it refreshes and reads it.
type Slot = Arc<tokio::sync::Mutex<Option<TrackedScope>>>;

/// The cached scopes, by record-key prefix.
#[derive(Default)]
struct Scopes {
    entries: HashMap<String, Entry>,
    /// Scopes too large to cache, and since when.
    oversized: HashMap<String, Instant>,
    /// The feature user each shared-mode scope is read as.
    logins: HashMap<String, FeatureLogin>,
    /// Ticks at each use: the order of last use, for eviction.
    clock: u64,
}

struct Entry {
    slot: Slot,
    /// How many records it holds; `None` until it is loaded.
    records: Option<usize>,
    last_used: u64,
}

impl RecordCache {
    /// A cache of the records in `redis_url`'s Redis (database 0 whatever
    /// the URL names), with the default [`CacheLimits`]. Connects lazily,
    /// at the first job.
    pub fn new(redis_url: &str) -> redis::RedisResult<RecordCache> {
        RecordCache::with_limits(redis_url, CacheLimits::default())
    }

    /// [`RecordCache::new`] with other limits.
    pub fn with_limits(redis_url: &str, limits: CacheLimits) -> redis::RedisResult<RecordCache> {
        let info = redis_url.into_connection_info()?;
        let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3).set_db(0);
        let info = info.set_redis_settings(settings);
        let client = redis::Client::open(info.clone())?;
        let scopes = Mutex::new(Scopes::default());
        Ok(RecordCache { shared: Arc::new(Shared { client, info, limits, scopes }) })
    }

    /// Reads `scope` from now on as `login` (a shared-mode sandbox's
    /// feature user, restricted by Redis to that sandbox's keys), or as the
    /// cache's own user when `None`. A cached scope whose login changed is
    /// read afresh.
    pub fn log_in(&self, scope: &Owner, login: Option<FeatureLogin>) {
        let mut scopes = self.scopes();
        let key = &scope.data_prefix;
        if scopes.logins.get(key) != login.as_ref() {
            scopes.entries.remove(key);
            match login {
                Some(login) => scopes.logins.insert(key.clone(), login),
                None => scopes.logins.remove(key),
            };
        }
        // The worker logs in before each job, so forgetting the logins of
        // scopes no longer cached only bounds memory.
        if scopes.logins.len() > self.shared.limits.max_scopes.max(1) * 4 {
            let Scopes { entries, logins, .. } = &mut *scopes;
            logins.retain(|prefix, _| entries.contains_key(prefix) || prefix == key);
        }
    }

    /// The client that reads `scope`: as its login, if it has one.
    fn client(&self, scope: &Owner) -> redis::RedisResult<redis::Client> {
        let Some(login) = self.scopes().logins.get(&scope.data_prefix).cloned() else {
            return Ok(self.shared.client.clone());
        };
        let info = self.shared.info.clone();
        let settings = info.redis_settings().clone().set_username(&login.user).set_password(&login.password);
        redis::Client::open(info.set_redis_settings(settings))
    }

    /// How many of `scope`'s records are cached, if it is.
    pub fn cached_records(&self, scope: &Owner) -> Option<usize> {
        self.scopes().entries.get(&scope.data_prefix).and_then(|entry| entry.records)
    }

    /// Calls `visit` for every record of `scope` as Redis holds it now
    /// (every write completed before the call included), with the values
    /// of `fields`, as [`read::for_each_record`] does; from the cache when
    /// it can, reporting progress 0–100 on `progress`.
    pub(super) async fn for_each_record(
        &self,
        scope: &Owner,
        fields: &[Field],
        progress: &watch::Sender<u8>,
        mut visit: impl FnMut(&RecordView<'_>),
    ) -> Result<(), AnalysisError> {
        let Some(slot) = self.slot(scope) else {
            // Too large to cache: read it as an uncached job would.
            let mut conn = self.client(scope)?.get_multiplexed_async_connection().await?;
            return read::for_each_record(&mut conn, scope, fields, progress, visit).await;
        };
        let mut cached = slot.lock().await;
        if let Some(tracked) = cached.as_mut() {
            match tracked.refresh().await {
                Ok(()) => {
                    tracked.for_each(fields, &mut visit);
                    read::report(progress, 100);
                    let records = tracked.len();
                    if !self.settle(scope, &slot, records) {
                        *cached = None;
                    }
                    return Ok(());
                }
                Err(stale) => {
                    tracing::debug!(scope = %scope.owner, %stale, "record cache dropped; reading the scope again");
                    *cached = None;
                }
            }
        }
        let loaded = self.load(scope, fields, progress, &mut visit).await;
        match loaded {
            Ok(Some(tracked)) => {
                if self.settle(scope, &slot, tracked.len()) {
                    *cached = Some(tracked);
                }
                Ok(())
            }
            Ok(None) => {
                self.forget(scope, &slot, true);
                Ok(())
            }
            Err(err) => {
                self.forget(scope, &slot, false);
                Err(err)
            }
        }
    }

    /// Opens a tracking connection and reads `scope` whole (visiting every
    /// record); `None` when it is too large to keep.
    async fn load(
        &self,
        scope: &Owner,
        fields: &[Field],
        progress: &watch::Sender<u8>,
        visit: &mut impl FnMut(&RecordView<'_>),
    ) -> Result<Option<TrackedScope>, AnalysisError> {
        let mut tracked = TrackedScope::open(&self.client(scope)?, scope).await?;
        let fits = tracked.load(scope, fields, progress, self.shared.limits.max_records, visit).await?;
        Ok(fits.then_some(tracked))
    }

    /// `scope`'s slot (made if new, marked as just used), or `None` when
    /// the scope was found too large to cache not long ago.
    fn slot(&self, scope: &Owner) -> Option<Slot> {
        let mut scopes = self.scopes();
        let key = &scope.data_prefix;
        if let Some(since) = scopes.oversized.get(key) {
            if since.elapsed() < OVERSIZED_RETRY {
                return None;
            }
            scopes.oversized.remove(key);
        }
        scopes.clock += 1;
        let now = scopes.clock;
        let entry = scopes.entries.entry(key.clone()).or_insert_with(|| Entry {
            slot: Arc::default(),
            records: None,
            last_used: now,
        });
        entry.last_used = now;
        Some(entry.slot.clone())
    }

    /// Records that `slot` now holds `records` records, then evicts the
    /// least recently used other scopes until the limits hold. Returns
    /// whether `slot` may keep its records (not when they alone exceed the
    /// budget, or when `slot` was evicted meanwhile).
    fn settle(&self, scope: &Owner, slot: &Slot, records: usize) -> bool {
        let limits = self.shared.limits;
        if records > limits.max_records {
            self.forget(scope, slot, true);
            return false;
        }
        let mut scopes = self.scopes();
        match scopes.entries.get_mut(&scope.data_prefix) {
            Some(entry) if Arc::ptr_eq(&entry.slot, slot) => entry.records = Some(records),
            _ => return false,
        }
        loop {
            let total: usize = scopes.entries.values().filter_map(|entry| entry.records).sum();
            if total <= limits.max_records && scopes.entries.len() <= limits.max_scopes {
                return true;
            }
            let oldest = scopes
                .entries
                .iter()
                .filter(|(key, _)| **key != scope.data_prefix)
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| key.clone());
            let Some(oldest) = oldest else { return true };
            // Dropping the entry closes its connection (once no job holds
            // it), and Redis stops tracking its prefix.
            scopes.entries.remove(&oldest);
            tracing::debug!(scope = %oldest, "record cache: least recently used scope evicted");
        }
    }

    /// Removes `slot` (if it is still `scope`'s), remembering the scope as
    /// too large to cache when `oversized`.
    fn forget(&self, scope: &Owner, slot: &Slot, oversized: bool) {
        let mut scopes = self.scopes();
        let key = &scope.data_prefix;
        if scopes.entries.get(key).is_some_and(|entry| Arc::ptr_eq(&entry.slot, slot)) {
            scopes.entries.remove(key);
        }
        if oversized {
            tracing::info!(
                scope = %scope.owner,
                max_records = self.shared.limits.max_records,
                "record cache: scope too large to cache; reading it from Redis for each job"
            );
            let max_scopes = self.shared.limits.max_scopes;
            scopes.oversized.retain(|_, since| since.elapsed() < OVERSIZED_RETRY);
            if scopes.oversized.len() >= max_scopes.max(1) * 4 {
                scopes.oversized.clear();
            }
            scopes.oversized.insert(key.clone(), Instant::now());
        }
    }

    fn scopes(&self) -> MutexGuard<'_, Scopes> {
        // Nothing in `Scopes` can be left half-updated by a panic in a way
        // that breaks correctness (the records live behind their own lock),
        // so a poisoned lock is simply taken over.
        self.shared.scopes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
