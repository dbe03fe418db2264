//! Every Redis key of the job system, in Bolide's system database (15),
//! where the console never reaches: a student's `FLUSHDB` cannot lose a job.
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `bolide:jobs:queue` | stream, group `workers` | one entry per job waiting or running: `job <id> owner <owner>` |
//! | `bolide:jobs:job:<id>` | hash | the job: status, progress, timestamps, worker, attempts, params, error |
//! | `bolide:jobs:result:<id>` | string (JSON), `PX` TTL | a succeeded job's result |
//! | `bolide:jobs:owner:<owner>` | sorted set | the owner's jobs by submission time (newest first in the list) |
//! | `bolide:jobs:active:<owner>` | set | the owner's queued and running jobs (the per-owner limit) |
//! | `bolide:jobs:turn:<owner>` | string | the owner's one job waiting in the queue (its turn; see `scripts/turns.lua`) |
//! | `bolide:jobs:held:<owner>` | list | the owner's other queued jobs, oldest first, not in the queue yet |
//! | `bolide:jobs:workers` | sorted set | worker id → last heartbeat (ms since the epoch) |
//! | `bolide:jobs:working` | hash | worker id → the job it is running |
//! | `bolide:jobs:idem:<owner>:<key>` | string, `PX` result TTL | an `Idempotency-Key` → the job it submitted |

/// The queue: a stream with one consumer group of workers.
pub const QUEUE: &str = "bolide:jobs:queue";
/// The consumer group every worker reads the queue in.
pub const GROUP: &str = "workers";
/// Worker id → last heartbeat.
pub const WORKERS: &str = "bolide:jobs:workers";
/// Worker id → the job it runs.
pub const WORKING: &str = "bolide:jobs:working";

/// A job's hash.
pub fn job(id: &str) -> String {
    format!("bolide:jobs:job:{id}")
}

/// A succeeded job's result.
pub fn result(id: &str) -> String {
    format!("bolide:jobs:result:{id}")
}

/// An owner's jobs, by submission time.
pub fn owner_index(owner: &str) -> String {
    format!("bolide:jobs:owner:{owner}")
}

/// An owner's queued and running jobs.
pub fn owner_active(owner: &str) -> String {
    format!("bolide:jobs:active:{owner}")
}

/// The owner's one job waiting in the queue stream: its turn.
pub fn owner_turn(owner: &str) -> String {
    format!("bolide:jobs:turn:{owner}")
}

/// The owner's queued jobs that wait for its turn, oldest first.
pub fn owner_held(owner: &str) -> String {
    format!("bolide:jobs:held:{owner}")
}

/// The job an owner's `Idempotency-Key` submitted.
pub fn idempotency(owner: &str, key: &str) -> String {
    format!("bolide:jobs:idem:{owner}:{key}")
}

/// Longest `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_MAX: usize = 128;

/// Whether `text` may be an `Idempotency-Key`: 1 to
/// [`IDEMPOTENCY_KEY_MAX`] letters, digits and `-_.:` (a UUID is one).
pub fn is_idempotency_key(text: &str) -> bool {
    (1..=IDEMPOTENCY_KEY_MAX).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Length of a job id: 64 random bits in lower-case hex.
pub const JOB_ID_LEN: usize = 16;

/// A fresh job id: 64 bits from the operating system's CSPRNG (unguessable,
/// though ownership, not secrecy, is what guards a job).
pub fn new_job_id() -> Result<String, getrandom::Error> {
    crate::sandbox::ids::random_bytes_hex(JOB_ID_LEN / 2)
}

/// Whether `text` has the shape [`new_job_id`] makes.
pub fn is_job_id(text: &str) -> bool {
    text.len() == JOB_ID_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_one_shape() {
        let id = new_job_id().expect("randomness");
        assert!(is_job_id(&id), "{id}");
        assert_ne!(new_job_id().expect("randomness"), id);
        for bad in ["", "0123456789abcdeF", "0123456789abcde", "0123456789abcdef0", "../../etc/passwd"] {
            assert!(!is_job_id(bad), "{bad}");
        }
        assert!(is_idempotency_key("3f2c9a4e-1b7d-4c1e-9a53-0d3c2b1a0f9e"));
        for bad in ["", "a b", "é", "*", &"k".repeat(IDEMPOTENCY_KEY_MAX + 1)] {
            assert!(!is_idempotency_key(bad), "{bad}");
        }
    }
}
