//! Downloading a data file from a URL, for `POST /api/data/fetch` and
//! `bolide load URL`.
//!
//! **Why the backend fetches.** A page cannot read another site's file
//! unless that site allows it (CORS), and NASA's export does not; the
//! backend has no such rule. Once downloaded, the bytes take exactly the
//! path of an upload — [`super::store::load_file_bytes`]: parsed and checked
//! while they stream into one atomic transaction — so a URL is just another
//! way to hand Bolide a file, with the same all-or-nothing answer.
//!
//! **Bounded in every direction**, because a URL names someone else's
//! server: at most [`MAX_FILE_BYTES`] are read (a larger `Content-Length`
//! is refused before the body, and a body without one is cut off as soon
//! as it passes the limit), [`CONNECT_TIMEOUT`] to connect,
//! [`READ_TIMEOUT`] of silence and [`TOTAL_TIMEOUT`] in all, at most
//! [`MAX_REDIRECTS`] redirects, and only `http` and `https`. TLS is rustls
//! with the webpki roots, so every machine trusts the same authorities.
//!
//! **Errors a student can act on.** A laptop without a network is the
//! common case in a classroom: a connection that cannot be made says
//! "could not reach data.nasa.gov: … — is this machine offline?", a
//! server's error status is named, and a web page served in place of a
//! file says so. Which URLs may be fetched at all (only the presets on a
//! shared site) is the caller's decision, see [`super::api`].

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::Url;

pub use super::source::MAX_FILE_BYTES;
use super::Format;
use crate::error::AppError;

/// How long to wait for a connection (DNS included).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server may stay silent mid-download.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The whole download: NASA's 7.5 MB CSV on a slow classroom link.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(300);
/// Redirects followed (download links often redirect once or twice).
pub const MAX_REDIRECTS: usize = 5;
/// The longest URL accepted.
pub const MAX_URL_BYTES: usize = 2048;

/// A downloaded file.
#[derive(Debug, Clone)]
pub struct Download {
    pub bytes: Vec<u8>,
    /// From the answer's `Content-Type`, else the URL's extension; `None`:
    /// the parser sniffs.
    pub format: Option<Format>,
}

/// Why a URL gave no file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("the URL {url:?} {problem}")]
    BadUrl { url: String, problem: &'static str },
    #[error("could not reach {host}: {detail} — is this machine offline?")]
    Unreachable { host: String, detail: String },
    #[error("{host} did not answer in time ({detail}); try again, or download the file and upload it")]
    TimedOut { host: String, detail: String },
    #[error("{url} redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects { url: String },
    #[error("{host} answered HTTP {status} for {url}")]
    Status { host: String, url: String, status: String },
    #[error("{url} answered with a web page ({content_type}), not a data file: is it the link to the file itself?")]
    WebPage { url: String, content_type: String },
    #[error("the file at {url} is over the limit of {max} bytes ({} MiB)", .max / (1024 * 1024))]
    TooLarge { url: String, max: usize },
    #[error("the download from {host} broke off: {detail}")]
    Interrupted { host: String, detail: String },
    #[error("cannot make an HTTP client: {0}")]
    Client(String),
}

impl From<FetchError> for AppError {
    fn from(err: FetchError) -> Self {
        match err {
            FetchError::BadUrl { .. } => {
                AppError::BadRequest { code: "bad_parameter", message: err.to_string() }
            }
            FetchError::WebPage { .. } | FetchError::TooLarge { .. } => {
                AppError::BadRequest { code: "bad_file", message: err.to_string() }
            }
            FetchError::Client(_) => AppError::Internal(err.to_string()),
            FetchError::Unreachable { .. }
            | FetchError::TimedOut { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::Status { .. }
            | FetchError::Interrupted { .. } => AppError::BadGateway(err.to_string()),
        }
    }
}

/// Whether `text` is meant as a URL (rather than a file name or a preset).
pub fn looks_like_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `text` as a URL Bolide will fetch: `http` or `https`, with a host, no
/// user name or password (they would end up in the load report), at most
/// [`MAX_URL_BYTES`].
pub fn check_url(text: &str) -> Result<Url, FetchError> {
    let bad = |problem| FetchError::BadUrl { url: clip(text), problem };
    if text.len() > MAX_URL_BYTES {
        return Err(bad("is too long (at most 2048 bytes)"));
    }
    let url = Url::parse(text.trim()).map_err(|_| bad("is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("has a user name or password in it; Bolide does not send credentials"));
    }
    Ok(url)
}

/// Downloads `url` (see the module docs for the limits), calling
/// `on_progress(received, total)` as bytes arrive (`total` when the server
/// says it).
pub async fn fetch(url: &Url, mut on_progress: impl FnMut(u64, Option<u64>)) -> Result<Download, FetchError> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("bolide/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .build()
        .map_err(|err| FetchError::Client(cause(&err)))?;
    let host = host_of(url);
    let mut response = client.get(url.clone()).send().await.map_err(|err| request_error(url, &err))?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            host: host_of(response.url()),
            url: url.to_string(),
            status: format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")).trim().into(),
        });
    }
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.to_ascii_lowercase().starts_with("text/html") {
        return Err(FetchError::WebPage { url: url.to_string(), content_type });
    }
    let too_large = || FetchError::TooLarge { url: url.to_string(), max: MAX_FILE_BYTES };
    let total = response.content_length();
    if total.is_some_and(|n| n > MAX_FILE_BYTES as u64) {
        return Err(too_large());
    }
    let format = Format::from_content_type(&content_type).or_else(|| format_of_path(response.url().path()));
    let expected = total.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.min(MAX_FILE_BYTES));
    on_progress(0, total);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(err) if err.is_timeout() => {
                return Err(FetchError::TimedOut { host, detail: cause(&err) });
            }
            Err(err) => return Err(FetchError::Interrupted { host, detail: cause(&err) }),
        };
        if bytes.len() + chunk.len() > MAX_FILE_BYTES {
            // Dropping the response closes the connection: nothing more is read.
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
        on_progress(bytes.len() as u64, total);
    }
    Ok(Download { bytes, format })
}

/// `.csv` or `.json` at the end of a URL's path.
fn format_of_path(path: &str) -> Option<Format> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        Some(Format::Csv)
    } else if lower.ends_with(".json") {
        Some(Format::Json)
    } else {
        None
    }
}

/// What went wrong before an answer came.
fn request_error(url: &Url, err: &reqwest::Error) -> FetchError {
    let host = host_of(err.url().unwrap_or(url));
    if err.is_redirect() {
        FetchError::TooManyRedirects { url: url.to_string() }
    } else if err.is_timeout() {
        FetchError::TimedOut { host, detail: cause(err) }
    } else {
        // A refused connection, a failed DNS lookup, a TLS handshake that
        // failed: the server was not reached.
        FetchError::Unreachable { host, detail: cause(err) }
    }
}

/// The innermost error's words ("Connection refused (os error 111)",
/// "failed to lookup address information: …"): reqwest's own message only
/// repeats the URL.
fn cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

/// `host` or `host:port` when the URL names a port.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("the server");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// A URL as an error message shows it: at most 200 characters.
fn clip(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://data.nasa.gov/x.csv").is_ok());
        assert!(check_url("http://127.0.0.1:8000/").is_ok());
        for (text, problem) in [
            ("ftp://example.org/x", "http"),
            ("file:///etc/passwd", "http"),
            ("not a url", "valid"),
            ("https://user:secret@example.org/", "password"),
            ("http://", "valid"),
        ] {
            let err = check_url(text).expect_err(text).to_string();
            assert!(err.contains(problem), "{text}: {err}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_BYTES));
        assert!(check_url(&long).expect_err("long").to_string().contains("too long"));
    }

    #[test]
    fn what_counts_as_a_url() {
        assert!(looks_like_url("https://x"));
        assert!(looks_like_url("HTTP://x"));
        assert!(!looks_like_url("data/file.json"));
        assert!(!looks_like_url("nasa"));
        assert!(!looks_like_url("ht"));
    }

    #[test]
    fn formats_from_the_path() {
        assert_eq!(format_of_path("/a/Meteorite_Landings.CSV"), Some(Format::Csv));
        assert_eq!(format_of_path("/a/b.json"), Some(Format::Json));
        assert_eq!(format_of_path("/api/views/rows"), None);
    }

    #[test]
    fn errors_map_to_statuses() {
        let unreachable = AppError::from(FetchError::Unreachable {
            host: "data.nasa.gov".into(),
            detail: "dns error".into(),
        });
        assert_eq!(unreachable.status().as_u16(), 502);
        assert!(unreachable.to_string().contains("is this machine offline?"));
        let large = AppError::from(FetchError::TooLarge { url: "u".into(), max: MAX_FILE_BYTES });
        assert_eq!(large.status().as_u16(), 400);
    }
}
