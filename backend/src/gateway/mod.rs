//! The class gateway: a Redis-protocol endpoint for a student's own
//! scripts (redis-py, redis-cli, redis-benchmark), in front of the same
//! relay as the browser console.
//!
//! # Why
//! In a hosted class (`--shared`) each student's keys live under their
//! sandbox's prefix, reachable only as the sandbox's ACL user, whose
//! password is never shown. A script pointed at the class's Redis either
//! gets nothing or writes outside every sandbox. The gateway
//! (`--gateway-listen ADDR`) lets the script in *as the sandbox*: it
//! authenticates with the sandbox's own credentials
//! ([`crate::sandbox::credentials`], `GET /api/gateway`), and then every
//! command it sends runs through [`Relay::run_command`] — the console's
//! command table, policy, namespace rewriting of keys, replies and errors,
//! argument limits, quotas and MULTI handling, one code path. A student
//! sees the same keys from the console and from the script.
//!
//! # What the gateway adds
//! Only what a *connection* has and an HTTP request does not: the protocol
//! ([`codec`]: RESP2, RESP3 after `HELLO 3`, pipelining), login
//! ([`session`]: `AUTH`/`HELLO … AUTH`, `NOAUTH` before it, `WRONGPASS`
//! with a per-address failure limit), the handshake commands clients send
//! by themselves ([`handshake`]: `HELLO`, `CLIENT SETINFO`/`SETNAME`,
//! `SELECT 0`, `COMMAND DOCS`, `CONFIG GET save`, `QUIT`, `RESET`…), its
//! own `SELECT`/`MULTI` state per connection
//! ([`crate::console::connection_state`]), and bounds on connections
//! ([`limits`]): per sandbox, per address, idle and login timeouts, a
//! command rate per sandbox, and back-pressure — a client that does not
//! read its replies is not read from either, and is cut off after a while.
//!
//! Locally (no `--shared`) there is one student who owns the Redis: the
//! gateway needs no login (any `AUTH` is accepted) and runs commands as the
//! console does locally.

pub mod api;
pub mod codec;
pub mod handshake;
pub mod limits;
pub mod resp3;
pub mod session;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use self::codec::RequestLimits;
use self::limits::{FailedLogins, GatewayLimits, Slots};
use crate::console::relay::Relay;
use crate::sandbox::rate::RateLimits;
use crate::sandbox::store::{SandboxId, SandboxStore};
use crate::server::StartError;

/// `bolide serve --gateway-*`, parsed.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    /// `--gateway-tls-cert` and `--gateway-tls-key`, when given.
    pub tls: Option<tls::TlsFiles>,
    pub limits: GatewayLimits,
}

/// Where students reach the gateway, for `GET /api/gateway` and the guides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayEndpoint {
    /// `--public-host`, or the host of `--public-url`, when given.
    pub public_host: Option<String>,
    /// The address the gateway listens on (its port is the one to use).
    pub listening: SocketAddr,
    pub tls: bool,
}

impl GatewayEndpoint {
    /// The host a student's machine must use: the configured public host,
    /// else the listening address — unless that is `0.0.0.0`/`::`, which
    /// names no machine: then the host the student's browser used to reach
    /// Bolide (`request_host`).
    pub fn host(&self, request_host: Option<&str>) -> String {
        if let Some(host) = &self.public_host {
            return host.clone();
        }
        let ip = self.listening.ip();
        match request_host {
            Some(host) if ip.is_unspecified() => host.to_string(),
            _ => ip.to_string(),
        }
    }
}

/// A bound gateway, ready to serve.
pub struct BoundGateway {
    listener: TcpListener,
    config: GatewayConfig,
    tls: Option<tls::Acceptor>,
}

impl BoundGateway {
    /// Binds the listening socket and reads the TLS files, so a wrong
    /// address or certificate stops `bolide serve` before it says it runs.
    pub async fn bind(config: GatewayConfig) -> Result<Self, StartError> {
        let tls = match &config.tls {
            Some(files) => Some(files.acceptor().map_err(StartError::Gateway)?),
            None => None,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Listen { addr: config.listen, source })?;
        Ok(Self { listener, config, tls })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until the task is aborted, running their
    /// commands through the console's `relay` (all it needs of the app).
    pub fn spawn(self, relay: &Relay) -> tokio::task::JoinHandle<()> {
        let gateway = Arc::new(Gateway::new(relay, self.config.limits));
        tokio::spawn(accept_loop(self.listener, self.tls, gateway))
    }
}

/// What every connection shares.
pub struct Gateway {
    relay: Relay,
    store: SandboxStore,
    shared: bool,
    limits: GatewayLimits,
    requests: RequestLimits,
    rate: RateLimits,
    failures: FailedLogins,
    by_address: Slots<IpAddr>,
    by_sandbox: Slots<SandboxId>,
    all: Slots<()>,
    next_id: AtomicU64,
}

impl Gateway {
    fn new(relay: &Relay, limits: GatewayLimits) -> Self {
        let mut relay = relay.clone();
        relay.limits.max_reply_elements = limits.max_reply_elements;
        relay.limits.max_tx_commands = limits.max_tx_commands;
        relay.limits.max_tx_bytes = crate::console::connection_state::MAX_QUEUED_BYTES as u64;
        // A program gets a whole reply or an error naming the limit, never
        // a cut one (see `console::cost`).
        relay.limits.truncate_replies = false;
        let shared = relay.sessions.is_shared();
        if shared {
            relay.limits.max_reply_bytes = limits.max_reply_bytes;
        }
        let console = relay.limits;
        Self {
            shared,
            store: relay.sessions.clone(),
            requests: RequestLimits {
                max_args: console.max_args,
                max_arg_bytes: console.max_arg_bytes,
                max_request_bytes: crate::console::MAX_BODY_BYTES,
            },
            // Locally the student owns the Redis: no rate but the server's own.
            rate: RateLimits::new(shared.then_some(limits.sandbox_rate), None),
            failures: FailedLogins::new(limits.failed_logins_per_minute),
            by_address: Slots::new(limits.per_address),
            by_sandbox: Slots::new(limits.per_sandbox),
            all: Slots::new(limits.total),
            next_id: AtomicU64::new(1),
            limits,
            relay,
        }
    }
}

async fn accept_loop(listener: TcpListener, tls: Option<tls::Acceptor>, gateway: Arc<Gateway>) {
    let mut shrink = tokio::time::interval(Duration::from_secs(60));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shrink.tick() => {
                gateway.failures.shrink();
                gateway.rate.shrink();
                continue;
            }
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!(%err, "gateway: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (Some(all), Some(address)) = (gateway.all.take(()), gateway.by_address.take(peer.ip())) else {
            tokio::spawn(session::refuse(stream, "ERR max number of clients reached"));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let id = gateway.next_id.fetch_add(1, Ordering::Relaxed);
        let gateway = Arc::clone(&gateway);
        let tls = tls.clone();
        tokio::spawn(async move {
            let slots = (all, address);
            match tls {
                None => session::serve(gateway, stream, peer, id).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(gateway.limits.login_within, acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(stream)) => session::serve(gateway, stream, peer, id).await,
                        Ok(Err(err)) => tracing::debug!(%err, %peer, "gateway: TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "gateway: TLS handshake timed out"),
                    }
                }
            }
            drop(slots);
        });
    }
}
