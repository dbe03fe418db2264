//! The Jobs page's state: the page of jobs the server last listed, the job
//! whose details are open, and the counter that (re)starts polling.
//!
//! Everything here comes from the server: the list is replaced by each
//! poll's answer, never edited by guesswork, so a reload shows exactly what
//! the page showed. The two exceptions are optimistic and short-lived: a
//! job just submitted is put at the top at once (the `202` answer *is* the
//! job) and a deleted one is taken off; the next poll confirms both.

use std::rc::Rc;

use bolide_shared::jobs::{Job, JobList};
use yew::Reducible;

/// Jobs per page of the list.
pub const PAGE_SIZE: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct JobsState {
    /// The current page's jobs, newest first.
    pub jobs: Vec<Job>,
    /// All the caller's jobs (for the pager).
    pub total: u64,
    /// 1-based.
    pub page: usize,
    /// `None` until the server has answered once.
    pub workers_alive: Option<u32>,
    /// The last poll failed: why.
    pub list_error: Option<String>,
    /// A cancel or delete failed: why.
    pub action_error: Option<String>,
    /// The job whose details are open, as last seen.
    pub selected: Option<Job>,
    /// Bumped to restart polling (a submit, a cancel, a delete).
    pub poll_generation: u32,
    /// The wait before the next poll; `None` when polling stopped.
    pub poll_delay_ms: Option<u32>,
}

impl Default for JobsState {
    fn default() -> Self {
        JobsState {
            jobs: Vec::new(),
            total: 0,
            page: 1,
            workers_alive: None,
            list_error: None,
            action_error: None,
            selected: None,
            poll_generation: 0,
            poll_delay_ms: None,
        }
    }
}

impl JobsState {
    /// Whether the server has answered a list yet.
    pub fn listed(&self) -> bool {
        self.workers_alive.is_some()
    }

    /// How many pages the caller's jobs make (at least one).
    pub fn pages(&self) -> usize {
        usize::try_from(self.total).unwrap_or(usize::MAX).div_ceil(PAGE_SIZE).max(1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobsAction {
    /// A poll's answer.
    Listed(JobList),
    /// A poll failed (the message is for the student).
    ListFailed(String),
    /// `POST /api/jobs` answered with this job: show it first, open it,
    /// and poll again.
    Submitted(Box<Job>),
    /// Open a job's details.
    Select(String),
    Deselect,
    /// A cancel was accepted: poll again to see the job cancelled.
    Cancelled,
    /// A finished job was deleted.
    Deleted(String),
    /// A cancel or delete failed.
    ActionFailed(String),
    /// Go to a page of the list.
    Page(usize),
    /// The poller waits this long before asking again (`None`: it stopped).
    PollDelay(Option<u32>),
}

impl Reducible for JobsState {
    type Action = JobsAction;

    fn reduce(self: Rc<Self>, action: JobsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            JobsAction::Listed(list) => {
                if list.page != next.page {
                    return self; // an answer for a page the student left
                }
                if let Some(selected) = &next.selected {
                    if let Some(fresh) = list.items.iter().find(|job| job.id == selected.id) {
                        next.selected = Some(fresh.clone());
                    }
                }
                next.jobs = list.items;
                next.total = list.total;
                next.workers_alive = Some(list.workers_alive);
                next.list_error = None;
            }
            JobsAction::ListFailed(message) => next.list_error = Some(message),
            JobsAction::Submitted(job) => {
                let job = *job;
                if next.page != 1 {
                    next.jobs.clear(); // the next poll brings page 1
                    next.page = 1;
                }
                if !next.jobs.iter().any(|listed| listed.id == job.id) {
                    next.jobs.insert(0, job.clone());
                    next.jobs.truncate(PAGE_SIZE);
                    next.total = next.total.saturating_add(1);
                }
                next.selected = Some(job);
                next.action_error = None;
                next.poll_generation = next.poll_generation.wrapping_add(1);
            }
            JobsAction::Select(id) => {
                next.selected = next.jobs.iter().find(|job| job.id == id).cloned().or(next.selected);
            }
            JobsAction::Deselect => next.selected = None,
            JobsAction::Cancelled => {
                next.action_error = None;
                next.poll_generation = next.poll_generation.wrapping_add(1);
            }
            JobsAction::Deleted(id) => {
                let before = next.jobs.len();
                next.jobs.retain(|job| job.id != id);
                if next.jobs.len() < before {
                    next.total = next.total.saturating_sub(1);
                }
                if next.selected.as_ref().is_some_and(|job| job.id == id) {
                    next.selected = None;
                }
                next.action_error = None;
                next.poll_generation = next.poll_generation.wrapping_add(1);
            }
            JobsAction::ActionFailed(message) => {
                next.action_error = Some(message);
                // The job may have changed (a Cancel too late: it finished):
                // show it as it is now.
                next.poll_generation = next.poll_generation.wrapping_add(1);
            }
            JobsAction::PollDelay(delay) => next.poll_delay_ms = delay,
            JobsAction::Page(page) => {
                next.page = page.clamp(1, next.pages());
                next.poll_generation = next.poll_generation.wrapping_add(1);
            }
        }
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
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

    fn list(items: Vec<Job>, page: usize) -> JobList {
        JobList { total: items.len() as u64, items, page, size: PAGE_SIZE, workers_alive: 1 }
    }

    fn apply(state: JobsState, actions: Vec<JobsAction>) -> JobsState {
        let mut state = Rc::new(state);
        for action in actions {
            state = state.reduce(action);
        }
        (*state).clone()
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_submitted_job_is_first_selected_and_restarts_polling() {
        let old = job("old", JobStatus::Succeeded);
        let new = job("new", JobStatus::Queued);
        let state = apply(
            JobsState::default(),
            vec![
                JobsAction::Listed(list(vec![old.clone()], 1)),
                JobsAction::Submitted(Box::new(new.clone())),
            ],
        );
        assert_eq!(state.jobs, vec![new.clone(), old.clone()]);
        assert_eq!(state.total, 2);
        assert_eq!(state.selected, Some(new.clone()));
        assert_eq!(state.poll_generation, 1);

        // The poll that already lists it does not add it twice.
        let listed = apply(state, vec![JobsAction::Listed(list(vec![new.clone(), old], 1))]);
        assert_eq!(listed.jobs.len(), 2);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_selected_job_follows_the_polls() {
        let queued = job("a", JobStatus::Queued);
        let mut done = queued.clone();
        done.status = JobStatus::Succeeded;
        let state = apply(
            JobsState::default(),
            vec![
                JobsAction::Listed(list(vec![queued], 1)),
                JobsAction::Select("a".into()),
                JobsAction::Listed(list(vec![done.clone()], 1)),
            ],
        );
        assert_eq!(state.selected, Some(done));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn answers_for_another_page_are_dropped() {
        let state = JobsState { page: 2, total: 40, ..JobsState::default() };
        let after =
            apply(state.clone(), vec![JobsAction::Listed(list(vec![job("x", JobStatus::Queued)], 1))]);
        assert_eq!(after, state);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn deleting_takes_the_job_off_and_closes_it() {
        let state = apply(
            JobsState::default(),
            vec![
                JobsAction::Listed(list(
                    vec![job("a", JobStatus::Failed), job("b", JobStatus::Succeeded)],
                    1,
                )),
                JobsAction::Select("a".into()),
                JobsAction::Deleted("a".into()),
            ],
        );
        assert_eq!(state.jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec!["b"]);
        assert_eq!((state.total, state.selected.is_none()), (1, true));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn pages_stay_in_range() {
        let state = JobsState { total: 45, ..JobsState::default() };
        assert_eq!(state.pages(), 3);
        assert_eq!(apply(state.clone(), vec![JobsAction::Page(9)]).page, 3);
        assert_eq!(apply(state, vec![JobsAction::Page(0)]).page, 1);
        assert_eq!(JobsState::default().pages(), 1);
    }
}
