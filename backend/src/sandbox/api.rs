//! `/api/sandbox`: the student's own sandbox.
//!
//! - `GET /api/sandbox` → [`SandboxInfo`]: its code (shown only to the
//!   browser that owns it) and idle timeout; `404` for a browser without a
//!   sandbox (a read never creates one). Locally, for every browser:
//!   `shared: false`, no code.
//! - `POST /api/sandbox/resume` `{"code": "XXXX-XXXX-XXXX"}` → this
//!   browser joins that sandbox (a new cookie secret of its own; the other
//!   browsers keep theirs): `200` with [`SandboxInfo`]; `404` for a code
//!   that names none; attempts count against the per-address mint limit
//!   (`429`), so codes cannot be guessed by brute force.
//! - `POST /api/sandbox/rotate` → a new code; the old one stops working.
//! - `DELETE /api/sandbox` → "End my sandbox": everything it owns goes now
//!   (as at its idle timeout) and the cookie is cleared; `204`.
//!
//! Codes exist in shared mode only (`409` locally, where there is one
//! student and nothing to resume or end).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::api::{ResumeRequest, SandboxInfo};

use super::store::Session;
use super::{client_address, CookieSlot, Sandboxes};
use crate::error::AppError;

/// The sandbox routes, on any state that provides the sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Sandboxes: FromRef<S>,
{
    Router::new()
        .route("/sandbox", get(info).delete(end))
        .route("/sandbox/resume", post(resume))
        .route("/sandbox/rotate", post(rotate))
}

/// Locally always `200` with `shared: false` (a browser's page asks before
/// it has a cookie); in shared mode the caller's sandbox, or `404`.
async fn info(
    State(sandboxes): State<Sandboxes>,
    session: Result<Session, AppError>,
) -> Result<Json<SandboxInfo>, AppError> {
    if !sandboxes.store.is_shared() {
        return Ok(Json(describe(&sandboxes, None)));
    }
    let code = sandboxes.store.code(&session?.id).await?;
    Ok(Json(describe(&sandboxes, Some(code))))
}

async fn rotate(State(sandboxes): State<Sandboxes>, session: Session) -> Result<Json<SandboxInfo>, AppError> {
    shared_only(&sandboxes)?;
    let code = sandboxes.store.rotate_code(&session.id).await?;
    Ok(Json(describe(&sandboxes, Some(code))))
}

async fn end(
    State(sandboxes): State<Sandboxes>,
    session: Session,
    slot: Slot,
) -> Result<StatusCode, AppError> {
    shared_only(&sandboxes)?;
    sandboxes.store.end(&session.id).await?;
    slot.0.set(sandboxes.removal_cookie(), None);
    Ok(StatusCode::NO_CONTENT)
}

async fn resume(
    State(sandboxes): State<Sandboxes>,
    address: Address,
    slot: Slot,
    body: Result<Json<ResumeRequest>, JsonRejection>,
) -> Result<Json<SandboxInfo>, AppError> {
    shared_only(&sandboxes)?;
    let Json(request) = body?;
    sandboxes.store.check_mint(address.0)?;
    let Some(session) = sandboxes.store.resume(&request.code).await? else {
        return Err(AppError::NotFound(
            "no sandbox has this code (it may have ended, or been rotated)".into(),
        ));
    };
    if let Some(secret) = &session.set_secret {
        slot.0.set(sandboxes.cookie(secret), None);
    }
    let code = sandboxes.store.code(&session.id).await?;
    Ok(Json(describe(&sandboxes, Some(code))))
}

fn describe(sandboxes: &Sandboxes, code: Option<String>) -> SandboxInfo {
    SandboxInfo {
        shared: sandboxes.store.is_shared(),
        code,
        idle_timeout_seconds: sandboxes.store.idle_ttl().as_secs(),
    }
}

fn shared_only(sandboxes: &Sandboxes) -> Result<(), AppError> {
    if sandboxes.store.is_shared() {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "this is a local Bolide: one student, one Redis, no sandboxes to resume, rotate or end".into(),
        ))
    }
}

/// The response's cookie slot ([`super::set_cookie`] puts it there).
struct Slot(CookieSlot);

impl<S: Send + Sync> FromRequestParts<S> for Slot {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CookieSlot>()
            .cloned()
            .map(Slot)
            .ok_or_else(|| AppError::Internal("the cookie middleware is missing".into()))
    }
}

/// The client's address, for the attempt limit.
struct Address(Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Address {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Address(client_address(parts)))
    }
}
