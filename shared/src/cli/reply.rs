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
    /// A bulk string (`$`): arbitrary bytes, not necessarily UTF-8.
    Bulk(Vec<u8>),
    /// An array (`*`), possibly empty, possibly nested.
    Array(Vec<Reply>),
}
