//! One console line in, what redis-cli would print out.
//!
//! The steps, for every line and both modes (the mode is the sandbox
//! layer's configuration, [`crate::sandbox::Tenancy`]; the limits are the
//! console's):
//! 1. split it as redis-cli does (`bolide_shared::cli::split_args`);
//! 2. check the limits (argument count and sizes);
//! 3. decide with the command table's policy: forward, emulate, or refuse
//!    with a reason (`bolide_shared::commands::policy::decide`);
//! 4. in shared mode, rewrite keys into the session's namespace;
//! 5. bound its cost before it runs ([`super::cost`]: patterns and counts
//!    first, then the sizes of its keys; inside `MULTI`, the sum over the
//!    transaction at `EXEC`), reading only the part of a long reply the
//!    console shows;
//! 6. in shared mode, announce the keys it may create in the sandbox's key
//!    index ([`key_index::track`]; at `EXEC`, the whole transaction's);
//! 7. run it — or queue it, inside `MULTI` — and turn Redis's reply into
//!    redis-cli's text, shortening replies too long to show.

use bolide_shared::api::ConsoleResponse;
use bolide_shared::cli::{format_reply, format_reply_raw, prints_raw, quote_arg, split_args, Reply};
use bolide_shared::commands::policy::{decide, Decision, Mode};
use bolide_shared::commands::{help, CommandSpec};
use redis::Value;

use super::connection_state::StateHome;
use super::cost::{self, Cut, Plan, Sizes};
use super::namespace::Namespace;
use super::Limits;
use crate::error::AppError;
use crate::redis_conn::Connection;
use crate::sandbox::connections::Connections;
use crate::sandbox::key_index;
use crate::sandbox::store::{Queued, SandboxStore, Session};

// Shared mode's listings, a child module so that they answer with this
// module's `Outcome` and refusals.
#[path = "listing.rs"]
mod listing;

/// Everything a line needs: where Redis is, how to reach it, the rules.
#[derive(Clone)]
pub struct Relay {
    /// The console's limits (the mode is the sandbox layer's: [`SandboxStore::tenancy`]).
    pub limits: Limits,
    pub connections: Connections,
    pub sessions: SandboxStore,
    /// `host:port` as the prompt shows it.
    pub address: String,
    /// Where the caller's `SELECT` and `MULTI` state lives: the sandbox's
    /// record (the console) or one gateway connection's memory.
    pub home: StateHome,
}

/// What a line produced, before it becomes a [`ConsoleResponse`].
#[derive(Debug, Default)]
struct Outcome {
    /// The text of an outcome that is not a reply (`HELP`); a reply's text
    /// is made only when the console prints it ([`Outcome::printed`]): the
    /// gateway hands the reply itself to its client.
    output: String,
    /// Printed as redis-cli prints `INFO` ([`prints_raw`]).
    raw: bool,
    error: bool,
    reply: Option<Reply>,
    command: Option<&'static str>,
    clear: bool,
    omitted: Option<u64>,
    /// Bytes of a string reply not read (the console read a prefix).
    omitted_bytes: Option<u64>,
}

impl Outcome {
    fn text(output: impl Into<String>) -> Self {
        Self { output: output.into(), ..Self::default() }
    }

    fn error(message: impl Into<String>) -> Self {
        let reply = Reply::Error(message.into());
        Self { error: true, reply: Some(reply), ..Self::default() }
    }

    fn reply(reply: Reply, limit: usize) -> Self {
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
    fn raw(mut self) -> Self {
        self.raw = true;
        self
    }

    /// What the console prints: the reply as redis-cli prints it (with how
    /// many elements were not shown), or the text.
    fn printed(&self) -> String {
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

    fn status(text: &str) -> Self {
        Self::reply(Reply::Status(text.to_string()), usize::MAX)
    }

    /// Counts what the console chose not to read ([`Cut`]).
    fn with_cut(mut self, cut: Cut) -> Self {
        match cut {
            Cut::None => {}
            Cut::Bytes(n) => self.omitted_bytes = Some(n),
            Cut::Elements(n) => self.omitted = Some(self.omitted.unwrap_or(0) + n),
        }
        self
    }
}

impl Relay {
    /// Runs one line for `session` and says what the console shows.
    pub async fn run_line(&self, session: &mut Session, line: &str) -> Result<ConsoleResponse, AppError> {
        let mut args_shown = Vec::new();
        let outcome = match split_args(line) {
            // redis-cli prints this without "(error)".
            Err(_) => Outcome { output: "Invalid argument(s)".into(), error: true, ..Outcome::default() },
            Ok(args) if args.is_empty() => Outcome::default(),
            Ok(args) => {
                args_shown = args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                self.run_args(session, args).await?
            }
        };
        Ok(ConsoleResponse {
            output: outcome.printed(),
            prompt: self.prompt(session),
            error: outcome.error,
            reply: outcome.reply,
            command: outcome.command.map(str::to_string),
            args: args_shown,
            clear: outcome.clear,
            omitted: outcome.omitted,
            omitted_bytes: outcome.omitted_bytes,
        })
    }

    /// A relay for one connection of a Redis client (the gateway): the same
    /// rules, its own `SELECT` and `MULTI` state.
    pub fn for_connection(&self) -> Relay {
        Relay { home: StateHome::connection(), ..self.clone() }
    }

    /// Runs one command (its arguments as sent, name first) for `session`
    /// and returns Redis's reply — rewritten back out of the namespace, or
    /// the refusal the console would print — with how many array elements
    /// beyond the policy's `max_reply_elements` were left out (the gateway
    /// refuses such a reply rather than hand a program a cut one).
    pub async fn run_command(
        &self,
        session: &mut Session,
        args: Vec<Vec<u8>>,
    ) -> Result<(Reply, u64), AppError> {
        let outcome = self.run_args(session, args).await?;
        let reply = outcome.reply.unwrap_or_else(|| Reply::Bulk(outcome.output.into_bytes()));
        Ok((reply, outcome.omitted.unwrap_or(0)))
    }

    /// redis-cli's prompt: `host:port`, `[db]` when not 0, `(TX)` in MULTI.
    pub fn prompt(&self, session: &Session) -> String {
        let db = if session.state.db == 0 { String::new() } else { format!("[{}]", session.state.db) };
        let tx = if session.state.in_tx { "(TX)" } else { "" };
        format!("{}{db}{tx}>", self.address)
    }

    async fn run_args(&self, session: &mut Session, args: Vec<Vec<u8>>) -> Result<Outcome, AppError> {
        if let Some(refusal) = self.limits.check(&args) {
            return self.refuse_in_tx(session, refusal).await;
        }
        match decide(&args, self.mode()) {
            Decision::Refuse(refusal) => self.refuse_in_tx(session, refusal.message()).await,
            Decision::Emulate(spec) => {
                if let Some(refusal) = cost::check_static(&self.limits, spec, &args) {
                    return self.refuse_in_tx(session, refusal).await;
                }
                let mut outcome = self.emulate(session, spec, &args).await?;
                outcome.command = Some(spec.name);
                Ok(outcome)
            }
            Decision::Forward(spec) => {
                if let Some(refusal) = self.forward_refusal(session, spec, &args) {
                    return self.refuse_in_tx(session, refusal).await;
                }
                let mut outcome = if spec.name == "SELECT" {
                    self.select(session, &args).await?
                } else if session.state.in_tx {
                    self.queue(session, spec, args).await?
                } else {
                    self.forward(session, spec, args).await?
                };
                outcome.command = Some(spec.name);
                Ok(outcome)
            }
        }
    }

    /// Why a command the policy lets through must still be refused for this
    /// session: its quota, or a count or pattern beyond the limits.
    fn forward_refusal(&self, session: &Session, spec: &CommandSpec, args: &[Vec<u8>]) -> Option<String> {
        if let Some(why) = session.over_quota.as_deref().filter(|_| spec.has_flag("denyoom")) {
            return Some(format!(
                "ERR session quota exceeded: {why}; delete keys (DEL, FLUSHDB) to continue"
            ));
        }
        cost::check_static(&self.limits, spec, args)
    }

    /// Measures the sizes `needs` names, in one pipeline, as the session.
    async fn measure(&self, session: &Session, needs: &[(Vec<u8>, cost::Probe)]) -> Result<Sizes, AppError> {
        if needs.is_empty() {
            return Ok(Sizes::new());
        }
        let pipe = cost::probe_pipeline(needs);
        let first: Result<Vec<Value>, redis::RedisError> =
            pipe.query_async(&mut self.connection(session)?).await;
        let replies = match (first, &session.password) {
            (Ok(replies), _) => replies,
            (Err(err), Some(password)) if err.kind() == redis::ErrorKind::AuthenticationFailed => {
                self.sessions.ensure_acl_user(&session.id, password).await?;
                self.connections.forget_session(&session.id);
                pipe.query_async(&mut self.connection(session)?).await?
            }
            (Err(err), _) => return Err(err.into()),
        };
        Ok(cost::read_sizes(needs, &replies))
    }

    /// What one command (keys already namespaced) will cost, or why it is
    /// refused.
    async fn plan(
        &self,
        session: &mut Session,
        spec: &CommandSpec,
        args: &[Vec<u8>],
    ) -> Result<Result<Plan, String>, AppError> {
        let needs = cost::needs(&self.limits, spec, args);
        let sizes = self.measure(session, &needs).await?;
        let plan = cost::plan(&self.limits, spec, args, &sizes, self.limits.truncate_replies);
        if let Some(refusal) = plan.cost.refusal(&self.limits, spec.name, session.used_bytes) {
            return Ok(Err(refusal));
        }
        if let Err(refusal) = self.reserve(session, plan.cost.grow_bytes, spec.name).await? {
            return Ok(Err(refusal));
        }
        Ok(Ok(plan))
    }

    /// Reserves the bytes a write may add in the sandbox's quota, or says
    /// why there is no room (see [`SandboxStore::reserve`]).
    async fn reserve(
        &self,
        session: &mut Session,
        bytes: u64,
        what: &str,
    ) -> Result<Result<(), String>, AppError> {
        let quota = self.limits.max_session_bytes;
        if bytes == 0 || quota == 0 {
            return Ok(Ok(()));
        }
        Ok(match self.sessions.reserve(&session.id, bytes, quota).await? {
            Ok(used) => {
                session.used_bytes = used;
                Ok(())
            }
            Err(used) => {
                session.used_bytes = used;
                Err(cost::quota_refusal(what, bytes, quota, used))
            }
        })
    }

    /// The cost of a whole transaction, or why it is refused: each queued
    /// command's cost from the sizes before it runs, plus what the writes
    /// queued before it can add to its keys (see [`cost`]).
    async fn plan_transaction(
        &self,
        session: &mut Session,
        commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
    ) -> Result<Option<String>, AppError> {
        let needs: Vec<_> =
            commands.iter().flat_map(|(spec, args)| cost::needs(&self.limits, spec, args)).collect();
        let measured = self.measure(session, &needs).await?;
        match cost::transaction_cost(&self.limits, commands, &measured, session.used_bytes) {
            Err(refusal) => Ok(Some(refusal)),
            Ok(total) => Ok(self.reserve(session, total.grow_bytes, cost::TRANSACTION).await?.err()),
        }
    }

    /// An error reply; inside `MULTI` it also dooms the transaction, as
    /// Redis does for a command it rejects while queueing.
    async fn refuse_in_tx(&self, session: &mut Session, message: String) -> Result<Outcome, AppError> {
        if session.state.in_tx && !session.state.tx_failed {
            self.home.fail_tx(&self.sessions, &session.id).await?;
            session.state.tx_failed = true;
        }
        Ok(Outcome::error(message))
    }

    /// The command table's mode, from the sandbox layer's configuration.
    fn mode(&self) -> Mode {
        super::command_mode(self.sessions.tenancy())
    }

    fn namespace(&self, session: &Session) -> Option<Namespace> {
        self.sessions.is_shared().then(|| Namespace::for_session(session.id.as_str()))
    }

    /// The connection a session's commands go down: its database's (local
    /// mode) or its own, as its ACL user (shared mode).
    fn connection(&self, session: &Session) -> Result<Connection, AppError> {
        match (&self.mode(), &session.password) {
            (Mode::Shared, Some(password)) => self.connections.for_session(&session.id, password),
            (Mode::Shared, None) => Err(AppError::Internal("shared-mode session without an ACL user".into())),
            (Mode::Local { .. }, _) => self.connections.for_db(session.state.db),
        }
    }

    /// A connection of the caller's own, for commands whose reply could
    /// confuse the client library: Redis may echo an argument in an error
    /// line, and an error line that is not UTF-8 makes the `redis` crate
    /// fail to parse it and lose its place in the stream — on a shared
    /// connection, for every session. Arguments that are not UTF-8 are rare
    /// in the console (`"\xff"` typed on purpose): each such request opens
    /// one. A gateway connection (binary data from a program is ordinary)
    /// keeps one private connection for all of them ([`StateHome`]).
    async fn isolated_connection(
        &self,
        session: &Session,
    ) -> Result<redis::aio::MultiplexedConnection, AppError> {
        let url = match (&self.mode(), &session.password) {
            (Mode::Shared, Some(password)) => self.connections.url_for_session(&session.id, password),
            _ => self.connections.url_for_db(session.state.db),
        };
        self.home.private_connection(&url).await
    }

    /// After a private connection's reply: one the client library could
    /// not read (or a failure) may have left it out of step; drop it.
    async fn after_private(&self, result: &Result<Reply, AppError>) {
        let unreadable = matches!(result, Ok(Reply::Error(text)) if text == UNREADABLE_ERROR);
        if unreadable || result.is_err() {
            self.home.forget_private_connection().await;
        }
    }

    /// Runs `args` for the session. In shared mode, a connection refused for
    /// its credentials means Redis forgot the session's ACL user (it keeps
    /// ACL users in memory only): re-create it and try once more.
    async fn run_for(&self, session: &Session, args: &[Vec<u8>]) -> Result<Reply, AppError> {
        if !all_utf8(args) {
            let result = execute(&mut self.isolated_connection(session).await?, args).await;
            self.after_private(&result).await;
            return result;
        }
        let first = execute(&mut self.connection(session)?, args).await;
        let Some(password) = &session.password else { return first };
        let auth_failed = match &first {
            Err(AppError::AuthFailed(_)) => true,
            Ok(Reply::Error(text)) => text.starts_with("WRONGPASS") || text.starts_with("NOAUTH"),
            _ => false,
        };
        if !auth_failed {
            return first;
        }
        self.sessions.ensure_acl_user(&session.id, password).await?;
        self.connections.forget_session(&session.id);
        execute(&mut self.connection(session)?, args).await
    }

    async fn forward(
        &self,
        session: &mut Session,
        spec: &CommandSpec,
        mut args: Vec<Vec<u8>>,
    ) -> Result<Outcome, AppError> {
        let namespace = self.namespace(session);
        if let Some(ns) = &namespace {
            if ns.rewrite(spec, &mut args).is_err() {
                return Ok(Outcome::error(format!(
                    "ERR {} is refused: Bolide cannot tell which of its arguments are keys",
                    spec.name
                )));
            }
        }
        let plan = match self.plan(session, spec, &args).await? {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Outcome::error(refusal)),
        };
        if let Some(instead) = plan.args {
            args = instead;
        }
        if let Some(ns) = &namespace {
            key_index::track(&mut self.sessions.access(session)?.data, ns.prefix(), &[(spec, &args)]).await?;
        }
        let mut reply = self.run_for(session, &args).await?;
        if let Some(ns) = &namespace {
            ns.strip_reply(spec.name, &mut reply);
        }
        let outcome = Outcome::reply(reply, self.limits.max_reply_elements).with_cut(plan.cut);
        Ok(if prints_raw(&args) { outcome.raw() } else { outcome })
    }

    async fn select(&self, session: &mut Session, args: &[Vec<u8>]) -> Result<Outcome, AppError> {
        if session.state.in_tx {
            // Redis would queue SELECT and switch at EXEC; the console keeps
            // one database per session, so it refuses instead.
            return self
                .refuse_in_tx(session, "ERR SELECT inside MULTI is not supported by Bolide's console".into())
                .await;
        }
        // decide() checked the index is a console database.
        let db = args.get(1).and_then(|a| std::str::from_utf8(a).ok()).and_then(|s| s.parse::<u32>().ok());
        let Some(db) = db else {
            return Ok(Outcome::error("ERR value is not an integer or out of range"));
        };
        self.home.select(&self.sessions, &session.id, db).await?;
        session.state.db = db;
        Ok(Outcome::status("OK"))
    }

    async fn queue(
        &self,
        session: &mut Session,
        spec: &CommandSpec,
        args: Vec<Vec<u8>>,
    ) -> Result<Outcome, AppError> {
        if let Some(ns) = self.namespace(session) {
            let mut check = args.clone();
            if ns.rewrite(spec, &mut check).is_err() {
                return self
                    .refuse_in_tx(
                        session,
                        format!(
                            "ERR {} is refused: Bolide cannot tell which of its arguments are keys",
                            spec.name
                        ),
                    )
                    .await;
            }
        }
        // Stored as a line redis-cli's parser reads back byte for byte.
        let line = args.iter().map(|a| quote_arg(a)).collect::<Vec<_>>().join(" ");
        let (max, max_bytes) = (self.limits.max_tx_commands, self.limits.max_tx_bytes);
        let refusal = match self.home.queue(&self.sessions, &session.id, &line, max, max_bytes).await? {
            Queued::Queued(_) => return Ok(Outcome::status("QUEUED")),
            Queued::TooMany => format!("ERR too many commands in MULTI (the console queues at most {max})"),
            Queued::TooLarge => {
                format!(
                    "ERR MULTI queue too large (the console queues at most {max_bytes} bytes of commands)"
                )
            }
        };
        self.refuse_in_tx(session, refusal).await
    }

    async fn emulate(
        &self,
        session: &mut Session,
        spec: &CommandSpec,
        args: &[Vec<u8>],
    ) -> Result<Outcome, AppError> {
        match spec.name {
            "HELP" => Ok(Outcome::text(help::help_text(&args[1..]))),
            "CLEAR" => Ok(Outcome { clear: true, ..Outcome::default() }),
            "MULTI" => {
                if session.state.in_tx {
                    return Ok(Outcome::error("ERR MULTI calls can not be nested"));
                }
                self.home.begin(&self.sessions, &session.id).await?;
                session.state.in_tx = true;
                session.state.tx_failed = false;
                Ok(Outcome::status("OK"))
            }
            "DISCARD" => {
                if !session.state.in_tx {
                    return Ok(Outcome::error("ERR DISCARD without MULTI"));
                }
                self.home.take_tx(&self.sessions, &session.id).await?;
                session.state.in_tx = false;
                Ok(Outcome::status("OK"))
            }
            "EXEC" => self.exec(session).await,
            _ => match self.namespace(session) {
                Some(ns) => self.emulate_in_namespace(session, &ns, spec, args).await,
                None => Ok(Outcome::error(format!("ERR {} is not available here", spec.name))),
            },
        }
    }

    async fn exec(&self, session: &mut Session) -> Result<Outcome, AppError> {
        if !session.state.in_tx {
            return Ok(Outcome::error("ERR EXEC without MULTI"));
        }
        let failed = session.state.tx_failed;
        let lines = self.home.take_tx(&self.sessions, &session.id).await?;
        session.state.in_tx = false;
        session.state.tx_failed = false;
        if failed {
            return Ok(Outcome::error("EXECABORT Transaction discarded because of previous errors."));
        }
        let namespace = self.namespace(session);
        let mut commands = Vec::with_capacity(lines.len());
        for line in &lines {
            // Queued lines were checked when queued; check again anyway, as
            // they come back from storage.
            let Ok(mut args) = split_args(line) else {
                return Ok(Outcome::error("EXECABORT Transaction discarded because of previous errors."));
            };
            let Decision::Forward(spec) = decide(&args, self.mode()) else {
                return Ok(Outcome::error("EXECABORT Transaction discarded because of previous errors."));
            };
            if let Some(ns) = &namespace {
                if ns.rewrite(spec, &mut args).is_err() {
                    return Ok(Outcome::error("EXECABORT Transaction discarded because of previous errors."));
                }
            }
            commands.push((spec, args));
        }
        if commands.is_empty() {
            return Ok(Outcome::reply(Reply::Array(Vec::new()), usize::MAX));
        }
        if let Some(refusal) = self.plan_transaction(session, &commands).await? {
            let reason = refusal.strip_prefix("ERR ").unwrap_or(&refusal);
            return Ok(Outcome::error(format!("EXECABORT Transaction discarded: {reason}")));
        }
        if let Some(ns) = &namespace {
            let queued: Vec<_> = commands.iter().map(|(spec, args)| (*spec, args.as_slice())).collect();
            key_index::track(&mut self.sessions.access(session)?.data, ns.prefix(), &queued).await?;
        }
        let mut pipe = redis::pipe();
        pipe.atomic().ignore_errors();
        for (_, args) in &commands {
            pipe.add_command(command(args));
        }
        let binary = commands.iter().any(|(_, args)| !all_utf8(args));
        let result = if binary {
            // The connection is ours alone: a failure now is most likely the
            // client library choking on the reply, not an outage.
            let mut conn = self.isolated_connection(session).await?;
            match pipe.query_async(&mut conn).await {
                Err(err) if !is_server_error(&err) => {
                    self.home.forget_private_connection().await;
                    return Ok(Outcome::error(UNREADABLE_ERROR));
                }
                other => other,
            }
        } else {
            pipe.query_async(&mut self.connection(session)?).await
        };
        let values: Vec<Value> = match result {
            Ok(values) => values,
            Err(err) if err.kind() == redis::ErrorKind::Parse => return Ok(Outcome::error(UNREADABLE_ERROR)),
            Err(err) if is_server_error(&err) => return Ok(Outcome::error(server_error_text(&err))),
            Err(err) => return Err(err.into()),
        };
        let mut replies: Vec<Reply> = values.into_iter().map(to_reply).collect();
        if let Some(ns) = &namespace {
            for ((spec, _), reply) in commands.iter().zip(replies.iter_mut()) {
                ns.strip_reply(spec.name, reply);
            }
        }
        Ok(Outcome::reply(Reply::Array(replies), self.limits.max_reply_elements))
    }
}

/// Sends one command and returns Redis's reply — an error reply is a reply
/// too, not a failure.
async fn execute(conn: &mut impl redis::aio::ConnectionLike, args: &[Vec<u8>]) -> Result<Reply, AppError> {
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
    args.iter().all(|a| std::str::from_utf8(a).is_ok())
}

/// Shown when Redis's error line was not UTF-8 (it echoed a binary
/// argument), which the `redis` crate cannot parse.
const UNREADABLE_ERROR: &str =
    "ERR Redis answered with an error message Bolide cannot read (it is not UTF-8)";

/// A command made of raw byte arguments, name first.
fn command(args: &[Vec<u8>]) -> redis::Cmd {
    let mut cmd = redis::Cmd::new();
    for arg in args {
        cmd.arg(arg.as_slice());
    }
    cmd
}

fn is_server_error(err: &redis::RedisError) -> bool {
    !(err.is_io_error() || err.is_timeout() || err.is_connection_dropped() || err.is_connection_refusal())
        && err.code().is_some()
}

/// The error line exactly as Redis sent it: `CODE detail`.
fn server_error_text(err: &redis::RedisError) -> String {
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
