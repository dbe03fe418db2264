//! Where a student is in each guide, kept in Bolide's database 15:
//!
//! - `bolide:guides:{<owner>}:progress:<guide>` — a hash, `current` = the
//!   step the student is on;
//! - `bolide:guides:{<owner>}:completed:<guide>` — a set of the steps done.
//!
//! A set makes "mark step 3 done" one atomic `SADD`, whichever tab sends
//! it. In shared mode both keys expire with the session's idle time (and
//! are refreshed whenever the student touches a guide), so an abandoned
//! session leaves nothing behind; locally they stay.

use bolide_shared::guides::{Guide, GuideProgress};

use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::{Owner, Sandbox, Sandboxes};

fn progress_key(owner: &Owner, guide_id: &str) -> String {
    owner.guides_key(&format!("progress:{guide_id}"))
}

fn completed_key(owner: &Owner, guide_id: &str) -> String {
    owner.guides_key(&format!("completed:{guide_id}"))
}

/// A guide's progress keys (see the module docs), which [`super::reset`]
/// and a sandbox's end remove.
pub fn keys_of(owner: &Owner, guide_id: &str) -> [String; 2] {
    [progress_key(owner, guide_id), completed_key(owner, guide_id)]
}

/// The learner's progress in `guide` (step 0, nothing done, if never started).
pub async fn read(
    sandboxes: &Sandboxes,
    sandbox: &Sandbox,
    guide: &Guide,
) -> Result<GuideProgress, AppError> {
    let (current, completed): (Option<String>, Vec<String>) = redis::pipe()
        .hget(progress_key(&sandbox.owner, &guide.id), "current")
        .smembers(completed_key(&sandbox.owner, &guide.id))
        .query_async(&mut sandbox.access.system.clone())
        .await?;
    refresh(sandboxes, sandbox, &guide.id).await?;
    Ok(decode(guide, current, completed))
}

/// Progress in every guide the learner has started (one round trip).
pub async fn read_started(sandbox: &Sandbox, guides: &[Guide]) -> Result<Vec<GuideProgress>, AppError> {
    let mut pipe = redis::pipe();
    for guide in guides {
        pipe.hget(progress_key(&sandbox.owner, &guide.id), "current")
            .smembers(completed_key(&sandbox.owner, &guide.id));
    }
    let replies: Vec<(Option<String>, Vec<String>)> = {
        let flat: Vec<redis::Value> = pipe.query_async(&mut sandbox.access.system.clone()).await?;
        let mut pairs = Vec::with_capacity(guides.len());
        let mut values = flat.into_iter();
        while let (Some(current), Some(completed)) = (values.next(), values.next()) {
            pairs.push((decoded(current)?, decoded(completed)?));
        }
        pairs
    };
    Ok(guides
        .iter()
        .zip(replies)
        .filter(|(_, (current, completed))| current.is_some() || !completed.is_empty())
        .map(|(guide, (current, completed))| decode(guide, current, completed))
        .collect())
}

/// Moves the learner to `step` (already checked to exist).
pub async fn set_current(
    sandboxes: &Sandboxes,
    sandbox: &Sandbox,
    guide: &Guide,
    step: usize,
) -> Result<(), AppError> {
    redis::cmd("HSET")
        .arg(progress_key(&sandbox.owner, &guide.id))
        .arg("current")
        .arg(step)
        .exec_async(&mut sandbox.access.system.clone())
        .await?;
    refresh(sandboxes, sandbox, &guide.id).await
}

/// Marks `step` done.
pub async fn complete(
    sandboxes: &Sandboxes,
    sandbox: &Sandbox,
    guide: &Guide,
    step: usize,
) -> Result<(), AppError> {
    redis::pipe()
        .sadd(completed_key(&sandbox.owner, &guide.id), step)
        .ignore()
        // A guide with steps done has been started: make sure `current` exists.
        .hset_nx(progress_key(&sandbox.owner, &guide.id), "current", step)
        .ignore()
        .exec_async(&mut sandbox.access.system.clone())
        .await?;
    refresh(sandboxes, sandbox, &guide.id).await
}

/// In shared mode, pushes the keys' expiry to the session's idle time.
async fn refresh(sandboxes: &Sandboxes, sandbox: &Sandbox, guide_id: &str) -> Result<(), AppError> {
    if !sandbox.shared {
        return Ok(());
    }
    let ttl_ms = u64::try_from(sandboxes.store.idle_ttl().as_millis()).unwrap_or(u64::MAX);
    let mut system: Connection = sandbox.access.system.clone();
    let mut pipe = redis::pipe();
    for key in keys_of(&sandbox.owner, guide_id) {
        pipe.cmd("PEXPIRE").arg(key).arg(ttl_ms).ignore();
    }
    pipe.exec_async(&mut system).await?;
    Ok(())
}

/// Stored values, with anything out of range (a guide that lost steps
/// since) dropped rather than trusted.
fn decode(guide: &Guide, current: Option<String>, completed: Vec<String>) -> GuideProgress {
    let steps = guide.steps.len();
    let current_step = current.and_then(|c| c.parse::<usize>().ok()).filter(|&c| c < steps).unwrap_or(0);
    let mut completed: Vec<usize> =
        completed.iter().filter_map(|s| s.parse::<usize>().ok()).filter(|&s| s < steps).collect();
    completed.sort_unstable();
    completed.dedup();
    GuideProgress { guide_id: guide.id.clone(), current_step, completed }
}

/// One reply of a pipeline, as `T`.
fn decoded<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, AppError> {
    redis::from_redis_value(value)
        .map_err(|err| AppError::Internal(format!("unexpected reply from Redis: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::guides::parse_guide;

    #[test]
    fn stored_values_out_of_range_are_dropped() {
        let guide =
            parse_guide("t.md", "---\nid: t\ntitle: T\nsummary: S\n---\n## One\n## Two\n").expect("guide");
        let progress = decode(&guide, Some("7".into()), vec!["1".into(), "x".into(), "5".into(), "1".into()]);
        assert_eq!(progress, GuideProgress { guide_id: "t".into(), current_step: 0, completed: vec![1] });
        assert_eq!(decode(&guide, Some("1".into()), vec![]).current_step, 1);
    }
}
