//! `/api/keys…`: a browser of the student's own keys — a tree by
//! delimiter, one key's value per type, and edits.
//!
//! The console shows one reply at a time; nothing else showed the keys a
//! student makes in the guides, the console and their scripts. This module
//! shows them as the tree every Redis browser draws (`meteorite:1` under
//! `meteorite:`), with each key's type, encoding, TTL and `MEMORY USAGE`.
//!
//! # Why everything goes through the console's relay
//! A browser that read keys over a connection of its own would need its own
//! answer to "whose keys are these", its own limits and its own quota
//! checks. Instead every command here is one the console could have run:
//! it goes through [`Relay::run_command`], so the command table's policy,
//! the shared-mode namespace (`{s:<id>}:`, replies rewritten back), the
//! argument and reply limits and the quota apply exactly as they do to a
//! typed line; one request counts once against the console's rate limits.
//! Database 15 is out of reach for the same reason the console cannot
//! `SELECT` it. Locally the browser follows the database the console has
//! selected (the sandbox's record, [`Session`]), but keeps its own
//! `MULTI` state: it never queues into the student's open transaction.
//! One exception, and it is not the student's keyspace: [`cost`] measures
//! a JSON string under a scratch key of Bolide's own in the system
//! database, through the sandbox's feature connection (whose ACL user may
//! write only Bolide's keys about that sandbox), deleted in the same
//! `MULTI`.
//!
//! The caller is the sandbox's record ([`Session`], the sandbox layer's
//! extractor the relay needs: ACL password, quota, selected database). A
//! read without a sandbox (a cookieless `GET` in shared mode) sees an
//! empty keyspace, as [`crate::sandbox::Sandbox`] does.
//!
//! - [`tree`]: `GET /api/keys`, one page of `SCAN` folded into folders;
//! - [`value`]: `GET /api/keys/value`, one key and a page of its value;
//! - [`edit`]: `POST /api/keys/{op}`, one edit, answering what it ran;
//! - [`cost`]: `GET /api/keys/cost`, a hash's memory beside the same fields
//!   as one JSON string (measured under a scratch key of Bolide's own), or
//!   the keys under a prefix summed;
//! - [`runner`]: running commands through the relay and recording them.

pub mod cost;
pub mod edit;
pub mod runner;
pub mod scan;
pub mod tree;
pub mod value;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRef, FromRequestParts, Path, Query, RawQuery, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::keys::{Blob, EditResult, KeyCost, KeyEdit, KeyPage, KeyValue};

use crate::console::relay::Relay;
use crate::error::AppError;
use crate::sandbox::store::Session;
use crate::sandbox::{Owner, Sandboxes};
use crate::server::AppState;
use runner::Runner;

/// Largest edit body: a value as large as the console's largest argument,
/// base64-encoded, and JSON around it.
pub const MAX_BODY_BYTES: usize = 768 * 1024;

/// What the keys routes need of the app's state: the console's relay (its
/// policy, limits and rate limits) and the sandbox layer's.
#[derive(Clone)]
pub struct KeysState {
    relay: Relay,
}

impl FromRef<AppState> for KeysState {
    fn from_ref(state: &AppState) -> Self {
        KeysState { relay: state.relay().clone() }
    }
}

/// The keys routes, on any state that provides [`KeysState`] and the
/// sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    KeysState: FromRef<S>,
    Sandboxes: FromRef<S>,
{
    Router::new()
        .route("/keys", get(list))
        .route("/keys/value", get(read))
        .route("/keys/cost", get(cost))
        .route("/keys/{op}", post(change))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Who is calling: the sandbox's record, or none (a cookieless read in
/// shared mode, which sees no keys).
pub struct Caller(Option<Session>);

impl<S: Send + Sync> FromRequestParts<S> for Caller
where
    Sandboxes: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let shared = Sandboxes::from_ref(state).store.is_shared();
        match Session::from_request_parts(parts, state).await {
            Ok(session) => Ok(Caller(Some(session))),
            Err(AppError::NotFound(_)) if parts.method == Method::GET && !shared => {
                Ok(Caller(Some(Session::local())))
            }
            Err(AppError::NotFound(_)) if parts.method == Method::GET => Ok(Caller(None)),
            Err(err) => Err(err),
        }
    }
}

/// A runner for the caller (the rates were checked before, by the sandbox
/// layer's `rate::limit` over these routes).
fn runner_for(state: &KeysState, session: Session) -> Result<Runner, AppError> {
    Ok(Runner::new(&state.relay, session))
}

pub(crate) fn bad(name: &str, message: impl std::fmt::Display) -> AppError {
    AppError::BadRequest { code: "bad_parameter", message: format!("parameter `{name}`: {message}") }
}

/// A name given as text (`name=`) or as base64 (`name_base64=`).
pub(crate) fn bytes_param(
    name: &str,
    text: Option<String>,
    base64: Option<String>,
) -> Result<Option<Vec<u8>>, AppError> {
    match (text, base64) {
        (Some(_), Some(_)) => Err(bad(name, format!("give `{name}` or `{name}_base64`, not both"))),
        (Some(text), None) => Ok(Some(text.into_bytes())),
        (None, Some(b64)) => Blob::Binary { base64: b64 }
            .to_bytes()
            .map(Some)
            .map_err(|why| bad(&format!("{name}_base64"), why)),
        (None, None) => Ok(None),
    }
}

/// Percent-decoded, a query's names and values must be UTF-8 (a key that
/// is not goes as `key_base64=`): the query parser would otherwise replace
/// the bytes and name another key.
fn check_query(raw: Option<&str>) -> Result<(), AppError> {
    let raw = raw.unwrap_or_default().as_bytes();
    let mut decoded = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (raw[i], raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'&' | b'=', _, _) => {
                decoded.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    match std::str::from_utf8(&decoded) {
        Ok(_) => Ok(()),
        Err(_) => Err(AppError::BadRequest {
            code: "bad_parameter",
            message:
                "the query is not UTF-8 once decoded: give a binary name as `key_base64=` or `prefix_base64=`"
                    .into(),
        }),
    }
}

async fn list(
    State(state): State<KeysState>,
    Caller(session): Caller,
    RawQuery(raw): RawQuery,
    query: Result<Query<tree::ListQuery>, QueryRejection>,
) -> Result<Json<KeyPage>, AppError> {
    check_query(raw.as_deref())?;
    let Query(query) =
        query.map_err(|r| AppError::BadRequest { code: "bad_parameter", message: r.body_text() })?;
    let params = tree::ListParams::parse(query, &state.relay.limits)?;
    let Some(session) = session else { return Ok(Json(tree::empty(&params))) };
    let mut runner = runner_for(&state, session)?;
    Ok(Json(tree::list(&mut runner, &params).await?))
}

async fn read(
    State(state): State<KeysState>,
    Caller(session): Caller,
    RawQuery(raw): RawQuery,
    query: Result<Query<value::ValueQuery>, QueryRejection>,
) -> Result<Json<KeyValue>, AppError> {
    check_query(raw.as_deref())?;
    let Query(query) =
        query.map_err(|r| AppError::BadRequest { code: "bad_parameter", message: r.body_text() })?;
    let params = value::ValueParams::parse(query, &state.relay.limits)?;
    let Some(session) = session else { return Err(value::no_such_key(&params.key)) };
    let mut runner = runner_for(&state, session)?;
    Ok(Json(value::read(&mut runner, &params).await?))
}

async fn cost(
    State(state): State<KeysState>,
    State(sandboxes): State<Sandboxes>,
    Caller(session): Caller,
    RawQuery(raw): RawQuery,
    query: Result<Query<cost::CostQuery>, QueryRejection>,
) -> Result<Json<KeyCost>, AppError> {
    check_query(raw.as_deref())?;
    let Query(query) =
        query.map_err(|r| AppError::BadRequest { code: "bad_parameter", message: r.body_text() })?;
    let params = cost::CostParams::parse(query, state.relay.limits.max_pattern_bytes)?;
    let Some(session) = session else {
        return match params {
            cost::CostParams::Key(key) => Err(value::no_such_key(&key)),
            cost::CostParams::Prefix(prefix) => Ok(Json(KeyCost::Prefix(cost::empty(&prefix)))),
        };
    };
    let store = &sandboxes.store;
    let owner = if store.is_shared() { Owner::for_session(session.id.as_str()) } else { Owner::local() };
    let access = store.access(&session)?;
    let mut runner = runner_for(&state, session)?;
    Ok(Json(match params {
        cost::CostParams::Key(key) => KeyCost::Hash(cost::hash(&mut runner, &access, &owner, &key).await?),
        cost::CostParams::Prefix(prefix) => KeyCost::Prefix(cost::prefix(&mut runner, &prefix).await?),
    }))
}

async fn change(
    State(state): State<KeysState>,
    Path(op): Path<String>,
    Caller(session): Caller,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<EditResult>, AppError> {
    if !KeyEdit::OPS.contains(&op.as_str()) {
        return Err(AppError::NotFound(format!(
            "no edit `{op}`: POST /api/keys/{{op}} takes one of {}",
            KeyEdit::OPS.join(", ")
        )));
    }
    let Json(body) = body?;
    let serde_json::Value::Object(mut fields) = body else {
        return Err(AppError::BadRequest { code: "bad_json", message: "expected a JSON object".into() });
    };
    if fields.contains_key("op") {
        return Err(AppError::BadRequest {
            code: "bad_json",
            message: "the edit is named by the route, not `op`".into(),
        });
    }
    fields.insert("op".into(), serde_json::Value::String(op));
    let edit: KeyEdit = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|err| AppError::BadRequest { code: "bad_json", message: err.to_string() })?;
    let Some(session) = session else {
        return Err(AppError::Internal("an edit without a sandbox".into()));
    };
    let mut runner = runner_for(&state, session)?;
    Ok(Json(edit::apply(&mut runner, &edit).await?))
}
