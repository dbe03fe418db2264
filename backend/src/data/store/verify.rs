//! The verify report (the module's Exercise 2): Redis against the last
//! loaded file.
//!
//! The file is described by the load: `meta` holds its record count and
//! its distinct field lists (`signatures`, the most common first), and the
//! `file` string its ids in order, each followed by its list's number when
//! that is not the most common one. Verify counts the `meteorite:*` hashes
//! (`SCAN … TYPE hash`), then reads every expected record's field names
//! (`HKEYS`, pipelined) and compares them with its list.

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
    let keys =
        crate::redis_conn::scan_keys(&mut conn, scope.record_pattern().as_bytes(), Some("hash")).await?;
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
    let expected: Vec<(&str, usize)> = file.lines().filter_map(file_line).collect();
    let expected_ids: BTreeSet<&str> = expected.iter().map(|(id, _)| *id).collect();
    let extra: Vec<&String> = found_ids.iter().filter(|id| !expected_ids.contains(id.as_str())).collect();
    report.extra_records = extra.iter().take(REPORT_LIMIT).map(|id| (*id).clone()).collect();
    let mut problems = extra.len();
    for chunk in expected.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for (id, _) in chunk {
            pipe.cmd("HKEYS").arg(scope.record_key(id));
        }
        let fields: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        for ((id, signature), value) in chunk.iter().zip(fields) {
            let have: BTreeSet<String> =
                redis::from_redis_value::<Vec<String>>(value).unwrap_or_default().into_iter().collect();
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
        }
    }
    report.ok = problems == 0 && report.found == count;
    Ok(report)
}

/// One line of `file`: `<id>` (the most common field list) or
/// `<id>\t<list number>`.
fn file_line(line: &str) -> Option<(&str, usize)> {
    match line.split_once('\t') {
        Some((id, signature)) => Some((id, signature.parse().ok()?)),
        None if !line.is_empty() => Some((line, 0)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::file_line;

    #[test]
    fn file_lines() {
        assert_eq!(file_line("12"), Some(("12", 0)));
        assert_eq!(file_line("12\t3"), Some(("12", 3)));
        assert_eq!(file_line(""), None);
        assert_eq!(file_line("12\tx"), None);
    }
}
