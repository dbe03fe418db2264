//! The Jobs page's I/O, as hooks: poll the list ([`use_jobs_polling`]),
//! fetch the open job's result ([`use_job_result`]), cancel or delete a job
//! ([`use_remove_job`]), submit one ([`use_submit_job`]) and list the
//! workers ([`use_job_workers`]). The components take what they return as
//! props and callbacks and call no API themselves.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bolide_shared::jobs::{Job, JobList, JobRequest, JobResults, JobStatus, Workers};
use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use super::polling::{any_active, Backoff};
use super::state::{JobsAction, JobsState, PAGE_SIZE};
use crate::api::{self, failure_message, ApiError};

/// The open job's result.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultState {
    Loading,
    Loaded(Rc<JobResults>),
    /// Expired, deleted, or the server could not be asked: why.
    Unavailable(String),
}

/// Polls `GET /api/jobs` for the state's page into the state, with the
/// [`Backoff`]; slows to [`Backoff::IDLE_MS`] when every job there is
/// finished (and pauses while the tab is hidden), and starts afresh when
/// the state's `poll_generation` or page changes (a submit, a cancel, a
/// delete, another page). A poller that has been replaced drops its answer.
#[hook]
pub fn use_jobs_polling(state: &UseReducerHandle<JobsState>) {
    let dispatcher = state.dispatcher();
    use_effect_with((state.poll_generation, state.page), move |(_, page)| {
        let page = *page;
        let alive = Rc::new(Cell::new(true));
        let running = alive.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut backoff = Backoff::default();
            let mut last: Option<JobList> = None;
            while running.get() {
                let answer = api::jobs(page, PAGE_SIZE).await;
                if !running.get() {
                    break; // a newer poller has taken over
                }
                let delay = match answer {
                    Ok(list) => {
                        let active = any_active(&list.items);
                        let changed = last.as_ref() != Some(&list);
                        last = Some(list.clone());
                        dispatcher.dispatch(JobsAction::Listed(list));
                        if active {
                            Some(backoff.next(changed))
                        } else {
                            backoff = Backoff::default();
                            None
                        }
                    }
                    Err(err) => {
                        dispatcher.dispatch(JobsAction::ListFailed(failure_message(&err)));
                        Some(backoff.next(false))
                    }
                };
                dispatcher.dispatch(JobsAction::PollDelay(delay));
                TimeoutFuture::new(delay.unwrap_or(Backoff::IDLE_MS)).await;
                // Nobody is looking: ask again once somebody is.
                while running.get() && page_hidden() {
                    TimeoutFuture::new(Backoff::FAST_MS).await;
                }
            }
        });
        move || alive.set(false)
    });
}

/// Whether the tab is in the background (`document.hidden`).
fn page_hidden() -> bool {
    web_sys::window().and_then(|window| window.document()).is_some_and(|document| document.hidden())
}

/// The result of `selected`, fetched once it has succeeded; `None` for no
/// job or one that has not. An answer for a job the student has since left
/// is dropped.
#[hook]
pub fn use_job_result(selected: Option<&Job>) -> Option<ResultState> {
    let result = use_state(|| None::<ResultState>);
    let latest_result = use_mut_ref(|| 0u64);
    let key = selected.map(|job| (job.id.clone(), job.status));
    {
        let (result, latest) = (result.clone(), latest_result.clone());
        use_effect_with(key, move |key| {
            let ticket = next_ticket(&latest);
            match key {
                Some((id, JobStatus::Succeeded)) => {
                    let id = id.clone();
                    result.set(Some(ResultState::Loading));
                    wasm_bindgen_futures::spawn_local(async move {
                        let answer = api::job_results(&id).await;
                        if *latest.borrow() != ticket {
                            return; // the student opened another job
                        }
                        result.set(Some(match answer {
                            Ok(results) => ResultState::Loaded(Rc::new(results)),
                            Err(ApiError::Server { status: 404, message, .. }) => ResultState::Unavailable(format!(
                                "{message} Results are kept for a limited time: submit the job again to recompute it."
                            )),
                            Err(err) => ResultState::Unavailable(failure_message(&err)),
                        }));
                    });
                }
                _ => result.set(None),
            }
        });
    }
    (*result).clone()
}

/// Cancels (queued or running: `POST …/cancel`, which never deletes a job
/// that finished meanwhile) or deletes (finished) a job, and tells the
/// state which it was, or why it failed.
#[hook]
pub fn use_remove_job(state: &UseReducerHandle<JobsState>) -> Callback<Job> {
    let dispatcher = state.dispatcher();
    use_callback(dispatcher, |job: Job, dispatcher| {
        let dispatcher = dispatcher.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let action = if job.status.is_finished() {
                match api::delete_job(&job.id).await {
                    Ok(()) => JobsAction::Deleted(job.id),
                    Err(err) => JobsAction::ActionFailed(failure_message(&err)),
                }
            } else {
                match api::cancel_job(&job.id).await {
                    Ok(_) => JobsAction::Cancelled,
                    Err(err) => JobsAction::ActionFailed(failure_message(&err)),
                }
            };
            dispatcher.dispatch(action);
        });
    })
}

/// A submit in progress and its outcome.
pub struct SubmitJob {
    /// A request is on its way.
    pub busy: bool,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// Sends a request (ignored while one is on its way), or shows why the
    /// form could not make one.
    pub submit: Callback<Result<JobRequest, String>>,
}

/// `POST /api/jobs`: `on_submitted` gets the job the server accepted
/// (`202`); a refusal's message (which names the field) is kept.
#[hook]
pub fn use_submit_job(on_submitted: Callback<Job>) -> SubmitJob {
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let submit = {
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |request: Result<JobRequest, String>| {
            if *busy {
                return;
            }
            let request = match request {
                Ok(request) => request,
                Err(message) => {
                    error.set(Some(message));
                    return;
                }
            };
            error.set(None);
            busy.set(true);
            let (busy, error, on_submitted) = (busy.clone(), error.clone(), on_submitted.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::submit_job(&request).await;
                busy.set(false);
                match result {
                    Ok(job) => on_submitted.emit(job),
                    Err(ApiError::Server { message, .. }) => error.set(Some(message)),
                    Err(other) => error.set(Some(failure_message(&other))),
                }
            });
        })
    };
    SubmitJob { busy: *busy, error: (*error).clone(), submit }
}

/// `GET /api/jobs/workers` on demand: the list (or why not) once asked,
/// and the callback that asks.
#[hook]
pub fn use_job_workers() -> (Option<Result<Workers, String>>, Callback<()>) {
    let details = use_state(|| None::<Result<Workers, String>>);
    let show = {
        let details = details.clone();
        Callback::from(move |()| {
            let details = details.clone();
            wasm_bindgen_futures::spawn_local(async move {
                details.set(Some(api::job_workers().await.map_err(|err| failure_message(&err))));
            });
        })
    };
    ((*details).clone(), show)
}

fn next_ticket(latest: &Rc<RefCell<u64>>) -> u64 {
    let mut latest = latest.borrow_mut();
    *latest = latest.wrapping_add(1);
    *latest
}
