//! A costed read sent without waiting for its probe, in a form whose reply
//! cannot be larger than the bound: `GET key` as `GETRANGE key 0 <first>`
//! (at most one byte more than Bolide returns, [`FIRST_READ`] at most) and
//! `EXISTS key`.
//!
//! # Why
//! `GET` is costed by its string's `STRLEN`, measured before it runs
//! ([`super::needs`]): sent as it is, it would cost a round trip for the
//! probe and one more for the command — for a pipelined client
//! (`redis-benchmark -P 16`, a redis-py pipeline of reads) twice the round
//! trips of Redis itself. Sent bounded, the read needs no probe before it
//! and Bolide never holds more than `max_reply_bytes + 1` bytes of the
//! value: the verdict is taken from what `GETRANGE` read (the value as the
//! read saw it). Only a value past the bound is measured (`STRLEN`, one
//! more round trip), to say how long the refused or cut value is.
//!
//! `GETRANGE` answers `""` for a missing key as for an empty string; only
//! then is `EXISTS` asked, in one more pipeline for every such read of the
//! batch, to tell them apart (`GET` answers nil for the first). Asking it
//! beside every `GETRANGE` doubled what each `GET` cost Redis and the
//! client library (a pipelined `GET` stayed under 0.3 of Redis's own
//! throughput); a read of a missing key pays a round trip instead. Between
//! the two, another client of the same sandbox could create or delete
//! that very key; the answer is then the one `GET` would have given a
//! moment later or earlier, never a value the key did not hold, and never
//! a larger one than the bound.
//!
//! # A first read of 1 MiB at most
//! The gateway's bound is 8 MiB: read up to it, the refusal of a 64 MiB
//! value cost Bolide 8 MiB of it and the client library's buffers grown
//! to hold them (three such `GET`s took Bolide's peak RSS up 40–70 MiB,
//! `attack.rs`). So the first read stops at [`FIRST_READ`]; a value past
//! it is measured, and read whole ([`BoundedRead::whole`], up to the bound)
//! only if it is let through (within the bound, or cut by the console):
//! a value past the bound costs Bolide at most 1 MiB, one within it what
//! it must return.

use bolide_shared::cli::Reply;
use bolide_shared::commands::CommandSpec;
use redis::Value;

use super::{bounded, family, Family, Limits, Measured, OneSize, Probe, Sizes};

/// A read sent bounded (see the module docs). It reads the key of the
/// arguments it was made for (`args[1]` of `GET key`), handed to each of
/// its methods: not a copy of its own (one per `GET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundedRead {
    /// Bytes Bolide returns at most.
    max: u64,
    /// Bytes this read reads at most (and one more, to tell a longer value).
    first: u64,
}

/// The most bytes a bounded read reads before its value is measured (see
/// the module docs): the console's own bound.
pub const FIRST_READ: u64 = 1 << 20;

/// The key a bounded read reads, in the arguments it was made for.
fn key(args: &[Vec<u8>]) -> &[u8] {
    args.get(1).map_or(&[], Vec::as_slice)
}

/// What a bounded read found: the length its cost rule is planned with
/// ([`Read::sizes`]), and the reply the command gets if let through.
pub struct Read<'a> {
    key: &'a [u8],
    /// The value's length, as read (or measured: [`Read::measured`]).
    pub length: u64,
    pub reply: Reply,
    /// Longer than what was read (the bound, or a first read shorter than
    /// it): its length is at least what was read; see [`Read::measured`].
    pub past_bound: bool,
}

impl Read<'_> {
    /// The length `measured` (`STRLEN`) of a value past the bound, or what
    /// was read if it is more.
    pub fn measured(&mut self, measured: &Sizes) {
        if let Some(size) = measured.size(self.key, Probe::Length) {
            self.length = self.length.max(size);
        }
    }

    /// The sizes the command's cost rule reads: its key's length.
    pub fn sizes(&self) -> OneSize<'_> {
        OneSize { key: self.key, probe: Probe::Length, size: self.length }
    }
}

impl BoundedRead {
    /// The bounded form of `args` (keys already in the namespace), for the
    /// commands that have one: `GET key`, when replies are bounded in bytes.
    pub fn of(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>]) -> Option<BoundedRead> {
        let plain_get = spec.name == "GET"
            && args.len() == 2
            && matches!(family(spec), Some(Family::StringRead { ranged: false, .. }));
        let max = limits.max_reply_bytes;
        (plain_get && bounded(limits) && max > 0).then_some(BoundedRead { max, first: max.min(FIRST_READ) })
    }

    /// The read of the whole value up to the bound, for one whose first
    /// read was shorter than the bound (see the module docs); `None` when
    /// the first read reads up to the bound.
    pub fn whole(&self) -> Option<BoundedRead> {
        (self.first < self.max).then_some(BoundedRead { max: self.max, first: self.max })
    }

    /// Appends the command that reads it (of `args`, what it was made for)
    /// to `pipe` (one reply).
    pub fn add_to(&self, pipe: &mut redis::Pipeline, args: &[Vec<u8>]) {
        let key = key(args);
        // Sized once (20 digits at most): no regrowth of the command's
        // buffers, for what every `GET` sends.
        let mut range = redis::Cmd::with_capacity(4, 8 + key.len() + 1 + 20);
        range.arg("GETRANGE").arg(key).arg("0").arg(self.first);
        pipe.add_command(range);
    }

    /// Whether `GETRANGE`'s reply leaves the key's existence to tell (`""`:
    /// missing or empty): then [`Self::add_exists_to`].
    pub fn may_be_missing(range: &Value) -> bool {
        matches!(range, Value::BulkString(bytes) if bytes.is_empty())
    }

    /// Appends `EXISTS key` to `pipe`, for a read (of `args`) that found `""`.
    pub fn add_exists_to(&self, pipe: &mut redis::Pipeline, args: &[Vec<u8>]) {
        let key = key(args);
        let mut exists = redis::Cmd::with_capacity(2, 6 + key.len());
        exists.arg("EXISTS").arg(key);
        pipe.add_command(exists);
    }

    /// What the read (of `args`) found, from its replies: `GETRANGE`'s,
    /// and `EXISTS`'s when it was asked.
    pub fn read(self, args: &[Vec<u8>], range: Value, exists: Option<Value>) -> Read<'_> {
        let first = self.first;
        let (length, reply) = match (range, exists) {
            (Value::BulkString(bytes), _) if !bytes.is_empty() => {
                let length = bytes.len() as u64;
                let mut bytes = bytes;
                bytes.truncate(usize::try_from(first).unwrap_or(usize::MAX));
                (length, Reply::Bulk(bytes))
            }
            (Value::BulkString(_), Some(Value::Int(0))) => (0, Reply::Nil),
            (Value::BulkString(_), _) => (0, Reply::Bulk(Vec::new())),
            // An error (`WRONGTYPE`), as `GET` itself answers it.
            (other, _) => (0, crate::console::relay::to_reply(other)),
        };
        Read { key: key(args), length, reply, past_bound: length > first }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn only_a_plain_get_is_read_bounded() {
        let limits = Limits::SHARED;
        let get = lookup("GET").expect("known");
        assert!(BoundedRead::of(&limits, get, &args(&["GET", "k"])).is_some());
        let getrange = lookup("GETRANGE").expect("known");
        assert!(BoundedRead::of(&limits, getrange, &args(&["GETRANGE", "k", "0", "1"])).is_none());
        let unbounded = Limits { max_reply_bytes: 0, ..Limits::SHARED };
        assert!(BoundedRead::of(&unbounded, get, &args(&["GET", "k"])).is_none());
    }

    #[test]
    fn the_reply_and_the_size_come_from_what_was_read() {
        let read = BoundedRead { max: 4, first: 4 };
        assert_eq!(read.whole(), None, "read up to the bound at once");
        let get = args(&["GET", "k"]);
        let bulk = |text: &str| Value::BulkString(text.as_bytes().to_vec());
        let slot = (b"k".to_vec(), Probe::Length);
        let found = read.read(&get, bulk("abc"), None);
        assert_eq!(found.sizes().size(b"k", Probe::Length), Some(3));
        assert_eq!(found.sizes().size(b"k", Probe::Memory), None);
        assert_eq!(found.sizes().size(b"other", Probe::Length), None);
        assert_eq!((found.reply, found.length, found.past_bound), (Reply::Bulk(b"abc".to_vec()), 3, false));
        // Longer than the bound: cut to it, sized as measured (or as read).
        let mut found = read.read(&get, bulk("abcde"), None);
        assert!(found.past_bound);
        assert_eq!(found.length, 5);
        found.measured(&[(slot.clone(), 100)].into_iter().collect());
        assert_eq!((found.reply, found.length), (Reply::Bulk(b"abcd".to_vec()), 100));
        let mut found = read.read(&get, bulk("abcde"), None);
        found.measured(&[(slot.clone(), 2)].into_iter().collect());
        assert_eq!(found.length, 5, "grown after its STRLEN: still past the bound");
        // Only "" leaves the key's existence to ask.
        assert!(BoundedRead::may_be_missing(&bulk("")));
        assert!(!BoundedRead::may_be_missing(&bulk("a")));
        assert!(!BoundedRead::may_be_missing(&Value::Nil));
        // Missing and empty differ.
        assert_eq!(read.read(&get, bulk(""), Some(Value::Int(0))).reply, Reply::Nil);
        assert_eq!(read.read(&get, bulk(""), Some(Value::Int(1))).reply, Reply::Bulk(Vec::new()));
        // What it sends reads the key of the arguments it was made for.
        let mut pipe = redis::pipe();
        read.add_to(&mut pipe, &get);
        read.add_exists_to(&mut pipe, &get);
        assert_eq!(
            pipe.get_packed_pipeline(),
            b"*4\r\n$8\r\nGETRANGE\r\n$1\r\nk\r\n$1\r\n0\r\n$1\r\n4\r\n*2\r\n$6\r\nEXISTS\r\n$1\r\nk\r\n"
        );
    }

    #[test]
    fn a_first_read_stops_at_a_mib_and_the_whole_value_is_read_up_to_the_bound() {
        let get = lookup("GET").expect("known");
        let gateway = Limits { max_reply_bytes: 8 << 20, ..Limits::SHARED };
        let get_k = args(&["GET", "k"]);
        let read = BoundedRead::of(&gateway, get, &get_k).expect("bounded");
        assert_eq!(read.first, FIRST_READ);
        let whole = read.whole().expect("shorter than the bound");
        assert_eq!((whole.first, whole.max, whole.whole()), (8 << 20, 8 << 20, None));
        let long = Value::BulkString(vec![b'x'; FIRST_READ as usize + 1]);
        let found = read.read(&get_k, long, None);
        assert!(found.past_bound, "past the first read: measured");
        assert_eq!(found.reply, Reply::Bulk(vec![b'x'; FIRST_READ as usize]));
    }
}
