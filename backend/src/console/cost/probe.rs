//! Measuring the sizes a cost rule needs: O(1) commands in one pipeline,
//! sent as the sandbox's own user (so only its keys can be measured).

use std::collections::HashMap;

/// A size Bolide measures before a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// `STRLEN`.
    Length,
    /// The cardinality, whatever the type.
    Cardinality,
    /// `MEMORY USAGE … SAMPLES 5`.
    Memory,
    /// The key's memory when its encoding is a compact one (`listpack`,
    /// `intset`, `ziplist`: Redis converts it to its full encoding as it
    /// grows); 0 when it does not exist; [`NOT_COMPACT`] when it exists in
    /// another encoding (or its encoding could not be read):
    /// `OBJECT ENCODING` and `MEMORY USAGE`, both O(1).
    Compact,
}

/// The encodings Redis converts to a full one as a collection grows.
const COMPACT: [&[u8]; 3] = [b"listpack", b"intset", b"ziplist"];

/// [`Probe::Compact`]'s size of a key in a full encoding, or of unknown
/// encoding: its writes are bounded at their full encoding's cost.
pub const NOT_COMPACT: u64 = u64::MAX;

/// The sizes measured, by key and probe. Hashed with a seeded hash
/// cheaper than std's (`foldhash`): a `GET` alone builds a map of one size
/// and reads it back, and SipHash over a namespaced key was a tenth of
/// what the gateway spent on it. (Seeded per process: a student cannot
/// choose keys that collide; a map holds one batch's keys at most.)
pub type Sizes = HashMap<(Vec<u8>, Probe), u64, foldhash::fast::RandomState>;

/// What a cost rule reads its sizes from ([`super::plan`]): the sizes
/// measured ([`Sizes`]), or the one a bounded read found ([`OneSize`]).
pub trait Measured {
    /// The size of `key` by `probe`, if measured.
    fn size(&self, key: &[u8], probe: Probe) -> Option<u64>;
}

impl Measured for Sizes {
    /// Looked up by the key's bytes as they are, not a copy of them in a
    /// tuple (every costed command asks for one or two of its sizes; a copy
    /// each was an allocation, a copy and a free).
    fn size(&self, key: &[u8], probe: Probe) -> Option<u64> {
        self.get(&(key, probe) as &dyn SizeSlot).copied()
    }
}

/// A single size: what a bounded read found of its key (a map of one
/// built and read back for every `GET` cost it an allocation and two
/// hashes of the key).
pub struct OneSize<'a> {
    pub key: &'a [u8],
    pub probe: Probe,
    pub size: u64,
}

impl Measured for OneSize<'_> {
    fn size(&self, key: &[u8], probe: Probe) -> Option<u64> {
        (probe == self.probe && key == self.key).then_some(self.size)
    }
}

/// A key of [`Sizes`] as either form names it — owned in the map, borrowed
/// in a lookup ([`Measured::size`]) — hashed and compared alike: `(&[u8], Probe)`
/// hashes as `(Vec<u8>, Probe)` does (a `Vec<u8>` hashes as its slice).
pub trait SizeSlot {
    fn slot(&self) -> (&[u8], Probe);
}

impl SizeSlot for (Vec<u8>, Probe) {
    fn slot(&self) -> (&[u8], Probe) {
        (&self.0, self.1)
    }
}

impl SizeSlot for (&[u8], Probe) {
    fn slot(&self) -> (&[u8], Probe) {
        (self.0, self.1)
    }
}

impl<'a> std::borrow::Borrow<dyn SizeSlot + 'a> for (Vec<u8>, Probe) {
    fn borrow(&self) -> &(dyn SizeSlot + 'a) {
        self
    }
}

impl std::hash::Hash for dyn SizeSlot + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.slot().hash(state);
    }
}

impl PartialEq for dyn SizeSlot + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.slot() == other.slot()
    }
}

impl Eq for dyn SizeSlot + '_ {}

/// The pipeline that measures `needs` (one or more commands per probe, in
/// order); read it back with [`read_sizes`].
pub fn probe_pipeline(needs: &[(Vec<u8>, Probe)]) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    add_probes(&mut pipe, needs);
    pipe
}

/// Appends the commands that measure `needs` to `pipe`: [`probe_width`]
/// replies, read back with [`read_sizes`].
pub fn add_probes(pipe: &mut redis::Pipeline, needs: &[(Vec<u8>, Probe)]) {
    for (key, probe) in needs {
        match probe {
            Probe::Length => {
                pipe.cmd("STRLEN").arg(key.as_slice());
            }
            Probe::Cardinality => {
                for command in CARDINALITY {
                    pipe.cmd(command).arg(key.as_slice());
                }
            }
            Probe::Memory => {
                pipe.cmd("MEMORY").arg("USAGE").arg(key.as_slice()).arg("SAMPLES").arg(5);
            }
            Probe::Compact => {
                pipe.cmd("OBJECT").arg("ENCODING").arg(key.as_slice());
                pipe.cmd("MEMORY").arg("USAGE").arg(key.as_slice()).arg("SAMPLES").arg(5);
            }
        }
    }
}

/// How many replies the probes of `needs` take.
pub fn probe_width(needs: &[(Vec<u8>, Probe)]) -> usize {
    needs.iter().map(|(_, probe)| width(*probe)).sum()
}

/// How many replies one probe takes.
fn width(probe: Probe) -> usize {
    match probe {
        Probe::Cardinality => CARDINALITY.len(),
        Probe::Compact => 2,
        Probe::Length | Probe::Memory => 1,
    }
}

/// One of these answers for a key of each collection type; the others
/// fail with `WRONGTYPE` (and all answer 0 for a missing key).
const CARDINALITY: [&str; 5] = ["SCARD", "ZCARD", "LLEN", "HLEN", "XLEN"];

/// The sizes from [`probe_pipeline`]'s replies.
pub fn read_sizes(needs: &[(Vec<u8>, Probe)], replies: &[redis::Value]) -> Sizes {
    let mut sizes = Sizes::default();
    let mut at = 0;
    let number = |v: Option<&redis::Value>| match v {
        Some(redis::Value::Int(n)) => n.unsigned_abs(),
        _ => 0,
    };
    // `Some(true)`: compact; `None`: no such key.
    let compact = |v: Option<&redis::Value>| match v {
        Some(redis::Value::BulkString(encoding)) => Some(COMPACT.contains(&encoding.as_slice())),
        Some(redis::Value::SimpleString(encoding)) => Some(COMPACT.contains(&encoding.as_bytes())),
        Some(redis::Value::Nil) => None,
        _ => Some(false),
    };
    for (key, probe) in needs {
        let width = width(*probe);
        let value = match probe {
            Probe::Compact => match compact(replies.get(at)) {
                Some(true) => number(replies.get(at + 1)),
                Some(false) => NOT_COMPACT,
                None => 0,
            },
            _ => (at..at + width).map(|i| number(replies.get(i))).max().unwrap_or(0),
        };
        at += width;
        let slot = sizes.entry((key.clone(), *probe)).or_insert(0);
        *slot = (*slot).max(value);
    }
    sizes
}
