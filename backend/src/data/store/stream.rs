//! A load's transaction as one stream of Redis commands, written while it
//! is still being produced ([`super::load`] says what goes in it).
//!
//! **Raw RESP, not `redis::Cmd`.** NASA's file is 45,716 `HSET`s of about
//! 22 arguments each: building a `redis::Cmd` per landing, then a pipeline
//! of them, then packing that, copied every value twice and cost about as
//! long as parsing the file. [`Resp`] writes each command's bytes straight
//! from the landings' strings into the buffer that is sent.
//!
//! **One writer thread, fed in parts.** The producer (the parser, or a
//! dataset's encoder) hands [`Part`]s over a channel as it makes them; the
//! writer sends each at once on a connection of its own (a blocking one: it
//! only ever waits for the socket), so Redis reads and queues the first
//! landings while the rest of the file is still being read. Replies are
//! read only after the last part is sent. That cannot deadlock: Redis keeps
//! reading a client's commands however many replies wait for it (a few
//! hundred kilobytes of `+QUEUED` here), and nothing runs before `EXEC`.
//!
//! **Nothing happens before `EXEC`.** The stream opens with `MULTI`, so
//! every command is only queued. The producer ends it with a
//! [`Part::Commit`] (its last commands); a producer that stops without one
//! (the file turned out bad) gets a `DISCARD`, and a writer that fails
//! (Redis went away) drops the connection, which discards the transaction
//! too. A command Redis refuses while queueing (out of memory) makes `EXEC`
//! abort the whole transaction; it is reported as the refusal.
//!
//! **A stalled Redis ends a load within seconds.** Redis stopped
//! (`SIGSTOP`), or too slow to read what is sent, would hold a load for as
//! long as it stalls. So every write, and every reply before `EXEC`, may
//! take at most the `stall` timeout (a few seconds): the writer then gives
//! up and drops its connection, and Redis, when it resumes, reads a
//! `MULTI` without `EXEC` from a closed connection and discards it —
//! nothing was changed, and the load says so. `EXEC` is sent only once
//! Redis has answered every queued command, so a Redis that stalls before
//! it never commits a load that answered an error. Only `EXEC` itself may
//! take longer ([`exec_timeout`]: Redis runs the whole transaction before
//! it answers, seconds for a million records); a Redis that stalls right
//! then may still commit after the load gave up, and the error says so.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use redis::Value;

use crate::data::Landing;
use crate::error::AppError;
use crate::sandbox::clock::now_ms;
use crate::sandbox::key_index::KeyIndex;

/// A producer's part of the stream.
pub enum Part {
    /// Commands to queue; more follow.
    Queue(Resp),
    /// The last commands to queue; the writer then sends `EXEC`.
    Commit(Resp),
}

/// How long `EXEC` of `commands` queued commands may take to answer: Redis
/// runs them all first (about 3 µs each for a load's `HSET`s, 10 allowed).
pub fn exec_timeout(commands: usize) -> Duration {
    Duration::from_secs(10)
        + Duration::from_micros(10).saturating_mul(u32::try_from(commands).unwrap_or(u32::MAX))
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `EXEC` ran the transaction.
    Committed,
    /// The producer stopped without committing: `DISCARD`ed, nothing ran.
    Discarded,
}

/// Commands in Redis's wire format (RESP arrays of bulk strings), and how
/// many there are (each has one reply).
#[derive(Debug, Default)]
pub struct Resp {
    pub bytes: Vec<u8>,
    pub commands: usize,
}

impl Resp {
    pub fn with_capacity(bytes: usize) -> Self {
        Resp { bytes: Vec::with_capacity(bytes), commands: 0 }
    }

    /// Starts a command of `args` arguments (its name included); exactly
    /// that many [`Resp::arg`] or [`Resp::key`] calls must follow.
    pub fn command(&mut self, args: usize) {
        self.commands += 1;
        self.bytes.push(b'*');
        push_decimal(&mut self.bytes, args);
        self.bytes.extend_from_slice(b"\r\n");
    }

    pub fn arg(&mut self, arg: &[u8]) {
        self.length(arg.len());
        self.bytes.extend_from_slice(arg);
        self.bytes.extend_from_slice(b"\r\n");
    }

    /// One argument made of `prefix` and `id` (a record's key), without
    /// making the key as a `String` first.
    pub fn key(&mut self, prefix: &[u8], id: &[u8]) {
        self.length(prefix.len() + id.len());
        self.bytes.extend_from_slice(prefix);
        self.bytes.extend_from_slice(id);
        self.bytes.extend_from_slice(b"\r\n");
    }

    /// A command made by the `redis` crate (the few hundred index commands).
    pub fn packed(&mut self, cmd: &redis::Cmd) {
        self.commands += 1;
        cmd.write_packed_command(&mut self.bytes);
    }

    /// `UNLINK` of the records of `ids`, `chunk` keys a command.
    pub fn unlink_records<'a>(
        &mut self,
        key_prefix: &str,
        ids: impl ExactSizeIterator<Item = &'a str> + Clone,
        chunk: usize,
    ) {
        let mut ids = ids.peekable();
        while ids.peek().is_some() {
            let count = ids.len().min(chunk);
            self.command(1 + count);
            self.arg(b"UNLINK");
            for id in ids.by_ref().take(count) {
                self.key(key_prefix.as_bytes(), id.as_bytes());
            }
        }
    }

    /// The commands writing `landings` as fresh records: `UNLINK` of their
    /// keys (so each record is exactly the file's, not merged into whatever
    /// a student made under its name), then one `HSET` per landing that has
    /// fields.
    pub fn records(&mut self, key_prefix: &str, landings: &[Landing]) {
        if landings.is_empty() {
            return;
        }
        self.bytes.reserve(32 + landings.iter().map(|l| record_bytes(key_prefix, l)).sum::<usize>());
        // In shared mode the records are announced in the sandbox's key
        // index, in the same transaction as their writes (see
        // `crate::sandbox::key_index`): a load's keys are listed and counted.
        if let Some(index) = KeyIndex::of_key(key_prefix.as_bytes()) {
            let now = now_ms().to_string();
            self.command(2 + 2 * landings.len());
            self.arg(b"ZADD");
            self.arg(index.key());
            for landing in landings {
                self.arg(now.as_bytes());
                self.key(key_prefix.as_bytes(), landing.id().as_bytes());
            }
        }
        self.command(1 + landings.len());
        self.arg(b"UNLINK");
        for landing in landings {
            self.key(key_prefix.as_bytes(), landing.id().as_bytes());
        }
        for landing in landings {
            if landing.fields.is_empty() {
                continue;
            }
            self.command(2 + 2 * landing.fields.len());
            self.arg(b"HSET");
            self.key(key_prefix.as_bytes(), landing.id().as_bytes());
            for (field, value) in &landing.fields {
                self.arg(field.as_bytes());
                self.arg(value.as_bytes());
            }
        }
    }

    fn length(&mut self, len: usize) {
        self.bytes.push(b'$');
        push_decimal(&mut self.bytes, len);
        self.bytes.extend_from_slice(b"\r\n");
    }
}

/// About how many bytes [`Resp::records`] writes for `landing` (at least as
/// many): each argument's text and at most 16 bytes of framing.
pub fn record_bytes(key_prefix: &str, landing: &Landing) -> usize {
    2 * (key_prefix.len() + 40) + landing.fields.iter().map(|(k, v)| k.len() + v.len() + 32).sum::<usize>()
}

/// `n` in decimal (the lengths in every command: `format!` would cost more
/// than the rest of the encoding).
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Opens a connection of the load's own to `url` (a database's URL), sends
/// `MULTI` and every part as it arrives, `DISCARD` if the producer stopped
/// without a [`Part::Commit`]; reads every reply so far, then sends `EXEC`
/// and reads its reply. Each write and each reply but `EXEC`'s may take
/// `stall` (see the module docs).
///
/// A command refused while queueing is answered as [`refused`] (409: the
/// transaction was aborted whole); an error from a command that `EXEC` ran
/// (which the load's own `UNLINK`s rule out) as an internal error.
pub fn write(url: &str, parts: Receiver<Part>, stall: Duration) -> Result<Outcome, AppError> {
    let stalled = stalled(stall);
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(crate::redis_conn::CONNECT_TIMEOUT).map_err(stalled)?;
    conn.set_write_timeout(Some(stall))?;
    conn.set_read_timeout(Some(stall))?;
    conn.send_packed_command(b"*1\r\n$5\r\nMULTI\r\n").map_err(stalled)?;
    let mut replies = 1;
    let mut committed = false;
    for part in parts {
        let (resp, last) = match part {
            Part::Queue(resp) => (resp, false),
            Part::Commit(resp) => (resp, true),
        };
        if resp.commands > 0 {
            conn.send_packed_command(&resp.bytes).map_err(stalled)?;
            replies += resp.commands;
        }
        if last {
            committed = true;
            break;
        }
    }
    if !committed {
        conn.send_packed_command(b"*1\r\n$7\r\nDISCARD\r\n").map_err(stalled)?;
    }
    // `+OK` for `MULTI`, `+QUEUED` or the refusal of each queued command.
    let mut refusal: Option<redis::RedisError> = None;
    for _ in 0..replies {
        if let Value::ServerError(err) = conn.recv_response().map_err(stalled)? {
            refusal.get_or_insert(err.into());
        }
    }
    if !committed {
        conn.recv_response().map_err(stalled)?;
        return Ok(Outcome::Discarded);
    }
    let exec_timeout = exec_timeout(replies);
    conn.set_read_timeout(Some(exec_timeout))?;
    conn.send_packed_command(b"*1\r\n$4\r\nEXEC\r\n").map_err(stalled)?;
    let last = conn.recv_response().map_err(|err| {
        if err.is_timeout() {
            AppError::RedisUnavailable(format!(
                "Redis did not answer the load's EXEC within {} s; it may still apply the load when it \
                 answers again: look at the dataset before loading again",
                exec_timeout.as_secs()
            ))
        } else {
            AppError::from(err)
        }
    })?;
    match last {
        Value::Array(results) => match results.into_iter().find_map(server_error) {
            Some(err) => {
                tracing::error!(%err, "a command of a load's transaction failed while it ran");
                Err(AppError::from(err))
            }
            None => Ok(Outcome::Committed),
        },
        // `EXECABORT`: the first refusal says why.
        Value::ServerError(err) => Err(refused(refusal.unwrap_or_else(|| err.into()))),
        other => Err(AppError::Internal(format!("unexpected answer to EXEC: {other:?}"))),
    }
}

/// A load's error for `err`, which says so when Redis did not answer
/// within `stall` before the transaction's `EXEC` (nothing changed then).
pub fn stalled(stall: Duration) -> impl Fn(redis::RedisError) -> AppError + Copy {
    move |err| {
        if err.is_timeout() {
            AppError::RedisUnavailable(format!(
                "Redis stopped answering during the load (nothing for {} s); nothing was changed",
                stall.as_secs_f64()
            ))
        } else {
            AppError::from(err)
        }
    }
}

fn server_error(value: Value) -> Option<redis::RedisError> {
    match value {
        Value::ServerError(err) => Some(err.into()),
        _ => None,
    }
}

/// Redis's refusal of a load, for the student.
pub fn refused(err: redis::RedisError) -> AppError {
    match err.code() {
        Some(code) => AppError::Conflict(format!(
            "Redis refused the load ({code} {}); nothing was changed",
            err.detail().unwrap_or_default()
        )),
        None => AppError::from(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_packed_as_the_redis_crate_packs_them() {
        let landings =
            [Landing::of_pairs(&[("id", "7"), ("name", "Aïr"), ("mass (g)", "")]), Landing::of_pairs(&[])];
        let mut resp = Resp::default();
        resp.records("meteorite:", &landings);
        let mut expected = redis::cmd("UNLINK");
        expected.arg("meteorite:7").arg("meteorite:");
        let mut hset = redis::cmd("HSET");
        hset.arg("meteorite:7").arg("id").arg("7").arg("name").arg("Aïr").arg("mass (g)").arg("");
        let mut want = expected.get_packed_command();
        want.extend(hset.get_packed_command());
        assert_eq!(String::from_utf8_lossy(&resp.bytes), String::from_utf8_lossy(&want));
        assert_eq!(resp.commands, 2, "a landing without fields gets no HSET");
    }

    #[test]
    fn a_sandbox_s_records_are_announced_in_its_key_index_first() {
        let landings = [Landing::of_pairs(&[("id", "7"), ("name", "Aïr")])];
        let mut resp = Resp::default();
        resp.records("{s:ab}:meteorite:", &landings);
        assert_eq!(resp.commands, 3, "ZADD, UNLINK, HSET");
        let text = String::from_utf8_lossy(&resp.bytes);
        let zadd = text.find("ZADD\r\n$11\r\n{s:ab}!keys\r\n").expect("the index entry");
        assert!(zadd < text.find("UNLINK").expect("the unlink"), "{text}");
        assert!(text[..text.find("UNLINK").expect("unlink")].contains("{s:ab}:meteorite:7"), "{text}");
    }

    #[test]
    fn unlinks_come_in_chunks() {
        let ids: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let mut resp = Resp::default();
        resp.unlink_records("meteorite:", ids.iter().map(String::as_str), 2);
        assert_eq!(resp.commands, 3);
        let mut want = Vec::new();
        for chunk in ids.chunks(2) {
            let mut cmd = redis::cmd("UNLINK");
            for id in chunk {
                cmd.arg(format!("meteorite:{id}"));
            }
            want.extend(cmd.get_packed_command());
        }
        assert_eq!(resp.bytes, want);
        let mut none = Resp::default();
        none.unlink_records("meteorite:", std::iter::empty(), 2);
        assert_eq!((none.commands, none.bytes.len()), (0, 0));
    }

    #[test]
    fn decimals() {
        for n in [0, 7, 10, 99, 12345, usize::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
