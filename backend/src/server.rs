//! Wiring: the shared state, the router, and `serve` (run until shutdown).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::OriginalUri;
use axum::Router;
use bolide_shared::api::RedisMode;
use redis::aio::ConnectionManager;
use thiserror::Error;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;

use crate::console::rate::RateLimits;
use crate::console::relay::Relay;
use crate::console::ConsolePolicy;
use crate::embedded::{EmbeddedControl, EmbeddedError, EmbeddedOptions, EmbeddedRedis};
use crate::error::AppError;
use crate::jobs::{JobsConfig, WorkerOptions};
use crate::redis_conn::{self, RedisEndpoint};
use crate::sandbox::connections::Connections;
use crate::sandbox::store::{Lifetime, SandboxStore};
use crate::sandbox::SYSTEM_DB;
use crate::sandbox::{PublicUrl, Sandboxes};

/// Everything `serve` needs, already parsed.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub redis: RedisChoice,
    pub dist: PathBuf,
    pub console: ConsolePolicy,
    /// Sandboxes' idle timeout and mint limit.
    pub lifetime: Lifetime,
    /// `--public-url`, when given.
    pub public_url: Option<PublicUrl>,
    /// What new analysis jobs get (result TTL, attempts, limits).
    pub jobs: JobsConfig,
    /// The in-process job worker's options; `None` with `--no-worker`.
    pub worker: Option<WorkerOptions>,
}

impl ServeConfig {
    fn state_options(&self, mode: RedisMode, embedded: Option<EmbeddedControl>) -> StateOptions {
        StateOptions {
            mode,
            console: self.console,
            lifetime: self.lifetime,
            public_url: self.public_url.clone(),
            jobs: Some(self.jobs),
            embedded,
        }
    }
}

/// Which Redis Bolide uses.
#[derive(Debug, Clone)]
pub enum RedisChoice {
    /// An existing server, by URL.
    External(String),
    /// Start our own `redis-server`.
    Embedded(EmbeddedOptions),
}

/// Why Bolide could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("invalid Redis URL: {0}")]
    RedisUrl(redis::RedisError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("no per-user data dir on this system; pass --data-dir")]
    NoDataDir,
}

/// What every handler can reach. Cheap to clone. Built once
/// ([`AppState::build`]), before serving; each feature takes the part it
/// needs (`FromRef`, e.g. [`Sandboxes`]).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// Bolide's own database ([`SYSTEM_DB`]): sandboxes, health probes.
    system: ConnectionManager,
    endpoint: RedisEndpoint,
    /// `redis://host:port` without a database, for connections of one's own.
    base_url: String,
    started: Instant,
    relay: Relay,
    sandboxes: Sandboxes,
    /// The embedded `redis-server`, when Bolide started one (the persistence
    /// guide restarts it).
    embedded: Option<EmbeddedControl>,
    /// Analysis jobs' settings.
    jobs: JobsConfig,
}

/// What [`AppState::build`] needs besides the Redis URL.
#[derive(Clone)]
pub struct StateOptions {
    pub mode: RedisMode,
    pub console: ConsolePolicy,
    /// Sandboxes' idle timeout and mint limit.
    pub lifetime: Lifetime,
    /// `--public-url`, when given.
    pub public_url: Option<PublicUrl>,
    /// Analysis jobs' settings (`None`: the mode's defaults).
    pub jobs: Option<JobsConfig>,
    pub embedded: Option<EmbeddedControl>,
}

impl StateOptions {
    /// The defaults of the console policy's mode, for `mode`'s Redis.
    pub fn new(mode: RedisMode, console: ConsolePolicy) -> Self {
        Self {
            mode,
            console,
            lifetime: Lifetime::for_mode(console.is_shared(), console.limits.session_idle),
            public_url: None,
            jobs: None,
            embedded: None,
        }
    }
}

impl AppState {
    /// Connects (lazily) to the Redis at `url`, seen as an external server,
    /// with the local-mode console.
    pub fn connect(url: &str) -> redis::RedisResult<Self> {
        Self::connect_with(url, RedisMode::External, ConsolePolicy::LOCAL)
    }

    /// [`AppState::build`] with the mode's defaults.
    pub fn connect_with(url: &str, mode: RedisMode, console: ConsolePolicy) -> redis::RedisResult<Self> {
        Self::build(url, StateOptions::new(mode, console))
    }

    /// Connects (lazily) to the Redis at `url` (any database in the URL is
    /// ignored: Bolide picks its own).
    pub fn build(url: &str, options: StateOptions) -> redis::RedisResult<Self> {
        let console = options.console;
        let base = redis_conn::url_without_db(url);
        let (system, mut endpoint) = redis_conn::connect(&format!("{base}/{SYSTEM_DB}"))?;
        endpoint.mode = options.mode;
        let connections = Connections::new(&base);
        // Each feature's "sandbox ended" cleanup.
        let cleanups = vec![
            crate::console::on_sandbox_end(),
            crate::data::store::on_sandbox_end(),
            crate::jobs::on_sandbox_end(),
            crate::guides::on_sandbox_end(),
        ];
        let store = SandboxStore::new(
            system.clone(),
            connections.clone(),
            options.lifetime,
            console.is_shared(),
            cleanups,
        );
        let relay = Relay {
            policy: console,
            connections,
            sessions: store.clone(),
            address: format!("{}:{}", endpoint.host, endpoint.port),
            rate: Arc::new(RateLimits::new(
                Some(console.limits.session_rate),
                Some(console.limits.address_rate),
            )),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                system,
                endpoint,
                base_url: base,
                started: Instant::now(),
                relay,
                sandboxes: Sandboxes { store, public_url: options.public_url },
                embedded: options.embedded,
                jobs: options.jobs.unwrap_or(JobsConfig::for_mode(console.is_shared())),
            }),
        })
    }

    /// A handle on Bolide's own database (clones share one socket).
    pub fn redis(&self) -> ConnectionManager {
        self.inner.system.clone()
    }

    pub fn endpoint(&self) -> &RedisEndpoint {
        &self.inner.endpoint
    }

    /// Redis's URL without a database.
    pub fn redis_base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn relay(&self) -> &Relay {
        &self.inner.relay
    }

    /// The sandbox layer's state.
    pub fn sandboxes(&self) -> &Sandboxes {
        &self.inner.sandboxes
    }

    pub fn uptime(&self) -> Duration {
        self.inner.started.elapsed()
    }

    /// What new analysis jobs get.
    pub fn jobs_config(&self) -> JobsConfig {
        self.inner.jobs
    }

    /// The embedded server, when Bolide started one.
    pub fn embedded(&self) -> Option<&EmbeddedControl> {
        self.inner.embedded.as_ref()
    }
}

/// The API, under `/api`: JSON in, JSON out, JSON errors. Answers are
/// compressed as the request accepts, at a fast level (they differ per
/// request; a guide's or a page of landings is ~4× smaller so), except
/// those already compressed once (the console's help table).
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .merge(crate::health::router())
        .merge(crate::console::router())
        .merge(crate::data::api::router())
        .merge(crate::jobs::router())
        .merge(crate::guides::router())
        .merge(crate::sandbox::api::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(redis_conn::retry_reads_once))
        .layer(axum::middleware::from_fn_with_state(state.sandboxes().clone(), crate::sandbox::set_cookie))
        .layer(axum::middleware::from_fn_with_state(
            state.sandboxes().clone(),
            crate::sandbox::cross_site::reject_cross_site,
        ))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .with_state(state)
}

/// The whole app: `/api/...` plus the static browser app from `dist`.
pub fn app(state: AppState, dist: &std::path::Path) -> Router {
    Router::new()
        .nest("/api", api_router(state))
        .merge(crate::assets::router(dist))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::Internal("the server hit a bug".into()))
        }))
        // Failures are logged where they happen (AppError), with their cause;
        // a 503 from /api/health while Redis is down is not a server fault.
        .layer(TraceLayer::new_for_http().on_failure(()))
}

async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API endpoint at {}", uri.path()))
}

/// Starts Redis if embedded, listens, serves until `shutdown` completes,
/// drains, then stops Redis.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let (state, embedded) = match &config.redis {
        RedisChoice::External(url) => {
            let state = AppState::build(url, config.state_options(RedisMode::External, None))
                .map_err(StartError::RedisUrl)?;
            let endpoint = state.endpoint();
            println!("Redis (external) at {}:{}", endpoint.host, endpoint.port);
            (state, None)
        }
        RedisChoice::Embedded(options) => {
            let embedded = EmbeddedRedis::start(options).await?;
            println!(
                "Redis {} (embedded) on 127.0.0.1:{} (pid {}), data in {}",
                embedded.version(),
                embedded.port(),
                embedded.pid(),
                embedded.redis_dir().display()
            );
            println!("  connect your own scripts with: redis-cli -p {0}   or   redis.Redis(host='127.0.0.1', port={0})", embedded.port());
            let url = embedded.url();
            let control = EmbeddedControl::new(embedded);
            let state =
                AppState::build(&url, config.state_options(RedisMode::Embedded, Some(control.clone())));
            match state {
                Ok(state) => {
                    let warmed = state.clone();
                    control.supervise(move || {
                        let state = warmed.clone();
                        async move { crate::guides::restart::wait_for_reconnect(&state).await }
                    });
                    (state, Some(control))
                }
                Err(err) => {
                    control.stop().await;
                    return Err(StartError::RedisUrl(err));
                }
            }
        }
    };

    let result = listen_and_serve(&config, state, shutdown).await;
    if let Some(embedded) = embedded {
        embedded.stop().await;
    }
    result
}

async fn listen_and_serve(
    config: &ServeConfig,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(StartError::Serve)?;
    println!("Bolide listening on http://{addr}");
    tracing::info!(%addr, dist = %config.dist.display(), "serving");
    let housekeeping = tokio::spawn(crate::console::housekeeping::run(state.relay().clone()));
    // The console's help table is compressed once, now, rather than on the
    // first visitor's request.
    tokio::task::spawn_blocking(crate::console::help_table::prepare);
    // One signal stops both the HTTP server and the in-process job worker,
    // side by side: the worker's running job finishes (or is handed back)
    // while HTTP drains, and both are done before Redis stops.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = config.worker.and_then(|options| start_worker(&state, options)).map(|worker| {
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _ = stopping.wait_for(|stop| *stop).await;
            worker.stop().await;
        })
    });
    let signal = {
        let stop = stop.clone();
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
    };
    let mut http_stopping = stopping;
    let result =
        axum::serve(listener, app(state, &config.dist).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = http_stopping.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(StartError::Serve);
    let _ = stop.send(true);
    signal.abort();
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    housekeeping.abort();
    result
}

/// The in-process job worker (`bolide serve` without `--no-worker`).
fn start_worker(state: &AppState, options: WorkerOptions) -> Option<crate::jobs::worker::WorkerHandle> {
    match crate::jobs::worker::spawn(state.redis_base_url(), options) {
        Ok(worker) => {
            println!("Job worker {} running in this process (--no-worker to turn it off)", worker.id());
            Some(worker)
        }
        Err(err) => {
            tracing::error!(%err, "cannot start the in-process job worker");
            None
        }
    }
}
