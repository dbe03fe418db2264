//! Connections to Redis: Bolide's own, the console's, and the ones every
//! feature reaches one sandbox's keys through ([`Access`]).
//!
//! - **Local mode**: one self-healing, multiplexed connection per logical
//!   database, as Redis's default user (the student owns the server). redis-cli's
//!   `SELECT` changes the database of *its* connection; Bolide's connections
//!   are shared by every session, so `SELECT` is never sent: the session
//!   remembers its database and its commands go down that database's
//!   connection.
//! - **Shared mode**: one connection per active session, authenticated as
//!   that session's own Redis ACL user (see [`acl_rules`]). This is the
//!   defense in depth: even if the relay's key rewriting had a bug, Redis
//!   itself refuses a session any key outside its namespace, any other
//!   database (`SELECT` is denied), and Bolide's own keys. Connections of
//!   sessions idle for a few minutes are closed; the next command reopens.
//! - **Features** (data, guides, the worker, cleanup) never get an
//!   unrestricted connection to a sandbox's keys in shared mode: they get
//!   an [`Access`], connections as the sandbox's feature user (see
//!   [`super::acl`]), so a bug in how a feature builds key names meets
//!   Redis's `NOPERM`, not another student's keys. Locally an `Access` is
//!   Bolide's own connections to databases 0 and 15.
//!
//! **After a Redis restart.** Redis keeps ACL users in memory only, so a
//! restarted Redis refuses every feature user's login until its sandbox's
//! next refresh re-creates it (up to 10 s). Rather than let every feature
//! answer `500` meanwhile, an [`Access`]'s connections do it themselves, in
//! one place: when Redis refuses their login they re-create the feature
//! user ([`super::acl::recreate_feature_user`], which leaves no user behind
//! for a sandbox that ended) and send once more — a refused login ran
//! nothing, so nothing runs twice. Its shared connections do so per command
//! ([`redis_conn::connect_relogging`]), its private ones when they open
//! ([`Access::private`]). If Redis is really away, the re-creation fails
//! with a transient error, which the API answers `503`. The console's own
//! connections recover the same way in its relay (`run_for`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use crate::error::AppError;
use crate::redis_conn;
use crate::redis_conn::{Connection, Relogin};
use crate::sandbox::acl::{acl_user, feature_user, recreate_feature_user};
use crate::sandbox::store::SandboxId;
use crate::sandbox::{Owner, SYSTEM_DB};

/// Shared-mode connections idle this long are closed.
const IDLE_CLOSE: Duration = Duration::from_secs(300);
/// At most this many shared-mode connections stay open at once.
const MAX_OPEN_SESSIONS: usize = 4096;

/// How a feature reaches one sandbox's keys: restricted to that sandbox in
/// shared mode, Bolide's own connections locally.
#[derive(Clone)]
pub struct Access {
    /// Redis's URL without a database (with the feature user's credentials
    /// in shared mode), for more connections of one's own once
    /// [`Access::private`] opened the first (a load's lock and writer).
    pub base_url: String,
    /// Database 0: the sandbox's keys.
    pub data: Connection,
    /// The system database: Bolide's bookkeeping about the sandbox.
    pub system: Connection,
    /// Shared mode: makes the feature user's login valid again (see the
    /// module docs).
    relogin: Option<Relogin>,
}

/// Where a caller's connections of its own go: a sandbox's [`Access`]
/// (whose first one re-creates its feature user when Redis refuses its
/// login, see the module docs), or a plain URL (Bolide's own login: the
/// CLI, benches, tests).
pub trait PrivateConnections: Sync {
    /// Redis's URL without a database, with the login, for the further
    /// connections of an operation whose first one [`Self::private`] opened.
    fn base_url(&self) -> &str;

    /// A connection of the caller's own to database 0 (its `SELECT` and
    /// `WATCH` affect no one else), opened now, with replies up to `timeout`.
    fn private(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<MultiplexedConnection, AppError>> + Send;
}

impl PrivateConnections for Access {
    fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn private(&self, timeout: Duration) -> Result<MultiplexedConnection, AppError> {
        let url = format!("{}/0", self.base_url);
        match (redis_conn::private_connection(&url, timeout).await, &self.relogin) {
            (Err(err), Some(relogin)) if redis_conn::login_refused(&err) => {
                tracing::debug!(%err, "Redis refused a feature user's login; making it valid again");
                relogin().await?;
                Ok(redis_conn::private_connection(&url, timeout).await?)
            }
            (result, _) => Ok(result?),
        }
    }
}

impl PrivateConnections for str {
    fn base_url(&self) -> &str {
        self
    }

    async fn private(&self, timeout: Duration) -> Result<MultiplexedConnection, AppError> {
        Ok(redis_conn::private_connection(&format!("{self}/0"), timeout).await?)
    }
}

impl PrivateConnections for String {
    fn base_url(&self) -> &str {
        self
    }

    fn private(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<MultiplexedConnection, AppError>> + Send {
        self.as_str().private(timeout)
    }
}

/// Open connections by sandbox, with when each was last used.
type ByOwner<T> = Arc<Mutex<HashMap<String, (T, Instant)>>>;

#[derive(Clone)]
pub struct Connections {
    /// `redis://…` without a database; `/<db>` is appended per connection.
    base_url: String,
    by_db: Arc<Mutex<HashMap<u32, Connection>>>,
    by_session: ByOwner<Connection>,
    by_feature: ByOwner<Access>,
}

impl Connections {
    /// Connections to the Redis at `base_url`, with `system` (Bolide's own
    /// connection to the system database) as the one to that database.
    pub fn new(base_url: &str, system: Connection) -> Self {
        Self {
            base_url: redis_conn::url_without_db(base_url),
            by_db: Arc::new(Mutex::new(HashMap::from([(SYSTEM_DB, system)]))),
            by_session: Arc::default(),
            by_feature: Arc::default(),
        }
    }

    /// Bolide's own connections to databases 0 and 15 (local mode).
    pub fn local_access(&self) -> Result<Access, AppError> {
        Ok(Access {
            base_url: self.base_url.clone(),
            data: self.for_db(0)?,
            system: self.for_db(SYSTEM_DB)?,
            relogin: None,
        })
    }

    /// The connections of `owner`'s feature user (shared mode), kept open
    /// while used.
    pub fn feature_access(&self, owner: &Owner, password: &str) -> Result<Access, AppError> {
        cached(&self.by_feature, &owner.owner, || self.private_access(owner, password))
    }

    /// Connections of `owner`'s feature user that nobody else holds
    /// (connected at first use), which re-create that user when Redis
    /// refuses their login (see the module docs).
    pub fn private_access(&self, owner: &Owner, password: &str) -> Result<Access, AppError> {
        let base_url = with_credentials(&self.base_url, &feature_user(owner), password);
        let relogin = self.relogin_of(owner, password)?;
        let data = redis_conn::connect_relogging(&format!("{base_url}/0"), relogin.clone())?;
        let system = redis_conn::connect_relogging(&format!("{base_url}/{SYSTEM_DB}"), relogin.clone())?;
        Ok(Access { base_url, data, system, relogin: Some(relogin) })
    }

    /// Re-creates `owner`'s feature user with `password`, on Bolide's own
    /// connection.
    fn relogin_of(&self, owner: &Owner, password: &str) -> Result<Relogin, AppError> {
        let system = self.for_db(SYSTEM_DB)?;
        let (owner, password) = (owner.clone(), password.to_string());
        Ok(Arc::new(move || {
            let (mut system, owner, password) = (system.clone(), owner.clone(), password.clone());
            Box::pin(async move { recreate_feature_user(&mut system, &owner, &password).await })
        }))
    }

    /// The connection to database `db` (local mode; also Bolide's own work).
    pub fn for_db(&self, db: u32) -> Result<Connection, AppError> {
        let mut open = self.by_db.lock().map_err(|_| poisoned())?;
        if let Some(conn) = open.get(&db) {
            return Ok(conn.clone());
        }
        let (conn, _) = redis_conn::connect(&self.url_for_db(db))?;
        open.insert(db, conn.clone());
        Ok(conn)
    }

    /// The URL of database `db`, for a connection of one's own.
    pub fn url_for_db(&self, db: u32) -> String {
        format!("{}/{db}", self.base_url)
    }

    /// The URL of a shared-mode session's ACL user, for a connection of
    /// one's own.
    pub fn url_for_session(&self, id: &SandboxId, password: &str) -> String {
        format!("{}/0", with_credentials(&self.base_url, &acl_user(id), password))
    }

    /// The connection of a shared-mode session, as its ACL user.
    pub fn for_session(&self, id: &SandboxId, password: &str) -> Result<Connection, AppError> {
        cached(&self.by_session, id.as_str(), || {
            Ok(redis_conn::connect(&self.url_for_session(id, password))?.0)
        })
    }

    /// Forgets a session's connection (after its ACL user was re-created, or
    /// the session was reaped).
    pub fn forget_session(&self, id: &SandboxId) {
        if let Ok(mut open) = self.by_session.lock() {
            open.remove(id.as_str());
        }
        if let Ok(mut open) = self.by_feature.lock() {
            open.remove(id.as_str());
        }
    }
}

/// The open connection of `owner` in `table`, or a new one from `open`;
/// beyond [`MAX_OPEN_SESSIONS`], those idle past [`IDLE_CLOSE`] (or else
/// the least recently used) are closed first.
fn cached<T: Clone>(
    table: &ByOwner<T>,
    owner: &str,
    open: impl FnOnce() -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut table = table.lock().map_err(|_| poisoned())?;
    let now = Instant::now();
    if let Some((conn, used)) = table.get_mut(owner) {
        *used = now;
        return Ok(conn.clone());
    }
    if table.len() >= MAX_OPEN_SESSIONS {
        table.retain(|_, (_, used)| now.duration_since(*used) < IDLE_CLOSE);
        if table.len() >= MAX_OPEN_SESSIONS {
            if let Some(oldest) = table.iter().min_by_key(|(_, (_, used))| *used).map(|(id, _)| id.clone()) {
                table.remove(&oldest);
            }
        }
    }
    let conn = open()?;
    table.insert(owner.to_string(), (conn.clone(), now));
    Ok(conn)
}

fn poisoned() -> AppError {
    AppError::Internal("connection table poisoned".into())
}

/// `redis://host:port` + user and password → `redis://user:password@host:port`.
fn with_credentials(base_url: &str, user: &str, password: &str) -> String {
    match base_url.split_once("://") {
        Some((scheme, rest)) => {
            // Any credentials in the configured URL are Bolide's, not the session's.
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{user}:{password}@{host}")
        }
        None => base_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_replace_any_in_the_base_url() {
        assert_eq!(with_credentials("redis://127.0.0.1:7000", "u", "p"), "redis://u:p@127.0.0.1:7000");
        assert_eq!(with_credentials("redis://admin:secret@h:1", "u", "p"), "redis://u:p@h:1");
    }
}
