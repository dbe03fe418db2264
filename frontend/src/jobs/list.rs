//! The caller's jobs, newest first: what each analyses, its status and
//! progress, when it was queued and how long it took, and a button to
//! cancel it (queued or running) or delete it (finished). A click on a row
//! opens its details.

use bolide_shared::jobs::Job;
use yew::prelude::*;

use crate::jobs::describe::params_summary;
use crate::jobs::status::JobStatusView;
use crate::jobs::timing::{clock_time, duration, now_ms, phases};

#[derive(Properties, PartialEq)]
pub struct JobListProps {
    pub jobs: Vec<Job>,
    /// The id of the job whose details are open.
    pub selected: Option<AttrValue>,
    pub on_select: Callback<String>,
    /// Cancel (unfinished) or delete (finished) this job.
    pub on_remove: Callback<Job>,
}

#[function_component(JobList)]
pub fn job_list(props: &JobListProps) -> Html {
    let now = now_ms();
    let rows = props.jobs.iter().map(|job| {
        let selected = props.selected.as_deref() == Some(job.id.as_str());
        let onclick = {
            let (on_select, id) = (props.on_select.clone(), job.id.clone());
            Callback::from(move |_: MouseEvent| on_select.emit(id.clone()))
        };
        let onkeydown = {
            let (on_select, id) = (props.on_select.clone(), job.id.clone());
            Callback::from(move |event: KeyboardEvent| {
                if event.key() == "Enter" || event.key() == " " {
                    event.prevent_default();
                    on_select.emit(id.clone());
                }
            })
        };
        let on_remove = {
            let (on_remove, job) = (props.on_remove.clone(), job.clone());
            Callback::from(move |event: MouseEvent| {
                event.stop_propagation(); // not a click on the row
                on_remove.emit(job.clone());
            })
        };
        let finished = job.status.is_finished();
        let [_, _, (_, total)] = phases(job, now);
        let took = total.map(duration).unwrap_or_default();
        html! {
            <tr key={job.id.clone()} class={classes!("job-row", selected.then_some("selected"))}
                data-id={job.id.clone()} data-status={job.status.name()} tabindex="0"
                aria-selected={selected.to_string()} {onclick} {onkeydown}>
                <td>
                    <strong>{ job.analysis.title() }</strong>
                    <div class="job-row__params muted">{ params_summary(job.analysis, &job.params) }</div>
                </td>
                <td><JobStatusView status={job.status} progress={job.progress} /></td>
                <td class="job-row__time" title={format!("job {}", job.id)}>
                    { clock_time(job.queued_at) }
                    <div class="job-row__took muted">{ if finished { took } else { format!("{took}…") } }</div>
                </td>
                <td class="job-row__action">
                    if finished {
                        <button type="button" class="job-delete" onclick={on_remove}
                            title="Delete the job and its result">{ "Delete" }</button>
                    } else {
                        <button type="button" class="job-cancel danger" onclick={on_remove}
                            title="Cancel the job">{ "Cancel" }</button>
                    }
                </td>
            </tr>
        }
    });
    html! {
        <div class="job-table-wrap">
            <table id="job-list" class="job-table">
                <thead>
                    <tr>
                        <th scope="col">{ "Analysis" }</th>
                        <th scope="col">{ "Status" }</th>
                        <th scope="col">{ "Queued · took" }</th>
                        <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                    </tr>
                </thead>
                <tbody>
                    { for rows }
                    if props.jobs.is_empty() {
                        <tr class="job-empty"><td colspan="4">
                            { "No jobs yet. Submit one above: it is queued in Redis at once, and a worker picks it up." }
                        </td></tr>
                    }
                </tbody>
            </table>
        </div>
    }
}
