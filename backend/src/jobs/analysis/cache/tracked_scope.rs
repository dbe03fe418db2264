//! One scope's cached records and the tracking connection that keeps them
//! honest.
//!
//! [`TrackedScope::open`] connects (RESP3, database 0, a push handler
//! feeding [`Invalidations`]) and turns on
//! `CLIENT TRACKING ON BCAST PREFIX <the scope's meteorite: prefix>` before
//! reading anything, so that no write after a read can go unreported.
//! [`TrackedScope::load`] then reads the records whole over that same
//! connection, and [`TrackedScope::refresh`] brings them up to date before
//! each job: a `PING` barrier, then a re-read of exactly the keys Redis
//! said changed. See [`super`] for why this is correct.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Value};
use tokio::sync::watch;

use super::super::read;
use super::super::record::{Field, RecordView};
use super::super::AnalysisError;
use super::invalidations::{Invalidations, Pending};
use super::stored_record::{StoredRecord, ALL_FIELDS};
use crate::sandbox::Owner;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one request may wait for its reply (a pipeline of a thousand
/// `HMGET`s included) before the connection is given up on.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Keys re-read per pipelined request.
const REREAD_BATCH: usize = 1_000;

/// Why a scope's cache cannot be used any more (it is dropped and read
/// again whole).
#[derive(Debug)]
pub(super) enum Stale {
    /// Redis said anything may have changed (a flush, too many changes).
    Changed(&'static str),
    /// The tracking connection failed: invalidations may have been missed.
    Redis(redis::RedisError),
    /// A value too large to store.
    Unstorable,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::Changed(reason) => f.write_str(reason),
            Stale::Redis(err) => write!(f, "the tracking connection failed: {err}"),
            Stale::Unstorable => f.write_str("a value too large to cache"),
        }
    }
}

/// A scope's records, by id, kept up to date through one tracking
/// connection.
pub(super) struct TrackedScope {
    conn: MultiplexedConnection,
    invalidations: Arc<Invalidations>,
    /// `meteorite:` in the scope's keyspace: the tracked prefix, and what
    /// is cut off a key to get the record's id.
    key_prefix: String,
    records: HashMap<Box<[u8]>, StoredRecord>,
    /// Keys reported changed and not yet read again. Kept here, not in a
    /// local, so that a job cancelled mid-refresh (its task aborted at an
    /// `.await`) leaves them for the next job instead of losing them.
    unapplied: Vec<Vec<u8>>,
}

impl TrackedScope {
    /// Connects to `client` (RESP3, database 0) and asks Redis to report
    /// every change to `scope`'s record keys on that connection. Holds no
    /// records yet.
    pub(super) async fn open(client: &redis::Client, scope: &Owner) -> redis::RedisResult<TrackedScope> {
        let invalidations = Invalidations::new();
        let sink = invalidations.clone();
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_push_sender(move |push| {
                sink.receive(push);
                Ok::<(), Infallible>(())
            });
        let mut conn = client.get_multiplexed_async_connection_with_config(&config).await?;
        let key_prefix = scope.record_key("");
        // BCAST: every key under the prefix is reported, read or not — new
        // records and deleted ones included — so the cache can never miss a
        // key it did not know of.
        let () = redis::cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .arg("BCAST")
            .arg("PREFIX")
            .arg(&key_prefix)
            .query_async(&mut conn)
            .await?;
        Ok(TrackedScope { conn, invalidations, key_prefix, records: HashMap::new(), unapplied: Vec::new() })
    }

    /// Reads every record of `scope` over the tracking connection and
    /// keeps it, passing each to `visit` as well (with `fields` only, as the
    /// streaming reader would), so the job that pays for the cold read gets
    /// its result from it. Returns whether the records fit in `budget`; if
    /// not, none are kept (but every one was visited).
    pub(super) async fn load(
        &mut self,
        scope: &Owner,
        fields: &[Field],
        progress: &watch::Sender<u8>,
        budget: usize,
        visit: &mut impl FnMut(&RecordView<'_>),
    ) -> Result<bool, AnalysisError> {
        let TrackedScope { conn, records, .. } = self;
        let mut fits = true;
        read::for_each_record_by_id(conn, scope, &ALL_FIELDS, progress, |id, record| {
            let mut narrow = RecordView::new(id);
            for field in fields {
                narrow.set(*field, record.raw(*field));
            }
            visit(&narrow);
            if !fits {
                return;
            }
            match StoredRecord::copy(record) {
                Some(stored) if records.len() < budget => {
                    records.insert(id.into(), stored);
                }
                // Over budget (or a value of gigabytes): keep nothing, but
                // go on visiting — the job still gets its result.
                _ => {
                    fits = false;
                    *records = HashMap::new();
                }
            }
        })
        .await?;
        Ok(fits)
    }

    /// Brings the records up to date with every write Redis had completed
    /// when this was called. An error means the cache cannot be trusted
    /// and must be dropped.
    pub(super) async fn refresh(&mut self) -> Result<(), Stale> {
        // The barrier: Redis queues an invalidation on this connection no
        // later than the end of the event-loop turn that made the change, so
        // the PING's reply comes after every invalidation of every write
        // completed before it was sent — and the connection's reader has
        // handed them all to `invalidations` before completing the reply.
        let () = redis::cmd("PING").query_async(&mut self.conn).await.map_err(Stale::Redis)?;
        match self.invalidations.take() {
            Pending::Everything(reason) => Err(Stale::Changed(reason)),
            Pending::Keys(keys) => {
                let prefix = self.key_prefix.as_bytes();
                self.unapplied.extend(keys.into_iter().filter(|key| key.starts_with(prefix)));
                // A batch's keys leave `unapplied` only once its replies are
                // applied (synchronously, after the last `.await`), so a
                // cancellation at any point loses none of them.
                while !self.unapplied.is_empty() {
                    let start = self.unapplied.len().saturating_sub(REREAD_BATCH);
                    let batch = self.unapplied[start..].to_vec();
                    self.reread(&batch).await?;
                    self.unapplied.truncate(start);
                }
                Ok(())
            }
        }
    }

    /// Reads `keys` again: a hash is stored (anew), anything else — a key
    /// deleted, expired, or now of another type — is removed.
    async fn reread(&mut self, keys: &[Vec<u8>]) -> Result<(), Stale> {
        let mut pipe = redis::pipe();
        // A key that is no longer a hash fails alone, not the whole batch.
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("EXISTS").arg(key);
            let hmget = pipe.cmd("HMGET").arg(key);
            for field in ALL_FIELDS {
                hmget.arg(field.name());
            }
        }
        let replies: Vec<Value> = pipe.query_async(&mut self.conn).await.map_err(Stale::Redis)?;
        if replies.len() != keys.len() * 2 {
            return Err(Stale::Changed("a pipeline answered with the wrong number of replies"));
        }
        for (key, replies) in keys.iter().zip(replies.chunks_exact(2)) {
            let id = key.get(self.key_prefix.len()..).unwrap_or_default();
            match replies {
                [exists, Value::Array(values)]
                    if *exists == Value::Int(1) || values.iter().any(|value| *value != Value::Nil) =>
                {
                    let mut view = RecordView::new(id);
                    for (field, value) in ALL_FIELDS.iter().zip(values) {
                        if let Value::BulkString(bytes) = value {
                            view.set(*field, Some(bytes));
                        }
                    }
                    let stored = StoredRecord::copy(&view).ok_or(Stale::Unstorable)?;
                    self.records.insert(id.into(), stored);
                }
                _ => {
                    self.records.remove(id);
                }
            }
        }
        Ok(())
    }

    /// Calls `visit` for every record, with the values of `fields` only.
    pub(super) fn for_each(&self, fields: &[Field], visit: &mut impl FnMut(&RecordView<'_>)) {
        for (id, record) in &self.records {
            visit(&record.view(id, fields));
        }
    }

    /// How many records are cached.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }
}
