//! The console's bounds: what one line may ask of Redis and how much of a
//! reply is shown. Shared mode is strict (strangers share one server);
//! local mode is roomy (the student owns it) but still bounded, so a typo
//! like `LRANGE big 0 -1` cannot freeze the page.

use std::time::Duration;

use super::cost::Encodings;
use crate::sandbox::rate::Rate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Arguments in one line, the command name included.
    pub max_args: usize,
    /// Bytes in one argument (a key or a value).
    pub max_arg_bytes: usize,
    /// Elements of one reply array shown; the rest are counted.
    pub max_reply_elements: usize,
    /// `|count|` of SRANDMEMBER / HRANDFIELD / ZRANDMEMBER.
    pub max_random_count: i64,
    /// Bytes in a KEYS / SCAN MATCH pattern.
    pub max_pattern_bytes: usize,
    /// Commands queued in one MULTI.
    pub max_tx_commands: u64,
    /// Bytes of the commands queued in one MULTI (checked before a line is
    /// stored).
    pub max_tx_bytes: u64,
    /// Requests per second per sandbox to the console, data, jobs and
    /// guides APIs (`per_second: 0` = unlimited; see [`crate::sandbox::rate`]).
    pub session_rate: Rate,
    /// Requests per second per client address to the same APIs, shared
    /// fairly among the address's active sandboxes (0 = unlimited).
    pub address_rate: Rate,
    /// Keys one session may hold (shared mode; 0 = unlimited). Checked by
    /// housekeeping about once a minute: past it, commands that can grow
    /// memory are refused until the session deletes keys.
    pub max_session_keys: u64,
    /// Estimated bytes one session may hold (0 = unlimited), checked the
    /// same way.
    pub max_session_bytes: u64,
    /// A session unused this long is removed, in shared mode with its keys.
    pub session_idle: Duration,
    /// Pairs of characters one `LCS` may compare (the product of the two
    /// lengths; inside `MULTI`, summed over the transaction; 0 = unlimited).
    pub max_lcs_cells: u64,
    /// `COUNT` of `SCAN`/`SSCAN`/`HSCAN`/`ZSCAN` (0 = unlimited).
    pub max_scan_count: u64,
    /// Elements in the inputs of one `SUNION`/`SINTER`/`SDIFF`/`Z…STORE`/
    /// `SORT`/`ZRANGESTORE` (their cardinalities, measured first; 0 =
    /// unlimited).
    pub max_input_elements: u64,
    /// Bytes of strings one `BITCOUNT`/`BITPOS` range or `BITOP` may scan
    /// (0 = unlimited).
    pub max_scan_bytes: u64,
    /// Bytes of one reply (estimated before it runs: `STRLEN`, `MEMORY
    /// USAGE`). The console reads a longer string or range only up to it
    /// and says how much is not shown; where replies are not cut, a longer
    /// one is refused (0 = unlimited).
    pub max_reply_bytes: u64,
    /// `SAMPLES` of `MEMORY USAGE` (`0`, which reads the whole value, is
    /// refused too; 0 here = unlimited).
    pub max_memory_samples: u64,
    /// Whether a reply longer than the limits is shown cut (the console) or
    /// refused (the gateway: a program must not get a silently cut value).
    pub truncate_replies: bool,
    /// When the server converts a small collection to its full encoding:
    /// what the memory bounds price a write by ([`super::cost`]). Redis
    /// 7.0's defaults here; `bolide serve` reads the server's own at start
    /// ([`Encodings::read`]).
    pub encodings: Encodings,
}

impl Limits {
    pub const LOCAL: Limits = Limits {
        max_args: 4096,
        max_arg_bytes: 512 * 1024,
        max_reply_elements: 1000,
        max_random_count: 10_000,
        max_pattern_bytes: 1024,
        max_tx_commands: 1000,
        max_tx_bytes: 64 * 1024 * 1024,
        session_rate: Rate { per_second: 2000, burst: 4000 },
        address_rate: Rate { per_second: 0, burst: 0 },
        max_session_keys: 0,
        max_session_bytes: 0,
        session_idle: Duration::from_secs(7 * 24 * 3600),
        max_lcs_cells: 0,
        max_scan_count: 0,
        max_input_elements: 0,
        max_scan_bytes: 0,
        max_reply_bytes: 16 * 1024 * 1024,
        max_memory_samples: 0,
        truncate_replies: true,
        encodings: Encodings::REDIS_7_0,
    };

    pub const SHARED: Limits = Limits {
        max_args: 1024,
        max_arg_bytes: 64 * 1024,
        max_reply_elements: 500,
        max_random_count: 1000,
        max_pattern_bytes: 256,
        max_tx_commands: 100,
        max_tx_bytes: 4 * 1024 * 1024,
        session_rate: Rate { per_second: 20, burst: 60 },
        address_rate: Rate { per_second: 200, burst: 400 },
        max_session_keys: 100_000,
        max_session_bytes: 64 * 1024 * 1024,
        session_idle: Duration::from_secs(2 * 3600),
        max_lcs_cells: 10_000_000,
        max_scan_count: 1000,
        max_input_elements: 100_000,
        max_scan_bytes: 16 * 1024 * 1024,
        max_reply_bytes: 1024 * 1024,
        max_memory_samples: 100,
        truncate_replies: true,
        encodings: Encodings::REDIS_7_0,
    };

    /// The mode's limits.
    pub fn for_tenancy(tenancy: crate::sandbox::Tenancy) -> Limits {
        if tenancy.is_shared() {
            Limits::SHARED
        } else {
            Limits::LOCAL
        }
    }

    /// Bounds that hold whatever the command: argument count and sizes
    /// (what depends on the command is [`super::cost`]'s).
    pub fn check(&self, args: &[Vec<u8>]) -> Option<String> {
        if args.len() > self.max_args {
            return Some(format!(
                "ERR too many arguments ({}): the console accepts at most {}",
                args.len(),
                self.max_args
            ));
        }
        let longest = args.iter().map(Vec::len).max().unwrap_or(0);
        (longest > self.max_arg_bytes).then(|| {
            format!(
                "ERR argument too long ({longest} bytes): the console accepts at most {}",
                self.max_arg_bytes
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn counts_and_sizes_are_bounded() {
        let limits = Limits::SHARED;
        assert!(limits.check(&vec![b"x".to_vec(); 10_000]).is_some());
        assert!(limits.check(&[b"SET".to_vec(), b"k".to_vec(), vec![b'v'; 70_000]]).is_some());
        assert!(limits.check(&args(&["SET", "k", "v"])).is_none());
    }
}
