//! The owner of keys: the local student, or one shared-mode sandbox.
//!
//! One value names both halves of what a caller owns: the prefix of their
//! own keys in the student database (empty locally, the sandbox's namespace
//! `{s:<id>}:` in shared mode; the braces make it a Redis Cluster hash tag)
//! and the tag of Bolide's bookkeeping about them in the system database
//! (`bolide:data:{<owner>}:…`, `bolide:guides:{<owner>}:…`,
//! `bolide:jobs:owner:<owner>`).

/// Who is calling and what they own: the local student, or one shared-mode
/// sandbox. Every feature's keys derive from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Prefix of the record keys: empty in local mode, the session's
    /// namespace (`{s:<id>}:`) in shared mode.
    pub data_prefix: String,
    /// The owner's tag in Bolide's own keys: `local`, or the session id.
    pub owner: String,
}

impl Owner {
    pub fn local() -> Self {
        Self { data_prefix: String::new(), owner: "local".into() }
    }

    pub fn for_session(session_id: &str) -> Self {
        Self { data_prefix: format!("{{s:{session_id}}}:"), owner: session_id.to_string() }
    }

    /// `meteorite:<id>` in the owner's keyspace.
    pub fn record_key(&self, id: &str) -> String {
        format!("{}meteorite:{id}", self.data_prefix)
    }

    /// The `MATCH` pattern of every record key.
    pub fn record_pattern(&self) -> String {
        format!("{}meteorite:*", self.data_prefix)
    }

    /// One of Bolide's keys about this dataset (system database).
    pub fn key(&self, name: &str) -> String {
        format!("bolide:data:{{{}}}:{name}", self.owner)
    }

    /// The Redis key behind the student's `name` (also a glob pattern: the
    /// prefix is hex between `{s:` and `}:`, literal in a glob).
    pub fn student_key(&self, name: &str) -> String {
        format!("{}{name}", self.data_prefix)
    }

    /// The student's name for a Redis key of theirs.
    pub fn name_of(&self, key: &[u8]) -> String {
        let name = key.strip_prefix(self.data_prefix.as_bytes()).unwrap_or(key);
        String::from_utf8_lossy(name).into_owned()
    }

    /// One of Bolide's keys about this owner's guides (system database).
    pub fn guides_key(&self, name: &str) -> String {
        format!("bolide:guides:{{{}}}:{name}", self.owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_land_in_the_owners_keyspace() {
        let local = Owner::local();
        assert_eq!(local.student_key("k2"), "k2");
        assert_eq!(local.guides_key("progress:hashes"), "bolide:guides:{local}:progress:hashes");
        let shared = Owner::for_session("ab12");
        assert_eq!(shared.student_key("k2"), "{s:ab12}:k2");
        assert_eq!(shared.student_key("user:*"), "{s:ab12}:user:*");
        assert_eq!(shared.name_of(b"{s:ab12}:user:1"), "user:1");
        assert_eq!(shared.guides_key("restart"), "bolide:guides:{ab12}:restart");
    }
}
