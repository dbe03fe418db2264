//! Running the browser's commands through the console's relay, and keeping
//! the redis-cli line of each for the answer.

use bolide_shared::cli::Reply;
use bolide_shared::keys::RanCommand;
use futures_util::future::join_all;

use crate::console::relay::Relay;
use crate::console::Limits;
use crate::error::AppError;
use crate::sandbox::store::Session;

/// One request's commands: the relay with a connection's own `MULTI` state
/// (never the console's open transaction), the caller, what ran.
pub struct Runner {
    relay: Relay,
    session: Session,
    /// Keep Redis's replies in [`Runner::commands`] (edits do, reads not).
    pub keep_replies: bool,
    pub commands: Vec<RanCommand>,
}

impl Runner {
    pub fn new(relay: &Relay, mut session: Session) -> Self {
        // The console's selected database stays; its transaction does not.
        session.state.in_tx = false;
        session.state.tx_failed = false;
        Self { relay: relay.for_connection(), session, keep_replies: false, commands: Vec::new() }
    }

    pub fn limits(&self) -> &Limits {
        &self.relay.limits
    }

    fn record(&mut self, args: &[Vec<u8>], reply: &Reply) {
        self.commands.push(RanCommand::new(args, self.keep_replies.then(|| reply.clone())));
    }

    /// Runs one command; its reply and how many array elements the relay
    /// left out (past the console's reply limit).
    pub async fn run_counted(&mut self, args: Vec<Vec<u8>>) -> Result<(Reply, u64), AppError> {
        let mut session = self.session.clone();
        let (reply, omitted) = self.relay.run_command(&mut session, args.clone()).await?;
        self.record(&args, &reply);
        Ok((reply, omitted))
    }

    /// Runs one command; its reply.
    pub async fn run(&mut self, args: Vec<Vec<u8>>) -> Result<Reply, AppError> {
        Ok(self.run_counted(args).await?.0)
    }

    /// Runs independent commands at once (pipelined on the relay's
    /// connection); their replies in order.
    pub async fn run_all(&mut self, batch: Vec<Vec<Vec<u8>>>) -> Result<Vec<Reply>, AppError> {
        let runs = batch.iter().map(|args| {
            let mut session = self.session.clone();
            let relay = &self.relay;
            let args = args.clone();
            async move { relay.run_command(&mut session, args).await }
        });
        let mut replies = Vec::with_capacity(batch.len());
        for (args, result) in batch.iter().zip(join_all(runs).await) {
            let (reply, _) = result?;
            self.record(args, &reply);
            replies.push(reply);
        }
        Ok(replies)
    }
}

/// A command's arguments from anything byte-like.
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        vec![$(AsRef::<[u8]>::as_ref(&$arg).to_vec()),*]
    };
}

/// An error reply as the answer's error: `WRONGTYPE` is a conflict with
/// what the key holds, a quota a refusal, the rest bad input.
pub fn reply_error(command: &str, message: &str) -> AppError {
    if message.starts_with("WRONGTYPE") {
        AppError::Conflict(format!("{command}: {message}"))
    } else if message.contains("quota exceeded") {
        AppError::Forbidden(format!("{command}: {message}"))
    } else {
        AppError::BadRequest { code: "redis_error", message: format!("{command}: {message}") }
    }
}

/// `reply`, unless it is an error: then the answer's error for `command`
/// ([`reply_error`]).
pub fn checked(command: &str, reply: Reply) -> Result<Reply, AppError> {
    match reply {
        Reply::Error(message) => Err(reply_error(command, &message)),
        other => Ok(other),
    }
}

/// An integer reply, or `None`.
pub fn integer(reply: &Reply) -> Option<i64> {
    match reply {
        Reply::Integer(n) => Some(*n),
        _ => None,
    }
}

/// A bulk or status reply as bytes, or `None`.
pub fn bytes(reply: &Reply) -> Option<&[u8]> {
    match reply {
        Reply::Bulk(b) => Some(b),
        Reply::Status(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// An array reply's elements (empty for anything else).
pub fn items(reply: &Reply) -> &[Reply] {
    match reply {
        Reply::Array(items) => items,
        _ => &[],
    }
}
