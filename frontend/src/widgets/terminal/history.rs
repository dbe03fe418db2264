//! The console's line history, kept in `localStorage` so ↑ still finds
//! yesterday's commands after a reload, as redis-cli keeps
//! `~/.rediscli_history`.
//!
//! Like redis-cli (linenoise), blank lines are not remembered, a line equal
//! to the previous one is not stored twice, and the list is bounded: the
//! oldest lines go first. Storage may be missing or full (private windows,
//! quotas); the history then lives for the page only, without an error.

use web_sys::Storage;

/// The `localStorage` key.
pub const STORAGE_KEY: &str = "bolide.console.history";

/// How many lines are kept.
pub const MAX_LINES: usize = 500;

/// Appends `line` to `history` unless it is blank or repeats the last line;
/// drops the oldest lines beyond [`MAX_LINES`]. Returns whether it was
/// added.
pub fn push(history: &mut Vec<String>, line: &str) -> bool {
    if line.trim().is_empty() || history.last().is_some_and(|last| last == line) {
        return false;
    }
    history.push(line.to_owned());
    if history.len() > MAX_LINES {
        let excess = history.len() - MAX_LINES;
        history.drain(..excess);
    }
    true
}

/// The stored history, oldest first (empty when there is none or it cannot
/// be read).
pub fn load() -> Vec<String> {
    let Some(text) = storage().and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten()) else {
        return Vec::new();
    };
    let mut lines: Vec<String> = serde_json::from_str(&text).unwrap_or_default();
    if lines.len() > MAX_LINES {
        let excess = lines.len() - MAX_LINES;
        lines.drain(..excess);
    }
    lines
}

/// Stores `history`; failures (no storage, quota) are ignored on purpose.
pub fn save(history: &[String]) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(history)) {
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
