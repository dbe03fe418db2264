//! The cross-site check: one middleware over every state-changing route.
//!
//! Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`);
//! only the app's own pages may change a sandbox. (A cross-site page cannot
//! send a JSON POST without a CORS preflight, which Bolide never grants;
//! this is the second lock, and it also covers the bodies a form can send.)
//! Reads (`GET`, `HEAD`) pass: they change nothing.
//!
//! With `--public-url`, a request's `Origin` must be that URL's scheme,
//! host and port exactly (behind a proxy the `Host` header may be the
//! proxy's idea, not the student's); without it, the `Origin`'s host and
//! port must be the request's `Host`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{PublicUrl, Sandboxes};
use crate::error::AppError;

/// Refuses a state-changing request another site's page sent.
pub async fn reject_cross_site(State(sandboxes): State<Sandboxes>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Err(err) = check(request.headers(), sandboxes.public_url.as_ref()) {
            return err.into_response();
        }
    }
    next.run(request).await
}

fn check(headers: &HeaderMap, public_url: Option<&PublicUrl>) -> Result<(), AppError> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Err(AppError::Forbidden(format!("cross-site request ({site}) refused")));
        }
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let (Some(origin), Some(expected)) = (origin, public_url) {
        if PublicUrl::origin_of(origin).as_ref() != Some(expected) {
            return Err(AppError::Forbidden(format!("request from another origin ({origin}) refused")));
        }
        return Ok(());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("value"));
        }
        map
    }

    #[test]
    fn the_public_url_is_compared_by_scheme_host_and_port() {
        let public = PublicUrl::parse("https://class.example").expect("url");
        let ok = headers(&[("origin", "https://class.example:443"), ("host", "10.0.0.2:8080")]);
        assert!(check(&ok, Some(&public)).is_ok());
        for bad in ["http://class.example", "https://class.example:8443", "https://evil.example", "null"] {
            assert!(check(&headers(&[("origin", bad)]), Some(&public)).is_err(), "{bad}");
        }
        let same_host = headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]);
        assert!(check(&same_host, None).is_ok());
        assert!(check(&headers(&[("sec-fetch-site", "cross-site")]), None).is_err());
    }
}
