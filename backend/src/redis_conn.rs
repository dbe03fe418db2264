//! How Bolide talks to Redis: one multiplexed, self-healing connection.
//!
//! A [`redis::aio::ConnectionManager`] pipelines every request of every
//! browser over one TCP connection (cheap for Redis, fast for us) and
//! reconnects by itself when the connection drops — so when Redis restarts,
//! Bolide recovers without a restart of its own. It is created lazily, so
//! Bolide starts (and its health endpoint says "Redis down") even when an
//! external Redis is not up yet.
//!
//! Timeouts are short on purpose: the app must say "Redis down" within a
//! second or two, not hang a student's page.

use std::time::Duration;

use bolide_shared::api::RedisMode;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};

/// Longest a single command may wait for its reply.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(1500);
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

/// Opens the self-healing connection to `url` (no I/O until first use).
pub fn connect(url: &str) -> redis::RedisResult<(ConnectionManager, RedisEndpoint)> {
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
pub fn connect_with_timeout(url: &str, response_timeout: Duration) -> redis::RedisResult<ConnectionManager> {
    managed(redis::Client::open(url)?, response_timeout)
}

fn managed(client: redis::Client, response_timeout: Duration) -> redis::RedisResult<ConnectionManager> {
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

/// Marks a response that failed on a connection Redis was not reachable
/// through (refused, broken, reset; not a timeout).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionBroken;

/// Middleware: a `GET` or `HEAD` (a read: running it twice changes
/// nothing) whose Redis connection turned out broken — the first command
/// on an idle connection after a Redis restart fails, and the connection
/// manager reconnects — is run once more, on the fresh connection, so a
/// restart Redis is already back from costs no `503`. Writes are not
/// replayed here (a write may have reached Redis before the connection
/// broke); their clients retry, with an `Idempotency-Key` for jobs.
pub async fn retry_reads_once(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let again = axum::extract::Request::from_parts(parts.clone(), axum::body::Body::empty());
    let response = next.clone().run(axum::extract::Request::from_parts(parts, body)).await;
    if response.extensions().get::<ConnectionBroken>().is_none() {
        return response;
    }
    next.run(again).await
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
    fn strips_the_database_from_urls() {
        assert_eq!(url_without_db("redis://127.0.0.1:6379/0"), "redis://127.0.0.1:6379");
        assert_eq!(url_without_db("redis://127.0.0.1:6379/"), "redis://127.0.0.1:6379");
        assert_eq!(url_without_db("redis://u:p@h:1/12"), "redis://u:p@h:1");
        assert_eq!(url_without_db("redis://h:1"), "redis://h:1");
    }
}
