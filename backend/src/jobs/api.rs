//! `/api/jobs`: submit analysis jobs, follow them, fetch their results.
//!
//! - `POST /api/jobs` `{"analysis": "count_per_class", "params": {…}}` →
//!   `202` with the [`Job`] (status `queued`) and its `Location`; a body
//!   that is not JSON, an unknown analysis, an unknown or bad parameter →
//!   `400` naming it, and nothing is stored; too many unfinished jobs →
//!   `429`. With an `Idempotency-Key` header (1–128 letters, digits,
//!   `-_.:`; a UUID), a repeat of the same request with the same key by
//!   the same owner, within the result TTL, answers `200` with the job the
//!   first one made (as it is now) instead of a new one: a client that got
//!   no answer (a timeout, a `503` while Redis was stalled) may safely send
//!   it again. The same key with another request is a `409`.
//! - `GET /api/jobs?page=&size=` → the caller's jobs, newest first
//!   ([`JobList`], with how many workers are alive).
//! - `GET /api/jobs/{id}` → the [`Job`]: status, progress, timestamps,
//!   worker, attempts, error.
//! - `GET /api/jobs/{id}/results` → its [`JobResults`](bolide_shared::jobs::JobResults);
//!   `404` while it is queued or running and after the result expired,
//!   `409` when it failed or was cancelled.
//! - `DELETE /api/jobs/{id}` → a queued or running job is cancelled (`200`
//!   with the job); a finished one is deleted with its result (`204`).
//! - `GET /api/jobs/workers` → the workers alive, and which of the
//!   caller's jobs each runs.
//!
//! In shared mode a browser session sees and touches only its own jobs
//! (another session's are `404`); locally every job is the student's.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::jobs::{Job, JobList, JobRequest, Workers};
use serde::Deserialize;

use super::keys;
use super::store::{self, Removal, Submission};
use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::{Sandbox, Sandboxes};
use crate::server::AppState;

/// Largest `POST /api/jobs` body (a request is a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Largest page of `GET /api/jobs`.
pub const MAX_PAGE_SIZE: usize = 100;
const DEFAULT_PAGE_SIZE: usize = 20;

/// What the jobs routes need of the app's state: Bolide's connection to
/// the system database (the queue and the job records are Bolide's,
/// indexed by owner) and the jobs' settings.
#[derive(Clone)]
pub struct JobsState {
    pub system: Connection,
    pub config: super::JobsConfig,
}

impl axum::extract::FromRef<AppState> for JobsState {
    fn from_ref(state: &AppState) -> Self {
        JobsState { system: state.redis(), config: state.jobs_config() }
    }
}

/// The jobs routes, on any state that provides [`JobsState`] and the
/// sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    JobsState: axum::extract::FromRef<S>,
    Sandboxes: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/jobs", post(submit).get(list))
        .route("/jobs/workers", get(workers))
        .route("/jobs/{id}", get(one).delete(remove))
        .route("/jobs/{id}/results", get(results))
        .route("/jobs/{id}/cancel", post(cancel))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn bad_param(name: &str, message: &str) -> AppError {
    AppError::BadRequest { code: "bad_parameter", message: format!("parameter `{name}`: {message}") }
}

/// The `{id}` of a path: the shape job ids have, or a `400`.
fn job_id(id: &str) -> Result<&str, AppError> {
    if keys::is_job_id(id) {
        Ok(id)
    } else {
        Err(bad_param("id", &format!("expected a job id ({} lower-case hex digits)", keys::JOB_ID_LEN)))
    }
}

async fn submit(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    headers: HeaderMap,
    body: Result<Json<JobRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = body.map_err(|rejection| match rejection {
        // Well-formed JSON of the wrong shape: serde's message names the
        // field (`analysis: unknown variant …`, `params.n: invalid type …`).
        JsonRejection::JsonDataError(err) => {
            AppError::BadRequest { code: "bad_parameter", message: err.body_text() }
        }
        other => AppError::from(other),
    })?;
    request
        .params
        .validate(request.analysis)
        .map_err(|message| AppError::BadRequest { code: "bad_parameter", message })?;
    let idempotency_key = idempotency_key(&headers)?;
    let scope = sandbox.owner;
    let submission =
        store::submit(&mut state.system, &state.config, &scope, &request, idempotency_key).await?;
    let (status, job) = match submission {
        Submission::New(job) => (StatusCode::ACCEPTED, job),
        Submission::Repeat(job) => (StatusCode::OK, job),
    };
    let mut response = (status, Json(&job)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/jobs/{}", job.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The `Idempotency-Key` header, if sent: the shape [`keys::is_idempotency_key`]
/// accepts, or a `400`.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    match value.to_str() {
        Ok(key) if keys::is_idempotency_key(key) => Ok(Some(key)),
        _ => Err(AppError::BadRequest {
            code: "bad_idempotency_key",
            message: format!(
                "header `Idempotency-Key`: expected 1 to {} letters, digits, `-`, `_`, `.` or `:` (a UUID, say)",
                keys::IDEMPOTENCY_KEY_MAX
            ),
        }),
    }
}

/// `GET /api/jobs` parameters, checked one by one.
#[derive(Debug, Default, Deserialize)]
struct ListParams {
    page: Option<String>,
    size: Option<String>,
}

fn whole_number(name: &str, value: Option<&str>, default: usize) -> Result<usize, AppError> {
    match value {
        None | Some("") => Ok(default),
        Some(text) => text.parse().map_err(|_| bad_param(name, "expected a whole number")),
    }
}

async fn list(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<JobList>, AppError> {
    let Query(params) = params.map_err(|err| bad_param("query", &err.body_text()))?;
    let page = match whole_number("page", params.page.as_deref(), 1)? {
        0 => return Err(bad_param("page", "pages start at 1")),
        page => page,
    };
    let size = match whole_number("size", params.size.as_deref(), DEFAULT_PAGE_SIZE)? {
        size @ 1..=MAX_PAGE_SIZE => size,
        _ => return Err(bad_param("size", &format!("expected 1 to {MAX_PAGE_SIZE}"))),
    };
    let scope = sandbox.owner;
    let list = store::list(&mut state.system, &scope.owner, page, size).await?;
    Ok(Json(list))
}

async fn one(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    let id = job_id(&id)?;
    let scope = sandbox.owner;
    match store::get(&mut state.system, &scope.owner, id).await? {
        Some(job) => Ok(Json(job)),
        None => Err(store::not_found(id)),
    }
}

async fn results(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = job_id(&id)?;
    let scope = sandbox.owner;
    // Stored as the worker encoded it: handed out as is.
    let body = store::results(&mut state.system, &scope.owner, id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn remove(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = job_id(&id)?;
    let scope = sandbox.owner;
    Ok(match store::cancel_or_delete(&mut state.system, &scope.owner, id).await? {
        Removal::Cancelled(job) => Json(job).into_response(),
        Removal::Deleted => StatusCode::NO_CONTENT.into_response(),
    })
}

async fn cancel(
    State(mut state): State<JobsState>,
    sandbox: Sandbox,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    let id = job_id(&id)?;
    Ok(Json(store::cancel(&mut state.system, &sandbox.owner.owner, id).await?))
}

async fn workers(State(mut state): State<JobsState>, sandbox: Sandbox) -> Result<Json<Workers>, AppError> {
    let scope = sandbox.owner;
    Ok(Json(store::workers(&mut state.system, &scope.owner).await?))
}
