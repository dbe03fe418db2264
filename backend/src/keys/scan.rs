//! Walking the keyspace with `SCAN` through the relay — for a page of the
//! tree ([`super::tree`]) and for the keys under a prefix
//! ([`super::cost`]) alike.
//!
//! Each call's reply stays within the console's reply limit: a reply the
//! relay had to cut is asked again, from the same cursor, with a quarter
//! of the `COUNT`. And the `COUNT` adapts to how many names come back, aiming
//! at half a reply's worth per call: a sparse `MATCH` over a big keyspace
//! asks Redis to visit more slots per call, a dense one fewer. The caller
//! decides when a walk has gone far enough ([`Scan::visited`]).
//!
//! In shared mode the relay answers `SCAN` from the sandbox's key index
//! ([`crate::sandbox::key_index`]): a walk visits the sandbox's keys only,
//! never the other sandboxes'.

use bolide_shared::cli::Reply;

use super::runner::{bytes, reply_error, Runner};
use crate::args;
use crate::console::Limits;
use crate::error::AppError;

/// A `SCAN cursor MATCH m COUNT c [TYPE t]` walk in progress.
pub struct Scan<'a> {
    matching: &'a [u8],
    kind: Option<&'a str>,
    /// Where the next call starts; `0` after the last call (the walk is done).
    pub cursor: u64,
    /// Slots Redis was asked to visit so far (the `COUNT`s of the calls answered).
    pub visited: u64,
    count: u64,
    /// Names per call aimed at: half a reply.
    target: u64,
    /// The largest `COUNT` one call may ask for.
    max_count: u64,
}

impl<'a> Scan<'a> {
    /// A walk from `cursor` over the names matching `matching` (and of type
    /// `kind`), asking for at most `max_count` slots a call.
    pub fn new(
        limits: &Limits,
        matching: &'a [u8],
        kind: Option<&'a str>,
        cursor: u64,
        max_count: u64,
    ) -> Self {
        let target = (limits.max_reply_elements.max(20) / 2) as u64;
        Scan { matching, kind, cursor, visited: 0, count: target, target, max_count }
    }

    /// The names of the next call (possibly none; check [`Scan::cursor`]
    /// for the end).
    pub async fn next(&mut self, runner: &mut Runner) -> Result<Vec<Reply>, AppError> {
        loop {
            let mut args = args![
                "SCAN",
                self.cursor.to_string(),
                "MATCH",
                self.matching,
                "COUNT",
                self.count.to_string()
            ];
            if let Some(kind) = self.kind {
                args.extend(args!["TYPE", kind]);
            }
            let (reply, omitted) = runner.run_counted(args).await?;
            if let Reply::Error(message) = &reply {
                return Err(reply_error("SCAN", message));
            }
            if omitted > 0 {
                // More names than one reply may carry: the same cursor, less.
                if self.count <= 10 {
                    return Err(AppError::Internal(
                        "SCAN keeps answering more than a reply may carry".into(),
                    ));
                }
                self.count = (self.count / 4).max(10);
                continue;
            }
            let mut parts = match reply {
                Reply::Array(parts) => parts,
                _ => Vec::new(),
            };
            let next =
                parts.first().and_then(bytes).and_then(|c| std::str::from_utf8(c).ok()?.parse::<u64>().ok());
            let names = (parts.len() > 1).then(|| parts.swap_remove(1));
            let (Some(next), Some(names)) = (next, names) else {
                return Err(AppError::Internal(
                    "SCAN answered something that is not a cursor and names".into(),
                ));
            };
            let names = match names {
                Reply::Array(names) => names,
                _ => Vec::new(),
            };
            self.visited += self.count;
            self.cursor = next;
            // Aim at about half a reply's worth of names per call.
            let got = names.len() as u64;
            self.count = (self.count * self.target)
                .checked_div(got)
                .map_or(self.count * 4, |aimed| aimed.clamp(self.count / 2, self.count * 4))
                .clamp(10, self.max_count);
            return Ok(names);
        }
    }
}
