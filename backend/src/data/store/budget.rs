//! What a dataset costs the sandbox's memory quota, estimated from its
//! records before any of it is written (shared mode; see
//! [`crate::sandbox::quota`] for the quota and its reservations).
//!
//! **The estimate is conservative**, from the records alone: for each
//! landing its hash (key name, field names and values, plus Redis's
//! per-key and per-field overhead) and its entries in Bolide's indexes
//! (the four sort orders, the value sets, the name log, the file digest:
//! [`super::layout`]). The overheads were measured once on Redis 7.0
//! (jemalloc) with `MEMORY USAGE` and `INFO memory` around a load of
//! 20,000 generated landings: a hash costs about 60 bytes beside its
//! contents, 2–5 bytes per field while it is a listpack and about 64 in a
//! hashtable; the indexes cost about 170 bytes per landing. The constants
//! below round each of those up, so a generated landing is estimated at
//! ~520 bytes where it takes ~410: a load that is let through stays
//! within the quota.
//!
//! **Listpack or hashtable is the server's call**: a hash stays a listpack
//! up to its `hash-max-listpack-entries` fields of at most
//! `hash-max-listpack-value` bytes, which Bolide reads from the server at
//! start and hands here with the sandbox's quota
//! ([`crate::console::cost::Encodings`]; when they cannot be read, every
//! hash is estimated as a hashtable: more, never less, than Redis holds).
//!
//! **A load replaces the old set**, so what it needs is its estimate minus
//! what the old set holds now: its records' `MEMORY USAGE` (of a sample,
//! scaled to their count; a record deleted from the console since counts
//! 0) and its index entries, estimated as the new set's are. So loading
//! the same file again needs about nothing more, measured or not.
//!
//! **Measured with the sandbox** ([`indexes_measured`]): a sandbox's
//! measurement ([`crate::sandbox::headroom`]) counts its dataset's index
//! and bookkeeping keys (`MEMORY USAGE` of each, in the system database,
//! and the cached results' estimated bytes), so what a load reserved for
//! them is not forgotten when the count is set from a measurement.

use redis::aio::MultiplexedConnection;

use super::layout::{bookkeeping_keys, category_values};
use super::Owner;
use crate::console::cost::Encodings;
use crate::data::Landing;
use crate::error::AppError;
use crate::sandbox::headroom::Measured;

/// A hash's bytes beside its fields (key object, dict entry, allocation
/// rounding).
pub const KEY_OVERHEAD: u64 = 96;
/// Per field of a small hash (listpack: two entries' headers).
pub const LISTPACK_FIELD: u64 = 6;
/// Per field of a hash Redis keeps as a hashtable (two strings, an entry).
pub const HASHTABLE_FIELD: u64 = 80;
/// Bolide's index entries per landing, beside its id and name (which
/// several indexes repeat: see [`index_bytes`]).
pub const INDEX_OVERHEAD: u64 = 192;
/// Old records whose memory is measured, to estimate the rest.
const SAMPLES: usize = 20;

/// The estimated bytes of one landing's hash under `key_prefix`, on the
/// server of `encodings` (a listpack within its hash limits, else a hashtable).
pub fn record_bytes(encodings: &Encodings, key_prefix: &str, landing: &Landing) -> u64 {
    let fields = &landing.fields;
    let (entries, value) = (encodings.hash.entries, encodings.hash.value);
    let too_long = |text: &str| text.len() as u64 > value;
    let hashtable =
        fields.len() as u64 > entries || fields.iter().any(|(name, text)| too_long(name) || too_long(text));
    let per_field = if hashtable { HASHTABLE_FIELD } else { LISTPACK_FIELD };
    let contents: usize = fields.iter().map(|(name, value)| name.len() + value.len()).sum();
    KEY_OVERHEAD
        + (key_prefix.len() + "meteorite:".len() + landing.id().len()) as u64
        + contents as u64
        + per_field * fields.len() as u64
}

/// The estimated bytes of one landing's index entries: its id in the four
/// orders, the value sets and the file digest, its name in the name order
/// and the name log.
pub fn index_bytes(landing: &Landing) -> u64 {
    INDEX_OVERHEAD + 6 * landing.id().len() as u64 + 2 * landing.name().map_or(0, str::len) as u64
}

/// A landing's whole estimate: its hash and its index entries.
pub fn landing_bytes(encodings: &Encodings, key_prefix: &str, landing: &Landing) -> u64 {
    record_bytes(encodings, key_prefix, landing) + index_bytes(landing)
}

/// What the old set of `ids` holds now, which a load replacing it frees:
/// its records (in database 0), estimated from a sample's `MEMORY USAGE`,
/// and its index entries, estimated as a new set's are ([`index_bytes`],
/// without the names, which the ids do not tell: a little less, never
/// more). Leaves `conn` on database 0.
pub async fn held(conn: &mut MultiplexedConnection, scope: &Owner, ids: &[String]) -> Result<u64, AppError> {
    let indexes: u64 = ids.iter().map(|id| INDEX_OVERHEAD + 6 * id.len() as u64).sum();
    Ok(records_held(conn, scope, ids).await? + indexes)
}

/// What `scope`'s dataset indexes hold now (`system`: a connection to
/// the system database): O(its categories' values), never a `SCAN`.
pub async fn indexes_measured(
    system: &mut impl redis::aio::ConnectionLike,
    scope: &Owner,
) -> Result<Measured, AppError> {
    let values = category_values(system, scope).await?;
    let keys = bookkeeping_keys(scope, &values);
    let mut pipe = redis::pipe();
    for key in &keys {
        pipe.cmd("MEMORY").arg("USAGE").arg(key);
    }
    pipe.cmd("HVALS").arg(scope.key("results:bytes"));
    let mut replies: Vec<redis::Value> = pipe.query_async(system).await?;
    let cached = replies.pop();
    let number = |v: &redis::Value| match v {
        redis::Value::Int(n) => n.unsigned_abs(),
        redis::Value::BulkString(b) => std::str::from_utf8(b).ok().and_then(|t| t.parse().ok()).unwrap_or(0),
        _ => 0,
    };
    let mut bytes = replies.iter().map(number).fold(0u64, u64::saturating_add);
    if let Some(redis::Value::Array(sizes)) = cached {
        bytes = sizes.iter().map(number).fold(bytes, u64::saturating_add);
    }
    Ok(Measured { keys: 0, bytes })
}

/// What the records of `ids` hold now, from a sample's `MEMORY USAGE`.
async fn records_held(
    conn: &mut MultiplexedConnection,
    scope: &Owner,
    ids: &[String],
) -> Result<u64, AppError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let step = ids.len().div_ceil(SAMPLES).max(1);
    let sample: Vec<&String> = ids.iter().step_by(step).collect();
    let mut pipe = redis::pipe();
    pipe.cmd("SELECT").arg(0).ignore();
    for id in &sample {
        pipe.cmd("MEMORY").arg("USAGE").arg(scope.record_key(id));
    }
    let sizes: Vec<Option<u64>> = pipe.query_async(conn).await?;
    let sampled: u64 = sizes.iter().map(|s| s.unwrap_or(0)).sum();
    Ok(sampled * ids.len() as u64 / sample.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_hashes_are_estimated_by_their_encoding() {
        let defaults = &Encodings::REDIS_7_0;
        let small = Landing::of_pairs(&[("id", "17"), ("name", "Aachen"), ("recclass", "L5")]);
        let contents = (2 + 2 + 4 + 6 + 8 + 2) as u64;
        assert_eq!(record_bytes(defaults, "", &small), KEY_OVERHEAD + 12 + contents + 3 * LISTPACK_FIELD);
        let long = "x".repeat(65);
        let large = Landing::of_pairs(&[("id", "17"), ("note", &long)]);
        assert_eq!(
            record_bytes(defaults, "", &large),
            KEY_OVERHEAD + 12 + (2 + 2 + 4 + 65) + 2 * HASHTABLE_FIELD
        );
        assert!(
            landing_bytes(defaults, "{s:0}:", &small)
                > record_bytes(defaults, "{s:0}:", &small) + INDEX_OVERHEAD
        );
        // The server's limits: three fields past 2, a value past 4 bytes;
        // nothing compact when they could not be read.
        let hashtable = KEY_OVERHEAD + 12 + contents + 3 * HASHTABLE_FIELD;
        for (entries, value) in [(2, 64), (128, 4), (0, 0)] {
            let server = Encodings { hash: crate::console::cost::Listpack { entries, value }, ..*defaults };
            assert_eq!(record_bytes(&server, "", &small), hashtable, "{entries} entries, {value} bytes");
        }
    }
}
