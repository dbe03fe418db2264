//! When to ask `GET /api/jobs` again.
//!
//! The page learns about progress by polling, as the course's clients do:
//! no WebSocket, the same request a student would send with `curl`. To be
//! live without hammering the API, the delay starts short
//! ([`Backoff::FAST_MS`]) while something is queued or running, doubles
//! each time an answer brings nothing new (up to [`Backoff::SLOW_MS`]), and
//! drops back to short as soon as something moves. When every job on the
//! page is finished, nothing there can change any more, but new jobs can
//! still arrive from elsewhere (`curl`, a script, another tab), so the page
//! keeps asking at a leisurely [`Backoff::IDLE_MS`] — and not at all while
//! the tab is hidden. A submit, a cancel or a page change asks at once.

use bolide_shared::jobs::Job;

/// The delay between two polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    delay_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { delay_ms: Backoff::FAST_MS }
    }
}

impl Backoff {
    /// While things move: a progress bar that updates a few times a second.
    pub const FAST_MS: u32 = 400;
    /// The longest wait, when a job sits in the queue (no worker?) or a
    /// long analysis reports nothing new.
    pub const SLOW_MS: u32 = 4_000;
    /// When every job on the page is finished: often enough to show a job
    /// submitted with `curl` within seconds.
    pub const IDLE_MS: u32 = 5_000;

    /// The delay before the next poll, given whether the last answer
    /// differed from the one before it.
    pub fn next(&mut self, changed: bool) -> u32 {
        self.delay_ms =
            if changed { Backoff::FAST_MS } else { self.delay_ms.saturating_mul(2).min(Backoff::SLOW_MS) };
        self.delay_ms
    }
}

/// Whether any job may still change (queued or running).
pub fn any_active(jobs: &[Job]) -> bool {
    jobs.iter().any(|job| !job.status.is_finished())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;
    use crate::jobs::fixtures::job;
    use bolide_shared::jobs::JobStatus;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn backs_off_to_the_cap_and_snaps_back_on_change() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.next(true), Backoff::FAST_MS);
        let delays: Vec<u32> = (0..6).map(|_| backoff.next(false)).collect();
        assert_eq!(delays, vec![800, 1_600, 3_200, 4_000, 4_000, 4_000]);
        assert_eq!(backoff.next(true), Backoff::FAST_MS);
        assert_eq!(backoff.next(false), 800);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn only_queued_and_running_jobs_keep_polling_alive() {
        let finished = [JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled].map(|s| job("f", s));
        assert!(!any_active(&finished));
        assert!(!any_active(&[]));
        for status in [JobStatus::Queued, JobStatus::Running] {
            let mut jobs = finished.to_vec();
            jobs.push(job("live", status));
            assert!(any_active(&jobs), "{status:?}");
        }
    }
}
