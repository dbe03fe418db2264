//! Name search: which landings' names contain a piece of text, whatever its
//! case.
//!
//! Redis has no substring index: the only way to have Redis itself look
//! for `*text*` is a pass over every name with `SSCAN … MATCH`, which
//! compares the pattern with each member — 30 ms for NASA's 45,716 names,
//! 0.6 s for a million. Reading the names and looking for the text here is
//! an order of magnitude faster, and keeping them as a few long strings
//! rather than one set member each is cheaper for a load to build.
//!
//! So the names are a **log**, the list `names`, whose elements are chunks
//! of lines:
//! - `+<lower-case name>\0<id>\n`: landing `<id>` is named so;
//! - `-<id>\n`: forget what the lines before said about `<id>`.
//!
//! A load or reindex writes one `+` line per landing, in chunks of about
//! [`CHUNK_BYTES`] (a few `RPUSH`ed strings, not 45,716 set members); a
//! record's edit or removal appends a short element (`RPUSH names
//! "-7\n+new name\0007\n"`), so the log stays exact between reindexes. A
//! search is `LRANGE names 0 -1` and a pass over the lines: the last word
//! on each id wins. Control characters in a name (a newline from a JSON
//! `\n`, say) are read as spaces, so that a line is always one line.

use std::collections::HashMap;

use super::Owner;
use crate::error::AppError;
use crate::redis_conn::Connection;

/// About how many bytes of lines one element of `names` holds.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// `text` lower-cased, with control characters read as spaces: how names
/// are kept and how a search text is compared with them.
pub fn normalized(text: &str) -> String {
    text.to_lowercase().chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The line saying landing `id` is named `lower_name` (already
/// [`normalized`]).
pub fn named_line(lower_name: &str, id: &str) -> String {
    format!("+{lower_name}\u{0}{id}\n")
}

/// The line forgetting landing `id`'s name.
pub fn forget_line(id: &str) -> String {
    format!("-{id}\n")
}

/// Lines (each from [`named_line`]) packed into elements of about
/// [`CHUNK_BYTES`].
pub fn chunks(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut chunk = String::new();
    for line in lines {
        chunk.push_str(&line);
        if chunk.len() >= CHUNK_BYTES {
            chunks.push(std::mem::take(&mut chunk));
        }
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

/// Ids whose name contains `needle` (compared [`normalized`]), each once,
/// in log order.
pub async fn ids_with_name(
    conn: &mut Connection,
    scope: &Owner,
    needle: &str,
) -> Result<Vec<String>, AppError> {
    let log: Vec<Vec<u8>> =
        redis::cmd("LRANGE").arg(scope.key("names")).arg(0).arg(-1).query_async(conn).await?;
    Ok(search(&log, &normalized(needle)))
}

/// The search itself, over the log's elements.
fn search(log: &[Vec<u8>], needle: &str) -> Vec<String> {
    // Most ids have one line, and no `-` line. Those that have one (edited
    // since the load) are followed to their last line.
    let lines = || log.iter().flat_map(|chunk| chunk.split(|b| *b == b'\n')).filter(|line| !line.is_empty());
    let mut edited: HashMap<&[u8], bool> =
        lines().filter_map(|line| line.strip_prefix(b"-")).map(|id| (id, false)).collect();
    let mut found = Vec::new();
    for line in lines() {
        if let Some(id) = line.strip_prefix(b"-") {
            edited.insert(id, false);
            continue;
        }
        let Some(entry) = line.strip_prefix(b"+") else { continue };
        let Some(split) = entry.iter().rposition(|b| *b == 0) else { continue };
        let (name, id) = (&entry[..split], &entry[split + 1..]);
        let matches = std::str::from_utf8(name).is_ok_and(|name| name.contains(needle));
        match edited.get_mut(id) {
            Some(state) => *state = matches,
            None if matches => found.push(id),
            None => {}
        }
    }
    let mut ids: Vec<String> =
        found.into_iter().filter_map(|id| std::str::from_utf8(id).ok()).map(str::to_owned).collect();
    ids.extend(
        edited
            .into_iter()
            .filter(|(_, matches)| *matches)
            .filter_map(|(id, _)| std::str::from_utf8(id).ok().map(str::to_owned)),
    );
    ids
}

/// The commands behind a search, as a student would type them.
pub fn command(scope: &Owner, needle: &str) -> String {
    format!(
        "LRANGE {} 0 -1   (the names, a few long strings; Bolide looks for \"{}\" in them itself: Redis has no \
         substring search)",
        scope.key("names"),
        normalized(needle)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(elements: &[&str]) -> Vec<Vec<u8>> {
        elements.iter().map(|e| e.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_last_line_on_an_id_wins() {
        let base = chunks(
            ["aïr", "acapulco", "zagora"].iter().zip(["1", "2", "3"]).map(|(n, id)| named_line(n, id)),
        );
        assert_eq!(base.len(), 1);
        let mut elements: Vec<&str> = base.iter().map(String::as_str).collect();
        assert_eq!(search(&log(&elements), "a"), ["1", "2", "3"]);
        // 2 renamed, 3 deleted.
        let edit = format!("{}{}{}", forget_line("2"), named_line("bolide", "2"), forget_line("3"));
        elements.push(&edit);
        assert_eq!(search(&log(&elements), "ago"), Vec::<String>::new());
        assert_eq!(search(&log(&elements), "bol"), ["2"]);
        assert_eq!(search(&log(&elements), "ïr"), ["1"]);
        // The id after the NUL is not searched.
        assert_eq!(search(&log(&elements), "1"), Vec::<String>::new());
    }

    #[test]
    fn names_are_one_line_whatever_they_hold() {
        assert_eq!(normalized("Two\nLines"), "two lines");
        assert_eq!(named_line(&normalized("A\u{0}b"), "9"), "+a b\u{0}9\n");
        let many = chunks((0..10_000).map(|i| named_line("x", &i.to_string())));
        assert!(many.len() > 1 && many.iter().all(|c| c.ends_with('\n')));
        assert_eq!(search(&log(&many.iter().map(String::as_str).collect::<Vec<_>>()), "x").len(), 10_000);
    }
}
