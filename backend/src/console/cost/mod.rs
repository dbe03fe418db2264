//! What a command will cost, known before it runs: one cost rule per
//! command family, in one table ([`RULES`]).
//!
//! # Why
//! On a shared server one student's command can keep Redis busy for
//! seconds (`LCS` of two long strings, `SUNIONSTORE` of huge sets), make it
//! write gigabytes (`BITOP` over a long string) or make Bolide hold a reply
//! many times a value's size (`GET` of a 64 MiB string). So every command
//! whose cost depends on its arguments or on the size of its keys has a
//! rule here, and the relay asks the rule before forwarding — for the
//! console and the gateway alike, as both run through
//! [`super::relay::Relay`].
//!
//! # How
//! A rule first says what it must know ([`needs`]): a string's length
//! (`STRLEN`), a collection's cardinality (`SCARD`/`ZCARD`/`LLEN`/`HLEN`/
//! `XLEN`: the one of the key's type answers, the others fail with
//! `WRONGTYPE`), an estimate of its memory (`MEMORY USAGE … SAMPLES 5`). All
//! of these are O(1) and are sent in one pipeline. Then the rule turns the
//! sizes into a [`Cost`] ([`plan`]) — pairs of characters compared, input
//! elements, bytes scanned, reply bytes and elements — and the cost is
//! checked against the [`Limits`]. Inside `MULTI` the costs of the queued
//! commands are summed over the transaction and checked at `EXEC`. A plain
//! `GET` outside `MULTI` needs no probe first: it is sent in a form that
//! cannot read past the bound, and costed from what it read
//! ([`BoundedRead`]), so a pipelined batch of them is one round trip.
//!
//! A console reply longer than the console shows is not read whole: `GET`
//! of a long string becomes `GETRANGE` up to the byte limit, `LRANGE` and
//! index `ZRANGE` up to the element limit, and the console says how much
//! was left out ([`Cut`]). The gateway hands replies to programs, which must
//! not get a silently cut value, so there the same replies are refused with
//! an error naming the limit (read it in parts: `GETRANGE`, `SCAN`, ranges).
//!
//! **Every write** is costed in the bytes it can add ([`Cost::grow_bytes`]):
//! its arguments and Redis's bookkeeping for them ([`growth`], one rule
//! per command family: [`table::adds`]), plus what grows a key far beyond
//! its own arguments (`SETRANGE`, `SETBIT`, `BITFIELD`, `APPEND` up to their
//! offset, allocated greedily; `BITOP`; the copies: `COPY` by its source's memory, `*STORE` and
//! `SORT … STORE` by their sources' elements in the destination's encoding:
//! [`store::stored`]). Whether a small hash, set or sorted set stays
//! compact is the server's call, by thresholds Bolide reads from it at
//! start ([`Encodings`]). The relay reserves that in
//! the sandbox's quota before the write runs
//! ([`crate::sandbox::headroom`]), so a series of writes stops at the quota.
//!
//! Rules that need no sizes (patterns, `COUNT`s) are checked by
//! [`check_static`], on every path, the emulated `KEYS`/`SCAN` included.
//!
//! Sizes are measured just before the command runs; inside `MULTI`, a key
//! an earlier queued command writes may have grown by then. A write adds at
//! most its arguments, except for the commands that copy or grow by an
//! offset ([`GROWS_UNBOUNDED`]): a costed read of a key one of those writes
//! earlier in the same transaction is refused.

mod bounded_read;
mod encodings;
mod growth;
mod probe;
mod store;
mod table;

use bolide_shared::commands::CommandSpec;

pub use bounded_read::{BoundedRead, Read};
pub use encodings::{Encodings, Listpack};
pub use growth::{alloc, grown, queued as queued_bytes, write_bound, write_growth, Earlier};
pub use probe::{
    add_probes, probe_pipeline, probe_width, read_sizes, Measured, OneSize, Probe, Sizes, NOT_COMPACT,
};
pub use table::{adds, family, Adds, Combined, Family, Growth, GROWS_UNBOUNDED, RULES};

use super::Limits;

/// What a command costs, in the units the limits bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Pairs of characters `LCS` compares.
    pub lcs_cells: u64,
    /// Elements of the inputs of set algebra and `SORT`.
    pub input_elements: u64,
    /// Bytes of strings scanned (`BITCOUNT`, `BITPOS`, `BITOP`).
    pub scan_bytes: u64,
    /// Estimated bytes of the reply.
    pub reply_bytes: u64,
    /// Elements of the reply.
    pub reply_elements: u64,
    /// Bytes a write may add to the sandbox: its arguments and their
    /// bookkeeping ([`write_bound`]), its growth by an offset, its copies.
    pub grow_bytes: u64,
}

impl Cost {
    pub fn plus(self, other: Cost) -> Cost {
        Cost {
            lcs_cells: self.lcs_cells.saturating_add(other.lcs_cells),
            input_elements: self.input_elements.saturating_add(other.input_elements),
            scan_bytes: self.scan_bytes.saturating_add(other.scan_bytes),
            reply_bytes: self.reply_bytes.saturating_add(other.reply_bytes),
            reply_elements: self.reply_elements.saturating_add(other.reply_elements),
            grow_bytes: self.grow_bytes.saturating_add(other.grow_bytes),
        }
    }

    /// Why a command (`what`: its name, or "this transaction") costing
    /// this much is refused, naming the bound it passes. (Whether its
    /// growth fits what is left of the quota is the reservation's answer:
    /// here only growth that could never fit is refused.)
    pub fn refusal(&self, limits: &Limits, what: &str) -> Option<String> {
        let over = |value: u64, max: u64| max > 0 && value > max;
        let per = if what == TRANSACTION { "in one transaction" } else { "per command" };
        if over(self.lcs_cells, limits.max_lcs_cells) {
            return Some(format!(
                "ERR {what} is refused: LCS would compare {} pairs of characters; Bolide allows at most {} {per}",
                self.lcs_cells, limits.max_lcs_cells
            ));
        }
        if over(self.input_elements, limits.max_input_elements) {
            return Some(format!(
                "ERR {what} is refused: its inputs hold {} elements; Bolide allows at most {} {per}",
                self.input_elements, limits.max_input_elements
            ));
        }
        if over(self.scan_bytes, limits.max_scan_bytes) {
            return Some(format!(
                "ERR {what} is refused: it would scan {} bytes of strings; Bolide allows at most {} {per}",
                self.scan_bytes, limits.max_scan_bytes
            ));
        }
        if over(self.reply_bytes, limits.max_reply_bytes) {
            return Some(format!(
                "ERR reply too large: {what} would return about {} bytes; Bolide returns at most {} bytes in \
                 one reply; read it in parts (GETRANGE, SCAN, HSCAN, SSCAN, a smaller range)",
                self.reply_bytes, limits.max_reply_bytes
            ));
        }
        let max_elements = u64::try_from(limits.max_reply_elements).unwrap_or(u64::MAX);
        if !limits.truncate_replies && self.reply_elements > max_elements {
            return Some(format!(
                "ERR reply too long: {what} would return {} elements; Bolide returns at most {} elements in one \
                 array; ask for less (SCAN, HSCAN, LRANGE with a range)",
                self.reply_elements, max_elements
            ));
        }
        // Last: a store's bound grows with its inputs, whose own bound
        // names what to change.
        let quota = limits.max_session_bytes;
        if quota > 0 && self.grow_bytes > quota {
            return Some(format!(
                "ERR {what} is refused: it would add up to {} bytes, more than this sandbox's whole \
                 {quota}-byte quota",
                self.grow_bytes
            ));
        }
        None
    }
}

/// Why a write adding `bytes` to a sandbox holding `used` of its `quota`
/// is refused.
pub fn quota_refusal(what: &str, bytes: u64, quota: u64, used: u64) -> String {
    format!(
        "ERR {what} is refused: it would add up to {bytes} bytes, and this sandbox has about {} bytes left of its \
         {quota}-byte quota; delete keys (DEL, FLUSHDB) to make room (they count at the next measurement, \
         within a second when the room runs out)",
        quota.saturating_sub(used)
    )
}

/// What [`Cost::refusal`] calls a whole transaction.
pub const TRANSACTION: &str = "this transaction";

/// What part of a reply the console leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Cut {
    #[default]
    None,
    /// Bytes of a string not read.
    Bytes(u64),
    /// Elements of an array not read.
    Elements(u64),
}

/// What the relay does with a command: what it costs, the arguments to
/// send instead (a prefix of a long reply), and what that leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub cost: Cost,
    pub args: Option<Vec<Vec<u8>>>,
    pub cut: Cut,
}

fn int(arg: Option<&Vec<u8>>) -> Option<i64> {
    std::str::from_utf8(arg?).ok()?.parse().ok()
}

fn position(args: &[Vec<u8>], word: &[u8]) -> Option<usize> {
    args.iter().skip(1).position(|a| a.eq_ignore_ascii_case(word)).map(|i| i + 1)
}

fn has(args: &[Vec<u8>], word: &[u8]) -> bool {
    position(args, word).is_some()
}

/// Checks that need no sizes: pattern lengths, `COUNT`s, random counts.
pub fn check_static(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>]) -> Option<String> {
    let too_many = |what: &str, n: i64, max: u64| {
        (max > 0 && n.unsigned_abs() > max)
            .then(|| format!("ERR {what} too large ({n}): Bolide allows at most {max}"))
    };
    let random = u64::try_from(limits.max_random_count).unwrap_or(0);
    match family(spec)? {
        Family::Keys => check_pattern(limits, args.get(1)),
        Family::Scan => {
            let pattern = position(args, b"MATCH").and_then(|i| args.get(i + 1));
            check_pattern(limits, pattern).or_else(|| {
                let count = position(args, b"COUNT").and_then(|i| int(args.get(i + 1)))?;
                too_many("COUNT", count, limits.max_scan_count)
            })
        }
        Family::Count(at) => {
            let count = int(args.get(at))?;
            too_many("count", count, random)
        }
        Family::CountOption => {
            let count = position(args, b"COUNT").and_then(|i| int(args.get(i + 1)))?;
            too_many("COUNT", count, random)
        }
        Family::MemorySamples => {
            let samples = position(args, b"SAMPLES").and_then(|i| int(args.get(i + 1)))?;
            let max = limits.max_memory_samples;
            (max > 0 && (samples == 0 || samples.unsigned_abs() > max)).then(|| {
                format!("ERR SAMPLES {samples} is refused: Bolide allows 1 to {max} samples (0 reads the whole value)")
            })
        }
        _ => None,
    }
}

fn check_pattern(limits: &Limits, pattern: Option<&Vec<u8>>) -> Option<String> {
    let len = pattern.map_or(0, Vec::len);
    (len > limits.max_pattern_bytes).then(|| {
        format!(
            "ERR pattern too long ({len} bytes): the console accepts at most {}",
            limits.max_pattern_bytes
        )
    })
}

/// Whether any size-based bound is set (local mode sets none but the
/// reply's bytes).
fn bounded(limits: &Limits) -> bool {
    limits.max_lcs_cells > 0
        || limits.max_input_elements > 0
        || limits.max_scan_bytes > 0
        || limits.max_reply_bytes > 0
        || limits.max_session_bytes > 0
}

/// The sizes a command's rule needs, for `args` as they go to Redis (keys
/// already in the namespace).
pub fn needs(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<(Vec<u8>, Probe)> {
    let mut needs = family_needs(limits, spec, args);
    if limits.max_session_bytes > 0 {
        needs.extend(growth::conversion_needs(spec, args));
        needs.extend(growth::delivery_needs(spec, args));
    }
    needs
}

/// What [`needs`] measures for the command's cost family.
fn family_needs(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<(Vec<u8>, Probe)> {
    let Some(family) = family(spec).filter(|_| bounded(limits)) else { return Vec::new() };
    let key = |i: usize, probe| args.get(i).map(|k| (k.clone(), probe));
    match family {
        Family::Lcs => [key(1, Probe::Length), key(2, Probe::Length)].into_iter().flatten().collect(),
        Family::Combine(_) => spec
            .key_positions(args)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|i| [key(i, Probe::Cardinality), key(i, Probe::Memory)])
            .flatten()
            .collect(),
        Family::Range { store: true, .. } => {
            [key(2, Probe::Cardinality), key(2, Probe::Memory)].into_iter().flatten().collect()
        }
        Family::Copy => key(1, Probe::Memory).into_iter().collect(),
        Family::Whole { .. } | Family::Range { .. } => {
            [key(1, Probe::Cardinality), key(1, Probe::Memory)].into_iter().flatten().collect()
        }
        Family::StringRead { .. } | Family::BitScan { .. } => key(1, Probe::Length).into_iter().collect(),
        Family::SetGet if has(args, b"GET") => key(1, Probe::Length).into_iter().collect(),
        Family::Mget => (1..args.len()).filter_map(|i| key(i, Probe::Length)).collect(),
        Family::Bitop => (3..args.len()).filter_map(|i| key(i, Probe::Length)).collect(),
        // Grown in place (a greedy reallocation, unless its allocation has
        // room): its length and its allocation.
        Family::Grow(_) => [key(1, Probe::Length), key(1, Probe::Memory)].into_iter().flatten().collect(),
        _ => Vec::new(),
    }
}

/// Resolves Redis's `start`/`end` (negative: from the end) over `len`;
/// `(first, count)`.
fn resolve_range(start: i64, end: i64, len: u64) -> (u64, u64) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end.min(len - 1) };
    if start > end || start >= len {
        return (0, 0);
    }
    (start.unsigned_abs(), (end - start + 1).unsigned_abs())
}

/// The cost of a command from the sizes measured, and what to send instead
/// when the console reads a prefix of a long reply (`cut`: the console
/// shows replies cut, outside `MULTI`).
pub fn plan(limits: &Limits, spec: &CommandSpec, args: &[Vec<u8>], sizes: &Sizes, cut: bool) -> Plan {
    plan_at(limits, spec, args, None, sizes, cut)
}

/// [`plan`], with the key positions of `args` when the caller found them
/// already (`known`: what `spec.key_positions(args)` gives; the relay has
/// them from the namespace's rewrite), not searched for again.
pub fn plan_at(
    limits: &Limits,
    spec: &CommandSpec,
    args: &[Vec<u8>],
    known: Option<&[usize]>,
    sizes: &dyn Measured,
    cut: bool,
) -> Plan {
    let mut plan = family_plan(limits, spec, args, sizes, cut);
    if limits.max_session_bytes > 0 {
        let growth = growth::write_growth_at(limits, spec, args, known, sizes);
        plan.cost.grow_bytes = plan.cost.grow_bytes.saturating_add(growth);
    }
    plan
}

/// [`plan`] by the command's cost family only (no family: nothing).
fn family_plan(
    limits: &Limits,
    spec: &CommandSpec,
    args: &[Vec<u8>],
    sizes: &dyn Measured,
    cut: bool,
) -> Plan {
    let Some(family) = family(spec).filter(|_| bounded(limits)) else { return Plan::default() };
    let size = |i: usize, probe| args.get(i).and_then(|k| sizes.size(k, probe)).unwrap_or(0);
    let max_bytes = limits.max_reply_bytes;
    let max_elements = u64::try_from(limits.max_reply_elements).unwrap_or(u64::MAX);
    let mut plan = Plan::default();
    match family {
        Family::Lcs => {
            let (a, b) = (size(1, Probe::Length), size(2, Probe::Length));
            plan.cost.lcs_cells = a.saturating_mul(b);
            if !has(args, b"LEN") {
                plan.cost.reply_bytes = a.min(b);
            }
        }
        Family::Combine(shape) => {
            let keys = spec.key_positions(args).unwrap_or_default();
            let cards: Vec<u64> = keys.iter().map(|&i| size(i, Probe::Cardinality)).collect();
            let memory: Vec<u64> = keys.iter().map(|&i| size(i, Probe::Memory)).collect();
            plan.cost.input_elements = cards.iter().fold(0, |a, b| a.saturating_add(*b));
            let stored = matches!(spec.name, "SORT" | "SORT_RO") && has(args, b"STORE");
            let sum = |v: &[u64]| v.iter().fold(0u64, |a, b| a.saturating_add(*b));
            let (elements, bytes) = match shape {
                _ if stored => (0, 0),
                Combined::Union => (sum(&cards), sum(&memory)),
                Combined::Inter => {
                    (cards.iter().copied().min().unwrap_or(0), memory.iter().copied().min().unwrap_or(0))
                }
                Combined::Diff => (cards.first().copied().unwrap_or(0), memory.first().copied().unwrap_or(0)),
                Combined::Stored => (0, 0),
            };
            // `SORT … LIMIT offset count` replies with `count` of them.
            let limit = matches!(spec.name, "SORT" | "SORT_RO")
                .then(|| position(args, b"LIMIT").and_then(|i| int(args.get(i + 2))))
                .flatten()
                .filter(|n| *n >= 0)
                .map(i64::unsigned_abs);
            let (elements, bytes) = match limit {
                Some(n) if n < elements => (n, bytes.checked_div(elements).unwrap_or(0).saturating_mul(n)),
                _ => (elements, bytes),
            };
            plan.cost.reply_elements = elements;
            plan.cost.reply_bytes = bytes;
            // What a store writes: its sources' elements, in the
            // destination's encoding (not what the destination held).
            if stored {
                let gets = args.iter().skip(2).filter(|a| a.eq_ignore_ascii_case(b"GET")).count();
                plan.cost.grow_bytes = store::sorted_list(size(1, Probe::Memory), gets as u64);
            } else if spec.name.ends_with("STORE") {
                let sources: Vec<usize> = keys.iter().copied().filter(|&i| i != 1).collect();
                plan.cost.grow_bytes =
                    store::stored(&limits.encodings, spec, &store::sources(args, &sources, sizes, None));
            }
        }
        Family::Copy => plan.cost.grow_bytes = size(1, Probe::Memory),
        Family::Whole { per_element } => {
            plan.cost.reply_elements = size(1, Probe::Cardinality).saturating_mul(per_element);
            plan.cost.reply_bytes = size(1, Probe::Memory);
        }
        Family::Range { by_index, store } => {
            // A stored range (`ZRANGESTORE dst src …`, `GEOSEARCHSTORE dst
            // src …`) reads its second key.
            let source = if store { 2 } else { 1 };
            let card = size(source, Probe::Cardinality);
            let each = size(source, Probe::Memory).checked_div(card).unwrap_or(0);
            let per = if has(args, b"WITHSCORES") { 2 } else { 1 };
            let by_index = by_index && !has(args, b"BYSCORE") && !has(args, b"BYLEX");
            let at = source + 1;
            let (first, mut count) = match (by_index, int(args.get(at)), int(args.get(at + 1))) {
                (true, Some(start), Some(end)) => resolve_range(start, end, card),
                _ => (0, card),
            };
            if !by_index {
                let limit = position(args, b"LIMIT")
                    .and_then(|i| int(args.get(i + 2)))
                    .or_else(|| position(args, b"COUNT").and_then(|i| int(args.get(i + 1))));
                if let Some(n) = limit.filter(|n| *n >= 0) {
                    count = count.min(n.unsigned_abs());
                }
            }
            if store {
                plan.cost.input_elements = count;
                let range = store::sources(args, &[source], sizes, Some(count));
                plan.cost.grow_bytes = store::stored(&limits.encodings, spec, &range);
            } else {
                let keep = (max_elements / per).max(1);
                if cut && by_index && count > keep {
                    let mut rewritten = args.to_vec();
                    let start = i64::try_from(first).unwrap_or(i64::MAX);
                    let stop = i64::try_from(first + keep - 1).unwrap_or(i64::MAX);
                    rewritten[at] = start.to_string().into_bytes();
                    rewritten[at + 1] = stop.to_string().into_bytes();
                    plan.args = Some(rewritten);
                    plan.cut = Cut::Elements((count - keep) * per);
                    count = keep;
                }
                plan.cost.reply_elements = count.saturating_mul(per);
                plan.cost.reply_bytes = count.saturating_mul(each);
            }
        }
        Family::StringRead { cut: may_cut, ranged } => {
            let len = size(1, Probe::Length);
            let (first, count) = match (ranged, int(args.get(2)), int(args.get(3))) {
                (true, Some(start), Some(end)) => resolve_range(start, end, len),
                _ => (0, len),
            };
            if cut && may_cut && max_bytes > 0 && count > max_bytes {
                let start = i64::try_from(first).unwrap_or(i64::MAX);
                let stop = i64::try_from(first + max_bytes - 1).unwrap_or(i64::MAX);
                plan.args = Some(vec![
                    b"GETRANGE".to_vec(),
                    args[1].clone(),
                    start.to_string().into_bytes(),
                    stop.to_string().into_bytes(),
                ]);
                plan.cut = Cut::Bytes(count - max_bytes);
                plan.cost.reply_bytes = max_bytes;
            } else {
                plan.cost.reply_bytes = count;
            }
        }
        Family::SetGet => plan.cost.reply_bytes = size(1, Probe::Length),
        Family::Mget => {
            plan.cost.reply_bytes =
                (1..args.len()).fold(0u64, |a, i| a.saturating_add(size(i, Probe::Length)));
        }
        Family::BitScan { range_at } => {
            let len = size(1, Probe::Length);
            let bits = args.get(range_at + 2).is_some_and(|u| u.eq_ignore_ascii_case(b"BIT"));
            let (start, end) = (int(args.get(range_at)), int(args.get(range_at + 1)));
            plan.cost.scan_bytes = match (start, end) {
                (Some(start), end) if bits => {
                    let (_, count) = resolve_range(start, end.unwrap_or(-1), len.saturating_mul(8));
                    count.div_ceil(8)
                }
                (Some(start), end) => resolve_range(start, end.unwrap_or(-1), len).1,
                (None, _) => len,
            };
        }
        Family::Bitop => {
            plan.cost.scan_bytes =
                (3..args.len()).fold(0u64, |a, i| a.saturating_add(size(i, Probe::Length)));
            plan.cost.grow_bytes = alloc((3..args.len()).map(|i| size(i, Probe::Length)).max().unwrap_or(0));
        }
        Family::Grow(growth) => {
            let len = size(1, Probe::Length);
            let end = match growth {
                Growth::Append => len.saturating_add(args.get(2).map_or(0, |v| v.len() as u64)),
                Growth::SetRange => match (int(args.get(2)), args.get(3)) {
                    (Some(offset), Some(value)) if offset >= 0 && !value.is_empty() => {
                        offset.unsigned_abs().saturating_add(value.len() as u64)
                    }
                    _ => 0,
                },
                Growth::SetBit => {
                    int(args.get(2)).filter(|o| *o >= 0).map_or(0, |o| o.unsigned_abs() / 8 + 1)
                }
                Growth::Bitfield => bitfield_end(args),
            };
            plan.cost.grow_bytes = in_place_growth(len, size(1, Probe::Memory), args[1].len(), end);
        }
        Family::Keys | Family::Scan | Family::Count(_) | Family::CountOption | Family::MemorySamples => {}
    }
    plan
}

/// What a string of `len` bytes (its key of `key_len` bytes taking
/// `memory` in all, by `MEMORY USAGE`; 0 when new) can add when a write
/// makes it `end` bytes long. A new string is allocated at its length. An
/// existing one is reallocated only when its allocation has no room for
/// the new bytes, and then greedily ([`grown`]). Its allocation is at least
/// `memory` less the key's bookkeeping (an object, an entry and the name's
/// string, counted at their largest), so its room is at least that less
/// `len` and a header.
fn in_place_growth(len: u64, memory: u64, key_len: usize, end: u64) -> u64 {
    if end <= len {
        return 0;
    }
    if memory == 0 {
        return growth::sds(end);
    }
    let allocated = memory.saturating_sub(40 + growth::sds(key_len as u64));
    if allocated.saturating_sub(len + 10) >= end - len {
        return 0; // it has room: written in place
    }
    grown(end).saturating_sub(allocated)
}

/// What a whole transaction costs, or why it is refused: each queued command's
/// cost from the sizes `measured` before it runs, plus what the writes
/// queued before it can add to its keys (see the module docs), summed.
pub fn transaction_cost(
    limits: &Limits,
    commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
    measured: &Sizes,
) -> Result<Cost, String> {
    let mut earlier = Earlier::default();
    let mut unbounded: std::collections::HashSet<Vec<u8>> = Default::default();
    let mut total = Cost::default();
    for (spec, args) in commands {
        let needs = needs(limits, spec, args);
        if let Some((key, _)) = needs.iter().find(|(key, _)| unbounded.contains(key)) {
            let key = String::from_utf8_lossy(key);
            let key = key.split_once("}:").map_or(&*key, |(_, k)| k);
            return Err(format!(
                    "ERR {} of {key} is refused inside this MULTI: an earlier command of the transaction can grow \
                     it without bound, and Bolide bounds {} by its size before the transaction runs",
                    spec.name, spec.name
                ));
        }
        if family(spec).is_some() || spec.has_flag("write") {
            // Only this command's sizes: a transaction may hold 50,000 writes.
            let sizes = earlier.sizes(measured, &needs);
            total = total.plus(plan(limits, spec, args, &sizes, false).cost);
            earlier.note(limits, spec, args, &sizes);
        }
        if GROWS_UNBOUNDED.contains(&spec.name) {
            let keys = spec.key_positions(args).unwrap_or_default();
            unbounded.extend(keys.iter().filter_map(|&i| args.get(i)).cloned());
        }
    }
    match total.refusal(limits, TRANSACTION) {
        Some(refusal) => Err(refusal),
        None => Ok(total),
    }
}

/// The bytes a `BITFIELD`'s `SET`s and `INCRBY`s reach (`GET` past the
/// end reads zeros and writes nothing).
fn bitfield_end(args: &[Vec<u8>]) -> u64 {
    let mut end = 0u64;
    let mut i = 2;
    while i < args.len() {
        let word = args[i].to_ascii_uppercase();
        match word.as_slice() {
            b"SET" | b"INCRBY" => {
                let width = args
                    .get(i + 1)
                    .and_then(|t| std::str::from_utf8(t.get(1..)?).ok()?.parse::<u64>().ok())
                    .unwrap_or(64);
                let offset = args.get(i + 2).and_then(|o| {
                    let text = std::str::from_utf8(o).ok()?;
                    match text.strip_prefix('#') {
                        Some(n) => n.parse::<u64>().ok()?.checked_mul(width),
                        None => text.parse::<u64>().ok(),
                    }
                });
                let bits = offset.map_or(u64::MAX, |o| o.saturating_add(width));
                end = end.max(bits.div_ceil(8));
                i += 4;
            }
            b"GET" => i += 3,
            b"OVERFLOW" => i += 2,
            _ => i += 1,
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_table_is_sorted_and_names_known_commands() {
        assert!(RULES.windows(2).all(|w| w[0].0 < w[1].0), "RULES must be sorted");
        for (name, _) in RULES {
            let spec = match name.split_once(' ') {
                Some((c, s)) => bolide_shared::commands::lookup_sub(c, s),
                None => lookup(name),
            };
            assert!(spec.is_some_and(|s| s.name == *name), "{name} is not in the command table");
        }
    }

    #[test]
    fn static_bounds() {
        let limits = Limits::SHARED;
        let scan = lookup("SCAN").expect("known");
        assert!(check_static(&limits, scan, &args(&["SCAN", "0", "COUNT", "100000000"])).is_some());
        assert!(check_static(&limits, scan, &args(&["SCAN", "0", "COUNT", "10"])).is_none());
        let keys = lookup("KEYS").expect("known");
        assert!(check_static(&limits, keys, &args(&["KEYS", &"*a".repeat(200)])).is_some());
        let srand = lookup("SRANDMEMBER").expect("known");
        assert!(check_static(&limits, srand, &args(&["SRANDMEMBER", "s", "-9223372036854775808"])).is_some());
        assert!(check_static(&limits, srand, &args(&["SRANDMEMBER", "s", "5"])).is_none());
    }

    #[test]
    fn lcs_is_bounded_by_the_product_and_get_is_cut() {
        let limits = Limits::SHARED;
        let lcs = lookup("LCS").expect("known");
        let a = args(&["LCS", "a", "b", "LEN"]);
        let mut sizes = Sizes::default();
        sizes.insert((b"a".to_vec(), Probe::Length), 11_000);
        sizes.insert((b"b".to_vec(), Probe::Length), 11_000);
        let plan = plan(&limits, lcs, &a, &sizes, true);
        assert_eq!(plan.cost.lcs_cells, 121_000_000);
        assert!(plan
            .cost
            .refusal(&limits, "LCS")
            .is_some_and(|m| m.contains(&limits.max_lcs_cells.to_string())));

        let get = lookup("GET").expect("known");
        let mut sizes = Sizes::default();
        sizes.insert((b"big".to_vec(), Probe::Length), 64 << 20);
        let cut = super::plan(&limits, get, &args(&["GET", "big"]), &sizes, true);
        assert_eq!(
            cut.args,
            Some(args(&["GETRANGE", "big", "0", &(limits.max_reply_bytes - 1).to_string()]))
        );
        assert_eq!(cut.cut, Cut::Bytes((64 << 20) - limits.max_reply_bytes));
        let whole = super::plan(&limits, get, &args(&["GET", "big"]), &sizes, false);
        assert!(whole.cost.refusal(&limits, "GET").is_some());
    }

    #[test]
    fn growth_is_checked_against_the_quota_left() {
        let limits = Limits::SHARED;
        let cost = |words: &[&str]| {
            let spec = lookup(words[0]).expect("known");
            super::plan(&limits, spec, &args(words), &Sizes::default(), true).cost
        };
        // A new string: its offset, rounded up.
        assert!(cost(&["SETRANGE", "k", "536870000", "x"]).grow_bytes >= alloc(536_870_001));
        assert!(cost(&["SETBIT", "k", "4294967295", "1"]).grow_bytes >= alloc(536_870_912));
        assert!(cost(&["BITFIELD", "k", "SET", "u8", "#1000", "1"]).grow_bytes >= alloc(1001));
        assert!(cost(&["BITFIELD", "k", "GET", "u8", "#100000000"]).grow_bytes < 1024, "a new key at most");
        assert!(cost(&["APPEND", "k", "abc"]).grow_bytes >= 3);
        // An existing one, grown in place, is reallocated greedily unless
        // its allocation has room.
        assert_eq!(in_place_growth(1000, 2000, 1, 1001), 0, "room for one more byte");
        assert!(in_place_growth(1000, 1100, 1, 2000) >= grown(2000) - 1100);
        assert_eq!(in_place_growth(1000, 1100, 1, 900), 0, "no longer");
        let mut sizes = Sizes::default();
        sizes.insert((b"a".to_vec(), Probe::Memory), 1000);
        sizes.insert((b"b".to_vec(), Probe::Memory), 500);
        sizes.insert((b"dst".to_vec(), Probe::Memory), 1 << 30);
        let store = |words: &[&str]| {
            let spec = lookup(words[0]).expect("known");
            super::plan(&limits, spec, &args(words), &sizes, true).cost.grow_bytes
        };
        let sunion = store(&["SUNIONSTORE", "dst", "a", "b"]);
        assert!((1500..4000).contains(&sunion), "the sources, not the destination: {sunion}");
        assert!((1000..4000).contains(&store(&["COPY", "a", "dst"])));
        assert!((1000..4000).contains(&store(&["SORT", "a", "STORE", "dst"])));
        let mut sizes = Sizes::default();
        sizes.insert((b"l".to_vec(), Probe::Cardinality), 50_000);
        sizes.insert((b"l".to_vec(), Probe::Memory), 5 << 20);
        let sort = lookup("SORT").expect("known");
        let whole = super::plan(&limits, sort, &args(&["SORT", "l"]), &sizes, true).cost;
        assert!(whole.refusal(&limits, "SORT").is_some(), "5 MiB of reply");
        let some = super::plan(&limits, sort, &args(&["SORT", "l", "LIMIT", "0", "10"]), &sizes, true).cost;
        assert_eq!((some.reply_elements, some.input_elements), (10, 50_000));
        assert!(some.refusal(&limits, "SORT").is_none(), "{some:?}");
        let big = cost(&["SETRANGE", "k", "536870000", "x"]);
        assert!(big.refusal(&limits, "SETRANGE").is_some_and(|m| m.contains("67108864-byte quota")));
        let small = cost(&["SETRANGE", "k", "1000", "x"]);
        assert!(small.refusal(&limits, "SETRANGE").is_none());
    }

    #[test]
    fn ranges_resolve_like_redis() {
        assert_eq!(resolve_range(0, -1, 10), (0, 10));
        assert_eq!(resolve_range(-3, -1, 10), (7, 3));
        assert_eq!(resolve_range(5, 2, 10), (0, 0));
        assert_eq!(resolve_range(0, 100, 10), (0, 10));
        assert_eq!(resolve_range(0, -1, 0), (0, 0));
    }
}
