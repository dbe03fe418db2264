//! The Jobs page: the submit form, the list with the workers' line and the
//! pager, and the open job's details. Layout over [`JobsState`] and the
//! [`hooks`](super::hooks), which do the I/O.

use std::rc::Rc;

use bolide_shared::jobs::Job;
use bolide_shared::pages;
use yew::prelude::*;

use super::details::JobDetails;
use super::form_panel::JobFormPanel;
use super::hooks::{use_job_result, use_jobs_polling, use_remove_job};
use super::list::JobList;
use super::polling::Backoff;
use super::state::{JobsAction, JobsState};
use super::workers::JobWorkers;

#[function_component(JobsPage)]
pub fn jobs_page() -> Html {
    let state = use_reducer(JobsState::default);
    use_jobs_polling(&state);
    let result = use_job_result(state.selected.as_ref());
    let on_remove = use_remove_job(&state);

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
    let go_to = |page: usize| {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(JobsAction::Page(page)))
    };

    let pages = state.pages();
    let polling = match state.poll_delay_ms {
        Some(ms) => format!("watching: next check in {:.1} s", f64::from(ms) / 1000.0),
        None if state.listed() => format!(
            "every job here is finished: looking for new ones (curl, a script, another tab) every {} s",
            Backoff::IDLE_MS / 1000
        ),
        None => "asking the server…".to_owned(),
    };
    let selected = state.selected.clone().map(Rc::new);

    html! {
        <section class="jobs-page">
            <header class="data-head">
                <h1>{ pages::JOBS.title }</h1>
                <p class="lead">{ pages::JOBS.lead }</p>
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
                    <JobList
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
                    <JobDetails job={job} result={result} on_close={on_close} />
                }
            </div>
        </section>
    }
}
