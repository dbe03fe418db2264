//! One documented async function per backend endpoint.
//!
//! Every function returns the decoded body on success and an [`ApiError`]
//! that says whether the backend could not be reached at all or answered
//! with an error — the UI shows those differently.

use bolide_shared::api::{ConsoleRequest, ConsoleResponse, ErrorBody, Health};
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

/// One landing as Redis holds it: the hash's fields in the file's order,
/// every value a string (`HGETALL meteorite:1`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record(pub Vec<(String, String)>);

impl Record {
    /// The value of `field`, if the hash has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| name == field).map(|(_, value)| value.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Record;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of field names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
                let mut fields = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, serde_json::Value>()? {
                    // The backend sends strings; anything else is shown as JSON text.
                    let value = match value {
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    };
                    fields.push((name, value));
                }
                Ok(Record(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// What a load (upload, generate or delete) did.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LoadReport {
    /// Landings now in Redis.
    pub loaded: u64,
    /// Landings of the previous set that were removed.
    pub replaced: u64,
    /// The field names seen in the file.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Per field, how many records lack it.
    #[serde(default)]
    pub missing: std::collections::BTreeMap<String, u64>,
    pub source: String,
    pub millis: u64,
}

/// One page of landings, and the Redis commands that produced it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LandingPage {
    pub total: u64,
    pub page: u64,
    pub size: u64,
    pub items: Vec<Record>,
    #[serde(default)]
    pub commands: Vec<String>,
}

/// One landing, read with `HGETALL`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Landing {
    pub id: String,
    pub key: String,
    pub record: Record,
    #[serde(default)]
    pub commands: Vec<String>,
}

/// `GET /api/data/verify`: what is in Redis against what was loaded.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Verification {
    /// Records in the last loaded file (`None`: nothing loaded).
    pub expected: Option<u64>,
    pub found: u64,
    pub ok: bool,
    #[serde(default)]
    pub missing_records: Vec<String>,
    #[serde(default)]
    pub extra_records: Vec<String>,
    #[serde(default)]
    pub missing_fields: Vec<(String, Vec<String>)>,
    #[serde(default)]
    pub extra_fields: Vec<(String, Vec<String>)>,
    #[serde(default)]
    pub commands: Vec<String>,
}

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
pub async fn data_page(params: &[(&str, String)]) -> Result<LandingPage, ApiError> {
    let request = Request::get("/api/data").query(params.iter().map(|(name, value)| (*name, value.as_str())));
    let response = request.send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
}

/// `GET /api/data/{id}`: one landing's hash (`404` if there is none).
pub async fn landing(id: &str) -> Result<Landing, ApiError> {
    let url = format!("/api/data/{}", encode_path_segment(id));
    let response = Request::get(&url).send().await.map_err(|err| ApiError::Unreachable(err.to_string()))?;
    decode(response).await
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
