//! Whose guide a request is about: the local student (database 0, owner
//! `local`), or one shared-mode session (its namespace `{s:<id>}:`, owner
//! the session id) — the same split as the console and the data loader, so
//! a check looks exactly where the student's commands wrote.

use crate::sandbox::{Owner, Sandbox};

/// The caller, as far as guides are concerned.
#[derive(Debug, Clone)]
pub struct Learner {
    /// Where the student's keys are and whose bookkeeping is whose.
    pub scope: Owner,
    pub shared: bool,
}

impl Learner {
    /// The learner a request's sandbox is.
    pub fn of(sandbox: Sandbox) -> Learner {
        Learner { scope: sandbox.owner, shared: sandbox.shared }
    }

    /// The Redis key behind the student's `name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.scope.data_prefix)
    }

    /// A `MATCH` pattern for the student's glob `pattern`. (The session
    /// prefix is hex between `{s:` and `}:`, literal in a glob.)
    pub fn pattern(&self, pattern: &str) -> String {
        self.key(pattern)
    }

    /// The student's name for a Redis key of theirs.
    pub fn name_of(&self, key: &[u8]) -> String {
        let name = key.strip_prefix(self.scope.data_prefix.as_bytes()).unwrap_or(key);
        String::from_utf8_lossy(name).into_owned()
    }

    /// One of Bolide's keys about this learner's guides (database 15).
    pub fn system_key(&self, name: &str) -> String {
        format!("bolide:guides:{{{}}}:{name}", self.scope.owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_land_in_the_learners_keyspace() {
        let local = Learner { scope: Owner::local(), shared: false };
        assert_eq!(local.key("k2"), "k2");
        assert_eq!(local.system_key("progress:hashes"), "bolide:guides:{local}:progress:hashes");
        let shared = Learner { scope: Owner::for_session("ab12"), shared: true };
        assert_eq!(shared.key("k2"), "{s:ab12}:k2");
        assert_eq!(shared.pattern("user:*"), "{s:ab12}:user:*");
        assert_eq!(shared.name_of(b"{s:ab12}:user:1"), "user:1");
        assert_eq!(shared.system_key("restart"), "bolide:guides:{ab12}:restart");
    }
}
