//! The gateway's bounds: how many connections, for how long, how fast, and
//! how many failed logins.
//!
//! Request sizes are the console's ([`crate::console::Limits`] and its body
//! limit), so a command refused in the browser is refused here too.
//! Connections are counted per client address from the moment they are
//! accepted and per sandbox once authenticated; a [`Slot`] gives its place
//! back when the connection ends, however it ends.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::sandbox::rate::Rate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayLimits {
    /// Open connections of one sandbox (a script's pool, redis-cli, a benchmark).
    pub per_sandbox: usize,
    /// Open connections from one client address (a classroom behind one
    /// NAT address shares it).
    pub per_address: usize,
    /// Open connections in all.
    pub total: usize,
    /// A connection that sends nothing this long is closed.
    pub idle: Duration,
    /// A connection that has not authenticated this long after connecting
    /// is closed (shared mode).
    pub login_within: Duration,
    /// A client that leaves Bolide's replies unread this long (its socket
    /// full) is cut off: Bolide stops reading from a client it cannot write
    /// to, so at most one batch of replies waits in memory meanwhile.
    pub write_stall: Duration,
    /// Commands per second of one sandbox, all its connections together
    /// (0 = unlimited). Past it commands wait, as on a slower server.
    pub sandbox_rate: Rate,
    /// Failed `AUTH`s per minute from one address before further attempts
    /// are refused; each failure is also answered only after
    /// [`FAILED_LOGIN_DELAY`].
    pub failed_logins_per_minute: u32,
    /// Commands queued in one `MULTI` (redis-py's `pipeline()` is a
    /// transaction by default: a loader script queues its whole file), also
    /// bounded by bytes ([`crate::console::connection_state::MAX_QUEUED_BYTES`]).
    pub max_tx_commands: u64,
    /// Elements in one reply array; a longer reply is refused with an
    /// error (a program must not get a silently cut list), as `SCAN` and
    /// ranges can always ask for less.
    pub max_reply_elements: usize,
    /// Bytes of one reply (shared mode), estimated before the command runs
    /// (`STRLEN`, `MEMORY USAGE`): a longer one is refused with an error, as
    /// a program must not get a cut value; `GETRANGE` and ranges read it in
    /// parts. Bolide never holds much more than this for one command.
    pub max_reply_bytes: u64,
}

/// How long a wrong password waits for its answer: a script that guesses
/// gets slow before it gets refused.
pub const FAILED_LOGIN_DELAY: Duration = Duration::from_millis(250);

impl GatewayLimits {
    pub const DEFAULT: GatewayLimits = GatewayLimits {
        per_sandbox: 16,
        per_address: 256,
        total: 4096,
        idle: Duration::from_secs(300),
        login_within: Duration::from_secs(10),
        write_stall: Duration::from_secs(10),
        sandbox_rate: Rate { per_second: 5000, burst: 20_000 },
        failed_logins_per_minute: 10,
        max_tx_commands: 50_000,
        max_reply_elements: 100_000,
        max_reply_bytes: 8 * 1024 * 1024,
    };
}

/// Failed logins per client address: a GCRA bucket per address counts
/// them; an address whose bucket is empty is refused outright until then.
pub struct FailedLogins {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    refused_until: Mutex<HashMap<IpAddr, Instant>>,
}

impl FailedLogins {
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
            refused_until: Mutex::default(),
        }
    }

    /// Counts one failure; `Err(wait)` when the address is past its
    /// allowance, which refuses its attempts for `wait`.
    pub fn record(&self, address: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now()).max(Duration::from_secs(1));
            if let Ok(mut refused) = self.refused_until.lock() {
                refused.insert(address, Instant::now() + wait);
            }
            wait
        })
    }

    /// `Err(wait)` while the address's attempts are refused.
    pub fn refused(&self, address: IpAddr) -> Result<(), Duration> {
        let Ok(refused) = self.refused_until.lock() else { return Ok(()) };
        match refused.get(&address) {
            Some(until) if *until > Instant::now() => Err(*until - Instant::now()),
            _ => Ok(()),
        }
    }

    /// Forgets buckets that are full again and refusals that are over.
    pub fn shrink(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
        if let Ok(mut refused) = self.refused_until.lock() {
            let now = Instant::now();
            refused.retain(|_, until| *until > now);
        }
    }
}

/// Counts of open connections by key, each bounded.
pub struct Slots<K: Hash + Eq + Clone> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    max: usize,
}

impl<K: Hash + Eq + Clone> Slots<K> {
    pub fn new(max: usize) -> Self {
        Self { open: Arc::default(), max }
    }

    /// A place for one more connection of `key`, or `None` when it has
    /// `max` already.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().ok()?;
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot { open: Arc::clone(&self.open), key })
    }
}

/// One connection's place; given back on drop.
pub struct Slot<K: Hash + Eq + Clone> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    key: K,
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(count) = open.get_mut(&self.key) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&self.key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let slots = Slots::new(2);
        let a = slots.take("a").expect("first");
        let _b = slots.take("a").expect("second");
        assert!(slots.take("a").is_none());
        assert!(slots.take("b").is_some(), "per key");
        drop(a);
        assert!(slots.take("a").is_some());
    }

    #[test]
    fn failed_logins_are_refused_past_the_allowance() {
        let failures = FailedLogins::new(3);
        let address = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(failures.record(address).is_ok());
        }
        assert!(failures.record(address).is_err());
        assert!(failures.refused(address).is_err());
        assert!(failures.refused(IpAddr::from([10, 0, 0, 2])).is_ok());
    }
}
