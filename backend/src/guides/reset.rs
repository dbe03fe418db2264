//! `POST /api/guides/{id}/reset`: start a guide over. Removes the learner's
//! progress in it and the keys the guide had them create — exactly the
//! names (or prefixes) its front matter declares in `creates:`, in the
//! learner's keyspace, and nothing else: a student's other keys, and the
//! meteorites loaded for the exercises, stay.

use bolide_shared::guides::{Guide, GuideProgress, ResetReport, Step};

use super::{checks, progress};
use crate::error::AppError;
use crate::sandbox::key_index::owner_keys;
use crate::sandbox::Sandbox;

/// Keys per `UNLINK`.
const CHUNK: usize = 500;

pub async fn reset(sandbox: &Sandbox, guide: &Guide) -> Result<ResetReport, AppError> {
    let mut data = sandbox.access.data.clone();
    let mut found: Vec<Vec<u8>> = Vec::new();
    for declared in &guide.creates {
        match declared.strip_suffix('*') {
            Some(_) => found.extend(owner_keys(&mut data, &sandbox.owner, declared, None).await?),
            None => {
                let key = sandbox.owner.student_key(declared);
                let exists: bool = redis::cmd("EXISTS").arg(&key).query_async(&mut data).await?;
                if exists {
                    found.push(key.into_bytes());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    for chunk in found.chunks(CHUNK) {
        redis::cmd("UNLINK").arg(chunk).exec_async(&mut data).await?;
    }

    let mut bookkeeping: Vec<String> = progress::keys_of(&sandbox.owner, &guide.id).into();
    if guide.steps.iter().any(Step::needs_restart) {
        bookkeeping.push(checks::restart_key(&sandbox.owner));
    }
    redis::cmd("UNLINK").arg(&bookkeeping).exec_async(&mut sandbox.access.system.clone()).await?;

    let mut removed_keys: Vec<String> = found.iter().map(|key| sandbox.owner.name_of(key)).collect();
    removed_keys.sort();
    Ok(ResetReport {
        progress: GuideProgress { guide_id: guide.id.clone(), current_step: 0, completed: Vec::new() },
        removed_keys,
    })
}
