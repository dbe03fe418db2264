//! The one error type every endpoint answers with.
//!
//! Whatever goes wrong, the client gets a status code that says whose fault
//! it is and a JSON body `{"error": {"code", "message"}}` — never an HTML
//! page, never a dropped connection.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bolide_shared::api::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body too large: {0}")]
    PayloadTooLarge(String),
    #[error("Redis is unavailable: {0}")]
    RedisUnavailable(String),
    /// A server Bolide asked on the client's behalf (a data file's URL)
    /// could not be reached or answered with an error.
    #[error("{0}")]
    BadGateway(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{message}")]
    RateLimited { message: String, retry_after: std::time::Duration },
    /// Redis refused a connection's credentials.
    #[error("Redis refused the credentials: {0}")]
    AuthFailed(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RedisUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::Internal(_) | AppError::AuthFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::BadRequest { code, .. } => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::RedisUnavailable(_) => "redis_unavailable",
            AppError::BadGateway(_) => "upstream_failed",
            AppError::Internal(_) | AppError::AuthFailed(_) => "internal",
        }
    }

    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail { code: self.code().to_string(), message: self.to_string() }
    }
}

impl From<redis::RedisError> for AppError {
    fn from(err: redis::RedisError) -> Self {
        if crate::redis_conn::is_transient(&err) {
            AppError::RedisUnavailable(err.to_string())
        } else {
            AppError::Internal(err.to_string())
        }
    }
}

/// A body that is not the JSON an endpoint expects.
impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::PayloadTooLarge(rejection.body_text());
        }
        AppError::BadRequest { code: "bad_json", message: rejection.body_text() }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let mut response = (self.status(), Json(ErrorBody { error: self.detail() })).into_response();
        if let AppError::RateLimited { retry_after, .. } = &self {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}
