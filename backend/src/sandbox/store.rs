//! Console sessions: who is typing, and the little state redis-cli keeps
//! per connection (the selected database, an open `MULTI`).
//!
//! Every browser gets a server-minted id of 128 random bits, in an
//! `HttpOnly; SameSite=Strict` cookie. An id the server did not mint (or one
//! whose session expired) is never adopted: a new one is minted instead, so
//! nobody can pick another student's namespace by forging a cookie.
//!
//! The state lives in Redis (Bolide's system database), not in the API
//! process, so several `bolide serve` processes behind one address serve the
//! same sessions, and a `MULTI` typed through one can be `EXEC`ed through
//! another. Reading it is one `HMGET` per request; its last-seen time is
//! refreshed in the same round trip every few seconds at most.
//!
//! Keys (system database; `{…}` is a hash tag, so one session's keys share a
//! slot):
//! - `bolide:session:{<id>}`: hash `created`, `seen` (ms), `db`, `tx`, `txerr`;
//!   expires after the idle TTL;
//! - `bolide:session:{<id>}:tx`: list of the lines queued since `MULTI`;
//! - `bolide:sessions`: sorted set of ids by last activity, which the reaper
//!   reads to delete idle sessions' keys.

use std::time::Duration;

use redis::aio::ConnectionManager;

use super::clock::now_ms;
use super::ids::{is_hex, random_hex};
use crate::error::AppError;

/// The cookie that carries the session id.
pub const COOKIE: &str = "bolide_session";

/// Sorted set of session ids by last activity (ms since the epoch).
pub const SESSIONS_KEY: &str = "bolide:sessions";

/// A server-minted session id: 32 lower-case hex digits (128 bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// 128 bits from the operating system's CSPRNG.
    pub fn mint() -> Result<Self, AppError> {
        Ok(Self(random_hex()?))
    }

    /// Accepts only the shape `mint` produces.
    pub fn parse(text: &str) -> Option<Self> {
        is_hex(text, 32).then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn key(&self) -> String {
        format!("bolide:session:{{{}}}", self.0)
    }

    pub(crate) fn tx_key(&self) -> String {
        format!("bolide:session:{{{}}}:tx", self.0)
    }
}

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

/// The session's quota verdict from the last housekeeping round, if over.
pub type OverQuota = Option<String>;

/// A session as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: SessionId,
    pub state: SessionState,
    /// Minted by this request: the response must set the cookie.
    pub is_new: bool,
    /// Shared mode: the password of the session's Redis ACL user.
    pub password: Option<String>,
    /// Why the session may not grow (set by housekeeping), if it may not.
    pub over_quota: OverQuota,
}

/// What a read of an existing session found.
#[derive(Debug)]
struct Touched {
    state: SessionState,
    password: Option<String>,
    over_quota: OverQuota,
}

impl Touched {
    /// From `HMGET db tx txerr pass quota …`.
    fn from_fields(fields: &[Option<String>]) -> Self {
        let number = |i: usize| fields.get(i).and_then(|v| v.as_deref()).and_then(|v| v.parse::<u32>().ok());
        let text = |i: usize| fields.get(i).cloned().flatten().filter(|p| !p.is_empty());
        Touched {
            state: SessionState {
                db: number(0).unwrap_or(0),
                in_tx: number(1) == Some(1),
                tx_failed: number(2) == Some(1),
            },
            password: text(3),
            over_quota: text(4),
        }
    }
}

/// How often one process refreshes a session's last-seen time, at most.
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// Session state in Bolide's system database.
#[derive(Clone)]
pub struct SessionStore {
    system: ConnectionManager,
    idle_ttl: Duration,
    /// Shared mode: each session gets its own Redis ACL user.
    acl_users: bool,
    /// When this process last refreshed each session's last-seen time.
    refreshed: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<SessionId, std::time::Instant>>>,
}

impl SessionStore {
    pub fn new(system: ConnectionManager, idle_ttl: Duration, acl_users: bool) -> Self {
        Self { system, idle_ttl, acl_users, refreshed: Default::default() }
    }

    pub fn idle_ttl(&self) -> Duration {
        self.idle_ttl
    }

    /// Bolide's own connection (system database).
    pub fn system(&self) -> ConnectionManager {
        self.system.clone()
    }

    /// The session named by the cookie, refreshed; a new one when there is
    /// no cookie, a malformed one, or one that expired.
    pub async fn resolve(&self, cookie: Option<&str>) -> Result<Session, AppError> {
        if let Some(id) = cookie.and_then(SessionId::parse) {
            if let Some(Touched { state, password, over_quota }) = self.read(&id).await? {
                return Ok(Session { id, state, is_new: false, password, over_quota });
            }
        }
        let id = SessionId::mint()?;
        let password = if self.acl_users { Some(random_hex()?) } else { None };
        self.create(&id, password.as_deref()).await?;
        if let Some(password) = &password {
            self.ensure_acl_user(&id, password).await?;
        }
        Ok(Session { id, state: SessionState::default(), is_new: true, password, over_quota: None })
    }

    /// Creates (or re-creates, e.g. after a Redis restart, which forgets ACL
    /// users) the session's Redis ACL user.
    pub async fn ensure_acl_user(&self, id: &SessionId, password: &str) -> Result<(), AppError> {
        let namespace = super::Owner::for_session(id.as_str());
        let mut conn = self.system.clone();
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg(super::acl::acl_user(id))
            .arg(super::acl::acl_rules(&namespace, password))
            .exec_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Reads an existing session: one `HMGET`, plus — when this process has
    /// not done so lately — refreshing its last-seen time and expiry in the
    /// same round trip. (Refreshing on every request would triple Redis's
    /// work per console line for a timestamp that only matters to the
    /// hour.)
    async fn read(&self, id: &SessionId) -> Result<Option<Touched>, AppError> {
        let refresh = self.needs_refresh(id);
        let mut pipe = redis::pipe();
        pipe.cmd("HMGET").arg(id.key()).arg(&["db", "tx", "txerr", "pass", "quota", "created"]);
        if refresh {
            let now = now_ms();
            pipe.cmd("HSET").arg(id.key()).arg("seen").arg(now).ignore();
            pipe.cmd("PEXPIRE").arg(id.key()).arg(self.idle_ttl_ms()).ignore();
            pipe.cmd("ZADD").arg(SESSIONS_KEY).arg(now).arg(id.as_str()).ignore();
        }
        let mut conn = self.system.clone();
        let (fields,): (Vec<Option<String>>,) = pipe.query_async(&mut conn).await?;
        if fields.get(5).cloned().flatten().is_none() {
            return Ok(None); // no such session (or it just expired)
        }
        Ok(Some(Touched::from_fields(&fields)))
    }

    /// Whether this process should refresh the session's last-seen time now.
    fn needs_refresh(&self, id: &SessionId) -> bool {
        let every = (self.idle_ttl / 4).min(REFRESH_EVERY);
        let now = std::time::Instant::now();
        let Ok(mut refreshed) = self.refreshed.lock() else { return true };
        if refreshed.len() > 50_000 {
            refreshed.retain(|_, at| now.duration_since(*at) < every);
        }
        match refreshed.get(id) {
            Some(at) if now.duration_since(*at) < every => false,
            _ => {
                refreshed.insert(id.clone(), now);
                true
            }
        }
    }

    fn idle_ttl_ms(&self) -> u64 {
        u64::try_from(self.idle_ttl.as_millis()).unwrap_or(u64::MAX)
    }

    /// Stores a just-minted session: database 0, no transaction, no quota
    /// verdict (an id of 128 random bits names no existing session).
    async fn create(&self, id: &SessionId, password: Option<&str>) -> Result<(), AppError> {
        let now = now_ms();
        let mut conn = self.system.clone();
        redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(id.key())
            .arg(&[("created", now), ("seen", now), ("db", 0), ("tx", 0), ("txerr", 0)])
            .arg("pass")
            .arg(password.unwrap_or(""))
            .ignore()
            .cmd("PEXPIRE")
            .arg(id.key())
            .arg(self.idle_ttl_ms())
            .ignore()
            .cmd("ZADD")
            .arg(SESSIONS_KEY)
            .arg(now)
            .arg(id.as_str())
            .ignore()
            .exec_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Forgets a sandbox minted by a request that then failed (bad input
    /// changes nothing, a sandbox included): its record and its ACL user.
    pub async fn discard(&self, id: &SessionId) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        if self.acl_users {
            redis::cmd("ACL").arg("DELUSER").arg(super::acl::acl_user(id)).exec_async(&mut conn).await?;
        }
        redis::pipe()
            .del(id.key())
            .del(id.tx_key())
            .zrem(SESSIONS_KEY, id.as_str())
            .exec_async(&mut conn)
            .await?;
        Ok(())
    }

    /// `SELECT`: remembers the database for the session's next commands.
    pub async fn select(&self, id: &SessionId, db: u32) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        redis::cmd("HSET").arg(id.key()).arg("db").arg(db).exec_async(&mut conn).await?;
        Ok(())
    }

    /// `MULTI`: opens an empty queue.
    pub async fn begin(&self, id: &SessionId) -> Result<(), AppError> {
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
    pub async fn queue(&self, id: &SessionId, line: &str) -> Result<u64, AppError> {
        let mut conn = self.system.clone();
        let (len,): (u64,) = redis::pipe()
            .atomic()
            .rpush(id.tx_key(), line)
            .pexpire(id.tx_key(), i64::try_from(self.idle_ttl.as_millis()).unwrap_or(i64::MAX))
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(len)
    }

    /// Marks the open transaction as doomed (`EXEC` will answer EXECABORT).
    pub async fn fail_tx(&self, id: &SessionId) -> Result<(), AppError> {
        let mut conn = self.system.clone();
        redis::cmd("HSET").arg(id.key()).arg("txerr").arg(1).exec_async(&mut conn).await?;
        Ok(())
    }

    /// Ends the transaction and hands back what was queued (for `EXEC`;
    /// `DISCARD` just drops it).
    pub async fn take_tx(&self, id: &SessionId) -> Result<Vec<String>, AppError> {
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

#[cfg(test)]
mod tests {
    use super::SessionId;

    #[test]
    fn minted_ids_are_128_bit_hex_and_distinct() {
        let a = SessionId::mint().expect("mint");
        let b = SessionId::mint().expect("mint");
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a, b);
        assert_eq!(SessionId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn only_the_minted_shape_parses() {
        assert!(SessionId::parse("0123456789abcdef0123456789abcdef").is_some());
        for bad in
            ["", "xyz", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde", "*", "{s:1}"]
        {
            assert!(SessionId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
