//! One landing: read it, write it, delete it — the hash and its index
//! entries together.
//!
//! A write is `HSET` (the lesson: editing a record is just that), but the
//! browser's indexes must follow, or a page sorted by mass would put an
//! edited landing where its old mass was. So a write runs as one
//! optimistic transaction on a connection of its own:
//!
//! 1. `WATCH` the record's key and the dataset's `version` (which every
//!    load, reindex and write bumps), then read the record as it is, the
//!    fields' usual values and whether the landing is indexed (`LPOS ids`);
//! 2. work out the index entries of the old and the new record, and, in
//!    each sort order whose value changed, the new place: a search of the
//!    list that reads the probed landings' values from their hashes
//!    ([`super::order`]), ending at the entry to insert before;
//! 3. `MULTI`, in shared mode the record's entry in the sandbox's key index
//!    (`crate::sandbox::key_index`), the `HSET` (or `UNLINK` + `HSET` for a replacement), the
//!    index changes (`LREM` + `LINSERT … BEFORE` in the orders, `ZADD`/`ZREM`
//!    in the sets of landings without a mass or a year, `SREM`/`SADD` in the
//!    value sets), `INCR version`, `HGETALL`, `EXEC`.
//!
//! If anything watched changed between 1 and 3 — a student's `HSET` on the
//! same record, a load — Redis refuses the `EXEC` and the write starts over
//! from what is there now (a few times, then a 409). Readers see the record
//! and its index entries change together.
//!
//! A landing leaves a sort order by id (`LREM`), wherever its entry is.
//! The set entries removed are those of the record *as it is in Redis*:
//! after a console edit that a reindex has not seen yet, a set entry made
//! from the older value may stay behind (harmless: pages skip what they
//! cannot read) until the next reindex.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::Value;

use super::indexes::Entry;
use super::layout::Category;
use super::order::{self, compare, Order, Reads};
use super::search;
use super::{private_connection, wrongtype_is_none, Owner, PrivateConnections, Readers, Record};
use crate::data::Landing;
use crate::error::AppError;
use crate::sandbox::key_index::KeyIndex;
use crate::sandbox::SYSTEM_DB;

/// How a write treats the fields the record already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The hash becomes exactly the given fields, plus `id` (`PUT`).
    Replace,
    /// The given fields are set, the others stay (`PATCH`: `HSET`).
    Merge,
}

/// Attempts before a write that keeps meeting concurrent changes gives up.
const ATTEMPTS: usize = 5;
/// A write's round trips are short; placing a landing in the four orders
/// of a million takes about forty of them.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// `HGETALL meteorite:<id>`, or `None` when there is no such hash.
pub async fn get(readers: &Readers, scope: &Owner, id: &str) -> Result<Option<Record>, AppError> {
    let mut conn = readers.data.clone();
    let fields: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(scope.record_key(id))
        .query_async(&mut conn)
        .await
        .or_else(wrongtype_is_none)?;
    Ok((!fields.is_empty()).then_some(Record(fields)))
}

/// Writes landing `id`'s fields and updates its index entries, atomically
/// (see the module docs). Returns the record as stored.
///
/// The caller checks names and values; this refuses (400) what would break
/// the store anyway: a bad id, an empty field name, a field given twice, or
/// an `id` field that is not `id`.
pub async fn write_record(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    id: &str,
    fields: &[(String, String)],
    mode: WriteMode,
) -> Result<Record, AppError> {
    write(base, scope, id, fields, mode).await.map_err(super::layout_changed)
}

async fn write(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    id: &str,
    fields: &[(String, String)],
    mode: WriteMode,
) -> Result<Record, AppError> {
    check_id(id)?;
    check_fields(id, fields)?;
    let mut conn = private_connection(base, WRITE_TIMEOUT).await?;
    for _ in 0..ATTEMPTS {
        let seen = watch(&mut conn, scope, id).await?;
        if let (Some(kind), WriteMode::Merge) = (&seen.other_type, mode) {
            unwatch(&mut conn).await;
            return Err(AppError::Conflict(format!(
                "meteorite:{id} holds a {kind}, not a hash: replace it, or delete it first"
            )));
        }
        let new_fields = match (&seen.old, mode) {
            (Some(old), WriteMode::Merge) => merged(&old.fields, fields),
            _ => with_id(id, fields),
        };
        let new = Landing::new(new_fields);
        let new_entry = Entry::of(&new);
        let old_entry = seen.old.as_ref().map(Entry::of);
        let old_indexed = if seen.indexed { old_entry.as_ref() } else { None };
        let old_landing = seen.old.as_ref().filter(|_| seen.indexed);
        let places = places(&mut conn, scope, id, old_landing, Some(&new)).await?;

        let mut tx = redis::pipe();
        tx.atomic();
        tx.cmd("SELECT").arg(0).ignore();
        let key = scope.record_key(id);
        // Announced in the sandbox's key index with the write, atomically
        // (see `crate::sandbox::key_index`).
        if let Some(announce) = KeyIndex::of(scope).and_then(|index| index.add_cmd(&[&key])) {
            tx.add_command(announce).ignore();
        }
        if mode == WriteMode::Replace || seen.old.is_none() {
            tx.cmd("UNLINK").arg(&key).ignore();
            let mut hset = redis::cmd("HSET");
            hset.arg(&key);
            for (field, value) in &new.fields {
                hset.arg(field).arg(value);
            }
            tx.add_command(hset).ignore();
        } else if !fields.is_empty() {
            tx.cmd("HSET").arg(&key).arg(fields).ignore();
        }
        tx.cmd("SELECT").arg(SYSTEM_DB).ignore();
        update_indexes(&mut tx, scope, id, &seen.usual, (old_indexed, Some(&new_entry)), &places);
        tx.cmd("INCR").arg(scope.key("version")).ignore();
        tx.cmd("SELECT").arg(0).ignore();
        tx.cmd("HGETALL").arg(&key);
        let stored: Option<(Vec<(String, String)>,)> = tx.query_async(&mut conn).await?;
        if let Some((stored,)) = stored {
            return Ok(Record(stored));
        }
        // A watched key changed meanwhile: start over from what is there now.
    }
    Err(busy(id))
}

/// Deletes landing `id`'s hash and its index entries, atomically. `false`
/// when there was no such hash (entries it left behind are removed anyway).
pub async fn delete_record(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    id: &str,
) -> Result<bool, AppError> {
    delete(base, scope, id).await.map_err(super::layout_changed)
}

async fn delete(
    base: &(impl PrivateConnections + ?Sized),
    scope: &Owner,
    id: &str,
) -> Result<bool, AppError> {
    check_id(id)?;
    let mut conn = private_connection(base, WRITE_TIMEOUT).await?;
    for _ in 0..ATTEMPTS {
        let seen = watch(&mut conn, scope, id).await?;
        if seen.old.is_none() && !seen.indexed {
            unwatch(&mut conn).await;
            return Ok(false);
        }
        let old_entry = seen.old.as_ref().map(Entry::of);
        let mut tx = redis::pipe();
        tx.atomic();
        if seen.old.is_some() {
            tx.cmd("SELECT").arg(0).ignore();
            tx.cmd("UNLINK").arg(scope.record_key(id)).ignore();
        }
        tx.cmd("SELECT").arg(SYSTEM_DB).ignore();
        let old_indexed = if seen.indexed { old_entry.as_ref() } else { None };
        // Every order, whatever the entry says: a console edit may have
        // taken a value away since the landing was indexed.
        update_indexes(
            &mut tx,
            scope,
            id,
            &seen.usual,
            (old_indexed, None),
            &std::array::from_fn(|_| Place::Remove),
        );
        tx.cmd("INCR").arg(scope.key("version")).ignore();
        tx.cmd("SELECT").arg(0).ignore();
        let done: Option<Value> = tx.query_async(&mut conn).await?;
        if done.is_some() {
            return Ok(seen.old.is_some());
        }
    }
    Err(busy(id))
}

fn busy(id: &str) -> AppError {
    AppError::Conflict(format!("meteorite:{id} kept changing while it was written; try again"))
}

/// What a write found, under `WATCH`.
struct Seen {
    /// The record as it is (its `id` field made the key's id).
    old: Option<Landing>,
    /// The key exists but holds this type, not a hash.
    other_type: Option<String>,
    /// Whether the landing is in the indexes (the `ids` list).
    indexed: bool,
    /// Each field's usual value.
    usual: HashMap<String, String>,
}

/// Watches the record and the dataset's version, and reads what a write
/// needs. Refuses (409) while a load runs.
async fn watch(conn: &mut MultiplexedConnection, scope: &Owner, id: &str) -> Result<Seen, AppError> {
    let key = scope.record_key(id);
    let (lock, usual, indexed, kind, fields): (
        Option<String>,
        HashMap<String, String>,
        Option<i64>,
        String,
        Value,
    ) = redis::pipe()
        .ignore_errors()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("WATCH")
        .arg(scope.key("version"))
        .ignore()
        .cmd("GET")
        .arg(scope.key("lock"))
        .cmd("HGETALL")
        .arg(scope.key("usual"))
        .cmd("LPOS")
        .arg(scope.key("ids"))
        .arg(id)
        .cmd("SELECT")
        .arg(0)
        .ignore()
        .cmd("WATCH")
        .arg(&key)
        .ignore()
        .cmd("TYPE")
        .arg(&key)
        .cmd("HGETALL")
        .arg(&key)
        .query_async(conn)
        .await?;
    if lock.is_some() {
        unwatch(conn).await;
        return Err(AppError::Conflict(
            "a load of this dataset is running; try again when it is done".into(),
        ));
    }
    let old = match kind.as_str() {
        "hash" => redis::from_redis_value::<Vec<(String, String)>>(fields)
            .ok()
            .filter(|fields| !fields.is_empty())
            .map(|fields| Landing::new(with_id(id, &fields))),
        _ => None,
    };
    let other_type = (!matches!(kind.as_str(), "hash" | "none")).then_some(kind);
    Ok(Seen { old, other_type, indexed: indexed.is_some(), usual })
}

async fn unwatch(conn: &mut MultiplexedConnection) {
    let _: redis::RedisResult<()> = redis::cmd("UNWATCH").exec_async(conn).await;
}

/// Where a written landing goes in one order.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// Where it is (its value there did not change).
    Keep,
    /// Out of the order (`LREM`).
    Remove,
    /// Out of its old place, if it has one, and in before `pivot`
    /// (`LINSERT … BEFORE`), or at the end (`RPUSH`) when there is none.
    Insert { pivot: Option<String> },
}

/// Where landing `id` goes in each order (of [`Order::ALL`]), from `old`
/// (the landing as indexed, if it is) to `new`: a search of each list whose
/// value changed, reading the probed landings' values from their hashes
/// (this one's hash still holds its old values, which is where its entry
/// is).
async fn places(
    conn: &mut MultiplexedConnection,
    scope: &Owner,
    id: &str,
    old: Option<&Landing>,
    new: Option<&Landing>,
) -> Result<[Place; 4], AppError> {
    let mut places = [Place::Keep, Place::Keep, Place::Keep, Place::Keep];
    for (place, order) in places.iter_mut().zip(Order::ALL) {
        let before = old.and_then(|landing| order.value_of(landing));
        let after = new.and_then(|landing| order.value_of(landing));
        if old.is_some() && before == after {
            continue;
        }
        let Some(after) = after else {
            *place = if old.is_some() { Place::Remove } else { Place::Keep };
            continue;
        };
        let mut reads = Reads::Switching(&mut *conn);
        let len = reads.len(scope, order).await?;
        let at = order::partition_point(&mut reads, scope, order, len, |value, probe| {
            value.is_none_or(|value| compare((value, probe), (&after, id)) == Ordering::Less)
        })
        .await?;
        // The entry there may be this landing's own (it stays where it is):
        // then the next one is the pivot.
        let around = reads.range(scope, order, at as isize, at as isize + 1).await?;
        let pivot = around.into_iter().find(|entry| entry != id);
        *place = Place::Insert { pivot };
    }
    Ok(places)
}

/// Adds to `tx` (on the system database) the index changes from `old` (the
/// entry as indexed, if it is) to `new` (`None`: deleted): the orders as
/// `places` says (see [`places`]), the name search set and the value sets.
fn update_indexes(
    tx: &mut redis::Pipeline,
    scope: &Owner,
    id: &str,
    usual: &HashMap<String, String>,
    (old, new): (Option<&Entry<'_>>, Option<&Entry<'_>>),
    places: &[Place; 4],
) {
    for (place, order) in places.iter().zip(Order::ALL) {
        let key = scope.key(order.name());
        match place {
            Place::Keep => {}
            Place::Remove => {
                tx.cmd("LREM").arg(&key).arg(0).arg(id).ignore();
            }
            Place::Insert { pivot } => {
                tx.cmd("LREM").arg(&key).arg(0).arg(id).ignore();
                match pivot {
                    Some(pivot) => tx.cmd("LINSERT").arg(&key).arg("BEFORE").arg(pivot).arg(id).ignore(),
                    None => tx.cmd("RPUSH").arg(&key).arg(id).ignore(),
                };
            }
        }
    }
    // The landings without a mass or a year (`NULLS LAST`): in or out by
    // the new record's values, whatever the old ones were.
    for (order, value) in
        [(Order::Mass, new.map(|entry| entry.mass)), (Order::Year, new.map(|entry| entry.year))]
    {
        let Some(name) = order.nulls_name() else { continue };
        match (new, value) {
            (Some(entry), Some(None)) => {
                tx.cmd("ZADD").arg(scope.key(name)).arg(entry.id_score).arg(id).ignore()
            }
            _ => tx.cmd("ZREM").arg(scope.key(name)).arg(id).ignore(),
        };
    }
    let old_line = old.map(Entry::name_line);
    let new_line = new.map(Entry::name_line);
    if old_line != new_line || (old.is_none() && new.is_none()) {
        // The log's last word on this id: forgotten, then its new name.
        let mut lines = search::forget_line(id);
        lines.push_str(new_line.as_deref().unwrap_or_default());
        tx.cmd("RPUSH").arg(scope.key("names")).arg(lines).ignore();
    }
    for (i, category) in Category::ALL.iter().enumerate() {
        let before = old.map(|entry| entry.values[i]);
        let after = new.map(|entry| entry.values[i]);
        if before == after {
            continue;
        }
        let usual = usual.get(category.name()).map(String::as_str);
        if let Some(value) = before {
            membership(tx, scope, *category, (value, usual), id, false);
        }
        if let Some(value) = after {
            membership(tx, scope, *category, (value, usual), id, true);
        }
        if before.is_some() {
            tx.cmd("ZREMRANGEBYSCORE").arg(category.counts_key(scope)).arg("-inf").arg(0).ignore();
        }
    }
}

/// Adds `id` to (`add`) or removes it from the set of a value (`None`:
/// the field is missing) and counts it; `value.1` is the field's usual
/// value, which has no set, only a count.
fn membership(
    tx: &mut redis::Pipeline,
    scope: &Owner,
    category: Category,
    (value, usual): (Option<&str>, Option<&str>),
    id: &str,
    add: bool,
) {
    let command = if add { "SADD" } else { "SREM" };
    match value {
        None => {
            tx.cmd(command).arg(category.missing_key(scope)).arg(id).ignore();
        }
        Some(value) => {
            if Some(value) != usual {
                tx.cmd(command).arg(category.value_key(scope, value)).arg(id).ignore();
            }
            tx.cmd("ZINCRBY")
                .arg(category.counts_key(scope))
                .arg(if add { 1 } else { -1 })
                .arg(value)
                .ignore();
        }
    }
}

/// `fields` with `id` first, unless they have it already.
fn with_id(id: &str, fields: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(fields.len() + 1);
    if !fields.iter().any(|(name, _)| name == "id") {
        out.push(("id".to_string(), id.to_string()));
    }
    out.extend(fields.iter().map(|(name, value)| {
        if name == "id" {
            (name.clone(), id.to_string())
        } else {
            (name.clone(), value.clone())
        }
    }));
    out
}

/// What `HSET` of `changes` makes of a hash with `old` fields: changed
/// values in place, new fields after.
fn merged(old: &[(String, String)], changes: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = old.to_vec();
    for (name, value) in changes {
        match out.iter_mut().find(|(have, _)| have == name) {
            Some(slot) => slot.1 = value.clone(),
            None => out.push((name.clone(), value.clone())),
        }
    }
    out
}

fn check_id(id: &str) -> Result<(), AppError> {
    if id.is_empty()
        || id.len() > crate::data::source::MAX_ID_BYTES
        || id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::BadRequest {
            code: "bad_parameter",
            message: "parameter `id`: a landing id has 1 to 64 bytes, no spaces".into(),
        });
    }
    Ok(())
}

fn check_fields(id: &str, fields: &[(String, String)]) -> Result<(), AppError> {
    let bad = |message: String| AppError::BadRequest { code: "bad_field", message };
    let mut seen = std::collections::HashSet::new();
    for (name, value) in fields {
        if name.is_empty() {
            return Err(bad("a field name is empty".into()));
        }
        if !seen.insert(name.as_str()) {
            return Err(bad(format!("field `{name}` is given twice")));
        }
        if name == "id" && value != id {
            return Err(bad(format!("field `id` is {value:?}, but the landing is {id:?}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::indexes::id_score;
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_replacement_has_the_id_and_a_merge_keeps_the_order() {
        assert_eq!(with_id("7", &pairs(&[("name", "A")])), pairs(&[("id", "7"), ("name", "A")]));
        assert_eq!(with_id("7", &pairs(&[("name", "A"), ("id", "7")])), pairs(&[("name", "A"), ("id", "7")]));
        assert_eq!(
            merged(
                &pairs(&[("name", "A"), ("id", "7"), ("year", "1900")]),
                &pairs(&[("year", "1901"), ("x", "y")])
            ),
            pairs(&[("name", "A"), ("id", "7"), ("year", "1901"), ("x", "y")])
        );
    }

    #[test]
    fn refuses_what_would_break_the_store() {
        assert!(check_id("12").is_ok());
        for id in ["", "a b", "x\n", &"9".repeat(65)] {
            assert!(check_id(id).is_err(), "{id:?}");
        }
        assert!(check_fields("1", &pairs(&[("name", "A"), ("id", "1")])).is_ok());
        assert!(check_fields("1", &pairs(&[("", "A")])).is_err());
        assert!(check_fields("1", &pairs(&[("a", "1"), ("a", "2")])).is_err());
        assert!(check_fields("1", &pairs(&[("id", "2")])).is_err());
        assert_eq!(id_score("12"), 12.0);
    }
}
