//! A sandbox's memory quota as a feature that writes for it sees it (the
//! data API's loads, generator and record edits): how much room is left,
//! and a reservation of a write's estimated bytes before it runs.
//!
//! The console and the gateway reserve what their writes may add in the
//! same count ([`super::headroom`]): one count per sandbox (`used` in its
//! record), which a measurement sets again from what the sandbox holds
//! (housekeeping's, about once a minute, or one on demand when the room
//! runs out), and which every reservation checks and adds to at once, so
//! concurrent writes of one sandbox (a load and a console line, two
//! browsers) cannot all take the same room. A load's reservation is held
//! in the record while it runs ([`super::headroom::Headroom::hold`]), so a
//! measurement meanwhile does not forget it. The quota itself is the console's `max_session_bytes` (64 MiB
//! on a shared Bolide) and `max_session_keys` (100,000): one quota per
//! sandbox, whatever writes.
//!
//! A refusal is a `413` naming the limit, e.g. `this load needs ~72 MiB
//! but the sandbox has 60 MiB of its 64 MiB quota left`; the caller then
//! writes nothing.

use std::sync::{Arc, Mutex};

use super::headroom::Held;
use super::store::{SandboxId, SandboxStore, Session};
use crate::console::cost::Encodings;
use crate::error::AppError;

/// One sandbox's quota, read with its record by this request.
#[derive(Clone)]
pub struct Quota {
    store: SandboxStore,
    id: SandboxId,
    /// Bytes the sandbox may hold (never 0: no quota is no `Quota`).
    max_bytes: u64,
    /// Keys it may hold (0 = unlimited).
    max_keys: u64,
    /// The server's compact-encoding thresholds, by which a write's
    /// estimate prices a small hash (read at start: [`Encodings::read`]).
    encodings: Encodings,
    /// What it held when the request started ([`Session::used_bytes`]).
    used: u64,
    /// Housekeeping's verdict, when the sandbox is past a limit already.
    over: Option<String>,
    /// The reservations made, held in the record until the request (and
    /// the load it started) is done with its last clone of this quota.
    held: Arc<Mutex<Vec<Held>>>,
}

impl Quota {
    /// The quota of `session`'s sandbox, on the server of `encodings`;
    /// `None` when its bytes are unlimited (`max_bytes` 0: local mode).
    pub fn of(
        store: &SandboxStore,
        session: &Session,
        max_bytes: u64,
        max_keys: u64,
        encodings: Encodings,
    ) -> Option<Quota> {
        (max_bytes > 0).then(|| Quota {
            store: store.clone(),
            id: session.id.clone(),
            max_bytes,
            max_keys,
            encodings,
            used: session.used_bytes,
            over: session.over_quota.clone(),
            held: Default::default(),
        })
    }

    /// The whole quota, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The server's compact-encoding thresholds, for the estimates.
    pub fn encodings(&self) -> &Encodings {
        &self.encodings
    }

    /// Bytes left when the request started.
    pub fn left(&self) -> u64 {
        self.max_bytes.saturating_sub(self.used)
    }

    /// Reserves `bytes` (an estimate of what `what` — "this load", "this
    /// edit" — adds, `keys` keys at most in the end) in the sandbox's
    /// count, or refuses with a `413` naming the quota. A sandbox past a
    /// limit already (housekeeping's verdict) is refused any growth.
    pub async fn reserve(&self, what: &str, bytes: u64, keys: u64) -> Result<(), AppError> {
        if self.max_keys > 0 && keys > self.max_keys {
            return Err(AppError::PayloadTooLarge(format!(
                "{what} makes {keys} keys, but a sandbox holds at most {} keys",
                self.max_keys
            )));
        }
        if let Some(why) = &self.over {
            if bytes > 0 {
                return Err(AppError::PayloadTooLarge(format!(
                    "this sandbox is over its quota ({why}): delete keys (or the data set) to make room for {what}"
                )));
            }
        }
        if bytes == 0 {
            return Ok(());
        }
        let headroom = self.store.headroom();
        let mut result = headroom.hold(&self.id, bytes, self.max_bytes).await?;
        if result.is_err() && headroom.may_measure(&self.id).await? {
            // The count may only be stale (overwrites): measure, ask again.
            self.store.measure(&self.id, self.max_keys, self.max_bytes).await?;
            result = headroom.hold(&self.id, bytes, self.max_bytes).await?;
        }
        match result {
            Ok(held) => {
                self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(held);
                Ok(())
            }
            Err(used) => Err(AppError::PayloadTooLarge(refusal(what, bytes, self.max_bytes, used))),
        }
    }
}

/// `what needs ~N MiB but the sandbox has M MiB of its Q MiB quota left`.
pub fn refusal(what: &str, bytes: u64, quota: u64, used: u64) -> String {
    format!(
        "{what} needs ~{} but the sandbox has {} of its {} quota left; delete the data set or keys to make room \
         (deleted keys count at the next measurement)",
        mib(bytes),
        mib(quota.saturating_sub(used)),
        mib(quota)
    )
}

/// Bytes as MiB for messages, with a decimal below 10 MiB.
fn mib(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib < 10.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{mib:.0} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_need_and_the_room() {
        let text = refusal("this load", 72 << 20, 64 << 20, 4 << 20);
        assert!(
            text.starts_with("this load needs ~72 MiB but the sandbox has 60 MiB of its 64 MiB quota left")
        );
        assert!(refusal("this edit", 1 << 19, 64 << 20, 70 << 20)
            .contains("~0.5 MiB but the sandbox has 0.0 MiB"));
    }
}
