//! One job in full: its status and progress, its timeline (queued →
//! started → finished, and how long each phase took), which worker ran it
//! and on which attempt, why it failed, the Redis keys and commands that
//! carry it, and — once it succeeded — its result drawn as a chart.

use std::rc::Rc;

use bolide_shared::jobs::{Job, JobStatus};
use yew::prelude::*;

use crate::jobs::describe::params_summary;
use crate::jobs::hooks::ResultState;
use crate::jobs::redis::JobRedisPanel;
use crate::jobs::results::JobResultsView;
use crate::jobs::status::JobStatusView;
use crate::jobs::timing::{clock, duration, now_ms, phases};
use crate::widgets::copy_button::CopyButton;
use crate::widgets::reveal::reveal;

#[derive(Properties, PartialEq)]
pub struct JobDetailsProps {
    pub job: Rc<Job>,
    /// The result, for a succeeded job.
    pub result: Option<ResultState>,
    pub on_close: Callback<()>,
}

fn stamp(label: &'static str, at: Option<u64>) -> Html {
    html! {
        <>
            <dt>{ label }</dt>
            <dd>{ at.map_or_else(|| "—".to_owned(), clock) }</dd>
        </>
    }
}

#[function_component(JobDetails)]
pub fn job_details(props: &JobDetailsProps) -> Html {
    let job = &props.job;
    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    // A job opened from the list comes into view when it is out of sight
    // (on a phone the details sit below the whole list).
    let panel_ref = use_node_ref();
    {
        let panel_ref = panel_ref.clone();
        use_effect_with(job.id.clone(), move |_| {
            if let Some(panel) = panel_ref.cast::<web_sys::Element>() {
                reveal(&panel);
            }
        });
    }
    let phases = phases(job, now_ms());
    let result = match (job.status, &props.result) {
        (JobStatus::Succeeded, Some(ResultState::Loaded(results))) => {
            html! { <JobResultsView results={results.clone()} /> }
        }
        (JobStatus::Succeeded, Some(ResultState::Unavailable(message))) => {
            html! { <p class="data-error" role="alert">{ message.clone() }</p> }
        }
        (JobStatus::Succeeded, _) => html! { <p class="muted">{ "Fetching the result…" }</p> },
        (JobStatus::Queued | JobStatus::Running, _) => html! {
            <p class="muted">{ "The result appears here when the job has succeeded; the page keeps asking." }</p>
        },
        (JobStatus::Failed | JobStatus::Cancelled, _) => html! {
            <p class="muted">{ format!("No result: the job {}.", job.status.name()) }</p>
        },
    };
    html! {
        <section id="job-details" ref={panel_ref} class="card job-details" data-id={job.id.clone()} data-status={job.status.name()}
            aria-labelledby="job-details-title">
            <div class="job-details__head">
                <h2 id="job-details-title">{ job.analysis.title() }</h2>
                <button type="button" class="record-close" onclick={on_close} aria-label="Close the job">{ "×" }</button>
            </div>
            <p class="job-details__id">
                { "Job " }<code>{ job.id.clone() }</code>{ " " }
                <CopyButton text={AttrValue::from(job.id.clone())} label="Copy the job id" />
                <span class="muted">{ format!(" · {}", params_summary(job.analysis, &job.params)) }</span>
            </p>
            <JobStatusView status={job.status} progress={job.progress} />
            if let Some(error) = &job.error {
                <p class={classes!("job-details__error", (job.status == JobStatus::Failed).then_some("data-error"))} role="alert">
                    { error.clone() }
                </p>
            }
            <div class="job-details__grid">
                <dl class="job-timeline">
                    { stamp("queued", Some(job.queued_at)) }
                    { stamp("started", job.started_at) }
                    { stamp("finished", job.finished_at) }
                    { for phases.iter().map(|(label, ms)| html! {
                        <>
                            <dt>{ *label }</dt>
                            <dd>{ ms.map_or_else(|| "—".to_owned(), duration) }
                                { if ms.is_some() && !job.status.is_finished() { " so far" } else { "" } }</dd>
                        </>
                    }) }
                </dl>
                <dl class="job-timeline">
                    <dt>{ "worker" }</dt>
                    <dd>{ job.worker.clone().map_or_else(|| html! { "—" }, |worker| html! { <code>{ worker }</code> }) }</dd>
                    <dt>{ "attempts" }</dt>
                    <dd>{ format!("{} of {} at most", job.attempts, job.max_attempts) }</dd>
                    if let Some(expires) = job.result_expires_at {
                        <dt>{ "result kept until" }</dt>
                        <dd>{ clock(expires) }</dd>
                    }
                </dl>
            </div>
            <JobRedisPanel redis={job.redis.clone()} />
            <section class="job-result" aria-labelledby="job-result-title">
                <h3 id="job-result-title">{ "Result" }</h3>
                { result }
            </section>
        </section>
    }
}
