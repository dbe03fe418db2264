//! Wiring: the shared state, the router, and `serve` (run until shutdown).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::OriginalUri;
use axum::Router;
use bolide_shared::api::RedisMode;
use thiserror::Error;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;

use crate::console::cost::Encodings;
use crate::console::relay::Relay;
use crate::console::Limits;
use crate::embedded::{EmbeddedControl, EmbeddedError, EmbeddedOptions, EmbeddedRedis};
use crate::error::AppError;
use crate::gateway::{BoundGateway, GatewayConfig, GatewayEndpoint};
use crate::jobs::{JobsConfig, WorkerOptions};
use crate::redis_conn::{self, Connection, RedisEndpoint};
use crate::sandbox::connections::Connections;
use crate::sandbox::rate::RateLimits;
use crate::sandbox::store::{Lifetime, SandboxStore};
use crate::sandbox::SYSTEM_DB;
use crate::sandbox::{PublicUrl, Sandboxes, Tenancy};

/// Everything `serve` needs, already parsed.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub redis: RedisChoice,
    pub dist: PathBuf,
    /// Local or shared (`--shared`).
    pub tenancy: Tenancy,
    /// The console's limits.
    pub console: Limits,
    /// Sandboxes' idle timeout and mint limit.
    pub lifetime: Lifetime,
    /// `--public-url`, when given.
    pub public_url: Option<PublicUrl>,
    /// What new analysis jobs get (result TTL, attempts, limits).
    pub jobs: JobsConfig,
    /// The in-process job worker's options; `None` with `--no-worker`.
    pub worker: Option<WorkerOptions>,
    /// `--gateway-listen` and its options, when the gateway is on.
    pub gateway: Option<GatewayConfig>,
    /// `--public-host`, when given.
    pub public_host: Option<String>,
    /// The data browser's bounds on filtered results per sandbox.
    pub data_results: crate::data::store::results::Bounds,
}

impl ServeConfig {
    fn state_options(
        &self,
        mode: RedisMode,
        embedded: Option<EmbeddedControl>,
        gateway: Option<GatewayEndpoint>,
    ) -> StateOptions {
        StateOptions {
            gateway,
            mode,
            tenancy: self.tenancy,
            console: self.console,
            lifetime: self.lifetime,
            public_url: self.public_url.clone(),
            jobs: Some(self.jobs),
            embedded,
            data_results: self.data_results,
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
    #[error("gateway: {0}")]
    Gateway(String),
}

/// The app's state. Cheap to clone. Built once ([`AppState::build`]),
/// before serving. No handler takes it whole: each feature takes the part
/// it needs, made from it with `FromRef` ([`Sandboxes`],
/// [`crate::console::ConsoleState`], [`crate::health::HealthState`],
/// [`crate::gateway::api::GatewayApiState`], [`crate::jobs::api::JobsState`],
/// [`crate::guides::GuidesState`]), and its routes serve on any state that
/// provides those (a test below builds them on the sub-states alone).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// Bolide's own database ([`SYSTEM_DB`]): sandboxes, health probes.
    system: Connection,
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
    /// Where students reach the gateway, when it is on.
    gateway: Option<GatewayEndpoint>,
    /// The data API's own state.
    data: crate::data::api::DataState,
}

/// What [`AppState::build`] needs besides the Redis URL.
#[derive(Clone)]
pub struct StateOptions {
    pub mode: RedisMode,
    /// Local or shared: the sandbox layer's configuration, which every
    /// feature reads there.
    pub tenancy: Tenancy,
    /// The console's limits.
    pub console: Limits,
    /// Sandboxes' idle timeout and mint limit.
    pub lifetime: Lifetime,
    /// `--public-url`, when given.
    pub public_url: Option<PublicUrl>,
    /// Analysis jobs' settings (`None`: the mode's defaults).
    pub jobs: Option<JobsConfig>,
    pub embedded: Option<EmbeddedControl>,
    /// Where students reach the gateway, when it is on.
    pub gateway: Option<GatewayEndpoint>,
    /// The data browser's bounds on filtered results per sandbox.
    pub data_results: crate::data::store::results::Bounds,
}

impl StateOptions {
    /// The defaults of `tenancy`, for `mode`'s Redis.
    pub fn new(mode: RedisMode, tenancy: Tenancy) -> Self {
        let console = Limits::for_tenancy(tenancy);
        Self {
            mode,
            tenancy,
            console,
            lifetime: Lifetime::for_mode(tenancy.is_shared(), console.session_idle),
            public_url: None,
            jobs: None,
            embedded: None,
            gateway: None,
            data_results: crate::data::store::results::Bounds::for_tenancy(tenancy),
        }
    }
}

impl AppState {
    /// Connects (lazily) to the Redis at `url`, seen as an external server,
    /// in local mode.
    pub fn connect(url: &str) -> redis::RedisResult<Self> {
        Self::connect_with(url, RedisMode::External, Tenancy::Local)
    }

    /// [`AppState::build`] with the mode's defaults.
    pub fn connect_with(url: &str, mode: RedisMode, tenancy: Tenancy) -> redis::RedisResult<Self> {
        Self::build(url, StateOptions::new(mode, tenancy))
    }

    /// Connects (lazily) to the Redis at `url` (any database in the URL is
    /// ignored: Bolide picks its own).
    pub fn build(url: &str, options: StateOptions) -> redis::RedisResult<Self> {
        let (console, shared) = (options.console, options.tenancy.is_shared());
        let base = redis_conn::url_without_db(url);
        let (system, mut endpoint) = redis_conn::connect(&format!("{base}/{SYSTEM_DB}"))?;
        endpoint.mode = options.mode;
        let connections = Connections::new(&base, system.clone());
        // Each feature's "sandbox ended" cleanup.
        let cleanups = vec![
            crate::console::on_sandbox_end(),
            crate::data::store::on_sandbox_end(),
            crate::jobs::on_sandbox_end(),
            crate::guides::on_sandbox_end(),
        ];
        // Each feature's part of a sandbox's measured memory (its quota).
        let measures = vec![crate::console::on_sandbox_measure(), crate::data::store::on_sandbox_measure()];
        let store = SandboxStore::new(
            system.clone(),
            connections.clone(),
            options.lifetime,
            shared,
            cleanups,
            measures,
        );
        let relay = Relay {
            limits: console,
            connections,
            sessions: store.clone(),
            address: format!("{}:{}", endpoint.host, endpoint.port),
            home: Default::default(),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                system,
                endpoint,
                base_url: base,
                started: Instant::now(),
                relay,
                sandboxes: Sandboxes {
                    store,
                    public_url: options.public_url,
                    rate: Arc::new(RateLimits::new(Some(console.session_rate), Some(console.address_rate))),
                    quota_bytes: if shared { console.max_session_bytes } else { 0 },
                    quota_keys: if shared { console.max_session_keys } else { 0 },
                    encodings: console.encodings,
                },
                embedded: options.embedded,
                jobs: options.jobs.unwrap_or(JobsConfig::for_mode(shared)),
                gateway: options.gateway,
                data: crate::data::api::DataState::new(options.data_results),
            }),
        })
    }

    /// A handle on Bolide's own database (clones share one socket).
    pub fn redis(&self) -> Connection {
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

    /// The data API's state.
    pub fn data(&self) -> &crate::data::api::DataState {
        &self.inner.data
    }

    /// When this Bolide started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }

    /// What new analysis jobs get.
    pub fn jobs_config(&self) -> JobsConfig {
        self.inner.jobs
    }

    /// Where students reach the gateway, when it is on.
    pub fn gateway(&self) -> Option<&GatewayEndpoint> {
        self.inner.gateway.as_ref()
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
    // What a sandbox uses is rate-limited per sandbox and address, fairly
    // (`sandbox::rate`), before anything else runs.
    let rated = Router::new()
        .merge(crate::console::router())
        .merge(crate::data::api::router())
        .merge(crate::jobs::router())
        .merge(crate::keys::router())
        .merge(crate::guides::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.sandboxes().clone(),
            crate::sandbox::rate::limit,
        ));
    Router::new()
        .merge(crate::health::router())
        .merge(rated)
        .merge(crate::sandbox::api::router())
        .merge(crate::gateway::api::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
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
        .nest("/api", api_router(state.clone()))
        .merge(crate::assets::router(dist, state))
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
    mut config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    // Bound first: a taken port or an unreadable certificate stops start-up.
    let gateway = match config.gateway.clone() {
        Some(gateway) => Some(BoundGateway::bind(gateway).await?),
        None => None,
    };
    let endpoint = match &gateway {
        Some(bound) => Some(GatewayEndpoint {
            public_host: config
                .public_host
                .clone()
                .or_else(|| config.public_url.as_ref().map(|u| u.host().to_string())),
            listening: bound.local_addr().map_err(StartError::Serve)?,
            tls: config.gateway.as_ref().is_some_and(|g| g.tls.is_some()),
        }),
        None => None,
    };
    let (state, embedded) = match &config.redis {
        RedisChoice::External(url) => {
            read_encodings(url, &mut config.console).await;
            let state = AppState::build(url, config.state_options(RedisMode::External, None, endpoint))
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
            read_encodings(&url, &mut config.console).await;
            let control = EmbeddedControl::new(embedded);
            let state = AppState::build(
                &url,
                config.state_options(RedisMode::Embedded, Some(control.clone()), endpoint),
            );
            match state {
                Ok(state) => {
                    let warmed = state.clone();
                    control.supervise(move || {
                        let state = warmed.clone();
                        async move {
                            let guides: crate::guides::GuidesState = axum::extract::FromRef::from_ref(&state);
                            crate::guides::restart::wait_for_reconnect(&guides).await
                        }
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

    let gateway = gateway.map(|bound| {
        if let Some(endpoint) = state.gateway() {
            let scheme = if endpoint.tls { "rediss" } else { "redis" };
            println!("Class gateway (Redis protocol) listening on {scheme}://{}", endpoint.listening);
        }
        bound.spawn(state.relay())
    });
    let result = listen_and_serve(&config, state, shutdown).await;
    if let Some(gateway) = gateway {
        gateway.abort();
    }
    if let Some(embedded) = embedded {
        embedded.stop().await;
    }
    result
}

/// Sets `limits`' compact-encoding thresholds to those of the Redis at
/// `url`, read now, once, when its writes are bounded by a quota (the
/// bounds price a write by them: [`Encodings`]; when they cannot be read,
/// nothing is assumed compact). A change made to them later is seen when
/// Bolide restarts.
async fn read_encodings(url: &str, limits: &mut Limits) {
    if limits.max_session_bytes == 0 {
        return;
    }
    limits.encodings = match redis_conn::private_connection(url, redis_conn::RESPONSE_TIMEOUT).await {
        Ok(mut conn) => Encodings::read(&mut conn).await,
        Err(err) => Encodings::unread(&format!("cannot connect: {err}")),
    };
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
    // The class's user of cookieless reads, before the first one.
    let sandboxes = state.sandboxes().store.clone();
    tokio::spawn(async move {
        if let Err(err) = sandboxes.prepare().await {
            tracing::warn!(%err, "the user of cookieless reads is made at the first one instead");
        }
    });
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
    serve_http(listener, app(state, &config.dist), async move {
        let _ = http_stopping.wait_for(|stop| *stop).await;
    })
    .await;
    let _ = stop.send(true);
    signal.abort();
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    housekeeping.abort();
    Ok(())
}

/// How long a client may take to send a request's line and headers,
/// counted from when Bolide starts reading them (also for the next request
/// on a kept-alive connection): past it the connection is closed, so idle
/// and slowloris connections hold nothing for long.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest silence while a request's body is read: past it the request
/// fails (`400`) and its connection is closed.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` (HTTP/1.1, each client's address available
/// as `ConnectInfo<SocketAddr>`) until `stopping` completes, then lets the
/// requests in flight finish. hyper's own server rather than `axum::serve`,
/// which has no header read timeout ([`HEADER_READ_TIMEOUT`]).
async fn serve_http(listener: tokio::net::TcpListener, app: Router, stopping: impl Future<Output = ()>) {
    use tower::ServiceExt;
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_READ_TIMEOUT));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stopping = std::pin::pin!(stopping);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: let some close.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stopping => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
        let connection =
            connections.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, %peer, "connection closed");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::FromRef;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;
    use crate::console::ConsoleState;
    use crate::gateway::api::GatewayApiState;
    use crate::guides::GuidesState;
    use crate::health::HealthState;
    use crate::jobs::api::JobsState;

    /// A state made of the features' sub-states only, no `AppState`: every
    /// router must serve on it, so no handler can take the whole state.
    #[derive(Clone)]
    struct SubStates {
        console: ConsoleState,
        health: HealthState,
        gateway: GatewayApiState,
        jobs: JobsState,
        guides: GuidesState,
        sandboxes: Sandboxes,
        data: crate::data::api::DataState,
    }

    macro_rules! part {
        ($field:ident: $ty:ty) => {
            impl FromRef<SubStates> for $ty {
                fn from_ref(state: &SubStates) -> Self {
                    state.$field.clone()
                }
            }
        };
    }
    part!(console: ConsoleState);
    part!(health: HealthState);
    part!(gateway: GatewayApiState);
    part!(jobs: JobsState);
    part!(guides: GuidesState);
    part!(sandboxes: Sandboxes);
    part!(data: crate::data::api::DataState);

    #[tokio::test]
    async fn every_router_serves_on_sub_states_alone() {
        // Nothing listens on port 1: the health check says so with a 503.
        let state = AppState::connect("redis://127.0.0.1:1").expect("state");
        let parts = SubStates {
            console: FromRef::from_ref(&state),
            health: FromRef::from_ref(&state),
            gateway: FromRef::from_ref(&state),
            jobs: FromRef::from_ref(&state),
            guides: FromRef::from_ref(&state),
            sandboxes: FromRef::from_ref(&state),
            data: FromRef::from_ref(&state),
        };
        let router: Router = Router::new()
            .merge(crate::health::router())
            .merge(crate::console::router())
            .merge(crate::data::api::router())
            .merge(crate::jobs::router())
            .merge(crate::guides::router())
            .merge(crate::sandbox::api::router())
            .merge(crate::gateway::api::router())
            .with_state(parts);
        let health = router
            .clone()
            .oneshot(Request::get("/health").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
        let gateway = router
            .oneshot(Request::get("/gateway").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(gateway.status(), StatusCode::NOT_FOUND, "this Bolide has no gateway");
    }
}
