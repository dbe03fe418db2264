//! `/api/data`: load, verify and browse the meteorite landings.
//!
//! - `POST /api/data` — the file itself as the body (`application/json` or
//!   `text/csv`; anything else is sniffed): parsed and checked whole while
//!   its landings stream into one transaction, which swaps the dataset
//!   atomically only if the whole file is good ([`super::store`]). Answers
//!   the load report, or a 400 naming the problem (nothing changed).
//! - `POST /api/data/fetch` — `{"url": "https://…"}` or `{"preset":
//!   "nasa"}`: the backend downloads the file ([`super::fetch`]) and loads
//!   it as an upload. A shared site fetches only the presets (403 for any
//!   other URL), so it cannot be used to reach other machines.
//! - `POST /api/data/generate?n=N&seed=S` — a synthetic set instead.
//! - `GET /api/data/verify` — the module's Exercise 2: key count against
//!   the loaded file's object count, and every hash's fields.
//! - `GET /api/data` — a page of landings (sort, filters: a new filter is
//!   computed one at a time per sandbox, `429` past the wait, and its
//!   kept results are bounded, [`store::results`]), `GET
//!   /api/data/{id}` one landing, `DELETE /api/data` the whole set.
//! - `GET /api/data/classes` — the classes with their counts, for the
//!   class filter ([`super::classes`]).
//! - `PUT /api/data/{id}` — a JSON object of string fields: the landing
//!   becomes exactly those (plus its `id`); `PATCH` sets the given fields
//!   and leaves the others (`HSET`); `DELETE` removes the one landing (404
//!   if absent). The body is checked whole first ([`super::edit`]: a 400
//!   naming the field, nothing changed); the store updates the hash and
//!   its index entries in one transaction.
//!
//! Every answer names the Redis commands behind it: the lesson is Redis,
//! not magic.
//!
//! **Within the sandbox's quota** (shared mode): every write that grows the
//! sandbox — a file, a preset, a generated set, a record's edit — reserves
//! its estimated bytes ([`store::budget`]) in the sandbox's memory quota
//! before anything is written, the console's quota and count
//! ([`crate::sandbox::quota`]); one that does not fit is a `413` naming the
//! quota, and the dataset stays as it was. The generator's `n` is bounded
//! by the quota before a landing is made. Loads, fetches, the generator and
//! reindexing count [`crate::sandbox::rate::HEAVY`] requests against the
//! sandbox's rate ([`crate::sandbox::rate::Heavy`]).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::data::presets::{preset, PRESETS};
use bolide_shared::data::{DeletedLanding, LandingRecord};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::store::results::{Bounds, Filters};
use super::store::{self, Owner, WriteMode};
use super::{edit, fetch, generate, source, Dataset};
use crate::error::AppError;
use crate::sandbox::quota::Quota;
use crate::sandbox::rate::Heavy;
use crate::sandbox::{Sandbox, Sandboxes};

/// Largest synthetic set the API makes (the CLI makes any size).
pub const MAX_GENERATE: usize = bolide_shared::data::MAX_GENERATE as usize;
/// Largest page.
pub const MAX_PAGE_SIZE: usize = 500;
/// Largest body of a request that is not a file (a URL, a record's fields).
pub const MAX_SMALL_BODY: usize = 64 * 1024;

/// One file loaded at a time (it is parsed while it is written): a hostile
/// 32 MiB file can take over half a gigabyte while parsed, and two at once
/// would double that. Redis runs one transaction at a time anyway.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
/// Downloads at once (each holds up to 32 MiB in memory).
static FETCHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The data API's own state: every sandbox's turns at computing a new
/// filter, and the bounds of its kept results ([`store::results`]).
#[derive(Clone)]
pub struct DataState {
    pub filters: Arc<Filters>,
}

impl DataState {
    pub fn new(bounds: Bounds) -> Self {
        Self { filters: Arc::new(Filters::new(bounds)) }
    }
}

impl axum::extract::FromRef<crate::server::AppState> for DataState {
    fn from_ref(state: &crate::server::AppState) -> Self {
        state.data().clone()
    }
}

/// The data routes: they need the sandbox layer's state (the caller and
/// its connections) and their own, whatever state the app has.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Sandboxes: axum::extract::FromRef<S>,
    DataState: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/data", post(load).get(list).delete(remove))
        .route("/data/generate", post(generate_set))
        .route("/data/fetch", post(fetch_file).layer(DefaultBodyLimit::max(MAX_SMALL_BODY)))
        .route("/data/verify", get(verify))
        .route("/data/reindex", post(reindex))
        .route("/data/classes", get(super::classes::classes))
        .route(
            "/data/{id}",
            get(one)
                .put(replace_record)
                .patch(merge_record)
                .delete(delete_record)
                .layer(DefaultBodyLimit::max(edit::MAX_EDIT_BODY)),
        )
        .layer(DefaultBodyLimit::max(source::MAX_FILE_BYTES))
}

/// The sandbox's connections, for reads (restricted to it in shared mode).
fn readers(sandbox: &Sandbox) -> store::Readers {
    store::Readers { data: sandbox.access.data.clone(), system: sandbox.access.system.clone() }
}

async fn load(
    _: Heavy,
    sandbox: Sandbox,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<store::LoadReport>, AppError> {
    let scope = &sandbox.owner;
    let format = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(super::Format::from_content_type);
    let report =
        parse_and_replace(&sandbox, scope, body, format, |shape| format!("upload ({shape})")).await?;
    Ok(Json(report))
}

/// The one path every file takes, uploaded or downloaded: parsed and
/// checked whole while its landings stream into one transaction, which is
/// committed only if the whole file is good ([`store::load_file_bytes`]; a
/// bad file is a 400 and changes nothing). `source_name` names the source
/// for the report, given the shape found.
async fn parse_and_replace(
    sandbox: &Sandbox,
    scope: &Owner,
    bytes: impl AsRef<[u8]> + Send + 'static,
    format: Option<super::Format>,
    source_name: impl FnOnce(super::Shape) -> String + Send + 'static,
) -> Result<store::LoadReport, AppError> {
    // Held for the whole load, whose parsed dataset lives until the
    // transaction is done: one such dataset in memory at a time.
    let _turn = PARSING.acquire().await.map_err(|err| AppError::Internal(err.to_string()))?;
    let quota = sandbox.quota.clone();
    Ok(store::load_file_within(&sandbox.access, scope, quota, bytes, format, source_name).await?)
}

/// `POST /api/data/fetch`: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchRequest {
    /// An `http(s)://` URL (local mode only).
    url: Option<String>,
    /// A name from [`PRESETS`].
    preset: Option<String>,
}

/// Loads the file at a URL, or at a preset's URL: the backend downloads it
/// ([`fetch`], bounded in size and time) and it then takes the upload's
/// path. On a shared site only the presets are allowed: a public server
/// that fetched any URL it is given would be a proxy into whatever network
/// it sits in (server-side request forgery).
async fn fetch_file(
    _: Heavy,
    sandbox: Sandbox,
    request: Result<Json<FetchRequest>, JsonRejection>,
) -> Result<Json<store::LoadReport>, AppError> {
    let Json(request) = request?;
    let url = match (request.url, request.preset) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(bad_param("url", "either `url` or `preset`, not both"));
        }
        (None, Some(name)) => match preset(&name) {
            Some(preset) => preset.url.to_string(),
            None => {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                return Err(bad_param("preset", &format!("one of {}", names.join(", "))));
            }
        },
        (Some(_), None) if sandbox.shared => {
            return Err(AppError::Forbidden(format!(
                "this is a shared Bolide: it loads only its presets ({}), not any URL; \
                 download the file and upload it instead",
                PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            )));
        }
        (Some(url), None) => url,
    };
    let checked = fetch::check_url(&url)?;
    let scope = &sandbox.owner;
    // Each download holds up to 32 MiB until it is parsed.
    let _turn = FETCHING.acquire().await.map_err(|err| AppError::Internal(err.to_string()))?;
    let download = fetch::fetch(&checked, |_, _| {}).await?;
    let report = parse_and_replace(&sandbox, scope, download.bytes, download.format, move |_| url).await?;
    Ok(Json(report))
}

#[derive(Debug, Deserialize)]
struct GenerateParams {
    n: Option<String>,
    seed: Option<String>,
}

async fn generate_set(
    _: Heavy,
    sandbox: Sandbox,
    Query(params): Query<GenerateParams>,
) -> Result<Json<store::LoadReport>, AppError> {
    let n = parse_param::<usize>("n", params.n.as_deref(), 1000)?;
    if n > MAX_GENERATE {
        return Err(bad_param("n", &format!("at most {MAX_GENERATE} landings")));
    }
    let seed = parse_param::<u64>("seed", params.seed.as_deref(), 1)?;
    let scope = &sandbox.owner;
    if let Some(quota) = &sandbox.quota {
        check_generated_fits(quota, scope, n, seed)?;
    }
    let dataset = tokio::task::spawn_blocking(move || generate::generate(n, seed))
        .await
        .map_err(|err| AppError::Internal(format!("generator task failed: {err}")))?;
    let source_name = format!("generated n={n} seed={seed}");
    let report =
        store::replace_within(&sandbox.access, scope, sandbox.quota.as_ref(), &dataset, &source_name).await?;
    Ok(Json(report))
}

/// Landings of a generated set whose estimate stands for all of them.
const GENERATED_SAMPLE: usize = 256;

/// Refuses (413) a generated set that could not fit the sandbox's whole
/// quota even once its old set is gone, before a landing of it is made
/// (a million landings take Bolide about a gigabyte to make): estimated
/// from the first landings of the same seed. The exact estimate is
/// reserved when the set is written ([`store::replace_within`]).
fn check_generated_fits(quota: &Quota, scope: &Owner, n: usize, seed: u64) -> Result<(), AppError> {
    let sample = generate::generate(n.min(GENERATED_SAMPLE), seed);
    let key_prefix = scope.record_key("");
    let estimate = |l| store::budget::landing_bytes(quota.encodings(), &key_prefix, l);
    let sampled: u64 = sample.landings.iter().map(estimate).sum();
    let per_landing = sampled.div_ceil(sample.len().max(1) as u64).max(1);
    let fits = quota.max_bytes() / per_landing;
    if (n as u64) > fits {
        return Err(AppError::PayloadTooLarge(format!(
            "n={n} is too many for this sandbox: generated landings take ~{per_landing} bytes each, so at most              {fits} fit its {} MiB quota",
            quota.max_bytes() >> 20
        )));
    }
    Ok(())
}

async fn remove(sandbox: Sandbox) -> Result<Json<store::LoadReport>, AppError> {
    let scope = &sandbox.owner;
    let empty = Dataset::from_landings(Vec::new(), super::Shape::Generated);
    let report = store::replace(&sandbox.access, scope, &empty, "deleted").await?;
    store::forget(&sandbox.access, scope).await?;
    Ok(Json(report))
}

async fn verify(sandbox: Sandbox) -> Result<Json<store::Verification>, AppError> {
    let scope = &sandbox.owner;
    let report = store::verify(&readers(&sandbox), scope).await?;
    Ok(Json(report))
}

/// What a reindex did.
#[derive(Debug, Serialize)]
struct Reindexed {
    indexed: u64,
}

/// Rebuilds the indexes from the records as they are now (after edits made
/// from the console or a script).
async fn reindex(_: Heavy, sandbox: Sandbox) -> Result<Json<Reindexed>, AppError> {
    let scope = &sandbox.owner;
    let indexed = store::reindex(&sandbox.access, scope).await?;
    Ok(Json(Reindexed { indexed }))
}

/// `GET /api/data/{id}`: one landing, field by field, and the command that
/// read it.
async fn one(sandbox: Sandbox, Path(id): Path<String>) -> Result<Json<LandingRecord>, AppError> {
    edit::check_id(&id)?;
    let scope = &sandbox.owner;
    let key = store::Owner::local().record_key(&id);
    let Some(record) = store::get(&readers(&sandbox), scope, &id).await? else {
        return Err(AppError::NotFound(format!("no landing with id {id} ({key} does not exist)")));
    };
    let commands = vec![format!("HGETALL {key}")];
    Ok(Json(LandingRecord { id, key, record, commands }))
}

/// `PUT /api/data/{id}`: the landing becomes exactly the body's fields.
async fn replace_record(
    sandbox: Sandbox,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LandingRecord>, AppError> {
    write_record(sandbox, id, body, WriteMode::Replace).await
}

/// `PATCH /api/data/{id}`: the body's fields are set, the others stay.
async fn merge_record(
    sandbox: Sandbox,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LandingRecord>, AppError> {
    write_record(sandbox, id, body, WriteMode::Merge).await
}

/// Checks the edit whole ([`edit`]), then writes it through the store,
/// which keeps the browser's indexes in step.
async fn write_record(
    sandbox: Sandbox,
    id: String,
    body: Result<Bytes, BytesRejection>,
    mode: WriteMode,
) -> Result<Json<LandingRecord>, AppError> {
    edit::check_id(&id)?;
    let body = body.map_err(body_error)?;
    let fields = edit::parse_fields(&body, &id)?;
    let scope = &sandbox.owner;
    if let Some(quota) = &sandbox.quota {
        // What the record's hash and index entries may add (all of it, as
        // if new: conservative for an edit of a record that exists).
        let landing = crate::data::Landing::new(
            std::iter::once(("id".to_string(), id.clone())).chain(fields.iter().cloned()).collect(),
        );
        let bytes = store::budget::landing_bytes(quota.encodings(), &scope.record_key(""), &landing);
        quota.reserve("this edit", bytes, 1).await?;
    }
    let record = store::write_record(&sandbox.access, scope, &id, &fields, mode).await?;
    // What a student would type for the same change (Bolide's index
    // updates, in its own database, ride in the same transaction).
    let commands = match mode {
        WriteMode::Merge => vec![edit::hset_command(&id, &fields)],
        WriteMode::Replace => vec![
            "MULTI".to_string(),
            edit::unlink_command(&id),
            edit::hset_command(&id, &record.0),
            "EXEC".to_string(),
        ],
    };
    let key = Owner::local().record_key(&id);
    Ok(Json(LandingRecord { id, key, record, commands }))
}

/// `DELETE /api/data/{id}`: that landing's hash goes (404 if there is
/// none); the rest of the set stays.
async fn delete_record(sandbox: Sandbox, Path(id): Path<String>) -> Result<Json<DeletedLanding>, AppError> {
    edit::check_id(&id)?;
    let scope = &sandbox.owner;
    let key = Owner::local().record_key(&id);
    if !store::delete_record(&sandbox.access, scope, &id).await? {
        return Err(AppError::NotFound(format!("no landing with id {id} ({key} does not exist)")));
    }
    let commands = vec![edit::del_command(&id)];
    Ok(Json(DeletedLanding { id, key, commands }))
}

/// A body that could not be read: too large (413), or cut off.
fn body_error(rejection: BytesRejection) -> AppError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(format!("an edit's body is at most {} KiB", edit::MAX_EDIT_BODY / 1024))
    } else {
        AppError::BadRequest { code: "bad_body", message: rejection.body_text() }
    }
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
    sandbox: Sandbox,
    State(data): State<DataState>,
    Query(params): Query<ListParams>,
) -> Result<Json<store::Page>, AppError> {
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
    let (scope, readers) = (&sandbox.owner, readers(&sandbox));
    // A student's own script writes past Bolide's indexes (on a laptop
    // straight to Redis, in a class through the gateway): catch up first.
    let followed = if sandbox.owns_nothing() {
        store::Followed::InStep
    } else {
        store::follow(&readers, &sandbox.access.base_url, scope).await?
    };
    let mut page = store::page_within(&readers, scope, &query, Some(&data.filters)).await?;
    if let store::Followed::Reindexed(count) = followed {
        page.reindexed = Some(count);
        page.commands.insert(
            0,
            if sandbox.shared {
                "ZCARD of the sandbox's key index, then its meteorite:* hashes   (the sandbox's keys changed \
                 since the indexes were built: the hashes were counted, and the indexes rebuilt from them)"
                    .to_string()
            } else {
                format!(
                    "DBSIZE, then SCAN 0 MATCH {} TYPE hash   (database 0 changed size since the indexes were \
                     built: the meteorite:* hashes were counted, and the indexes rebuilt from them)",
                    scope.record_pattern()
                )
            },
        );
    }
    Ok(Json(page))
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
