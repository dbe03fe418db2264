//! One client connection: read requests, run them, write replies — with
//! login first (shared mode) and bounds throughout.
//!
//! **Pipelining.** Requests already in the read buffer are taken as one
//! batch (at most [`MAX_BATCH`]). A run of ordinary commands in a batch
//! goes to the relay as one batch ([`Relay::run_commands`]): their cost
//! probes in one Redis pipeline, then the commands in one more, so a
//! pipelined client gets Redis's own pipelining behind the gateway, with
//! each command checked, costed and answered as the console's line would
//! be; commands that change the connection's state (`MULTI`, `EXEC`,
//! `SELECT`, `AUTH`, …) run one at a time, in order.
//!
//! **Per batch, not per command.** The sandbox's command rate is
//! accounted once for the batch; the batch runs on the connection's own
//! session, without copies; command names are
//! upper-cased on the stack and reply headers written without allocating.
//!
//! **Back-pressure.** Each batch's replies are written before anything
//! more is read. A client that sends without reading fills its socket,
//! Bolide's write waits, and Bolide reads nothing more from it: memory
//! held for a connection is one request (at most the console's body
//! limit) and one batch of replies. A write that waits longer than
//! [`GatewayLimits::write_stall`](super::limits::GatewayLimits) ends the
//! connection.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bolide_shared::cli::Reply;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::codec::{decode, encode, Decoded, Protocol, Shape};
use super::limits::{Slot, FAILED_LOGIN_DELAY};
use super::resp3;
use super::{handshake, Gateway};
use crate::console::relay::Relay;
use crate::error::AppError;
use crate::sandbox::credentials;
use crate::sandbox::store::{SandboxId, Session};

/// Requests taken from the read buffer at once: enough for a `-P 16`
/// pipeline in one go, few enough that one batch of large replies stays
/// small.
pub const MAX_BATCH: usize = 16;

/// How often a logged-in connection checks that its sandbox still exists,
/// that its password was not rotated, and its quota verdict.
const RECHECK_EVERY: Duration = Duration::from_secs(5);

/// `NOAUTH`, word for word as Redis says it.
const NOAUTH: &str = "NOAUTH Authentication required.";
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// Answers `message` and closes (no room for the connection).
pub async fn refuse(mut stream: tokio::net::TcpStream, message: &str) {
    let mut out = Vec::new();
    encode(&mut out, &Reply::Error(message.into()), &Shape::Plain, Protocol::Resp2);
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&out)).await;
}

/// Serves one connection until it ends.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    gateway: Arc<Gateway>,
    stream: S,
    peer: SocketAddr,
    id: u64,
) {
    let mut connection = Connection::new(gateway, peer.ip(), id);
    if let Err(why) = connection.run(stream).await {
        tracing::debug!(%peer, why, "gateway connection closed");
    }
}

/// Who a connection is, once logged in.
pub(super) enum Login {
    /// Shared mode, before `AUTH`.
    Pending,
    /// Shared mode: a sandbox, proven with its gateway password.
    Sandbox { session: Session, password: Vec<u8>, checked: Instant, _slot: Slot<SandboxId> },
    /// Local mode: the one student, from the start.
    Local { session: Session },
}

pub(super) struct Connection {
    pub(super) gateway: Arc<Gateway>,
    pub(super) peer: IpAddr,
    pub(super) id: u64,
    /// The console's relay with this connection's own SELECT/MULTI state.
    pub(super) relay: Relay,
    pub(super) login: Login,
    pub(super) protocol: Protocol,
    /// `CLIENT SETNAME`.
    pub(super) name: Option<Vec<u8>>,
    /// Reply what is pending, then close.
    pub(super) closing: bool,
    /// The RESP3 shape of each command queued since `MULTI`, for `EXEC`'s
    /// reply (one element per queued command, each shaped as its own).
    pub(super) tx_shapes: Vec<Shape>,
    connected: Instant,
}

impl Connection {
    fn new(gateway: Arc<Gateway>, peer: IpAddr, id: u64) -> Self {
        let login = if gateway.shared { Login::Pending } else { Login::Local { session: Session::local() } };
        Self {
            relay: gateway.relay.for_connection(),
            gateway,
            peer,
            id,
            login,
            protocol: Protocol::Resp2,
            name: None,
            closing: false,
            tx_shapes: Vec::new(),
            connected: Instant::now(),
        }
    }

    async fn run<S: AsyncRead + AsyncWrite + Unpin>(&mut self, mut stream: S) -> Result<(), &'static str> {
        let mut input = BytesMut::with_capacity(16 * 1024);
        let mut out = Vec::with_capacity(16 * 1024);
        loop {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            let mut refused = None;
            // What the batch's requests took, dropped from the buffer once.
            let mut taken = 0;
            while batch.len() < MAX_BATCH {
                match decode(&input[taken..], &self.gateway.requests) {
                    Decoded::Incomplete => break,
                    Decoded::Request { args, used } => {
                        taken += used;
                        if !args.is_empty() {
                            batch.push(args);
                        }
                    }
                    Decoded::Refused(message) => {
                        refused = Some(message);
                        break;
                    }
                }
            }
            input.advance(taken);
            let full = batch.len() == MAX_BATCH;
            if !batch.is_empty() {
                self.run_batch(batch, &mut out).await;
            }
            if let Some(message) = refused.filter(|_| !self.closing) {
                encode(&mut out, &Reply::Error(message), &Shape::Plain, self.protocol);
                self.closing = true;
            }
            if !out.is_empty() {
                let write = tokio::time::timeout(self.gateway.limits.write_stall, stream.write_all(&out));
                match write.await {
                    Ok(Ok(())) => out.clear(),
                    Ok(Err(_)) => return Err("write failed"),
                    Err(_) => return Err("the client stopped reading its replies"),
                }
                // A huge reply's buffer is not kept for the next small one.
                if out.capacity() > 1024 * 1024 {
                    out = Vec::with_capacity(16 * 1024);
                }
            }
            if self.closing {
                let _ = stream.shutdown().await;
                return Ok(());
            }
            if full {
                continue;
            }
            if input.capacity() - input.len() < 4096 {
                input.reserve(16 * 1024);
            }
            let wait = match self.login {
                Login::Pending => self.gateway.limits.login_within.saturating_sub(self.connected.elapsed()),
                _ => self.gateway.limits.idle,
            };
            match tokio::time::timeout(wait, stream.read_buf(&mut input)).await {
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(_)) => {}
                Ok(Err(_)) => return Err("read failed"),
                Err(_) => return Err("idle, or no login in time"),
            }
        }
    }

    async fn run_batch(&mut self, batch: Vec<Vec<Vec<u8>>>, out: &mut Vec<u8>) {
        self.recheck(out).await;
        // The sandbox's command rate, accounted once for the whole batch.
        if let Some(session) = self.session() {
            self.wait_for_rate(&session.id, u32::try_from(batch.len()).unwrap_or(u32::MAX)).await;
        }
        let mut run: Vec<Vec<Vec<u8>>> = Vec::with_capacity(batch.len());
        for args in batch {
            if self.closing {
                break;
            }
            let name = Name::of(&args[0]);
            if self.runs_alongside(name.as_str()) {
                run.push(args);
                continue;
            }
            self.run_pipelined(std::mem::take(&mut run), out).await;
            self.run_one(args, name.as_str(), out).await;
        }
        self.run_pipelined(run, out).await;
    }

    /// Whether `name` may go to the relay in one batch with its
    /// neighbours: an ordinary command of a logged-in connection outside
    /// `MULTI`.
    fn runs_alongside(&self, name: &str) -> bool {
        self.session().is_some_and(|session| !session.state.in_tx)
            && !handshake::is_connection_command(name)
            && !matches!(name, "MULTI" | "EXEC" | "DISCARD" | "WATCH" | "UNWATCH")
    }

    /// A run of ordinary commands, as one batch of the relay's.
    async fn run_pipelined(&mut self, run: Vec<Vec<Vec<u8>>>, out: &mut Vec<u8>) {
        if run.is_empty() {
            return;
        }
        let resp3 = self.protocol == Protocol::Resp3;
        let shapes: Vec<Shape> =
            run.iter().map(|args| if resp3 { resp3::shape(args) } else { Shape::Plain }).collect();
        let Connection { relay, login, .. } = self;
        let (Login::Sandbox { session, .. } | Login::Local { session }) = login else { return };
        let results = relay.run_commands(session, run).await;
        for (result, shape) in results.into_iter().zip(&shapes) {
            self.write_result(out, result, shape);
        }
    }

    async fn run_one(&mut self, args: Vec<Vec<u8>>, name: &str, out: &mut Vec<u8>) {
        if let Some((reply, shape)) = handshake::answer(self, &args, name).await {
            encode(out, &reply, &shape, self.protocol);
            return;
        }
        if self.session().is_none() {
            encode(out, &Reply::Error(NOAUTH.into()), &Shape::Plain, self.protocol);
            return;
        }
        let Connection { relay, login, .. } = self;
        let (Login::Sandbox { session, .. } | Login::Local { session }) = login else { return };
        let in_tx = session.state.in_tx;
        let shape = if self.protocol == Protocol::Resp3 { resp3::shape(&args) } else { Shape::Plain };
        let result = relay.run_command(session, args).await;
        let shape = match name {
            "EXEC" => Shape::Tuple(std::mem::take(&mut self.tx_shapes)),
            "MULTI" | "DISCARD" => {
                self.tx_shapes.clear();
                Shape::Plain
            }
            // What Redis queued (a refused command is not queued: it dooms
            // the transaction, and EXEC answers EXECABORT).
            _ if in_tx => {
                if matches!(&result, Ok((Reply::Status(queued), _)) if queued == "QUEUED") {
                    self.tx_shapes.push(shape);
                }
                Shape::Plain
            }
            _ => shape,
        };
        self.write_result(out, result, &shape);
    }

    fn write_result(&self, out: &mut Vec<u8>, result: Result<(Reply, u64), AppError>, shape: &Shape) {
        let reply = match result {
            Ok((_, omitted)) if omitted > 0 => Reply::Error(format!(
                "ERR reply too long: the gateway returns at most {} elements in one array; ask for less \
                 (SCAN, HSCAN, LRANGE with a range)",
                self.gateway.limits.max_reply_elements
            )),
            Ok((reply, _)) => reply,
            Err(err) => Reply::Error(format!("ERR Bolide could not run this command: {err}")),
        };
        encode(out, &reply, shape, self.protocol);
    }

    /// Waits while the sandbox is past its command rate for `n` more.
    async fn wait_for_rate(&self, id: &SandboxId, n: u32) {
        loop {
            match self.gateway.rate.check_session_n(id.as_str(), n) {
                Err(AppError::RateLimited { retry_after, .. }) => {
                    tokio::time::sleep(retry_after.min(Duration::from_millis(100))).await
                }
                _ => return,
            }
        }
    }

    /// `RESET`: the connection as it was when it connected — logged out
    /// in shared mode (its sandbox slot given back), no `MULTI`, RESP2,
    /// database 0, no name.
    pub(super) fn reset(&mut self) {
        self.relay = self.gateway.relay.for_connection();
        self.login =
            if self.gateway.shared { Login::Pending } else { Login::Local { session: Session::local() } };
        // The login timeout counts from here again.
        self.connected = Instant::now();
        self.protocol = Protocol::Resp2;
        self.name = None;
        self.tx_shapes.clear();
    }

    pub(super) fn session(&self) -> Option<&Session> {
        match &self.login {
            Login::Sandbox { session, .. } | Login::Local { session } => Some(session),
            Login::Pending => None,
        }
    }

    /// `AUTH user pass` (also `HELLO … AUTH`): the sandbox these
    /// credentials open, or why not. Locally anything is accepted.
    pub(super) async fn log_in(&mut self, username: &[u8], password: &[u8]) -> Reply {
        if !self.gateway.shared {
            return Reply::Status("OK".into());
        }
        if let Err(wait) = self.gateway.failures.refused(self.peer) {
            self.closing = true;
            return too_many_failures(wait);
        }
        let username = String::from_utf8_lossy(username);
        let session = match credentials::verify(&self.gateway.store, &username, password).await {
            Ok(Some(session)) => session,
            Ok(None) => {
                tokio::time::sleep(FAILED_LOGIN_DELAY).await;
                return match self.gateway.failures.record(self.peer) {
                    Ok(()) => Reply::Error(WRONGPASS.into()),
                    Err(wait) => {
                        self.closing = true;
                        too_many_failures(wait)
                    }
                };
            }
            Err(err) => return Reply::Error(format!("ERR cannot check credentials now: {err}")),
        };
        // A connection that logs in again gives its old place back first.
        self.login = Login::Pending;
        let Some(slot) = self.gateway.by_sandbox.take(session.id.clone()) else {
            return Reply::Error(format!(
                "ERR too many connections for this sandbox (at most {}); close some (scripts, redis-cli)",
                self.gateway.limits.per_sandbox
            ));
        };
        self.login =
            Login::Sandbox { session, password: password.to_vec(), checked: Instant::now(), _slot: slot };
        Reply::Status("OK".into())
    }

    /// Every few seconds: is the sandbox still there, with this password?
    /// Also picks up its quota verdict. A Redis hiccup is not a verdict:
    /// the check is tried again with the next batch.
    async fn recheck(&mut self, out: &mut Vec<u8>) {
        let Login::Sandbox { session, password, checked, .. } = &mut self.login else { return };
        if checked.elapsed() < RECHECK_EVERY {
            return;
        }
        let store = &self.gateway.store;
        let (fresh, current) = match (
            store.find_by_id(&session.id).await,
            credentials::current_password(store, &session.id).await,
        ) {
            (Ok(fresh), Ok(current)) => (fresh, current),
            _ => return,
        };
        match (fresh, current) {
            (Some(mut fresh), Some(current)) if credentials::same_secret(current.as_bytes(), password) => {
                fresh.state = session.state;
                *session = fresh;
                *checked = Instant::now();
            }
            _ => {
                let message = "ERR this sandbox has ended, or its gateway password was rotated: \
                               reconnect with the credentials its page shows";
                encode(out, &Reply::Error(message.into()), &Shape::Plain, self.protocol);
                self.closing = true;
            }
        }
    }
}

/// A command's name upper-cased on the stack (no allocation per command);
/// empty for a name no command has (too long, not UTF-8), which the relay
/// then answers as Redis does.
struct Name {
    buf: [u8; 24],
    len: usize,
}

impl Name {
    fn of(arg: &[u8]) -> Self {
        let mut name = Self { buf: [0; 24], len: 0 };
        if let Some(buf) = name.buf.get_mut(..arg.len()) {
            buf.copy_from_slice(arg);
            buf.make_ascii_uppercase();
            name.len = arg.len();
        }
        name
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

fn too_many_failures(wait: Duration) -> Reply {
    Reply::Error(format!(
        "ERR too many failed logins from this address; try again in {} s",
        wait.as_secs().max(1)
    ))
}
