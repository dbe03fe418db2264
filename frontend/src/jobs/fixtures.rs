//! Jobs and results for the page's unit tests, shaped as the API sends them.

use bolide_shared::jobs::{Analysis, Job, JobParams, JobRedis, JobStatus};

/// A `count_per_class` job `id` in `status`, queued at t = 1 000 ms.
pub fn job(id: &str, status: JobStatus) -> Job {
    Job {
        id: id.to_owned(),
        analysis: Analysis::CountPerClass,
        params: JobParams::default(),
        status,
        progress: if status == JobStatus::Succeeded { 100 } else { 0 },
        queued_at: 1_000,
        started_at: None,
        finished_at: None,
        worker: None,
        attempts: 0,
        max_attempts: 3,
        error: None,
        result_expires_at: None,
        redis: JobRedis {
            job_key: format!("bolide:job:{id}"),
            queue_key: "bolide:jobs:queue".to_owned(),
            queue_entry: None,
            result_key: format!("bolide:job:{id}:result"),
            commands: vec![format!("HGETALL bolide:job:{id}")],
        },
    }
}
