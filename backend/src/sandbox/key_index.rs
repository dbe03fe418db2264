//! A shared-mode sandbox's **key index**: the names of its keys, kept
//! beside them, so that listing a sandbox costs O(its own keys), not
//! O(every key on the server).
//!
//! **Why.** Redis has no per-prefix listing: `SCAN … MATCH {s:<id>}:*`
//! visits every key of the database and filters. With a class's 1.2 M
//! keys, an empty sandbox's `SCAN 0` took over a second, and every
//! student's latency suffered while it ran. So `KEYS`, `SCAN`, `DBSIZE`,
//! `RANDOMKEY` and `FLUSHDB` (the console's and the gateway's,
//! [`crate::console`]'s `listing`), the keys browser (which scans through
//! the same relay), the guides' checks and resets of a `prefix*`
//! ([`owner_keys`]), the housekeeping's quota measurement and a sandbox's
//! end read this index instead, and never `SCAN` the database.
//!
//! **What.** One sorted set per sandbox, in database 0 beside its keys
//! (shared mode's students have database 0 only: their ACL user may not
//! `SELECT`), named `{s:<id>}!keys`: the sandbox's hash tag (so it lives in
//! the keys' cluster slot, and a script may name both), but outside the
//! prefix `{s:<id>}:` that every key a student names is rewritten into, so
//! no student command can ever name it. Members are full key names; a
//! member's score is when a writer last announced it (ms since the epoch).
//!
//! **Over-inclusive, and answers exact.** Every path that may create a key
//! in the namespace adds it ([`KeyIndex::add_cmd`], [`announce`]) *before*
//! the write (first in the same pipeline or transaction where it can): a key the student can
//! see is always in the index. A member may outlive its key (deleted,
//! expired, renamed away), so readers keep only the members whose key
//! exists (`TYPE` is not `none`; for `SCAN … TYPE t`, is `t`): every answer
//! is exact. `SCAN` is `ZSCAN` of the index with the prefixed `MATCH`
//! (Redis does the glob), and its cursor is `ZSCAN`'s: a key present for
//! the whole scan is returned, as `SCAN` promises.
//!
//! **Pruning, and why members carry a time.** Readers remove the members
//! whose key does not exist ([`PRUNE`], one script: atomic with its
//! checks). A writer announces before it writes, so "no such key" may mean
//! "about to be created": removing such a member would hide a key for
//! good. So a member is removed only if its key does not exist *and* its
//! last announcement is older than [`GRACE_MS`], far longer than any
//! announce-then-write takes. (A set and `MULTI` around every student
//! command would have made it exact without a time, at the price of
//! changing the errors Redis answers for a refused command.)
//!
//! **Cost and quota.** A write costs one `ZADD` more (O(log n) in the
//! sandbox's own keys). The index's own memory is counted in the sandbox's
//! usage by its measurement ([`KeyIndex::measure`], housekeeping's or one
//! on demand: [`super::headroom`]), which prunes as it walks, so a student creating millions of short-lived keys cannot grow
//! an index nobody pays for.
//!
//! **Who writes it.** A new path that writes into a sandbox's namespace
//! must put [`KeyIndex::add_cmd`] in its pipeline or transaction, before
//! the write. Today: the relay's forwarded
//! commands and `EXEC` ([`announce`], first in the same pipeline or
//! transaction, from the command table's key specs: [`written_keys`]), the data store's loads and generator
//! (`data::store::stream`) and record edits (`data::store::records`); the
//! keys browser's edits and the gateway go through the relay. Local mode
//! has no index: the student owns the database, and `KEYS`/`SCAN` are
//! Redis's own.

use bolide_shared::commands::CommandSpec;
use redis::aio::ConnectionLike;
use redis::Value;

use super::clock::now_ms;
use super::Owner;
use crate::error::AppError;

/// How long a member whose key does not exist is kept (see the module
/// docs): the key may be about to be written.
pub const GRACE_MS: u64 = 120_000;

/// Members read per `ZSCAN` when walking a whole index.
const WALK_COUNT: usize = 1000;

/// Removes the members of `KEYS[1]` among `KEYS[2..]` whose key does not
/// exist and whose score is below `ARGV[1]`; answers how many went.
pub const PRUNE: &str = r"
local cutoff = tonumber(ARGV[1])
local removed = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local score = redis.call('ZSCORE', KEYS[1], KEYS[i])
    if score and tonumber(score) < cutoff then
      removed = removed + redis.call('ZREM', KEYS[1], KEYS[i])
    end
  end
end
return removed
";

/// One sandbox's key index: its name and the namespace it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIndex {
    key: Vec<u8>,
    prefix: Vec<u8>,
}

/// One step of a `SCAN`: the next cursor and the keys (full names).
pub type Step = (Vec<u8>, Vec<Vec<u8>>);

impl KeyIndex {
    /// The index of namespace `prefix` (`{s:<id>}:`); `None` for any other
    /// prefix (local mode's empty one).
    pub fn of_prefix(prefix: &[u8]) -> Option<Self> {
        let tag = prefix.strip_suffix(b":")?;
        if !(tag.starts_with(b"{s:") && tag.ends_with(b"}") && tag.len() > 4) {
            return None;
        }
        let mut key = tag.to_vec();
        key.extend_from_slice(b"!keys");
        Some(Self { key, prefix: prefix.to_vec() })
    }

    /// The index of the namespace `key` (or a prefix of keys) is in:
    /// `{s:<id>}:…` → `{s:<id>}`'s; `None` outside every namespace.
    pub fn of_key(key: &[u8]) -> Option<Self> {
        let end = key.strip_prefix(b"{s:")?.windows(2).position(|w| w == b"}:")?;
        Self::of_prefix(&key[..3 + end + 2])
    }

    /// The index of `owner`'s keys (`None` locally).
    pub fn of(owner: &Owner) -> Option<Self> {
        Self::of_prefix(owner.data_prefix.as_bytes())
    }

    /// The index's own key name, e.g. `{s:0123…}!keys`.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The namespace it lists, e.g. `{s:0123…}:`.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// The `ZADD` that announces `keys` (those inside the namespace; others
    /// are never listed), or `None` if there are none.
    pub fn add_cmd<K: AsRef<[u8]>>(&self, keys: &[K]) -> Option<redis::Cmd> {
        let mut own: Vec<&[u8]> =
            keys.iter().map(AsRef::as_ref).filter(|k| k.starts_with(&self.prefix)).collect();
        // A pipelined batch often writes one key many times: once is enough.
        own.sort_unstable();
        own.dedup();
        if own.is_empty() {
            return None;
        }
        let now = now_ms();
        // Sized once (a score is 20 digits at most): no regrowth of its
        // buffers per argument, for what runs with every write.
        let bytes = 4 + self.key.len() + own.iter().map(|key| 20 + key.len()).sum::<usize>();
        let mut cmd = redis::Cmd::with_capacity(2 + 2 * own.len(), bytes);
        cmd.arg("ZADD").arg(&self.key);
        for key in own {
            cmd.arg(now).arg(key);
        }
        Some(cmd)
    }

    /// The `ZADD` announcing every key that `commands` (namespaced
    /// already) may create, or `None` if they create none.
    pub fn announce<A: AsRef<[Vec<u8>]>>(&self, commands: &[(&CommandSpec, A)]) -> Option<redis::Cmd> {
        let keys: Vec<&[u8]> =
            commands.iter().flat_map(|(spec, args)| written_keys(spec, args.as_ref())).collect();
        self.add_cmd(&keys)
    }

    /// One `SCAN` step over the namespace: `ZSCAN` from `cursor` with
    /// `MATCH <prefix><pattern>` and `COUNT`, keeping the keys that exist
    /// (of type `kind`, when given). Redis's error for a bad cursor or
    /// count is the inner `Err`.
    pub async fn scan(
        &self,
        conn: &mut impl ConnectionLike,
        cursor: &[u8],
        pattern: &[u8],
        count: Option<&[u8]>,
        kind: Option<&str>,
    ) -> Result<Result<Step, String>, AppError> {
        let mut matching = self.prefix.clone();
        matching.extend_from_slice(pattern);
        let mut cmd = redis::cmd("ZSCAN");
        cmd.arg(&self.key).arg(cursor).arg("MATCH").arg(matching);
        if let Some(count) = count {
            cmd.arg("COUNT").arg(count);
        }
        let reply = match cmd.query_async::<Value>(conn).await {
            Ok(reply) => reply,
            Err(err) if err.code().is_some() && !err.is_io_error() => {
                let detail = err.detail().map(|d| format!(" {d}")).unwrap_or_default();
                return Ok(Err(format!("{}{detail}", err.code().unwrap_or("ERR"))));
            }
            Err(err) => return Err(err.into()),
        };
        let (next, members) = read_zscan(reply)?;
        Ok(Ok((next, self.existing(conn, members, kind).await?)))
    }

    /// Every key of the namespace matching `pattern` (glob, without the
    /// prefix) that exists (of type `kind`, when given): the whole `ZSCAN`
    /// walk.
    pub async fn keys(
        &self,
        conn: &mut impl ConnectionLike,
        pattern: &[u8],
        kind: Option<&str>,
    ) -> Result<Vec<Vec<u8>>, AppError> {
        let count = WALK_COUNT.to_string();
        let mut cursor = b"0".to_vec();
        let mut keys = Vec::new();
        loop {
            let (next, batch) = self
                .scan(conn, &cursor, pattern, Some(count.as_bytes()), kind)
                .await?
                .map_err(AppError::Internal)?;
            keys.extend(batch);
            if next == b"0" {
                return Ok(keys);
            }
            cursor = next;
        }
    }

    /// A random existing key of the namespace, or `None` if it has none:
    /// a few random members first, the whole walk if they all went.
    pub async fn random(&self, conn: &mut impl ConnectionLike) -> Result<Option<Vec<u8>>, AppError> {
        for _ in 0..3 {
            let members: Vec<Vec<u8>> =
                redis::cmd("ZRANDMEMBER").arg(&self.key).arg(16).query_async(conn).await?;
            if members.is_empty() {
                return Ok(None);
            }
            if let Some(key) = pick(self.existing(conn, members, None).await?)? {
                return Ok(Some(key));
            }
        }
        pick(self.keys(conn, b"*", None).await?)
    }

    /// Unlinks every key of the namespace (shared mode's `FLUSHDB`); the
    /// index keeps only the members announced within [`GRACE_MS`].
    pub async fn flush(&self, conn: &mut impl ConnectionLike) -> Result<(), AppError> {
        let mut cursor = b"0".to_vec();
        loop {
            let reply: Value = redis::cmd("ZSCAN")
                .arg(&self.key)
                .arg(&cursor)
                .arg("COUNT")
                .arg(WALK_COUNT)
                .query_async(conn)
                .await?;
            let (next, members) = read_zscan(reply)?;
            if !members.is_empty() {
                redis::cmd("UNLINK").arg(&members).exec_async(conn).await?;
                self.prune(conn, &members).await?;
            }
            if next == b"0" {
                return Ok(());
            }
            cursor = next;
        }
    }

    /// The housekeeping's measure, pruning as it walks: how many keys
    /// exist, the `MEMORY USAGE` of every one of them (one pipeline per
    /// walked batch; Redis's default sampling of 5 elements per collection),
    /// and the index's own memory. Every key, not a sample: one large key
    /// among many small ones must not go unseen.
    pub async fn measure(&self, conn: &mut impl ConnectionLike) -> Result<(u64, u64, u64), AppError> {
        let mut cursor = b"0".to_vec();
        let (mut count, mut bytes) = (0u64, 0u64);
        loop {
            let (next, batch) = self
                .scan(conn, &cursor, b"*", Some(WALK_COUNT.to_string().as_bytes()), None)
                .await?
                .map_err(AppError::Internal)?;
            count += batch.len() as u64;
            if !batch.is_empty() {
                let mut pipe = redis::pipe();
                for key in &batch {
                    pipe.cmd("MEMORY").arg("USAGE").arg(key);
                }
                let usages: Vec<Option<u64>> = pipe.query_async(conn).await?;
                bytes = usages.into_iter().flatten().fold(bytes, u64::saturating_add);
            }
            if next == b"0" {
                break;
            }
            cursor = next;
        }
        let own: Option<u64> = redis::cmd("MEMORY").arg("USAGE").arg(&self.key).query_async(conn).await?;
        Ok((count, bytes, own.unwrap_or(0)))
    }

    /// When the sandbox ends: unlinks every key it lists, then the index.
    pub async fn remove(&self, conn: &mut impl ConnectionLike) -> Result<(), AppError> {
        self.flush(conn).await?;
        redis::cmd("UNLINK").arg(&self.key).exec_async(conn).await?;
        Ok(())
    }

    /// Of `members`, those whose key exists (and is of type `kind`); the
    /// ones whose key is gone are pruned.
    async fn existing(
        &self,
        conn: &mut impl ConnectionLike,
        members: Vec<Vec<u8>>,
        kind: Option<&str>,
    ) -> Result<Vec<Vec<u8>>, AppError> {
        if members.is_empty() {
            return Ok(members);
        }
        let mut pipe = redis::pipe();
        for member in &members {
            pipe.cmd("TYPE").arg(member);
        }
        let types: Vec<String> = pipe.query_async(conn).await?;
        let (mut kept, mut gone) = (Vec::new(), Vec::new());
        for (member, of_type) in members.into_iter().zip(types) {
            if of_type == "none" {
                gone.push(member);
            } else if kind.is_none_or(|kind| of_type.eq_ignore_ascii_case(kind)) {
                kept.push(member);
            }
        }
        self.prune(conn, &gone).await?;
        Ok(kept)
    }

    /// Removes the members among `members` whose key does not exist and
    /// that were not announced within [`GRACE_MS`] ([`PRUNE`]).
    async fn prune(&self, conn: &mut impl ConnectionLike, members: &[Vec<u8>]) -> Result<(), AppError> {
        let cutoff = now_ms().saturating_sub(GRACE_MS);
        for chunk in members.chunks(500) {
            let script = redis::Script::new(PRUNE);
            let mut invocation = script.key(&self.key);
            for member in chunk {
                invocation.key(member);
            }
            invocation.arg(cutoff).invoke_async::<i64>(conn).await?;
        }
        Ok(())
    }
}

/// What the relay sends first, in the same pipeline (or transaction), when
/// it sends `commands` (keys namespaced already) in namespace `prefix`: the
/// `ZADD` announcing every key they may create. `None` when they create
/// none, or for a prefix without an index (local mode).
pub fn announce<A: AsRef<[Vec<u8>]>>(prefix: &[u8], commands: &[(&CommandSpec, A)]) -> Option<redis::Cmd> {
    KeyIndex::of_prefix(prefix)?.announce(commands)
}

/// [`announce`] for keys already told ([`written_keys_at`]).
pub fn announce_keys<K: AsRef<[u8]>>(prefix: &[u8], keys: &[K]) -> Option<redis::Cmd> {
    KeyIndex::of_prefix(prefix)?.add_cmd(keys)
}

/// Every key of `owner` matching `pattern` (a glob of the student's names)
/// and of type `kind`, full names: from the key index in shared mode, by
/// `SCAN` of the database locally (where the student owns it all).
pub async fn owner_keys(
    conn: &mut impl ConnectionLike,
    owner: &Owner,
    pattern: &str,
    kind: Option<&str>,
) -> Result<Vec<Vec<u8>>, AppError> {
    match KeyIndex::of(owner) {
        Some(index) => index.keys(conn, pattern.as_bytes(), kind).await,
        None => Ok(crate::redis_conn::scan_keys(conn, owner.student_key(pattern).as_bytes(), kind).await?),
    }
}

/// The keys a command (its arguments, name first) may create or write, by
/// the command table: every key of a `write` command, except those of a
/// command whose key specs only remove (`DEL`, `UNLINK`). Over-inclusive
/// on purpose (a source key is announced again; harmless). A command whose
/// keys cannot be found is refused before it runs, so it writes nothing.
pub fn written_keys<'a>(spec: &CommandSpec, args: &'a [Vec<u8>]) -> Vec<&'a [u8]> {
    if !writes_keys(spec) {
        return Vec::new();
    }
    let positions = spec.key_positions(args).unwrap_or_default();
    written_keys_at(spec, args, &positions).collect()
}

/// [`written_keys`] when the caller has the command's key positions
/// already (`positions`: what `spec.key_positions(args)` gives, or none if
/// it cannot tell): a batch's writes are announced without searching their
/// keys again.
pub fn written_keys_at<'a, 'p>(
    spec: &CommandSpec,
    args: &'a [Vec<u8>],
    positions: &'p [usize],
) -> impl Iterator<Item = &'a [u8]> + use<'a, 'p> {
    let positions = if writes_keys(spec) { positions } else { &[] };
    positions.iter().filter_map(|&at| args.get(at)).map(Vec::as_slice)
}

/// Whether a command may create or write its keys: a `write` command whose
/// key specs do not only remove (`DEL`, `UNLINK`). Told once per entry of
/// the command table (asked for every write).
fn writes_keys(spec: &CommandSpec) -> bool {
    static WRITES: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    spec.per_entry(&WRITES, |spec| {
        let removes_only =
            !spec.key_specs.is_empty() && spec.key_specs.iter().all(|key| key.flags.contains(&"RM"));
        spec.has_flag("write") && !removes_only
    })
}

/// `ZSCAN`'s reply: the cursor and the members (scores dropped).
fn read_zscan(reply: Value) -> Result<Step, AppError> {
    let bad = || AppError::Internal("ZSCAN answered something that is not a cursor and members".into());
    let Value::Array(mut parts) = reply else { return Err(bad()) };
    if parts.len() != 2 {
        return Err(bad());
    }
    let flat = parts.pop().ok_or_else(bad)?;
    let next = match parts.pop() {
        Some(Value::BulkString(cursor)) => cursor,
        _ => return Err(bad()),
    };
    let Value::Array(flat) = flat else { return Err(bad()) };
    let members = flat
        .into_iter()
        .step_by(2)
        .map(|member| match member {
            Value::BulkString(name) => Ok(name),
            _ => Err(bad()),
        })
        .collect::<Result<_, _>>()?;
    Ok((next, members))
}

/// One of `keys` at random.
fn pick(mut keys: Vec<Vec<u8>>) -> Result<Option<Vec<u8>>, AppError> {
    if keys.is_empty() {
        return Ok(None);
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let at = usize::try_from(u64::from_le_bytes(bytes) % keys.len() as u64).unwrap_or(0);
    Ok(Some(keys.swap_remove(at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::resolve;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    fn written(words: &[&str]) -> Vec<String> {
        let argv = args(words);
        let spec = resolve(&argv).expect("known command");
        let keys = written_keys(spec, &argv);
        // The same from positions told beforehand (a batch's writes).
        let positions = spec.key_positions(&argv).unwrap_or_default();
        assert_eq!(written_keys_at(spec, &argv, &positions).collect::<Vec<_>>(), keys, "{words:?}");
        keys.into_iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect()
    }

    #[test]
    fn the_index_is_outside_what_a_student_can_name() {
        let index = KeyIndex::of(&Owner::for_session("ab12")).expect("shared");
        assert_eq!(index.key(), b"{s:ab12}!keys");
        assert!(!index.key().starts_with(index.prefix()), "no rewritten key can be the index");
        assert_eq!(KeyIndex::of(&Owner::local()), None);
        assert_eq!(KeyIndex::of_prefix(b"{s:}:"), None);
        assert_eq!(KeyIndex::of_key(b"{s:ab12}:meteorite:"), Some(index.clone()));
        assert_eq!(KeyIndex::of_key(b"meteorite:"), None);
        assert!(index.add_cmd(&[b"{s:zz}:k".to_vec()]).is_none(), "other namespaces are never listed");
    }

    #[test]
    fn writes_announce_their_keys_from_the_command_table() {
        assert_eq!(written(&["SET", "k", "v"]), ["k"]);
        assert_eq!(written(&["RENAME", "a", "b"]), ["a", "b"]);
        assert_eq!(written(&["COPY", "a", "b"]), ["a", "b"]);
        assert_eq!(written(&["SORT", "l", "STORE", "d"]), ["l", "d"]);
        assert_eq!(written(&["LMOVE", "a", "b", "LEFT", "RIGHT"]), ["a", "b"]);
        assert_eq!(written(&["BITOP", "OR", "d", "a", "b"]), ["d", "a", "b"]);
        assert_eq!(written(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), ["s"]);
        assert!(written(&["GET", "k"]).is_empty(), "reads create nothing");
        assert!(written(&["DEL", "a", "b"]).is_empty(), "removals create nothing");
    }
}
