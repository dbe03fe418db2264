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
}
