//! The "sandbox ended" hook: what each feature removes when a sandbox
//! ends (its idle timeout passed, or its student pressed "End my sandbox").
//!
//! Each feature knows its own keys, so each registers its own cleanup when
//! the state is built ([`crate::server::AppState`]); the sandbox layer runs
//! them all, then removes what it owns itself (the record, credentials,
//! the console's queue, the ACL user, the connection). A feature added
//! later adds its cleanup here and nothing is left behind.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::redis_conn::Connection;

use super::connections::Access;
use super::Owner;
use crate::error::AppError;

/// What a cleanup is handed: whose keys, the sandbox's own restricted
/// connections (its feature user's: a cleanup's bug cannot remove another
/// sandbox's keys), and Bolide's system connection for what is Bolide's
/// own and only indexed by owner (the jobs queue).
#[derive(Clone)]
pub struct Ended {
    pub owner: Owner,
    /// The sandbox's keys (database 0) and Bolide's bookkeeping about it.
    pub access: Access,
    /// Bolide's own connection to the system database.
    pub system: Connection,
}

/// A feature's cleanup.
pub type Cleanup =
    Arc<dyn Fn(Ended) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send>> + Send + Sync>;

/// A cleanup from an async function.
pub fn cleanup<F, Fut>(f: F) -> Cleanup
where
    F: Fn(Ended) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), AppError>> + Send + 'static,
{
    Arc::new(move |ended| Box::pin(f(ended)))
}

/// Unlinks `keys`, a few hundred at a time. A feature names its keys
/// (from its own layout) rather than matching a prefix: a `SCAN` of the
/// system database would walk every sandbox's bookkeeping at every end.
pub async fn unlink(conn: &mut Connection, keys: &[String]) -> Result<(), AppError> {
    for chunk in keys.chunks(500) {
        redis::cmd("UNLINK").arg(chunk).exec_async(conn).await?;
    }
    Ok(())
}
