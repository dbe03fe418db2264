//! A shared-mode sandbox's two Redis ACL users: their names and rules.
//!
//! The users are the defense in depth behind every rewrite of key names:
//! even if a feature's rewriting had a bug, Redis itself refuses the
//! sandbox any key that is not its own.
//!
//! **Why two users, not one.** The console runs what a student typed, so
//! its user (`bolide-s-<id>`) is as strict as the console's policy: its
//! namespace in database 0 only, `SELECT` denied (so no other database),
//! no keyspace listing. Bolide's features (data, guides, the job worker's
//! reads, cleanup) run what Bolide wrote, and their transactions span the
//! student's records in database 0 and Bolide's bookkeeping about them in
//! the system database (one `MULTI` with `SELECT` inside, so a load is
//! atomic). They go through a second user (`bolide-f-<id>`) that may
//! `SELECT` and `SCAN`, and whose key patterns are exactly that sandbox's:
//! `{s:<id>}:*` (its namespace) and `bolide:data:{<id>}:*`,
//! `bolide:guides:{<id>}:*` (Bolide's bookkeeping about it), and the
//! sandbox's key index `{s:<id>}!keys` (both users: see [`super::key_index`]). ACL key
//! patterns hold in every database, so `SELECT` opens no other sandbox's
//! keys, nor the sandbox records, credentials or jobs queue. Giving the
//! console that user would let a student's `SELECT 15` see Bolide's
//! bookkeeping; giving the features the console's would split every load
//! into two non-atomic halves.
//!
//! `SCAN` and `KEYS` (features only) list key names across the database; a name
//! carries a sandbox's opaque id, not a credential (see [`super::store`]),
//! and every feature filters what it scans by its own prefix.
//!
//! A request without a sandbox (a cookieless read) goes through
//! [`NOBODY`], a read-only user for an owner no sandbox can be: it sees an
//! empty sandbox, and writes nothing. It has a password all the same
//! (random, made once per Redis and kept in [`NOBODY_PASSWORD_KEY`], which
//! every Bolide process of the class reads), so that no client of the
//! class's Redis but Bolide logs in as it.

use super::store::SandboxId;
use super::Owner;

/// The owner tag of cookieless reads: not the shape of any [`SandboxId`],
/// so no sandbox's keys match its patterns.
pub const NOBODY: &str = "nobody";

/// The system database's string that holds [`NOBODY`]'s password, made
/// with `SET NX` by whichever Bolide process needs it first.
pub const NOBODY_PASSWORD_KEY: &str = "bolide:acl:nobody";

/// The console's Redis ACL user of a sandbox.
pub fn acl_user(id: &SandboxId) -> String {
    format!("bolide-s-{}", id.as_str())
}

/// The Redis ACL user Bolide's features use for a sandbox (or for
/// [`NOBODY`]).
pub fn feature_user(owner: &Owner) -> String {
    format!("bolide-f-{}", owner.owner)
}

/// Makes `owner`'s feature user valid again with `password` after Redis
/// refused its login (a restarted Redis forgets ACL users): [`NOBODY`]'s
/// with its rules, a sandbox's with [`feature_rules`] — unless that
/// sandbox has ended, which leaves no user behind: its end removes its
/// record before its users ([`super::store::SandboxStore::end`]), so either
/// that removal finds the user made here, or the check here finds the
/// record gone and removes the user itself.
pub async fn recreate_feature_user<C: redis::aio::ConnectionLike + Send>(
    system: &mut C,
    owner: &Owner,
    password: &str,
) -> redis::RedisResult<()> {
    let user = feature_user(owner);
    if owner.owner == NOBODY {
        // A Redis restarted without persistence forgot the shared password
        // too, and a Bolide started since may have made another: this one's
        // is put back if none is kept, and *added* to the user (its rules
        // without `reset`), so no process's login undoes another's.
        let additive = nobody_rules(password).into_iter().filter(|rule| rule != "reset");
        return redis::pipe()
            .cmd("SET")
            .arg(NOBODY_PASSWORD_KEY)
            .arg(password)
            .arg("NX")
            .ignore()
            .cmd("ACL")
            .arg("SETUSER")
            .arg(&user)
            .arg(additive.collect::<Vec<_>>())
            .ignore()
            .exec_async(system)
            .await;
    }
    let Some(id) = SandboxId::parse(&owner.owner) else {
        return Err((redis::ErrorKind::AuthenticationFailed, "not a sandbox's feature user").into());
    };
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg(feature_rules(owner, password))
        .exec_async(system)
        .await?;
    let exists: bool = redis::cmd("EXISTS").arg(id.key()).query_async(system).await?;
    if !exists {
        redis::cmd("ACL").arg("DELUSER").arg(&user).exec_async(system).await?;
        return Err((redis::ErrorKind::AuthenticationFailed, "this sandbox has ended").into());
    }
    Ok(())
}

/// How a process that is not the API (the job worker) logs in as a
/// sandbox's feature user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureLogin {
    pub user: String,
    pub password: String,
}

/// Why [`feature_login`] has no login for a job.
#[derive(Debug)]
pub enum LoginError {
    /// The sandbox has ended (its record, with the password, is gone).
    Ended,
    /// Redis did not answer (see [`crate::redis_conn::is_transient`]: a
    /// worker hands such a job back rather than failing it).
    Redis(redis::RedisError),
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::Ended => f.write_str("the job's sandbox has ended"),
            LoginError::Redis(err) => write!(f, "cannot read the sandbox's password: {err}"),
        }
    }
}

/// The feature user's login of `owner`'s sandbox, read from its record
/// (`None` for the local owner). The user is made valid too (the worker
/// runs outside the API, whose connections re-create it after a Redis
/// restart), with [`recreate_feature_user`].
pub async fn feature_login<C: redis::aio::ConnectionLike + Send>(
    system: &mut C,
    owner: &Owner,
) -> Result<Option<FeatureLogin>, LoginError> {
    let Some(id) = SandboxId::parse(&owner.owner) else { return Ok(None) };
    let password: Option<String> =
        redis::cmd("HGET").arg(id.key()).arg("pass").query_async(system).await.map_err(LoginError::Redis)?;
    let Some(password) = password.filter(|p| !p.is_empty()) else { return Err(LoginError::Ended) };
    match recreate_feature_user(system, owner, &password).await {
        Ok(()) => Ok(Some(FeatureLogin { user: feature_user(owner), password })),
        Err(err) if crate::redis_conn::login_refused(&err) => Err(LoginError::Ended),
        Err(err) => Err(LoginError::Redis(err)),
    }
}

/// The `ACL SETUSER` rules of a session's user: its own keys only, no
/// channels, ordinary data commands only.
///
/// Everything the console refuses is denied here too; `SORT` is allowed
/// because Redis itself denies its `BY`/`GET` patterns to a user without
/// access to every key. `KEYS`, `SCAN`, `RANDOMKEY` and `FLUSHDB` are denied:
/// ACL key patterns cannot narrow what they list or flush, so in shared mode
/// Bolide answers them itself, within the namespace.
pub fn acl_rules(owner: &Owner, password: &str) -> Vec<String> {
    let pattern = format!("~{}*", owner.data_prefix);
    let mut rules: Vec<String> = vec!["reset".into(), "on".into(), format!(">{password}"), pattern];
    rules.extend(index_pattern(owner));
    rules.push("resetchannels".into());
    rules.extend(
        [
            "+@all",
            "-@dangerous",
            "-@admin",
            "-@scripting",
            "-@pubsub",
            "-@blocking",
            "-@connection",
            "+ping",
            "+echo",
            "+command",
            "+sort",
            "+sort_ro",
            "-select",
            "-swapdb",
            "-move",
            "-migrate",
            "-keys",
            "-scan",
            "-randomkey",
            "-flushdb",
            "-flushall",
            "-wait",
        ]
        .iter()
        .map(|rule| rule.to_string()),
    );
    rules
}

/// The key patterns of a sandbox's feature user: its namespace and Bolide's
/// bookkeeping about it, nothing else.
fn feature_patterns(owner: &Owner) -> Vec<String> {
    let mut patterns = vec![format!("~{}*", owner.data_prefix)];
    patterns.extend(index_pattern(owner));
    patterns.push(format!("~{}*", owner.key("")));
    patterns.push(format!("~{}*", owner.guides_key("")));
    patterns
}

/// The exact name of the sandbox's key index ([`super::key_index`]): the
/// feature user keeps and reads it; the console's user may too, so that a
/// command and its index entry can share one pipeline (a student can never
/// name it: every key they name is rewritten into the namespace).
fn index_pattern(owner: &Owner) -> Option<String> {
    super::key_index::KeyIndex::of(owner).map(|index| format!("~{}", String::from_utf8_lossy(index.key())))
}

/// The `ACL SETUSER` rules of a sandbox's feature user (see the module
/// docs): its keys in any database, `SELECT`, `SCAN` and `KEYS` (always
/// with the sandbox's prefix: the console's listings), scripts (leases
/// are one), `CLIENT TRACKING` (the worker's record cache); no
/// administration, no channels, nothing that lists or flushes a whole
/// database.
pub fn feature_rules(owner: &Owner, password: &str) -> Vec<String> {
    let mut rules: Vec<String> = vec!["reset".into(), "on".into(), format!(">{password}")];
    rules.extend(feature_patterns(owner));
    rules.extend(
        [
            "resetchannels",
            "+@all",
            "-@dangerous",
            "-@admin",
            "-@pubsub",
            "-@blocking",
            "+select",
            "+client|tracking",
            "-swapdb",
            "-move",
            "-migrate",
            "+keys",
            "-randomkey",
            "-flushdb",
            "-flushall",
        ]
        .iter()
        .map(|rule| rule.to_string()),
    );
    rules
}

/// The rules of [`NOBODY`]'s user: its password, reads only, keys no
/// sandbox has.
pub fn nobody_rules(password: &str) -> Vec<String> {
    let owner = Owner::for_session(NOBODY);
    let mut rules: Vec<String> = vec!["reset".into(), "on".into(), format!(">{password}")];
    rules.extend(feature_patterns(&owner));
    rules.extend(
        [
            "resetchannels",
            "+@read",
            "-@dangerous",
            "-@admin",
            "-@blocking",
            "-scan",
            "+select",
            "+ping",
            // Reads refresh the expiry of what they read (guide progress);
            // on keys that never exist that changes nothing.
            "+pexpire",
        ]
        .iter()
        .map(|rule| rule.to_string()),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_rules_pin_the_namespace() {
        let id = SandboxId::parse("0123456789abcdef0123456789abcdef").expect("id");
        let rules = acl_rules(&Owner::for_session(id.as_str()), "pw");
        assert!(rules.contains(&"~{s:0123456789abcdef0123456789abcdef}:*".to_string()));
        assert!(rules.iter().any(|r| r == "-select"));
        assert_eq!(rules[0], "reset");
    }

    #[test]
    fn feature_rules_pin_the_sandbox_in_every_database() {
        let owner = Owner::for_session("0123456789abcdef0123456789abcdef");
        let rules = feature_rules(&owner, "pw");
        let patterns: Vec<&String> = rules.iter().filter(|r| r.starts_with('~')).collect();
        assert_eq!(
            patterns,
            [
                "~{s:0123456789abcdef0123456789abcdef}:*",
                "~{s:0123456789abcdef0123456789abcdef}!keys",
                "~bolide:data:{0123456789abcdef0123456789abcdef}:*",
                "~bolide:guides:{0123456789abcdef0123456789abcdef}:*",
            ]
        );
        assert_eq!(feature_user(&owner), "bolide-f-0123456789abcdef0123456789abcdef");
        assert!(SandboxId::parse(NOBODY).is_none());
    }
}
