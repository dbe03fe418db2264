//! JSON shapes of the Keys browser (`/api/keys…`): a tree of the student's
//! keys by delimiter, one key's value per type, and the edits.
//!
//! Redis keys and values are bytes, JSON strings are text: every name or
//! element is a [`Blob`], a plain JSON string when it is UTF-8 and
//! `{"base64": "…"}` when it is not, so nothing is lost either way.
//! Every answer lists the exact commands it ran ([`RanCommand`]), as
//! redis-cli would take them, so the page can show them and put them into
//! the console.

use serde::{Deserialize, Serialize};

use crate::cli::{quote_arg, Reply};
use crate::snippets;

mod read;

/// Bytes as JSON: the text when it is UTF-8, else `{"base64": "…"}`
/// (read by hand: [`read`] says why).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Blob {
    Text(String),
    Binary { base64: String },
}

impl Blob {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Blob::Text(text.to_string()),
            Err(_) => Blob::Binary { base64: base64_encode(bytes) },
        }
    }

    /// The bytes, or why the base64 is not base64.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            Blob::Text(text) => Ok(text.as_bytes().to_vec()),
            Blob::Binary { base64 } => base64_decode(base64),
        }
    }

    /// For people: the text, or the bytes with `\xNN` escapes as redis-cli
    /// prints them.
    pub fn display(&self) -> String {
        match self {
            Blob::Text(text) => text.clone(),
            Blob::Binary { .. } => {
                let bytes = self.to_bytes().unwrap_or_default();
                let quoted = crate::cli::repr(&bytes);
                quoted.trim_matches('"').to_string()
            }
        }
    }
}

impl From<&str> for Blob {
    fn from(text: &str) -> Self {
        Blob::Text(text.to_string())
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 (padding optional), or what is wrong with it.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).ok_or("not base64")? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if bits >= 6 {
        return Err("not base64 (wrong length)".into());
    }
    Ok(out)
}

/// One command an answer ran, as the console would take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RanCommand {
    /// The redis-cli line (arguments quoted as redis-cli reads them back).
    pub cli: String,
    /// The same call with redis-py ([`snippets::python`]'s code). The server
    /// writes it, so the keys page's bundle carries none of the snippet
    /// tables (issue #17: a first visit's bytes).
    pub python: String,
    /// Redis's reply, for edits (reads leave it out: it is the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
}

impl RanCommand {
    /// `args` as Redis got them, name first; `reply` when the answer keeps
    /// it.
    pub fn new<A: AsRef<[u8]>>(args: &[A], reply: Option<Reply>) -> Self {
        Self {
            cli: args.iter().map(|a| quote_arg(a.as_ref())).collect::<Vec<_>>().join(" "),
            python: snippets::python(args, reply.as_ref()).code,
            reply,
        }
    }
}

/// `GET /api/keys`: one page of the tree under `prefix`.
///
/// A page is one stretch of `SCAN`: `folders` and `keys` are what this
/// stretch found (a folder's `keys` counts its keys seen in this page);
/// the client adds pages up until `cursor` is `"0"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPage {
    pub prefix: Blob,
    pub delimiter: Blob,
    /// The next level down: names before the next delimiter.
    pub folders: Vec<Folder>,
    /// Keys at this level (no delimiter after the prefix).
    pub keys: Vec<KeyEntry>,
    /// `SCAN`'s cursor for the next page; `"0"` when done.
    pub cursor: String,
    /// Key names this page looked at (in folders and here).
    pub scanned: u64,
    pub commands: Vec<RanCommand>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    /// The part between the prefix and the delimiter.
    pub name: Blob,
    /// The prefix to list the folder with: prefix, name, delimiter.
    pub prefix: Blob,
    /// Its keys (at any depth) seen in this page.
    pub keys: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub key: Blob,
    /// `TYPE`: `string`, `list`, `set`, `zset`, `hash`, `stream`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `PTTL`; `None` when the key does not expire.
    pub ttl_ms: Option<i64>,
}

/// `GET /api/keys/value`: one key, its metadata and a page of its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: Blob,
    #[serde(rename = "type")]
    pub kind: String,
    /// `OBJECT ENCODING` (`listpack`, `hashtable`, `int`, `embstr`…).
    pub encoding: Option<String>,
    pub ttl_ms: Option<i64>,
    /// `MEMORY USAGE` (bytes, key and overhead included).
    pub memory_bytes: Option<u64>,
    /// Bytes of a string, fields of a hash, elements of the others.
    pub length: u64,
    /// Where this page starts (elements of a list, set, …).
    pub offset: u64,
    pub value: Value,
    pub commands: Vec<RanCommand>,
}

/// A value, shaped by its type (the `type` beside it says which); read
/// by hand ([`read`]), by its first JSON token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A stream's entries.
    Stream(Vec<StreamEntry>),
    /// A hash's `[field, value]`, a sorted set's `[member, score]` (the
    /// score as Redis writes it).
    Pairs(Vec<(Blob, Blob)>),
    /// A list's elements (in order) or a set's members.
    Items(Vec<Blob>),
    /// A string.
    String(StringValue),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringValue {
    /// The bytes as text, when they are UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The bytes (at most the first [`MAX_STRING_BYTES`]).
    pub base64: String,
    /// The text pretty-printed, when it parses as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// Bytes beyond the ones sent.
    #[serde(default)]
    pub truncated: u64,
}

/// Most bytes of a string a value answer carries.
pub const MAX_STRING_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamEntry {
    pub id: String,
    pub fields: Vec<(Blob, Blob)>,
}

/// `GET /api/keys/cost?key=K` or `?prefix=P`: what keys cost in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyCost {
    /// One hash, and the same fields as one JSON string.
    Hash(HashCost),
    /// Every key under a prefix.
    Prefix(PrefixCost),
}

/// One hash's `MEMORY USAGE` beside the same fields stored as one JSON
/// string (both measured by Redis, key name and per-key overhead included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashCost {
    pub key: Blob,
    /// `HLEN`.
    pub fields: u64,
    /// `OBJECT ENCODING` (`listpack` for a small hash, else `hashtable`).
    pub encoding: Option<String>,
    /// `MEMORY USAGE key`.
    pub hash_bytes: u64,
    /// The same fields as one JSON string; `None` when the hash has more
    /// fields than one reply may carry (`json_note` says so).
    pub json: Option<JsonCost>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_note: Option<String>,
    pub commands: Vec<RanCommand>,
}

/// The hash's fields as one JSON object string, written to a scratch key
/// of Bolide's own (never the student's database), measured and deleted
/// in one `MULTI`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonCost {
    /// `MEMORY USAGE` of the scratch key.
    pub bytes: u64,
    /// Length of the JSON text.
    pub string_bytes: u64,
    /// `OBJECT ENCODING` of the string (`embstr` or `raw`).
    pub encoding: Option<String>,
    /// The scratch key's name (its length counts in `bytes`, as the
    /// student's key name counts in `hash_bytes`).
    pub scratch_key: String,
    /// The JSON text measured.
    pub text: String,
    /// What Bolide ran in its own database, with the replies.
    pub commands: Vec<RanCommand>,
}

/// Most keys a prefix's cost measures one by one (`MEMORY USAGE`).
pub const MAX_COST_MEASURED: u64 = 1000;

/// The keys under a prefix: how many, and their `MEMORY USAGE` summed —
/// exact up to [`MAX_COST_MEASURED`] keys, an estimate past that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixCost {
    pub prefix: Blob,
    /// Keys under the prefix `SCAN` found.
    pub keys: u64,
    /// Whether `SCAN` went through the whole keyspace (else `keys` is a
    /// lower bound: the scan stopped at its bound).
    pub complete: bool,
    /// Keys measured (`MEMORY USAGE` each).
    pub measured: u64,
    /// Their `MEMORY USAGE` summed.
    pub measured_bytes: u64,
    /// All of them: `measured_bytes` when every key was measured, else
    /// the sample's mean times `keys` (`estimated`).
    pub total_bytes: u64,
    pub estimated: bool,
    pub commands: Vec<RanCommand>,
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    Left,
    Right,
}

/// `POST /api/keys/{op}`: the body is the edit's fields, `op` its route
/// (`hash_set` → `POST /api/keys/hash_set`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyEdit {
    /// `SET key value` (keeps no TTL, as `SET` does).
    StringSet { key: Blob, value: Blob },
    /// `HSET key field value`.
    HashSet { key: Blob, field: Blob, value: Blob },
    /// `HDEL key field`.
    HashDelete { key: Blob, field: Blob },
    /// `LPUSH`/`RPUSH key value`.
    ListPush { key: Blob, end: End, value: Blob },
    /// `LPOP`/`RPOP key`.
    ListPop { key: Blob, end: End },
    /// `LSET key index value`.
    ListSet { key: Blob, index: i64, value: Blob },
    /// `SADD key member`.
    SetAdd { key: Blob, member: Blob },
    /// `SREM key member`.
    SetRemove { key: Blob, member: Blob },
    /// `ZADD key score member`.
    ZsetAdd { key: Blob, member: Blob, score: f64 },
    /// `ZREM key member`.
    ZsetRemove { key: Blob, member: Blob },
    /// `RENAMENX key new_key` (never overwrites a key).
    Rename { key: Blob, new_key: Blob },
    /// `DEL key`.
    Delete { key: Blob },
    /// `PEXPIRE key ttl_ms`.
    Expire { key: Blob, ttl_ms: u64 },
    /// `PERSIST key`.
    Persist { key: Blob },
}

impl KeyEdit {
    /// Every route name, as `POST /api/keys/{op}` takes it.
    pub const OPS: &'static [&'static str] = &[
        "string_set",
        "hash_set",
        "hash_delete",
        "list_push",
        "list_pop",
        "list_set",
        "set_add",
        "set_remove",
        "zset_add",
        "zset_remove",
        "rename",
        "delete",
        "expire",
        "persist",
    ];

    /// The route name of this edit.
    pub fn op(&self) -> &'static str {
        match self {
            KeyEdit::StringSet { .. } => "string_set",
            KeyEdit::HashSet { .. } => "hash_set",
            KeyEdit::HashDelete { .. } => "hash_delete",
            KeyEdit::ListPush { .. } => "list_push",
            KeyEdit::ListPop { .. } => "list_pop",
            KeyEdit::ListSet { .. } => "list_set",
            KeyEdit::SetAdd { .. } => "set_add",
            KeyEdit::SetRemove { .. } => "set_remove",
            KeyEdit::ZsetAdd { .. } => "zset_add",
            KeyEdit::ZsetRemove { .. } => "zset_remove",
            KeyEdit::Rename { .. } => "rename",
            KeyEdit::Delete { .. } => "delete",
            KeyEdit::Expire { .. } => "expire",
            KeyEdit::Persist { .. } => "persist",
        }
    }
}

/// What an edit answers: the commands it ran, with Redis's replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditResult {
    pub commands: Vec<RanCommand>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
            let text = base64_encode(&bytes);
            assert_eq!(text.len() % 4, 0);
            assert_eq!(base64_decode(&text).expect("ok"), bytes);
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert!(base64_decode("a!").is_err());
        assert!(base64_decode("a").is_err());
    }

    #[test]
    fn blobs_are_text_or_base64() {
        assert_eq!(serde_json::to_string(&Blob::from_bytes(b"k")).expect("ok"), "\"k\"");
        let binary = Blob::from_bytes(&[0xff, 0]);
        assert_eq!(serde_json::to_string(&binary).expect("ok"), "{\"base64\":\"/wA=\"}");
        assert_eq!(binary.to_bytes().expect("ok"), vec![0xff, 0]);
        let edit: KeyEdit =
            serde_json::from_str(r#"{"op":"hash_set","key":{"base64":"/w=="},"field":"f","value":"v"}"#)
                .expect("ok");
        assert_eq!(edit.op(), "hash_set");
        assert!(KeyEdit::OPS.contains(&edit.op()));
    }

    #[test]
    fn values_read_back_as_their_shape() {
        let shapes = [
            Value::Items(vec!["x".into(), "y".into(), "z".into()]),
            Value::Pairs(vec![(Blob::from_bytes(&[0xfe]), "v".into())]),
            Value::Stream(vec![StreamEntry { id: "1-0".into(), fields: vec![("f".into(), "v".into())] }]),
            Value::String(StringValue { text: None, base64: "/w==".into(), json: None, truncated: 0 }),
        ];
        for value in shapes {
            let text = serde_json::to_string(&value).expect("ok");
            assert_eq!(serde_json::from_str::<Value>(&text).expect("ok"), value, "{text}");
        }
    }
}
