//! The cost table: which family of cost rule each bounded command follows
//! (the parent module says what each family measures and bounds).

use std::sync::OnceLock;

use bolide_shared::commands::CommandSpec;

/// The families of commands whose cost is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `KEYS pattern`: the pattern's length.
    Keys,
    /// `SCAN`/`SSCAN`/`HSCAN`/`ZSCAN`: `MATCH` pattern length, `COUNT`.
    Scan,
    /// A count argument at this index (random members, pops): `|count|`.
    Count(usize),
    /// A `COUNT n` option (`LMPOP`, `ZMPOP`).
    CountOption,
    /// `MEMORY USAGE key SAMPLES n`: `0` walks the whole value.
    MemorySamples,
    /// `LCS a b`: the product of the lengths.
    Lcs,
    /// Set and sorted-set algebra (`SUNION`, `ZINTERSTORE`, …), `SORT`: the
    /// sum of the inputs' cardinalities; the reply (when not stored) is
    /// bounded as `shape` says.
    Combine(Combined),
    /// The whole collection in the reply (`HGETALL`, `SMEMBERS`, …);
    /// `per_element` reply entries per element (2 for field and value).
    Whole { per_element: u64 },
    /// A range of a collection: by index (`LRANGE`, `ZRANGE`) or with an
    /// optional `LIMIT`/`COUNT`; `store`: the range is stored, not replied.
    Range { by_index: bool, store: bool },
    /// A string in the reply: `GET`, `GETRANGE` (`cut`: the console may
    /// read a prefix instead), `GETDEL`, `GETSET`, …
    StringRead { cut: bool, ranged: bool },
    /// `SET … GET`: the old value in the reply.
    SetGet,
    /// `MGET`: every string in the reply.
    Mget,
    /// `BITCOUNT`/`BITPOS`: the bytes of the range (`range_at`: where the
    /// range starts).
    BitScan { range_at: usize },
    /// `BITOP op dest src…`: the sources' bytes (and the longest, written).
    Bitop,
    /// `COPY src dst`: as many bytes as the source, written.
    Copy,
    /// A write that can make a string longer than its arguments: checked
    /// against the sandbox's remaining quota before it runs.
    Grow(Growth),
}

/// How a [`Family::Grow`] write grows its string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// `APPEND key value`: by the value.
    Append,
    /// `SETRANGE key offset value`: up to `offset + len(value)`.
    SetRange,
    /// `SETBIT key offset bit`: up to `offset / 8 + 1`.
    SetBit,
    /// `BITFIELD key SET|INCRBY type offset …`: up to the last bit set.
    Bitfield,
}

/// How big the reply of a [`Family::Combine`] can be, from its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combined {
    /// A union: all inputs.
    Union,
    /// An intersection: the smallest input.
    Inter,
    /// A difference: the first input.
    Diff,
    /// Stored or counted: no elements in the reply.
    Stored,
}

/// The table: every command whose cost is bounded, sorted by name.
pub const RULES: &[(&str, Family)] = &[
    ("APPEND", Family::Grow(Growth::Append)),
    ("BITCOUNT", Family::BitScan { range_at: 2 }),
    ("BITFIELD", Family::Grow(Growth::Bitfield)),
    ("BITOP", Family::Bitop),
    ("BITPOS", Family::BitScan { range_at: 3 }),
    ("COPY", Family::Copy),
    ("GEORADIUS", Family::Range { by_index: false, store: false }),
    ("GEORADIUSBYMEMBER", Family::Range { by_index: false, store: false }),
    ("GEORADIUSBYMEMBER_RO", Family::Range { by_index: false, store: false }),
    ("GEORADIUS_RO", Family::Range { by_index: false, store: false }),
    ("GEOSEARCH", Family::Range { by_index: false, store: false }),
    ("GEOSEARCHSTORE", Family::Range { by_index: false, store: true }),
    ("GET", Family::StringRead { cut: true, ranged: false }),
    ("GETDEL", Family::StringRead { cut: false, ranged: false }),
    ("GETEX", Family::StringRead { cut: false, ranged: false }),
    ("GETRANGE", Family::StringRead { cut: true, ranged: true }),
    ("GETSET", Family::StringRead { cut: false, ranged: false }),
    ("HGETALL", Family::Whole { per_element: 2 }),
    ("HKEYS", Family::Whole { per_element: 1 }),
    ("HRANDFIELD", Family::Count(2)),
    ("HSCAN", Family::Scan),
    ("HVALS", Family::Whole { per_element: 1 }),
    ("KEYS", Family::Keys),
    ("LCS", Family::Lcs),
    ("LMPOP", Family::CountOption),
    ("LPOP", Family::Count(2)),
    ("LRANGE", Family::Range { by_index: true, store: false }),
    ("MEMORY USAGE", Family::MemorySamples),
    ("MGET", Family::Mget),
    ("RPOP", Family::Count(2)),
    ("SCAN", Family::Scan),
    ("SDIFF", Family::Combine(Combined::Diff)),
    ("SDIFFSTORE", Family::Combine(Combined::Stored)),
    ("SET", Family::SetGet),
    ("SETBIT", Family::Grow(Growth::SetBit)),
    ("SETRANGE", Family::Grow(Growth::SetRange)),
    ("SINTER", Family::Combine(Combined::Inter)),
    ("SINTERCARD", Family::Combine(Combined::Stored)),
    ("SINTERSTORE", Family::Combine(Combined::Stored)),
    ("SMEMBERS", Family::Whole { per_element: 1 }),
    ("SORT", Family::Combine(Combined::Union)),
    ("SORT_RO", Family::Combine(Combined::Union)),
    ("SPOP", Family::Count(2)),
    ("SRANDMEMBER", Family::Count(2)),
    ("SSCAN", Family::Scan),
    ("SUBSTR", Family::StringRead { cut: true, ranged: true }),
    ("SUNION", Family::Combine(Combined::Union)),
    ("SUNIONSTORE", Family::Combine(Combined::Stored)),
    ("XRANGE", Family::Range { by_index: false, store: false }),
    ("XREVRANGE", Family::Range { by_index: false, store: false }),
    ("ZDIFF", Family::Combine(Combined::Diff)),
    ("ZDIFFSTORE", Family::Combine(Combined::Stored)),
    ("ZINTER", Family::Combine(Combined::Inter)),
    ("ZINTERCARD", Family::Combine(Combined::Stored)),
    ("ZINTERSTORE", Family::Combine(Combined::Stored)),
    ("ZMPOP", Family::CountOption),
    ("ZPOPMAX", Family::Count(2)),
    ("ZPOPMIN", Family::Count(2)),
    ("ZRANDMEMBER", Family::Count(2)),
    ("ZRANGE", Family::Range { by_index: true, store: false }),
    ("ZRANGEBYLEX", Family::Range { by_index: false, store: false }),
    ("ZRANGEBYSCORE", Family::Range { by_index: false, store: false }),
    ("ZRANGESTORE", Family::Range { by_index: true, store: true }),
    ("ZREVRANGE", Family::Range { by_index: true, store: false }),
    ("ZREVRANGEBYLEX", Family::Range { by_index: false, store: false }),
    ("ZREVRANGEBYSCORE", Family::Range { by_index: false, store: false }),
    ("ZSCAN", Family::Scan),
    ("ZUNION", Family::Combine(Combined::Union)),
    ("ZUNIONSTORE", Family::Combine(Combined::Stored)),
];

/// Writes that can make a key much larger than their own arguments.
pub const GROWS_UNBOUNDED: &[&str] = &[
    "BITFIELD",
    "BITOP",
    "COPY",
    "GEORADIUS",
    "GEORADIUSBYMEMBER",
    "GEOSEARCHSTORE",
    "RENAME",
    "RENAMENX",
    "SDIFFSTORE",
    "SETBIT",
    "SETRANGE",
    "SINTERSTORE",
    "SORT",
    "SUNIONSTORE",
    "ZDIFFSTORE",
    "ZINTERSTORE",
    "ZRANGESTORE",
    "ZUNIONSTORE",
];

/// The rule of a command, if its cost is bounded.
///
/// Asked several times per forwarded command (its needs, its bounded
/// form, its plan, the key index), so each table entry's is looked up
/// once, the first time, and then read by the entry's index.
pub fn family(spec: &CommandSpec) -> Option<Family> {
    static BY_ENTRY: OnceLock<Vec<Option<Family>>> = OnceLock::new();
    spec.per_entry(&BY_ENTRY, search_family)
}

/// [`family`] by name, in [`RULES`].
fn search_family(spec: &CommandSpec) -> Option<Family> {
    RULES.binary_search_by(|(name, _)| name.cmp(&spec.name)).ok().map(|i| RULES[i].1)
}

/// What a write can add to Redis's memory beside its own arguments (see
/// [`super::growth`], which turns a rule into bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adds {
    /// Nothing it does not free first (deletes, pops, trims, removals).
    Nothing,
    /// Each argument may become an element (a value, a field, a member, a
    /// list element, a score), `per_arg` bytes of Redis's bookkeeping
    /// beside its own allocation; each key a new key.
    Elements { per_arg: u64 },
    /// Moves one element of unknown size from a list to another (its
    /// allocation may round up by a quarter of the largest argument).
    Move,
    /// Adds pending entries to a consumer group, one per message
    /// delivered or claimed (`COUNT`, else the ids, else the reply's bound).
    Delivered,
    /// A HyperLogLog per key, up to its dense size.
    Sketch,
}

/// Bookkeeping per element, by the command table's group, for the writes
/// Redis flags `denyoom` (they may use more memory). Measured on Redis 7.0
/// (jemalloc): a hashtable's entry (24) and bucket (up to 24 while it
/// rehashes) shared by a field and its value; a set member's entry and
/// bucket; a sorted-set member's entry, bucket and skip-list node (40 at
/// one level, 16 more per level, 1.33 levels on average) shared by a score
/// and its member; a list element's listpack header and its share of a
/// quicklist node; a stream entry's listpack headers and radix-tree share.
pub const PER_ARG: &[(&str, u64)] = &[
    ("bitmap", 8),
    ("generic", 8),
    ("geo", 64),
    ("hash", 24),
    ("hyperloglog", 8),
    ("list", 24),
    ("set", 48),
    ("sorted-set", 64),
    ("stream", 16),
    ("string", 8),
];

/// Writes whose rule is not their group's (sorted by name); every other
/// write flagged `denyoom` adds [`Adds::Elements`] of its group, any other
/// write [`Adds::Nothing`].
pub const WRITE_RULES: &[(&str, Adds)] = &[
    ("BLMOVE", Adds::Move),
    ("BRPOPLPUSH", Adds::Move),
    ("EXPIRE", Adds::Elements { per_arg: 8 }),
    ("EXPIREAT", Adds::Elements { per_arg: 8 }),
    ("GETEX", Adds::Elements { per_arg: 8 }),
    ("LMOVE", Adds::Move),
    ("PEXPIRE", Adds::Elements { per_arg: 8 }),
    ("PEXPIREAT", Adds::Elements { per_arg: 8 }),
    ("PFADD", Adds::Sketch),
    ("PFMERGE", Adds::Sketch),
    ("RENAME", Adds::Elements { per_arg: 8 }),
    ("RENAMENX", Adds::Elements { per_arg: 8 }),
    ("RPOPLPUSH", Adds::Move),
    ("SMOVE", Adds::Elements { per_arg: 48 }),
    ("XAUTOCLAIM", Adds::Delivered),
    ("XCLAIM", Adds::Delivered),
    ("XREADGROUP", Adds::Delivered),
];

/// What a write can add, by its rule; `None` for a command that is not a write.
pub fn adds(spec: &CommandSpec) -> Option<Adds> {
    // Asked several times per write: decided once per table entry.
    static BY_ENTRY: OnceLock<Vec<Option<Adds>>> = OnceLock::new();
    spec.per_entry(&BY_ENTRY, search_adds)
}

/// [`adds`] by the command's flags, name and group.
fn search_adds(spec: &CommandSpec) -> Option<Adds> {
    if !spec.has_flag("write") {
        return None;
    }
    if let Ok(i) = WRITE_RULES.binary_search_by(|(name, _)| name.cmp(&spec.name)) {
        return Some(WRITE_RULES[i].1);
    }
    if !spec.has_flag("denyoom") {
        return Some(Adds::Nothing);
    }
    let per_arg = PER_ARG.iter().find(|(group, _)| *group == spec.group).map_or(64, |(_, bytes)| *bytes);
    Some(Adds::Elements { per_arg })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands;

    #[test]
    fn each_entry_keeps_the_write_rule_its_flags_name_and_group_give() {
        for spec in commands::all() {
            assert_eq!(adds(spec), search_adds(spec), "{}", spec.name);
        }
    }
}
