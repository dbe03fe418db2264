//! Forwarded commands, one or many: a pipelined client's batch in one or
//! two Redis round trips, not two per command.
//!
//! # Why
//! A costed command is measured before it runs ([`crate::console::cost`]:
//! `GET` needs its string's `STRLEN`), so run one by one a batch of `n`
//! commands costs up to `2n` round trips, plus `n` of everything else a
//! command does. A pipelining client (`redis-benchmark -P 16`, redis-py's
//! `pipeline()`) sends many at once and expects them answered at Redis's
//! pipelined speed.
//!
//! # How
//! [`Relay::run_commands`] takes a batch in order. Each command gets the
//! checks the console's line gets, without Redis ([`Relay::step`]: limits,
//! policy, quota verdict, namespace rewrite); a refusal is answered in its
//! place. Plain forwarded commands gather into a *segment*, costed in order
//! with the same rules, refusals and quota reservations as alone, in two
//! parts ([`Relay::run_segment`]):
//! - its *lead*, the commands from its start whose verdict needs nothing
//!   measured before they are sent: those with no sizes to measure
//!   (`SET`, `HSET`, …: costed at once) and the bounded reads (`GET`, sent
//!   as a `GETRANGE` no longer than the bound, `EXISTS` only after a `""`,
//!   costed from what it read — only a value past the read is measured,
//!   after: [`crate::console::cost::BoundedRead`], `bounded`). They go in one pipeline,
//!   followed by the probes of the rest;
//! - the rest, costed from those sizes and sent in one more pipeline
//!   ([`Relay::send`]).
//!
//! A batch of `SET`s, of `GET`s or of both is one round trip; the replies
//! come back in order.
//!
//! Measuring the rest before any of it runs must not change a verdict: a
//! command that measures a key an earlier command of the rest writes (or
//! after a write whose keys cannot be told) starts a new segment, so its
//! sizes are read after that write, as they would be alone (the lead has
//! run before the rest is measured). Everything else — `SELECT`, `MULTI`/`EXEC`, commands inside
//! `MULTI`, the emulated keyless commands, arguments that are not UTF-8
//! (they go down a private connection, one at a time: see
//! `Relay::isolated_connection`) — runs on its own, after the segment
//! before it has run, exactly as the console's line does.
//!
//! The console's line is a batch of one, through the same functions.

use std::collections::HashSet;

use bolide_shared::cli::{prints_raw, Reply};
use bolide_shared::commands::policy::{decide, Decision};
use bolide_shared::commands::CommandSpec;
use redis::Value;

use super::reply::{
    all_utf8, command, is_server_error, server_error_text, to_reply, Outcome, UNREADABLE_ERROR,
};
use super::Relay;
use crate::console::cost::{self, BoundedRead, Cut, Earlier, Measured, Plan, Probe, Sizes};
use crate::console::namespace::Namespace;
use crate::console::Limits;
use crate::error::AppError;
use crate::redis_conn::LONG_PIPELINE;
use crate::sandbox::headroom::Spent;
use crate::sandbox::key_index;
use crate::sandbox::store::Session;

/// A forwarded command, checked, its keys in the session's namespace.
pub(super) struct Forwarded {
    spec: &'static CommandSpec,
    args: Vec<Vec<u8>>,
    /// The sizes its cost rule needs measured. A bounded read's are named
    /// only where it does not lead after all ([`Forwarded::name_sizes`]) or
    /// read past its bound: leading, it is costed from what it read, and
    /// naming them for every `GET` was two copies of its key.
    needs: Vec<(Vec<u8>, Probe)>,
    /// Its bounded form, sent in its probes' pipeline ([`BoundedRead`]).
    read: Option<BoundedRead>,
    /// Where its keys are in `args`, when found already (by the namespace's
    /// rewrite): what `spec.key_positions(&args)` gives, not searched again
    /// to announce them or to note what a segment writes.
    keys: Option<Vec<usize>>,
    /// Whether every argument is UTF-8 (else it goes down the caller's
    /// private connection: `Relay::isolated_connection`), checked once.
    utf8: bool,
}

impl Forwarded {
    /// Whether it can go in a segment's first pipeline: its verdict needs
    /// nothing measured before it is sent (no sizes, or its own, read
    /// along with a bounded form of it).
    fn leads(&self) -> bool {
        self.needs.is_empty() || self.read.is_some()
    }

    /// Names the sizes of a bounded read that is measured before it runs
    /// after all (after a command that does not lead: `Segment::push`), as
    /// any other costed command's are.
    fn name_sizes(&mut self, limits: &Limits) {
        if self.read.is_some() && self.needs.is_empty() {
            self.needs = cost::needs(limits, self.spec, &self.args);
        }
    }
}

/// How a command of a segment's lead goes in its pipeline.
enum Lead {
    /// As it is (or as planned), what it leaves out.
    Direct(Cut),
    /// Its probes, then its bounded form.
    Read(BoundedRead),
}

/// What the relay does with one command, before asking Redis anything.
pub(super) enum Step {
    /// Answered already: a refusal.
    Done(Outcome),
    /// Forwarded with others (a segment).
    Forward(Forwarded),
    /// Runs on its own, in order ([`Relay::run_alone`]).
    Alone(Vec<Vec<u8>>),
}

/// How commands go to Redis ([`Relay::send`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// Each its own command, pipelined: one reply each.
    Each,
    /// As one `MULTI`/`EXEC`: all or nothing.
    Transaction,
}

/// What Redis answered.
pub(super) enum Sent {
    /// One reply per command, in order.
    Replies(Vec<Reply>),
    /// The transaction as a whole failed (`EXECABORT`, or a reply the
    /// client library could not read); the text to answer `EXEC` with.
    Failed(String),
}

/// Commands gathered to be measured together, then sent together.
#[derive(Default)]
struct Segment {
    commands: Vec<(usize, Forwarded)>,
    /// Keys the writes after the lead touch (see [`Relay::run_segment`]).
    written: HashSet<Vec<u8>>,
    /// A write after the lead whose keys the command table cannot tell.
    unknown_writes: bool,
    /// Whether a command that does not lead ([`Forwarded::leads`]) was
    /// pushed: it and those after it are measured before any of them runs.
    trailing: bool,
}

impl Segment {
    /// Whether `next` must wait for the segment to have run: it measures a
    /// key that an earlier command after the lead may write (the lead runs
    /// before anything after it is measured, and a bounded read of the lead
    /// is measured right where it runs).
    fn must_wait(&self, next: &Forwarded) -> bool {
        // A compact collection's probe need not see earlier writes of the
        // segment: what they add is counted on it (`cost::Earlier`).
        let waits = |(key, probe): &(Vec<u8>, Probe)| *probe != Probe::Compact && self.written.contains(key);
        let sized = next.needs.iter().any(|(_, probe)| *probe != Probe::Compact);
        sized && (self.unknown_writes || next.needs.iter().any(waits))
    }

    fn push(&mut self, index: usize, command: Forwarded) {
        self.trailing |= !command.leads();
        if self.trailing && command.spec.has_flag("write") {
            let searched;
            let keys = match &command.keys {
                Some(keys) => Ok(keys.as_slice()),
                None => {
                    searched = command.spec.key_positions(&command.args);
                    searched.as_deref().map_err(|_| ())
                }
            };
            match keys {
                Ok(keys) => self.written.extend(keys.iter().filter_map(|&i| command.args.get(i).cloned())),
                Err(()) => self.unknown_writes = true,
            }
        }
        self.commands.push((index, command));
    }
}

impl Relay {
    /// Runs a batch of commands (each its arguments as sent, name first)
    /// for `session`, in order, and returns each one's reply as
    /// [`Relay::run_command`] would — in about two Redis round trips for a
    /// batch of plain keyed commands (see the module docs).
    pub async fn run_commands(
        &self,
        session: &mut Session,
        batch: Vec<Vec<Vec<u8>>>,
    ) -> Vec<Result<(Reply, u64), AppError>> {
        let outcomes = self.run_outcomes(session, batch).await;
        outcomes.into_iter().map(|outcome| outcome.map(Outcome::into_reply)).collect()
    }

    /// The batch's outcomes, in order (the console's line: a batch of one).
    pub(super) async fn run_outcomes(
        &self,
        session: &mut Session,
        batch: Vec<Vec<Vec<u8>>>,
    ) -> Vec<Result<Outcome, AppError>> {
        let mut outcomes: Vec<Option<Result<Outcome, AppError>>> = batch.iter().map(|_| None).collect();
        let mut segment = Segment::default();
        // The session's namespace, made once for the batch.
        let namespace = self.namespace(session);
        for (index, args) in batch.into_iter().enumerate() {
            match self.step(session, namespace.as_ref(), args) {
                Step::Done(outcome) => outcomes[index] = Some(Ok(outcome)),
                Step::Forward(mut forwarded) => {
                    if segment.trailing {
                        // It will not lead: it waits for what it measures.
                        forwarded.name_sizes(&self.limits);
                    }
                    if segment.must_wait(&forwarded) {
                        self.run_segment(session, std::mem::take(&mut segment), &mut outcomes).await;
                    }
                    segment.push(index, forwarded);
                }
                Step::Alone(args) => {
                    self.run_segment(session, std::mem::take(&mut segment), &mut outcomes).await;
                    outcomes[index] = Some(self.run_alone(session, args).await);
                }
            }
        }
        self.run_segment(session, segment, &mut outcomes).await;
        outcomes
            .into_iter()
            .map(|outcome| {
                outcome.unwrap_or_else(|| Err(AppError::Internal("a command got no reply".into())))
            })
            .collect()
    }

    /// The checks that need no Redis, as the console's line gets them:
    /// the limits, the policy, the quota verdict, the namespace.
    pub(super) fn step(&self, session: &Session, namespace: Option<&Namespace>, args: Vec<Vec<u8>>) -> Step {
        // Inside MULTI a refusal also dooms the transaction; binary
        // arguments take the private connection.
        if session.state.in_tx || !all_utf8(&args) {
            return Step::Alone(args);
        }
        if let Some(refusal) = self.limits.check(&args) {
            return Step::Done(Outcome::error(refusal));
        }
        match decide(&args, self.mode()) {
            Decision::Refuse(refusal) => Step::Done(Outcome::error(refusal.message())),
            Decision::Forward(spec) if spec.name != "SELECT" => {
                if let Some(refusal) = self.forward_refusal(session, spec, &args) {
                    return Step::Done(Outcome::error(refusal));
                }
                // UTF-8: checked above.
                match self.forwarded(namespace, spec, args, true) {
                    Ok(forwarded) => Step::Forward(forwarded),
                    Err(outcome) => Step::Done(outcome),
                }
            }
            Decision::Forward(_) | Decision::Emulate(_) => Step::Alone(args),
        }
    }

    /// `args` with its keys in the session's namespace, or the refusal
    /// when the command table cannot tell which arguments are keys.
    /// `utf8`: whether every argument is UTF-8 ([`all_utf8`]).
    pub(super) fn forwarded(
        &self,
        namespace: Option<&Namespace>,
        spec: &'static CommandSpec,
        mut args: Vec<Vec<u8>>,
        utf8: bool,
    ) -> Result<Forwarded, Outcome> {
        let mut keys = None;
        if let Some(ns) = namespace {
            match ns.rewrite(spec, &mut args) {
                Ok(found) if spec.keys_found_by_position() => keys = Some(found),
                // A keyword search could find other positions in the
                // namespaced arguments, which are what Redis reads.
                Ok(_) => keys = spec.key_positions(&args).ok(),
                Err(_) => {
                    let mut outcome = Outcome::error(format!(
                        "ERR {} is refused: Bolide cannot tell which of its arguments are keys",
                        spec.name
                    ));
                    outcome.command = Some(spec.name);
                    return Err(outcome);
                }
            }
        }
        let read = BoundedRead::of(&self.limits, spec, &args);
        let needs = if read.is_some() { Vec::new() } else { cost::needs(&self.limits, spec, &args) };
        Ok(Forwarded { spec, args, needs, read, keys, utf8 })
    }

    /// Runs one forwarded command: a segment of one.
    pub(super) async fn forward(
        &self,
        session: &mut Session,
        spec: &'static CommandSpec,
        args: Vec<Vec<u8>>,
    ) -> Result<Outcome, AppError> {
        let utf8 = all_utf8(&args);
        let forwarded = match self.forwarded(self.namespace(session).as_ref(), spec, args, utf8) {
            Ok(forwarded) => forwarded,
            Err(refusal) => return Ok(refusal),
        };
        let mut outcomes = vec![None];
        let segment = Segment { commands: vec![(0, forwarded)], ..Segment::default() };
        self.run_segment(session, segment, &mut outcomes).await;
        outcomes.pop().flatten().unwrap_or_else(|| Err(AppError::Internal("the command got no reply".into())))
    }

    /// Runs a segment and puts each outcome in its place in `outcomes`.
    ///
    /// Its *lead* — the commands from its start that need nothing measured
    /// before they are sent ([`Forwarded::leads`]) — goes in one pipeline,
    /// followed by the probes of the rest; the rest is then costed in
    /// order and sent in one more. A batch of `SET`s, or of `GET`s, is one
    /// round trip. Commands that are not UTF-8 (a segment of one, from
    /// [`Relay::forward`]) are measured first and sent on their own, as
    /// [`Relay::send`] sends them.
    async fn run_segment(
        &self,
        session: &mut Session,
        segment: Segment,
        outcomes: &mut [Option<Result<Outcome, AppError>>],
    ) {
        let mut lead = segment.commands;
        if lead.is_empty() {
            return;
        }
        let leading = if lead.iter().all(|(_, c)| c.utf8) {
            lead.iter().take_while(|(_, c)| c.leads()).count()
        } else {
            0
        };
        let mut rest = lead.split_off(leading);
        rest.iter_mut().for_each(|(_, command)| command.name_sizes(&self.limits));
        let needs: Vec<_> = rest.iter().flat_map(|(_, c)| c.needs.iter().cloned()).collect();
        // Probed, costed and sent before another batch of the sandbox's may
        // write the same collections (`crate::sandbox::headroom`).
        let _turn = match self.compact_turn(session, &needs).await {
            Ok(turn) => turn,
            Err(err) => {
                return fail_all(outcomes, lead.iter().chain(&rest).map(|(index, _)| *index), &err);
            }
        };
        let sizes = if lead.is_empty() {
            self.measure(session, &needs).await
        } else {
            self.run_lead(session, lead, &needs, outcomes).await
        };
        match sizes {
            Ok(sizes) => self.run_measured(session, rest, &sizes, outcomes).await,
            Err(err) => fail_all(outcomes, rest.iter().map(|(index, _)| *index), &err),
        }
    }

    /// A segment's lead in one pipeline: the commands that need no sizes
    /// costed first and sent as they are, the bounded reads costed from
    /// what they read ([`BoundedRead`]; one past the bound is measured
    /// then, for its length); then the probes `then` of the commands after
    /// it, whose sizes are returned.
    async fn run_lead(
        &self,
        session: &mut Session,
        lead: Vec<(usize, Forwarded)>,
        then: &[(Vec<u8>, Probe)],
        outcomes: &mut [Option<Result<Outcome, AppError>>],
    ) -> Result<Sizes, AppError> {
        let no_sizes = Sizes::default();
        let mut parts = Vec::with_capacity(lead.len());
        // The room the writes reserved counts as in flight until they answered.
        let mut spent = Vec::new();
        for (index, Forwarded { spec, args, needs, read, keys, .. }) in lead {
            let plan = match read {
                Some(read) => {
                    parts.push((index, spec, args, needs, Lead::Read(read), keys));
                    continue;
                }
                None => self.plan(session, spec, &args, keys.as_deref(), &no_sizes).await,
            };
            match plan {
                Ok(Ok((plan, room))) => {
                    spent.push(room);
                    // A planned form of the command is searched for its keys again.
                    let (args, keys) = match plan.args {
                        Some(planned) => (planned, None),
                        None => (args, keys),
                    };
                    parts.push((index, spec, args, needs, Lead::Direct(plan.cut), keys))
                }
                Ok(Err(refusal)) => outcomes[index] = Some(Ok(refused(spec, refusal))),
                Err(err) => outcomes[index] = Some(Err(err)),
            }
        }
        let namespace = self.namespace(session);
        let announce = namespace.as_ref().and_then(|ns| {
            // The keys the commands sent as they are may create.
            let mut written: Vec<&[u8]> = Vec::new();
            for (_, spec, args, _, lead, keys) in &parts {
                match (lead, keys) {
                    (Lead::Read(_), _) => {}
                    (Lead::Direct(_), Some(keys)) => {
                        written.extend(key_index::written_keys_at(spec, args, keys))
                    }
                    (Lead::Direct(_), None) => written.extend(key_index::written_keys(spec, args)),
                }
            }
            key_index::announce_keys(ns.prefix(), &written)
        });
        let mut width = cost::probe_width(then);
        // Sized once: the announcement, the commands and the probes after
        // them.
        let mut pipe = redis::Pipeline::with_capacity(1 + parts.len() + width);
        pipe.ignore_errors();
        let announced = announce.is_some();
        if let Some(announce) = announce {
            // Its reply is dropped by `query_pipeline`.
            pipe.add_command(announce);
        }
        // One command each, so one reply each: a bounded read's `GETRANGE`.
        for (_, _, args, _, lead, _) in &parts {
            match lead {
                Lead::Direct(_) => {
                    pipe.add_command(command(args));
                }
                Lead::Read(read) => read.add_to(&mut pipe, args),
            }
        }
        width += parts.len();
        cost::add_probes(&mut pipe, then);
        let answered = self.query_pipeline(session, &pipe, announced).await;
        drop(spent);
        let values = match one_each(answered, width) {
            Ok(values) => values,
            Err(err) => {
                fail_all(outcomes, parts.iter().map(|part| part.0), &err);
                return Err(err);
            }
        };
        let mut values = values.into_iter();
        let replies: Vec<Value> = values.by_ref().take(parts.len()).collect();
        let probes: Vec<Value> = values.collect();
        // A bounded read that found `""` may be of a missing key: its
        // `EXISTS` tells, asked for all of them in one more pipeline.
        let empty: Vec<bool> = parts
            .iter()
            .zip(&replies)
            .map(|(part, reply)| matches!(part.4, Lead::Read(_)) && BoundedRead::may_be_missing(reply))
            .collect();
        let mut exists: Vec<Option<Result<Value, AppError>>> = empty.iter().map(|_| None).collect();
        let asked_for = empty.iter().filter(|e| **e).count();
        if asked_for > 0 {
            let mut asked = redis::pipe();
            asked.ignore_errors();
            for (part, _) in parts.iter().zip(&empty).filter(|(_, empty)| **empty) {
                if let Lead::Read(read) = &part.4 {
                    read.add_exists_to(&mut asked, &part.2);
                }
            }
            let answered = one_each(self.query_pipeline(session, &asked, false).await, asked_for);
            let mut answers = answered.as_ref().map(|values| values.iter().cloned());
            for (slot, _) in exists.iter_mut().zip(&empty).filter(|(_, empty)| **empty) {
                *slot = Some(match &mut answers {
                    Ok(answers) => Ok(answers.next().unwrap_or(Value::Nil)),
                    Err(err) => Err(same_error(err)),
                });
            }
        }
        for ((index, spec, args, needs, lead, keys), (reply, exists)) in
            parts.into_iter().zip(replies.into_iter().zip(exists))
        {
            let (reply, cut) = match lead {
                Lead::Direct(cut) => (to_reply(reply), cut),
                Lead::Read(read) => {
                    let exists = match exists {
                        Some(Ok(exists)) => Some(exists),
                        Some(Err(err)) => {
                            outcomes[index] = Some(Err(err));
                            continue;
                        }
                        None => None,
                    };
                    let answer = self
                        .bounded_reply(session, spec, &args, keys.as_deref(), needs, read, reply, exists)
                        .await;
                    match answer {
                        Ok(Ok(answer)) => answer,
                        Ok(Err(refusal)) => {
                            outcomes[index] = Some(Ok(refused(spec, refusal)));
                            continue;
                        }
                        Err(err) => {
                            outcomes[index] = Some(Err(err));
                            continue;
                        }
                    }
                }
            };
            outcomes[index] = Some(Ok(self.replied(namespace.as_ref(), spec, &args, reply, cut)));
        }
        Ok(cost::read_sizes(then, &probes))
    }

    /// Costs each command in order from the sizes measured, sends those
    /// let through in one pipeline, and puts each outcome in its place.
    async fn run_measured(
        &self,
        session: &mut Session,
        commands: Vec<(usize, Forwarded)>,
        sizes: &Sizes,
        outcomes: &mut [Option<Result<Outcome, AppError>>],
    ) {
        let mut ready: Vec<(usize, &'static CommandSpec, Vec<Vec<u8>>, Cut)> = Vec::new();
        // The room the commands reserved counts as in flight until they answered.
        let mut spent = Vec::new();
        // A compact collection written earlier in the segment is not probed
        // again (see `Segment::must_wait`): its growth so far is counted.
        let mut earlier = Earlier::default();
        for (index, Forwarded { spec, args, needs, keys, .. }) in commands {
            let sizes = earlier.sizes(sizes, &needs);
            earlier.note(&self.limits, spec, &args, &sizes);
            match self.plan(session, spec, &args, keys.as_deref(), &sizes).await {
                Ok(Ok((plan, room))) => {
                    spent.push(room);
                    ready.push((index, spec, plan.args.unwrap_or(args), plan.cut));
                }
                Ok(Err(refusal)) => outcomes[index] = Some(Ok(refused(spec, refusal))),
                Err(err) => outcomes[index] = Some(Err(err)),
            }
        }
        if ready.is_empty() {
            return;
        }
        let commands: Vec<(&'static CommandSpec, Vec<Vec<u8>>)> =
            ready.iter_mut().map(|(_, spec, args, _)| (*spec, std::mem::take(args))).collect();
        let sent = self.send(session, &commands, Delivery::Each).await;
        drop(spent);
        let sent = sent.map(|sent| match sent {
            Sent::Replies(replies) => replies,
            // Not a transaction: never whole-failed; if it were, no reply.
            Sent::Failed(_) => Vec::new(),
        });
        let replies = match one_each(sent, commands.len()) {
            Ok(replies) => replies,
            Err(err) => return fail_all(outcomes, ready.iter().map(|part| part.0), &err),
        };
        let namespace = self.namespace(session);
        for (((index, _, _, cut), (spec, args)), reply) in ready.into_iter().zip(commands).zip(replies) {
            outcomes[index] = Some(Ok(self.replied(namespace.as_ref(), spec, &args, reply, cut)));
        }
    }

    /// A forwarded command's outcome from Redis's reply: its keys back out
    /// of the namespace, shortened as the limits say.
    fn replied(
        &self,
        namespace: Option<&Namespace>,
        spec: &'static CommandSpec,
        args: &[Vec<u8>],
        mut reply: Reply,
        cut: Cut,
    ) -> Outcome {
        if let Some(ns) = namespace {
            ns.strip_reply(spec.name, &mut reply);
        }
        let mut outcome = Outcome::reply(reply, self.limits.max_reply_elements).with_cut(cut);
        if prints_raw(args) {
            outcome = outcome.raw();
        }
        outcome.command = Some(spec.name);
        outcome
    }

    /// What one command (keys already namespaced) costs from the sizes
    /// measured, or why it is refused; reserves the bytes a write may add
    /// (held until it answered). `keys`: where its keys are in `args`, when
    /// known ([`Forwarded::keys`]).
    pub(super) async fn plan(
        &self,
        session: &mut Session,
        spec: &CommandSpec,
        args: &[Vec<u8>],
        keys: Option<&[usize]>,
        sizes: &(dyn Measured + Sync),
    ) -> Result<Result<(Plan, Spent), String>, AppError> {
        let cut = self.limits.truncate_replies;
        let plan = cost::plan_at(&self.limits, spec, args, keys, sizes, cut);
        if let Some(refusal) = plan.cost.refusal(&self.limits, spec.name) {
            return Ok(Err(refusal));
        }
        match self.reserve(session, plan.cost.grow_bytes, spec.name).await? {
            Ok(spent) => Ok(Ok((plan, spent))),
            Err(refusal) => Ok(Err(refusal)),
        }
    }

    /// **The one place forwarded commands go to Redis** — a line, a
    /// pipelined batch, a transaction's `EXEC` — but a segment's lead, sent
    /// with probes ([`Relay::run_lead`], announced the same way) — with their keys already
    /// in the namespace (what is to be noted about the keys a write
    /// touches is noted here). One command goes as the console's line
    /// always went ([`Relay::run_for`]); several as one pipeline, as the
    /// session, re-creating its ACL user once if Redis forgot it.
    pub(super) async fn send(
        &self,
        session: &Session,
        commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
        delivery: Delivery,
    ) -> Result<Sent, AppError> {
        // In shared mode, the keys a write may create are announced in the
        // sandbox's key index before it runs (`crate::sandbox::key_index`):
        // first in the same pipeline, so it costs no round trip of its own.
        let announce = self.namespace(session).and_then(|ns| key_index::announce(ns.prefix(), commands));
        match (delivery, commands) {
            (_, []) => Ok(Sent::Replies(Vec::new())),
            (Delivery::Each, [(_, args)]) if announce.is_none() || !all_utf8(args) => {
                if let Some(announce) = &announce {
                    // Arguments that are not UTF-8 go down the client's
                    // private connection: announce first, down the same.
                    announce.exec_async(&mut self.isolated_connection(session).await?).await?;
                }
                Ok(Sent::Replies(vec![self.run_for(session, args).await?]))
            }
            (Delivery::Each, many) => self.send_pipeline(session, many, announce).await.map(Sent::Replies),
            (Delivery::Transaction, all) => self.send_transaction(session, all, announce).await,
        }
    }

    /// Plain commands (UTF-8 arguments: see [`Relay::step`]) in one
    /// pipeline down the session's connection.
    async fn send_pipeline(
        &self,
        session: &Session,
        commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
        announce: Option<redis::Cmd>,
    ) -> Result<Vec<Reply>, AppError> {
        let mut pipe = redis::Pipeline::with_capacity(1 + commands.len());
        pipe.ignore_errors();
        let announced = announce.is_some();
        if let Some(announce) = announce {
            // Its reply is dropped by `query_pipeline`.
            pipe.add_command(announce);
        }
        for (_, args) in commands {
            pipe.add_command(command(args));
        }
        let values = self.query_pipeline(session, &pipe, announced).await?;
        Ok(values.into_iter().map(to_reply).collect())
    }

    /// Sends `pipe` down the session's connection: one value per command
    /// but the first when `announced` (the key index's announcement goes
    /// first, its reply dropped). A connection refused its credentials ran
    /// nothing: the session's ACL user is re-created and it is sent again;
    /// commands Redis refused for them (it forgot the user meanwhile) are
    /// sent again, those only, after the announcement, as a line would be.
    pub(super) async fn query_pipeline(
        &self,
        session: &Session,
        pipe: &redis::Pipeline,
        announced: bool,
    ) -> Result<Vec<Value>, AppError> {
        // Read as one `Value` (an array: errors are replies here), not a
        // `Vec<Value>`, which the client library builds anew, value by value.
        let first: Result<Value, redis::RedisError> = pipe.query_async(&mut self.connection(session)?).await;
        let answered = match (first, &session.password) {
            (Ok(answered), _) => answered,
            (Err(err), Some(password)) if err.kind() == redis::ErrorKind::AuthenticationFailed => {
                self.recreate_acl_user(session, password).await?;
                pipe.query_async(&mut self.connection(session)?).await?
            }
            (Err(err), _) => return Err(err.into()),
        };
        let Value::Array(mut values) = answered else {
            return Err(AppError::Internal(
                "Redis answered a pipeline with something else than replies".into(),
            ));
        };
        if announced && !values.is_empty() {
            // The announcement's reply (not marked ignored in the pipeline:
            // the client library then filters every reply by a hash set).
            values.remove(0);
        }
        let refused: Vec<usize> = (0..values.len()).filter(|&i| refused_login(&values[i])).collect();
        if let (false, Some(password)) = (refused.is_empty(), &session.password) {
            self.recreate_acl_user(session, password).await?;
            let sent: Vec<&redis::Cmd> = pipe.cmd_iter().collect();
            let skip = usize::from(announced);
            let mut again = redis::pipe();
            again.ignore_errors();
            if let (true, Some(announce)) = (announced, sent.first()) {
                again.add_command((*announce).clone()).ignore();
            }
            for &i in &refused {
                if let Some(cmd) = sent.get(i + skip) {
                    again.add_command((*cmd).clone());
                }
            }
            let again: Vec<Value> = again.query_async(&mut self.connection(session)?).await?;
            for (i, value) in refused.into_iter().zip(again) {
                values[i] = value;
            }
        }
        Ok(values)
    }

    /// A transaction's commands as one `MULTI`/`EXEC` pipeline.
    async fn send_transaction(
        &self,
        session: &Session,
        commands: &[(&'static CommandSpec, Vec<Vec<u8>>)],
        announce: Option<redis::Cmd>,
    ) -> Result<Sent, AppError> {
        let mut pipe = redis::pipe();
        pipe.atomic().ignore_errors();
        // Inside the transaction: announced exactly when the writes run.
        if let Some(announce) = announce {
            pipe.add_command(announce).ignore();
        }
        for (_, args) in commands {
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
                    return Ok(Sent::Failed(UNREADABLE_ERROR.into()));
                }
                other => other,
            }
        } else if commands.len() > LONG_PIPELINE {
            pipe.query_async(&mut self.long_connection(session, commands.len()).await?).await
        } else {
            pipe.query_async(&mut self.connection(session)?).await
        };
        let values: Vec<Value> = match result {
            Ok(values) => values,
            Err(err) if err.kind() == redis::ErrorKind::Parse => {
                return Ok(Sent::Failed(UNREADABLE_ERROR.into()))
            }
            Err(err) if is_server_error(&err) => return Ok(Sent::Failed(server_error_text(&err))),
            Err(err) => return Err(err.into()),
        };
        Ok(Sent::Replies(values.into_iter().map(to_reply).collect()))
    }
}

/// Redis refused the session's user (see [`Relay::run_for`]).
pub(super) fn is_auth_error(reply: &Reply) -> bool {
    matches!(reply, Reply::Error(text) if text.starts_with("WRONGPASS") || text.starts_with("NOAUTH"))
}

/// [`is_auth_error`], before the reply is the console's.
fn refused_login(value: &Value) -> bool {
    matches!(value, Value::ServerError(err) if matches!(err.code(), "WRONGPASS" | "NOAUTH"))
}

/// A command's refusal by its cost, as its outcome.
fn refused(spec: &'static CommandSpec, refusal: String) -> Outcome {
    let mut outcome = Outcome::error(refusal);
    outcome.command = Some(spec.name);
    outcome
}

/// The same failure again, for each command of a segment that shared it.
/// A pipeline's replies if there is one for each of its `width` commands;
/// else the error all of them get (see [`fail_all`]).
pub(super) fn one_each<T>(answered: Result<Vec<T>, AppError>, width: usize) -> Result<Vec<T>, AppError> {
    match answered {
        Ok(values) if values.len() == width => Ok(values),
        Ok(_) => Err(AppError::Internal("Redis answered a pipeline with too few replies".into())),
        Err(err) => Err(err),
    }
}

/// Each command at `indexes` fails with `err`: a pipeline that failed, or
/// answered too few replies, fails every command it carried alike.
fn fail_all(
    outcomes: &mut [Option<Result<Outcome, AppError>>],
    indexes: impl IntoIterator<Item = usize>,
    err: &AppError,
) {
    for index in indexes {
        outcomes[index] = Some(Err(same_error(err)));
    }
}

/// The same failure again, for each command of a segment that shared it.
fn same_error(err: &AppError) -> AppError {
    match err {
        AppError::RedisUnavailable(text) => AppError::RedisUnavailable(text.clone()),
        AppError::AuthFailed(text) => AppError::AuthFailed(text.clone()),
        AppError::Internal(text) => AppError::Internal(text.clone()),
        other => AppError::Internal(other.to_string()),
    }
}
