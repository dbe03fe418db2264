//! Rate limits: per session and per client address, `429` with
//! `Retry-After` beyond them.
//!
//! GCRA buckets from `governor`, kept in this process: with several API
//! processes behind one address each applies the limit on its own share of
//! the traffic, which is what a load balancer spreading requests expects.
//! The per-address limit is checked first, before any Redis work, so a flood
//! of forged cookies costs Redis nothing.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::AppError;

/// Requests per second allowed, and how many may come at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: u32,
    pub burst: u32,
}

impl Rate {
    fn quota(self) -> Option<Quota> {
        let per_second = NonZeroU32::new(self.per_second)?;
        let burst = NonZeroU32::new(self.burst.max(self.per_second))?;
        Some(Quota::per_second(per_second).allow_burst(burst))
    }
}

pub struct RateLimits {
    per_session: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

impl RateLimits {
    /// `None` (or a zero rate) means unlimited.
    pub fn new(per_session: Option<Rate>, per_address: Option<Rate>) -> Self {
        Self {
            per_session: per_session.and_then(Rate::quota).map(DefaultKeyedRateLimiter::keyed),
            per_address: per_address.and_then(Rate::quota).map(DefaultKeyedRateLimiter::keyed),
            clock: DefaultClock::default(),
        }
    }

    pub fn check_address(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        match (&self.per_address, address) {
            (Some(limiter), Some(address)) => self.verdict(limiter.check_key(&address), "this address"),
            _ => Ok(()),
        }
    }

    pub fn check_session(&self, session: &str) -> Result<(), AppError> {
        self.check_session_n(session, 1)
    }

    /// `n` requests at once (the gateway accounts a pipelined batch in one
    /// go, not command by command); more than the burst counts as the burst.
    pub fn check_session_n(&self, session: &str, n: u32) -> Result<(), AppError> {
        let Some(limiter) = &self.per_session else { return Ok(()) };
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        let key = session.to_string();
        match limiter.check_key_n(&key, n) {
            Ok(outcome) => self.verdict(outcome, "this session"),
            Err(governor::InsufficientCapacity(most)) => {
                let most = NonZeroU32::new(most).unwrap_or(NonZeroU32::MIN);
                match limiter.check_key_n(&key, most) {
                    Ok(outcome) => self.verdict(outcome, "this session"),
                    Err(_) => Ok(()),
                }
            }
        }
    }

    fn verdict(
        &self,
        outcome: Result<(), governor::NotUntil<governor::clock::QuantaInstant>>,
        who: &str,
    ) -> Result<(), AppError> {
        outcome.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited {
                message: format!("too many requests from {who}; slow down"),
                retry_after: wait.max(Duration::from_secs(1)),
            }
        })
    }

    /// Forgets buckets that are full again (call now and then, so the maps
    /// do not grow with every address and session ever seen).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.per_session {
            limiter.retain_recent();
        }
        if let Some(limiter) = &self.per_address {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_pass_then_the_limit_holds() {
        let limits = RateLimits::new(Some(Rate { per_second: 1, burst: 3 }), None);
        for _ in 0..3 {
            assert!(limits.check_session("a").is_ok());
        }
        match limits.check_session("a") {
            Err(AppError::RateLimited { retry_after, .. }) => assert!(retry_after >= Duration::from_secs(1)),
            other => panic!("not limited: {other:?}"),
        }
        assert!(limits.check_session("b").is_ok(), "buckets are per session");
        assert!(limits.check_address(Some(IpAddr::from([127, 0, 0, 1]))).is_ok(), "no address limit set");
    }

    #[test]
    fn a_batch_is_accounted_at_once() {
        let limits = RateLimits::new(Some(Rate { per_second: 1, burst: 20 }), None);
        assert!(limits.check_session_n("a", 16).is_ok());
        assert!(limits.check_session_n("a", 16).is_err(), "16 + 16 is past the burst");
        assert!(limits.check_session_n("a", 4).is_ok(), "a refused batch took nothing");
        assert!(limits.check_session("a").is_err());
        // More than the burst at once counts as the burst.
        assert!(limits.check_session_n("b", 1000).is_ok());
        assert!(limits.check_session("b").is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let limits = RateLimits::new(Some(Rate { per_second: 0, burst: 0 }), None);
        for _ in 0..1000 {
            assert!(limits.check_session("a").is_ok());
        }
    }
}
