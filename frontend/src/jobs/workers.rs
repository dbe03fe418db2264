//! How many workers are alive, and a warning when none is: a job then
//! waits in the queue for ever (nothing is wrong with it; nobody is there
//! to take it). A button lists the workers: their ids, last heartbeats and
//! the job each one runs.

use yew::prelude::*;

use super::hooks::use_job_workers;
use crate::jobs::timing::{duration, now_ms};

#[derive(Properties, PartialEq)]
pub struct JobWorkersProps {
    /// Workers alive by the last poll; `None` until it answered.
    pub alive: Option<u32>,
}

#[function_component(JobWorkers)]
pub fn job_workers(props: &JobWorkersProps) -> Html {
    let (details, show) = use_job_workers();
    let on_show = Callback::from(move |_: MouseEvent| show.emit(()));
    let summary = match props.alive {
        None => html! { <span class="muted">{ "Workers: asking…" }</span> },
        Some(0) => html! {
            <span class="job-workers__none" role="alert">
                { "No worker is running: jobs wait in the queue until one starts. Start one with " }
                <code>{ "bolide worker" }</code>
                { " (or run " }<code>{ "bolide serve" }</code>{ " without " }<code>{ "--no-worker" }</code>{ ")." }
            </span>
        },
        Some(n) => html! {
            <span><strong id="job-workers-alive">{ n }</strong>{ if n == 1 { " worker alive" } else { " workers alive" } }</span>
        },
    };
    let now = now_ms();
    let list = match details.as_ref() {
        None => html! {},
        Some(Err(message)) => html! { <p class="data-error" role="alert">{ message.clone() }</p> },
        Some(Ok(workers)) if workers.workers.is_empty() => {
            html! { <p class="muted">{ "No heartbeat seen recently." }</p> }
        }
        Some(Ok(workers)) => html! {
            <ul class="job-workers__list">
                { for workers.workers.iter().map(|worker| html! {
                    <li>
                        <code>{ worker.id.clone() }</code>
                        { format!(" · heartbeat {} ago · ", duration(now.saturating_sub(worker.last_seen))) }
                        { worker.job.as_ref().map_or_else(|| "idle".to_owned(), |job| format!("running {job}")) }
                    </li>
                }) }
            </ul>
        },
    };
    html! {
        <div class={classes!("job-workers", (props.alive == Some(0)).then_some("job-workers--none"))} aria-live="polite">
            { summary }
            <button type="button" class="job-workers__show" onclick={on_show}>{ "Show the workers" }</button>
            { list }
        </div>
    }
}
