//! Meteorite landings in Redis: one hash per landing, replaced all at once,
//! browsed through indexes.
//!
//! **Where things are.** Each landing is the hash `meteorite:<id>` in the
//! student's keyspace (database 0 in local mode, the session's namespace in
//! shared mode), with the file's own field names — exactly what
//! `HGETALL meteorite:1` shows in the console. Everything the browser needs
//! beside the records (lists of ids in id, name, mass and year order, sets by class,
//! fall, name type and coordinates, the last load's description) is
//! Bolide's, so it lives in the system database (15) under
//! `bolide:data:{<owner>}:…`, where the console's `KEYS *` never lists it as
//! student data. [`layout`] lists every key.
//!
//! **All or nothing.** A file's records are sent to Redis while the file
//! is checked, but inside one `MULTI`/`EXEC` transaction, so a bad file
//! changes nothing: a problem at any record ends in `DISCARD`. A good one
//! replaces the previous dataset in that **one** transaction, which deletes
//! the old records, writes the new ones and rebuilds every index ([`load`]).
//! Redis runs a transaction without interleaving anything else, so readers
//! see the old set or the new one, never a mix; and when Redis refuses it
//! (out of memory, say), it discards it whole — the database course's "A"
//! of ACID, made real. A single record's edit or removal ([`records`]) is
//! a transaction too, hash and index entries together.
//!
//! **Pages** ([`page`]) are read from the indexes: a range of a sort order,
//! or of a filtered result computed once from the sets and the order and
//! kept a minute, so a page costs about the same on 45,000 landings as on
//! a million. **Verify** ([`verify`]) compares the hashes with the last
//! loaded file.
//!
//! Module map: [`layout`] (the keys), [`indexes`] (what a dataset puts in
//! them), [`load`] (replace, reindex, forget), [`records`] (one landing:
//! read, write, delete), [`order`] (the sort orders and searching them),
//! [`page`] and [`search`] (browsing), [`results`] (their bounds per
//! sandbox), [`budget`] (a load's bytes against the quota), [`verify`].

use redis::aio::MultiplexedConnection;

pub use bolide_shared::data::{LoadReport, Page, PageStats, Record, Verification};

pub use crate::sandbox::Owner;

use crate::error::AppError;
use crate::redis_conn::Connection;
pub use crate::sandbox::connections::PrivateConnections;

pub mod budget;
pub mod follow;
pub mod indexes;
pub mod layout;
pub mod load;
pub mod order;
pub mod page;
pub mod records;
pub mod reindex;
pub mod results;
pub mod search;
pub mod stream;
pub mod verify;

pub use follow::{follow, Followed};
pub use load::{load_file_bytes, load_file_within, replace, replace_within, LoadFailure};
pub use page::{page, page_within, PageQuery};
pub use records::{delete_record, get, write_record, WriteMode};
pub use reindex::{forget, reindex};
pub use verify::verify;

/// The connections reads go through: long-lived, shared ones to the
/// student's database and to the system database — in shared mode the
/// sandbox's own, restricted to its keys by Redis
/// ([`crate::sandbox::Access`]). (A load, a reindex
/// or a record write switches databases inside a transaction, so it opens
/// one of its own; a page must not pay a TCP handshake.)
#[derive(Clone)]
pub struct Readers {
    pub data: Connection,
    pub system: Connection,
}

/// A connection of the caller's own (its `SELECT` and `WATCH` affect no one
/// else), with a reply timeout long enough for a whole-dataset transaction.
async fn private_connection(
    base: &(impl PrivateConnections + ?Sized),
    timeout: std::time::Duration,
) -> Result<MultiplexedConnection, AppError> {
    base.private(timeout).await
}

/// An index of another type than the layout's — kept by an older Bolide
/// (which had sorted sets where the sort orders are lists now), or changed
/// by hand — answers `WRONGTYPE`: a clear 409 that says what mends it,
/// rather than a 500.
fn layout_changed(err: AppError) -> AppError {
    match err {
        AppError::Internal(message) if message.contains("WRONGTYPE") => AppError::Conflict(
            "the data browser's indexes are not in the layout this version of Bolide uses (they were built by an \
             older version, or changed by hand): press Reindex, or load the data again"
                .into(),
        ),
        other => other,
    }
}

/// A key that is not a hash (a student's `SET meteorite:1 x`) reads as
/// absent rather than failing the page.
fn wrongtype_is_none<T: Default>(err: redis::RedisError) -> redis::RedisResult<T> {
    if err.code() == Some("WRONGTYPE") {
        Ok(T::default())
    } else {
        Err(err)
    }
}

/// What a sandbox's dataset indexes hold, for its quota's measurement.
pub fn on_sandbox_measure() -> crate::sandbox::headroom::Measure {
    crate::sandbox::headroom::measure(|mut measuring| async move {
        budget::indexes_measured(&mut measuring.system, &measuring.owner).await
    })
}

/// When a sandbox ends: its data indexes and last load's description
/// (its records are keys in its namespace, which the console's cleanup removes).
pub fn on_sandbox_end() -> crate::sandbox::ended::Cleanup {
    crate::sandbox::ended::cleanup(|mut ended| async move {
        let (system, owner) = (&mut ended.access.system, &ended.owner);
        let values = layout::category_values(system, owner).await?;
        let mut keys = layout::bookkeeping_keys(owner, &values);
        let results: Vec<String> =
            redis::cmd("ZRANGE").arg(owner.key("results")).arg(0).arg(-1).query_async(system).await?;
        keys.extend(results.iter().flat_map(|result| layout::result_keys(result)));
        crate::sandbox::ended::unlink(system, &keys).await
    })
}
