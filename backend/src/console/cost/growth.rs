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
use crate::console::Limits;

/// A new key's bookkeeping beside its name (see the module docs).
pub const KEY: u64 = 192;

/// A HyperLogLog's dense representation (16,384 6-bit registers and its header).
const SKETCH: u64 = 12_304 + 16;

/// Pending-entry bookkeeping per message delivered to a consumer group
/// (its entry in the group's and the consumer's radix trees).
const PENDING: u64 = 128;

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
}
