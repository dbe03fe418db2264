//! `GET /api/keys?prefix=&delimiter=&cursor=&count=&type=&pattern=`: one
//! page of the tree under `prefix`.
//!
//! Never `KEYS`: a page is one stretch of `SCAN cursor MATCH m COUNT c
//! [TYPE t]` calls, each reply within the console's reply limit, so a page
//! costs about the same at 45 thousand keys as at a million. The stretch
//! ends once it holds `count` keys at this level, or has looked at
//! `max(5·count, 1000)` names, or has made Redis visit [`MAX_VISITS`]
//! slots, or the scan is done (`cursor` `"0"`). `SCAN`'s `COUNT` adapts ([`super::scan`])
//! to how many names come back (a sparse `MATCH` over a big keyspace asks
//! Redis to visit more per call; a reply over the limit is asked again
//! with less), so the first page of a 45 thousand key folder among a
//! million keys takes a handful of calls.
//!
//! Keys are folded by the delimiter: a name with another delimiter after
//! the prefix counts towards the folder it names (any depth below); the
//! others are this level's keys, listed with `TYPE` and `PTTL`. Counts are
//! per page: the client adds pages up (`SCAN` may return a name twice when
//! the table is rehashed between calls; a page never counts one twice).

use std::collections::{BTreeMap, BTreeSet};

use bolide_shared::keys::{Blob, Folder, KeyEntry, KeyPage};
use serde::Deserialize;

use super::runner::{bytes, integer, Runner};
use super::scan::Scan;
use super::{bad, bytes_param};
use crate::args;
use crate::console::Limits;
use crate::error::AppError;

/// Most slots one page makes Redis visit (its `COUNT`s summed).
pub const MAX_VISITS: u64 = 200_000;
/// Default and largest `count` (keys at this level per page).
pub const DEFAULT_COUNT: usize = 100;
pub const MAX_COUNT: usize = 1000;
/// Longest delimiter.
pub const MAX_DELIMITER_BYTES: usize = 16;
/// The types `type=` takes (`SCAN … TYPE`).
pub const TYPES: &[&str] = &["string", "list", "set", "zset", "hash", "stream"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    prefix: Option<String>,
    prefix_base64: Option<String>,
    delimiter: Option<String>,
    cursor: Option<String>,
    count: Option<usize>,
    #[serde(rename = "type")]
    kind: Option<String>,
    pattern: Option<String>,
}

/// A checked [`ListQuery`].
#[derive(Debug, Clone)]
pub struct ListParams {
    pub prefix: Vec<u8>,
    pub delimiter: Vec<u8>,
    pub cursor: u64,
    pub count: usize,
    pub kind: Option<String>,
    /// The glob `SCAN` matches with: `pattern`, or the prefix escaped and `*`.
    pub matching: Vec<u8>,
}

impl ListParams {
    pub fn parse(query: ListQuery, limits: &Limits) -> Result<Self, AppError> {
        let prefix = bytes_param("prefix", query.prefix, query.prefix_base64)?.unwrap_or_default();
        let delimiter = query.delimiter.unwrap_or_else(|| ":".into()).into_bytes();
        if delimiter.is_empty() || delimiter.len() > MAX_DELIMITER_BYTES {
            return Err(bad("delimiter", format!("expected 1 to {MAX_DELIMITER_BYTES} bytes")));
        }
        let cursor = match query.cursor.as_deref() {
            None | Some("") => 0,
            Some(text) => {
                text.parse::<u64>().map_err(|_| bad("cursor", "expected a SCAN cursor (digits)"))?
            }
        };
        let count = query.count.unwrap_or(DEFAULT_COUNT);
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(bad("count", format!("expected 1 to {MAX_COUNT}")));
        }
        let kind = match query.kind.filter(|k| !k.is_empty()) {
            Some(kind) if TYPES.contains(&kind.as_str()) => Some(kind),
            Some(_) => return Err(bad("type", format!("expected one of {}", TYPES.join(", ")))),
            None => None,
        };
        let matching = match query.pattern.filter(|p| !p.is_empty()) {
            Some(pattern) => pattern.into_bytes(),
            None => {
                let mut glob = escape_glob(&prefix);
                glob.push(b'*');
                glob
            }
        };
        if matching.len() > limits.max_pattern_bytes {
            return Err(bad(
                "pattern",
                format!("too long ({} bytes): at most {}", matching.len(), limits.max_pattern_bytes),
            ));
        }
        Ok(Self { prefix, delimiter, cursor, count, kind, matching })
    }
}

/// `prefix` as a glob that matches only itself.
pub fn escape_glob(prefix: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + 4);
    for &b in prefix {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// The page of a caller with no keys at all.
pub fn empty(params: &ListParams) -> KeyPage {
    KeyPage {
        prefix: Blob::from_bytes(&params.prefix),
        delimiter: Blob::from_bytes(&params.delimiter),
        folders: Vec::new(),
        keys: Vec::new(),
        cursor: "0".into(),
        scanned: 0,
        commands: Vec::new(),
    }
}

/// One page of the tree (see the module doc).
pub async fn list(runner: &mut Runner, params: &ListParams) -> Result<KeyPage, AppError> {
    let names_cap = (params.count as u64 * 5).max(1000);
    let mut scan =
        Scan::new(runner.limits(), &params.matching, params.kind.as_deref(), params.cursor, MAX_VISITS / 4);
    let mut scanned = 0u64;
    let mut folders: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let mut level: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
    loop {
        let names = scan.next(runner).await?;
        scanned += names.len() as u64;
        for name in names.iter().filter_map(bytes) {
            let Some(rest) = name.strip_prefix(params.prefix.as_slice()) else { continue };
            if !seen.insert(name.to_vec()) {
                continue;
            }
            match find(rest, &params.delimiter) {
                Some(at) => *folders.entry(rest[..at].to_vec()).or_default() += 1,
                None => {
                    level.insert(name.to_vec());
                }
            }
        }
        if scan.cursor == 0
            || level.len() >= params.count
            || scanned >= names_cap
            || scan.visited >= MAX_VISITS
        {
            break;
        }
    }
    let keys = describe(runner, level.into_iter().collect(), params.kind.as_deref()).await?;
    let folders = folders
        .into_iter()
        .map(|(name, keys)| {
            let mut prefix = params.prefix.clone();
            prefix.extend_from_slice(&name);
            prefix.extend_from_slice(&params.delimiter);
            Folder { name: Blob::from_bytes(&name), prefix: Blob::from_bytes(&prefix), keys }
        })
        .collect();
    Ok(KeyPage {
        prefix: Blob::from_bytes(&params.prefix),
        delimiter: Blob::from_bytes(&params.delimiter),
        folders,
        keys,
        cursor: scan.cursor.to_string(),
        scanned,
        commands: std::mem::take(&mut runner.commands),
    })
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `TYPE` (unless the filter says it) and `PTTL` of each key, at once.
/// A key that expired or was deleted since `SCAN` saw it is left out.
async fn describe(
    runner: &mut Runner,
    keys: Vec<Vec<u8>>,
    kind: Option<&str>,
) -> Result<Vec<KeyEntry>, AppError> {
    let mut batch = Vec::with_capacity(keys.len() * 2);
    for key in &keys {
        if kind.is_none() {
            batch.push(args!["TYPE", key]);
        }
        batch.push(args!["PTTL", key]);
    }
    let replies = runner.run_all(batch).await?;
    let per_key = if kind.is_none() { 2 } else { 1 };
    let mut entries = Vec::with_capacity(keys.len());
    for (key, replies) in keys.iter().zip(replies.chunks(per_key)) {
        let kind = match kind {
            Some(kind) => kind.to_string(),
            None => match replies.first().and_then(bytes) {
                Some(t) => String::from_utf8_lossy(t).into_owned(),
                None => continue,
            },
        };
        let ttl = replies.last().and_then(integer).unwrap_or(-2);
        if kind == "none" || ttl == -2 {
            continue;
        }
        entries.push(KeyEntry { key: Blob::from_bytes(key), kind, ttl_ms: (ttl >= 0).then_some(ttl) });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_escaped_globs() {
        assert_eq!(escape_glob(b"a*b?[c]\\"), b"a\\*b\\?\\[c\\]\\\\".to_vec());
        assert_eq!(find(b"ab::c", b"::"), Some(2));
        assert_eq!(find(b"abc", b":"), None);
    }

    #[test]
    fn bad_queries_name_the_parameter() {
        let query = |q: &str| -> ListQuery { serde_urlencoded_like(q) };
        let limits = Limits::LOCAL;
        for (q, name) in
            [("count=0", "count"), ("count=1001", "count"), ("type=bogus", "type"), ("cursor=x", "cursor")]
        {
            let err = ListParams::parse(query(q), &limits).expect_err(q);
            assert!(err.to_string().contains(name), "{q}: {err}");
        }
        let params = ListParams::parse(query("prefix=a*"), &limits).expect("ok");
        assert_eq!(params.matching, b"a\\**".to_vec());
    }

    fn serde_urlencoded_like(q: &str) -> ListQuery {
        let (k, v) = q.split_once('=').expect("k=v");
        let mut query = ListQuery {
            prefix: None,
            prefix_base64: None,
            delimiter: None,
            cursor: None,
            count: None,
            kind: None,
            pattern: None,
        };
        match k {
            "count" => query.count = v.parse().ok(),
            "type" => query.kind = Some(v.into()),
            "cursor" => query.cursor = Some(v.into()),
            "prefix" => query.prefix = Some(v.into()),
            _ => {}
        }
        query
    }
}
