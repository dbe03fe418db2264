//! What Redis said changed since the cache last looked: the invalidation
//! messages of one tracking connection, collected as they arrive.
//!
//! The connection's reader hands every push message to
//! [`Invalidations::receive`] synchronously, in the order the bytes came
//! off the socket, *before* it completes the reply that follows them. That
//! is what makes the `PING` barrier of [`super`] work: once a `PING`'s
//! reply is in hand, every invalidation Redis queued before it is in here.
//!
//! Memory stays bounded: past [`MAX_PENDING_KEYS`] changed keys (a reload
//! of the whole dataset while no job ran, say) the keys are forgotten and
//! the scope is simply marked stale — reading it again whole is then about
//! as cheap as re-reading each key, and the set cannot grow without limit
//! however much the student writes between two jobs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use redis::{PushInfo, PushKind, Value};

/// Changed keys remembered between two jobs before the scope is declared
/// stale instead.
pub(super) const MAX_PENDING_KEYS: usize = 100_000;

/// What changed since the last [`Invalidations::take`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Pending {
    /// These keys were written, deleted or expired (possibly none).
    Keys(HashSet<Vec<u8>>),
    /// Anything may have changed: the cache cannot be trusted. The reason
    /// is for the log.
    Everything(&'static str),
}

impl Default for Pending {
    fn default() -> Pending {
        Pending::Keys(HashSet::new())
    }
}

/// The invalidations received on one connection and not yet taken.
#[derive(Debug, Default)]
pub(super) struct Invalidations {
    pending: Mutex<Pending>,
}

impl Invalidations {
    pub(super) fn new() -> Arc<Invalidations> {
        Arc::new(Invalidations::default())
    }

    /// Takes one push message into account (called by the connection's
    /// reader, so it never blocks for long: one short lock).
    pub(super) fn receive(&self, push: PushInfo) {
        let mut pending = self.lock();
        match push.kind {
            PushKind::Invalidate => {
                for value in push.data {
                    match value {
                        // `invalidate` with a null: FLUSHDB or FLUSHALL.
                        Value::Nil => *pending = Pending::Everything("the database was flushed"),
                        Value::Array(keys) => {
                            for key in keys {
                                note(&mut pending, key);
                            }
                        }
                        other => note(&mut pending, other),
                    }
                }
            }
            // The connection is gone, and with it the tracking: whatever
            // changed from now on would go unreported.
            PushKind::Disconnection => *pending = Pending::Everything("the tracking connection was lost"),
            _ => {}
        }
    }

    /// What changed since the last call, leaving nothing pending.
    pub(super) fn take(&self) -> Pending {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding this lock cannot leave it half-updated in a
        // way that matters: at worst a key is missing, and a poisoned lock
        // is treated as "anything may have changed".
        self.pending.lock().unwrap_or_else(|poisoned| {
            let mut guard = poisoned.into_inner();
            *guard = Pending::Everything("a panic while noting an invalidation");
            guard
        })
    }
}

/// Adds one invalidated key, or gives up on keys when there are too many.
fn note(pending: &mut Pending, key: Value) {
    let Pending::Keys(keys) = pending else { return };
    match key {
        Value::BulkString(key) => {
            keys.insert(key);
        }
        Value::SimpleString(key) => {
            keys.insert(key.into_bytes());
        }
        // Not a key Redis would send: trust nothing rather than guess.
        _ => *pending = Pending::Everything("an invalidation message of an unknown shape"),
    }
    if matches!(pending, Pending::Keys(keys) if keys.len() > MAX_PENDING_KEYS) {
        *pending = Pending::Everything("too many changes since the last job");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalidate(data: Vec<Value>) -> PushInfo {
        PushInfo { kind: PushKind::Invalidate, data }
    }

    fn key(name: &str) -> Value {
        Value::BulkString(name.as_bytes().to_vec())
    }

    #[test]
    fn keys_accumulate_until_taken() {
        let invalidations = Invalidations::new();
        invalidations.receive(invalidate(vec![Value::Array(vec![key("meteorite:1"), key("meteorite:2")])]));
        invalidations.receive(invalidate(vec![Value::Array(vec![key("meteorite:1")])]));
        let expected: HashSet<Vec<u8>> = [b"meteorite:1".to_vec(), b"meteorite:2".to_vec()].into();
        assert_eq!(invalidations.take(), Pending::Keys(expected));
        assert_eq!(invalidations.take(), Pending::Keys(HashSet::new()));
    }

    #[test]
    fn a_flush_or_a_disconnection_invalidates_everything_until_taken() {
        let invalidations = Invalidations::new();
        invalidations.receive(invalidate(vec![Value::Nil]));
        invalidations.receive(invalidate(vec![Value::Array(vec![key("meteorite:1")])]));
        assert!(matches!(invalidations.take(), Pending::Everything(_)));
        invalidations.receive(PushInfo { kind: PushKind::Disconnection, data: Vec::new() });
        assert!(matches!(invalidations.take(), Pending::Everything(_)));
        // Messages that are not invalidations change nothing.
        invalidations.receive(PushInfo { kind: PushKind::Message, data: vec![key("channel")] });
        assert_eq!(invalidations.take(), Pending::Keys(HashSet::new()));
    }

    #[test]
    fn too_many_keys_turn_into_everything() {
        let invalidations = Invalidations::new();
        let keys: Vec<Value> = (0..=MAX_PENDING_KEYS).map(|i| key(&format!("meteorite:{i}"))).collect();
        invalidations.receive(invalidate(vec![Value::Array(keys)]));
        assert!(matches!(invalidations.take(), Pending::Everything(_)));
    }
}
