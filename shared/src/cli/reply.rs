//! The shape of a Redis reply, as the console shows it.
//!
//! This mirrors RESP2, the protocol redis-cli 7.0 speaks by default, rather
//! than any client library's value type: the server converts from whatever its
//! Redis client hands it, the browser formats it with
//! [`format_reply`](super::format_reply), and both sides agree on this one
//! type. Keeping the distinctions redis-cli keeps (a status is not a bulk
//! string, an error is a value) is what lets the console print `OK` where
//! redis-cli prints `OK` and `"OK"` where it prints `"OK"`.

use serde::{Deserialize, Serialize};

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The null bulk string (`$-1`), e.g. `GET` of a missing key.
    Nil,
    /// The null array (`*-1`), e.g. `BLPOP` timing out. redis-cli prints it
    /// exactly like [`Reply::Nil`]; it is kept apart so that nothing is lost
    /// between the server and the browser.
    NilArray,
    /// An integer reply (`:`).
    Integer(i64),
    /// A simple string (`+`), such as `OK` or `QUEUED`. Printed without
    /// quotes.
    Status(String),
    /// An error reply (`-`), the whole line including its code, e.g.
    /// `ERR unknown command ...` or `WRONGTYPE Operation against ...`.
    Error(String),
    /// A bulk string (`$`): arbitrary bytes, not necessarily UTF-8 (in
    /// JSON a string when they are UTF-8: [`bulk`]).
    Bulk(#[serde(with = "bulk")] Vec<u8>),
    /// An array (`*`), possibly empty, possibly nested.
    Array(Vec<Reply>),
}

/// A bulk string's bytes in JSON: a string when they are UTF-8 (almost
/// every value), else an array of byte values, as serde writes a `Vec<u8>`.
///
/// Why: as an array, each byte took up to four characters, and a console
/// answer showing 1 MiB of a value was a 5 MB response that Bolide built
/// in memory (`attack.rs`: a `GET` of a 64 MiB value, its cost to Bolide).
mod bulk {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => serializer.collect_seq(bytes),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_any(BulkVisitor)
    }

    struct BulkVisitor;

    impl<'de> Visitor<'de> for BulkVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or an array of bytes")
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Vec<u8>, E> {
            Ok(text.as_bytes().to_vec())
        }

        fn visit_string<E: Error>(self, text: String) -> Result<Vec<u8>, E> {
            Ok(text.into_bytes())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
            while let Some(byte) = seq.next_element::<u8>()? {
                bytes.push(byte);
            }
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reply;

    #[test]
    fn a_bulk_string_is_a_json_string_when_utf8_and_bytes_else_and_reads_back() {
        let text = Reply::Array(vec![Reply::Bulk(b"h\xc3\xa9llo".to_vec()), Reply::Bulk(Vec::new())]);
        let json = serde_json::to_string(&text).expect("JSON");
        assert_eq!(json, r#"{"Array":[{"Bulk":"héllo"},{"Bulk":""}]}"#);
        assert_eq!(serde_json::from_str::<Reply>(&json).expect("read back"), text);

        let binary = Reply::Bulk(b"\x00\xff".to_vec());
        let json = serde_json::to_string(&binary).expect("JSON");
        assert_eq!(json, r#"{"Bulk":[0,255]}"#);
        assert_eq!(serde_json::from_str::<Reply>(&json).expect("read back"), binary);
        assert!(serde_json::from_str::<Reply>(r#"{"Bulk":[256]}"#).is_err(), "not a byte");
    }
}
