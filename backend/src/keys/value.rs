//! `GET /api/keys/value?key=K&offset=O&count=N`: one key — `TYPE`,
//! `OBJECT ENCODING`, `PTTL`, `MEMORY USAGE`, its length — and a page of
//! its value, shaped by type ([`Value`]).
//!
//! Pages: a list by index (`LRANGE`), a sorted set by rank (`ZRANGE …
//! WITHSCORES`) or, with `min`/`max`, by score (`ZRANGE … BYSCORE LIMIT`);
//! a hash or a set has no index, so its page is the `offset`-th to the
//! `offset+count`-th element in `HSCAN`/`SSCAN` order (walked from the
//! start; stable while the key does not change), a stream's the entries in
//! `XRANGE` order. A string sends at most [`MAX_STRING_BYTES`]
//! (`GETRANGE`), with how many more there are.

use std::collections::HashSet;

use bolide_shared::cli::Reply;
use bolide_shared::keys::{base64_encode, Blob, KeyValue, StreamEntry, StringValue, Value, MAX_STRING_BYTES};
use serde::Deserialize;

use super::runner::{bytes, checked, integer, items, reply_error, Runner};
use super::{bad, bytes_param};
use crate::args;
use crate::console::Limits;
use crate::error::AppError;

/// Default elements per page.
pub const DEFAULT_COUNT: u64 = 100;
/// Farthest a hash, set or stream page may start (they are walked).
pub const MAX_WALKED_OFFSET: u64 = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueQuery {
    key: Option<String>,
    key_base64: Option<String>,
    offset: Option<u64>,
    count: Option<u64>,
    /// Sorted sets by score: `min` and `max` as `ZRANGE … BYSCORE` takes
    /// them (`-inf`, `(1.5`, `10`).
    min: Option<String>,
    max: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValueParams {
    pub key: Vec<u8>,
    pub offset: u64,
    pub count: u64,
    pub by_score: Option<(String, String)>,
}

impl ValueParams {
    pub fn parse(query: ValueQuery, limits: &Limits) -> Result<Self, AppError> {
        let key = bytes_param("key", query.key, query.key_base64)?.ok_or_else(|| bad("key", "missing"))?;
        let max_count = (limits.max_reply_elements / 2) as u64;
        let count = query.count.unwrap_or(DEFAULT_COUNT.min(max_count));
        if !(1..=max_count).contains(&count) {
            return Err(bad("count", format!("expected 1 to {max_count}")));
        }
        let by_score = match (query.min, query.max) {
            (None, None) => None,
            (Some(min), Some(max)) => Some((min, max)),
            _ => return Err(bad("min", "give both `min` and `max`, or neither")),
        };
        Ok(Self { key, offset: query.offset.unwrap_or(0), count, by_score })
    }
}

pub fn no_such_key(key: &[u8]) -> AppError {
    AppError::NotFound(format!("no key {}", bolide_shared::cli::repr(key)))
}

/// The key and a page of its value.
pub async fn read(runner: &mut Runner, params: &ValueParams) -> Result<KeyValue, AppError> {
    let key = &params.key;
    let kind = runner.run(args!["TYPE", key]).await?;
    let kind = match &kind {
        Reply::Error(message) => return Err(reply_error("TYPE", message)),
        other => bytes(other).map(|t| String::from_utf8_lossy(t).into_owned()).unwrap_or_default(),
    };
    let length_command = match kind.as_str() {
        "none" => return Err(no_such_key(key)),
        "string" => "STRLEN",
        "hash" => "HLEN",
        "list" => "LLEN",
        "set" => "SCARD",
        "zset" => "ZCARD",
        "stream" => "XLEN",
        other => {
            return Err(AppError::BadRequest {
                code: "unsupported_type",
                message: format!("keys of type {other} are not shown here"),
            })
        }
    };
    let facts = runner
        .run_all(vec![
            args!["OBJECT", "ENCODING", key],
            args!["PTTL", key],
            args!["MEMORY", "USAGE", key],
            args![length_command, key],
        ])
        .await?;
    let encoding = bytes(&facts[0]).map(|e| String::from_utf8_lossy(e).into_owned());
    let ttl_ms = integer(&facts[1]).filter(|t| *t >= 0);
    let memory_bytes = integer(&facts[2]).and_then(|m| u64::try_from(m).ok());
    let length = integer(&facts[3]).and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    let (offset, count) = (params.offset, params.count);
    let value = match kind.as_str() {
        "string" => string(runner, key, length).await?,
        "list" => {
            let stop = offset.saturating_add(count - 1);
            let reply = checked(
                "LRANGE",
                runner.run(args!["LRANGE", key, offset.to_string(), stop.to_string()]).await?,
            )?;
            Value::Items(blobs(&reply))
        }
        "zset" => {
            let reply = match &params.by_score {
                None => {
                    let stop = offset.saturating_add(count - 1);
                    runner
                        .run(args!["ZRANGE", key, offset.to_string(), stop.to_string(), "WITHSCORES"])
                        .await?
                }
                Some((min, max)) => {
                    runner
                        .run(args![
                            "ZRANGE",
                            key,
                            min,
                            max,
                            "BYSCORE",
                            "LIMIT",
                            offset.to_string(),
                            count.to_string(),
                            "WITHSCORES"
                        ])
                        .await?
                }
            };
            Value::Pairs(pairs(&checked("ZRANGE", reply)?))
        }
        "hash" | "set" | "stream" if offset > MAX_WALKED_OFFSET => {
            return Err(bad("offset", format!("a {kind} page starts at most at {MAX_WALKED_OFFSET}")))
        }
        "hash" => Value::Pairs(
            walk_scan(runner, "HSCAN", key, offset, count).await?.into_iter().map(pair).collect(),
        ),
        "set" => Value::Items(
            walk_scan(runner, "SSCAN", key, offset, count)
                .await?
                .into_iter()
                .map(|m| Blob::from_bytes(&m[0]))
                .collect(),
        ),
        _ => Value::Stream(stream(runner, key, offset, count).await?),
    };
    Ok(KeyValue {
        key: Blob::from_bytes(key),
        kind,
        encoding,
        ttl_ms,
        memory_bytes,
        length,
        offset,
        value,
        commands: std::mem::take(&mut runner.commands),
    })
}

fn blobs(reply: &Reply) -> Vec<Blob> {
    items(reply).iter().filter_map(bytes).map(Blob::from_bytes).collect()
}

fn pairs(reply: &Reply) -> Vec<(Blob, Blob)> {
    let flat = blobs(reply);
    flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect()
}

fn pair(p: Vec<Vec<u8>>) -> (Blob, Blob) {
    (Blob::from_bytes(&p[0]), Blob::from_bytes(p.get(1).map(Vec::as_slice).unwrap_or_default()))
}

async fn string(runner: &mut Runner, key: &[u8], length: u64) -> Result<Value, AppError> {
    let last = MAX_STRING_BYTES - 1;
    let reply = checked("GETRANGE", runner.run(args!["GETRANGE", key, "0", last.to_string()]).await?)?;
    let data = bytes(&reply).unwrap_or_default();
    let text = std::str::from_utf8(data).ok().map(str::to_string);
    let json = text
        .as_deref()
        .filter(|t| t.trim_start().starts_with(['{', '[']))
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    Ok(Value::String(StringValue {
        text,
        base64: base64_encode(data),
        json,
        truncated: length.saturating_sub(data.len() as u64),
    }))
}

/// `HSCAN`/`SSCAN` from the start until `offset + count` elements are
/// seen (each once); the page of them, each `[field, value]` or `[member]`.
async fn walk_scan(
    runner: &mut Runner,
    command: &str,
    key: &[u8],
    offset: u64,
    count: u64,
) -> Result<Vec<Vec<Vec<u8>>>, AppError> {
    let per_element = if command == "HSCAN" { 2 } else { 1 };
    let limit = runner.limits().max_reply_elements as u64;
    let mut scan_count = (limit / 2 / per_element).max(10);
    let want = offset + count;
    let mut seen = HashSet::new();
    let mut found: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let args = args![command, key, cursor.to_string(), "COUNT", scan_count.to_string()];
        let (reply, omitted) = runner.run_counted(args).await?;
        let reply = checked(command, reply)?;
        if omitted > 0 && scan_count > 10 {
            scan_count = (scan_count / 4).max(10);
            continue;
        }
        // A small key's SCAN answers all of it at once whatever the COUNT:
        // past the reply limit, the elements that fit are what is shown.
        let parts = items(&reply);
        let next =
            parts.first().and_then(bytes).and_then(|c| std::str::from_utf8(c).ok()?.parse::<u64>().ok());
        let elements = parts.get(1).map(blobs_raw).unwrap_or_default();
        for element in elements.chunks_exact(per_element as usize) {
            if seen.insert(element[0].clone()) {
                found.push(element.to_vec());
            }
        }
        cursor = next.unwrap_or(0);
        if cursor == 0 || found.len() as u64 >= want || omitted > 0 {
            break;
        }
    }
    Ok(found.into_iter().skip(offset as usize).take(count as usize).collect())
}

fn blobs_raw(reply: &Reply) -> Vec<Vec<u8>> {
    items(reply).iter().filter_map(bytes).map(<[u8]>::to_vec).collect()
}

/// `XRANGE` from the start, `COUNT` at a time, until the page is read.
async fn stream(
    runner: &mut Runner,
    key: &[u8],
    offset: u64,
    count: u64,
) -> Result<Vec<StreamEntry>, AppError> {
    let chunk = (runner.limits().max_reply_elements as u64 / 2).max(10);
    let mut start = b"-".to_vec();
    let mut skipped = 0u64;
    let mut entries = Vec::new();
    loop {
        let take = if skipped < offset { chunk.min(offset - skipped) } else { count - entries.len() as u64 };
        let reply = checked(
            "XRANGE",
            runner.run(args!["XRANGE", key, start, "+", "COUNT", take.to_string()]).await?,
        )?;
        let got = items(&reply);
        for entry in got {
            let parts = items(entry);
            let Some(id) = parts.first().and_then(bytes) else { continue };
            start = [b"(".as_slice(), id].concat();
            if skipped < offset {
                skipped += 1;
                continue;
            }
            let fields = parts.get(1).map(pairs).unwrap_or_default();
            entries.push(StreamEntry { id: String::from_utf8_lossy(id).into_owned(), fields });
        }
        if (got.len() as u64) < take || entries.len() as u64 >= count {
            break;
        }
    }
    Ok(entries)
}
