//! Locks in Redis that die with their holder: leases.
//!
//! A lock taken with `SET key token NX PX <ttl>` and released at the end
//! outlives a holder that crashes (a `kill -9`, a Redis restart that kept
//! the key in its AOF) by its whole TTL. A long TTL (a load may take
//! minutes) then blocks everyone for minutes; a short one expires under a
//! holder that is merely slow. So a [`Lease`] is short ([`Lease::ttl`], a few
//! seconds) and *renewed* while its holder works: a task of the holder's
//! pushes the expiry back every third of the TTL. A holder that dies stops
//! renewing, and the lock is free within one TTL.
//!
//! **Fenced by its token.** The value is a random token; renewing and
//! releasing are scripts that act only while the key still holds *this*
//! token, so a holder that was paused past its lease (`SIGSTOP`, a long GC,
//! a stalled Redis) can neither extend nor delete the next holder's lock.
//! Such a holder learns it at its next renewal: [`Lease::lost`] turns true,
//! and it must not commit what it was doing (a load then discards its
//! transaction instead of sending `EXEC`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{RedisResult, Script};

/// `PEXPIRE` only while the key holds the token: 1, else 0.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then \
           return redis.call('PEXPIRE', KEYS[1], ARGV[2]) \
         end \
         return 0",
    )
});
/// `DEL` only while the key holds the token.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then \
           return redis.call('DEL', KEYS[1]) \
         end \
         return 0",
    )
});

/// A held lock, renewed in the background until [`Lease::release`] (or
/// until dropped: then it expires within its TTL). `C` is the connection
/// it was taken on (renewals and the release go over clones of it).
pub struct Lease<C> {
    conn: C,
    key: String,
    token: String,
    lost: Arc<AtomicBool>,
    keeper: tokio::task::JoinHandle<()>,
}

/// Takes `key` for `ttl` on `conn` (which must be on the key's
/// database, and stays usable: the renewals go over a clone of it).
/// `None` while someone else holds it.
impl<C> Lease<C>
where
    C: ConnectionLike + Clone + Send + 'static,
{
    pub async fn acquire(conn: &mut C, key: &str, ttl: Duration) -> RedisResult<Option<Lease<C>>> {
        let token = crate::sandbox::ids::random_bytes_hex(16)
            .map_err(|err| redis::RedisError::from(std::io::Error::other(err.to_string())))?;
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken: Option<String> =
            redis::cmd("SET").arg(key).arg(&token).arg("NX").arg("PX").arg(ttl_ms).query_async(conn).await?;
        if taken.is_none() {
            return Ok(None);
        }
        let lost = Arc::new(AtomicBool::new(false));
        let keeper = tokio::spawn(renew(conn.clone(), key.to_string(), token.clone(), ttl, lost.clone()));
        Ok(Some(Lease { conn: conn.clone(), key: key.to_string(), token, lost, keeper }))
    }

    /// Whether the lease expired under its holder (who must then not
    /// commit): shared with whoever must check it.
    pub fn lost_flag(&self) -> Arc<AtomicBool> {
        self.lost.clone()
    }

    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops renewing and deletes the key if it is still ours. A failure
    /// is logged: the key then expires within its TTL.
    pub async fn release(mut self) {
        self.keeper.abort();
        let released: RedisResult<i64> =
            RELEASE.key(&self.key).arg(&self.token).invoke_async(&mut self.conn).await;
        if let Err(err) = released {
            tracing::warn!(%err, key = %self.key, "could not release a lock; it expires by itself in seconds");
        }
    }
}

impl<C> Drop for Lease<C> {
    fn drop(&mut self) {
        self.keeper.abort();
    }
}

/// Every third of `ttl`, pushes the expiry back while the key holds
/// `token`; stops (and says so in `lost`) once it does not.
async fn renew<C>(mut conn: C, key: String, token: String, ttl: Duration, lost: Arc<AtomicBool>)
where
    C: ConnectionLike + Send,
{
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
    let mut ticker = tokio::time::interval(ttl / 3);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is at once
    loop {
        ticker.tick().await;
        let renewed: RedisResult<i64> = RENEW.key(&key).arg(&token).arg(ttl_ms).invoke_async(&mut conn).await;
        match renewed {
            Ok(1) => {}
            Ok(_) => {
                tracing::warn!(%key, "a lock expired under its holder (paused or cut off past its lease)");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // Redis away: the next tick tries again; if it stays away
            // longer than the lease, the key is gone and the next renewal
            // says so.
            Err(err) => tracing::debug!(%err, %key, "renewing a lock failed"),
        }
    }
}
