//! Who is calling and what they own: the sandbox layer, below every feature.
//!
//! In shared mode (a class, a public site) each student works in a
//! **sandbox**: a namespace of keys, a Redis ACL user, data indexes, jobs,
//! guide progress. Locally there is one student and one sandbox, `local`,
//! which owns database 0 without a prefix. Features (console, data, jobs,
//! guides) never decide this themselves: a handler takes a [`Sandbox`]
//! (an axum extractor that resolves the caller from the cookie) and works
//! with its [`Owner`]. Putting it here, not in one feature the others
//! import, keeps one answer to "whose keys are these".
//!
//! What lives here:
//! - [`Owner`]: the prefix of the caller's keys and the tag of Bolide's
//!   bookkeeping about them;
//! - [`store`]: sandboxes in Redis (the system database), minted, resolved
//!   and refreshed;
//! - [`acl`]: a shared-mode sandbox's Redis ACL user;
//! - [`cross_site`]: the one middleware that refuses cross-site writes;
//! - [`ids`] and [`clock`]: randomness and time, for every feature;
//! - the keyspace layout: [`SYSTEM_DB`] holds Bolide's own keys, databases
//!   [`STUDENT_DATABASES`] are the student's.

pub mod acl;
pub mod clock;
pub mod cross_site;
pub mod ids;
pub mod owner;
pub mod store;

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bolide_shared::commands::policy::Databases;

pub use owner::Owner;

use crate::error::AppError;
use crate::server::AppState;

/// The logical database that holds Bolide's own keys (sandboxes, data
/// indexes, jobs, guide progress). The console can never select it, so a
/// student's `FLUSHDB`, `KEYS *` or `SCAN` neither shows nor deletes them.
pub const SYSTEM_DB: u32 = 15;

/// The databases that are the student's (local mode can `SELECT` them).
pub const STUDENT_DATABASES: Databases = Databases::new(0, SYSTEM_DB - 1);

/// The caller of a request, as every feature sees it: whose keys.
///
/// Locally this is always the one student ([`Owner::local`]), without a
/// Redis round trip; in shared mode it is the sandbox the cookie names,
/// minted by a request that changes something.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Whose keys.
    pub owner: Owner,
    /// Shared mode (a namespace and an ACL user) or local.
    pub shared: bool,
}

/// Where the extractor leaves the `Set-Cookie` header for [`set_cookie`]
/// to add to the response (an extractor cannot touch the response).
#[derive(Clone, Default)]
struct CookieSlot(Arc<Mutex<Option<(String, store::SessionId)>>>);

impl FromRequestParts<AppState> for Sandbox {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !state.relay().policy.is_shared() {
            return Ok(Sandbox { owner: Owner::local(), shared: false });
        }
        let session = store::Session::from_request_parts(parts, state).await?;
        Ok(Sandbox { owner: Owner::for_session(session.id.as_str()), shared: true })
    }
}

/// The sandbox's stored record (console state, ACL password, quota), in
/// both modes: the console keeps redis-cli's per-browser state in it.
impl FromRequestParts<AppState> for store::Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let relay = state.relay();
        let session = relay.sessions.resolve(jar.get(store::COOKIE).map(Cookie::value)).await?;
        if session.is_new {
            let cookie = Cookie::build((store::COOKIE, session.id.as_str().to_string()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .build();
            if let Some(slot) = parts.extensions.get::<CookieSlot>() {
                if let Ok(mut slot) = slot.0.lock() {
                    *slot = Some((cookie.to_string(), session.id.clone()));
                }
            }
        }
        Ok(session)
    }
}

/// Middleware: adds the cookie a [`Sandbox`] extractor asked for — or,
/// when the request that minted a sandbox failed, discards the sandbox
/// (a refused request changes nothing).
pub async fn set_cookie(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let slot = CookieSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let Some((cookie, minted)) = slot.0.lock().ok().and_then(|mut slot| slot.take()) else {
        return response;
    };
    if !response.status().is_success() {
        if let Err(err) = state.relay().sessions.discard(&minted).await {
            tracing::warn!(%err, "could not discard the sandbox of a failed request");
        }
        return response;
    }
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
