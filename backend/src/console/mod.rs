//! `POST /api/console`: a redis-cli in the browser, on a real Redis.
//!
//! # Two modes, one code path
//! - **local** (default): one student on their own machine. The console works
//!   on the real keyspace, database 0 (and `SELECT` among databases 0–14), so
//!   what a student's Python script writes to the shown port is what the
//!   console sees, and the other way round.
//! - **shared** (`--shared`): a class or a public site. Every session gets a
//!   namespace (`{s:<id>}:`), every key is rewritten into it and replies are
//!   rewritten back, keyless commands are answered within it, and the limits
//!   are tighter.
//!
//! The difference is a [`ConsolePolicy`] value — mode (and with it the
//! command table's allowlist and the namespace) plus [`Limits`] — handed to
//! the same [`relay::Relay`].
//!
//! # Where Bolide's own keys live
//! In logical database [`SYSTEM_DB`] (15), which the console can never
//! select: sessions now, jobs and indexes later. A student's `FLUSHDB`,
//! `KEYS *` or `SCAN` in database 0 therefore neither shows nor deletes them.

pub mod connections;
pub mod housekeeping;
pub mod limits;
pub mod namespace;
pub mod rate;
pub mod relay;
pub mod session;

use axum::extract::rejection::JsonRejection;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::routing::post;
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bolide_shared::api::{ConsoleRequest, ConsoleResponse};
use bolide_shared::commands::policy::{Databases, Mode};

pub use limits::Limits;

use crate::error::AppError;
use crate::server::AppState;

/// The logical database that holds Bolide's own keys.
pub const SYSTEM_DB: u32 = 15;

/// The databases the console may `SELECT` in local mode.
pub const CONSOLE_DATABASES: Databases = Databases::new(0, SYSTEM_DB - 1);

/// Largest request body: a line with the largest local-mode argument, and
/// room for JSON escaping. Larger bodies get `413`.
pub const MAX_BODY_BYTES: usize = 768 * 1024;

/// How the console behaves: the only thing that differs between modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsolePolicy {
    pub mode: Mode,
    pub limits: Limits,
}

impl ConsolePolicy {
    pub const LOCAL: ConsolePolicy =
        ConsolePolicy { mode: Mode::Local { databases: CONSOLE_DATABASES }, limits: Limits::LOCAL };
    pub const SHARED: ConsolePolicy = ConsolePolicy { mode: Mode::Shared, limits: Limits::SHARED };

    pub fn is_shared(&self) -> bool {
        matches!(self.mode, Mode::Shared)
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/console", post(console)).layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Runs one line. `200` with redis-cli's text for every line read (refusals
/// included); JSON errors only for transport problems.
async fn console(
    State(state): State<AppState>,
    client: ClientAddress,
    jar: CookieJar,
    headers: HeaderMap,
    body: Result<Json<ConsoleRequest>, JsonRejection>,
) -> Result<(CookieJar, Json<ConsoleResponse>), AppError> {
    reject_cross_site(&headers)?;
    let relay = state.relay();
    relay.rate.check_address(client.0)?;
    let Json(request) = body?;
    let (mut session, jar) = session_of(relay, jar).await?;
    relay.rate.check_session(session.id.as_str())?;
    let response = relay.run_line(&mut session, &request.line).await?;
    Ok((jar, Json(response)))
}

/// The browser's session (a new one when the cookie names none), and the
/// cookie jar to answer with (setting the cookie for a new session).
pub async fn session_of(
    relay: &relay::Relay,
    jar: CookieJar,
) -> Result<(session::Session, CookieJar), AppError> {
    let session = relay.sessions.resolve(jar.get(session::COOKIE).map(Cookie::value)).await?;
    let jar = if session.is_new {
        let cookie = Cookie::build((session::COOKIE, session.id.as_str().to_string()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .build();
        jar.add(cookie)
    } else {
        jar
    };
    Ok((session, jar))
}

/// The peer address of the request, when the server knows it (tests that
/// call the router directly have none).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}

/// Browsers say where a request comes from; only the app's own pages may
/// use the console. (A cross-site page cannot send a JSON POST without a
/// CORS preflight, which Bolide never grants; this is the second lock.)
pub fn reject_cross_site(headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Err(AppError::Forbidden(format!("cross-site request ({site}) refused")));
        }
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return Err(AppError::Forbidden(format!("request from another origin ({origin}) refused")));
        }
    }
    Ok(())
}
