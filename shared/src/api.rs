//! JSON shapes of Bolide's HTTP API (`/api/...`), shared by server and app.
//!
//! Every error from any endpoint has the shape [`ErrorBody`]:
//! `{"error": {"code": "...", "message": "..."}}`. Codes are stable,
//! lower-snake-case identifiers meant for programs; messages are for people.

use serde::{Deserialize, Serialize};

/// The body of every non-2xx API response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A machine-readable code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// How Bolide reaches its Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedisMode {
    /// Bolide started its own `redis-server` child process.
    Embedded,
    /// Bolide connected to a server given by `--redis-url`.
    External,
}

/// `GET /api/health`: `200` when Redis answers (`ok`) or is only slow to
/// (`busy`), `503` when it does not (`restarting`, `redis_down`).
///
/// The `503` body has the same fields, plus `error` (so it is also a valid
/// [`ErrorBody`] for clients that only look for that).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`, `"busy"`, `"restarting"` or `"redis_down"`.
    pub status: HealthStatus,
    pub redis: RedisHealth,
    pub bolide: BolideInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    /// Redis accepts connections but did not answer in time: a long
    /// command, a large load's `EXEC`, a stall. Answered with a 200.
    Busy,
    /// The embedded Redis exited and Bolide is starting it again (503).
    Restarting,
    RedisDown,
}

/// What Bolide knows about the Redis it uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisHealth {
    pub reachable: bool,
    pub mode: RedisMode,
    /// Host students connect their own scripts to (e.g. `127.0.0.1`).
    pub host: String,
    pub port: u16,
    /// `redis_version` from `INFO server`, when reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `uptime_in_seconds` from `INFO server`, when reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    /// Round trip of the health probe, in milliseconds, when reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
}

/// About the Bolide process that answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BolideInfo {
    pub version: String,
    pub uptime_seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_down_is_also_an_error_body() {
        let health = Health {
            status: HealthStatus::RedisDown,
            redis: RedisHealth {
                reachable: false,
                mode: RedisMode::Embedded,
                host: "127.0.0.1".into(),
                port: 7001,
                version: None,
                uptime_seconds: None,
                latency_ms: None,
            },
            bolide: BolideInfo { version: "0.1.0".into(), uptime_seconds: 3 },
            error: Some(ErrorDetail { code: "redis_unavailable".into(), message: "x".into() }),
        };
        let json = serde_json::to_string(&health).expect("serialize");
        let as_error: ErrorBody = serde_json::from_str(&json).expect("an ErrorBody too");
        assert_eq!(as_error.error.code, "redis_unavailable");
        let back: Health = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, health);
    }
}

/// `POST /api/console`: one command line, as typed at a redis-cli prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleRequest {
    pub line: String,
}

/// The answer to a console line. Always `200` for a line that was read,
/// even when the command was refused or malformed: like redis-cli, the
/// error is in `output` as `(error) …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleResponse {
    /// Exactly what redis-cli prints for the line, without the final
    /// newline; empty for an empty line.
    pub output: String,
    /// The prompt for the next line, as redis-cli shows it:
    /// `127.0.0.1:6379>`, `127.0.0.1:6379[2]>` (another database),
    /// `127.0.0.1:6379(TX)>` (inside `MULTI`).
    pub prompt: String,
    /// Whether `output` is an error reply (`(error) …`).
    #[serde(default)]
    pub error: bool,
    /// The reply as data, when there is one (for the Python/Rust panel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<crate::cli::Reply>,
    /// The command's name as the table knows it (`SET`, `CONFIG GET`), when
    /// the line named a known command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The arguments as typed, after redis-cli's unquoting (each decoded
    /// as UTF-8, lossily), including the command name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `CLEAR` was typed: the page clears its screen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear: bool,
    /// How many reply elements were left out of `output` because the reply
    /// was longer than the console shows (the output says so too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<u64>,
    /// How many bytes of a string reply were not read because the value is
    /// longer than the console shows (the output says so too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted_bytes: Option<u64>,
}

/// `GET /api/sandbox`, and the answer of `POST /api/sandbox/resume` and
/// `POST /api/sandbox/rotate`: the caller's sandbox, for its owner's eyes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxInfo {
    /// A shared Bolide (a class, a public site) gives each browser a
    /// sandbox; a local one has one student and no codes.
    pub shared: bool,
    /// The code that resumes this sandbox in another browser
    /// (`XXXX-XXXX-XXXX`); `null` locally. A credential: show it only here.
    pub code: Option<String>,
    /// A sandbox unused this long ends, with everything it owns.
    pub idle_timeout_seconds: u64,
}

/// `POST /api/sandbox/resume`: a sandbox code, as the student typed it
/// (any case; dashes and spaces are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeRequest {
    pub code: String,
}

/// `GET /api/gateway` (and `POST /api/gateway/rotate`): how the caller's
/// own scripts reach their sandbox over the Redis protocol. In shared mode
/// the password is a credential: shown only to the sandbox's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayInfo {
    /// The host a student's machine connects to.
    pub host: String,
    pub port: u16,
    /// `AUTH username password`; locally `default` and an empty password
    /// (no login needed).
    pub username: String,
    pub password: String,
    /// Ready for `redis.Redis.from_url(…)` and `redis-cli -u …`:
    /// `redis://user:pass@host:port/0` (`rediss://` with TLS).
    pub url: String,
    /// The gateway speaks TLS (`ssl=True`, `redis-cli --tls`).
    pub tls: bool,
}
