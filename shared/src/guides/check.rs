//! [`Check`]: the closed set of conditions a guide step can ask for, and
//! their one-line syntax in a guide file's ```` ```check ```` block.
//!
//! Each line of a check block is one condition, written as a console line
//! (split by redis-cli's own rules, so `"two words"` is one argument):
//!
//! ```text
//! key_equals my_key my_value
//! key_type k2 hash
//! hash_has_fields k2 name email type
//! count_matches meteorite:* hash loaded
//! ```
//!
//! Several lines must all hold ([`Check::All`]). The server evaluates a
//! check with read-only commands it picks (`GET`, `TYPE`, `HGETALL`,
//! `SCAN`…) in the student's keyspace, so a guide can only ever look.

use serde::{Deserialize, Serialize};

use crate::cli::split_args;
use crate::jobs::Analysis;

/// A condition on the student's Redis (or on Bolide's record of what the
/// student did), evaluated by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// `key` is a string equal to `value` (`GET key` = `value`).
    KeyEquals { key: String, value: String },
    /// `key` exists and `TYPE key` is `type`.
    KeyType {
        key: String,
        #[serde(rename = "type")]
        key_type: KeyKind,
    },
    /// `key` exists (any type).
    KeyExists { key: String },
    /// `key` does not exist.
    KeyAbsent { key: String },
    /// `key` is a hash holding at least these fields.
    HashHasFields { key: String, fields: Vec<String> },
    /// `key` is a hash whose `field` equals `value`.
    HashFieldEquals { key: String, field: String, value: String },
    /// `key` is a list equal to `values`, in order.
    ListEquals { key: String, values: Vec<String> },
    /// `key` is a set holding at least these members.
    SetContains { key: String, members: Vec<String> },
    /// `key` is a string holding a JSON object with at least these fields
    /// (what `r.set(key, json.dumps({...}))` writes).
    JsonHasFields { key: String, fields: Vec<String> },
    /// The number of keys matching the glob `pattern` (of `type`, when
    /// given) equals `equals`.
    CountMatches {
        pattern: String,
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        key_type: Option<KeyKind>,
        equals: CountTarget,
    },
    /// `GET /api/data/verify` reports the loaded data intact (key count
    /// equals the file's object count, every record has its fields).
    DataVerified,
    /// A job of the student's (of `analysis`, when given) has succeeded.
    JobSucceeded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        analysis: Option<Analysis>,
    },
    /// The persistence exercise: the student's last restart of the embedded
    /// Redis was with (or without) persistence.
    Restarted { persistence: Persistence },
    /// Every one of these holds (a check block of several lines).
    All { checks: Vec<Check> },
}

/// The value types `TYPE` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    String,
    List,
    Set,
    Hash,
    Zset,
    Stream,
}

impl KeyKind {
    pub const ALL: [KeyKind; 6] =
        [KeyKind::String, KeyKind::List, KeyKind::Set, KeyKind::Hash, KeyKind::Zset, KeyKind::Stream];

    /// The name `TYPE` answers (and `SCAN … TYPE` takes).
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::String => "string",
            KeyKind::List => "list",
            KeyKind::Set => "set",
            KeyKind::Hash => "hash",
            KeyKind::Zset => "zset",
            KeyKind::Stream => "stream",
        }
    }

    pub fn from_name(name: &str) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The command that creates a value of this type, for hints.
    pub fn writer(self) -> &'static str {
        match self {
            KeyKind::String => "SET",
            KeyKind::List => "RPUSH",
            KeyKind::Set => "SADD",
            KeyKind::Hash => "HSET",
            KeyKind::Zset => "ZADD",
            KeyKind::Stream => "XADD",
        }
    }
}

/// What [`Check::CountMatches`] compares the count with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountTarget {
    /// This many keys (`{"exactly": 3}`).
    Exactly(u64),
    /// As many as the records in the last dataset loaded into this
    /// keyspace (`"loaded_dataset"`).
    LoadedDataset,
}

/// With or without persistence, for [`Check::Restarted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    On,
    Off,
}

/// Longest key, field or value a check line may name.
const MAX_ARG_LEN: usize = 1024;

impl Check {
    /// Parses one line of a check block. The error is for the author: it
    /// names what is wrong and shows the expected form.
    pub fn parse_line(line: &str) -> Result<Check, String> {
        let args =
            split_args(line).map_err(|_| "unbalanced quotes or text after a closing quote".to_string())?;
        let mut words = Vec::with_capacity(args.len());
        for arg in args {
            let word = String::from_utf8(arg).map_err(|_| "an argument is not UTF-8".to_string())?;
            if word.is_empty() || word.len() > MAX_ARG_LEN {
                return Err(format!("arguments must be 1 to {MAX_ARG_LEN} bytes long"));
            }
            words.push(word);
        }
        let Some((name, rest)) = words.split_first() else {
            return Err("empty check line".to_string());
        };
        let usage = |form: &str| format!("expected `{name} {form}`");
        let key = || rest.first().cloned().ok_or_else(|| usage("KEY …"));
        match name.as_str() {
            "key_equals" => match rest {
                [key, value] => Ok(Check::KeyEquals { key: key.clone(), value: value.clone() }),
                _ => Err(usage("KEY VALUE")),
            },
            "key_type" => match rest {
                [key, kind] => Ok(Check::KeyType { key: key.clone(), key_type: parse_kind(kind)? }),
                _ => Err(usage("KEY TYPE")),
            },
            "key_exists" | "key_absent" => match rest {
                [key] if name == "key_exists" => Ok(Check::KeyExists { key: key.clone() }),
                [key] => Ok(Check::KeyAbsent { key: key.clone() }),
                _ => Err(usage("KEY")),
            },
            "hash_has_fields" | "set_contains" | "json_has_fields" => {
                let key = key()?;
                let items = rest[1..].to_vec();
                if items.is_empty() {
                    return Err(usage("KEY ITEM [ITEM …]"));
                }
                Ok(match name.as_str() {
                    "hash_has_fields" => Check::HashHasFields { key, fields: items },
                    "set_contains" => Check::SetContains { key, members: items },
                    _ => Check::JsonHasFields { key, fields: items },
                })
            }
            "list_equals" => {
                let key = key()?;
                Ok(Check::ListEquals { key, values: rest[1..].to_vec() })
            }
            "hash_field_equals" => match rest {
                [key, field, value] => Ok(Check::HashFieldEquals {
                    key: key.clone(),
                    field: field.clone(),
                    value: value.clone(),
                }),
                _ => Err(usage("KEY FIELD VALUE")),
            },
            "count_matches" => {
                let (pattern, kind, target) = match rest {
                    [pattern, target] => (pattern, None, target),
                    [pattern, kind, target] => (pattern, Some(parse_kind(kind)?), target),
                    _ => return Err(usage("PATTERN [TYPE] (NUMBER|loaded)")),
                };
                let equals = match target.as_str() {
                    "loaded" => CountTarget::LoadedDataset,
                    number => CountTarget::Exactly(
                        number.parse().map_err(|_| format!("`{number}` is neither a count nor `loaded`"))?,
                    ),
                };
                Ok(Check::CountMatches { pattern: pattern.clone(), key_type: kind, equals })
            }
            "data_verified" => match rest {
                [] => Ok(Check::DataVerified),
                _ => Err(usage("(no arguments)")),
            },
            "job_succeeded" => match rest {
                [] => Ok(Check::JobSucceeded { analysis: None }),
                [analysis] => Analysis::from_name(analysis)
                    .map(|analysis| Check::JobSucceeded { analysis: Some(analysis) })
                    .ok_or_else(|| {
                        let known: Vec<&str> = Analysis::ALL.iter().map(|a| a.name()).collect();
                        format!("unknown analysis `{analysis}` (known: {})", known.join(", "))
                    }),
                _ => Err(usage("[ANALYSIS]")),
            },
            "restarted" => match rest.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["with_persistence"] => Ok(Check::Restarted { persistence: Persistence::On }),
                ["without_persistence"] => Ok(Check::Restarted { persistence: Persistence::Off }),
                _ => Err(usage("with_persistence|without_persistence")),
            },
            other => Err(format!(
                "unknown check `{other}` (known: key_equals, key_type, key_exists, key_absent, \
                 hash_has_fields, hash_field_equals, list_equals, set_contains, json_has_fields, \
                 count_matches, data_verified, job_succeeded, restarted)"
            )),
        }
    }

    /// The conditions this check is made of (itself, unless [`Check::All`]).
    pub fn parts(&self) -> Vec<&Check> {
        match self {
            Check::All { checks } => checks.iter().flat_map(Check::parts).collect(),
            other => vec![other],
        }
    }

    /// Whether the check includes the persistence exercise's restart (its
    /// step gets the restart buttons: the app's page and the server's
    /// loading shell of it).
    pub fn needs_restart(&self) -> bool {
        self.parts().iter().any(|part| matches!(part, Check::Restarted { .. }))
    }

    /// The keys (or key patterns) the check reads, as the student names them.
    pub fn keys(&self) -> Vec<&str> {
        self.parts()
            .into_iter()
            .filter_map(|check| match check {
                Check::KeyEquals { key, .. }
                | Check::KeyType { key, .. }
                | Check::KeyExists { key }
                | Check::KeyAbsent { key }
                | Check::HashHasFields { key, .. }
                | Check::HashFieldEquals { key, .. }
                | Check::ListEquals { key, .. }
                | Check::SetContains { key, .. }
                | Check::JsonHasFields { key, .. } => Some(key.as_str()),
                Check::CountMatches { pattern, .. } => Some(pattern.as_str()),
                Check::DataVerified
                | Check::JobSucceeded { .. }
                | Check::Restarted { .. }
                | Check::All { .. } => None,
            })
            .collect()
    }
}

fn parse_kind(word: &str) -> Result<KeyKind, String> {
    KeyKind::from_name(word)
        .ok_or_else(|| format!("unknown type `{word}` (known: string, list, set, hash, zset, stream)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_persistence_step_is_recognised_by_its_check() {
        assert!(Check::Restarted { persistence: Persistence::Off }.needs_restart());
        let both = Check::All {
            checks: vec![
                Check::KeyExists { key: "k".into() },
                Check::Restarted { persistence: Persistence::On },
            ],
        };
        assert!(both.needs_restart());
        assert!(!Check::KeyExists { key: "k".into() }.needs_restart());
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            Check::parse_line("key_equals my_key \"my value\"").expect("valid"),
            Check::KeyEquals { key: "my_key".into(), value: "my value".into() }
        );
        assert_eq!(
            Check::parse_line("count_matches meteorite:* hash loaded").expect("valid"),
            Check::CountMatches {
                pattern: "meteorite:*".into(),
                key_type: Some(KeyKind::Hash),
                equals: CountTarget::LoadedDataset
            }
        );
        assert_eq!(
            Check::parse_line("count_matches user:* 3").expect("valid"),
            Check::CountMatches { pattern: "user:*".into(), key_type: None, equals: CountTarget::Exactly(3) }
        );
        assert_eq!(
            Check::parse_line("job_succeeded count_per_class").expect("valid"),
            Check::JobSucceeded { analysis: Some(Analysis::CountPerClass) }
        );
        assert_eq!(
            Check::parse_line("list_equals l").expect("valid"),
            Check::ListEquals { key: "l".into(), values: vec![] }
        );
    }

    #[test]
    fn refuses_what_it_does_not_know_and_says_why() {
        for (line, needle) in [
            ("key_eq a b", "unknown check `key_eq`"),
            ("key_equals a", "expected `key_equals KEY VALUE`"),
            ("key_type a hashes", "unknown type `hashes`"),
            ("count_matches a* many", "neither a count nor `loaded`"),
            ("job_succeeded nope", "unknown analysis `nope`"),
            ("hash_has_fields k", "KEY ITEM"),
            ("key_equals \"a b", "unbalanced"),
            ("data_verified now", "no arguments"),
            ("restarted sometimes", "with_persistence"),
        ] {
            let err = Check::parse_line(line).expect_err("refused");
            assert!(err.contains(needle), "{line}: {err}");
        }
    }

    #[test]
    fn json_shape_is_tagged() {
        let check = Check::KeyType { key: "k2".into(), key_type: KeyKind::Hash };
        assert_eq!(
            serde_json::to_string(&check).expect("valid"),
            r#"{"kind":"key_type","key":"k2","type":"hash"}"#
        );
        let count =
            Check::CountMatches { pattern: "m:*".into(), key_type: None, equals: CountTarget::Exactly(2) };
        assert_eq!(
            serde_json::to_string(&count).expect("valid"),
            r#"{"kind":"count_matches","pattern":"m:*","equals":{"exactly":2}}"#
        );
    }
}
