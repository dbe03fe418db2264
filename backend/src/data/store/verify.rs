//! The verify report (the module's Exercise 2): Redis against the last
//! loaded file.
//!
//! The file is described by the load: `meta` holds its record count and
//! its distinct field lists (`signatures`, the most common first), and the
//! `file` string a line per record: its id, its list's number (when that is
//! not the most common one) and a 32-bit digest of its fields and values
//! ([`FileLine`]). Verify counts the `meteorite:*` hashes (`SCAN … TYPE
//! hash`), then reads every expected record (`HGETALL`, pipelined), compares
//! its field names with its list and, when they match, its digest with the
//! file's: `HSET meteorite:6 recclass XX` is found and named, at the cost
//! of about 9 bytes per record in `file` and no extra round trip (the
//! values come with the names). A digest is not the values themselves, so
//! the report can say *which* records changed, not what they were; keeping
//! a copy of the file in Redis to say more would double the dataset.
//!
//! Files written by an older Bolide have no digests: their records are
//! compared by field names only, as before.

use std::collections::BTreeSet;

use super::indexes::CHUNK;
use super::{Owner, Readers, Verification};
use crate::error::AppError;

/// Lists in the report stop after this many entries (the counts do not).
const REPORT_LIMIT: usize = 100;

/// Compares Redis with the last loaded file: the number of `meteorite:*`
/// hashes, and each hash's fields against the record's own.
pub async fn verify(readers: &Readers, scope: &Owner) -> Result<Verification, AppError> {
    let mut conn = readers.data.clone();
    let prefix_len = scope.record_key("").len();
    let keys = crate::sandbox::key_index::owner_keys(&mut conn, scope, "meteorite:*", Some("hash")).await?;
    let found_ids: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.get(prefix_len..))
        .map(|id| String::from_utf8_lossy(id).into_owned())
        .collect();
    let mut report = Verification { found: found_ids.len() as u64, ..Verification::default() };
    report.commands = vec![
        "KEYS meteorite:*          (or SCAN 0 MATCH meteorite:* COUNT 1000, repeated)".into(),
        "DBSIZE                    (every key in the database, meteorites or not)".into(),
        format!("HGETALL meteorite:{}", found_ids.iter().next().map_or("1", String::as_str)),
        "HLEN meteorite:<id>       (how many fields a landing has)".into(),
    ];

    let (count, signatures, file): (Option<u64>, Option<String>, Option<String>) = redis::pipe()
        .cmd("HGET")
        .arg(scope.key("meta"))
        .arg("count")
        .cmd("HGET")
        .arg(scope.key("meta"))
        .arg("signatures")
        .cmd("GET")
        .arg(scope.key("file"))
        .query_async(&mut readers.system.clone())
        .await?;
    let Some(count) = count else {
        report.ok = false;
        return Ok(report); // nothing loaded through Bolide: counts only
    };
    report.expected = Some(count);
    let signatures: Vec<Vec<String>> =
        signatures.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    let file = file.unwrap_or_default();
    let expected: Vec<FileLine<'_>> = file.lines().filter_map(FileLine::parse).collect();
    let expected_ids: BTreeSet<&str> = expected.iter().map(|line| line.id).collect();
    let extra: Vec<&String> = found_ids.iter().filter(|id| !expected_ids.contains(id.as_str())).collect();
    report.extra_records = extra.iter().take(REPORT_LIMIT).map(|id| (*id).clone()).collect();
    let mut problems = extra.len();
    for chunk in expected.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for line in chunk {
            pipe.cmd("HGETALL").arg(scope.record_key(line.id));
        }
        let records: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        for (FileLine { id, signature, digest: want_digest }, value) in chunk.iter().zip(records) {
            // A key that is no hash any more answers WRONGTYPE: no fields.
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = redis::from_redis_value(value).unwrap_or_default();
            let have: BTreeSet<String> =
                pairs.iter().map(|(field, _)| String::from_utf8_lossy(field).into_owned()).collect();
            if have.is_empty() {
                problems += 1;
                if report.missing_records.len() < REPORT_LIMIT {
                    report.missing_records.push((*id).to_string());
                }
                continue;
            }
            let want: BTreeSet<&str> =
                signatures.get(*signature).into_iter().flatten().map(String::as_str).collect();
            let lacking: Vec<String> =
                want.iter().filter(|f| !have.contains(**f)).map(|f| (*f).to_string()).collect();
            let surplus: Vec<String> = have.iter().filter(|f| !want.contains(f.as_str())).cloned().collect();
            let fields_match = lacking.is_empty() && surplus.is_empty();
            if !lacking.is_empty() {
                problems += 1;
                if report.missing_fields.len() < REPORT_LIMIT {
                    report.missing_fields.push(((*id).to_string(), lacking));
                }
            }
            if !surplus.is_empty() {
                problems += 1;
                if report.extra_fields.len() < REPORT_LIMIT {
                    report.extra_fields.push(((*id).to_string(), surplus));
                }
            }
            let values_differ = want_digest
                .is_some_and(|want| digest(pairs.iter().map(|(f, v)| (f.as_slice(), v.as_slice()))) != want);
            if fields_match && values_differ {
                problems += 1;
                if report.changed_values.len() < REPORT_LIMIT {
                    report.changed_values.push((*id).to_string());
                }
            }
        }
    }
    report.ok = problems == 0 && report.found == count;
    Ok(report)
}

/// One line of `file`, as the load writes it: `<id>\t<list>\t<digest>`,
/// the list's number empty for the most common one. Older loads wrote
/// `<id>` or `<id>\t<list>`, without a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLine<'a> {
    pub id: &'a str,
    /// The number of its field list in `meta`'s `signatures`.
    pub signature: usize,
    pub digest: Option<u32>,
}

impl<'a> FileLine<'a> {
    pub fn parse(line: &'a str) -> Option<FileLine<'a>> {
        let mut parts = line.split('\t');
        let id = parts.next().filter(|id| !id.is_empty())?;
        let signature = match parts.next() {
            None | Some("") => 0,
            Some(number) => number.parse().ok()?,
        };
        let digest = match parts.next() {
            None => None,
            Some(hex) => Some(u32::from_str_radix(hex, 16).ok()?),
        };
        Some(FileLine { id, signature, digest })
    }

    pub fn push_to(&self, file: &mut String) {
        use std::fmt::Write;
        file.push_str(self.id);
        file.push('\t');
        if self.signature != 0 {
            let _ = write!(file, "{}", self.signature);
        }
        if let Some(digest) = self.digest {
            let _ = write!(file, "\t{digest:08x}");
        }
        file.push('\n');
    }
}

/// A digest of a record's fields and values, whatever their order (a hash
/// keeps no order Redis promises): the wrapping sum of each pair's FNV-1a
/// (64-bit) hash, each byte string preceded by its length so that no two
/// pairs share an encoding, folded to 32 bits. A sum needs no sorting and
/// no allocation, which matters on the load's path (a million records);
/// field names are unique within a hash, so no pair cancels another. Not a
/// defence against someone forging a collision (a student checking their
/// own load has no reason to), only a cheap, stable fingerprint.
pub fn digest<'b>(pairs: impl Iterator<Item = (&'b [u8], &'b [u8])>) -> u32 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let pair_hash = |field: &[u8], value: &[u8]| {
        let mut hash = OFFSET;
        for bytes in [field, value] {
            for &byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
                hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
            }
        }
        hash
    };
    let sum = pairs.fold(0u64, |sum, (field, value)| sum.wrapping_add(pair_hash(field, value)));
    (sum ^ (sum >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::{digest, FileLine};

    #[test]
    fn file_lines_of_this_and_older_loads() {
        let line = |id, signature, digest| Some(FileLine { id, signature, digest });
        assert_eq!(FileLine::parse("12"), line("12", 0, None));
        assert_eq!(FileLine::parse("12\t3"), line("12", 3, None));
        assert_eq!(FileLine::parse("12\t\t00ab00cd"), line("12", 0, Some(0x00ab_00cd)));
        assert_eq!(FileLine::parse("12\t3\tffffffff"), line("12", 3, Some(u32::MAX)));
        assert_eq!(FileLine::parse(""), None);
        assert_eq!(FileLine::parse("12\tx"), None);
        assert_eq!(FileLine::parse("12\t\tnothex"), None);
        for written in [line("7", 0, Some(1)), line("8", 2, Some(0xdead_beef)), line("9", 0, None)] {
            let mut file = String::new();
            written.expect("line").push_to(&mut file);
            assert_eq!(FileLine::parse(file.strip_suffix('\n').expect("a line")), written, "{file:?}");
        }
    }

    #[test]
    fn digests_see_values_not_order() {
        let of = |pairs: &[(&str, &str)]| digest(pairs.iter().map(|(f, v)| (f.as_bytes(), v.as_bytes())));
        let record = of(&[("id", "6"), ("recclass", "L5"), ("mass (g)", "21")]);
        assert_eq!(record, of(&[("mass (g)", "21"), ("id", "6"), ("recclass", "L5")]));
        assert_ne!(record, of(&[("id", "6"), ("recclass", "XX"), ("mass (g)", "21")]));
        assert_ne!(record, of(&[("id", "6"), ("recclass", "L5"), ("mass (g)", "999999999")]));
        // Lengths keep "ab"+"c" apart from "a"+"bc".
        assert_ne!(of(&[("ab", "c")]), of(&[("a", "bc")]));
    }
}
