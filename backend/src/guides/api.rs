//! `/api/guides`: the guided walkthroughs.
//!
//! - `GET /api/guides` — every guide (id, title, summary, number of steps)
//!   and the caller's progress in those started;
//! - `GET /api/guides/{id}` — one guide, placeholders filled in, with the
//!   caller's progress and what this Bolide offers (`environment`);
//! - `POST /api/guides/{id}/steps/{n}/check` — evaluates step `n`'s check
//!   (body `{"answer": i}` for a quiz) and records the step done when it
//!   passes;
//! - `POST /api/guides/{id}/progress` — `{"current_step": n}`: go back,
//!   forward, or skip;
//! - `POST /api/guides/{id}/reset` — progress cleared, the guide's keys removed;
//! - `POST /api/guides/persistence/restart` — `{"persistence": bool}`: the
//!   persistence exercise (local mode, embedded Redis).
//!
//! Steps are numbered from 0. Whose progress and keys: the request's [`Sandbox`].

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::guides::{
    CheckRequest, CheckResult, Guide, GuideList, GuideProgress, GuideView, ProgressUpdate, ResetReport,
    RestartReport, RestartRequest, Step,
};
use serde::de::DeserializeOwned;

use super::GuidesState;
use super::{catalog, checks, environment, progress, reset, restart};
use crate::error::AppError;
use crate::sandbox::{Sandbox, Sandboxes};

/// Largest request body (they are all a few bytes of JSON).
const MAX_BODY_BYTES: usize = 4096;

/// The guides' routes, on any state that provides [`GuidesState`] and the
/// sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    GuidesState: axum::extract::FromRef<S>,
    Sandboxes: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/guides", get(list))
        .route("/guides/persistence/restart", post(restart_redis))
        .route("/guides/{id}", get(one))
        .route("/guides/{id}/steps/{n}/check", post(check))
        .route("/guides/{id}/progress", post(set_progress))
        .route("/guides/{id}/reset", post(reset_guide))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn list(sandbox: Sandbox) -> Result<Json<GuideList>, AppError> {
    let guides = catalog::all()?;
    let progress = progress::read_started(&sandbox, guides).await?;
    Ok(Json(GuideList { guides: guides.iter().map(Guide::summary).collect(), progress }))
}

async fn one(
    State(state): State<GuidesState>,
    sandbox: Sandbox,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<GuideView>, AppError> {
    Ok(Json(view(&state, &sandbox, &headers, &id).await?))
}

/// Guide `id` as `sandbox` sees it: placeholders filled in for this
/// request, rendered to HTML, with the sandbox's progress. What `GET
/// /api/guides/{id}` answers, and what a guide's page shell is drawn from
/// (`crate::boot_shell`).
pub async fn view(
    state: &GuidesState,
    sandbox: &Sandbox,
    headers: &axum::http::HeaderMap,
    id: &str,
) -> Result<GuideView, AppError> {
    let guide = catalog::find(id)?;
    let progress = progress::read(state.sandboxes(), sandbox, guide).await?;
    let environment = environment::of(state, sandbox, headers).await;
    let guide = super::markdown::render(guide.filled(&environment));
    Ok(GuideView { guide, progress, environment })
}

async fn check(
    State(state): State<GuidesState>,
    sandbox: Sandbox,
    Path((id, n)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CheckResult>, AppError> {
    let body = body_of(body)?;
    let guide = catalog::find(&id)?;
    let (index, step) = step_of(guide, &n)?;
    let request: CheckRequest = optional_json(&body)?;
    let quiz_result = match (&step.quiz, request.answer) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(bad_param("answer", "this step is a quiz: send {\"answer\": <choice index>}"))
        }
        (Some(quiz), Some(answer)) => Some(quiz.grade(answer).ok_or_else(|| {
            bad_param(
                "answer",
                &format!("there are {} choices (0 to {})", quiz.choices.len(), quiz.choices.len() - 1),
            )
        })?),
    };
    let result = match (quiz_result, &step.check) {
        (Some(quiz), _) if !quiz.passed => quiz,
        (quiz, Some(check)) => {
            let mut result = checks::evaluate(&state, &sandbox, check, step.hint.as_deref()).await?;
            if let Some(quiz) = quiz.filter(|_| result.passed) {
                result.message = format!("{} {}", quiz.message, result.message);
            }
            if !result.passed {
                // The check may have used the step's hint already (as how to
                // make the value): never twice.
                result.hint = match (result.hint.take(), &step.hint) {
                    (Some(found), Some(author)) if found.contains(author.as_str()) => Some(found),
                    (Some(found), Some(author)) => Some(format!("{found} {author}")),
                    (found, author) => found.or_else(|| author.clone()),
                };
            }
            result
        }
        (Some(quiz), None) => quiz,
        (None, None) => {
            CheckResult { passed: true, message: "Nothing to check here: read on.".into(), hint: None }
        }
    };
    if result.passed {
        progress::complete(state.sandboxes(), &sandbox, guide, index).await?;
    }
    Ok(Json(result))
}

async fn set_progress(
    State(sandboxes): State<Sandboxes>,
    sandbox: Sandbox,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<GuideProgress>, AppError> {
    let body = body_of(body)?;
    let guide = catalog::find(&id)?;
    let update: ProgressUpdate = required_json(&body)?;
    if update.current_step >= guide.steps.len() {
        return Err(bad_param("current_step", &steps_range(guide)));
    }
    let before = progress::read(&sandboxes, &sandbox, guide).await?;
    // Leaving a reading-only step forward means it has been read.
    let left = before.current_step;
    if update.current_step > left && !guide.steps[left].is_checked() {
        progress::complete(&sandboxes, &sandbox, guide, left).await?;
    }
    progress::set_current(&sandboxes, &sandbox, guide, update.current_step).await?;
    Ok(Json(progress::read(&sandboxes, &sandbox, guide).await?))
}

async fn reset_guide(sandbox: Sandbox, Path(id): Path<String>) -> Result<Json<ResetReport>, AppError> {
    let guide = catalog::find(&id)?;
    Ok(Json(reset::reset(&sandbox, guide).await?))
}

async fn restart_redis(
    State(state): State<GuidesState>,
    sandbox: Sandbox,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RestartReport>, AppError> {
    let body = body_of(body)?;
    let request: RestartRequest = required_json(&body)?;
    Ok(Json(restart::restart(&state, &sandbox, request).await?))
}

/// Step `n` of `guide`, from the URL.
fn step_of<'g>(guide: &'g Guide, n: &str) -> Result<(usize, &'g Step), AppError> {
    let index: usize = n.parse().map_err(|_| bad_param("n", "a step number (0, 1, …)"))?;
    let step = guide.steps.get(index).ok_or_else(|| bad_param("n", &steps_range(guide)))?;
    Ok((index, step))
}

fn steps_range(guide: &Guide) -> String {
    format!("guide `{}` has {} steps, numbered 0 to {}", guide.id, guide.steps.len(), guide.steps.len() - 1)
}

fn bad_param(name: &str, expected: &str) -> AppError {
    AppError::BadRequest { code: "bad_parameter", message: format!("`{name}`: {expected}") }
}

/// The body, or the JSON error for one too large (or cut off).
fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|rejection| match rejection.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(rejection.body_text()),
        _ => AppError::BadRequest {
            code: "bad_body",
            message: format!("the request body: {}", rejection.body_text()),
        },
    })
}

/// A JSON body, or the type's default when the body is empty.
fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    required_json(body)
}

fn required_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|err| AppError::BadRequest { code: "bad_json", message: format!("the request body: {err}") })
}
