//! The browser's indexes follow what other clients write to database 0:
//! a local student's own script, or a hosted student's through the
//! gateway.
//!
//! **Why.** Exercise 1 asks for the landings to be loaded by a script of
//! the student's own (redis-py `HSET`s). On a laptop that script talks to
//! Redis directly, past Bolide, so the indexes in database 15 know nothing
//! of it; and a `FLUSHDB` or a restart without persistence empties
//! database 0 under indexes that still list every landing. The Data page
//! would say "0 of 0 landings" beside 45,716 hashes, or list 45,716
//! landings of which none is there. A student should not need to know that
//! a **Reindex** button exists.
//!
//! **How, cheaply.** `DBSIZE` costs Redis O(1). The indexes keep `seen`:
//! database 0's size when they were last found in step with it. Before a
//! page, Bolide reads `DBSIZE` and `seen` (one round trip each, side by
//! side); while they are equal nothing more happens. When they differ —
//! some client wrote or deleted a key — Bolide counts the `meteorite:*`
//! hashes (`SCAN … TYPE hash`: O(keys in database 0), once per change of
//! size, not per page) and rebuilds the indexes when the count is not the
//! number indexed ([`super::reindex`], the same rebuild as the button's).
//! `seen` becomes the size read *before* the count, so a write made during
//! it is looked at again on the next page.
//!
//! **What it does not see.** A change that keeps the size (a value edited
//! in place, one key deleted and another added): values show on the page
//! anyway, since records are read live; sort positions wait for a reindex
//! (the button stays).
//!
//! **Shared mode.** A sandbox's keys share database 0 with the whole
//! class's, so `DBSIZE` says nothing about them; the size watched is the
//! sandbox's key index's (`ZCARD`, O(1): see `crate::sandbox::key_index`),
//! which grows as soon as a writer announces a new key, and shrinks when
//! members whose key is gone are pruned. The hashes are then counted over
//! the index, O(the sandbox's own keys).

use redis::aio::ConnectionLike;

use super::{reindex, Owner, Readers};
use crate::error::AppError;
use crate::sandbox::key_index::KeyIndex;

/// What following the keyspace did before a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The indexes were in step (or could not be compared).
    InStep,
    /// The indexes were rebuilt from this many `meteorite:*` hashes.
    Reindexed(u64),
}

/// Brings the indexes of `scope` (local mode's) in step with database 0
/// when its size changed since they last were (see the module docs).
pub async fn follow(readers: &Readers, base_url: &str, scope: &Owner) -> Result<Followed, AppError> {
    let (mut data, mut system) = (readers.data.clone(), readers.system.clone());
    let seen_key = scope.key("seen");
    // Local mode: database 0's size. Shared mode: the sandbox's key index's
    // (which every writer, the student's script through the gateway
    // included, announces a key in first).
    let size_cmd = match KeyIndex::of(scope) {
        Some(index) => redis::cmd("ZCARD").arg(index.key()).clone(),
        None => redis::cmd("DBSIZE"),
    };
    let size = async { size_cmd.query_async::<u64>(&mut data).await };
    let indexed = async {
        redis::pipe()
            .cmd("GET")
            .arg(&seen_key)
            .cmd("LLEN")
            .arg(scope.key("ids"))
            .query_async(&mut system)
            .await
    };
    let (size, indexed) = tokio::join!(size, indexed);
    let size = size?;
    let (seen, indexed): (Option<u64>, u64) = match indexed {
        Ok(read) => read,
        // Indexes of an older layout (`ids` not a list): the page itself
        // answers how to mend them.
        Err(err) if err.to_string().contains("WRONGTYPE") => return Ok(Followed::InStep),
        Err(err) => return Err(err.into()),
    };
    if seen == Some(size) {
        return Ok(Followed::InStep);
    }
    let hashes = count_hashes(&mut data, scope).await?;
    let followed = if hashes == indexed {
        Followed::InStep
    } else {
        match reindex::reindex(base_url, scope).await {
            Ok(count) => Followed::Reindexed(count),
            // Another load or reindex is running: it is bringing the
            // indexes up to date; this page shows them as they are.
            Err(AppError::Conflict(_)) => return Ok(Followed::InStep),
            Err(err) => return Err(err),
        }
    };
    redis::cmd("SET").arg(&seen_key).arg(size).exec_async(&mut system).await?;
    Ok(followed)
}

/// The number of `meteorite:*` hashes of `scope` in database 0.
async fn count_hashes(conn: &mut impl ConnectionLike, scope: &Owner) -> Result<u64, AppError> {
    let mut keys = crate::sandbox::key_index::owner_keys(conn, scope, "meteorite:*", Some("hash")).await?;
    // SCAN may return a key twice (when Redis resizes its table meanwhile).
    keys.sort_unstable();
    keys.dedup();
    Ok(keys.len() as u64)
}
