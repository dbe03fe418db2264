//! A job's hash in Redis, read back as the API's [`Job`].
//!
//! The hash holds strings only (what `HGETALL` shows a student): numbers in
//! decimal, the params as their JSON, timestamps in ms since the epoch. A
//! field that is absent (`started_at` of a queued job) is `None` in the
//! [`Job`].

use std::collections::HashMap;

use bolide_shared::jobs::{Analysis, Job, JobParams, JobRedis, JobStatus};

use super::keys;

/// The hash's fields, as `HGETALL` returns them.
pub type Fields = HashMap<String, String>;

/// The job in `fields`, or why it cannot be read (a hash written by another
/// version of Bolide, or edited by hand).
pub fn job_from_fields(fields: &Fields) -> Result<Job, String> {
    let text = |name: &str| fields.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let number = |name: &str| text(name).and_then(|v| v.parse::<u64>().ok());
    let id = text("id").ok_or("no `id` field")?.to_string();
    let analysis = text("analysis").unwrap_or_default();
    let analysis =
        Analysis::from_name(analysis).ok_or_else(|| format!("job {id}: unknown analysis `{analysis}`"))?;
    let status = text("status").unwrap_or_default();
    let status =
        JobStatus::from_name(status).ok_or_else(|| format!("job {id}: unknown status `{status}`"))?;
    // Params a worker will refuse (from another version) still show as
    // defaults here; the job's `error` says what was wrong with them.
    let params = text("params").and_then(|p| serde_json::from_str::<JobParams>(p).ok()).unwrap_or_default();
    let entry = text("entry").map(str::to_string);
    let redis = job_redis(&id, status, entry.as_deref());
    Ok(Job {
        analysis,
        params,
        status,
        progress: number("progress").map_or(0, |p| u8::try_from(p.min(100)).unwrap_or(100)),
        queued_at: number("queued_at").unwrap_or(0),
        started_at: number("started_at"),
        finished_at: number("finished_at"),
        worker: text("worker").map(str::to_string),
        attempts: number("attempts").map_or(0, |a| u32::try_from(a).unwrap_or(u32::MAX)),
        max_attempts: number("max_attempts").map_or(0, |a| u32::try_from(a).unwrap_or(u32::MAX)),
        error: text("error").map(str::to_string),
        result_expires_at: number("result_expires_at"),
        redis,
        id,
    })
}

/// The keys that carry the job, and the commands that show them (run in
/// database 15: `redis-cli -n 15`).
pub fn job_redis(id: &str, status: JobStatus, entry: Option<&str>) -> JobRedis {
    let job_key = keys::job(id);
    let result_key = keys::result(id);
    let mut commands = vec![format!("HGETALL {job_key}")];
    match (status, entry) {
        (JobStatus::Queued, Some(entry)) => {
            commands.push(format!("XRANGE {} {entry} {entry}", keys::QUEUE));
            commands.push(format!("XINFO GROUPS {}", keys::QUEUE));
        }
        (JobStatus::Running, _) => {
            commands.push(format!("XPENDING {} {} - + 10", keys::QUEUE, keys::GROUP));
            commands.push(format!("ZRANGE {} 0 -1 WITHSCORES", keys::WORKERS));
        }
        (JobStatus::Succeeded, _) => {
            commands.push(format!("GET {result_key}"));
            commands.push(format!("PTTL {result_key}"));
        }
        _ => {}
    }
    JobRedis {
        job_key,
        queue_key: keys::QUEUE.to_string(),
        queue_entry: entry.map(str::to_string),
        result_key,
        commands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_a_running_job() {
        let job = job_from_fields(&fields(&[
            ("id", "0123456789abcdef"),
            ("owner", "local"),
            ("analysis", "top_heaviest"),
            ("params", r#"{"n":5,"class":"L6"}"#),
            ("status", "running"),
            ("progress", "42"),
            ("queued_at", "1000"),
            ("started_at", "1005"),
            ("worker", "h:1:ab"),
            ("attempts", "2"),
            ("max_attempts", "3"),
            ("entry", "1000-0"),
        ]))
        .expect("readable");
        assert_eq!(job.analysis, Analysis::TopHeaviest);
        assert_eq!(job.params.n, Some(5));
        assert_eq!(job.params.class.as_deref(), Some("L6"));
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!((job.progress, job.attempts, job.max_attempts), (42, 2, 3));
        assert_eq!((job.queued_at, job.started_at, job.finished_at), (1000, Some(1005), None));
        assert_eq!(job.worker.as_deref(), Some("h:1:ab"));
        assert_eq!(job.redis.job_key, "bolide:jobs:job:0123456789abcdef");
        assert_eq!(job.redis.queue_entry.as_deref(), Some("1000-0"));
        assert!(job.redis.commands.iter().any(|c| c.starts_with("XPENDING bolide:jobs:queue workers")));
    }

    #[test]
    fn unreadable_records_say_why() {
        assert!(job_from_fields(&fields(&[])).is_err());
        let bad = fields(&[("id", "x"), ("analysis", "astrology"), ("status", "queued")]);
        assert!(job_from_fields(&bad).expect_err("refused").contains("astrology"));
        let bad = fields(&[("id", "x"), ("analysis", "hemispheres"), ("status", "paused")]);
        assert!(job_from_fields(&bad).expect_err("refused").contains("paused"));
        // Params from another version read as defaults (the worker fails the job).
        let odd = fields(&[("id", "x"), ("analysis", "hemispheres"), ("status", "queued"), ("params", "{")]);
        assert_eq!(job_from_fields(&odd).expect("readable").params, JobParams::default());
    }
}
