//! One documented async function per backend endpoint.
//!
//! Every function returns the decoded body on success and an [`ApiError`]
//! that says whether the backend could not be reached at all or answered
//! with an error — the UI shows those differently.

use bolide_shared::api::{ConsoleRequest, ConsoleResponse, ErrorBody, Health};
use gloo_net::http::Request;

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
