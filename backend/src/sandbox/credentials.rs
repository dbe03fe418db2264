//! A sandbox's credentials for the clients that are not its browser: the
//! student's own redis-py script or redis-cli (through the gateway, see
//! [`crate::gateway`]) and `curl` (HTTP Basic, `curl -u user:pass`).
//!
//! The **username** is the sandbox's ACL user name (`bolide-s-<id>`): it
//! names the sandbox and, like the id, is not a secret. The **password**
//! is 128 random bits of its own — not the ACL user's password, which
//! would let a script skip the gateway and its limits where Redis itself is
//! reachable. It is stored in the sandbox's record (field `gwpass`, as the
//! code is), so it ends with the sandbox, is shown only to its owner
//! (`GET /api/gateway`), and a rotation replaces it at once: open gateway
//! connections notice within a few seconds and are closed.

use redis::Script;

use super::acl::acl_user;
use super::ids::random_hex;
use super::store::{SandboxId, SandboxStore, Session};
use crate::error::AppError;

/// The record's field holding the password.
const FIELD: &str = "gwpass";

/// What a student's script authenticates with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The sandbox a username names, if it has the shape of one.
pub fn sandbox_of(username: &str) -> Option<SandboxId> {
    SandboxId::parse(username.strip_prefix("bolide-s-")?)
}

/// The sandbox's credentials, made on first use.
pub async fn of(store: &SandboxStore, id: &SandboxId) -> Result<Credentials, AppError> {
    set_password(store, id, false).await
}

/// New credentials: the old password stops working at once.
pub async fn rotate(store: &SandboxStore, id: &SandboxId) -> Result<Credentials, AppError> {
    set_password(store, id, true).await
}

/// The password now, if the sandbox still exists and has one (a gateway
/// connection checks now and then that it was not rotated).
pub async fn current_password(store: &SandboxStore, id: &SandboxId) -> Result<Option<String>, AppError> {
    let mut conn = store.system();
    Ok(redis::cmd("HGET").arg(id.key()).arg(FIELD).query_async(&mut conn).await?)
}

/// The sandbox these credentials open, refreshed; `None` when they open
/// none (a malformed username, a wrong password, an ended sandbox).
pub async fn verify(
    store: &SandboxStore,
    username: &str,
    password: &[u8],
) -> Result<Option<Session>, AppError> {
    let Some(id) = sandbox_of(username) else { return Ok(None) };
    let Some(stored) = current_password(store, &id).await? else { return Ok(None) };
    if !same_secret(stored.as_bytes(), password) {
        return Ok(None);
    }
    store.find_by_id(&id).await
}

/// Compares without an early exit, so the time taken says nothing about
/// how much of a guess was right.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// KEYS[1] the sandbox record; ARGV[1] a fresh password, ARGV[2] `1` to
/// replace the stored one. Only an existing record gets a password (a
/// sandbox that just ended must not come back as a stub).
const SET_PASSWORD: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'gwpass', ARGV[1])
else
  redis.call('HSETNX', KEYS[1], 'gwpass', ARGV[1])
end
return redis.call('HGET', KEYS[1], 'gwpass')
";

async fn set_password(store: &SandboxStore, id: &SandboxId, replace: bool) -> Result<Credentials, AppError> {
    let mut conn = store.system();
    let password: Option<String> = Script::new(SET_PASSWORD)
        .key(id.key())
        .arg(random_hex()?)
        .arg(if replace { "1" } else { "0" })
        .invoke_async(&mut conn)
        .await?;
    let password = password.ok_or_else(|| AppError::NotFound("this sandbox has ended".into()))?;
    Ok(Credentials { username: acl_user(id), password })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_name_sandboxes() {
        let id = SandboxId::parse("0123456789abcdef0123456789abcdef").expect("id");
        assert_eq!(sandbox_of(&acl_user(&id)), Some(id));
        for bad in ["", "default", "bolide-s-", "bolide-s-xyz", "s-0123456789abcdef0123456789abcdef"] {
            assert_eq!(sandbox_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
