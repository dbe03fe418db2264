//! When the Redis that Bolide serves converts a small collection from its
//! compact encoding to its full one: its thresholds, read from the server
//! once, at start ([`Encodings::read`]), and carried in the
//! [`crate::console::Limits`] (and a sandbox's
//! [`crate::sandbox::quota::Quota`]) to every bound that depends on them.
//!
//! # Why read them
//! A write that keeps a hash, sorted set or set compact (a `listpack`, an
//! `intset`) adds a few bytes per element; one that takes it past a
//! threshold makes Redis rebuild it as a `hashtable` or `skiplist`, several
//! times larger ([`super::growth`]). The thresholds are the server's
//! configuration (`hash-max-listpack-entries`, …), not constants: a
//! distribution may raise them (Debian's `redis-server` keeps hashes
//! compact up to 512 entries, not 128), an instructor may lower them. A
//! bound that assumed higher thresholds than the server's would price a
//! write that converts as one that stays compact: on a Redis converting at
//! 8 entries, Redis 7.0's defaults reserve new hashes, sets and sorted sets
//! of 20 at half what Redis allocates, and a sandbox filling a 4 MiB quota
//! with them holds 8.4 MB (`quota_exact.rs`). So the server's own are used.
//!
//! # How
//! One `CONFIG GET` per name, in one pipeline ([`Encodings::request`]):
//! every Redis version answers that form, an unknown name with nothing.
//! The names are Redis 7.0's (`*-max-listpack-*`, `set-max-intset-entries`)
//! and their older `*-max-ziplist-*` aliases, which Redis 7.0 answers with
//! the same value (an older Redis knows only the aliases); where both
//! answer, the lower is taken. `set-max-listpack-entries`/`-value` exist
//! from Redis 7.2 (sets of strings kept as listpacks): read when the
//! server knows them, and then a set is compact only within both its
//! intset and listpack limits.
//!
//! # When they cannot be read: nothing is compact
//! A managed Redis may rename `CONFIG`, an ACL may refuse it, Redis may be
//! down as Bolide starts. Bolide then assumes every threshold is 0
//! ([`Encodings::NONE_COMPACT`]) and says so once in its log. That is the
//! safe side: with lower thresholds than the server's, Bolide counts a
//! write as making (or converting to) the full encoding where Redis keeps
//! the compact one — it reserves more than Redis allocates, and a
//! measurement gives the difference back; it can never reserve less. The
//! price is room: small hashes reserve their hashtable cost (a landing's
//! `HSET` ~1,310 bytes rather than ~630) and the data API estimates
//! records as hashtables.
//!
//! # When they change
//! They are read at start only. An instructor who changes them with
//! `CONFIG SET` (or in the config file) restarts Bolide after: raising them
//! only over-reserves meanwhile, but lowering them makes Bolide
//! under-reserve until it reads them again (README: *Hosting a class
//! safely*).

use redis::Value;

/// The thresholds of one listpack encoding: the most entries it holds and
/// the longest element (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listpack {
    pub entries: u64,
    pub value: u64,
}

/// The server's compact-encoding thresholds (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encodings {
    /// `hash-max-listpack-entries`, `hash-max-listpack-value`.
    pub hash: Listpack,
    /// `zset-max-listpack-entries`, `zset-max-listpack-value` (geo sets too).
    pub zset: Listpack,
    /// `set-max-intset-entries`.
    pub intset_entries: u64,
    /// `set-max-listpack-entries`, `set-max-listpack-value` (Redis 7.2+;
    /// `None`: a server without listpack sets).
    pub set: Option<Listpack>,
}

/// A setting Bolide reads: its Redis 7 name and its older alias.
struct Setting {
    name: &'static str,
    alias: Option<&'static str>,
}

/// The settings, in [`Encodings::request`]'s order.
const SETTINGS: [Setting; 7] = [
    Setting { name: "hash-max-listpack-entries", alias: Some("hash-max-ziplist-entries") },
    Setting { name: "hash-max-listpack-value", alias: Some("hash-max-ziplist-value") },
    Setting { name: "zset-max-listpack-entries", alias: Some("zset-max-ziplist-entries") },
    Setting { name: "zset-max-listpack-value", alias: Some("zset-max-ziplist-value") },
    Setting { name: "set-max-intset-entries", alias: None },
    Setting { name: "set-max-listpack-entries", alias: None },
    Setting { name: "set-max-listpack-value", alias: None },
];

impl Encodings {
    /// Redis 7.0's own defaults (upstream's: Debian's build keeps hashes
    /// compact up to 512 entries): what [`crate::console::Limits`] holds
    /// until `bolide serve` reads the server's.
    pub const REDIS_7_0: Encodings = Encodings {
        hash: Listpack { entries: 128, value: 64 },
        zset: Listpack { entries: 128, value: 64 },
        intset_entries: 512,
        set: None,
    };

    /// Nothing compact: the safe assumption when the thresholds cannot be
    /// read (see the module docs).
    pub const NONE_COMPACT: Encodings = Encodings {
        hash: Listpack { entries: 0, value: 0 },
        zset: Listpack { entries: 0, value: 0 },
        intset_entries: 0,
        set: None,
    };

    /// The pipeline that asks the server (read back with [`Encodings::from_replies`]).
    pub fn request() -> redis::Pipeline {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for setting in &SETTINGS {
            for name in std::iter::once(setting.name).chain(setting.alias) {
                pipe.cmd("CONFIG").arg("GET").arg(name);
            }
        }
        pipe
    }

    /// The thresholds from [`Encodings::request`]'s replies, or why they
    /// cannot be read (a refusal, a setting no name of which answered, a
    /// value that is not a number).
    pub fn from_replies(replies: &[Value]) -> Result<Encodings, String> {
        let mut replies = replies.iter();
        let mut values = [None; SETTINGS.len()];
        for (setting, value) in SETTINGS.iter().zip(&mut values) {
            for name in std::iter::once(setting.name).chain(setting.alias) {
                let answer = match replies.next() {
                    Some(Value::ServerError(err)) => {
                        return Err(format!("CONFIG GET {name} was refused: {err}"));
                    }
                    Some(reply) => setting_of(reply, name)?,
                    None => return Err(format!("no reply to CONFIG GET {name}")),
                };
                *value = match (*value, answer) {
                    (Some(a), Some(b)) => Some(u64::min(a, b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let required = |i: usize| {
            values[i]
                .ok_or_else(|| format!("the server does not know {} (Redis 7 or later?)", SETTINGS[i].name))
        };
        Ok(Encodings {
            hash: Listpack { entries: required(0)?, value: required(1)? },
            zset: Listpack { entries: required(2)?, value: required(3)? },
            intset_entries: required(4)?,
            // A server that knows one of the two knows both; should it not,
            // the one missing is 0 (nothing compact by it).
            set: (values[5].is_some() || values[6].is_some())
                .then(|| Listpack { entries: values[5].unwrap_or(0), value: values[6].unwrap_or(0) }),
        })
    }

    /// Reads the thresholds of the server behind `conn`; when it cannot,
    /// logs why and answers [`Encodings::NONE_COMPACT`] (see the module docs).
    pub async fn read(conn: &mut impl redis::aio::ConnectionLike) -> Encodings {
        let read = match Encodings::request().query_async::<Vec<Value>>(conn).await {
            Ok(replies) => Encodings::from_replies(&replies),
            Err(err) => Err(err.to_string()),
        };
        match read {
            Ok(encodings) => {
                tracing::info!(?encodings, "Redis's compact-encoding thresholds");
                encodings
            }
            Err(why) => Encodings::unread(&why),
        }
    }

    /// What Bolide assumes when it cannot read the thresholds (`why`, said
    /// in its log): nothing compact (see the module docs).
    pub fn unread(why: &str) -> Encodings {
        tracing::warn!(
            %why,
            "cannot read Redis's compact-encoding thresholds: the memory quotas assume nothing is compact \
             (safe, but small hashes, sets and sorted sets reserve their full encoding's cost)"
        );
        Encodings::NONE_COMPACT
    }

    /// The most entries a set holds compact: its intset's limit, and its
    /// listpack's when the server has listpack sets (an intset past its
    /// limit may become a listpack, a listpack past its own a hashtable).
    pub fn set_entries(&self) -> u64 {
        self.set.map_or(self.intset_entries, |set| set.entries.min(self.intset_entries))
    }
}

/// The value of `name` in a `CONFIG GET` reply (a name and value pair, in
/// an array or a RESP3 map); `None` when the server does not know it.
fn setting_of(reply: &Value, name: &str) -> Result<Option<u64>, String> {
    let pairs: Vec<(&Value, &Value)> = match reply {
        Value::Array(items) => items.chunks_exact(2).map(|pair| (&pair[0], &pair[1])).collect(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        other => return Err(format!("CONFIG GET {name} answered {other:?}")),
    };
    let text = |v: &Value| match v {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(text) => text.clone(),
        other => format!("{other:?}"),
    };
    let Some((_, value)) = pairs.into_iter().find(|(key, _)| text(key).eq_ignore_ascii_case(name)) else {
        return Ok(None);
    };
    let value = text(value);
    value.parse().map(Some).map_err(|_| format!("CONFIG GET {name} answered {value:?}, not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: &str) -> Value {
        Value::Array(vec![
            Value::BulkString(name.as_bytes().to_vec()),
            Value::BulkString(value.as_bytes().to_vec()),
        ])
    }

    /// Replies in [`Encodings::request`]'s order, each name answering
    /// `answer(name)` (`None`: the server does not know it).
    fn replies(answer: impl Fn(&str) -> Option<&'static str>) -> Vec<Value> {
        SETTINGS
            .iter()
            .flat_map(|s| std::iter::once(s.name).chain(s.alias))
            .map(|name| answer(name).map_or(Value::Array(Vec::new()), |value| pair(name, value)))
            .collect()
    }

    #[test]
    fn thresholds_are_read_from_the_replies() {
        assert_eq!(Encodings::request().len(), 11, "each name and alias");
        // Redis 7.0's defaults, its aliases answering alike.
        let defaults = replies(|name| match name {
            n if n.ends_with("-entries") && n.starts_with("set-max-intset") => Some("512"),
            n if n.starts_with("set-max-listpack") => None,
            n if n.ends_with("-entries") => Some("128"),
            _ => Some("64"),
        });
        assert_eq!(Encodings::from_replies(&defaults), Ok(Encodings::REDIS_7_0));
        // A low configuration, and Redis 7.2's listpack sets.
        let low = replies(|name| match name {
            "hash-max-listpack-value" | "hash-max-ziplist-value" => Some("16"),
            "set-max-listpack-value" => Some("32"),
            n if n.ends_with("-value") => Some("64"),
            _ => Some("8"),
        });
        let low = Encodings::from_replies(&low).expect("read");
        assert_eq!(low.hash, Listpack { entries: 8, value: 16 });
        assert_eq!((low.zset.entries, low.intset_entries), (8, 8));
        assert_eq!(low.set, Some(Listpack { entries: 8, value: 32 }));
        // An older Redis knows only the aliases; where the two disagree,
        // the lower counts.
        let older = replies(|name| match name {
            n if n.contains("listpack") => None,
            "zset-max-ziplist-entries" => Some("4"),
            n if n.ends_with("-entries") => Some("128"),
            _ => Some("64"),
        });
        let older = Encodings::from_replies(&older).expect("read");
        assert_eq!((older.hash.entries, older.zset.entries, older.set), (128, 4, None));
        let mut disagree = defaults.clone();
        disagree[1] = pair("hash-max-ziplist-entries", "100");
        assert_eq!(Encodings::from_replies(&disagree).map(|e| e.hash.entries), Ok(100));
        // A RESP3 map.
        let mut map = defaults.clone();
        map[0] = Value::Map(vec![(
            Value::BulkString(b"hash-max-listpack-entries".to_vec()),
            Value::BulkString(b"7".to_vec()),
        )]);
        assert_eq!(Encodings::from_replies(&map).map(|e| e.hash.entries), Ok(7));
    }

    #[test]
    fn what_cannot_be_read_is_an_error_and_the_fallback_is_nothing_compact() {
        let refused =
            redis::parse_redis_value(b"-ERR unknown command 'CONFIG', with args beginning with: \r\n")
                .expect("an error reply");
        let renamed = vec![refused; replies(|_| None).len()];
        assert!(Encodings::from_replies(&renamed).is_err_and(|why| why.contains("refused")));
        assert!(Encodings::from_replies(&replies(|_| None)).is_err_and(|why| why.contains("does not know")));
        let words = replies(|_| Some("many"));
        assert!(Encodings::from_replies(&words).is_err_and(|why| why.contains("not a number")));
        assert!(Encodings::from_replies(&[]).is_err());
        // The fallback holds nothing compact: every set, hash and sorted
        // set is priced in its full encoding.
        let none = Encodings::NONE_COMPACT;
        assert_eq!((none.hash.entries, none.zset.entries, none.set_entries()), (0, 0, 0));
    }

    #[test]
    fn a_set_is_compact_within_its_intset_and_listpack_limits() {
        assert_eq!(Encodings::REDIS_7_0.set_entries(), 512);
        let listpack_sets =
            Encodings { set: Some(Listpack { entries: 128, value: 64 }), ..Encodings::REDIS_7_0 };
        assert_eq!(listpack_sets.set_entries(), 128);
    }
}
