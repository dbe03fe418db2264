//! How Bolide talks to Redis: one multiplexed, self-healing connection.
//!
//! A [`Connection`] is a [`redis::aio::ConnectionManager`]: it pipelines
//! every request of every browser over one TCP connection (cheap for Redis,
//! fast for us) and reconnects by itself when the connection drops — so
//! when Redis restarts, Bolide recovers without a restart of its own. It is
//! created lazily, so Bolide starts (and its health endpoint says "Redis
//! down") even when an external Redis is not up yet.
//!
//! **A command that never reached Redis is sent once more.** After a Redis
//! restart, the first command on an idle connection finds it closed (the
//! manager only notices a dead socket when it is used) and fails; so does
//! one sent while the manager's reconnection was refused. Neither was
//! written to Redis, so running it again on the fresh connection cannot
//! run it twice — whatever it is, a read or a write — and a restart Redis
//! is already back from costs no `503`. What counts as "never reached
//! Redis": the connection could not be opened (refused), or the command
//! failed at once, at its first poll, on a connection already known
//! closed — before it could have been written (a reply needs the
//! connection's driver task to run first; the `redis` crate hands a
//! command to a driver that has ended back at once, without waiting). The
//! tests in `backend/tests/faults.rs` restart a real Redis between requests
//! and fail without this. A command that failed later (a
//! reply timeout, a connection that broke while it was in flight) may have
//! run, and is not repeated: its caller answers `503`, and a client that
//! retries a job's submission sends an `Idempotency-Key`.
//!
//! **A login Redis refused is made valid, then tried once more**, for
//! connections made with [`connect_relogging`]: a restarted Redis forgets
//! its ACL users, and the sandbox layer's connections log in as one
//! (see [`crate::sandbox::connections`], which says how it is re-created).
//! A refused login ran nothing, so the retry runs nothing twice. The
//! manager is replaced after that: one whose reconnection was refused for
//! its credentials keeps answering so (it reconnects after I/O errors only).
//!
//! Timeouts are short on purpose: the app must say "Redis down" within a
//! second or two, not hang a student's page.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bolide_shared::api::RedisMode;
use futures_util::future::BoxFuture;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

/// Longest a single command may wait for its reply.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(1500);
/// How much longer a reply may take per command of a long pipeline (a
/// transaction of thousands: Exercise 1's 45,716 `HSET`s in one `MULTI`
/// take Redis half a second on a loaded machine, ~10 µs each, and their
/// replies as long to read): see [`response_timeout_for`].
pub const RESPONSE_TIMEOUT_PER_COMMAND: Duration = Duration::from_micros(100);
/// Pipelines longer than this get a longer reply timeout, on a connection
/// of their own ([`response_timeout_for`]).
pub const LONG_PIPELINE: usize = 1000;

/// The reply timeout of a pipeline of `commands` commands:
/// [`RESPONSE_TIMEOUT`], and [`RESPONSE_TIMEOUT_PER_COMMAND`] for each.
pub fn response_timeout_for(commands: usize) -> Duration {
    let per_command =
        RESPONSE_TIMEOUT_PER_COMMAND.saturating_mul(u32::try_from(commands).unwrap_or(u32::MAX));
    RESPONSE_TIMEOUT.saturating_add(per_command)
}

/// Longest a (re)connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Where Redis is and how Bolide got it; shown to students, who connect their
/// own scripts to the same host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisEndpoint {
    pub mode: RedisMode,
    pub host: String,
    pub port: u16,
}

/// Bolide's self-healing connection to one database (clones share its
/// socket); see the module docs.
#[derive(Clone)]
pub struct Connection {
    manager: ConnectionManager,
    /// How to log in again, for a connection made with [`connect_relogging`].
    relogin: Option<Arc<Relogging>>,
}

/// What a connection runs when Redis refuses its login, to make that login
/// valid again (the sandbox layer re-creates the ACL user a restarted Redis
/// forgot, see [`crate::sandbox::connections`]). An error says the login
/// cannot be made valid (Redis is away, the sandbox ended).
pub type Relogin = Arc<dyn Fn() -> BoxFuture<'static, RedisResult<()>> + Send + Sync>;

/// A [`Connection`]'s way back after a refused login: the hook, and what
/// a fresh manager is made of. A manager whose reconnection was refused
/// for its credentials keeps that answer (it only reconnects after I/O
/// errors), so after the hook the connection gets a new one, shared by
/// every clone.
struct Relogging {
    relogin: Relogin,
    client: redis::Client,
    response_timeout: Duration,
    fresh: std::sync::RwLock<Option<ConnectionManager>>,
}

impl Connection {
    /// The manager commands go down now.
    fn current(&self) -> ConnectionManager {
        let fresh = self.relogin.as_ref().and_then(|r| r.fresh.read().ok().and_then(|f| f.clone()));
        fresh.unwrap_or_else(|| self.manager.clone())
    }

    /// After a refused login: runs the hook, then swaps in a new manager.
    async fn log_in_again(&self, relogging: &Relogging) -> RedisResult<()> {
        (relogging.relogin)().await?;
        let manager = manager_of(relogging.client.clone(), relogging.response_timeout)?;
        if let Ok(mut fresh) = relogging.fresh.write() {
            *fresh = Some(manager);
        }
        Ok(())
    }

    /// Sends with `send`; for a relogging connection whose login Redis
    /// refused, logs in again and sends once more (a refused login ran
    /// nothing, so nothing runs twice).
    async fn send<T, F, Fut>(&self, send: F) -> RedisResult<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let result = once_more_if_unsent(|| send(self.current())).await;
        match (&self.relogin, &result) {
            (Some(relogging), Err(err)) if login_refused(err) => {
                tracing::debug!(%err, "Redis refused a login; making it valid again");
                self.log_in_again(relogging).await?;
                once_more_if_unsent(|| send(self.current())).await
            }
            _ => result,
        }
    }
}

/// Whether Redis refused the connection's credentials (a user it does not
/// know, or a wrong password).
pub fn login_refused(err: &redis::RedisError) -> bool {
    err.kind() == redis::ErrorKind::AuthenticationFailed || matches!(err.code(), Some("WRONGPASS" | "NOAUTH"))
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let this = &*self;
        Box::pin(this.send(move |mut manager| async move { manager.send_packed_command(cmd).await }))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let this = &*self;
        Box::pin(this.send(move |mut manager| async move {
            manager.send_packed_commands(pipeline, offset, count).await
        }))
    }

    fn get_db(&self) -> i64 {
        self.manager.get_db()
    }
}

/// Runs `send()`, and once more if it failed before reaching Redis (see
/// the module docs): refused, or failed at its first poll with the
/// connection closed.
async fn once_more_if_unsent<T, F, Fut>(mut send: F) -> RedisResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = RedisResult<T>>,
{
    let (result, at_once) = noting_first_poll(send()).await;
    match result {
        Err(err) if never_reached_redis(&err, at_once) => {
            tracing::debug!(%err, "a command did not reach Redis; sending it on the fresh connection");
            send().await
        }
        result => result,
    }
}

fn never_reached_redis(err: &redis::RedisError, failed_at_first_poll: bool) -> bool {
    err.is_connection_refusal() || (failed_at_first_poll && err.is_connection_dropped() && !err.is_timeout())
}

/// Runs `future`; also says whether it was ready at its first poll.
async fn noting_first_poll<F: Future>(future: F) -> (F::Output, bool) {
    let mut future = std::pin::pin!(future);
    let mut polls = 0u32;
    let output = std::future::poll_fn(|cx| {
        polls += 1;
        future.as_mut().poll(cx)
    })
    .await;
    (output, polls == 1)
}

/// Opens the self-healing connection to `url` (no I/O until first use).
pub fn connect(url: &str) -> redis::RedisResult<(Connection, RedisEndpoint)> {
    let client = redis::Client::open(url)?;
    let (host, port) = match client.get_connection_info().addr() {
        redis::ConnectionAddr::Tcp(host, port) | redis::ConnectionAddr::TcpTls { host, port, .. } => {
            (host.clone(), *port)
        }
        other => (other.to_string(), 0),
    };
    let manager = managed(client, RESPONSE_TIMEOUT)?;
    Ok((manager, RedisEndpoint { mode: RedisMode::External, host, port }))
}

/// A self-healing connection to `url` whose replies may take up to
/// `response_timeout` (a worker's blocking reads need longer than
/// [`RESPONSE_TIMEOUT`]); no I/O until first use.
pub fn connect_with_timeout(url: &str, response_timeout: Duration) -> redis::RedisResult<Connection> {
    managed(redis::Client::open(url)?, response_timeout)
}

fn managed(client: redis::Client, response_timeout: Duration) -> redis::RedisResult<Connection> {
    Ok(Connection { manager: manager_of(client, response_timeout)?, relogin: None })
}

/// A self-healing connection to `url` (a URL with a login), which runs
/// `relogin` and tries once more when Redis refuses that login (see
/// [`Relogin`]); no I/O until first use.
pub fn connect_relogging(url: &str, relogin: Relogin) -> redis::RedisResult<Connection> {
    let client = redis::Client::open(url)?;
    let manager = manager_of(client.clone(), RESPONSE_TIMEOUT)?;
    let relogging = Relogging {
        relogin,
        client,
        response_timeout: RESPONSE_TIMEOUT,
        fresh: std::sync::RwLock::new(None),
    };
    Ok(Connection { manager, relogin: Some(Arc::new(relogging)) })
}

fn manager_of(client: redis::Client, response_timeout: Duration) -> redis::RedisResult<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(response_timeout))
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
        .set_number_of_retries(3);
    ConnectionManager::new_lazy_with_config(client, config)
}

/// A plain connection of the caller's own to `url`, opened now: its
/// `SELECT`, `WATCH` or a reply the shared connections could not parse
/// affect no one else. Replies may take up to `response_timeout`.
pub async fn private_connection(
    url: &str,
    response_timeout: Duration,
) -> redis::RedisResult<MultiplexedConnection> {
    let client = redis::Client::open(url)?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(response_timeout));
    client.get_multiplexed_async_connection_with_config(&config).await
}

/// `redis://host:port/3` → `redis://host:port` (the console opens one
/// connection per database and appends its own).
pub fn url_without_db(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let scheme_end = trimmed.find("://").map_or(0, |i| i + 3);
    match trimmed[scheme_end..].rfind('/') {
        Some(slash) if trimmed[scheme_end + slash + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            trimmed[..scheme_end + slash].to_string()
        }
        _ => trimmed.to_string(),
    }
}

/// Every key matching `pattern` (optionally of one `TYPE`), by `SCAN`ning
/// the whole database: O(N), for the few places that must visit all keys.
pub async fn scan_keys(
    conn: &mut impl redis::aio::ConnectionLike,
    pattern: &[u8],
    of_type: Option<&str>,
) -> redis::RedisResult<Vec<Vec<u8>>> {
    let mut cursor: u64 = 0;
    let mut keys = Vec::new();
    loop {
        let mut scan = redis::cmd("SCAN");
        scan.arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000);
        if let Some(of_type) = of_type {
            scan.arg("TYPE").arg(of_type);
        }
        let (next, batch): (u64, Vec<Vec<u8>>) = scan.query_async(conn).await?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// Errors that say Redis is (for now) out of reach, rather than that a
/// command was wrong: no connection, a timeout, or a server that is
/// loading its data after a restart (`LOADING`), failing over or busy. A
/// job run that hits one is handed back, not failed; an API request gets a
/// `503` ("try again"), never a `500`.
pub fn is_transient(err: &redis::RedisError) -> bool {
    use redis::ErrorKind;
    if err.is_io_error() || err.is_timeout() || err.is_connection_dropped() || err.is_connection_refusal() {
        return true;
    }
    match err.kind() {
        ErrorKind::Server(kind) if is_transient_server_error(kind) => true,
        // A transaction Redis refused at `EXEC` because a command was
        // refused while queueing, e.g. `LOADING` after a restart.
        ErrorKind::Server(redis::ServerErrorKind::ExecAbort) => {
            err.clone().into_server_errors().is_some_and(|errors| {
                errors.iter().any(|(_, e)| e.kind().is_some_and(is_transient_server_error))
            })
        }
        _ => false,
    }
}

fn is_transient_server_error(kind: redis::ServerErrorKind) -> bool {
    use redis::ServerErrorKind;
    matches!(
        kind,
        ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ClusterDown
    )
}

#[cfg(test)]
mod tests {
    use super::{is_transient, url_without_db};

    #[test]
    fn not_now_errors_are_transient_wrong_commands_are_not() {
        use redis::{ErrorKind, RedisError, ServerErrorKind};
        let loading = RedisError::from((ErrorKind::Server(ServerErrorKind::BusyLoading), "LOADING"));
        assert!(is_transient(&loading));
        let reset = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_transient(&reset));
        let wrong = RedisError::from((ErrorKind::Server(ServerErrorKind::ResponseError), "ERR syntax error"));
        assert!(!is_transient(&wrong));
        let no_perm = RedisError::from((ErrorKind::Server(ServerErrorKind::NoPerm), "NOPERM"));
        assert!(!is_transient(&no_perm));
    }

    #[test]
    fn only_commands_that_never_left_are_sent_again() {
        use super::never_reached_redis;
        use redis::RedisError;
        use std::io::{Error, ErrorKind};
        let closed = RedisError::from(Error::from(ErrorKind::BrokenPipe));
        let refused = RedisError::from(Error::from(ErrorKind::ConnectionRefused));
        let timed_out = RedisError::from(Error::from(ErrorKind::TimedOut));
        assert!(never_reached_redis(&closed, true), "closed before it was sent");
        assert!(!never_reached_redis(&closed, false), "closed while in flight: it may have run");
        assert!(never_reached_redis(&refused, false), "no connection to send it on");
        assert!(!never_reached_redis(&timed_out, true) && !never_reached_redis(&timed_out, false));
        let wrong =
            RedisError::from((redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError), "ERR"));
        assert!(!never_reached_redis(&wrong, true), "Redis's own answer");
    }

    #[test]
    fn strips_the_database_from_urls() {
        assert_eq!(url_without_db("redis://127.0.0.1:6379/0"), "redis://127.0.0.1:6379");
        assert_eq!(url_without_db("redis://127.0.0.1:6379/"), "redis://127.0.0.1:6379");
        assert_eq!(url_without_db("redis://u:p@h:1/12"), "redis://u:p@h:1");
        assert_eq!(url_without_db("redis://h:1"), "redis://h:1");
    }
}
