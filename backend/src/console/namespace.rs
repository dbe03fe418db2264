//! Shared mode's isolation: every key a session names is put inside the
//! session's namespace before Redis sees it, and taken out again in replies.
//!
//! The prefix is `{s:<session id>}:`. The braces make it a Redis Cluster
//! hash tag, so all of one session's keys hash to one slot and multi-key
//! commands (`RENAME`, `SUNIONSTORE`, `LMOVE`…) keep working on a cluster.
//!
//! Which arguments are keys comes from Redis's own key specs (the command
//! table in `bolide-shared`), not from a hand-kept list, so `LMPOP 2 a b
//! LEFT`, `XREAD STREAMS s1 s2 0 0` or `ZUNIONSTORE d 2 a b WEIGHTS 1 2`
//! are rewritten exactly where Redis would look for keys — and a key that
//! happens to be named `STREAMS` or `WEIGHTS` stays a key. When the keys of
//! a command cannot be known (e.g. `SORT … BY pattern`), it is refused.
//!
//! Redis ACLs check the same boundary again on the server (see the
//! `console` module docs): this rewrite is the first line, not the only one.

use bolide_shared::cli::Reply;
use bolide_shared::commands::{CommandSpec, KeySearchError};

/// A session's key prefix, e.g. `{s:0123…}:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    prefix: Vec<u8>,
}

impl Namespace {
    /// The namespace of session `id` (hex; it never contains glob or
    /// hash-tag characters, so the prefix is literal in `MATCH` patterns).
    pub fn for_session(id: &str) -> Self {
        // Made for every batch a gateway client sends: no formatting.
        let mut prefix = Vec::with_capacity(id.len() + 5);
        prefix.extend_from_slice(b"{s:");
        prefix.extend_from_slice(id.as_bytes());
        prefix.extend_from_slice(b"}:");
        Self { prefix }
    }

    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// `key` inside the namespace.
    pub fn add(&self, key: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.prefix.len() + key.len());
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(key);
        out
    }

    /// The student's name for a namespaced key; `None` if it is not ours.
    pub fn strip<'a>(&self, key: &'a [u8]) -> Option<&'a [u8]> {
        key.strip_prefix(self.prefix.as_slice())
    }

    /// A `MATCH`/`KEYS` pattern restricted to the namespace.
    pub fn pattern(&self, pattern: &[u8]) -> Vec<u8> {
        self.add(pattern)
    }

    /// Rewrites every key argument of `args` (the whole command, name
    /// first) into the namespace; their positions.
    pub fn rewrite(&self, spec: &CommandSpec, args: &mut [Vec<u8>]) -> Result<Vec<usize>, KeySearchError> {
        let positions = spec.key_positions(args)?;
        for &position in &positions {
            if let Some(arg) = args.get_mut(position) {
                *arg = self.add(arg);
            }
        }
        Ok(positions)
    }

    /// Takes the prefix out of the key names a reply carries, for the
    /// commands whose replies name keys.
    pub fn strip_reply(&self, command: &str, reply: &mut Reply) {
        if let Reply::Error(text) = reply {
            // Redis names keys in some errors (`XPENDING`'s NOGROUP, …).
            let prefix = String::from_utf8_lossy(&self.prefix);
            if text.contains(prefix.as_ref()) {
                *text = text.replace(prefix.as_ref(), "");
            }
            return;
        }
        match command {
            // [key, [elements…]] or nil
            "LMPOP" | "ZMPOP" | "BLMPOP" | "BZMPOP" => {
                if let Reply::Array(items) = reply {
                    if let Some(key) = items.first_mut() {
                        self.strip_bulk(key);
                    }
                }
            }
            // [[key, entries], …]
            "XREAD" | "XREADGROUP" => {
                if let Reply::Array(streams) = reply {
                    for stream in streams {
                        if let Reply::Array(pair) = stream {
                            if let Some(key) = pair.first_mut() {
                                self.strip_bulk(key);
                            }
                        }
                    }
                }
            }
            // [key, member, score] or nil
            "BZPOPMIN" | "BZPOPMAX" | "BLPOP" | "BRPOP" => {
                if let Reply::Array(items) = reply {
                    if let Some(key) = items.first_mut() {
                        self.strip_bulk(key);
                    }
                }
            }
            // Listings keep only this namespace's keys, whatever Redis sent.
            "KEYS" => {
                if let Reply::Array(keys) = reply {
                    self.keep_own(keys);
                }
            }
            // [cursor, [keys…]]
            "SCAN" => {
                if let Reply::Array(parts) = reply {
                    if let Some(Reply::Array(keys)) = parts.get_mut(1) {
                        self.keep_own(keys);
                    }
                }
            }
            "RANDOMKEY" => self.strip_bulk(reply),
            _ => {}
        }
    }

    /// Drops the keys outside the namespace and strips the prefix of the rest.
    fn keep_own(&self, keys: &mut Vec<Reply>) {
        keys.retain(|k| matches!(k, Reply::Bulk(b) if b.starts_with(&self.prefix)));
        keys.iter_mut().for_each(|k| self.strip_bulk(k));
    }

    fn strip_bulk(&self, reply: &mut Reply) {
        if let Reply::Bulk(bytes) = reply {
            if let Some(stripped) = self.strip(bytes) {
                *bytes = stripped.to_vec();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::commands::resolve;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    fn rewritten(words: &[&str]) -> Vec<String> {
        let ns = Namespace::for_session("ab");
        let mut argv = args(words);
        let spec = resolve(&argv).expect("known command");
        ns.rewrite(spec, &mut argv).expect("keys known");
        argv.into_iter().map(|a| String::from_utf8(a).expect("utf8")).collect()
    }

    #[test]
    fn prefix_is_a_cluster_hash_tag() {
        assert_eq!(Namespace::for_session("ab").prefix(), b"{s:ab}:");
    }

    #[test]
    fn rewrites_keys_where_redis_looks_for_them() {
        assert_eq!(rewritten(&["SET", "k", "v"]), ["SET", "{s:ab}:k", "v"]);
        assert_eq!(rewritten(&["MSET", "a", "1", "b", "2"]), ["MSET", "{s:ab}:a", "1", "{s:ab}:b", "2"]);
        assert_eq!(
            rewritten(&["ZUNIONSTORE", "d", "2", "WEIGHTS", "STORE", "WEIGHTS", "1", "2"]),
            ["ZUNIONSTORE", "{s:ab}:d", "2", "{s:ab}:WEIGHTS", "{s:ab}:STORE", "WEIGHTS", "1", "2"]
        );
        assert_eq!(
            rewritten(&["XREAD", "COUNT", "2", "STREAMS", "STREAMS", "s2", "0", "0"]),
            ["XREAD", "COUNT", "2", "STREAMS", "{s:ab}:STREAMS", "{s:ab}:s2", "0", "0"]
        );
        assert_eq!(
            rewritten(&["LMOVE", "a", "b", "LEFT", "RIGHT"]),
            ["LMOVE", "{s:ab}:a", "{s:ab}:b", "LEFT", "RIGHT"]
        );
        assert_eq!(rewritten(&["PING"]), ["PING"]);
    }

    #[test]
    fn unknowable_keys_are_an_error() {
        let ns = Namespace::for_session("ab");
        let mut argv = args(&["SORT", "k", "BY", "w_*"]);
        let spec = resolve(&argv).expect("known");
        assert!(ns.rewrite(spec, &mut argv).is_err());
    }

    #[test]
    fn strips_key_names_from_replies() {
        let ns = Namespace::for_session("ab");
        let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
        let mut keys = Reply::Array(vec![bulk("{s:ab}:k1"), bulk("{s:zz}:other"), bulk("{s:ab}:k2")]);
        ns.strip_reply("KEYS", &mut keys);
        assert_eq!(keys, Reply::Array(vec![bulk("k1"), bulk("k2")]));
        let mut scan = Reply::Array(vec![bulk("0"), Reply::Array(vec![bulk("{s:ab}:x")])]);
        ns.strip_reply("SCAN", &mut scan);
        assert_eq!(scan, Reply::Array(vec![bulk("0"), Reply::Array(vec![bulk("x")])]));
        let mut lmpop = Reply::Array(vec![bulk("{s:ab}:l"), Reply::Array(vec![bulk("{s:ab}:not-a-key")])]);
        ns.strip_reply("LMPOP", &mut lmpop);
        assert_eq!(lmpop, Reply::Array(vec![bulk("l"), Reply::Array(vec![bulk("{s:ab}:not-a-key")])]));
        let mut nogroup = Reply::Error("NOGROUP No such key '{s:ab}:st' or consumer group 'g'".into());
        ns.strip_reply("XPENDING", &mut nogroup);
        assert_eq!(nogroup, Reply::Error("NOGROUP No such key 'st' or consumer group 'g'".into()));
        let mut get = bulk("{s:ab}:value");
        ns.strip_reply("GET", &mut get);
        assert_eq!(get, bulk("{s:ab}:value"), "values are never touched");
    }
}
