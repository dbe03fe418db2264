//! A job's status as a coloured badge (`queued`, `running`, …) beside a
//! progress bar, the two things a student watches while a worker runs it.
//!
//! The badge says the API's own status name, so what the page shows is
//! what `GET /api/jobs/{id}` and `HGET <job key> status` answer.

use bolide_shared::jobs::JobStatus;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct JobStatusProps {
    pub status: JobStatus,
    /// 0–100.
    pub progress: u8,
}

#[function_component(JobStatusView)]
pub fn job_status_view(props: &JobStatusProps) -> Html {
    let name = props.status.name();
    let progress = props.progress.min(100);
    // A finished job's bar is full or empty; only a live one shows a share.
    let (width, label) = match props.status {
        JobStatus::Succeeded => (100, "done".to_owned()),
        JobStatus::Queued => (0, "waiting".to_owned()),
        JobStatus::Running => (progress, format!("{progress} %")),
        JobStatus::Failed | JobStatus::Cancelled => (progress, format!("stopped at {progress} %")),
    };
    html! {
        <span class="job-status-view">
            <span class={classes!("job-status", format!("job-status--{name}"))} data-status={name}>{ name }</span>
            <span class={classes!("job-progress", format!("job-progress--{name}"))} role="progressbar"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow={width.to_string()} aria-label={format!("progress: {label}")}>
                <span class="job-progress__fill" style={format!("width: {width}%")}></span>
            </span>
            <span class="job-progress__label muted">{ label }</span>
        </span>
    }
}
