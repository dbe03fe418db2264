//! `POST /api/keys/{op}`: one edit, one command (the console's: the same
//! policy, namespace, limits and quota), answered with the command and
//! Redis's reply.
//!
//! Redis's error replies become the answer's error (`WRONGTYPE` → `409`,
//! a quota → `403`, the rest `400`), with nothing changed: each edit is a
//! single command, which Redis either runs or refuses whole. A rename
//! never overwrites (`RENAMENX`: `409` when the new name is taken), and a
//! TTL is at least one millisecond (`PEXPIRE 0` would delete the key).

use bolide_shared::cli::Reply;
use bolide_shared::keys::{Blob, EditResult, End, KeyEdit};

use super::bad;
use super::runner::{reply_error, Runner};
use crate::args;
use crate::error::AppError;

fn raw(name: &str, blob: &Blob) -> Result<Vec<u8>, AppError> {
    blob.to_bytes().map_err(|why| bad(name, why))
}

/// The command an edit runs.
pub fn command(edit: &KeyEdit) -> Result<Vec<Vec<u8>>, AppError> {
    let key = |k: &Blob| raw("key", k);
    let push = |end: &End| if *end == End::Left { "LPUSH" } else { "RPUSH" };
    let pop = |end: &End| if *end == End::Left { "LPOP" } else { "RPOP" };
    Ok(match edit {
        KeyEdit::StringSet { key: k, value } => args!["SET", key(k)?, raw("value", value)?],
        KeyEdit::HashSet { key: k, field, value } => {
            args!["HSET", key(k)?, raw("field", field)?, raw("value", value)?]
        }
        KeyEdit::HashDelete { key: k, field } => args!["HDEL", key(k)?, raw("field", field)?],
        KeyEdit::ListPush { key: k, end, value } => args![push(end), key(k)?, raw("value", value)?],
        KeyEdit::ListPop { key: k, end } => args![pop(end), key(k)?],
        KeyEdit::ListSet { key: k, index, value } => {
            args!["LSET", key(k)?, index.to_string(), raw("value", value)?]
        }
        KeyEdit::SetAdd { key: k, member } => args!["SADD", key(k)?, raw("member", member)?],
        KeyEdit::SetRemove { key: k, member } => args!["SREM", key(k)?, raw("member", member)?],
        KeyEdit::ZsetAdd { key: k, member, score } => {
            if !score.is_finite() {
                return Err(bad("score", "expected a finite number"));
            }
            args!["ZADD", key(k)?, score.to_string(), raw("member", member)?]
        }
        KeyEdit::ZsetRemove { key: k, member } => args!["ZREM", key(k)?, raw("member", member)?],
        KeyEdit::Rename { key: k, new_key } => {
            let new_key = raw("new_key", new_key)?;
            if new_key.is_empty() {
                return Err(bad("new_key", "empty"));
            }
            args!["RENAMENX", key(k)?, new_key]
        }
        KeyEdit::Delete { key: k } => args!["DEL", key(k)?],
        KeyEdit::Expire { key: k, ttl_ms } => {
            if *ttl_ms == 0 {
                return Err(bad("ttl_ms", "at least 1 (PERSIST removes a TTL; DEL removes the key)"));
            }
            args!["PEXPIRE", key(k)?, ttl_ms.to_string()]
        }
        KeyEdit::Persist { key: k } => args!["PERSIST", key(k)?],
    })
}

/// Runs the edit; the command and Redis's reply.
pub async fn apply(runner: &mut Runner, edit: &KeyEdit) -> Result<EditResult, AppError> {
    let args = command(edit)?;
    let name = String::from_utf8_lossy(&args[0]).into_owned();
    runner.keep_replies = true;
    let reply = runner.run(args).await?;
    match (&reply, edit) {
        (Reply::Error(message), _) => return Err(reply_error(&name, message)),
        (Reply::Integer(0), KeyEdit::Rename { new_key, .. }) => {
            return Err(AppError::Conflict(format!(
                "RENAMENX: a key named {} exists already (nothing renamed)",
                new_key.display()
            )))
        }
        (Reply::Integer(0), KeyEdit::Expire { key, .. }) => {
            return Err(AppError::NotFound(format!("PEXPIRE: no key {}", key.display())))
        }
        _ => {}
    }
    Ok(EditResult { commands: std::mem::take(&mut runner.commands) })
}
