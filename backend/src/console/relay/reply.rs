//! Redis's replies as the console's reply model ([`Reply`]), and what the
//! console shows of them: [`Outcome`] (a reply, or text, with how much was
//! left out), [`shorten`] for replies too long to show, and the error texts
//! Redis sends, exactly as it sends them.

use bolide_shared::cli::{format_reply, format_reply_raw, Reply};
use redis::Value;

use crate::console::cost::Cut;
use crate::error::AppError;

/// What a line produced, before it becomes a [`ConsoleResponse`].
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// The text of an outcome that is not a reply (`HELP`); a reply's text
    /// is made only when the console prints it ([`Outcome::printed`]): the
    /// gateway hands the reply itself to its client.
    pub(super) output: String,
    /// Printed as redis-cli prints `INFO` ([`prints_raw`]).
    pub(super) raw: bool,
    pub(super) error: bool,
    pub(super) reply: Option<Reply>,
    pub(super) command: Option<&'static str>,
    pub(super) clear: bool,
    pub(super) omitted: Option<u64>,
    /// Bytes of a string reply not read (the console read a prefix).
    pub(super) omitted_bytes: Option<u64>,
}

impl Outcome {
    pub(super) fn text(output: impl Into<String>) -> Self {
        Self { output: output.into(), ..Self::default() }
    }

    pub(super) fn error(message: impl Into<String>) -> Self {
        let reply = Reply::Error(message.into());
        Self { error: true, reply: Some(reply), ..Self::default() }
    }

    pub(super) fn reply(reply: Reply, limit: usize) -> Self {
        let (shown, omitted) = shorten(reply, limit);
        Self {
            error: matches!(shown, Reply::Error(_)),
            reply: Some(shown),
            omitted: (omitted > 0).then_some(omitted),
            ..Self::default()
        }
    }

    /// The same reply as redis-cli prints it for `INFO` and the other
    /// commands of [`prints_raw`]: as it is, not quoted.
    pub(super) fn raw(mut self) -> Self {
        self.raw = true;
        self
    }

    /// What the console prints: the reply as redis-cli prints it (with how
    /// many elements were not shown), or the text.
    pub(super) fn printed(&self) -> String {
        match &self.reply {
            None => self.output.clone(),
            Some(reply) if self.raw => format_reply_raw(reply),
            Some(reply) => {
                let mut text = format_reply(reply);
                if let Some(omitted) = self.omitted {
                    text.push_str(&format!("\n(… {omitted} more elements not shown)"));
                }
                if let Some(omitted) = self.omitted_bytes {
                    text.push_str(&format!("\n(… {omitted} more bytes not shown)"));
                }
                text
            }
        }
    }

    pub(super) fn status(text: &str) -> Self {
        Self::reply(Reply::Status(text.to_string()), usize::MAX)
    }

    /// Counts what the console chose not to read ([`Cut`]).
    pub(super) fn with_cut(mut self, cut: Cut) -> Self {
        match cut {
            Cut::None => {}
            Cut::Bytes(n) => self.omitted_bytes = Some(n),
            Cut::Elements(n) => self.omitted = Some(self.omitted.unwrap_or(0) + n),
        }
        self
    }

    /// The reply a program gets (the gateway, the keys page): Redis's,
    /// or the text of an outcome that is not one, with how many array
    /// elements were left out.
    pub(super) fn into_reply(self) -> (Reply, u64) {
        let reply = self.reply.unwrap_or_else(|| Reply::Bulk(self.output.into_bytes()));
        (reply, self.omitted.unwrap_or(0))
    }
}

/// Sends one command and returns Redis's reply — an error reply is a reply
/// too, not a failure.
pub(super) async fn execute(
    conn: &mut impl redis::aio::ConnectionLike,
    args: &[Vec<u8>],
) -> Result<Reply, AppError> {
    match command(args).query_async::<Value>(conn).await {
        Ok(value) => Ok(to_reply(value)),
        Err(err) if err.kind() == redis::ErrorKind::AuthenticationFailed => {
            Err(AppError::AuthFailed(err.to_string()))
        }
        // Redis's reply was not something the client library can read (an
        // error line with bytes that are not UTF-8).
        Err(err) if err.kind() == redis::ErrorKind::Parse => Ok(Reply::Error(UNREADABLE_ERROR.into())),
        Err(err) if is_server_error(&err) => Ok(Reply::Error(server_error_text(&err))),
        Err(err) => Err(err.into()),
    }
}

/// Whether every argument is UTF-8 (else the command needs a connection
/// of its caller's own: [`Relay::isolated_connection`]).
pub fn all_utf8(args: &[Vec<u8>]) -> bool {
    // ASCII (nearly every argument) is told faster than UTF-8 is checked.
    args.iter().all(|a| a.is_ascii() || std::str::from_utf8(a).is_ok())
}

/// Shown when Redis's error line was not UTF-8 (it echoed a binary
/// argument), which the `redis` crate cannot parse.
pub(super) const UNREADABLE_ERROR: &str =
    "ERR Redis answered with an error message Bolide cannot read (it is not UTF-8)";

/// A command made of raw byte arguments, name first.
pub(super) fn command(args: &[Vec<u8>]) -> redis::Cmd {
    // Sized once: no regrowth of its buffers per argument.
    let bytes = args.iter().map(Vec::len).sum();
    let mut cmd = redis::Cmd::with_capacity(args.len(), bytes);
    for arg in args {
        cmd.arg(arg.as_slice());
    }
    cmd
}

pub(super) fn is_server_error(err: &redis::RedisError) -> bool {
    !(err.is_io_error() || err.is_timeout() || err.is_connection_dropped() || err.is_connection_refusal())
        && err.code().is_some()
}

/// The error line exactly as Redis sent it: `CODE detail`.
pub(super) fn server_error_text(err: &redis::RedisError) -> String {
    match (err.code(), err.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => err.to_string(),
    }
}

/// Redis's reply as the console's reply model (RESP2 shapes; RESP3-only
/// types, which a RESP2 connection never sends, are mapped the way Redis
/// would send them over RESP2).
pub fn to_reply(value: Value) -> Reply {
    match value {
        Value::Nil => Reply::Nil,
        Value::Int(n) => Reply::Integer(n),
        Value::BulkString(bytes) => Reply::Bulk(bytes),
        Value::Array(items) | Value::Set(items) => Reply::Array(items.into_iter().map(to_reply).collect()),
        Value::Push { data, .. } => Reply::Array(data.into_iter().map(to_reply).collect()),
        Value::SimpleString(text) => Reply::Status(text),
        Value::Okay => Reply::Status("OK".into()),
        Value::Map(pairs) => {
            Reply::Array(pairs.into_iter().flat_map(|(k, v)| [to_reply(k), to_reply(v)]).collect())
        }
        Value::Attribute { data, .. } => to_reply(*data),
        Value::Double(d) => Reply::Bulk(d.to_string().into_bytes()),
        Value::Boolean(b) => Reply::Integer(i64::from(b)),
        Value::VerbatimString { text, .. } => Reply::Bulk(text.into_bytes()),
        Value::BigNumber(n) => Reply::Bulk(n),
        Value::ServerError(err) => Reply::Error(match err.details() {
            Some(detail) => format!("{} {detail}", err.code()),
            None => err.code().to_string(),
        }),
        other => Reply::Error(format!("ERR Bolide cannot show this reply: {other:?}")),
    }
}

/// Keeps at most `limit` elements in every array of the reply; returns the
/// shortened reply and how many elements were left out in all.
pub fn shorten(reply: Reply, limit: usize) -> (Reply, u64) {
    match reply {
        Reply::Array(items) => {
            let total = items.len();
            let mut omitted = total.saturating_sub(limit) as u64;
            let kept = items
                .into_iter()
                .take(limit)
                .map(|item| {
                    let (item, inner) = shorten(item, limit);
                    omitted += inner;
                    item
                })
                .collect();
            (Reply::Array(kept), omitted)
        }
        other => (other, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_replies_are_shortened_and_counted() {
        let items = (0..10).map(Reply::Integer).collect();
        let (shown, omitted) = shorten(Reply::Array(items), 3);
        assert_eq!(shown, Reply::Array(vec![Reply::Integer(0), Reply::Integer(1), Reply::Integer(2)]));
        assert_eq!(omitted, 7);
        let outcome = Outcome::reply(Reply::Array((0..5).map(Reply::Integer).collect()), 2);
        assert!(outcome.printed().ends_with("(… 3 more elements not shown)"), "{}", outcome.printed());
        assert_eq!(outcome.omitted, Some(3));
    }

    #[test]
    fn resp_values_map_to_replies() {
        assert_eq!(to_reply(Value::Okay), Reply::Status("OK".into()));
        assert_eq!(to_reply(Value::Nil), Reply::Nil);
        assert_eq!(
            to_reply(Value::Array(vec![Value::Int(1), Value::BulkString(b"a".to_vec())])),
            Reply::Array(vec![Reply::Integer(1), Reply::Bulk(b"a".to_vec())])
        );
    }
}
