//! Serving the built browser app (`dist/`, Trunk's output).
//!
//! - Client-side routes (`/console`, `/guides/x`, …) get `index.html`, so a
//!   reload or a shared link opens the right page: its loader starts the
//!   bundle of that page (one wasm per page, frontend/src/app.rs). For the
//!   app's pages, its loading shell holds the page's first content, drawn
//!   by the server ([`crate::boot_shell`] says why and how).
//! - Trunk puts a content hash in asset names (`style-<16 hex>.css`; the
//!   page bundles get theirs from `scripts/lib/bundles.sh`,
//!   `console-<16 hex>_bg.wasm`), so
//!   those are cached for a year (`immutable`); `index.html` and anything
//!   unhashed is revalidated every time (`no-cache`), so a new build is
//!   picked up at once.
//! - Compressed files are sent as they were built: a release build
//!   (`trunk build --release`) leaves `x.br` and `x.gz` beside every text
//!   asset (`scripts/lib/precompress.sh`, run by Trunk's post-build hook; brotli at
//!   its best level, ~12% smaller than a fast one), and the browser gets the
//!   one its `Accept-Encoding` prefers, with `Content-Encoding` and `Vary`.
//!   Anything without one (a debug build) is compressed per response at a
//!   moderate level; a page with its shell filled is compressed once, at
//!   brotli's best level, when it is first asked for.
//! - Nothing comes from a CDN: every file the app needs is in `dist/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::{ServeDir, ServeFile};

use crate::boot_shell::{Shell, Shells};
use crate::server::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router for everything outside `/api`.
pub fn router(dist: &Path, state: AppState) -> Router {
    let index = dist.join("index.html");
    if !index.is_file() {
        tracing::warn!(dist = %dist.display(), "no built app found; run `trunk build --release` (the README's run command does)");
        let dist: PathBuf = dist.to_path_buf();
        return Router::new().fallback(move || missing_app(dist.clone()));
    }
    let shells = Arc::new(Shells::new(index.clone()));
    let plain_index = ServeFile::new(index).precompressed_br().precompressed_gzip();
    let page = move |request: Request| {
        let (shells, plain_index, state) = (shells.clone(), plain_index.clone(), state.clone());
        async move { page(&shells, &state, plain_index, request).await }
    };
    let files =
        ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(page.clone().into_service());
    Router::new()
        // ServeDir would answer `/` with index.html itself.
        .route("/", axum::routing::get(page))
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(5)))
}

/// A URL that is no file of `dist/`: a page of the app. `index.html` with
/// the page's shell filled, or as it is for a URL the shell does not know.
async fn page(shells: &Shells, state: &AppState, plain_index: ServeFile, request: Request) -> Response {
    let shell = Shell::for_path(request.uri().path());
    let request = match &shell {
        Some(Shell::Guide(id)) => {
            let (mut parts, body) = request.into_parts();
            if let Some(page) = shells.learners_guide(state, &mut parts, id).await {
                return page;
            }
            Request::from_parts(parts, body)
        }
        _ => request,
    };
    match shell.and_then(|shell| shells.response(&shell, request.headers())) {
        Some(response) => response,
        None => match plain_index.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        },
    }
}

async fn missing_app(dist: PathBuf) -> Response {
    let body = format!(
        "Bolide's browser app is not built (no {}/index.html).\n\
         Build it with `trunk build --release`, or use the README's run command, which does.\n\
         The API is up at /api/health.\n",
        dist.display()
    );
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() { IMMUTABLE } else { REVALIDATE };
    let headers = response.headers_mut();
    // A page drawn for one learner says so itself (`private, no-cache`).
    if !headers.contains_key(header::CACHE_CONTROL) || immutable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    // Precompressed files are chosen by Accept-Encoding too (ServeDir does
    // not say so itself), so caches must keep one copy per encoding.
    if !headers.get_all(header::VARY).iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding")) {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether the last path segment carries a content hash: a `-` followed by
/// 10 to 16 hex digits, then `.` or `_` (as in `x-0123456789abcdef_bg.wasm`).
/// Trunk writes its 64-bit hash without leading zeros, so one name in
/// sixteen has 15 digits (and fewer, more rarely); the page bundles'
/// names (scripts/lib/bundles.sh) always have 16.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        (10..=16).contains(&digits) && matches!(rest.get(digits), Some(b'.' | b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/bolide-frontend-3f2a9c0d1e2b4a5f_bg.wasm"));
        assert!(is_hashed_asset("/bolide-frontend-3f2a9c0d1e2b4a5f.js"));
        assert!(is_hashed_asset("/style-00112233445566aa.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/console"));
        assert!(!is_hashed_asset("/my-file.css"));
        assert!(!is_hashed_asset("/x-3f2a9c0d1e2b4a5"));
        assert!(is_hashed_asset("/style-f2a9c0d1e2b4a5f.css"), "15 digits: a hash with a leading zero");
        assert!(!is_hashed_asset("/my-cafe.css"), "a short word of hex letters");
        assert!(!is_hashed_asset("/x-3f2a9c0d1e2b4a5f00.css"), "more than 16");
    }
}
