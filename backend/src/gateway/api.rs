//! `/api/gateway`: the caller's gateway credentials.
//!
//! - `GET /api/gateway` → [`GatewayInfo`]: host, port, username, password
//!   and a ready `redis://` URL, for the sandbox's owner only (a cookieless
//!   read gets `404` in shared mode); `404` when the gateway is off.
//! - `POST /api/gateway/rotate` → new credentials (shared mode; `409`
//!   locally): the old password stops working, and connections logged in
//!   with it are closed within seconds.

use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::api::GatewayInfo;

use super::GatewayEndpoint;
use crate::error::AppError;
use crate::sandbox::credentials::{self, Credentials};
use crate::sandbox::store::{SandboxId, SandboxStore, Session};
use crate::sandbox::Sandboxes;
use crate::server::AppState;

/// What the gateway's API needs of the app's state: the sandbox store
/// (credentials) and where students reach the gateway, if it is on.
#[derive(Clone)]
pub struct GatewayApiState {
    pub store: SandboxStore,
    pub gateway: Option<GatewayEndpoint>,
}

impl FromRef<AppState> for GatewayApiState {
    fn from_ref(state: &AppState) -> Self {
        GatewayApiState { store: state.sandboxes().store.clone(), gateway: state.gateway().cloned() }
    }
}

/// The gateway's routes, on any state that provides [`GatewayApiState`]
/// and the sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    GatewayApiState: FromRef<S>,
    Sandboxes: FromRef<S>,
{
    Router::new().route("/gateway", get(info)).route("/gateway/rotate", post(rotate))
}

async fn info(
    State(state): State<GatewayApiState>,
    headers: HeaderMap,
    session: Result<Session, AppError>,
) -> Result<Json<GatewayInfo>, AppError> {
    let endpoint = endpoint(&state)?;
    let id = if state.store.is_shared() { Some(session?.id) } else { None };
    Ok(Json(describe(&state.store, endpoint, id.as_ref(), request_host(&headers)).await?))
}

async fn rotate(
    State(state): State<GatewayApiState>,
    headers: HeaderMap,
    session: Session,
) -> Result<Json<GatewayInfo>, AppError> {
    let endpoint = endpoint(&state)?;
    let store = &state.store;
    if !store.is_shared() {
        return Err(AppError::Conflict("a local Bolide's gateway has no password to rotate".into()));
    }
    let credentials = credentials::rotate(store, &session.id).await?;
    Ok(Json(info_of(endpoint, request_host(&headers), credentials)))
}

fn endpoint(state: &GatewayApiState) -> Result<&GatewayEndpoint, AppError> {
    state.gateway.as_ref().ok_or_else(|| {
        AppError::NotFound("this Bolide has no gateway (start it with --gateway-listen ADDR)".into())
    })
}

/// The gateway as `id`'s owner reaches it (`None`: local mode, no login).
pub async fn describe(
    store: &SandboxStore,
    endpoint: &GatewayEndpoint,
    id: Option<&SandboxId>,
    request_host: Option<&str>,
) -> Result<GatewayInfo, AppError> {
    let credentials = match id {
        Some(id) => credentials::of(store, id).await?,
        None => Credentials { username: "default".into(), password: String::new() },
    };
    Ok(info_of(endpoint, request_host, credentials))
}

fn info_of(endpoint: &GatewayEndpoint, request_host: Option<&str>, credentials: Credentials) -> GatewayInfo {
    let host = endpoint.host(request_host);
    let port = endpoint.listening.port();
    let scheme = if endpoint.tls { "rediss" } else { "redis" };
    let url_host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
    let login = if credentials.password.is_empty() {
        String::new()
    } else {
        format!("{}:{}@", credentials.username, credentials.password)
    };
    GatewayInfo {
        url: format!("{scheme}://{login}{url_host}:{port}/0"),
        host,
        port,
        username: credentials.username,
        password: credentials.password,
        tls: endpoint.tls,
    }
}

/// The host the browser used to reach Bolide (`Host`, without its port).
pub fn request_host(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    (!host.is_empty()).then_some(host)
}
