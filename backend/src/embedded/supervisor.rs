//! Watching the embedded `redis-server` and bringing it back.
//!
//! A student's `redis-cli -p PORT SHUTDOWN` (what the persistence exercise
//! is about), a `kill -9` or a crash ends the child without Bolide asking.
//! Without a supervisor, every page would say "Redis down" until Bolide
//! itself is restarted. So every [`POLL`] the supervisor looks (under the
//! server's lock, so never during a restart the persistence guide asked
//! for, nor after [`EmbeddedControl::stop`]) whether the child has exited;
//! it reaps it (no zombie), logs its exit status and the last lines of its
//! log, and starts a new one on the same port and data dir, with the AOF:
//! what was fsynced (all of it after a `SHUTDOWN`; all but the last second
//! or so after a `kill -9`) is back. Health says `restarting` meanwhile.
//!
//! **Backoff, and giving up.** A server that ran for [`FAST_FAILURE`] or
//! longer is started again at once (a `SHUTDOWN` is answered again within
//! a second or so). One that failed to start, or exited sooner, counts as a
//! fast failure, and each one in a row doubles the wait before the next
//! attempt (from [`FIRST_BACKOFF`] up to [`MAX_BACKOFF`]). When a start
//! fails after [`MAX_FAST_FAILURES`] such failures in a row, something is
//! wrong that a restart does not fix (a corrupt AOF, a full disk, a port taken by
//! another program): the supervisor logs that it gives up, with the last
//! error, and health reports it until Bolide is restarted. (A server that
//! starts and is then shut down again and again, as a student may do, is
//! never given up on: it is only brought back more slowly, at most every
//! [`MAX_BACKOFF`].)
//!
//! **Connections.** Bolide's shared connections only notice a restart on
//! their next command, which finds its connection closed and is sent again
//! on a fresh one (`redis_conn::Connection`); once the new server answers,
//! the supervisor also calls the `on_restart` hook, which reconnects them
//! ahead of any request with a `PING` of each (see `guides::restart`).

use std::future::Future;
use std::time::{Duration, Instant};

use super::EmbeddedControl;

/// How often the supervisor looks at the child.
const POLL: Duration = Duration::from_millis(100);
/// A server that exits sooner than this after starting failed "fast".
const FAST_FAILURE: Duration = Duration::from_secs(10);
/// Wait before the second attempt in a row.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// Fast failures in a row after which the supervisor gives up.
pub const MAX_FAST_FAILURES: u32 = 5;

/// What the supervisor is doing, as health reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supervision {
    /// The server runs (or Bolide is stopping it).
    Running,
    /// It exited; a new one is being started.
    Restarting { reason: String },
    /// It kept failing; no more attempts.
    GaveUp { reason: String },
}

impl EmbeddedControl {
    /// Watches the server until it is stopped with [`EmbeddedControl::stop`]
    /// (or the supervisor gives up); call `on_restart` after each restart.
    pub fn supervise<F, Fut>(&self, on_restart: F) -> tokio::task::JoinHandle<()>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let control = self.clone();
        tokio::spawn(async move { control.watch(on_restart).await })
    }

    async fn watch<F, Fut>(&self, on_restart: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // The last restart's warm-up, aborted if the server falls again.
        let mut warming: Option<tokio::task::JoinHandle<()>> = None;
        let mut fast_failures = 0u32;
        // Whether the server is down and being started again.
        let mut restarting = false;
        let mut wait = Duration::ZERO;
        loop {
            tokio::time::sleep(POLL.max(wait)).await;
            let mut guard = self.server.lock().await;
            let Some(server) = guard.as_mut() else { return }; // stopped
            if !restarting {
                let Some(status) = server.exited() else { continue };
                let lived = server.ready_at.elapsed();
                tracing::error!(
                    pid = server.pid,
                    %status,
                    lived = ?lived,
                    log_tail = %server.log_tail(),
                    "the embedded redis-server exited without Bolide asking; restarting it on port {}",
                    server.port,
                );
                fast_failures = if lived < FAST_FAILURE { fast_failures + 1 } else { 0 };
                let reason = format!("redis-server (pid {}) exited ({status}); restarting it", server.pid);
                self.set_supervision(Supervision::Restarting { reason });
                restarting = true;
                wait = backoff(fast_failures);
                if !wait.is_zero() {
                    continue;
                }
            }
            let started = Instant::now();
            match server.respawn(true).await {
                Ok(()) => {
                    tracing::info!(
                        pid = server.pid,
                        port = server.port,
                        took = ?started.elapsed(),
                        "the embedded redis-server is back, its AOF replayed"
                    );
                    drop(guard);
                    self.set_supervision(Supervision::Running);
                    // Beside the watch, so a server that falls again while
                    // connections are warmed is seen at once.
                    if let Some(previous) = warming.replace(tokio::spawn(on_restart())) {
                        previous.abort();
                    }
                    restarting = false;
                    wait = Duration::ZERO;
                }
                Err(err) => {
                    fast_failures += 1;
                    if fast_failures >= MAX_FAST_FAILURES {
                        let reason = format!(
                            "gave up restarting the embedded redis-server after {fast_failures} fast failures \
                             in a row; fix the cause, then restart Bolide. Last error: {err}"
                        );
                        tracing::error!("{reason}");
                        self.set_supervision(Supervision::GaveUp { reason });
                        return;
                    }
                    wait = backoff(fast_failures);
                    tracing::warn!(%err, retry_in = ?wait, "starting the embedded redis-server again failed");
                }
            }
        }
    }
}

/// The wait before a restart after `fast_failures` fast failures in a row:
/// none after a server that ran a while, then doubling.
fn backoff(fast_failures: u32) -> Duration {
    match fast_failures {
        0 => Duration::ZERO,
        n => FIRST_BACKOFF.saturating_mul(1 << (n - 1).min(8)).min(MAX_BACKOFF),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_zero_to_its_cap() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), FIRST_BACKOFF);
        assert_eq!(backoff(2), FIRST_BACKOFF * 2);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
