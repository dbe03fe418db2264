//! The cross-site check: one middleware over every state-changing route.
//!
//! Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`);
//! only the app's own pages may change a sandbox. (A cross-site page cannot
//! send a JSON POST without a CORS preflight, which Bolide never grants;
//! this is the second lock, and it also covers the bodies a form can send.)
//! Reads (`GET`, `HEAD`) pass: they change nothing.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Refuses a state-changing request another site's page sent.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Err(err) = check(request.headers()) {
            return err.into_response();
        }
    }
    next.run(request).await
}

fn check(headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Err(AppError::Forbidden(format!("cross-site request ({site}) refused")));
        }
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return Err(AppError::Forbidden(format!("request from another origin ({origin}) refused")));
        }
    }
    Ok(())
}
