//! The console's connections to Redis.
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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppError;
use crate::redis_conn;
use crate::redis_conn::Connection;
use crate::sandbox::acl::acl_user;
use crate::sandbox::store::SandboxId;

/// Shared-mode connections idle this long are closed.
const IDLE_CLOSE: Duration = Duration::from_secs(300);
/// At most this many shared-mode connections stay open at once.
const MAX_OPEN_SESSIONS: usize = 4096;

#[derive(Clone)]
pub struct Connections {
    /// `redis://…` without a database; `/<db>` is appended per connection.
    base_url: String,
    by_db: Arc<Mutex<HashMap<u32, Connection>>>,
    by_session: Arc<Mutex<HashMap<SandboxId, (Connection, Instant)>>>,
}

impl Connections {
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: redis_conn::url_without_db(base_url),
            by_db: Arc::default(),
            by_session: Arc::default(),
        }
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
        let mut open = self.by_session.lock().map_err(|_| poisoned())?;
        let now = Instant::now();
        if let Some((conn, used)) = open.get_mut(id) {
            *used = now;
            return Ok(conn.clone());
        }
        if open.len() >= MAX_OPEN_SESSIONS {
            open.retain(|_, (_, used)| now.duration_since(*used) < IDLE_CLOSE);
            if open.len() >= MAX_OPEN_SESSIONS {
                if let Some(oldest) = open.iter().min_by_key(|(_, (_, used))| *used).map(|(id, _)| id.clone())
                {
                    open.remove(&oldest);
                }
            }
        }
        let (conn, _) = redis_conn::connect(&self.url_for_session(id, password))?;
        open.insert(id.clone(), (conn.clone(), now));
        Ok(conn)
    }

    /// Forgets a session's connection (after its ACL user was re-created, or
    /// the session was reaped).
    pub fn forget_session(&self, id: &SandboxId) {
        if let Ok(mut open) = self.by_session.lock() {
            open.remove(id);
        }
    }
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
