//! Name search: which landings' names contain a piece of text, whatever its
//! case.
//!
//! Redis has no substring index, so the search visits the `names` set —
//! `<lower-case name>\0<id>` for every landing — with
//! `SSCAN names 0 MATCH *text* COUNT …`: Redis compares the pattern with
//! every member itself and sends back only the matches. That is a pass over
//! the set (about 30 ms for NASA's 45,716 names, 0.6 s for a million, in
//! the page benchmark), paid once per search text: the page that asked keeps the ids
//! as part of its cached result, so the next pages are range reads.
//!
//! `COUNT` grows with the set, so a million names take about ten round
//! trips rather than a thousand, while each call still stays short enough
//! not to hold Redis up for other clients.

use std::collections::HashSet;

use redis::aio::ConnectionManager;

use super::indexes::id_of_name_member;
use super::DataScope;
use crate::error::AppError;

/// `SSCAN`'s `COUNT` bounds (members visited per call).
const MIN_COUNT: u64 = 1_000;
const MAX_COUNT: u64 = 100_000;

/// Ids whose (lower-case) name contains `needle` (lower-case too), each
/// once.
pub async fn ids_with_name(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    needle: &str,
) -> Result<Vec<String>, AppError> {
    let key = scope.key("names");
    let size: u64 = redis::cmd("SCARD").arg(&key).query_async(conn).await?;
    let count = (size / 10).clamp(MIN_COUNT, MAX_COUNT);
    let pattern = pattern(needle);
    let mut cursor: u64 = 0;
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SSCAN")
            .arg(&key)
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(count)
            .query_async(conn)
            .await?;
        // SSCAN may return a member twice (when the set is resized meanwhile).
        for member in batch {
            if let Some(id) = id_of_name_member(&member) {
                if seen.insert(id.to_string()) {
                    ids.push(id.to_string());
                }
            }
        }
        if next == 0 {
            return Ok(ids);
        }
        cursor = next;
    }
}

/// The `MATCH` pattern finding `needle` anywhere in a name (and only in
/// the name: the id after the NUL is not searched).
pub fn pattern(needle: &str) -> String {
    format!("*{}*\u{0}*", glob_escape(needle))
}

/// The command a student would type for the same search.
pub fn command(scope: &DataScope, needle: &str) -> String {
    format!(
        "SSCAN {} 0 MATCH *{}*   (repeated until the cursor is 0)",
        scope.key("names"),
        glob_escape(needle)
    )
}

/// Escapes Redis glob characters so the text matches itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_match_themselves() {
        assert_eq!(pattern("a*b"), "*a\\*b*\u{0}*");
        assert_eq!(glob_escape("[x]?\\"), "\\[x\\]\\?\\\\");
        assert_eq!(glob_escape("aïr"), "aïr");
    }
}
