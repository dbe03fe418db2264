//! What a write can add to Redis's memory, as an upper bound known before
//! it runs: the bytes the relay reserves in the sandbox's quota
//! ([`crate::sandbox::headroom`]) for every write, plain ones included.
//!
//! # The model (Redis 7.0, jemalloc)
//! - **An allocation** of `n` bytes takes at most `n + n/4 + 8`
//!   ([`alloc`]): jemalloc's size classes are at most a quarter apart
//!   (8 bytes apart up to 64 bytes, 16 up to 128).
//! - **A string** (`sds`) of `n` bytes adds a header and a `NUL`: 4 bytes
//!   below 256, 6 below 64 KiB, 10 above ([`sds`]). A new string made by
//!   an offset is allocated at its length; an existing one grown in place
//!   (`APPEND`, `SETRANGE`, `SETBIT`, `BITFIELD`) is reallocated only when
//!   its allocation lacks room, then *greedily*: twice its new length
//!   below 1 MiB, its length + 1 MiB above ([`grown`]; the cost rule reads
//!   its `STRLEN` and `MEMORY USAGE` first).
//! - **Each argument but the keys** may become an element: its string,
//!   plus its group's bookkeeping ([`super::table::PER_ARG`]). Counting
//!   every one (options and scores too) keeps this on the safe side
//!   without a rule per option.
//! - **Each key** may be new: its dictionary entry, object, bucket and
//!   expiry entry, and its member in the sandbox's key index (the name
//!   again, an entry, a skip-list node): [`KEY`] + twice its name.
//!
//! - **A change of encoding**: a hash, set or sorted set starts compact
//!   (`listpack`, `intset`) and Redis converts it to its full encoding
//!   (`hashtable`, `skiplist`) as it grows past its `*-max-listpack-*` or
//!   `set-max-intset-entries`; its existing elements then take several
//!   times their compact bytes (on Redis 7.0: a set of 512 integers 1.3 KB
//!   → 24.7 KB, a 128-member sorted set 1.1 KB → 14.8 KB, a hash of 512
//!   small pairs 2.7 KB → 27.7 KB). The write's own arguments are counted
//!   at their full-encoding cost already; the elements it finds are not (a
//!   measurement counted them compact). So a write adding to a collection
//!   probes each of its keys ([`Probe::Compact`]: its bytes if still
//!   compact, else 0) and, when the write can take it past its compact
//!   limits (its entries, bounded by its bytes, plus the write's elements;
//!   an element too long; a non-integer for an intset), reserves
//!   [`conversion`]: a few tens of times its compact bytes. So rewriting a
//!   small hash (a landing's ten fields, loaded again) reserves nothing
//!   more; tipping a full one over does. A key written
//!   earlier in the same batch needs no new probe: it converts once, and
//!   the first probe's bound covers it.
//!
//! The tests in `backend/tests/quota_exact.rs` check these bounds against
//! `MEMORY USAGE` on a real Redis for each family (strings small and big,
//! hashes small and converted to hashtables, lists, sets of integers and
//! strings, sorted sets, streams).
//!
//! # Why not exact
//! The bound is what a write *can* add; an overwrite adds about nothing.
//! The count drifts above the truth, and a measurement sets it back
//! ([`crate::sandbox::headroom`]): over-estimating costs a measurement
//! now and then, never a sandbox past its quota.

use bolide_shared::commands::CommandSpec;

use super::table::{adds, Adds};
use super::{Probe, Sizes};
use crate::console::Limits;

/// A new key's bookkeeping beside its name (see the module docs).
pub const KEY: u64 = 192;

/// A HyperLogLog's dense representation (16,384 6-bit registers and its header).
const SKETCH: u64 = 12_304 + 16;

/// Pending-entry bookkeeping per message delivered to a consumer group
/// (its entry in the group's and the consumer's radix trees).
const PENDING: u64 = 128;

/// When Redis converts a compact collection, and what its elements may
/// take then, by the command table's group.
struct Compact {
    group: &'static str,
    /// Entries a compact encoding holds at most (Redis's defaults, the
    /// lowest of its versions: `hash-max-listpack-entries` and
    /// `zset-max-listpack-entries` 128, `set-max-intset-entries` 512).
    max_entries: u64,
    /// The longest element it holds (`*-max-listpack-value` 64; an intset
    /// holds only integers).
    max_value: usize,
    /// The fewest compact bytes an entry takes (a pair of one-byte
    /// listpack entries, an integer of an intset), so that its bytes bound
    /// its entries.
    min_bytes: u64,
    /// How many times its compact bytes its elements may take in the full
    /// encoding, its new table included (measured on Redis 7.0 with the
    /// smallest elements, where the ratio is largest: 9× for a hash, 17–22×
    /// for a set, 13× for a sorted set; about twice that, to be safe).
    factor: u64,
}

const COMPACT: &[Compact] = &[
    Compact { group: "geo", max_entries: 128, max_value: 64, min_bytes: 4, factor: 44 },
    Compact { group: "hash", max_entries: 128, max_value: 64, min_bytes: 4, factor: 24 },
    Compact { group: "set", max_entries: 512, max_value: 0, min_bytes: 2, factor: 44 },
    Compact { group: "sorted-set", max_entries: 128, max_value: 64, min_bytes: 4, factor: 44 },
];

impl Compact {
    /// Whether adding `elements` to a compact key of `bytes` can convert
    /// it: past its entries, or an element too long (for an intset, one
    /// that is not an integer).
    fn may_convert(&self, bytes: u64, elements: &[Vec<u8>]) -> bool {
        let entries = (bytes / self.min_bytes).saturating_add(elements.len() as u64);
        let too_long = |e: &Vec<u8>| match self.max_value {
            0 => std::str::from_utf8(e).ok().and_then(|e| e.parse::<i64>().ok()).is_none(),
            max => e.len() > max,
        };
        entries > self.max_entries || elements.iter().any(too_long)
    }
}

/// The compaction rule of a write that adds to a collection.
fn compaction(spec: &CommandSpec) -> Option<&'static Compact> {
    matches!(adds(spec), Some(Adds::Elements { .. }))
        .then(|| COMPACT.iter().find(|c| c.group == spec.group))
        .flatten()
}

/// The sizes [`conversion`] needs: each key of a write that adds to a
/// hash, set or sorted set, probed for a compact encoding.
pub fn conversion_needs(spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<(Vec<u8>, Probe)> {
    if compaction(spec).is_none() {
        return Vec::new();
    }
    let keys = spec.key_positions(args).unwrap_or_default();
    keys.into_iter().filter_map(|i| args.get(i)).map(|key| (key.clone(), Probe::Compact)).collect()
}

/// What converting the keys of `args` that are still compact can add (see
/// the module docs): 0 for a write that adds to no collection, or cannot
/// make one pass its compact encoding's limits.
pub fn conversion(spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes) -> u64 {
    let Some(rule) = compaction(spec) else { return 0 };
    let keys = spec.key_positions(args).unwrap_or_default();
    // What it may add: every argument after its first key (options and
    // scores too: on the safe side).
    let elements = keys.first().map_or(&[][..], |first| args.get(first + 1..).unwrap_or_default());
    keys.iter().filter_map(|i| args.get(*i)).fold(0u64, |sum, key| {
        match sizes.get(&(key.clone(), Probe::Compact)).copied().unwrap_or(0) {
            0 => sum,
            bytes if rule.may_convert(bytes, elements) => {
                sum.saturating_add(bytes.saturating_mul(rule.factor))
            }
            _ => sum,
        }
    })
}

/// The most bytes an allocation of `n` bytes takes.
pub fn alloc(n: u64) -> u64 {
    n.saturating_add(n / 4).saturating_add(8)
}

/// The most bytes a string of `n` bytes takes.
pub fn sds(n: u64) -> u64 {
    let header = match n {
        0..256 => 4,
        256..65_536 => 6,
        _ => 10,
    };
    alloc(n.saturating_add(header))
}

/// The most bytes a string grown in place to `n` bytes takes.
pub fn grown(n: u64) -> u64 {
    const MAX_PREALLOC: u64 = 1 << 20;
    let greedy = if n < MAX_PREALLOC { n.saturating_mul(2) } else { n.saturating_add(MAX_PREALLOC) };
    sds(greedy)
}

/// The bytes a queued `MULTI` line of `len` bytes takes in its list.
pub fn queued(len: usize) -> u64 {
    sds(len as u64).saturating_add(32)
}

/// What the write `args` (keys already in the namespace) can add beside
/// what its cost rule bounds (growth by an offset, copies): 0 for a
/// command that is not a write.
pub fn write_bound(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>]) -> u64 {
    let Some(rule) = adds(spec) else { return 0 };
    let keys: Vec<&Vec<u8>> =
        spec.key_positions(args).unwrap_or_default().into_iter().filter_map(|i| args.get(i)).collect();
    let new_keys = || keys.iter().fold(0u64, |sum, key| sum.saturating_add(KEY + 2 * sds(key.len() as u64)));
    let elements = |per_arg: u64| {
        args.iter().skip(1).fold(0u64, |sum, arg| sum.saturating_add(sds(arg.len() as u64) + per_arg))
    };
    match rule {
        Adds::Nothing => 0,
        Adds::Elements { per_arg } => elements(per_arg).saturating_add(new_keys()),
        Adds::Move => {
            let element = limits.max_arg_bytes as u64;
            elements(24).saturating_add(new_keys()).saturating_add(alloc(element) - element)
        }
        Adds::Sketch => {
            elements(8).saturating_add(new_keys()).saturating_add((keys.len() as u64) * sds(SKETCH))
        }
        Adds::Delivered => {
            let count = args
                .iter()
                .position(|a| a.eq_ignore_ascii_case(b"COUNT"))
                .and_then(|i| std::str::from_utf8(args.get(i + 1)?).ok()?.parse::<u64>().ok());
            let messages = count.unwrap_or_else(|| (args.len() as u64).max(limits.max_reply_elements as u64));
            let streams = (keys.len() as u64).max(1);
            elements(8).saturating_add(messages.saturating_mul(PENDING).saturating_mul(streams))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    fn bound(words: &[&str]) -> u64 {
        let args: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        write_bound(&Limits::SHARED, lookup(words[0]).expect("known"), &args)
    }

    #[test]
    fn allocations_round_up_by_at_most_a_quarter() {
        assert_eq!(alloc(0), 8);
        assert!(alloc(512 * 1024) >= 640 * 1024);
        assert_eq!(grown(10), sds(20));
        assert_eq!(sds(100), alloc(104));
        assert_eq!(grown(2 << 20), sds(3 << 20));
    }

    #[test]
    fn writes_reserve_their_arguments_and_their_bookkeeping() {
        assert_eq!(bound(&["GET", "k"]), 0, "a read");
        assert_eq!(bound(&["DEL", "k"]), 0, "a delete frees");
        let set = bound(&["SET", "k", "v"]);
        assert!((KEY + 3..1024).contains(&set), "{set}");
        let big = "x".repeat(512 * 1024);
        assert!(bound(&["SET", "k", &big]) >= 640 * 1024);
        let pair = bound(&["HSET", "h", "f", "v"]) - bound(&["HSET", "h"]);
        assert!(pair >= 48, "{pair}");
        assert!(bound(&["ZADD", "z", "1", "m"]) > bound(&["SADD", "s", "m"]));
        assert!(bound(&["PFADD", "p", "a"]) > SKETCH);
        assert!(bound(&["LMOVE", "a", "b", "LEFT", "RIGHT"]) >= Limits::SHARED.max_arg_bytes as u64 / 4);
        assert!(
            bound(&["XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s", ">"]) >= 10 * PENDING
        );
        assert!(bound(&["EXPIRE", "k", "10"]) > KEY);
    }

    #[test]
    fn a_compact_collection_reserves_its_conversion() {
        let words = |w: &[&str]| -> Vec<Vec<u8>> { w.iter().map(|w| w.as_bytes().to_vec()).collect() };
        let sadd = lookup("SADD").expect("known");
        let args = words(&["SADD", "s", "513"]);
        assert_eq!(conversion_needs(sadd, &args), vec![(b"s".to_vec(), Probe::Compact)]);
        let compact: Sizes = [((b"s".to_vec(), Probe::Compact), 1328)].into_iter().collect();
        // Redis 7.0: 512 integers, 1,328 bytes as an intset, 24,712 as a hashtable.
        assert!(conversion(sadd, &args, &compact) >= 24_712 - 1328);
        // A small set gaining an integer stays an intset; a string converts it.
        let small: Sizes = [((b"s".to_vec(), Probe::Compact), 100)].into_iter().collect();
        assert_eq!(conversion(sadd, &args, &small), 0);
        assert!(conversion(sadd, &words(&["SADD", "s", "x"]), &small) > 0);
        // A landing's ten fields written again: no conversion possible.
        let hset = lookup("HSET").expect("known");
        let fields: Vec<String> = (0..10).flat_map(|i| [format!("field{i}"), "value".to_string()]).collect();
        let mut landing = vec!["HSET", "h"];
        landing.extend(fields.iter().map(String::as_str));
        let hash: Sizes = [((b"h".to_vec(), Probe::Compact), 300)].into_iter().collect();
        assert_eq!(conversion(hset, &words(&landing), &hash), 0);
        let long = "v".repeat(65);
        assert!(conversion(hset, &words(&["HSET", "h", "f", &long]), &hash) > 0, "a value past 64 bytes");
        assert_eq!(conversion(sadd, &args, &Sizes::new()), 0, "missing, or converted already");
        for (command, words_) in
            [("HSET", vec!["HSET", "h", "f", "v"]), ("ZADD", vec!["ZADD", "z", "1", "m"])]
        {
            let spec = lookup(command).expect("known");
            assert_eq!(conversion_needs(spec, &words(&words_)).len(), 1, "{command}");
        }
        for command in
            [vec!["SET", "k", "v"], vec!["RPUSH", "l", "x"], vec!["HDEL", "h", "f"], vec!["GET", "k"]]
        {
            let spec = lookup(command[0]).expect("known");
            assert!(conversion_needs(spec, &words(&command)).is_empty(), "{command:?}");
        }
    }
}
