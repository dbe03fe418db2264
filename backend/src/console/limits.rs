//! The console's bounds: what one line may ask of Redis and how much of a
//! reply is shown. Shared mode is strict (strangers share one server);
//! local mode is roomy (the student owns it) but still bounded, so a typo
//! like `LRANGE big 0 -1` cannot freeze the page.

use std::time::Duration;

use bolide_shared::commands::CommandSpec;

use super::rate::Rate;

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
    /// Requests per second per session (`per_second: 0` = unlimited).
    pub session_rate: Rate,
    /// Requests per second per client address (0 = unlimited).
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
}

impl Limits {
    pub const LOCAL: Limits = Limits {
        max_args: 4096,
        max_arg_bytes: 512 * 1024,
        max_reply_elements: 1000,
        max_random_count: 10_000,
        max_pattern_bytes: 1024,
        max_tx_commands: 1000,
        session_rate: Rate { per_second: 2000, burst: 4000 },
        address_rate: Rate { per_second: 0, burst: 0 },
        max_session_keys: 0,
        max_session_bytes: 0,
        session_idle: Duration::from_secs(7 * 24 * 3600),
    };

    pub const SHARED: Limits = Limits {
        max_args: 1024,
        max_arg_bytes: 64 * 1024,
        max_reply_elements: 500,
        max_random_count: 1000,
        max_pattern_bytes: 256,
        max_tx_commands: 100,
        session_rate: Rate { per_second: 20, burst: 60 },
        address_rate: Rate { per_second: 200, burst: 400 },
        max_session_keys: 100_000,
        max_session_bytes: 64 * 1024 * 1024,
        session_idle: Duration::from_secs(2 * 3600),
    };

    /// Bounds that hold whatever the command: argument count and sizes.
    /// The mode's limits.
    pub fn for_tenancy(tenancy: crate::sandbox::Tenancy) -> Limits {
        if tenancy.is_shared() {
            Limits::SHARED
        } else {
            Limits::LOCAL
        }
    }

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

    /// Bounds that depend on the command: random-member counts, patterns.
    pub fn check_counts(&self, spec: &CommandSpec, args: &[Vec<u8>]) -> Option<String> {
        let arg = |i: usize| args.get(i).map(Vec::as_slice);
        match spec.name {
            "SRANDMEMBER" | "HRANDFIELD" | "ZRANDMEMBER" => {
                let count =
                    arg(2).and_then(|a| std::str::from_utf8(a).ok()).and_then(|s| s.parse::<i64>().ok());
                match count {
                    Some(n) if n.checked_abs().is_none_or(|n| n > self.max_random_count) => Some(format!(
                        "ERR count too large: the console returns at most {} random elements",
                        self.max_random_count
                    )),
                    _ => None,
                }
            }
            "KEYS" => self.check_pattern(arg(1)),
            "SCAN" | "SSCAN" | "HSCAN" | "ZSCAN" => {
                let at = args.iter().position(|a| a.eq_ignore_ascii_case(b"MATCH"));
                self.check_pattern(at.and_then(|i| arg(i + 1)))
            }
            _ => None,
        }
    }

    fn check_pattern(&self, pattern: Option<&[u8]>) -> Option<String> {
        let len = pattern.map_or(0, <[u8]>::len);
        (len > self.max_pattern_bytes).then(|| {
            format!(
                "ERR pattern too long ({len} bytes): the console accepts at most {}",
                self.max_pattern_bytes
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::lookup;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn counts_and_sizes_are_bounded() {
        let limits = Limits::SHARED;
        assert!(limits.check(&vec![b"x".to_vec(); 10_000]).is_some());
        assert!(limits.check(&[b"SET".to_vec(), b"k".to_vec(), vec![b'v'; 70_000]]).is_some());
        assert!(limits.check(&args(&["SET", "k", "v"])).is_none());
        let srand = lookup("SRANDMEMBER").expect("known");
        assert!(limits.check_counts(srand, &args(&["SRANDMEMBER", "s", "-9223372036854775808"])).is_some());
        assert!(limits.check_counts(srand, &args(&["SRANDMEMBER", "s", "-5000"])).is_some());
        assert!(limits.check_counts(srand, &args(&["SRANDMEMBER", "s", "5"])).is_none());
        let keys = lookup("KEYS").expect("known");
        assert!(limits.check_counts(keys, &args(&["KEYS", &"*a".repeat(200)])).is_some());
    }
}
