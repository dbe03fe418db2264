//! Sandboxes in Redis: minted, found from a cookie or a sandbox code,
//! refreshed, ended.
//!
//! **Three values, three jobs.** A sandbox has an opaque **id** (128
//! random bits) that names everything it owns: its namespace `{s:<id>}:`,
//! its ACL users `bolide-s-<id>` and `bolide-f-<id>` ([`super::acl`]),
//! Bolide's bookkeeping about it. The id is
//! not a credential: it shows in key names, `ACL WHOAMI`, `SLOWLOG` and
//! logs, and knowing it gives nothing. A browser proves it owns a sandbox
//! with a **secret** (another 128 random bits, the cookie's value), and a
//! student resumes the sandbox in another browser with its **code** (60
//! random bits, shown only to the owner, rotatable). Redis holds neither
//! credential in a key name or a value: only their SHA-1 digests, as the
//! names of the keys that lead from a credential to its sandbox. (A digest
//! of 128 random bits cannot be turned back into them; no key is needed.)
//!
//! Codes live in [`codes`], the console's redis-cli state kept in the
//! record in [`console_state`].
//!
//! An id, secret or code the server did not mint (or one whose sandbox
//! ended) is never adopted, so nobody picks another student's namespace by
//! forging a cookie.
//!
//! The state lives in Redis (Bolide's system database), not in the API
//! process, so several `bolide serve` processes serve the same sandboxes,
//! and a `MULTI` typed through one can be `EXEC`ed through another. Reading
//! it is a `GET` and an `HMGET` per request; its last-seen time is refreshed
//! in the same round trip every few seconds at most.
//!
//! Keys (system database; `{…}` is a hash tag, so one sandbox's keys share
//! a slot):
//! - `bolide:sandbox:{<id>}`: hash `created`, `seen` (ms), `db`, `tx`,
//!   `txerr` (the console's redis-cli state), `pass` (ACL password),
//!   `quota` (the last measurement's verdict), `used` (the quota's count),
//!   `measured` and `measure_ms` (when and how long the last measurement),
//!   `held:<…>` (room given out and not yet spent: [`super::headroom`]),
//!   `compact` and `compact_wanted` (the turn of writes to small
//!   collections, and who waits for it: [`super::compact_turn`]), `code`; expires after the idle timeout;
//! - `bolide:sandbox:{<id>}:tx`: list of the console lines queued since `MULTI`;
//! - `bolide:sandbox:{<id>}:logins`: set of the credential keys below that
//!   lead to this sandbox (so ending it removes them all);
//! - `bolide:sandbox:secret:<sha1(secret)>`, `bolide:sandbox:code:<sha1(code)>`:
//!   string, the sandbox id;
//! - `bolide:sandboxes`: sorted set of ids by last activity, which
//!   housekeeping reads to end idle sandboxes;
//! - `bolide:acl:nobody`: string, the password of the read-only user of
//!   cookieless reads ([`acl::NOBODY`]), one for every Bolide process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::acl;
use super::clock::now_ms;
use super::connections::{Access, Connections};
use super::ended::{Cleanup, Ended};
use super::headroom::{Headroom, Measure, Measured, Measuring, Patience};
use super::ids::{is_hex, random_hex};
use super::Owner;
use crate::error::AppError;
use crate::redis_conn::Connection;

mod codes;
mod console_state;

use codes::code_key;
pub use codes::{new_code, normalize_code};
pub use console_state::{Queued, SessionState};

/// The cookie that carries the sandbox secret.
pub const COOKIE: &str = "bolide_session";

/// Sorted set of sandbox ids by last activity (ms since the epoch).
pub const SANDBOXES_KEY: &str = "bolide:sandboxes";

/// A server-minted sandbox id: 32 lower-case hex digits (128 bits). Not a
/// secret (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SandboxId(String);

impl SandboxId {
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
        format!("bolide:sandbox:{{{}}}", self.0)
    }

    pub(crate) fn tx_key(&self) -> String {
        format!("bolide:sandbox:{{{}}}:tx", self.0)
    }

    fn logins_key(&self) -> String {
        format!("bolide:sandbox:{{{}}}:logins", self.0)
    }
}

/// The key that leads from a cookie secret to its sandbox.
fn secret_key(secret: &str) -> String {
    format!("bolide:sandbox:secret:{}", sha1_smol::Sha1::from(secret).digest())
}

/// The sandbox's quota verdict from the last housekeeping round, if over.
pub type OverQuota = Option<String>;

/// A sandbox's stored record as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: SandboxId,
    pub state: SessionState,
    /// Minted by this request: the response must set the cookie.
    pub is_new: bool,
    /// The cookie's value to (re)send, when the response should set the
    /// cookie: a new sandbox's secret, or the request's own when its
    /// lifetime was just extended (the cookie's `Max-Age` slides).
    pub set_secret: Option<String>,
    /// Shared mode: the password of the sandbox's two Redis ACL users.
    pub password: Option<String>,
    /// Why the sandbox may not grow (set by housekeeping), if it may not.
    pub over_quota: OverQuota,
    /// Bytes its quota's count held when last seen: the last measurement
    /// plus the room reserved since ([`super::headroom`]).
    pub used_bytes: u64,
    /// Whether its writes may still wait for room now
    /// ([`super::headroom::Patience`]: once a second; a gateway connection
    /// keeps its session, a console line has its own).
    pub patience: Patience,
}

impl Session {
    /// Local mode's caller without a sandbox record (the gateway's clients,
    /// the keys page's reads): database 0, no namespace, no ACL user; its
    /// id names nothing. A connection keeps its `SELECT`/`MULTI` state
    /// itself.
    pub fn local() -> Session {
        Session {
            id: SandboxId::parse("00000000000000000000000000000000").expect("32 hex digits are an id"),
            state: SessionState::default(),
            is_new: false,
            set_secret: None,
            password: None,
            over_quota: None,
            used_bytes: 0,
            patience: Patience::default(),
        }
    }
}

/// What a read of an existing sandbox found.
#[derive(Debug)]
struct Touched {
    state: SessionState,
    password: Option<String>,
    over_quota: OverQuota,
    used_bytes: u64,
    refreshed: bool,
}

impl Touched {
    /// From `HMGET db tx txerr pass quota …`.
    fn from_fields(fields: &[Option<String>], refreshed: bool) -> Self {
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
            used_bytes: fields.get(6).and_then(|v| v.as_deref()).and_then(|v| v.parse().ok()).unwrap_or(0),
            refreshed,
        }
    }
}

/// How often one process refreshes a sandbox's last-seen time, at most.
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// How sandboxes live: set once, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    /// A sandbox unused this long ends (with everything it owns, in shared mode).
    pub idle: Duration,
    /// New sandboxes (and resume attempts) per client address per minute
    /// (0 = unlimited).
    pub mints_per_minute: u32,
}

impl Lifetime {
    /// New sandboxes per address per minute on a shared Bolide, by default:
    /// a classroom behind one NAT address starts a few dozen at once.
    pub const SHARED_MINTS_PER_MINUTE: u32 = 60;

    /// The mode's defaults: locally no mint limit (one student).
    pub fn for_mode(shared: bool, idle: Duration) -> Self {
        Self { idle, mints_per_minute: if shared { Self::SHARED_MINTS_PER_MINUTE } else { 0 } }
    }
}

/// Sandboxes in Bolide's system database.
#[derive(Clone)]
pub struct SandboxStore {
    system: Connection,
    lifetime: Lifetime,
    /// Shared mode: each sandbox gets its own Redis ACL user and namespace.
    shared: bool,
    connections: Connections,
    /// What each feature removes when a sandbox ends (shared mode).
    cleanups: Arc<Vec<Cleanup>>,
    /// What each feature's part of a sandbox holds (shared mode's quota).
    measures: Arc<Vec<Measure>>,
    /// This process's leases of room in the sandboxes' quotas.
    headroom: Headroom,
    mints: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    /// When this process last refreshed each sandbox's last-seen time.
    refreshed: Arc<Mutex<HashMap<SandboxId, Instant>>>,
    /// [`acl::NOBODY`]'s password, once read.
    nobody: Arc<tokio::sync::OnceCell<String>>,
}

impl SandboxStore {
    pub fn new(
        system: Connection,
        connections: Connections,
        lifetime: Lifetime,
        shared: bool,
        cleanups: Vec<Cleanup>,
        measures: Vec<Measure>,
    ) -> Self {
        let mints = NonZeroU32::new(lifetime.mints_per_minute)
            .map(|n| Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))));
        Self {
            headroom: Headroom::new(system.clone()),
            system,
            lifetime,
            shared,
            connections,
            cleanups: Arc::new(cleanups),
            measures: Arc::new(measures),
            mints,
            refreshed: Default::default(),
            nobody: Default::default(),
        }
    }

    pub fn idle_ttl(&self) -> Duration {
        self.lifetime.idle
    }

    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// The mode this Bolide runs in.
    pub fn tenancy(&self) -> super::Tenancy {
        if self.shared {
            super::Tenancy::Shared
        } else {
            super::Tenancy::Local
        }
    }

    /// Bolide's own connection (system database).
    pub fn system(&self) -> Connection {
        self.system.clone()
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// The sandbox a cookie's secret names, refreshed; `None` when it names
    /// none (no cookie, a malformed one, one that ended).
    pub async fn find(&self, secret: Option<&str>) -> Result<Option<Session>, AppError> {
        let Some(secret) = secret.filter(|s| is_hex(s, 32)) else { return Ok(None) };
        let mut conn = self.system.clone();
        let id: Option<String> = redis::cmd("GET").arg(secret_key(secret)).query_async(&mut conn).await?;
        let Some(id) = id.as_deref().and_then(SandboxId::parse) else { return Ok(None) };
        let Some(touched) = self.read(&id).await? else { return Ok(None) };
        if let (true, true, Some(password)) = (self.shared, touched.refreshed, &touched.password) {
            // Redis forgets ACL users when it restarts: re-made as often as
            // the sandbox is refreshed, so features recover within seconds.
            self.ensure_acl_user(&id, password).await?;
        }
        Ok(Some(Session {
            id,
            state: touched.state,
            is_new: false,
            set_secret: touched.refreshed.then(|| secret.to_string()),
            password: touched.password,
            over_quota: touched.over_quota,
            used_bytes: touched.used_bytes,
            patience: Patience::default(),
        }))
    }

    /// The sandbox `id` names, refreshed, for a caller that proved it owns
    /// it some other way than a cookie (the gateway's credentials); `None`
    /// when it ended.
    pub async fn find_by_id(&self, id: &SandboxId) -> Result<Option<Session>, AppError> {
        let Some(touched) = self.read(id).await? else { return Ok(None) };
        Ok(Some(Session {
            id: id.clone(),
            state: touched.state,
            is_new: false,
            set_secret: None,
            password: touched.password,
            over_quota: touched.over_quota,
            used_bytes: touched.used_bytes,
            patience: Patience::default(),
        }))
    }

    /// Counts one new sandbox (or one resume attempt) against the client
    /// address's allowance: `429` with `Retry-After` beyond it.
    pub fn check_mint(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        let (Some(limiter), Some(address)) = (&self.mints, address) else { return Ok(()) };
        limiter.check_key(&address).map_err(|not_until| AppError::RateLimited {
            message: "too many new sandboxes from this address; wait a little, or resume yours with its code"
                .into(),
            retry_after: not_until.wait_time_from(DefaultClock::default().now()).max(Duration::from_secs(1)),
        })
    }

    /// Mints a sandbox: id, secret, code, and (shared mode) its ACL users.
    pub async fn mint(&self) -> Result<Session, AppError> {
        let id = SandboxId::mint()?;
        let secret = random_hex()?;
        let code = new_code()?;
        let password = if self.shared { Some(random_hex()?) } else { None };
        let now = now_ms();
        let (secret_key, code_key) = (secret_key(&secret), code_key(&code));
        let mut conn = self.system.clone();
        redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(id.key())
            .arg(&[("created", now), ("seen", now), ("db", 0), ("tx", 0), ("txerr", 0)])
            .arg("pass")
            .arg(password.as_deref().unwrap_or(""))
            .arg("code")
            .arg(&code)
            .ignore()
            .cmd("PEXPIRE")
            .arg(id.key())
            .arg(self.idle_ttl_ms())
            .ignore()
            .set(&secret_key, id.as_str())
            .ignore()
            .set(&code_key, id.as_str())
            .ignore()
            .sadd(id.logins_key(), &[&secret_key, &code_key])
            .ignore()
            .zadd(SANDBOXES_KEY, id.as_str(), now)
            .ignore()
            .exec_async(&mut conn)
            .await?;
        if let Some(password) = &password {
            self.ensure_acl_user(&id, password).await?;
        }
        self.mark_refreshed(&id);
        Ok(Session {
            id,
            state: SessionState::default(),
            is_new: true,
            set_secret: Some(secret),
            password,
            over_quota: None,
            used_bytes: 0,
            patience: Patience::default(),
        })
    }

    /// Creates (or re-creates, e.g. after a Redis restart, which forgets ACL
    /// users) the sandbox's two Redis ACL users, the console's and the
    /// features' ([`super::acl`]), with the sandbox's password — unless the
    /// sandbox has ended meanwhile: the same round trip checks its record
    /// is still there, and removes the users again when it is not (its end
    /// removes the record before the users, see [`Self::end`]), so none is
    /// left behind.
    pub async fn ensure_acl_user(&self, id: &SandboxId, password: &str) -> Result<(), AppError> {
        let owner = Owner::for_session(id.as_str());
        let mut conn = self.system.clone();
        let (exists,): (bool,) = redis::pipe()
            .cmd("ACL")
            .arg("SETUSER")
            .arg(acl::acl_user(id))
            .arg(acl::acl_rules(&owner, password))
            .ignore()
            .cmd("ACL")
            .arg("SETUSER")
            .arg(acl::feature_user(&owner))
            .arg(acl::feature_rules(&owner, password))
            .ignore()
            .exists(id.key())
            .query_async(&mut conn)
            .await?;
        if !exists {
            redis::cmd("ACL")
                .arg("DELUSER")
                .arg(acl::acl_user(id))
                .arg(acl::feature_user(&owner))
                .exec_async(&mut conn)
                .await?;
            return Err(AppError::NotFound("this sandbox has ended".into()));
        }
        Ok(())
    }

    /// How features reach the sandbox's keys: as its feature user in shared
    /// mode, Bolide's own connections locally.
    pub fn access(&self, session: &Session) -> Result<Access, AppError> {
        match (&session.password, self.shared) {
            (Some(password), true) => {
                self.connections.feature_access(&Owner::for_session(session.id.as_str()), password)
            }
            (None, true) => Err(AppError::Internal("shared-mode sandbox without an ACL user".into())),
            (_, false) => self.connections.local_access(),
        }
    }

    /// How a request without a sandbox (a cookieless read, shared mode)
    /// reads: as [`acl::NOBODY`], whose user reads keys no sandbox has.
    /// Its password is read (or made) once per process, and its user made
    /// then; after a Redis restart its connections re-create it, as a
    /// sandbox's do ([`super::connections`]).
    pub async fn nobody_access(&self) -> Result<Access, AppError> {
        let owner = Owner::for_session(acl::NOBODY);
        let password = self.nobody.get_or_try_init(|| self.nobody_password(&owner)).await?;
        self.connections.feature_access(&owner, password)
    }

    /// At start (shared mode): reads or makes [`acl::NOBODY`]'s password and
    /// makes its user, so the first cookieless read finds them. A failure
    /// (Redis not up yet) is tried again by that read.
    pub async fn prepare(&self) -> Result<(), AppError> {
        if self.shared {
            self.nobody_access().await?;
        }
        Ok(())
    }

    /// [`acl::NOBODY`]'s password, shared by every Bolide process on this
    /// Redis: the first one makes it (`SET NX`), every one reads it, and
    /// (re)makes the user with it.
    async fn nobody_password(&self, owner: &Owner) -> Result<String, AppError> {
        let mut conn = self.system.clone();
        let (password,): (String,) = redis::pipe()
            .cmd("SET")
            .arg(acl::NOBODY_PASSWORD_KEY)
            .arg(random_hex()?)
            .arg("NX")
            .ignore()
            .cmd("GET")
            .arg(acl::NOBODY_PASSWORD_KEY)
            .query_async(&mut conn)
            .await?;
        // Made afresh (`reset`): an older user (another password, or none)
        // gives way to the one every process reads now.
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg(acl::feature_user(owner))
            .arg(acl::nobody_rules(&password))
            .exec_async(&mut conn)
            .await?;
        Ok(password)
    }

    /// Ends a sandbox: in shared mode every feature's cleanup runs first
    /// (its keys, data indexes, jobs, guide progress), as the sandbox's
    /// feature user; then its record, its credentials and its console queue
    /// go, then its two ACL users and its connections, and last its entry
    /// in [`SANDBOXES_KEY`] (so an end cut short is tried again). The
    /// record goes before the users: a connection re-creating its feature
    /// user meanwhile ([`acl::recreate_feature_user`]) then leaves none
    /// behind.
    pub async fn end(&self, id: &SandboxId) -> Result<(), AppError> {
        let mut system = self.system.clone();
        let owner = Owner::for_session(id.as_str());
        if self.shared {
            // The record (and the password in it) may have expired already:
            // the cleanup's user gets a password of this call's own.
            let password = random_hex()?;
            redis::cmd("ACL")
                .arg("SETUSER")
                .arg(acl::feature_user(&owner))
                .arg(acl::feature_rules(&owner, &password))
                .exec_async(&mut system)
                .await?;
            let ended = Ended {
                access: self.connections.private_access(&owner, &password)?,
                owner: owner.clone(),
                system: system.clone(),
            };
            for cleanup in self.cleanups.iter() {
                cleanup(ended.clone()).await?;
            }
        }
        let logins: Vec<String> =
            redis::cmd("SMEMBERS").arg(id.logins_key()).query_async(&mut system).await?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for key in &logins {
            pipe.del(key).ignore();
        }
        pipe.del(id.key())
            .ignore()
            .del(id.tx_key())
            .ignore()
            .del(id.logins_key())
            .ignore()
            .exec_async(&mut system)
            .await?;
        if self.shared {
            redis::cmd("ACL")
                .arg("DELUSER")
                .arg(acl::acl_user(id))
                .arg(acl::feature_user(&owner))
                .exec_async(&mut system)
                .await?;
            self.connections.forget_session(id);
        }
        redis::cmd("ZREM").arg(SANDBOXES_KEY).arg(id.as_str()).exec_async(&mut system).await?;
        self.forget_refresh(id);
        self.headroom.forget(id);
        Ok(())
    }

    fn forget_refresh(&self, id: &SandboxId) {
        if let Ok(mut refreshed) = self.refreshed.lock() {
            refreshed.remove(id);
        }
    }

    /// Every sandbox idle longer than the idle timeout (oldest first).
    pub async fn idle(&self, limit: usize) -> Result<Vec<String>, AppError> {
        let idle_before = now_ms().saturating_sub(self.idle_ttl_ms());
        let mut conn = self.system.clone();
        Ok(redis::cmd("ZRANGE")
            .arg(SANDBOXES_KEY)
            .arg("-inf")
            .arg(idle_before)
            .arg("BYSCORE")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut conn)
            .await?)
    }

    /// Reads an existing sandbox: one `HMGET`, plus — when this process has
    /// not done so lately — refreshing its last-seen time and expiry in the
    /// same round trip. (Refreshing on every request would triple Redis's
    /// work per console line for a timestamp that only matters to the
    /// minute.)
    async fn read(&self, id: &SandboxId) -> Result<Option<Touched>, AppError> {
        let refresh = self.needs_refresh(id);
        let mut pipe = redis::pipe();
        pipe.cmd("HMGET").arg(id.key()).arg(&["db", "tx", "txerr", "pass", "quota", "created", "used"]);
        if refresh {
            let now = now_ms();
            pipe.cmd("HSET").arg(id.key()).arg("seen").arg(now).ignore();
            pipe.cmd("PEXPIRE").arg(id.key()).arg(self.idle_ttl_ms()).ignore();
            pipe.cmd("ZADD").arg(SANDBOXES_KEY).arg("XX").arg(now).arg(id.as_str()).ignore();
        }
        let mut conn = self.system.clone();
        let (fields,): (Vec<Option<String>>,) = pipe.query_async(&mut conn).await?;
        if fields.get(5).cloned().flatten().is_none() {
            if refresh {
                // The HSET above made a stub of an ended sandbox: drop it.
                redis::cmd("DEL").arg(id.key()).exec_async(&mut conn).await?;
            }
            return Ok(None); // no such sandbox (or it just expired)
        }
        Ok(Some(Touched::from_fields(&fields, refresh)))
    }

    /// Whether this process should refresh the sandbox's last-seen time now.
    fn needs_refresh(&self, id: &SandboxId) -> bool {
        let every = (self.lifetime.idle / 4).min(REFRESH_EVERY);
        let now = Instant::now();
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

    fn mark_refreshed(&self, id: &SandboxId) {
        if let Ok(mut refreshed) = self.refreshed.lock() {
            refreshed.insert(id.clone(), Instant::now());
        }
    }

    fn idle_ttl_ms(&self) -> u64 {
        u64::try_from(self.lifetime.idle.as_millis()).unwrap_or(u64::MAX)
    }

    /// Forgets rate-limit buckets that are full again.
    pub fn shrink(&self) {
        if let Some(mints) = &self.mints {
            mints.retain_recent();
        }
    }

    /// This process's leases of room in the sandboxes' quotas
    /// ([`super::headroom`]).
    pub fn headroom(&self) -> &Headroom {
        &self.headroom
    }

    /// Measures what sandbox `id` holds (every feature's part: its keys and
    /// key index, its console queue, its data indexes), O(its own keys), and
    /// sets its count from it — plus the room given out and not yet spent
    /// ([`super::headroom::RECORD`]) — and its quota verdict (from what was
    /// measured, against `max_keys` and `max_bytes`; 0: unlimited).
    /// Answers what was measured and the new count (`None`: it ended).
    pub async fn measure(
        &self,
        id: &SandboxId,
        max_keys: u64,
        max_bytes: u64,
    ) -> Result<(Measured, Option<u64>), AppError> {
        let started = Instant::now();
        let measuring = Measuring {
            id: id.clone(),
            owner: Owner::for_session(id.as_str()),
            system: self.system.clone(),
            data: self.connections.for_db(0)?,
        };
        let mut measured = Measured::default();
        for measure in self.measures.iter() {
            measured = measured.plus(measure(measuring.clone()).await?);
        }
        let verdict = quota_verdict(measured.keys, measured.bytes, max_keys, max_bytes);
        let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let used: i64 = super::headroom::RECORD
            .key(id.key())
            .arg(measured.bytes)
            .arg(verdict.unwrap_or_default())
            .arg(took)
            .invoke_async(&mut self.system.clone())
            .await?;
        Ok((measured, u64::try_from(used).ok()))
    }
}

/// Why a sandbox with `keys` keys and about `bytes` bytes may not grow.
pub fn quota_verdict(keys: u64, bytes: u64, max_keys: u64, max_bytes: u64) -> Option<String> {
    if max_keys > 0 && keys > max_keys {
        return Some(format!("{keys} keys (the limit is {max_keys})"));
    }
    if max_bytes > 0 && bytes > max_bytes {
        return Some(format!("about {} MiB (the limit is {} MiB)", bytes >> 20, max_bytes >> 20));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_verdicts() {
        assert_eq!(quota_verdict(10, 10, 100, 1000), None);
        assert!(quota_verdict(101, 10, 100, 1000).is_some_and(|v| v.contains("101 keys")));
        assert!(quota_verdict(10, 2 << 20, 100, 1 << 20).is_some_and(|v| v.contains("MiB")));
        assert_eq!(quota_verdict(u64::MAX, u64::MAX, 0, 0), None);
    }

    #[test]
    fn minted_ids_are_128_bit_hex_and_distinct() {
        let a = SandboxId::mint().expect("mint");
        let b = SandboxId::mint().expect("mint");
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a, b);
        assert_eq!(SandboxId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn only_the_minted_shape_parses() {
        assert!(SandboxId::parse("0123456789abcdef0123456789abcdef").is_some());
        for bad in
            ["", "xyz", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde", "*", "{s:1}"]
        {
            assert!(SandboxId::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_kept_as_digests() {
        assert_ne!(secret_key("a"), secret_key("b"));
        assert!(!secret_key("0123456789abcdef0123456789abcdef").contains("0123456789abcdef0123456789abcdef"));
    }
}
