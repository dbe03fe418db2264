//! A response body that is the same for every request, compressed once at
//! its best level and then sent as is: brotli or gzip as the request's
//! `Accept-Encoding` prefers, with an `ETag` so a browser that has it
//! already gets a `304` and no body.
//!
//! # Why not the per-response compression layer
//!
//! The console's help table (`GET /api/commands/help`) is the largest API
//! answer a first visit loads, and identical for everyone: compressing it
//! per request would cost CPU on every visit (brotli at its best level
//! takes tens of milliseconds for it) or send it larger (a fast level).
//! Compressed once, it costs nothing per request, as the app's own files
//! do (see [`crate::assets`]).

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One body in its three encodings, and its entity tag.
pub struct Precompressed {
    content_type: &'static str,
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
    /// `"` + the SHA-1 of the identity body + `"`.
    etag: String,
    cache_control: &'static str,
}

/// Brotli's window for a body of `len` bytes: the smallest that holds it
/// (10 to 24 bits; a window is `2^bits - 16` bytes).
///
/// Why: at quality 11 the encoder's match finder takes 8 bytes per byte of
/// window, whatever the input: a fixed 4 MiB window made compressing the
/// ~300 KB help table, at every start, take 42 MB for a moment (seen as
/// the peak RSS of a server otherwise at 55 MB, `attack.rs`). A window
/// larger than the body finds no more matches, so the output is the same.
fn window_bits(len: usize) -> i32 {
    let mut bits = 10;
    while bits < 24 && (1usize << bits) - 16 < len {
        bits += 1;
    }
    bits
}

impl Precompressed {
    /// Compresses `body` with brotli (quality 11) and gzip (level 9).
    pub fn new(content_type: &'static str, cache_control: &'static str, body: Vec<u8>) -> Self {
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: window_bits(body.len()),
            ..Default::default()
        };
        // Writing to a Vec cannot fail.
        let _ = brotli::BrotliCompress(&mut body.as_slice(), &mut br, &params);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = std::io::Write::write_all(&mut gzip, &body);
        let gzip = gzip.finish().unwrap_or_default();
        let etag = format!("\"{}\"", sha1_smol::Sha1::from(&body).digest());
        Self { content_type, identity: body.into(), br: br.into(), gzip: gzip.into(), etag, cache_control }
    }

    /// The bytes sent for each encoding: (identity, brotli, gzip).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.identity.len(), self.br.len(), self.gzip.len())
    }

    /// The answer to a `GET` with these request headers.
    pub fn response(&self, request: &HeaderMap) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, etag);
        }
        if request.get_all(header::IF_NONE_MATCH).iter().any(|value| self.matches(value)) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        let body = match preferred(request) {
            Encoding::Brotli if !self.br.is_empty() => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                &self.br
            }
            Encoding::Brotli | Encoding::Gzip if !self.gzip.is_empty() => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                &self.gzip
            }
            _ => &self.identity,
        };
        (StatusCode::OK, headers, body.clone()).into_response()
    }

    /// Whether an `If-None-Match` value names this body (`*`, or a list
    /// holding its tag, weak or not).
    fn matches(&self, value: &HeaderValue) -> bool {
        let Ok(value) = value.to_str() else { return false };
        value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == self.etag)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the request accepts: brotli, then gzip, then none. A
/// coding with `q=0` is refused, as RFC 9110 says.
fn preferred(request: &HeaderMap) -> Encoding {
    let mut brotli = false;
    let mut gzip = false;
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|param| {
                param.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match coding.as_str() {
                "br" => brotli = true,
                "gzip" | "x-gzip" => gzip = true,
                "*" => {
                    brotli = true;
                    gzip = true;
                }
                _ => {}
            }
        }
    }
    if brotli {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brotli_window_is_the_smallest_that_holds_the_body_and_compresses_as_well() {
        assert_eq!(window_bits(0), 10);
        assert_eq!(window_bits(1008), 10);
        assert_eq!(window_bits(1009), 11);
        assert_eq!(window_bits(300_000), 19);
        assert_eq!(window_bits(usize::MAX), 24);
        let body = serde_json::to_vec(bolide_shared::commands::help::HelpTable::compiled())
            .expect("the help table as JSON");
        let compress = |lgwin| {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin, ..Default::default() };
            brotli::BrotliCompress(&mut body.as_slice(), &mut out, &params).expect("compressed");
            out.len()
        };
        let (fitted, fixed) = (compress(window_bits(body.len())), compress(22));
        assert!(fitted <= fixed + fixed / 100, "{fitted} bytes in a fitted window, {fixed} in 4 MiB");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn encodings_follow_accept_encoding() {
        assert_eq!(preferred(&headers(&[("accept-encoding", "gzip, deflate, br")])), Encoding::Brotli);
        assert_eq!(preferred(&headers(&[("accept-encoding", "gzip")])), Encoding::Gzip);
        assert_eq!(preferred(&headers(&[("accept-encoding", "br;q=0, gzip;q=0.5")])), Encoding::Gzip);
        assert_eq!(preferred(&headers(&[("accept-encoding", "identity")])), Encoding::Identity);
        assert_eq!(preferred(&headers(&[])), Encoding::Identity);
        assert_eq!(preferred(&headers(&[("accept-encoding", "*")])), Encoding::Brotli);
    }

    #[test]
    fn bodies_decompress_to_the_original_and_etags_answer_304() {
        let body = br#"{"a":"some text some text some text"}"#.repeat(50);
        let precompressed = Precompressed::new("application/json", "no-cache", body.clone());
        let (identity, br, gzip) = precompressed.sizes();
        assert_eq!(identity, body.len());
        assert!(br < identity && gzip < identity);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &precompressed.br[..], &mut unbrotli).expect("brotli");
        assert_eq!(unbrotli, body);
        let mut ungzip = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&precompressed.gzip[..]), &mut ungzip)
            .expect("gzip");
        assert_eq!(ungzip, body);

        let response = precompressed.response(&headers(&[("accept-encoding", "br")]));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        let etag = response.headers()[header::ETAG].to_str().expect("etag").to_owned();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&etag).expect("value"));
        assert_eq!(precompressed.response(&again).status(), StatusCode::NOT_MODIFIED);
        let other = headers(&[("if-none-match", "\"other\"")]);
        assert_eq!(precompressed.response(&other).status(), StatusCode::OK);
        assert!(precompressed.response(&headers(&[])).headers().get(header::CONTENT_ENCODING).is_none());
    }
}
