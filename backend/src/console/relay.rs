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
//!    console shows, and reserve what a write can add in the sandbox's
//!    quota ([`crate::sandbox::headroom`]: from this process's lease, no
//!    round trip of its own; measuring the sandbox first when the room
//!    runs out);
//! 6. in shared mode, announce the keys it may create in the sandbox's key
//!    index, first in the same pipeline ([`crate::sandbox::key_index::announce`];
//!    at `EXEC`, the whole transaction's, inside it);
//! 7. run it — or queue it, inside `MULTI` — and turn Redis's reply into
//!    redis-cli's text, shortening replies too long to show.
//!
//! A line is a batch of one: the gateway hands the relay a pipelined
//! client's whole batch ([`Relay::run_commands`]), which takes the same
//! steps for each command with the Redis work of many commands in one
//! pipeline ([`batch`]). Every forwarded command reaches Redis through
//! one function, `Relay::send`, or with its probes in the first pipeline of
//! a batch, `Relay::run_lead` (both in [`batch`], announcing the keys the
//! same way).
//!
//! Where the parts live: this file holds the relay, the order of the
//! steps, the connections and the emulated commands; [`batch`] the
//! forwarding (segments, costing, sending); [`transaction`] `MULTI` …
//! `EXEC`; [`reply`] Redis's replies as the console shows them.

mod batch;
mod bounded;
mod reply;
mod transaction;

pub use reply::{all_utf8, shorten, to_reply};

use bolide_shared::api::ConsoleResponse;
use bolide_shared::cli::{split_args, Reply};
use bolide_shared::commands::policy::{decide, Decision, Mode};
use bolide_shared::commands::{help, CommandSpec};
use redis::Value;

use self::reply::{execute, Outcome, UNREADABLE_ERROR};
use super::connection_state::StateHome;
use super::cost::{self, Probe, Sizes};
use super::namespace::Namespace;
use super::Limits;
use crate::error::AppError;
use crate::redis_conn::{login_refused, response_timeout_for, Connection, LONG_PIPELINE};
use crate::sandbox::connections::Connections;
use crate::sandbox::headroom::{CompactTurn, Spent};
use crate::sandbox::store::{SandboxStore, Session};

// Shared mode's listings, a child module so that they answer with this
// module's `Outcome` and refusals.
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
        Ok(self.run_args(session, args).await?.into_reply())
    }

    /// redis-cli's prompt: `host:port`, `[db]` when not 0, `(TX)` in MULTI.
    pub fn prompt(&self, session: &Session) -> String {
        let db = if session.state.db == 0 { String::new() } else { format!("[{}]", session.state.db) };
        let tx = if session.state.in_tx { "(TX)" } else { "" };
        format!("{}{db}{tx}>", self.address)
    }

    /// One command: a batch of one ([`batch`]).
    async fn run_args(&self, session: &mut Session, args: Vec<Vec<u8>>) -> Result<Outcome, AppError> {
        let mut outcomes = self.run_outcomes(session, vec![args]).await;
        outcomes.pop().unwrap_or_else(|| Err(AppError::Internal("the command got no reply".into())))
    }

    /// A command that is not plainly forwarded (see [`Relay::step`]), or
    /// one inside `MULTI`: each step in turn, state changes included.
    async fn run_alone(&self, session: &mut Session, args: Vec<Vec<u8>>) -> Result<Outcome, AppError> {
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
            return Ok(Sizes::default());
        }
        let pipe = cost::probe_pipeline(needs);
        let width = cost::probe_width(needs);
        let first: Result<Vec<Value>, redis::RedisError> = if width > LONG_PIPELINE {
            pipe.query_async(&mut self.long_connection(session, width).await?).await
        } else {
            pipe.query_async(&mut self.connection(session)?).await
        };
        let replies = match (first, &session.password) {
            (Ok(replies), _) => replies,
            (Err(err), Some(password)) if err.kind() == redis::ErrorKind::AuthenticationFailed => {
                self.recreate_acl_user(session, password).await?;
                pipe.query_async(&mut self.connection(session)?).await?
            }
            (Err(err), _) => return Err(err.into()),
        };
        Ok(cost::read_sizes(needs, &replies))
    }

    /// Reserves the bytes a write may add in the sandbox's quota, from this
    /// process's lease of room ([`crate::sandbox::headroom`]: no round trip
    /// while the lease lasts), or says why there is no room. When none can
    /// be had the count may be stale (overwrites count every time): the
    /// sandbox is measured now, if it was not lately, and asked again.
    async fn reserve(
        &self,
        session: &mut Session,
        bytes: u64,
        what: &str,
    ) -> Result<Result<Spent, String>, AppError> {
        let quota = self.limits.max_session_bytes;
        if bytes == 0 || quota == 0 || !self.sessions.is_shared() {
            return Ok(Ok(Spent::default()));
        }
        let headroom = self.sessions.headroom();
        // Nearly always: from the lease, without the slower ways' futures.
        if let Some(spent) = headroom.spend_from_lease(&session.id, bytes, &mut session.patience) {
            return Ok(Ok(spent));
        }
        let max_keys = self.limits.max_session_keys;
        let measure = || async { self.sessions.measure(&session.id, max_keys, quota).await.map(drop) };
        let result =
            headroom.spend_or_measure(&session.id, bytes, quota, &mut session.patience, measure).await?;
        Ok(match result {
            Ok(spent) => Ok(spent),
            Err(used) => {
                session.used_bytes = used;
                Err(cost::quota_refusal(what, bytes, quota, used))
            }
        })
    }

    /// The sandbox's turn to probe, cost and send writes costed from a
    /// compact probe among `needs` (shared mode; see
    /// [`crate::sandbox::headroom`]): `None` when there is none.
    async fn compact_turn(
        &self,
        session: &Session,
        needs: &[(Vec<u8>, Probe)],
    ) -> Result<Option<CompactTurn>, AppError> {
        let compact = needs.iter().any(|(_, probe)| *probe == Probe::Compact);
        if !compact || !self.sessions.is_shared() || self.limits.max_session_bytes == 0 {
            return Ok(None);
        }
        Ok(Some(self.sessions.headroom().compact_turn(&session.id).await?))
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

    /// The URL a connection of the session's own opens: as its ACL user
    /// (shared mode) or to its database (local mode).
    fn session_url(&self, session: &Session) -> String {
        match (&self.mode(), &session.password) {
            (Mode::Shared, Some(password)) => self.connections.url_for_session(&session.id, password),
            _ => self.connections.url_for_db(session.state.db),
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
        let url = self.session_url(session);
        self.home.private_connection(&url).await
    }

    /// A connection of the caller's own, opened now, for one pipeline of
    /// `commands` commands longer than [`LONG_PIPELINE`] (a transaction's,
    /// its probes'): its replies may take longer than one command's
    /// ([`crate::redis_conn::response_timeout_for`]).
    async fn long_connection(
        &self,
        session: &Session,
        commands: usize,
    ) -> Result<redis::aio::MultiplexedConnection, AppError> {
        let url = self.session_url(session);
        let timeout = response_timeout_for(commands);
        match (crate::redis_conn::private_connection(&url, timeout).await, &session.password) {
            (Err(err), Some(password)) if login_refused(&err) => {
                self.recreate_acl_user(session, password).await?;
                Ok(crate::redis_conn::private_connection(&url, timeout).await?)
            }
            (opened, _) => Ok(opened?),
        }
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
            Ok(reply) => batch::is_auth_error(reply),
            _ => false,
        };
        if !auth_failed {
            return first;
        }
        self.recreate_acl_user(session, password).await?;
        execute(&mut self.connection(session)?, args).await
    }

    /// Redis keeps ACL users in memory only: after a restart it no longer
    /// knows the session's. Re-create it, and drop the connections opened
    /// with the old credentials.
    async fn recreate_acl_user(&self, session: &Session, password: &str) -> Result<(), AppError> {
        self.sessions.ensure_acl_user(&session.id, password).await?;
        self.connections.forget_session(&session.id);
        Ok(())
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
}
