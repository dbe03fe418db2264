//! Reading the student's current landings out of Redis, fast.
//!
//! **The hashes themselves.** A student's records may come from Bolide's
//! loader, from their own script, or from `HSET`s in the console, so the
//! analyses read the `meteorite:*` hashes, never Bolide's browse indexes
//! (which only a load through Bolide keeps up to date).
//!
//! **How.** `SCAN … MATCH meteorite:* COUNT 5000` walks the keys without
//! blocking Redis for long (a `KEYS` over a big database would stop every
//! other client while it runs), and for each batch of keys one pipelined
//! request of `HMGET key <field>…` fetches only the fields the analysis and
//! the filters need — for `count_per_class`, just `recclass`, with `HGET`
//! (one field: a bare reply instead of a one-element array, half the
//! parsing). `SCAN`'s own `TYPE hash` filter is not used: it costs Redis one
//! more lookup per key, while an `HMGET` on a key that is not a hash answers
//! `WRONGTYPE` for that key alone, which is skipped — the same records, for
//! less.
//!
//! **Nobody waits.** A scanner task walks the keys and sends each batch's
//! request at once, in a task of its own on a clone of the multiplexed
//! connection, then goes on scanning; the caller's task decodes replies as
//! they come. So Redis always has the next batch queued while the worker
//! parses the last one, and the two cores work at the same time. A bounded
//! channel of [`MAX_IN_FLIGHT`] batches keeps the scanner from running
//! ahead, so memory stays bounded on a million records. Replies are decoded
//! into borrowed [`RecordView`]s, with no allocation per value. If the job
//! is cancelled (its future dropped) or fails, the tasks are aborted.
//!
//! **A database that changes meanwhile.** `SCAN` may return a key twice
//! (when Redis resizes its table mid-scan), so keys are de-duplicated. A
//! key deleted between `SCAN` and `HMGET` answers nothing but nils, which a
//! hash lacking every requested field does too: such records are checked
//! with `EXISTS` at the end (rare, so it costs nothing in the usual case)
//! and skipped if gone. A key of another type (a string the student named
//! `meteorite:notes`, or a record replaced meanwhile) answers `WRONGTYPE`
//! for its own `HMGET` only (the pipeline ignores per-command errors) and is
//! skipped.
//!
//! **Only the sandbox's keys.** In shared mode the walk is `ZSCAN` of the
//! sandbox's key index (`crate::sandbox::key_index`) with the same
//! `MATCH`, not `SCAN` of database 0, which would visit every other
//! sandbox's keys too: a job costs O(its owner's keys). Index members whose
//! key is gone answer nils and are skipped as keys deleted mid-scan are.
//!
//! **Progress.** `SCAN`'s (and `ZSCAN`'s) cursor walks the hash table in reverse-binary
//! order, so the cursor's bits, reversed, are the fraction of the table
//! already visited: a progress estimate for free, without counting keys
//! first (a `DBSIZE` would count other sessions' keys too in shared mode).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use redis::aio::ConnectionLike;
use redis::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinHandle};

use super::record::{Field, RecordView};
use super::AnalysisError;
use crate::sandbox::key_index::KeyIndex;
use crate::sandbox::Owner;

/// `SCAN`'s `COUNT` hint: hash-table buckets visited per call (about as
/// many keys come back when the database holds mostly landings).
const SCAN_COUNT: usize = 5_000;
/// `HMGET`s (or `HGET`s) per pipelined request.
const BATCH: usize = 1_000;
/// Requests sent and not yet decoded.
const MAX_IN_FLIGHT: usize = 8;
/// `EXISTS` keys per request when checking nil-only records.
const EXISTS_BATCH: usize = 1_000;

/// A connection the reads can clone and hand to tasks of their own.
pub trait Connection: ConnectionLike + Clone + Send + Sync + 'static {}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> Connection for C {}

/// One pipeline's keys and replies, and how far the scan was when it was
/// sent.
struct Batch {
    keys: Vec<Vec<u8>>,
    replies: Vec<Value>,
    percent: u8,
}

/// Calls `visit` once for every `meteorite:*` hash in `scope` (in database
/// 0, which `data` is connected to) with the values of `fields`, and
/// reports progress 0–100 on `progress` as batches are read. Keys of other
/// types are skipped.
///
/// `data` is any multiplexed connection (cloned for the concurrent
/// requests): the worker's `redis_conn::Connection`, or the record cache's
/// tracking connection, whose reads must go over that very connection.
pub async fn for_each_record<C: Connection>(
    data: &mut C,
    scope: &Owner,
    fields: &[Field],
    progress: &watch::Sender<u8>,
    mut visit: impl FnMut(&RecordView<'_>),
) -> Result<(), AnalysisError> {
    for_each_record_by_id(data, scope, fields, progress, |_, record| visit(record)).await
}

/// [`for_each_record`], also passing each record's id exactly as its key
/// spells it (bytes, not the lossy text of [`RecordView::id`]): what the
/// record cache files records under.
pub async fn for_each_record_by_id<C: Connection>(
    data: &mut C,
    scope: &Owner,
    fields: &[Field],
    progress: &watch::Sender<u8>,
    mut visit: impl FnMut(&[u8], &RecordView<'_>),
) -> Result<(), AnalysisError> {
    let fields: Arc<[Field]> = fields.into();
    let mut decoder = Decoder::new(scope.record_key("").len(), fields.clone());
    // The scanner sends requests ahead while this task decodes replies;
    // the channel's bound is how far ahead it may get.
    let (sender, mut fetched) = mpsc::channel(MAX_IN_FLIGHT);
    let index = KeyIndex::of(scope).map(|index| index.key().to_vec());
    let scanner = Task(tokio::spawn(scan(data.clone(), index, scope.record_pattern(), fields, sender)));
    while let Some(batch) = fetched.recv().await {
        decoder.decode(batch.await??, progress, &mut visit);
    }
    // The channel closed: the scan is over, or it failed.
    scanner.await??;
    decoder.visit_fieldless_that_exist(data, &mut visit).await?;
    report(progress, 100);
    Ok(())
}

/// Walks the keys with `SCAN` (in shared mode `ZSCAN` of the sandbox's
/// key index, which lists only its keys: see [`KeyIndex`]) and sends out
/// one `fetch` per batch of keys, in order, without waiting for their
/// replies. An index member whose key is gone answers nils, as a key
/// deleted mid-scan does, and is skipped the same way.
async fn scan<C: Connection>(
    mut conn: C,
    index: Option<Vec<u8>>,
    pattern: String,
    fields: Arc<[Field]>,
    fetches: mpsc::Sender<Task<redis::RedisResult<Batch>>>,
) -> redis::RedisResult<()> {
    let mut cursor: u64 = 0;
    loop {
        let mut walk = match &index {
            None => redis::cmd("SCAN"),
            Some(index) => redis::cmd("ZSCAN").arg(index).clone(),
        };
        walk.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_COUNT);
        let (next, mut keys): (u64, Vec<Vec<u8>>) = walk.query_async(&mut conn).await?;
        if index.is_some() {
            // Members and scores alternate: keep the members.
            keys = keys.into_iter().step_by(2).collect();
        }
        let percent = scanned_percent(next);
        let mut keys = keys.into_iter();
        loop {
            let batch: Vec<Vec<u8>> = keys.by_ref().take(BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let fetch = Task(tokio::spawn(fetch(conn.clone(), batch, fields.clone(), percent)));
            if fetches.send(fetch).await.is_err() {
                return Ok(()); // the reader stopped (it failed, or was cancelled)
            }
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// A spawned task, aborted if dropped before it ends: when a job is
/// cancelled (its future dropped) or fails, its reads stop at once.
struct Task<T>(JoinHandle<T>);

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends one pipeline of `HMGET key <fields>…` (`HGET key <field>` for one
/// field) for `keys`.
async fn fetch<C: Connection>(
    mut conn: C,
    keys: Vec<Vec<u8>>,
    fields: Arc<[Field]>,
    percent: u8,
) -> redis::RedisResult<Batch> {
    let mut pipe = redis::pipe();
    // A key that is no longer a hash fails alone, not the whole batch.
    pipe.ignore_errors();
    // One field: `HGET`, whose bare reply is half the parsing of `HMGET`'s
    // one-element array.
    let command = if fields.len() == 1 { "HGET" } else { "HMGET" };
    for key in &keys {
        let get = pipe.cmd(command).arg(key);
        for field in fields.iter() {
            get.arg(field.name());
        }
    }
    let replies: Vec<Value> = pipe.query_async(&mut conn).await?;
    Ok(Batch { keys, replies, percent })
}

/// Turns replies into records, once each.
struct Decoder {
    /// Length of the key prefix before the id (`meteorite:`, or the
    /// session's namespace and `meteorite:`).
    prefix_len: usize,
    fields: Arc<[Field]>,
    /// Keys already visited (`SCAN` may repeat one). A map for its entry
    /// API: one hash per key to both check and remember it.
    seen: HashMap<Vec<u8>, ()>,
    /// Keys whose every field came back nil: deleted meanwhile, or a hash
    /// without any of the fields; told apart at the end.
    fieldless: Vec<Vec<u8>>,
}

impl Decoder {
    fn new(prefix_len: usize, fields: Arc<[Field]>) -> Decoder {
        Decoder { prefix_len, fields, seen: HashMap::new(), fieldless: Vec::new() }
    }

    fn decode(
        &mut self,
        batch: Batch,
        progress: &watch::Sender<u8>,
        visit: &mut impl FnMut(&[u8], &RecordView<'_>),
    ) {
        for (key, reply) in batch.keys.into_iter().zip(batch.replies) {
            let values = match &reply {
                Value::Array(values) => values.as_slice(),
                Value::Nil | Value::BulkString(_) if self.fields.len() == 1 => std::slice::from_ref(&reply),
                // An error reply: not a hash (any more).
                _ => continue,
            };
            let Entry::Vacant(unseen) = self.seen.entry(key) else { continue };
            if values.iter().all(|value| matches!(value, Value::Nil)) {
                self.fieldless.push(unseen.key().clone());
            } else {
                let id = unseen.key().get(self.prefix_len..).unwrap_or_default();
                let mut record = RecordView::new(id);
                for (field, value) in self.fields.iter().zip(values) {
                    if let Value::BulkString(bytes) = value {
                        record.set(*field, Some(bytes));
                    }
                }
                visit(id, &record);
            }
            unseen.insert(());
        }
        report(progress, batch.percent.min(99));
    }

    /// Visits the nil-only records that still exist (as records without
    /// any of the requested fields).
    async fn visit_fieldless_that_exist<C: Connection>(
        &mut self,
        data: &mut C,
        visit: &mut impl FnMut(&[u8], &RecordView<'_>),
    ) -> Result<(), AnalysisError> {
        for keys in self.fieldless.chunks(EXISTS_BATCH) {
            let mut pipe = redis::pipe();
            for key in keys {
                pipe.cmd("EXISTS").arg(key);
            }
            let exists: Vec<bool> = pipe.query_async(data).await?;
            for (key, _) in keys.iter().zip(exists).filter(|(_, exists)| *exists) {
                let id = key.get(self.prefix_len..).unwrap_or_default();
                visit(id, &RecordView::new(id));
            }
        }
        Ok(())
    }
}

/// How much of the keyspace a `SCAN` returning cursor `next` has visited,
/// in percent (0 means the scan is complete).
fn scanned_percent(next: u64) -> u8 {
    if next == 0 {
        return 100;
    }
    // The cursor's bits reversed, over 2^64: the fraction of buckets done.
    let fraction = next.reverse_bits() as f64 / 18_446_744_073_709_551_616.0;
    (fraction * 100.0).floor().clamp(0.0, 99.0) as u8
}

/// Publishes `percent` if it is more than what was reported so far
/// (progress never goes backwards; nobody listening is fine).
pub(super) fn report(progress: &watch::Sender<u8>, percent: u8) {
    progress.send_if_modified(|current| {
        let advanced = percent > *current;
        if advanced {
            *current = percent;
        }
        advanced
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn cursors_map_to_the_fraction_of_the_table_visited() {
        assert_eq!(scanned_percent(0), 100);
        // In a table of 8 buckets, cursor 0b001 (reversed 0b100) is half way.
        assert_eq!(scanned_percent(0b001), 50);
        assert_eq!(scanned_percent(0b011), 75);
        assert_eq!(scanned_percent(0b100), 12);
        assert_eq!(scanned_percent(u64::MAX), 99);
    }

    #[test]
    fn decoding_skips_repeats_and_errors_and_sets_nil_only_records_aside() {
        let fields: Arc<[Field]> = [Field::Class, Field::Mass].into();
        let mut decoder = Decoder::new("meteorite:".len(), fields);
        let (progress, watcher) = watch::channel(0u8);
        let mut visited = Vec::new();
        let batch = Batch {
            keys: ["meteorite:1", "meteorite:2", "meteorite:1", "meteorite:3", "meteorite:4"]
                .map(|k| k.as_bytes().to_vec())
                .to_vec(),
            replies: vec![
                Value::Array(vec![bulk("L6"), bulk("21")]),
                Value::Array(vec![Value::Nil, bulk("0")]),
                Value::Array(vec![bulk("H5"), bulk("1")]),
                Value::Array(vec![Value::Nil, Value::Nil]),
                Value::Okay,
            ],
            percent: 40,
        };
        decoder.decode(batch, &progress, &mut |_: &[u8], record: &RecordView<'_>| {
            visited.push((record.id().into_owned(), record.text(Field::Class).map(|c| c.into_owned())));
        });
        assert_eq!(visited, [("1".to_string(), Some("L6".to_string())), ("2".to_string(), None)]);
        assert_eq!(decoder.fieldless, [b"meteorite:3".to_vec()]);
        assert_eq!(*watcher.borrow(), 40);

        // Progress never goes back, and stops short of 100 until the end.
        report(&progress, 20);
        assert_eq!(*watcher.borrow(), 40);
        let last = Batch { keys: Vec::new(), replies: Vec::new(), percent: 100 };
        decoder.decode(last, &progress, &mut |_: &[u8], _: &RecordView<'_>| {});
        assert_eq!(*watcher.borrow(), 99);
    }

    #[test]
    fn one_field_replies_are_bare_values() {
        let mut decoder = Decoder::new("{s:ab}:meteorite:".len(), [Field::Class].into());
        let (progress, _watcher) = watch::channel(0u8);
        let mut visited = Vec::new();
        let batch = Batch {
            keys: ["{s:ab}:meteorite:1", "{s:ab}:meteorite:2", "{s:ab}:meteorite:3"]
                .map(|k| k.as_bytes().to_vec())
                .to_vec(),
            replies: vec![bulk("L6"), Value::Nil, Value::Okay],
            percent: 10,
        };
        decoder.decode(batch, &progress, &mut |_: &[u8], record: &RecordView<'_>| {
            visited.push((record.id().into_owned(), record.text(Field::Class).map(|c| c.into_owned())));
        });
        assert_eq!(visited, [("1".to_string(), Some("L6".to_string()))]);
        assert_eq!(decoder.fieldless, [b"{s:ab}:meteorite:2".to_vec()]);
    }

    #[tokio::test]
    async fn a_key_of_another_type_fails_alone() {
        use redis::aio::ConnectionManager;
        let redis = bolide_tests::RedisServer::start();
        let client = redis::Client::open(redis.url()).expect("url");
        let mut conn = ConnectionManager::new(client).await.expect("connect");
        let _: () = redis::pipe()
            .cmd("HSET")
            .arg("meteorite:1")
            .arg("recclass")
            .arg("L6")
            .ignore()
            .cmd("SET")
            .arg("meteorite:2")
            .arg("not a hash")
            .ignore()
            .query_async(&mut conn)
            .await
            .expect("setup");
        let keys = ["meteorite:1", "meteorite:2", "meteorite:3"].map(|k| k.as_bytes().to_vec()).to_vec();
        let batch = fetch(conn.clone(), keys.clone(), [Field::Class].into(), 0).await.expect("read");
        assert_eq!(batch.replies.len(), 3);
        assert_eq!(batch.replies[0], bulk("L6"));
        assert!(matches!(batch.replies[1], Value::ServerError(_)), "{:?}", batch.replies[1]);
        assert_eq!(batch.replies[2], Value::Nil);
        let batch = fetch(conn, keys, [Field::Class, Field::Mass].into(), 0).await.expect("read");
        assert_eq!(batch.replies[0], Value::Array(vec![bulk("L6"), Value::Nil]));
        assert!(matches!(batch.replies[1], Value::ServerError(_)), "{:?}", batch.replies[1]);
        assert_eq!(batch.replies[2], Value::Array(vec![Value::Nil, Value::Nil]));
    }
}
