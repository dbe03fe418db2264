//! `MULTI` … `EXEC`: queueing (each command checked as it is queued, a
//! refused one dooming the transaction as Redis does), and `EXEC` — the
//! queued lines read back and checked again, the transaction's cost
//! bounded as a whole ([`cost::transaction_cost`]), then sent as one
//! `MULTI`/`EXEC` pipeline through [`Relay::send`].

use bolide_shared::cli::{quote_arg, split_args, Reply};
use bolide_shared::commands::policy::{decide, Decision};
use bolide_shared::commands::CommandSpec;

use super::batch::{Delivery, Sent};
use super::reply::Outcome;
use super::Relay;
use crate::console::connection_state::StateHome;
use crate::console::cost;
use crate::error::AppError;
use crate::sandbox::headroom::{CompactTurn, Spent};
use crate::sandbox::store::{Queued, Session};

impl Relay {
    /// An error reply; inside `MULTI` it also dooms the transaction, as
    /// Redis does for a command it rejects while queueing.
    pub(super) async fn refuse_in_tx(
        &self,
        session: &mut Session,
        message: String,
    ) -> Result<Outcome, AppError> {
        if session.state.in_tx && !session.state.tx_failed {
            self.home.fail_tx(&self.sessions, &session.id).await?;
            session.state.tx_failed = true;
        }
        Ok(Outcome::error(message))
    }

    pub(super) async fn queue(
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
        // A queue kept in Redis (the console's) is the sandbox's memory too
        // (its measurement counts it); a gateway connection's is Bolide's,
        // bounded by bytes.
        let queued = match self.home {
            StateHome::Sandbox => cost::queued_bytes(line.len()),
            StateHome::Connection(_) => 0,
        };
        let _room = match self.reserve(session, queued, "MULTI").await? {
            Ok(spent) => spent,
            Err(refusal) => return self.refuse_in_tx(session, refusal).await,
        };
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

    pub(super) async fn exec(&self, session: &mut Session) -> Result<Outcome, AppError> {
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
        // The room the transaction reserved counts as in flight until it
        // answered; its turn, if costed from a compact probe, until then too.
        let (_spent, _turn) = match self.plan_transaction(session, &commands).await? {
            Ok(planned) => planned,
            Err(refusal) => {
                let reason = refusal.strip_prefix("ERR ").unwrap_or(&refusal);
                return Ok(Outcome::error(format!("EXECABORT Transaction discarded: {reason}")));
            }
        };
        let mut replies = match self.send(session, &commands, Delivery::Transaction).await? {
            Sent::Replies(replies) => replies,
            Sent::Failed(text) => return Ok(Outcome::error(text)),
        };
        if let Some(ns) = &namespace {
            for ((spec, _), reply) in commands.iter().zip(replies.iter_mut()) {
                ns.strip_reply(spec.name, reply);
            }
        }
        Ok(Outcome::reply(Reply::Array(replies), self.limits.max_reply_elements))
    }

    /// The cost of a whole transaction, or why it is refused: each queued
    /// command's cost from the sizes before it runs, plus what the writes
    /// queued before it can add to its keys (see [`cost`]).
    async fn plan_transaction(
        &self,
        session: &mut Session,
        commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
    ) -> Result<Result<(Spent, Option<CompactTurn>), String>, AppError> {
        let needs: Vec<_> =
            commands.iter().flat_map(|(spec, args)| cost::needs(&self.limits, spec, args)).collect();
        let turn = self.compact_turn(session, &needs).await?;
        let measured = self.measure(session, &needs).await?;
        match cost::transaction_cost(&self.limits, commands, &measured) {
            Err(refusal) => Ok(Err(refusal)),
            Ok(total) => Ok(self
                .reserve(session, total.grow_bytes, cost::TRANSACTION)
                .await?
                .map(|spent| (spent, turn))),
        }
    }
}
