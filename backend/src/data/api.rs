//! `/api/data`: load, verify and browse the meteorite landings.
//!
//! - `POST /api/data` — the file itself as the body (`application/json` or
//!   `text/csv`; anything else is sniffed): parsed and checked whole, then
//!   swapped in atomically ([`super::store`]). Answers the load report.
//! - `POST /api/data/generate?n=N&seed=S` — a synthetic set instead.
//! - `GET /api/data/verify` — the module's Exercise 2: key count against
//!   the loaded file's object count, and every hash's fields.
//! - `GET /api/data` — a page of landings (sort, filters), `GET
//!   /api/data/{id}` one landing, `DELETE /api/data` the whole set.
//!
//! Every answer names the Redis commands behind it: the lesson is Redis,
//! not magic.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};

use super::store::{self, DataScope};
use super::{generate, source, Dataset};
use crate::console::{self, reject_cross_site};
use crate::error::AppError;
use crate::server::AppState;

/// Largest synthetic set the API makes (the CLI makes any size).
pub const MAX_GENERATE: usize = 1_000_000;
/// Largest page.
pub const MAX_PAGE_SIZE: usize = 500;

/// One upload parsed at a time: a hostile 32 MiB file can take over half a
/// gigabyte while parsed, and two at once would double that.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data", post(load).get(list).delete(remove))
        .route("/data/generate", post(generate_set))
        .route("/data/verify", get(verify))
        .route("/data/reindex", post(reindex))
        .route("/data/{id}", get(one))
        .layer(DefaultBodyLimit::max(source::MAX_FILE_BYTES))
}

/// The dataset the request is about: the local student's, or the
/// session's own in shared mode (the cookie jar sets a new session's cookie).
async fn scope_of(state: &AppState, jar: CookieJar) -> Result<(DataScope, CookieJar), AppError> {
    let relay = state.relay();
    if !relay.policy.is_shared() {
        return Ok((DataScope::local(), jar));
    }
    let (session, jar) = console::session_of(relay, jar).await?;
    Ok((DataScope::for_session(session.id.as_str()), jar))
}

/// Bolide's shared connections, for reads.
fn readers(state: &AppState) -> Result<store::Readers, AppError> {
    Ok(store::Readers { data: state.relay().connections.for_db(0)?, system: state.redis() })
}

async fn load(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(CookieJar, Json<store::LoadReport>), AppError> {
    reject_cross_site(&headers)?;
    let (scope, jar) = scope_of(&state, jar).await?;
    let format = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(super::Format::from_content_type);
    // Parsing 10 MB is CPU work: keep it off the async workers.
    let _turn = PARSING.acquire().await.map_err(|err| AppError::Internal(err.to_string()))?;
    let dataset = tokio::task::spawn_blocking(move || source::parse(&body, format))
        .await
        .map_err(|err| AppError::Internal(format!("parser task failed: {err}")))?
        .map_err(|err| AppError::BadRequest { code: "bad_file", message: err.to_string() })?;
    let source_name = format!("upload ({})", dataset.shape.label());
    let report = store::replace(state.redis_base_url(), &scope, &dataset, &source_name).await?;
    Ok((jar, Json(report)))
}

#[derive(Debug, Deserialize)]
struct GenerateParams {
    n: Option<String>,
    seed: Option<String>,
}

async fn generate_set(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<GenerateParams>,
) -> Result<(CookieJar, Json<store::LoadReport>), AppError> {
    reject_cross_site(&headers)?;
    let n = parse_param::<usize>("n", params.n.as_deref(), 1000)?;
    if n > MAX_GENERATE {
        return Err(bad_param("n", &format!("at most {MAX_GENERATE} landings")));
    }
    let seed = parse_param::<u64>("seed", params.seed.as_deref(), 1)?;
    let (scope, jar) = scope_of(&state, jar).await?;
    let dataset = tokio::task::spawn_blocking(move || generate::generate(n, seed))
        .await
        .map_err(|err| AppError::Internal(format!("generator task failed: {err}")))?;
    let source_name = format!("generated n={n} seed={seed}");
    let report = store::replace(state.redis_base_url(), &scope, &dataset, &source_name).await?;
    Ok((jar, Json(report)))
}

async fn remove(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<(CookieJar, Json<store::LoadReport>), AppError> {
    reject_cross_site(&headers)?;
    let (scope, jar) = scope_of(&state, jar).await?;
    let empty = Dataset::from_landings(Vec::new(), super::Shape::Generated);
    let report = store::replace(state.redis_base_url(), &scope, &empty, "deleted").await?;
    store::forget(state.redis_base_url(), &scope).await?;
    Ok((jar, Json(report)))
}

async fn verify(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<(CookieJar, Json<store::Verification>), AppError> {
    let (scope, jar) = scope_of(&state, jar).await?;
    let report = store::verify(&readers(&state)?, &scope).await?;
    Ok((jar, Json(report)))
}

/// What a reindex did.
#[derive(Debug, Serialize)]
struct Reindexed {
    indexed: u64,
}

/// Rebuilds the indexes from the records as they are now (after edits made
/// from the console or a script).
async fn reindex(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<(CookieJar, Json<Reindexed>), AppError> {
    reject_cross_site(&headers)?;
    let (scope, jar) = scope_of(&state, jar).await?;
    let indexed = store::reindex(state.redis_base_url(), &scope).await?;
    Ok((jar, Json(Reindexed { indexed })))
}

/// One landing, field by field, and the command that read it.
#[derive(Debug, Serialize)]
struct OneLanding {
    id: String,
    key: String,
    record: store::Record,
    commands: Vec<String>,
}

async fn one(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<(CookieJar, Json<OneLanding>), AppError> {
    if id.is_empty() || id.len() > 64 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad_param("id", "a landing id has 1 to 64 characters, no spaces"));
    }
    let (scope, jar) = scope_of(&state, jar).await?;
    let key = store::DataScope::local().record_key(&id);
    let Some(record) = store::get(&readers(&state)?, &scope, &id).await? else {
        return Err(AppError::NotFound(format!("no landing with id {id} ({key} does not exist)")));
    };
    let commands = vec![format!("HGETALL {key}")];
    Ok((jar, Json(OneLanding { id, key, record, commands })))
}

/// `GET /api/data` parameters, all optional; every one is checked.
#[derive(Debug, Default, Deserialize)]
struct ListParams {
    page: Option<String>,
    size: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    class: Option<String>,
    fall: Option<String>,
    nametype: Option<String>,
    year_min: Option<String>,
    year_max: Option<String>,
    mass_min: Option<String>,
    mass_max: Option<String>,
    has_coords: Option<String>,
    q: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<ListParams>,
) -> Result<(CookieJar, Json<store::Page>), AppError> {
    let query = store::PageQuery {
        page: parse_param::<usize>("page", params.page.as_deref(), 1)?.max(1),
        size: match parse_param::<usize>("size", params.size.as_deref(), 50)? {
            0 => return Err(bad_param("size", "at least 1")),
            n if n > MAX_PAGE_SIZE => return Err(bad_param("size", &format!("at most {MAX_PAGE_SIZE}"))),
            n => n,
        },
        sort: match params.sort.as_deref().unwrap_or("id") {
            s @ ("id" | "name" | "mass" | "year") => s.to_string(),
            _ => return Err(bad_param("sort", "one of id, name, mass, year")),
        },
        descending: match params.order.as_deref().unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => return Err(bad_param("order", "asc or desc")),
        },
        class: text_param("class", params.class)?,
        fall: text_param("fall", params.fall)?,
        nametype: text_param("nametype", params.nametype)?,
        year: range_param("year", params.year_min.as_deref(), params.year_max.as_deref())?,
        mass: range_param("mass", params.mass_min.as_deref(), params.mass_max.as_deref())?,
        has_coords: match params.has_coords.as_deref() {
            None | Some("") => None,
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(_) => return Err(bad_param("has_coords", "true or false")),
        },
        name: text_param("q", params.q)?.map(|q| q.to_lowercase()),
    };
    let (scope, jar) = scope_of(&state, jar).await?;
    let page = store::page(&readers(&state)?, &scope, &query).await?;
    Ok((jar, Json(page)))
}

fn bad_param(name: &str, expected: &str) -> AppError {
    AppError::BadRequest {
        code: "bad_parameter",
        message: format!("parameter `{name}`: expected {expected}"),
    }
}

fn parse_param<T: std::str::FromStr>(name: &str, value: Option<&str>, default: T) -> Result<T, AppError> {
    match value {
        None | Some("") => Ok(default),
        Some(text) => text.parse().map_err(|_| bad_param(name, "a whole number")),
    }
}

fn text_param(name: &str, value: Option<String>) -> Result<Option<String>, AppError> {
    match value {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) if text.len() > 200 || text.chars().any(char::is_control) => {
            Err(bad_param(name, "at most 200 characters, no control characters"))
        }
        Some(text) => Ok(Some(text)),
    }
}

fn range_param(name: &str, min: Option<&str>, max: Option<&str>) -> Result<Option<(f64, f64)>, AppError> {
    let bound = |suffix: &str, text: Option<&str>, default: f64| match text {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(bad_param(&format!("{name}_{suffix}"), "a number")),
        },
    };
    if min.is_none_or(str::is_empty) && max.is_none_or(str::is_empty) {
        return Ok(None);
    }
    let (low, high) = (bound("min", min, f64::NEG_INFINITY)?, bound("max", max, f64::INFINITY)?);
    if low > high {
        return Err(bad_param(&format!("{name}_min"), &format!("at most {name}_max")));
    }
    Ok(Some((low, high)))
}
