//! What a store can make its destination take, as an upper bound known
//! before it runs (the model of [`super::growth`], Redis 7.0, jemalloc).
//!
//! A store (`SUNIONSTORE`, `ZINTERSTORE`, `ZRANGESTORE`,
//! `GEOSEARCHSTORE`, …) replaces its destination with its sources'
//! elements (a union's all, an intersection's smallest source's, a
//! difference's first's), which Redis creates in the full encoding unless
//! they fit the compact limits: the union of ten 128-member listpack
//! sorted sets (11 KB) is a 1,280-member skip list (126 KB). So a store
//! reserves its sources' compact bytes (twice: an intset's integer takes
//! up to twice its bytes in a listpack) and each element's entry only
//! when every source is compact (or missing) and their elements fit the
//! destination's compact limits on the server ([`stored`]: its
//! [`Encodings`], read at start); else each element at its full encoding's
//! cost (Redis 7.0's `dict.h`, `server.h`: an entry and buckets,
//! [`FULL_SET_ELEMENT`]; a skip-list node too, [`FULL_ZSET_ELEMENT`]) and
//! its string, of at most three times a compact source's bytes (an
//! integer's digits) or a full one's memory.
//!
//! `SORT … STORE` makes a list: twice its source's memory per `GET`
//! ([`sorted_list`]).
//!
//! `backend/tests/quota_bounds.rs` checks these bounds against Redis.

use bolide_shared::commands::CommandSpec;

use super::encodings::Encodings;
use super::growth::{alloc, Holds, COMPACT, COMPACT_HEADER};
use super::probe::{Measured, Probe, NOT_COMPACT};

/// A store's source as probed: its elements (its cardinality), its
/// `MEMORY USAGE`, and its [`Probe::Compact`] size ([`NOT_COMPACT`] when
/// in a full encoding or not probed).
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub elements: u64,
    pub memory: u64,
    pub compact: u64,
}

/// The sources at `positions` of `args`, from the sizes probed; `range`:
/// only that many of its elements (its memory in proportion).
pub fn sources(
    args: &[Vec<u8>],
    positions: &[usize],
    sizes: &dyn Measured,
    range: Option<u64>,
) -> Vec<Source> {
    let size = |key: &Vec<u8>, probe| sizes.size(key, probe);
    let source = |key: &Vec<u8>| {
        let (elements, memory) =
            (size(key, Probe::Cardinality).unwrap_or(0), size(key, Probe::Memory).unwrap_or(0));
        let (elements, memory) = match range {
            Some(count) => (count, memory.checked_div(elements).unwrap_or(0).saturating_mul(count)),
            None => (elements, memory),
        };
        Source { elements, memory, compact: size(key, Probe::Compact).unwrap_or(NOT_COMPACT) }
    };
    positions.iter().filter_map(|&i| args.get(i)).map(source).collect()
}

/// What an element of a set in its full encoding (`hashtable`) takes
/// beside its string, at most: its dictionary entry (24 bytes, allocated
/// as 32) and buckets (a table up to twice the elements, and the old one
/// while it rehashes: 24).
const FULL_SET_ELEMENT: u64 = 32 + 24;

/// What an element of a sorted set in its full encoding (`skiplist`)
/// takes beside its string, at most: a set's entry and buckets
/// ([`FULL_SET_ELEMENT`]) and its skip-list node (24 bytes and 16 per
/// level, 1.33 levels on average: 80 bounds the size class of a node of
/// up to three).
const FULL_ZSET_ELEMENT: u64 = FULL_SET_ELEMENT + 80;

/// A full encoding's own structures beside its elements: the dictionary,
/// the sorted set's skip-list header (32 levels: 536 bytes, allocated as
/// 640), the object.
const FULL_STRUCTURE: u64 = 1024;

/// What an element's string takes beside its bytes, at most (a header, a
/// `NUL` and an allocation's rounding: [`sds`]), the quarter aside.
const SDS_OVERHEAD: u64 = 4 + 1 + 8;

/// How many times its compact bytes a compact source's elements may take
/// as strings: an integer of an intset or a listpack takes a third of its
/// digits at least (`-32768` in 2 bytes).
const DIGITS_PER_COMPACT_BYTE: u64 = 3;

/// The most characters an intset's integer takes as a string
/// (`-9223372036854775808`).
const INTEGER_CHARS: u64 = 20;

/// What a store (`SUNIONSTORE`, `ZINTERSTORE`, …) can make its destination
/// take, from its `sources` (see the module docs): within its compact
/// encoding, its sources' compact bytes (twice: an intset's integer may
/// take twice its bytes in a listpack) and each element's entry, only when
/// every source is compact (or missing) and their elements together are
/// within the destination's compact limits on the server of `encodings`;
/// else every element of every source in the full encoding, with its string.
pub fn stored(encodings: &Encodings, spec: &CommandSpec, sources: &[Source]) -> u64 {
    // An intersection holds only elements of its smallest source, a
    // difference only elements of its first (and so is compact when that
    // source is, within the limit).
    let within = if spec.name.contains("INTER") {
        sources.iter().min_by_key(|s| s.elements)
    } else if spec.name.contains("DIFF") {
        sources.first()
    } else {
        None
    };
    let sources = within.map_or(sources, std::slice::from_ref);
    let elements = sources.iter().fold(0u64, |sum, s| sum.saturating_add(s.elements));
    let memory = sources.iter().fold(0u64, |sum, s| sum.saturating_add(s.memory));
    let rule = COMPACT.iter().find(|c| c.group == spec.group);
    let compact = sources.iter().all(|s| s.compact != NOT_COMPACT);
    let fits =
        |holds: Holds| elements <= holds.entries && (holds.integers || longest(encodings) <= holds.value);
    if let Some(rule) = rule.filter(|rule| compact && fits(rule.holds(encodings))) {
        let bytes = memory.saturating_mul(2).saturating_add(elements.saturating_mul(rule.per_entry));
        return alloc(bytes.saturating_add(COMPACT_HEADER));
    }
    let per_element = if spec.group == "set" { FULL_SET_ELEMENT } else { FULL_ZSET_ELEMENT };
    let strings = element_bytes(sources);
    alloc(strings)
        .saturating_add(elements.saturating_mul(per_element + SDS_OVERHEAD))
        .saturating_add(FULL_STRUCTURE)
}

/// The longest element a compact source can hold on the server of
/// `encodings` (a sorted set's own are within its destination's limit): a
/// set's, an integer or a listpack set's string.
fn longest(encodings: &Encodings) -> u64 {
    encodings.set.map_or(INTEGER_CHARS, |set| set.value.max(INTEGER_CHARS))
}

/// What a sorted list (`SORT … STORE`) of `copies` times the elements of
/// a source of `memory` bytes can take (each `GET` option stores one
/// element per source element): listpack entries of quicklist nodes of up
/// to 8 KiB, each node at least half full (32 bytes and a listpack
/// header). An element takes at most twice its bytes in any source (an
/// intset's 16-bit integer, 2 bytes, is 3 as a listpack entry; a string
/// takes its bytes and its entry's header, which its source counts too).
pub fn sorted_list(memory: u64, copies: u64) -> u64 {
    let entries = memory.saturating_mul(2).saturating_mul(copies.max(1));
    let nodes = entries / 4096 + 1;
    alloc(entries).saturating_add(nodes.saturating_mul(alloc(32) + alloc(8))).saturating_add(64)
}

/// The most bytes the elements of `sources` take as strings: a compact
/// source's, [`DIGITS_PER_COMPACT_BYTE`] times its bytes; another's, its
/// memory (which counts them).
fn element_bytes(sources: &[Source]) -> u64 {
    sources.iter().fold(0u64, |sum, s| {
        let factor = if s.compact == NOT_COMPACT { 1 } else { DIGITS_PER_COMPACT_BYTE };
        sum.saturating_add(s.memory.saturating_mul(factor))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    const DEFAULTS: Encodings = Encodings::REDIS_7_0;

    #[test]
    fn a_store_past_its_compact_limit_reserves_its_full_encoding() {
        let zunion = lookup("ZUNIONSTORE").expect("known");
        // Ten listpacks of 128 members (about 1.1 KB each on Redis 7.0).
        let listpack = Source { elements: 128, memory: 1100, compact: 1100 };
        let union = stored(&DEFAULTS, zunion, &[listpack; 10]);
        // Their union is a skip list of 1,280 members: about 148 KB.
        assert!(union >= 1280 * 115, "{union}");
        let one = stored(&DEFAULTS, zunion, &[listpack]);
        assert!(one < 3 * 1100 + 128 * 26 * 2, "a copy of one stays a listpack: {one}");
        let skiplist = Source { elements: 100, memory: 12_000, compact: NOT_COMPACT };
        assert!(stored(&DEFAULTS, zunion, &[skiplist]) >= 100 * FULL_ZSET_ELEMENT + 12_000, "not compact");
        let sunion = lookup("SUNIONSTORE").expect("known");
        let intset = Source { elements: 100, memory: 300, compact: 300 };
        let small = stored(&DEFAULTS, sunion, &[intset; 5]);
        assert!(small < 10_000, "an intset of 500 integers: {small}");
        assert!(stored(&DEFAULTS, sunion, &[intset; 6]) >= 600 * 48, "a hashtable of 600: 24 KB or more");
        let missing = Source { elements: 0, memory: 0, compact: 0 };
        assert!(stored(&DEFAULTS, sunion, &[missing, missing]) < 64);
        assert!(sorted_list(1000, 3) >= 3 * 1000, "three GETs store three elements each");
    }

    #[test]
    fn a_store_is_compact_within_the_servers_limits() {
        use super::super::Listpack;
        let sunion = lookup("SUNIONSTORE").expect("known");
        let zunion = lookup("ZUNIONSTORE").expect("known");
        let intset = Source { elements: 5, memory: 80, compact: 80 };
        let low = Encodings { intset_entries: 8, zset: Listpack { entries: 8, value: 64 }, ..DEFAULTS };
        assert!(stored(&DEFAULTS, sunion, &[intset; 2]) < 1000, "ten integers: an intset");
        assert!(stored(&low, sunion, &[intset; 2]) >= 10 * FULL_SET_ELEMENT, "past 8: a hashtable");
        let listpack = Source { elements: 5, memory: 100, compact: 100 };
        assert!(stored(&low, zunion, &[listpack; 2]) >= 10 * FULL_ZSET_ELEMENT, "past 8: a skip list");
        assert!(stored(&low, zunion, &[listpack]) < 1000, "five members: a listpack");
        // A sorted set's limit on values shorter than a set's integers.
        let short = Encodings { zset: Listpack { entries: 128, value: 8 }, ..DEFAULTS };
        assert!(stored(&short, zunion, &[intset]) >= 5 * FULL_ZSET_ELEMENT, "integers past 8 characters");
        // Redis 7.2's listpack sets: within both limits.
        let sets = Encodings { set: Some(Listpack { entries: 4, value: 64 }), ..DEFAULTS };
        assert!(stored(&sets, sunion, &[intset]) >= 5 * FULL_SET_ELEMENT, "5 members past a listpack's 4");
        assert!(stored(&Encodings::NONE_COMPACT, sunion, &[intset]) >= 5 * FULL_SET_ELEMENT);
    }
}
