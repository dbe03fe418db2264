//! Shared mode's `KEYS`, `SCAN`, `DBSIZE`, `FLUSHDB` and `RANDOMKEY`: the
//! same answers as Redis's, restricted to the session's namespace — read
//! from the sandbox's key index ([`crate::sandbox::key_index`]), so that
//! they cost O(the sandbox's keys), never a walk of the whole database.
//!
//! They run as the sandbox's feature user (the console's user may not
//! list), whose key patterns are the sandbox's alone: what they read or
//! delete can only be the sandbox's.

use bolide_shared::cli::Reply;
use bolide_shared::commands::CommandSpec;

use super::{Outcome, Relay};
use crate::console::namespace::Namespace;
use crate::error::AppError;
use crate::sandbox::key_index::KeyIndex;
use crate::sandbox::store::Session;

impl Relay {
    /// Shared mode's listings (see the module docs).
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
        let Some(index) = KeyIndex::of_prefix(ns.prefix()) else {
            return Err(AppError::Internal("a namespace without a key index".into()));
        };
        let mut conn = self.sessions.access(session)?.data;
        let limit = self.limits.max_reply_elements;
        let strip = |keys: Vec<Vec<u8>>| -> Vec<Reply> {
            keys.into_iter().filter_map(|k| ns.strip(&k).map(|name| Reply::Bulk(name.to_vec()))).collect()
        };
        match spec.name {
            "KEYS" => {
                Ok(Outcome::reply(Reply::Array(strip(index.keys(&mut conn, &args[1], None).await?)), limit))
            }
            "SCAN" => {
                let options = match ScanOptions::parse(args) {
                    Ok(options) => options,
                    Err(message) => return Ok(Outcome::error(message)),
                };
                let step = index
                    .scan(&mut conn, &args[1], options.pattern, options.count, options.kind.as_deref())
                    .await?;
                Ok(match step {
                    Ok((cursor, keys)) => Outcome::reply(
                        Reply::Array(vec![Reply::Bulk(cursor), Reply::Array(strip(keys))]),
                        limit,
                    ),
                    Err(message) => Outcome::error(message),
                })
            }
            "DBSIZE" => {
                let keys = index.keys(&mut conn, b"*", None).await?;
                Ok(Outcome::reply(Reply::Integer(i64::try_from(keys.len()).unwrap_or(i64::MAX)), limit))
            }
            "FLUSHDB" => {
                index.flush(&mut conn).await?;
                Ok(Outcome::status("OK"))
            }
            "RANDOMKEY" => {
                let reply = match index.random(&mut conn).await? {
                    Some(key) => strip(vec![key]).pop().unwrap_or(Reply::Nil),
                    None => Reply::Nil,
                };
                Ok(Outcome::reply(reply, limit))
            }
            other => Ok(Outcome::error(format!("ERR {other} is not available here"))),
        }
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`, read as Redis
/// reads it (options in any order, the last of each wins).
#[derive(Debug, PartialEq, Eq)]
struct ScanOptions<'a> {
    pattern: &'a [u8],
    count: Option<&'a [u8]>,
    kind: Option<String>,
}

impl<'a> ScanOptions<'a> {
    fn parse(args: &'a [Vec<u8>]) -> Result<Self, String> {
        let mut options = ScanOptions { pattern: b"*", count: None, kind: None };
        let mut rest = args.get(2..).unwrap_or_default().iter();
        while let Some(option) = rest.next() {
            let value = rest.next().ok_or("ERR syntax error")?;
            match option.to_ascii_uppercase().as_slice() {
                b"MATCH" => options.pattern = value,
                b"COUNT" => options.count = Some(value),
                b"TYPE" => options.kind = Some(String::from_utf8_lossy(value).into_owned()),
                _ => return Err("ERR syntax error".into()),
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn scan_options_are_read_as_redis_reads_them() {
        let argv = args(&["SCAN", "0", "count", "5", "MATCH", "a*", "TYPE", "hash"]);
        let options = ScanOptions::parse(&argv).expect("valid");
        assert_eq!(options, ScanOptions { pattern: b"a*", count: Some(b"5"), kind: Some("hash".into()) });
        assert_eq!(ScanOptions::parse(&args(&["SCAN", "0"])).expect("valid").pattern, b"*");
        assert!(ScanOptions::parse(&args(&["SCAN", "0", "MATCH"])).is_err());
        assert!(ScanOptions::parse(&args(&["SCAN", "0", "NOVALUES", "x"])).is_err());
    }
}
