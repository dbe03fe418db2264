//! `/jobs`: analysis jobs, the course's big pattern made visible.
//!
//! The API records a job and answers at once (`202`); a separate worker
//! takes it from a queue in Redis, reports progress, stores a result; the
//! page polls and draws the result when it is there. So the page is a
//! submit form ([`JobFormPanel`]), the list of the caller's jobs with live
//! status and progress ([`JobList`], [`JobWorkers`]), and one job's details
//! ([`JobDetails`]: timing, worker, the Redis keys and commands, and the
//! result as a chart).
//!
//! Everything shown comes from the server (a reload shows the same jobs):
//! the page's state ([`state`]) is the last list the server sent, polled
//! by the loop below with a back-off ([`polling`]) that stops when every
//! job is finished and restarts on a submit, a cancel or a page change.
//! The result of the open job is fetched once it has succeeded; an answer
//! for a job the student has since left is dropped.

pub mod describe;
pub mod details;
pub mod download;
pub mod export;
#[cfg(test)]
pub mod fixtures;
pub mod form;
pub mod form_panel;
pub mod heaviest;
pub mod list;
pub mod per_year;
pub mod polling;
pub mod quality;
pub mod redis;
pub mod results;
pub mod series;
pub mod state;
pub mod status;
pub mod timing;
pub mod workers;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bolide_shared::jobs::{Job, JobList, JobResults, JobStatus};
use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use crate::api::failure_message;
use crate::api::{self, ApiError};
use crate::jobs::details::JobDetails;
use crate::jobs::form_panel::JobFormPanel;
use crate::jobs::list::JobList as JobListView;
use crate::jobs::workers::JobWorkers;
use polling::{any_active, Backoff};
use state::{JobsAction, JobsState, PAGE_SIZE};

/// The open job's result.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultState {
    Loading,
    Loaded(Rc<JobResults>),
    /// Expired, deleted, or the server could not be asked: why.
    Unavailable(String),
}

#[function_component(JobsPage)]
pub fn jobs_page() -> Html {
    let state = use_reducer(JobsState::default);
    let result = use_state(|| None::<ResultState>);
    let latest_result = use_mut_ref(|| 0u64);

    // Poll the list while something may change.
    {
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
                            if !active {
                                dispatcher.dispatch(JobsAction::PollDelay(None));
                                break;
                            }
                            backoff.next(changed)
                        }
                        Err(err) => {
                            dispatcher.dispatch(JobsAction::ListFailed(failure_message(&err)));
                            backoff.next(false)
                        }
                    };
                    dispatcher.dispatch(JobsAction::PollDelay(Some(delay)));
                    TimeoutFuture::new(delay).await;
                }
            });
            move || alive.set(false)
        });
    }

    // Fetch the open job's result once it has succeeded.
    {
        let key = state.selected.as_ref().map(|job| (job.id.clone(), job.status));
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

    let on_submitted = {
        let dispatcher = state.dispatcher();
        Callback::from(move |job: Job| dispatcher.dispatch(JobsAction::Submitted(Box::new(job))))
    };
    let on_select = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: String| dispatcher.dispatch(JobsAction::Select(id)))
    };
    let on_close = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: ()| dispatcher.dispatch(JobsAction::Deselect))
    };
    let on_remove = {
        let dispatcher = state.dispatcher();
        Callback::from(move |job: Job| {
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let action = match api::delete_job(&job.id).await {
                    Ok(()) if job.status.is_finished() => JobsAction::Deleted(job.id),
                    Ok(()) => JobsAction::Cancelled,
                    Err(err) => JobsAction::ActionFailed(failure_message(&err)),
                };
                dispatcher.dispatch(action);
            });
        })
    };
    let go_to = |page: usize| {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(JobsAction::Page(page)))
    };

    let pages = state.pages();
    let polling = match state.poll_delay_ms {
        Some(ms) => format!("watching: next check in {:.1} s", f64::from(ms) / 1000.0),
        None if state.listed() => "every job here is finished: the page stopped asking".to_owned(),
        None => "asking the server…".to_owned(),
    };
    let selected = state.selected.clone().map(Rc::new);

    html! {
        <section class="jobs-page">
            <header class="data-head">
                <h1>{ "Analysis jobs" }</h1>
                <p class="lead">
                    { "Submit an analysis: the API stores it in Redis and answers at once; a separate worker \
                       takes it from the queue, reports its progress and stores the result; this page polls \
                       until it is there. Beside each job: the Redis keys and commands that carry it." }
                </p>
            </header>

            <JobFormPanel on_submitted={on_submitted} />

            <div class={classes!("jobs-layout", selected.is_some().then_some("jobs-layout--open"))}>
                <section class="card jobs-list" aria-labelledby="jobs-list-title">
                    <div class="jobs-list__head">
                        <h2 id="jobs-list-title">{ "Your jobs" }</h2>
                        <span id="jobs-polling" class="muted" aria-live="off">{ polling }</span>
                    </div>
                    <JobWorkers alive={state.workers_alive} />
                    if let Some(message) = &state.list_error {
                        <p class="data-error" role="alert">{ message.clone() }</p>
                    }
                    if let Some(message) = &state.action_error {
                        <p class="data-error" role="alert">{ message.clone() }</p>
                    }
                    <JobListView
                        jobs={state.jobs.clone()}
                        selected={state.selected.as_ref().map(|job| AttrValue::from(job.id.clone()))}
                        on_select={on_select}
                        on_remove={on_remove}
                    />
                    if pages > 1 {
                        <nav class="data-pager" aria-label="Pages of jobs">
                            <button type="button" disabled={state.page <= 1} onclick={go_to(state.page.saturating_sub(1))}>
                                { "← Newer" }
                            </button>
                            <span>{ format!("page {} of {pages} · {} jobs", state.page, state.total) }</span>
                            <button type="button" disabled={state.page >= pages} onclick={go_to(state.page + 1)}>
                                { "Older →" }
                            </button>
                        </nav>
                    }
                </section>
                if let Some(job) = selected {
                    <JobDetails job={job} result={(*result).clone()} on_close={on_close} />
                }
            </div>
        </section>
    }
}

fn next_ticket(latest: &Rc<RefCell<u64>>) -> u64 {
    let mut latest = latest.borrow_mut();
    *latest = latest.wrapping_add(1);
    *latest
}
