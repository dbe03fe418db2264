//! redis-cli compatibility: splitting a command line, formatting replies.
//!
//! Bolide's console is a stand-in for `redis-cli`, and students constantly
//! compare the two: they copy a line from a tutorial, paste it into their own
//! terminal, and expect the same command to run and the same text to come
//! back. So this module does not aim at "something like" redis-cli. It
//! reproduces redis-cli 7.0 to the byte, including its oddities:
//!
//! * [`split_args`] tokenizes a line exactly as redis-cli's prompt does
//!   (`sdssplitargs` in redis's sds.c): the same quoting, the same escapes,
//!   the same lines refused with `Invalid argument(s)` ([`SplitError`]).
//! * [`format_reply`] prints a [`Reply`] exactly as redis-cli does in a
//!   terminal (`cliFormatReplyTTY` in redis-cli.c, or `redis-cli --no-raw`):
//!   `OK`, `(integer) 1`, `(nil)`, `"quoted\xc3\xa9"` bulk strings, numbered
//!   and indented arrays.
//! * [`prints_raw`] and [`format_reply_raw`]: the few commands whose
//!   replies redis-cli prints as they are, even in a terminal (`INFO`,
//!   `LOLWUT`, `MEMORY DOCTOR`, …).
//! * [`quote_arg`] and [`repr`] go the other way, writing bytes that
//!   [`split_args`] (and redis-cli) read back unchanged.
//!
//! The tests hold transcripts recorded from a real redis-cli 7.0.15 talking to
//! a real redis-server, so "faithful" is checked, not assumed.
//!
//! Everything here is pure computation on bytes and strings, so it builds
//! for the browser (wasm32) and the server alike. Arguments and bulk strings
//! are `Vec<u8>`, because Redis strings are bytes: `"\xff"` is a valid key.

mod format;
mod raw;
#[cfg(test)]
mod recorded;
mod reply;
mod split;

pub use format::{format_reply, repr};
pub use raw::{format_reply_raw, prints_raw};
pub use reply::Reply;
pub use split::{quote_arg, split_args, split_args_bytes, SplitError};
