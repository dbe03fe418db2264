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
//! - **A computed value** (`INCRBYFLOAT`, `HINCRBYFLOAT`) may be longer
//!   than its arguments: a long double in full, up to 5 KiB ([`FLOAT_CHARS`]).
//! - **Each key** may be new: its dictionary entry, object, bucket and
//!   expiry entry, and its member in the sandbox's key index (the name
//!   again, an entry, a skip-list node): [`KEY`] + twice its name.
//!
//! - **A compact collection** (a hash or sorted set as a `listpack`, a
//!   set of integers as an `intset`; Redis 7.0's `listpack.c`, `intset.c`)
//!   takes far less than its full encoding: a listpack is a 6-byte header
//!   and an end byte, then per entry its encoding (1 byte for a string up
//!   to 63 bytes, 2 up to 4,095), its bytes and its length again (1 byte
//!   below 128); an integer takes 1 to 9 bytes and its length. So a write
//!   that keeps a key compact (it is new or compact, and the write cannot
//!   take it past its limits, below) adds its arguments as entries —
//!   each its bytes + 4 in a hash ([`Compact::per_entry`]; + 26 in a
//!   sorted set, whose score Redis rewrites in up to 24 characters), 8 in
//!   an intset — to an allocation reallocated to the new length and
//!   rounded up by at most a quarter ([`alloc`]) of the whole, plus the key
//!   bookkeeping a new key takes ([`KEY`]); an intset gaining an integer
//!   past 16 bits may widen all its entries (up to 4×). That is what a
//!   landing's `HSET` reserves (about 1.25 × its bytes + 460: 630 bytes
//!   for one of NASA's), not its fields at their hashtable cost (1,310).
//! - **A change of encoding**: Redis converts a compact collection to its
//!   full encoding (`hashtable`, `skiplist`) as it grows past its
//!   `*-max-listpack-*` or `set-max-intset-entries` — the server's own,
//!   read at start and carried in the [`Limits`] ([`Encodings`]: a write
//!   priced by higher limits than the server's would be under-reserved);
//!   its existing elements
//!   then take several times their compact bytes (on Redis 7.0: a set of
//!   512 integers 1.3 KB → 24.7 KB, a 128-member sorted set 1.1 KB →
//!   14.8 KB, a hash of 512 small pairs 2.7 KB → 27.7 KB; at limits of 8,
//!   a hash 112 bytes → 592, a sorted set 112 → 1,736). So a write
//!   adding to a collection probes each of its keys ([`Probe::Compact`]:
//!   its bytes if compact, 0 if missing, [`NOT_COMPACT`] else) and, when
//!   the write can take it past its compact limits (its entries, bounded
//!   by its bytes, plus the write's elements; an element too long; a
//!   non-integer for an intset), reserves its own arguments at their full
//!   encoding's cost ([`write_bound`]) and [`conversion`]: a few tens of
//!   times the key's compact bytes. A write to a key in its full encoding
//!   reserves [`write_bound`] alone.
//! - **A store** (`SUNIONSTORE`, `ZRANGESTORE`, `SORT … STORE`, …) makes
//!   its destination of its sources' elements, in the encoding Redis
//!   gives them: [`super::store`]. It reads its sources and converts none:
//!   only its destination is written ([`Earlier`]).
//! - **Earlier writes of the same batch or transaction** are costed from
//!   one probe ([`Earlier`]): a key kept compact by a write is seen by the
//!   next as that much larger, a key that may have converted (or that any
//!   other write touched) as [`NOT_COMPACT`] — so it converts once, its
//!   conversion reserved once, and what was priced compact before it is
//!   in that conversion's bytes.
//!
//! The tests in `backend/tests/quota_bounds.rs` check these bounds against
//! `MEMORY USAGE` on a real Redis for each family (strings small and big,
//! hashes small and converted to hashtables, lists, sets of integers and
//! strings, sorted sets, streams, stores).
//!
//! # Why not exact
//! The bound is what a write *can* add; an overwrite adds about nothing.
//! The count drifts above the truth, and a measurement sets it back
//! ([`crate::sandbox::headroom`]): over-estimating costs a measurement
//! now and then, never a sandbox past its quota.

use std::borrow::Cow;

use bolide_shared::commands::CommandSpec;

use super::encodings::{Encodings, Listpack};
use super::probe::{Measured, NOT_COMPACT};
use super::table::{adds, family, Adds};
use super::{Probe, Sizes};
use crate::console::Limits;

/// A new key's bookkeeping beside its name (see the module docs).
pub const KEY: u64 = 192;

/// A HyperLogLog's dense representation (16,384 6-bit registers and its header).
const SKETCH: u64 = 12_304 + 16;

/// The longest value `INCRBYFLOAT` and `HINCRBYFLOAT` write, whatever
/// their arguments: Redis formats the sum as `%.17Lf`, a long double's
/// digits in full (`1e4000` is 4,001 of them), in a 5 KiB buffer.
const FLOAT_CHARS: u64 = 5 * 1024;

/// Pending-entry bookkeeping per message delivered to a consumer group,
/// as `MEMORY USAGE` counts it (what a measurement sees): its ID (16
/// bytes) in the group's and the consumer's radix trees, each insertion
/// adding up to two nodes that Redis 7.0 counts at 4 + 30 words each, and
/// its `streamNACK` (24). (Redis itself allocates far less: 20,000
/// messages read at once add 1.7 MB to `used_memory`, 11 MB to
/// `MEMORY USAGE`.)
const PENDING: u64 = 2 * (16 + 2 * (4 + 30 * 8)) + 24;

/// What a compact collection of a command table's group takes, and what
/// its elements may take once Redis converts it (when: the server's
/// [`Encodings`], [`Compact::holds`]).
pub(super) struct Compact {
    pub(super) group: &'static str,
    /// Which of the server's thresholds it converts by.
    encoding: Encoding,
    /// The fewest compact bytes an entry takes (a pair of one-byte
    /// listpack entries, an integer of an intset), so that its bytes bound
    /// its entries.
    min_bytes: u64,
    /// How many times its compact bytes its elements may take in the full
    /// encoding, its new table included (measured on Redis 7.0 with the
    /// smallest elements, where the ratio is largest: 9× for a hash, 17–22×
    /// for a set, 13× for a sorted set; about twice that, to be safe).
    factor: u64,
    /// The most bytes an argument takes as a compact entry beside its own
    /// (see the module docs; an intset's entries take 8 at most).
    pub(super) per_entry: u64,
}

/// The compact encodings Redis converts from, by their thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    /// A hash's listpack (`hash-max-listpack-*`).
    Hash,
    /// A sorted set's (or geo set's) listpack (`zset-max-listpack-*`).
    SortedSet,
    /// A set's intset (`set-max-intset-entries`: integers only), and on
    /// Redis 7.2 its listpack (`set-max-listpack-*`).
    Set,
}

pub(super) const COMPACT: &[Compact] = &[
    Compact { group: "geo", encoding: Encoding::SortedSet, min_bytes: 4, factor: 44, per_entry: 26 },
    Compact { group: "hash", encoding: Encoding::Hash, min_bytes: 4, factor: 24, per_entry: 4 },
    Compact { group: "set", encoding: Encoding::Set, min_bytes: 2, factor: 44, per_entry: 8 },
    Compact { group: "sorted-set", encoding: Encoding::SortedSet, min_bytes: 4, factor: 44, per_entry: 26 },
];

/// What a compact encoding holds at most on the server ([`Compact::holds`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Holds {
    /// Its entries.
    pub(super) entries: u64,
    /// Its longest element, in bytes.
    pub(super) value: u64,
    /// Whether it holds only integers (an intset: a set kept compact by a
    /// write is one, for Bolide's bounds).
    pub(super) integers: bool,
}

/// A compact allocation's header beside its entries (a listpack's 6 bytes
/// and end byte; an intset's encoding and length).
pub(super) const COMPACT_HEADER: u64 = 8;

/// Writes of a compact family whose new value is not their arguments
/// (an integer or a float Redis formats: up to 20 characters, and up to
/// 5 KiB for a long double): bounded at their full encoding's cost.
const COMPUTED: &[&str] = &["HINCRBY", "HINCRBYFLOAT"];

impl Compact {
    /// What its compact encoding holds at most on the server of `encodings`.
    pub(super) fn holds(&self, encodings: &Encodings) -> Holds {
        let listpack = |l: Listpack| Holds { entries: l.entries, value: l.value, integers: false };
        match self.encoding {
            Encoding::Hash => listpack(encodings.hash),
            Encoding::SortedSet => listpack(encodings.zset),
            // An integer longer than a listpack set's longest value may
            // convert one (Redis 7.2).
            Encoding::Set => Holds {
                entries: encodings.set_entries(),
                value: encodings.set.map_or(u64::MAX, |set| set.value),
                integers: true,
            },
        }
    }

    /// Whether adding `elements` to a compact key of `bytes` can convert
    /// it on the server of `encodings`: past its entries, or an element
    /// too long (for an intset, one that is not an integer).
    fn may_convert(&self, encodings: &Encodings, bytes: u64, elements: &[Vec<u8>]) -> bool {
        let holds = self.holds(encodings);
        let entries = (bytes / self.min_bytes).saturating_add(elements.len() as u64);
        let too_long =
            |e: &Vec<u8>| e.len() as u64 > holds.value || (holds.integers && redis_integer(e).is_none());
        entries > holds.entries || elements.iter().any(too_long)
    }

    /// What adding `elements` to a key of `bytes` kept compact (0: a new
    /// one) does: its entries (an intset's widened first when one is past
    /// 16 bits) in an allocation made for the whole and rounded up.
    fn kept(&self, bytes: u64, elements: &[Vec<u8>]) -> Kept {
        let intset = self.encoding == Encoding::Set;
        let entries = elements.iter().fold(0u64, |sum, e| {
            let entry = if intset { self.per_entry } else { e.len() as u64 + self.per_entry };
            sum.saturating_add(entry)
        });
        let widens =
            intset && elements.iter().any(|e| redis_integer(e).is_none_or(|n| i16::try_from(n).is_err()));
        let before = if widens { bytes.saturating_mul(4) } else { bytes };
        let after = before.saturating_add(COMPACT_HEADER).saturating_add(entries);
        Kept { grows: after - bytes, reserve: alloc(after).saturating_sub(bytes) }
    }
}

/// A write that keeps a key compact ([`Compact::kept`]).
#[derive(Debug, Clone, Copy)]
struct Kept {
    /// What its compact bytes grow by, at most, before rounding (the next
    /// write of the batch finds it that much larger: [`Earlier`]).
    grows: u64,
    /// What its allocation can add: the new length rounded up, less the old.
    reserve: u64,
}

/// `e` as Redis reads an integer for an intset (`string2ll`: no sign but
/// `-`, no leading zero, 64 bits).
fn redis_integer(e: &[u8]) -> Option<i64> {
    let digits = e.strip_prefix(b"-").unwrap_or(e);
    let canonical = match digits {
        [b'0'] => e.len() == 1,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    canonical.then(|| std::str::from_utf8(e).ok()?.parse().ok()).flatten()
}

/// The compaction rule of a write that adds to a collection (not a
/// store: it replaces its destination, and its bound is [`super::store::stored`]).
fn compaction(spec: &CommandSpec) -> Option<&'static Compact> {
    // Asked several times for every write (its probes, its growth): told
    // once per entry of the command table.
    static COMPACTION: std::sync::OnceLock<Vec<Option<&'static Compact>>> = std::sync::OnceLock::new();
    spec.per_entry(&COMPACTION, |spec| {
        (matches!(adds(spec), Some(Adds::Elements { .. })) && !is_store(spec))
            .then(|| COMPACT.iter().find(|c| c.group == spec.group))
            .flatten()
    })
}

/// Whether the write stores a copy of its sources' elements as a hash,
/// set or sorted set (`SUNIONSTORE`, `ZRANGESTORE`, `GEOSEARCHSTORE`, …).
fn is_store(spec: &CommandSpec) -> bool {
    spec.name.ends_with("STORE") && COMPACT.iter().any(|c| c.group == spec.group)
}

/// The sizes [`conversion`] and [`super::store::stored`] need: each key of a write that
/// adds to a hash, set or sorted set (a store's sources too), probed for a
/// compact encoding.
pub fn conversion_needs(spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<(Vec<u8>, Probe)> {
    if compaction(spec).is_none() && !is_store(spec) {
        return Vec::new();
    }
    let keys = spec.key_positions(args).unwrap_or_default();
    keys.into_iter().filter_map(|i| args.get(i)).map(|key| (key.clone(), Probe::Compact)).collect()
}

/// What converting the keys of `args` that are still compact can add (see
/// the module docs): 0 for a write that adds to no collection, or cannot
/// make one pass its compact encoding's limits (`encodings`: the server's).
#[cfg(test)]
fn conversion(encodings: &Encodings, spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes) -> u64 {
    conversion_at(encodings, spec, args, None, sizes)
}

/// [`conversion`], with the key positions when known ([`positions`]).
fn conversion_at(
    encodings: &Encodings,
    spec: &CommandSpec,
    args: &[Vec<u8>],
    known: Option<&[usize]>,
    sizes: &dyn Measured,
) -> u64 {
    let Some(rule) = compaction(spec) else { return 0 };
    let keys = positions(spec, args, known);
    // What it may add: every argument after its first key (options and
    // scores too: on the safe side).
    let elements = keys.first().map_or(&[][..], |first| args.get(first + 1..).unwrap_or_default());
    keys.iter().filter_map(|i| args.get(*i)).fold(0u64, |sum, key| {
        match sizes.size(key, Probe::Compact).unwrap_or(0) {
            0 | NOT_COMPACT => sum,
            // A float's digits may be past the compact encoding's longest value.
            bytes if rule.may_convert(encodings, bytes, elements) || spec.name == "HINCRBYFLOAT" => {
                sum.saturating_add(bytes.saturating_mul(rule.factor))
            }
            _ => sum,
        }
    })
}

/// What the write `args` can add, from the sizes probed (see the module
/// docs): by the compact encoding it keeps its keys in, else at its full
/// encoding's cost plus what converting its keys can add.
pub fn write_growth(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes) -> u64 {
    write_growth_at(limits, spec, args, None, sizes)
}

/// [`write_growth`], with the key positions of `args` when the caller
/// found them already (`known`: what `spec.key_positions(args)` gives — the
/// namespace's rewrite finds them for every command a sandbox sends), so
/// that they are not searched for again for each part of the bound.
pub fn write_growth_at(
    limits: &Limits,
    spec: &CommandSpec,
    args: &[Vec<u8>],
    known: Option<&[usize]>,
    sizes: &dyn Measured,
) -> u64 {
    // A command that adds nothing (a read: every `GET`) has no bound and
    // no compaction rule (both follow from what it adds): 0, told at once.
    if adds(spec).is_none() {
        return 0;
    }
    let encodings = &limits.encodings;
    kept_compact(encodings, spec, args, known, sizes)
        .map(|keys| {
            keys.iter().fold(0u64, |sum, (key, kept)| sum.saturating_add(new_key(key) + kept.reserve))
        })
        .unwrap_or_else(|| {
            write_bound_at(limits, spec, args, known, sizes)
                .saturating_add(conversion_at(encodings, spec, args, known, sizes))
        })
}

/// The key positions of `args`: `known` when the caller found them already
/// (what `spec.key_positions(args)` gives), else searched now; none when
/// the command table cannot tell.
fn positions<'k>(spec: &CommandSpec, args: &[Vec<u8>], known: Option<&'k [usize]>) -> Cow<'k, [usize]> {
    match known {
        Some(keys) => Cow::Borrowed(keys),
        None => Cow::Owned(spec.key_positions(args).unwrap_or_default()),
    }
}

/// Each key of a write that keeps them all compact (each new or compact,
/// none it can convert), with what its compact allocation can grow by;
/// `None` for any other write.
fn kept_compact<'a>(
    encodings: &Encodings,
    spec: &CommandSpec,
    args: &'a [Vec<u8>],
    known: Option<&[usize]>,
    sizes: &dyn Measured,
) -> Option<Vec<(&'a [u8], Kept)>> {
    let rule = compaction(spec).filter(|_| family(spec).is_none() && !COMPUTED.contains(&spec.name))?;
    let keys = positions(spec, args, known);
    if keys.is_empty() {
        return None;
    }
    let elements = keys.first().map_or(&[][..], |first| args.get(first + 1..).unwrap_or_default());
    keys.iter()
        .map(|&i| {
            let key = args.get(i)?;
            match sizes.size(key, Probe::Compact) {
                Some(bytes) if bytes != NOT_COMPACT && !rule.may_convert(encodings, bytes, elements) => {
                    Some((key.as_slice(), rule.kept(bytes, elements)))
                }
                _ => None,
            }
        })
        .collect()
}

/// What a key the write may create takes beside its value (see the module docs).
fn new_key(key: &[u8]) -> u64 {
    KEY + 2 * sds(key.len() as u64)
}

/// What the writes before a command in the same batch or transaction
/// did to the keys its cost reads, over what was measured before any of
/// them ran: a write adds at most its arguments to a key's length, memory
/// and cardinality; a key it kept compact is that much larger, compact; a
/// key any other write touched (one that may convert it, a `DEL`, a
/// `RENAME` onto it) is [`NOT_COMPACT`] from then on.
#[derive(Debug, Default)]
pub struct Earlier {
    grown: Sizes,
}

impl Earlier {
    /// The sizes of `needs` as the next command finds them.
    pub fn sizes(&self, measured: &Sizes, needs: &[(Vec<u8>, Probe)]) -> Sizes {
        needs
            .iter()
            .map(|slot| {
                // A compact probe that did not answer: of unknown encoding.
                let unknown = if slot.1 == Probe::Compact { NOT_COMPACT } else { 0 };
                let size = measured.get(slot).copied().unwrap_or(unknown);
                (slot.clone(), size.saturating_add(self.grown.get(slot).copied().unwrap_or(0)))
            })
            .collect()
    }

    /// Notes the command `args`, costed from `sizes` (what [`Earlier::sizes`]
    /// gave it) under `limits` (the server's [`Encodings`] among them).
    pub fn note(&mut self, limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes) {
        if !spec.has_flag("write") {
            return;
        }
        let bytes = args.iter().map(|a| a.len() as u64).sum::<u64>();
        let kept = kept_compact(&limits.encodings, spec, args, None, sizes).unwrap_or_default();
        let mut keys = spec.key_positions(args).unwrap_or_default();
        if is_store(spec) {
            keys.retain(|&i| i == 1); // it reads its sources, writes its destination
        }
        for key in keys.into_iter().filter_map(|i| args.get(i)) {
            let mut add = |probe, n: u64| {
                let slot = self.grown.entry((key.clone(), probe)).or_insert(0);
                *slot = slot.saturating_add(n);
            };
            add(Probe::Length, bytes);
            add(Probe::Memory, bytes);
            add(Probe::Cardinality, args.len() as u64);
            let grows = kept.iter().find(|(k, _)| *k == key.as_slice()).map_or(NOT_COMPACT, |(_, k)| k.grows);
            add(Probe::Compact, grows);
        }
    }
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

/// The sizes [`write_bound`] needs: the length of each stream `XREADGROUP`
/// reads (without a `COUNT` it delivers all its new messages, each a
/// pending entry).
pub fn delivery_needs(spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<(Vec<u8>, Probe)> {
    if spec.name != "XREADGROUP" {
        return Vec::new();
    }
    let keys = spec.key_positions(args).unwrap_or_default();
    keys.into_iter().filter_map(|i| args.get(i)).map(|key| (key.clone(), Probe::Cardinality)).collect()
}

/// What the write `args` (keys already in the namespace) can add beside
/// what its cost rule bounds (growth by an offset, copies), at its keys'
/// full encoding's cost, from the `sizes` of [`delivery_needs`]: 0 for a
/// command that is not a write.
pub fn write_bound(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes) -> u64 {
    write_bound_at(limits, spec, args, None, sizes)
}

/// [`write_bound`], with the key positions when known ([`positions`]).
fn write_bound_at(
    limits: &Limits,
    spec: &CommandSpec,
    args: &[Vec<u8>],
    known: Option<&[usize]>,
    sizes: &dyn Measured,
) -> u64 {
    let Some(rule) = adds(spec) else { return 0 };
    let positions = positions(spec, args, known);
    let keys = || positions.iter().filter_map(|&i| args.get(i));
    let new_keys = || keys().fold(0u64, |sum, key| sum.saturating_add(KEY + 2 * sds(key.len() as u64)));
    let elements = |per_arg: u64| {
        args.iter().skip(1).fold(0u64, |sum, arg| sum.saturating_add(sds(arg.len() as u64) + per_arg))
    };
    match rule {
        Adds::Nothing => 0,
        Adds::Elements { per_arg } if spec.name.ends_with("INCRBYFLOAT") => {
            elements(per_arg).saturating_add(new_keys()).saturating_add(sds(FLOAT_CHARS))
        }
        Adds::Elements { per_arg } => elements(per_arg).saturating_add(new_keys()),
        Adds::Move => {
            let element = limits.max_arg_bytes as u64;
            elements(24).saturating_add(new_keys()).saturating_add(alloc(element) - element)
        }
        Adds::Sketch => {
            elements(8).saturating_add(new_keys()).saturating_add((keys().count() as u64) * sds(SKETCH))
        }
        Adds::Delivered => {
            let count = args
                .iter()
                .position(|a| a.eq_ignore_ascii_case(b"COUNT"))
                .and_then(|i| std::str::from_utf8(args.get(i + 1)?).ok()?.parse::<u64>().ok());
            let unprobed = count.unwrap_or_else(|| (args.len() as u64).max(limits.max_reply_elements as u64));
            // A stream delivers at most its length (probed: `delivery_needs`),
            // all of it without a `COUNT`.
            let delivers = |key: &Vec<u8>| match sizes.size(key, Probe::Cardinality) {
                Some(length) => count.map_or(length, |count| count.min(length)),
                None => unprobed,
            };
            let messages = match keys().count() {
                0 => unprobed,
                _ => keys().map(delivers).fold(0u64, u64::saturating_add),
            };
            elements(8).saturating_add(messages.saturating_mul(PENDING))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    /// Redis 7.0's default thresholds (`Limits::SHARED`'s).
    const DEFAULTS: Encodings = Encodings::REDIS_7_0;

    fn bound(words: &[&str]) -> u64 {
        let args: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        write_bound(&Limits::SHARED, lookup(words[0]).expect("known"), &args, &Sizes::default())
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
        assert!(conversion(&DEFAULTS, sadd, &args, &compact) >= 24_712 - 1328);
        // A small set gaining an integer stays an intset; a string converts it.
        let small: Sizes = [((b"s".to_vec(), Probe::Compact), 100)].into_iter().collect();
        assert_eq!(conversion(&DEFAULTS, sadd, &args, &small), 0);
        assert!(conversion(&DEFAULTS, sadd, &words(&["SADD", "s", "x"]), &small) > 0);
        // A landing's ten fields written again: no conversion possible.
        let hset = lookup("HSET").expect("known");
        let fields: Vec<String> = (0..10).flat_map(|i| [format!("field{i}"), "value".to_string()]).collect();
        let mut landing = vec!["HSET", "h"];
        landing.extend(fields.iter().map(String::as_str));
        let hash: Sizes = [((b"h".to_vec(), Probe::Compact), 300)].into_iter().collect();
        assert_eq!(conversion(&DEFAULTS, hset, &words(&landing), &hash), 0);
        let long = "v".repeat(65);
        assert!(
            conversion(&DEFAULTS, hset, &words(&["HSET", "h", "f", &long]), &hash) > 0,
            "a value past 64 bytes"
        );
        assert_eq!(conversion(&DEFAULTS, sadd, &args, &Sizes::default()), 0, "missing, or converted already");
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

    #[test]
    fn a_write_kept_compact_reserves_its_compact_growth() {
        let limits = Limits::SHARED;
        let words = |w: &[String]| -> Vec<Vec<u8>> { w.iter().map(|w| w.as_bytes().to_vec()).collect() };
        let hset = lookup("HSET").expect("known");
        let mut landing = vec!["HSET".to_string(), "{s:t}:meteorite:1".to_string()];
        landing.extend((0..10).flat_map(|i| [format!("field{i}"), format!("value-{i}")]));
        let args = words(&landing);
        let probed =
            |size: u64| -> Sizes { [((args[1].clone(), Probe::Compact), size)].into_iter().collect() };
        let bytes: u64 = args[2..].iter().map(|a| a.len() as u64).sum();
        let new = write_growth(&limits, hset, &args, &probed(0));
        assert!(new >= KEY + bytes && new <= KEY + 100 + bytes * 5 / 4 + 4 * 20 * 5 / 4 + 20, "{new}");
        assert!(
            new < write_bound(&limits, hset, &args, &Sizes::default()) * 3 / 4,
            "far below its hashtable cost"
        );
        let again = write_growth(&limits, hset, &args, &probed(300));
        assert!(again >= new && again <= new + 300 / 4 + 8, "{again}");
        let full = write_growth(&limits, hset, &args, &probed(NOT_COMPACT));
        assert_eq!(full, write_bound(&limits, hset, &args, &Sizes::default()), "a hashtable: its full cost");
        assert_eq!(write_growth(&limits, hset, &args, &Sizes::default()), full, "not probed: its full cost");
        // An intset gaining a 64-bit integer may widen: four times its bytes.
        let sadd = lookup("SADD").expect("known");
        let set = |member: &str| words(&["SADD".into(), "s".into(), member.into()]);
        let intset: Sizes = [((b"s".to_vec(), Probe::Compact), 1000)].into_iter().collect();
        assert!(write_growth(&limits, sadd, &set("7"), &intset) < 600, "a quarter of it, rounded up");
        assert!(write_growth(&limits, sadd, &set(&i64::MAX.to_string()), &intset) >= 3000);
        assert!(write_growth(&limits, sadd, &set("01"), &intset) >= 1000 * 20, "01 is a string to Redis");
        // The float commands: a long double in full.
        let incr = lookup("HINCRBYFLOAT").expect("known");
        let float = words(&["HINCRBYFLOAT".into(), "h".into(), "f".into(), "1e4000".into()]);
        let hash: Sizes = [((b"h".to_vec(), Probe::Compact), 100)].into_iter().collect();
        assert!(write_growth(&limits, incr, &float, &hash) >= FLOAT_CHARS + 100 * 20);
    }

    #[test]
    fn the_servers_thresholds_decide_what_stays_compact() {
        let words = |w: &[String]| -> Vec<Vec<u8>> { w.iter().map(|w| w.as_bytes().to_vec()).collect() };
        let low = Encodings {
            hash: Listpack { entries: 8, value: 64 },
            zset: Listpack { entries: 8, value: 64 },
            intset_entries: 8,
            set: None,
        };
        let limits = Limits::SHARED;
        let lowered = Limits { encodings: low, ..Limits::SHARED };
        // A new hash of ten fields: a listpack by Redis's defaults, a
        // hashtable at 8 entries (its full cost, as a key not compact).
        let hset = lookup("HSET").expect("known");
        let mut fields = vec!["HSET".to_string(), "h".to_string()];
        fields.extend((0..10).flat_map(|i| [format!("f{i}"), "1".to_string()]));
        let args = words(&fields);
        let new: Sizes = [((b"h".to_vec(), Probe::Compact), 0)].into_iter().collect();
        let full = write_bound(&limits, hset, &args, &Sizes::default());
        assert!(write_growth(&limits, hset, &args, &new) < full * 3 / 4, "compact by the defaults");
        assert_eq!(write_growth(&lowered, hset, &args, &new), full, "a hashtable at 8 entries");
        // A listpack of 8 pairs given one more converts at 8, not at 128.
        let one = words(&["HSET".into(), "h".into(), "f8".into(), "1".into()]);
        let listpack: Sizes = [((b"h".to_vec(), Probe::Compact), 112)].into_iter().collect();
        assert_eq!(conversion(&DEFAULTS, hset, &one, &listpack), 0);
        assert!(conversion(&low, hset, &one, &listpack) >= 592 - 112, "Redis 7.0: 112 bytes → 592");
        // An intset of 8 given a ninth; a value past a lowered value limit.
        let sadd = lookup("SADD").expect("known");
        let nine = words(&["SADD".into(), "s".into(), "9".into()]);
        let intset: Sizes = [((b"s".to_vec(), Probe::Compact), 80)].into_iter().collect();
        assert_eq!(conversion(&DEFAULTS, sadd, &nine, &intset), 0);
        assert!(conversion(&low, sadd, &nine, &intset) >= 584 - 80, "Redis 7.0: 80 bytes → 584");
        let short = Encodings { hash: Listpack { entries: 128, value: 4 }, ..DEFAULTS };
        let long = words(&["HSET".into(), "h".into(), "f".into(), "value".into()]);
        assert!(conversion(&short, hset, &long, &listpack) > 0, "a value of 5 bytes past 4");
        // Nothing compact (the thresholds unread): every key at its full cost.
        let none = Limits { encodings: Encodings::NONE_COMPACT, ..Limits::SHARED };
        let new_set: Sizes = [((b"s".to_vec(), Probe::Compact), 0)].into_iter().collect();
        assert!(write_growth(&limits, sadd, &nine, &new_set) < write_bound(&limits, sadd, &nine, &new_set));
        assert_eq!(write_growth(&none, sadd, &nine, &new_set), write_bound(&none, sadd, &nine, &new_set));
        assert!(write_growth(&none, sadd, &nine, &intset) > write_bound(&none, sadd, &nine, &intset));
    }

    #[test]
    fn integers_are_read_as_redis_reads_them() {
        for (text, read) in [("0", Some(0)), ("-12", Some(-12)), ("01", None), ("+1", None), ("-0", None)] {
            assert_eq!(redis_integer(text.as_bytes()), read, "{text}");
        }
        assert_eq!(redis_integer(b"9223372036854775808"), None);
        assert_eq!(redis_integer(b""), None);
    }

    #[test]
    fn earlier_writes_grow_a_compact_key_then_convert_it_once() {
        let limits = Limits::SHARED;
        let hset = lookup("HSET").expect("known");
        let mut earlier = Earlier::default();
        let needs = vec![(b"h".to_vec(), Probe::Compact)];
        let measured: Sizes = [((b"h".to_vec(), Probe::Compact), 0)].into_iter().collect();
        let mut conversions = 0;
        let mut total = 0u64;
        for i in 0..100 {
            let args: Vec<Vec<u8>> =
                ["HSET", "h", &format!("f{i}"), "v"].iter().map(|w| w.as_bytes().to_vec()).collect();
            let sizes = earlier.sizes(&measured, &needs);
            conversions += usize::from(conversion(&DEFAULTS, hset, &args, &sizes) > 0);
            total += write_growth(&limits, hset, &args, &sizes);
            earlier.note(&limits, hset, &args, &sizes);
        }
        assert_eq!(conversions, 1, "converted once");
        // Its hashtable of 100 small fields: about 8 KB on Redis 7.0.
        assert!(total >= 8000, "{total}");
        let del = lookup("DEL").expect("known");
        let args: Vec<Vec<u8>> = vec![b"DEL".to_vec(), b"k".to_vec()];
        earlier.note(&limits, del, &args, &Sizes::default());
        let after = earlier.sizes(&Sizes::default(), &[(b"k".to_vec(), Probe::Compact)]);
        assert_eq!(after.values().copied().collect::<Vec<_>>(), vec![NOT_COMPACT]);
    }
}
