//! `GET /api/health`: is Redis there, which one, and for how long.
//!
//! The status badge of every open page polls this, so it is one `INFO server`
//! round trip (which also proves Redis answers commands), bounded in time so
//! a vanished Redis is reported within about a second.
//!
//! Slow is not down: when the probe gets no answer in time but Redis still
//! accepts a TCP connection (it is running a million-record `EXEC`, or is
//! stalled), the status is `busy` with a `200`. While the supervisor starts
//! the embedded Redis again after it exited, the status is `restarting`
//! (`503`); after it gave up, `redis_down` with its reason.

use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use bolide_shared::api::{BolideInfo, ErrorDetail, Health, HealthStatus, RedisHealth};

use crate::embedded::{EmbeddedControl, Supervision};
use crate::error::AppError;
use crate::redis_conn::{Connection, RedisEndpoint};
use crate::server::AppState;

/// How long the "is it still accepting connections?" check of a probe that
/// timed out may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long the probe may take before Redis counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the health check needs of the app's state: Bolide's own
/// connection (the probe), where Redis is, when Bolide started, and the
/// embedded server's supervision (to tell "restarting" from "down").
#[derive(Clone)]
pub struct HealthState {
    pub system: Connection,
    pub endpoint: RedisEndpoint,
    /// When this Bolide started (its uptime).
    pub started: Instant,
    pub embedded: Option<EmbeddedControl>,
}

impl FromRef<AppState> for HealthState {
    fn from_ref(state: &AppState) -> Self {
        HealthState {
            system: state.redis(),
            endpoint: state.endpoint().clone(),
            started: state.started(),
            embedded: state.embedded().cloned(),
        }
    }
}

/// The health route, on any state that provides [`HealthState`].
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    HealthState: FromRef<S>,
{
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<HealthState>) -> (StatusCode, Json<Health>) {
    let started = Instant::now();
    let mut conn = state.system.clone();
    let mut info = redis::cmd("INFO");
    info.arg("server");
    let probe = info.query_async::<String>(&mut conn);
    let outcome = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(info)) => Ok(info),
        Ok(Err(err)) => Err(AppError::from(err)),
        Err(_) => Err(AppError::RedisUnavailable(format!("no answer within {PROBE_TIMEOUT:?}"))),
    };
    let timed_out =
        matches!(&outcome, Err(AppError::RedisUnavailable(m)) if m.starts_with("no answer within"));
    let endpoint = &state.endpoint;
    let mut redis = RedisHealth {
        reachable: false,
        mode: endpoint.mode,
        host: endpoint.host.clone(),
        port: endpoint.port,
        version: None,
        uptime_seconds: None,
        latency_ms: None,
    };
    let bolide = BolideInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: state.started.elapsed().as_secs(),
    };
    match outcome {
        Ok(info) => {
            redis.reachable = true;
            redis.version = info_field(&info, "redis_version").map(str::to_string);
            redis.uptime_seconds = info_field(&info, "uptime_in_seconds").and_then(|s| s.parse().ok());
            redis.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
            (StatusCode::OK, Json(Health { status: HealthStatus::Ok, redis, bolide, error: None }))
        }
        Err(err) => {
            let supervision = state.embedded.as_ref().map(|control| control.supervision());
            let (status, error) = match supervision {
                Some(Supervision::Restarting { reason }) => (
                    HealthStatus::Restarting,
                    ErrorDetail { code: "redis_restarting".into(), message: reason },
                ),
                Some(Supervision::GaveUp { reason }) => (
                    HealthStatus::RedisDown,
                    ErrorDetail { code: "redis_unavailable".into(), message: reason },
                ),
                _ if timed_out && accepts_connections(&endpoint.host, endpoint.port).await => {
                    redis.reachable = true;
                    let message = format!(
                        "Redis accepts connections but did not answer within {PROBE_TIMEOUT:?}: it is busy \
                         (a long command, a large load, a stall)"
                    );
                    let error = ErrorDetail { code: "redis_busy".into(), message };
                    let health = Health { status: HealthStatus::Busy, redis, bolide, error: Some(error) };
                    return (StatusCode::OK, Json(health));
                }
                _ => (
                    HealthStatus::RedisDown,
                    match err {
                        AppError::RedisUnavailable(_) => err.detail(),
                        other => ErrorDetail { code: "redis_unavailable".into(), message: other.to_string() },
                    },
                ),
            };
            let health = Health { status, redis, bolide, error: Some(error) };
            (StatusCode::SERVICE_UNAVAILABLE, Json(health))
        }
    }
}

/// Whether a TCP connection to Redis opens (a stalled or busy Redis still
/// accepts them; a stopped one refuses).
async fn accepts_connections(host: &str, port: u16) -> bool {
    let connect = tokio::net::TcpStream::connect((host, port));
    matches!(tokio::time::timeout(CONNECT_TIMEOUT, connect).await, Ok(Ok(_)))
}

/// `key:value` lines of an `INFO` reply.
fn info_field<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix(':').map(str::trim))
}

#[cfg(test)]
mod tests {
    use super::info_field;

    #[test]
    fn reads_info_fields() {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_version_extra:x\r\nuptime_in_seconds:42\r\n";
        assert_eq!(info_field(info, "redis_version"), Some("7.0.15"));
        assert_eq!(info_field(info, "uptime_in_seconds"), Some("42"));
        assert_eq!(info_field(info, "tcp_port"), None);
    }
}
