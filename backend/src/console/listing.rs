//! Shared mode's `KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB` and `RANDOMKEY`: the
//! same answers as Redis's, restricted to the session's namespace.

use bolide_shared::cli::Reply;
use bolide_shared::commands::CommandSpec;

use super::{execute, Outcome, Relay};
use crate::console::namespace::Namespace;
use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::store::Session;

impl Relay {
    /// Shared mode's `KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB`, `RANDOMKEY`: the
    /// same answers, restricted to the session's keys.
    pub(super) async fn emulate_in_namespace(
        &self,
        session: &mut Session,
        ns: &Namespace,
        spec: &CommandSpec,
        args: &[Vec<u8>],
    ) -> Result<Outcome, AppError> {
        if session.state.in_tx {
            return self
                .refuse_in_tx(
                    session,
                    format!("ERR {} inside MULTI is not supported by Bolide's console", spec.name),
                )
                .await;
        }
        // The session's ACL user may not list keys (ACL key patterns cannot
        // narrow a listing); Bolide lists them, only ever with its prefix, and
        // filters the result by prefix again — as the sandbox's feature user,
        // so what it deletes or reads can only be the sandbox's.
        let mut conn = self.sessions.access(session)?.data;
        let limit = self.limits.max_reply_elements;
        match spec.name {
            "KEYS" => {
                let mut rewritten = args.to_vec();
                rewritten[1] = ns.pattern(&args[1]);
                let mut reply = execute(&mut conn, &rewritten).await?;
                ns.strip_reply("KEYS", &mut reply);
                Ok(Outcome::reply(reply, limit))
            }
            "SCAN" => {
                let mut rewritten = args.to_vec();
                match rewritten.iter().position(|a| a.eq_ignore_ascii_case(b"MATCH")) {
                    Some(i) if i + 1 < rewritten.len() => rewritten[i + 1] = ns.pattern(&args[i + 1]),
                    _ => {
                        rewritten.push(b"MATCH".to_vec());
                        rewritten.push(ns.pattern(b"*"));
                    }
                }
                let mut reply = execute(&mut conn, &rewritten).await?;
                ns.strip_reply("SCAN", &mut reply);
                Ok(Outcome::reply(reply, limit))
            }
            "DBSIZE" => {
                let keys = scan_namespace(&mut conn, ns).await?;
                Ok(Outcome::reply(Reply::Integer(i64::try_from(keys.len()).unwrap_or(i64::MAX)), limit))
            }
            "FLUSHDB" => {
                let keys = scan_namespace(&mut conn, ns).await?;
                for chunk in keys.chunks(500) {
                    redis::cmd("UNLINK").arg(chunk).exec_async(&mut conn).await?;
                }
                Ok(Outcome::status("OK"))
            }
            "RANDOMKEY" => {
                let keys = scan_namespace(&mut conn, ns).await?;
                let reply = if keys.is_empty() {
                    Reply::Nil
                } else {
                    let mut pick = [0u8; 8];
                    getrandom::fill(&mut pick).map_err(|e| AppError::Internal(e.to_string()))?;
                    let index = usize::try_from(u64::from_le_bytes(pick) % keys.len() as u64).unwrap_or(0);
                    let mut key = Reply::Bulk(keys[index].clone());
                    ns.strip_reply("RANDOMKEY", &mut key);
                    key
                };
                Ok(Outcome::reply(reply, limit))
            }
            other => Ok(Outcome::error(format!("ERR {other} is not available here"))),
        }
    }
}

/// Every key of a namespace (for the commands that must count or visit
/// them all; O(N) like the commands they stand in for).
pub(crate) async fn scan_namespace(conn: &mut Connection, ns: &Namespace) -> Result<Vec<Vec<u8>>, AppError> {
    let keys = crate::redis_conn::scan_keys(conn, &ns.pattern(b"*"), None).await?;
    // Only keys with the prefix, whatever the pattern matched.
    Ok(keys.into_iter().filter(|k| k.starts_with(ns.prefix())).collect())
}
