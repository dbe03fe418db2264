//! Request rates: per sandbox and per client address, shared fairly, `429`
//! with `Retry-After` beyond them — for every endpoint a sandbox uses
//! (console, data, jobs, guides: [`limit`] is their middleware).
//!
//! # Fair, not first come
//! A classroom behind one NAT address is many sandboxes at one address. If
//! the address had one bucket that every request drew from, one student
//! flooding at their own limit would empty it for the whole class. So:
//! - a sandbox's requests are checked against **its own bucket first**
//!   (GCRA from `governor`); a request it refuses is not charged to the
//!   address;
//! - the **address's budget is shared** among the sandboxes active at it
//!   (seen in the last [`ACTIVE_WINDOW`]): each gets `rate / n` requests a
//!   second (bursts of `burst / n`), so however hard one floods, the others
//!   keep their share. `governor`'s quotas are fixed per limiter, and this
//!   share follows `n`, so it is a small GCRA of its own ([`FairShare`]).
//!
//! # Heavy requests weigh more
//! A data load or a generated set costs Redis and Bolide far more than a
//! console line, so its handler takes [`Heavy`], which charges the sandbox
//! [`HEAVY`] requests in all.
//!
//! # Before any Redis work
//! Both checks run before the request touches Redis: the sandbox is known
//! from the request's credential (its cookie secret, or its `Authorization`
//! header) once the sandbox layer has verified it once ([`RateLimits::remember`]).
//! A credential not verified yet — a new browser, or a forged cookie — is
//! a *stranger*: all strangers at an address share one slot of its budget,
//! so forging cookies neither dilutes the others' shares nor costs Redis
//! more than that slot allows. The first verified request of a sandbox is
//! charged to its own bucket then.
//!
//! Buckets live in this process: with several API processes behind one
//! address each applies the limits to its own share of the traffic, which
//! is what a load balancer spreading requests expects.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::Sandboxes;
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

/// A sandbox counts as active at an address this long after its last
/// request there.
pub const ACTIVE_WINDOW: Duration = Duration::from_secs(10);

/// How long a verified credential is remembered after its last use.
const REMEMBERED: Duration = Duration::from_secs(600);

pub struct RateLimits {
    per_session: Option<DefaultKeyedRateLimiter<String>>,
    session_rate: Option<Rate>,
    per_address: Option<FairShare>,
    /// Verified credentials → their sandbox, and when last used.
    known: Mutex<HashMap<String, (String, Instant)>>,
    last_shrink: Mutex<Instant>,
    clock: DefaultClock,
}

impl RateLimits {
    /// `None` (or a zero rate) means unlimited.
    pub fn new(per_session: Option<Rate>, per_address: Option<Rate>) -> Self {
        Self {
            per_session: per_session.and_then(Rate::quota).map(DefaultKeyedRateLimiter::keyed),
            session_rate: per_session.filter(|r| r.per_second > 0),
            per_address: per_address.filter(|r| r.per_second > 0).map(FairShare::new),
            known: Mutex::default(),
            last_shrink: Mutex::new(Instant::now()),
            clock: DefaultClock::default(),
        }
    }

    /// The sandbox a verified `credential` belongs to, if it was verified.
    pub fn caller(&self, credential: Option<&str>) -> Option<String> {
        let credential = credential?;
        let mut known = self.known.lock().ok()?;
        let (id, used) = known.get_mut(credential)?;
        *used = Instant::now();
        Some(id.clone())
    }

    /// Remembers that `credential` opens sandbox `id` (the sandbox layer
    /// verified it); a credential not known before charges its first
    /// request to the sandbox's bucket now.
    pub fn remember(&self, credential: &str, id: &str) -> Result<(), AppError> {
        let new = match self.known.lock() {
            Ok(mut known) => known.insert(credential.to_string(), (id.to_string(), Instant::now())).is_none(),
            Err(_) => false,
        };
        if new {
            self.check_session(id)?;
        }
        Ok(())
    }

    /// One request from `address` by `sandbox` (`None`: a stranger): the
    /// sandbox's own bucket first, then its share of the address's.
    pub fn check(&self, address: Option<IpAddr>, sandbox: Option<&str>) -> Result<(), AppError> {
        self.shrink_now_and_then();
        if let Some(sandbox) = sandbox {
            self.check_session(sandbox)?;
        }
        match (&self.per_address, address) {
            (Some(share), Some(address)) => share.check(address, sandbox.unwrap_or("")).map_err(|(wait, n)| {
                AppError::RateLimited {
                    message: format!(
                        "too many requests from this address: its {} requests per second are shared among its {n} \
                         active sandboxes; slow down",
                        share.rate.per_second
                    ),
                    retry_after: wait.max(Duration::from_secs(1)),
                }
            }),
            _ => Ok(()),
        }
    }

    /// One request of `session` against its own bucket.
    pub fn check_session(&self, session: &str) -> Result<(), AppError> {
        self.check_session_n(session, 1)
    }

    /// `n` requests of `session` at once (the gateway accounts a pipelined
    /// batch in one go, not command by command); more than the burst counts
    /// as the burst.
    pub fn check_session_n(&self, session: &str, n: u32) -> Result<(), AppError> {
        let (Some(limiter), Some(rate)) = (&self.per_session, self.session_rate) else { return Ok(()) };
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        let key = session.to_string();
        let outcome = match limiter.check_key_n(&key, n) {
            Ok(outcome) => outcome,
            Err(governor::InsufficientCapacity(most)) => {
                match limiter.check_key_n(&key, NonZeroU32::new(most).unwrap_or(NonZeroU32::MIN)) {
                    Ok(outcome) => outcome,
                    Err(_) => Ok(()),
                }
            }
        };
        outcome.map_err(|not_until| AppError::RateLimited {
            message: format!(
                "too many requests from this sandbox: at most {} per second (bursts of {}); slow down",
                rate.per_second,
                rate.burst.max(rate.per_second)
            ),
            retry_after: not_until.wait_time_from(self.clock.now()).max(Duration::from_secs(1)),
        })
    }

    fn shrink_now_and_then(&self) {
        let due = self.last_shrink.lock().is_ok_and(|mut last| {
            let due = last.elapsed() > Duration::from_secs(60);
            if due {
                *last = Instant::now();
            }
            due
        });
        if due {
            self.shrink();
        }
    }

    /// Forgets buckets that are full again, inactive sandboxes and unused
    /// credentials (so the maps do not grow with every caller ever seen).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.per_session {
            limiter.retain_recent();
        }
        if let Some(share) = &self.per_address {
            share.shrink();
        }
        if let Ok(mut known) = self.known.lock() {
            known.retain(|_, (_, used)| used.elapsed() < REMEMBERED);
        }
    }
}

/// An address's budget, shared among its active sandboxes (see the module
/// docs): a GCRA per (address, sandbox) whose rate is `rate / n`.
pub struct FairShare {
    rate: Rate,
    addresses: Mutex<HashMap<IpAddr, HashMap<String, Share>>>,
}

/// One sandbox's place at an address: GCRA's theoretical arrival time, and
/// when it was last seen.
struct Share {
    arrival: Instant,
    seen: Instant,
}

impl FairShare {
    fn new(rate: Rate) -> Self {
        Self { rate, addresses: Mutex::default() }
    }

    /// `Err((wait, n))` when `sandbox` is past its share of `address`'s
    /// budget, `n` the sandboxes sharing it. A refused request is not
    /// charged.
    fn check(&self, address: IpAddr, sandbox: &str) -> Result<(), (Duration, usize)> {
        let Ok(mut addresses) = self.addresses.lock() else { return Ok(()) };
        let now = Instant::now();
        let sandboxes = addresses.entry(address).or_default();
        sandboxes.retain(|_, share| now.duration_since(share.seen) < ACTIVE_WINDOW);
        let n = sandboxes.len() + usize::from(!sandboxes.contains_key(sandbox));
        let per_second = f64::from(self.rate.per_second) / n as f64;
        let burst = (f64::from(self.rate.burst.max(self.rate.per_second)) / n as f64).max(1.0);
        let interval = Duration::from_secs_f64(1.0 / per_second);
        let tolerance = interval.mul_f64(burst - 1.0);
        let share = sandboxes.entry(sandbox.to_string()).or_insert(Share { arrival: now, seen: now });
        share.seen = now;
        let arrival = share.arrival.max(now);
        let ahead = arrival.duration_since(now);
        if ahead > tolerance {
            return Err((ahead - tolerance, n));
        }
        share.arrival = arrival + interval;
        Ok(())
    }

    fn shrink(&self) {
        if let Ok(mut addresses) = self.addresses.lock() {
            let now = Instant::now();
            addresses.retain(|_, sandboxes| {
                sandboxes.retain(|_, share| now.duration_since(share.seen) < ACTIVE_WINDOW);
                !sandboxes.is_empty()
            });
        }
    }
}

/// The credential a request carries: its sandbox cookie's secret, else its
/// `Authorization` header.
pub fn credential(headers: &axum::http::HeaderMap) -> Option<String> {
    let jar = CookieJar::from_headers(headers);
    jar.get(super::store::COOKIE)
        .map(|c| c.value().to_string())
        .or_else(|| headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string))
}

/// Middleware of the endpoints a sandbox uses: its rates, before anything
/// else runs.
pub async fn limit(State(sandboxes): State<Sandboxes>, request: Request, next: Next) -> Response {
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let caller = sandboxes.rate.caller(credential(request.headers()).as_deref());
    match sandboxes.rate.check(address, caller.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// What one heavy request (a data load, fetch, generated set or reindex:
/// seconds of Redis and hundreds of MiB of Bolide at worst) counts against
/// its sandbox's rate, in requests: with the shared default of 20 a second
/// in bursts of 60, six at once and two a second after that.
pub const HEAVY: u32 = 10;

/// Taken by a heavy handler ([`HEAVY`]): charges the request's sandbox the
/// rest of its weight (the [`limit`] middleware charged one), before the
/// handler runs; `429` past the sandbox's rate. A stranger's request (no
/// sandbox yet) pays only the middleware's share: its sandbox is minted
/// by the handler and bounded by the mint limit.
pub struct Heavy;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Heavy
where
    Sandboxes: axum::extract::FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        let sandboxes = <Sandboxes as axum::extract::FromRef<S>>::from_ref(state);
        if let Some(caller) = sandboxes.rate.caller(credential(&parts.headers).as_deref()) {
            sandboxes.rate.check_session_n(&caller, HEAVY - 1)?;
        }
        Ok(Heavy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(limits.check(Some(IpAddr::from([127, 0, 0, 1])), None).is_ok(), "no address limit set");
    }

    #[test]
    fn zero_means_unlimited() {
        let limits = RateLimits::new(Some(Rate { per_second: 0, burst: 0 }), None);
        for _ in 0..1000 {
            assert!(limits.check_session("a").is_ok());
        }
    }

    #[test]
    fn one_sandbox_flooding_leaves_the_others_their_share() {
        let limits = RateLimits::new(
            Some(Rate { per_second: 10, burst: 10 }),
            Some(Rate { per_second: 20, burst: 20 }),
        );
        let class = IpAddr::from([10, 0, 0, 1]);
        assert!(limits.check(Some(class), Some("victim")).is_ok());
        // The flooder: its own bucket refuses it, and those refusals cost the address nothing.
        let passed = (0..1000).filter(|_| limits.check(Some(class), Some("flooder")).is_ok()).count();
        assert!(passed <= 10, "{passed}");
        for _ in 0..9 {
            assert!(limits.check(Some(class), Some("victim")).is_ok(), "the victim keeps its share");
        }
        // Many flooders (many sandboxes) with roomy buckets of their own:
        // each gets rate / n of the address, the victim too.
        let limits = RateLimits::new(
            Some(Rate { per_second: 1000, burst: 1000 }),
            Some(Rate { per_second: 20, burst: 20 }),
        );
        assert!(limits.check(Some(class), Some("victim")).is_ok());
        for flooder in 0..4 {
            for _ in 0..100 {
                let _ = limits.check(Some(class), Some(&format!("f{flooder}")));
            }
        }
        let err = limits.check(Some(class), Some("f0")).expect_err("past its share");
        assert!(err.to_string().contains("shared among its 5 active sandboxes"), "{err}");
        for _ in 0..3 {
            assert!(limits.check(Some(class), Some("victim")).is_ok(), "the victim keeps its share");
        }
        assert!(limits.check(Some(IpAddr::from([10, 0, 0, 2])), Some("other")).is_ok(), "per address");
    }

    #[test]
    fn strangers_share_one_slot() {
        let limits = RateLimits::new(None, Some(Rate { per_second: 10, burst: 10 }));
        let class = IpAddr::from([10, 0, 0, 1]);
        assert!(limits.check(Some(class), Some("student")).is_ok());
        let strangers = (0..100).filter(|_| limits.check(Some(class), None).is_ok()).count();
        assert!(strangers <= 5, "strangers took {strangers}");
        assert!(limits.check(Some(class), Some("student")).is_ok());
    }
}
