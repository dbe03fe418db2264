//! One documented async function per backend endpoint.
//!
//! Every function returns the decoded body on success and an [`ApiError`]
//! that says whether the backend could not be reached at all or answered
//! with an error — the UI shows those differently.

use bolide_shared::api::{
    ConsoleRequest, ConsoleResponse, ErrorBody, GatewayInfo, Health, ResumeRequest, SandboxInfo,
};
use bolide_shared::guides::{
    CheckRequest, CheckResult, GuideList, GuideProgress, GuideView, ProgressUpdate, ResetReport,
    RestartReport, RestartRequest,
};
use gloo_net::http::Request;
use yew::Callback;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No HTTP answer: the backend is down or unreachable.
    Unreachable(String),
    /// An answer that is not what the endpoint promises.
    BadResponse(String),
    /// The backend's own JSON error, with its status code.
    Server { status: u16, code: String, message: String },
}

/// `GET /api/health`. A `503` (Redis down) is still a [`Health`]: its body
/// has the same shape, so it is returned as `Ok`.
pub async fn health() -> Result<Health, ApiError> {
    let response =
        Request::get("/api/health").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|err| ApiError::BadResponse(err.to_string()))?;
    if status == 200 || status == 503 {
        if let Ok(health) = serde_json::from_str::<Health>(&text) {
            return Ok(health);
        }
    }
    Err(error_from(status, &text))
}

/// `POST /api/console` with `{"line": ...}`: runs one line typed at the
/// console, in the session named by the HttpOnly cookie (the browser sends
/// it on this same-origin request), and returns what redis-cli prints for
/// it, the next prompt and the reply as data.
///
/// A line Redis or Bolide refuses is still `Ok` (the refusal is the output,
/// as in redis-cli). `Err` means the line was not run: the server is down,
/// or it answered with its JSON error (e.g. `429` rate limited, `503` Redis
/// down), whose message is for the student.
pub async fn console(line: &str) -> Result<ConsoleResponse, ApiError> {
    let body = ConsoleRequest { line: line.to_owned() };
    let request =
        Request::post("/api/console").json(&body).map_err(|err| ApiError::BadResponse(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|err| ApiError::BadResponse(err.to_string()))?;
    if status == 200 {
        return serde_json::from_str::<ConsoleResponse>(&text)
            .map_err(|err| ApiError::BadResponse(format!("HTTP 200 with an unexpected body: {err}")));
    }
    Err(error_from(status, &text))
}

/// `GET /api/commands/help`: the console's help table (every command's
/// syntax, summary, since, group and Bolide note), for `HELP`, Tab
/// completion and the hints. Sorted on arrival, whatever the order sent.
pub async fn help_table() -> Result<bolide_shared::commands::help::HelpTable, ApiError> {
    let response = Request::get("/api/commands/help")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode::<bolide_shared::commands::help::HelpTable>(response).await.map(|table| table.sorted())
}

fn error_from(status: u16, text: &str) -> ApiError {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => ApiError::Server { status, code: body.error.code, message: body.error.message },
        // A proxy in front of a stopped backend (e.g. `trunk serve`) answers
        // 502/504 without our JSON: that is "backend down" to the user.
        Err(_) if matches!(status, 502..=504) => ApiError::Unreachable(format!("HTTP {status}")),
        Err(_) => ApiError::BadResponse(format!("HTTP {status}")),
    }
}

// ---- Meteorite data (`/api/data`) ---------------------------------------

// The data API's JSON shapes are the server's own, from `bolide-shared`.
pub use bolide_shared::data::{
    ClassCount, ClassCounts, DeletedLanding, LandingRecord, LoadReport, Page, PageStats, Record, Verification,
};

/// The `Content-Type` an upload is sent with: from the file's name, then
/// the type the browser gives it; `None` lets the server sniff.
pub fn upload_content_type(name: &str, browser_type: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let browser_type = browser_type.to_ascii_lowercase();
    if name.ends_with(".csv") || browser_type.contains("csv") {
        Some("text/csv")
    } else if name.ends_with(".json") || browser_type.contains("json") {
        Some("application/json")
    } else {
        None
    }
}

/// `POST /api/data` with `file` as the body, sent with an `XMLHttpRequest`
/// so the page can show the upload's progress: `on_progress(sent, total)`
/// is called as bytes leave the browser. The load is all or nothing: an
/// `Err(ApiError::Server { .. })` (`400 bad_file`) means Redis was not
/// touched, and its message names the record and the problem.
pub async fn upload_data(
    file: &web_sys::File,
    on_progress: Callback<(f64, f64)>,
) -> Result<LoadReport, ApiError> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::js_sys::{Function, Promise};

    let js_error = |err: wasm_bindgen::JsValue| ApiError::BadResponse(format!("{err:?}"));
    let xhr = web_sys::XmlHttpRequest::new().map_err(js_error)?;
    xhr.open_with_async("POST", "/api/data", true).map_err(js_error)?;
    if let Some(content_type) = upload_content_type(&file.name(), &file.type_()) {
        xhr.set_request_header("Content-Type", content_type).map_err(js_error)?;
    }
    let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
        if event.length_computable() {
            on_progress.emit((event.loaded(), event.total()));
        }
    });
    let upload = xhr.upload().map_err(js_error)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    // `loadend` fires once, after success, error or abort alike.
    let done = Promise::new(&mut |resolve: Function, _reject: Function| xhr.set_onloadend(Some(&resolve)));
    xhr.send_with_opt_blob(Some(file)).map_err(js_error)?;
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    upload.set_onprogress(None);
    xhr.set_onloadend(None);
    drop(progress);

    let status = xhr.status().map_err(js_error)?;
    if status == 0 {
        return Err(ApiError::Unreachable("the upload did not reach the server".to_owned()));
    }
    let text = xhr.response_text().map_err(js_error)?.unwrap_or_default();
    if status == 200 {
        return serde_json::from_str(&text)
            .map_err(|err| ApiError::BadResponse(format!("HTTP 200 with an unexpected body: {err}")));
    }
    Err(error_from(status, &text))
}

/// `POST /api/data/generate?n=N&seed=S`: replaces the set with `n`
/// synthetic landings (the same `n` and `seed` always give the same set).
pub async fn generate_data(n: u64, seed: u64) -> Result<LoadReport, ApiError> {
    let request =
        Request::post("/api/data/generate").query([("n", n.to_string()), ("seed", seed.to_string())]);
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `DELETE /api/data`: removes every landing and the indexes.
pub async fn delete_data() -> Result<LoadReport, ApiError> {
    let response =
        Request::delete("/api/data").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/data/verify`: key count against the loaded file's object
/// count, and every hash's fields, with the commands that checked them.
pub async fn verify_data() -> Result<Verification, ApiError> {
    let response = Request::get("/api/data/verify")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/data?…`: one page of landings. `params` are the query
/// parameters (`page`, `size`, `sort`, `order`, filters, `q`); a bad one is
/// a `400` whose message names it.
pub async fn data_page(params: &[(&str, String)]) -> Result<Page, ApiError> {
    let request = Request::get("/api/data").query(params.iter().map(|(name, value)| (*name, value.as_str())));
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/data/classes`: the loaded set's classes with their counts,
/// most common first (at most 1,000; `distinct` says how many there are),
/// for the class filter.
pub async fn data_classes() -> Result<ClassCounts, ApiError> {
    let response = Request::get("/api/data/classes")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/data/{id}`: one landing's hash (`404` if there is none).
pub async fn landing(id: &str) -> Result<LandingRecord, ApiError> {
    let url = format!("/api/data/{}", encode_path_segment(id));
    let response = Request::get(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// Where `POST /api/data/fetch` loads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchSource<'a> {
    /// An `http(s)://` URL (refused with a `403` on a shared site).
    Url(&'a str),
    /// A preset's name, from `bolide_shared::data::presets::PRESETS`.
    Preset(&'a str),
}

/// `POST /api/data/fetch`: the backend downloads the file and loads it as
/// an upload, all or nothing. A `502` means the file could not be fetched
/// (offline, or the server's error status); a `400` that the URL or the
/// file was refused. Either way Redis was not touched.
pub async fn fetch_data(source: FetchSource<'_>) -> Result<LoadReport, ApiError> {
    let body = match source {
        FetchSource::Url(url) => serde_json::json!({ "url": url }),
        FetchSource::Preset(name) => serde_json::json!({ "preset": name }),
    };
    post_json("/api/data/fetch", &body).await
}

/// `POST /api/data/reindex`: rebuilds the browse indexes from the
/// `meteorite:*` hashes as they are now (after edits from the console);
/// answers how many landings were indexed.
pub async fn reindex_data() -> Result<u64, ApiError> {
    #[derive(serde::Deserialize)]
    struct Reindexed {
        indexed: u64,
    }
    let response = Request::post("/api/data/reindex")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode::<Reindexed>(response).await.map(|done| done.indexed)
}

/// `PATCH /api/data/{id}`: sets these fields of the landing (`HSET`),
/// leaving the others as they are; answers the landing as it is now and
/// the command that ran. A bad field is a `400` naming it, and changes
/// nothing.
pub async fn update_landing(id: &str, fields: &[(String, String)]) -> Result<LandingRecord, ApiError> {
    let url = format!("/api/data/{}", encode_path_segment(id));
    let request = Request::patch(&url)
        .header("Content-Type", "application/json")
        .body(fields_json(fields))
        .map_err(|err| ApiError::BadResponse(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `DELETE /api/data/{id}`: removes the landing's hash (`DEL`); `404` if
/// there is none.
pub async fn delete_landing(id: &str) -> Result<DeletedLanding, ApiError> {
    let url = format!("/api/data/{}", encode_path_segment(id));
    let response =
        Request::delete(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// A JSON object of string fields, in the given order (a map type would
/// sort them, and the order is what `HGETALL` shows).
pub fn fields_json(fields: &[(String, String)]) -> String {
    let entries: Vec<String> = fields
        .iter()
        .map(|(name, value)| {
            let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
            format!("{}:{}", quote(name), quote(value))
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn decode<T: serde::de::DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, ApiError> {
    let status = response.status();
    let text = response.text().await.map_err(|err| ApiError::BadResponse(err.to_string()))?;
    if status == 200 {
        return serde_json::from_str::<T>(&text)
            .map_err(|err| ApiError::BadResponse(format!("HTTP 200 with an unexpected body: {err}")));
    }
    Err(error_from(status, &text))
}

// ---- Analysis jobs (`/api/jobs`) ----------------------------------------

/// `POST /api/jobs` with `{analysis, params}`: records the job and answers
/// `202` with it at once (status `queued`); a worker runs it later. A bad
/// parameter is a `400` whose message names it.
pub async fn submit_job(
    request: &bolide_shared::jobs::JobRequest,
) -> Result<bolide_shared::jobs::Job, ApiError> {
    let mut builder = Request::post("/api/jobs");
    // One random key per submit: a retry of this request (by the browser or
    // gloo) can never make a second job. `getRandomValues` works outside
    // secure contexts too (a class server on plain HTTP); without it, no key.
    if let Some(key) = idempotency_key() {
        builder = builder.header("Idempotency-Key", &key);
    }
    let request = builder.json(request).map_err(|err| ApiError::BadResponse(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode_success(response).await
}

/// 128 random bits in hex, from the browser's CSPRNG.
fn idempotency_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    web_sys::window()?.crypto().ok()?.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `GET /api/jobs?page=&size=`: the caller's jobs, newest first, and how
/// many workers are alive.
pub async fn jobs(page: usize, size: usize) -> Result<bolide_shared::jobs::JobList, ApiError> {
    let request = Request::get("/api/jobs").query([("page", page.to_string()), ("size", size.to_string())]);
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/jobs/{id}`: one job's status, progress, timing and Redis keys.
pub async fn job(id: &str) -> Result<bolide_shared::jobs::Job, ApiError> {
    let url = format!("/api/jobs/{}", encode_path_segment(id));
    let response = Request::get(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/jobs/{id}/results`: a succeeded job's result; `404` before it
/// succeeded and after the result expired.
pub async fn job_results(id: &str) -> Result<bolide_shared::jobs::JobResults, ApiError> {
    let url = format!("/api/jobs/{}/results", encode_path_segment(id));
    let response = Request::get(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `POST /api/jobs/{id}/cancel`: cancels a queued or running job. A job
/// that finished first is left as it is: a `409` whose message says how it
/// ended (the page's Cancel never deletes anything).
pub async fn cancel_job(id: &str) -> Result<bolide_shared::jobs::Job, ApiError> {
    let url = format!("/api/jobs/{}/cancel", encode_path_segment(id));
    let response = Request::post(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `DELETE /api/jobs/{id}`: cancels a queued or running job, deletes a
/// finished one (and its result). Whatever the body says, the list the
/// page polls next is the truth, so only success or failure is returned.
pub async fn delete_job(id: &str) -> Result<(), ApiError> {
    let url = format!("/api/jobs/{}", encode_path_segment(id));
    let response =
        Request::delete(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    no_content(response).await
}

/// `GET /api/jobs/workers`: the workers whose heartbeat was seen recently.
pub async fn job_workers() -> Result<bolide_shared::jobs::Workers, ApiError> {
    let response = Request::get("/api/jobs/workers")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// Like [`decode`], for endpoints that answer any 2xx (`202 Accepted`).
/// `Ok` for any success (the body, if any, says nothing more), else the
/// server's JSON error.
async fn no_content(response: gloo_net::http::Response) -> Result<(), ApiError> {
    let status = response.status();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = response.text().await.map_err(|err| ApiError::BadResponse(err.to_string()))?;
    Err(error_from(status, &text))
}

async fn decode_success<T: serde::de::DeserializeOwned>(
    response: gloo_net::http::Response,
) -> Result<T, ApiError> {
    let status = response.status();
    let text = response.text().await.map_err(|err| ApiError::BadResponse(err.to_string()))?;
    if (200..300).contains(&status) {
        return serde_json::from_str::<T>(&text)
            .map_err(|err| ApiError::BadResponse(format!("HTTP {status} with an unexpected body: {err}")));
    }
    Err(error_from(status, &text))
}

// ---- Guides (`/api/guides`) ---------------------------------------------

/// `GET /api/guides`: every guide (id, title, summary, number of steps) and
/// the caller's progress in the ones they started.
pub async fn guides() -> Result<GuideList, ApiError> {
    let response =
        Request::get("/api/guides").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/guides/{id}`: one guide (its `{{port}}`-style placeholders
/// filled in for this Bolide), the caller's progress in it, and what this
/// Bolide offers (shared or local mode, whether Redis can be restarted).
/// `C`: what a step's check is read as (a [`Check`](bolide_shared::guides::Check)
/// on the Guides page; the consoles read less: [`ConsoleGuideView`](bolide_shared::guides::ConsoleGuideView)).
pub async fn guide<C: serde::de::DeserializeOwned>(id: &str) -> Result<GuideView<C>, ApiError> {
    let url = format!("/api/guides/{}", encode_path_segment(id));
    let response = Request::get(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `POST /api/guides/{id}/steps/{step}/check`: evaluates step `step`
/// (0-based) against the student's Redis, or grades a quiz `answer` (the
/// index of the chosen choice). A step that passes is recorded as done.
pub async fn check_guide_step(id: &str, step: usize, answer: Option<usize>) -> Result<CheckResult, ApiError> {
    let url = format!("/api/guides/{}/steps/{step}/check", encode_path_segment(id));
    post_json(&url, &CheckRequest { answer }).await
}

/// `POST /api/guides/{id}/progress`: moves the student to step `step`
/// (0-based; back, forward or skipping ahead) and returns the new progress.
pub async fn move_in_guide(id: &str, step: usize) -> Result<GuideProgress, ApiError> {
    let url = format!("/api/guides/{}/progress", encode_path_segment(id));
    post_json(&url, &ProgressUpdate { current_step: step }).await
}

/// `POST /api/guides/{id}/reset`: clears the progress and removes the keys
/// this guide had the student create (and only those).
pub async fn reset_guide(id: &str) -> Result<ResetReport, ApiError> {
    let url = format!("/api/guides/{}/reset", encode_path_segment(id));
    let response = Request::post(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `POST /api/guides/persistence/restart`: restarts Bolide's embedded Redis
/// with or without its data on disk (local mode only; elsewhere the server
/// answers a JSON error whose message says why).
pub async fn restart_redis(persistence: bool) -> Result<RestartReport, ApiError> {
    post_json("/api/guides/persistence/restart", &RestartRequest { persistence }).await
}

async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiError> {
    let request = Request::post(url).json(body).map_err(|err| ApiError::BadResponse(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

// ---- Keys (`/api/keys`) -------------------------------------------------

pub use bolide_shared::keys::{Blob, EditResult, KeyCost, KeyEdit, KeyPage, KeyValue, RanCommand};

/// `name=` for a UTF-8 name, `name_base64=` for any other (a query value
/// must be UTF-8 once decoded).
fn blob_param(name: &str, blob: &Blob) -> (String, String) {
    match blob {
        Blob::Text(text) => (name.to_owned(), text.clone()),
        Blob::Binary { base64 } => (format!("{name}_base64"), base64.clone()),
    }
}

/// What one page of the keys tree asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeQuery {
    /// The folder's prefix (empty: the root).
    pub prefix: Option<Blob>,
    /// `:` when empty.
    pub delimiter: String,
    /// A glob on the whole key name (`meteorite:1*`); empty: none.
    pub pattern: String,
    /// `string`, `hash`, …; empty: every type.
    pub kind: String,
}

/// `GET /api/keys?prefix=&delimiter=&cursor=&type=&pattern=`: one page of
/// the tree under the prefix — the folders one level down with how many of
/// their keys the page saw, this level's keys with type and TTL, the
/// cursor of the next page (`"0"`: the last), and the `SCAN` commands that
/// made it. A bad parameter is a `400` naming it.
pub async fn keys_page(query: &TreeQuery, cursor: &str) -> Result<KeyPage, ApiError> {
    let mut params: Vec<(String, String)> = vec![("cursor".into(), cursor.to_owned())];
    if let Some(prefix) = &query.prefix {
        params.push(blob_param("prefix", prefix));
    }
    for (name, value) in [("delimiter", &query.delimiter), ("pattern", &query.pattern), ("type", &query.kind)]
    {
        if !value.is_empty() {
            params.push((name.into(), value.clone()));
        }
    }
    let request = Request::get("/api/keys").query(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/keys/value?key=&offset=&count=` (and `&min=&max=` for a
/// sorted set by score): one key's type, encoding, TTL, `MEMORY USAGE`,
/// length and a page of its value (from `offset`), with the commands that
/// read it; `404` when the key is gone.
pub async fn key_value(
    key: &Blob,
    offset: u64,
    count: u64,
    by_score: Option<&(String, String)>,
) -> Result<KeyValue, ApiError> {
    let mut params = vec![
        blob_param("key", key),
        ("offset".into(), offset.to_string()),
        ("count".into(), count.to_string()),
    ];
    if let Some((min, max)) = by_score {
        params.push(("min".into(), min.clone()));
        params.push(("max".into(), max.clone()));
    }
    let request = Request::get("/api/keys/value").query(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// What "What does it cost?" measures: one hash, or the keys under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostTarget {
    Key(Blob),
    Prefix(Blob),
}

/// `GET /api/keys/cost?key=` or `?prefix=`: a hash's `MEMORY USAGE` beside
/// the same fields as one JSON string (measured by Redis under a scratch key
/// of Bolide's, deleted at once), or the keys under a prefix with their
/// `MEMORY USAGE` summed (an estimate past 1000 keys, labelled so); with
/// the commands that measured them. `404` when the key is gone, `400` when
/// it is not a hash.
pub async fn key_cost(target: &CostTarget) -> Result<KeyCost, ApiError> {
    let param = match target {
        CostTarget::Key(key) => blob_param("key", key),
        CostTarget::Prefix(prefix) => blob_param("prefix", prefix),
    };
    let request = Request::get("/api/keys/cost").query([(param.0.as_str(), param.1.as_str())]);
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `POST /api/keys/{op}`: one edit (`hash_set`, `expire`, `rename`, …, the
/// route named by the edit, its fields the body), which runs one command
/// through the console's rules; answers the command with Redis's reply.
/// Redis's refusal is the error (`409` `WRONGTYPE`, `400` otherwise), and
/// then nothing changed.
pub async fn edit_key(edit: &KeyEdit) -> Result<EditResult, ApiError> {
    let mut body = serde_json::to_value(edit).map_err(|err| ApiError::BadResponse(err.to_string()))?;
    if let Some(fields) = body.as_object_mut() {
        fields.remove("op");
    }
    post_json(&format!("/api/keys/{}", edit.op()), &body).await
}

/// `GET /api/sandbox`: this browser's sandbox in a shared Bolide (its code,
/// for the owner's eyes only, and its idle timeout); `shared: false` in a
/// local one. `None` when this browser has none yet (a `404`: reading never
/// makes one).
pub async fn sandbox() -> Result<Option<SandboxInfo>, ApiError> {
    let response =
        Request::get("/api/sandbox").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    if response.status() == 404 {
        return Ok(None);
    }
    decode(response).await.map(Some)
}

/// `POST /api/sandbox/resume` with `{"code": …}`: this browser joins the
/// sandbox of that code (`404` for a code that opens none).
pub async fn resume_sandbox(code: &str) -> Result<SandboxInfo, ApiError> {
    post_json("/api/sandbox/resume", &ResumeRequest { code: code.to_owned() }).await
}

/// `POST /api/sandbox/rotate`: a new code for this sandbox; the old one
/// stops working.
pub async fn rotate_sandbox_code() -> Result<SandboxInfo, ApiError> {
    let response = Request::post("/api/sandbox/rotate")
        .send()
        .await
        .map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/gateway`: how this browser's own scripts reach its sandbox
/// over the Redis protocol (in a class: host, port, username, password, a
/// ready URL). `None` when there is no gateway, or no sandbox yet (`404`).
pub async fn gateway() -> Result<Option<GatewayInfo>, ApiError> {
    let response =
        Request::get("/api/gateway").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    if response.status() == 404 {
        return Ok(None);
    }
    decode(response).await.map(Some)
}

/// `DELETE /api/sandbox`: ends this sandbox now, with everything it owns.
pub async fn end_sandbox() -> Result<(), ApiError> {
    let response =
        Request::delete("/api/sandbox").send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    no_content(response).await
}

/// The message shown in place of an output when a call failed: what every
/// page says when the server could not be reached or refused (the console
/// shows it in place of a line's output).
pub fn failure_message(error: &ApiError) -> String {
    match error {
        ApiError::Unreachable(_) => {
            "Could not reach the Bolide server: the line was not run. Is Bolide still running?".to_owned()
        }
        ApiError::BadResponse(why) => {
            format!("The Bolide server sent an answer the page does not understand ({why}).")
        }
        ApiError::Server { message, .. } => message.clone(),
    }
}
