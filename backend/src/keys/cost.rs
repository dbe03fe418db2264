//! `GET /api/keys/cost?key=K` or `?prefix=P`: what keys cost in memory.
//!
//! The first exercise asks which data type to store a landing in;
//! this answers it with Redis's own figures rather than a rule of thumb.
//!
//! - **A hash** (`meteorite:<id>`): its `MEMORY USAGE`, beside the same
//!   fields stored as one JSON object string. The string is measured for
//!   real: written to a scratch key of Bolide's own in the system database
//!   (`bolide:data:{<owner>}:cost:<random>`, [`Owner::key`]), measured and
//!   deleted in one `MULTI`, so it never outlives the request and never
//!   touches the student's database. It goes through the sandbox's feature
//!   connection ([`crate::sandbox::store::SandboxStore::access`]), whose
//!   ACL user may write only there. The hash itself is read through the
//!   relay like every other keys command. A hash of more than half a
//!   reply's fields or over [`MAX_JSON_BYTES`] gets its own figure alone.
//! - **A prefix**: the keys under it (`SCAN`, at most [`MAX_VISITS`] slots
//!   visited) and their `MEMORY USAGE` summed, each measured up to
//!   [`MAX_COST_MEASURED`] keys; past that the measured ones are a sample
//!   (SCAN's order is the hash table's, not the names') and the total is
//!   their mean times the count, labelled `estimated`.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use bolide_shared::cli::Reply;
use bolide_shared::keys::{Blob, HashCost, JsonCost, PrefixCost, RanCommand, MAX_COST_MEASURED};
use serde::Deserialize;

use super::runner::{bytes, checked, integer, items, Runner};
use super::scan::Scan;
use super::tree::escape_glob;
use super::value::no_such_key;
use super::{bad, bytes_param};
use crate::args;
use crate::error::AppError;
use crate::sandbox::connections::Access;
use crate::sandbox::Owner;

/// Most slots a prefix's `SCAN` makes Redis visit.
pub const MAX_VISITS: u64 = 2_000_000;
/// Largest hash (its `MEMORY USAGE`) and largest JSON text the comparison
/// writes to a scratch key: past that the hash gets its figure alone.
pub const MAX_JSON_BYTES: u64 = 1024 * 1024;
/// `MEMORY USAGE` commands pipelined at once.
const BATCH: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostQuery {
    key: Option<String>,
    key_base64: Option<String>,
    prefix: Option<String>,
    prefix_base64: Option<String>,
}

/// What to measure: one hash, or the keys under a prefix.
#[derive(Debug, Clone)]
pub enum CostParams {
    Key(Vec<u8>),
    Prefix(Vec<u8>),
}

impl CostParams {
    pub fn parse(query: CostQuery, max_pattern_bytes: usize) -> Result<Self, AppError> {
        let key = bytes_param("key", query.key, query.key_base64)?;
        let prefix = bytes_param("prefix", query.prefix, query.prefix_base64)?;
        match (key, prefix) {
            (Some(key), None) => Ok(CostParams::Key(key)),
            (None, Some(prefix)) => {
                if escape_glob(&prefix).len() + 1 > max_pattern_bytes {
                    return Err(bad(
                        "prefix",
                        format!("too long: at most {max_pattern_bytes} bytes as a pattern"),
                    ));
                }
                Ok(CostParams::Prefix(prefix))
            }
            _ => Err(bad("key", "give `key` (a hash) or `prefix` (a folder), one of them")),
        }
    }
}

fn count(reply: &Reply) -> u64 {
    integer(reply).and_then(|n| u64::try_from(n).ok()).unwrap_or(0)
}

/// One hash beside its fields as one JSON string (see the module doc).
pub async fn hash(
    runner: &mut Runner,
    access: &Access,
    owner: &Owner,
    key: &[u8],
) -> Result<HashCost, AppError> {
    let kind = checked("TYPE", runner.run(args!["TYPE", key]).await?)?;
    match bytes(&kind) {
        Some(b"hash") => {}
        Some(b"none") | None => return Err(no_such_key(key)),
        Some(other) => {
            return Err(AppError::BadRequest {
                code: "not_a_hash",
                message: format!(
                    "the cost comparison is for hashes; {} is a {}",
                    bolide_shared::cli::repr(key),
                    String::from_utf8_lossy(other)
                ),
            })
        }
    }
    let facts = runner
        .run_all(vec![args!["HLEN", key], args!["OBJECT", "ENCODING", key], args!["MEMORY", "USAGE", key]])
        .await?;
    let fields = count(&facts[0]);
    let encoding = bytes(&facts[1]).map(|e| String::from_utf8_lossy(e).into_owned());
    let hash_bytes = count(&checked("MEMORY USAGE", facts[2].clone())?);
    let max_fields = (runner.limits().max_reply_elements / 2) as u64;
    let too_big = format!("the JSON comparison takes hashes of at most {MAX_JSON_BYTES} bytes");
    let (json, json_note) = if fields > max_fields {
        (None, Some(format!("{fields} fields: the JSON comparison reads hashes of at most {max_fields}")))
    } else if hash_bytes > MAX_JSON_BYTES {
        (None, Some(format!("{hash_bytes} bytes: {too_big}")))
    } else {
        let (reply, omitted) = runner.run_counted(args!["HGETALL", key]).await?;
        let reply = checked("HGETALL", reply)?;
        if omitted > 0 {
            (None, Some("the hash grew past one reply while it was read".to_string()))
        } else {
            match json_text(&reply) {
                // MEMORY USAGE samples a big hash's values: the text is checked too.
                text if text.len() as u64 > MAX_JSON_BYTES => {
                    (None, Some(format!("{} bytes of JSON: {too_big}", text.len())))
                }
                text => (Some(json_cost(access, owner, text).await?), None),
            }
        }
    };
    Ok(HashCost {
        key: Blob::from_bytes(key),
        fields,
        encoding,
        hash_bytes,
        json,
        json_note,
        commands: std::mem::take(&mut runner.commands),
    })
}

/// `HGETALL`'s pairs as one JSON object (values that are not UTF-8 are
/// replaced lossily: JSON holds text).
fn json_text(reply: &Reply) -> String {
    let flat: Vec<&[u8]> = items(reply).iter().filter_map(bytes).collect();
    let object: serde_json::Map<String, serde_json::Value> = flat
        .chunks_exact(2)
        .map(|p| {
            (
                String::from_utf8_lossy(p[0]).into_owned(),
                serde_json::Value::String(String::from_utf8_lossy(p[1]).into_owned()),
            )
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// `text` measured under a scratch key of Bolide's own.
async fn json_cost(access: &Access, owner: &Owner, text: String) -> Result<JsonCost, AppError> {
    let scratch_key = owner.key(&format!("cost:{}", crate::sandbox::ids::random_hex()?));
    let mut system = access.system.clone();
    // One MULTI: the scratch key exists only inside it, whatever happens
    // to the connection.
    let (bytes, encoding): (Option<i64>, Option<String>) = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg(&scratch_key)
        .arg(&text)
        .ignore()
        .cmd("MEMORY")
        .arg("USAGE")
        .arg(&scratch_key)
        .cmd("OBJECT")
        .arg("ENCODING")
        .arg(&scratch_key)
        .cmd("DEL")
        .arg(&scratch_key)
        .ignore()
        .query_async(&mut system)
        .await?;
    let ran = |args: &[&[u8]], reply: Reply| RanCommand::new(args, Some(reply));
    let key = scratch_key.as_bytes();
    let measured = bytes.and_then(|b| u64::try_from(b).ok()).unwrap_or(0);
    let commands = vec![
        ran(&[b"MULTI"], Reply::Status("OK".into())),
        ran(&[b"SET", key, text.as_bytes()], Reply::Status("QUEUED".into())),
        ran(&[b"MEMORY", b"USAGE", key], Reply::Status("QUEUED".into())),
        ran(&[b"OBJECT", b"ENCODING", key], Reply::Status("QUEUED".into())),
        ran(&[b"DEL", key], Reply::Status("QUEUED".into())),
        ran(
            &[b"EXEC"],
            Reply::Array(vec![
                Reply::Status("OK".into()),
                Reply::Integer(measured as i64),
                encoding.clone().map_or(Reply::Nil, |e| Reply::Bulk(e.into_bytes())),
                Reply::Integer(1),
            ]),
        ),
    ];
    Ok(JsonCost { bytes: measured, string_bytes: text.len() as u64, encoding, scratch_key, text, commands })
}

/// The cost of a caller with no keys at all.
pub fn empty(prefix: &[u8]) -> PrefixCost {
    PrefixCost {
        prefix: Blob::from_bytes(prefix),
        keys: 0,
        complete: true,
        measured: 0,
        measured_bytes: 0,
        total_bytes: 0,
        estimated: false,
        commands: Vec::new(),
    }
}

/// The keys under `prefix` and what they cost (see the module doc).
pub async fn prefix(runner: &mut Runner, prefix: &[u8]) -> Result<PrefixCost, AppError> {
    let mut matching = escape_glob(prefix);
    matching.push(b'*');
    let mut scan = Scan::new(runner.limits(), &matching, None, 0, 100_000);
    // SCAN may name a key twice (a rehash between calls): names are counted
    // once, by a 64-bit hash of each (a million names in about 16 MB).
    let hasher = RandomState::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut sample: Vec<Vec<u8>> = Vec::new();
    loop {
        let names = scan.next(runner).await?;
        for name in names.iter().filter_map(bytes) {
            if name.starts_with(prefix)
                && seen.insert(hasher.hash_one(name))
                && (sample.len() as u64) < MAX_COST_MEASURED
            {
                sample.push(name.to_vec());
            }
        }
        if scan.cursor == 0 || scan.visited >= MAX_VISITS {
            break;
        }
    }
    let complete = scan.cursor == 0;
    let keys = seen.len() as u64;
    let mut commands = std::mem::take(&mut runner.commands);
    let (mut measured, mut measured_bytes) = (0u64, 0u64);
    for chunk in sample.chunks(BATCH) {
        let replies = runner.run_all(chunk.iter().map(|k| args!["MEMORY", "USAGE", k]).collect()).await?;
        for reply in &replies {
            // A key gone since SCAN saw it answers nil: not measured.
            if let Some(n) = integer(reply).and_then(|n| u64::try_from(n).ok()) {
                measured += 1;
                measured_bytes += n;
            }
        }
    }
    commands.append(&mut runner.commands);
    let estimated = measured < keys;
    let total_bytes = if estimated && measured > 0 {
        (measured_bytes as f64 / measured as f64 * keys as f64).round() as u64
    } else {
        measured_bytes
    };
    Ok(PrefixCost {
        prefix: Blob::from_bytes(prefix),
        keys,
        complete,
        measured,
        measured_bytes,
        total_bytes,
        estimated,
        commands,
    })
}
