//! Who is calling and what they own: the sandbox layer, below every feature.
//!
//! In shared mode (a class, a public site) each student works in a
//! **sandbox**: a namespace of keys, a Redis ACL user, data indexes, jobs,
//! guide progress. Locally there is one student and one sandbox, `local`,
//! which owns database 0 without a prefix. Features (console, data, jobs,
//! guides) never decide this themselves: a handler takes a [`Sandbox`]
//! (an axum extractor that resolves the caller from the cookie) and works
//! with its [`Owner`]. Putting it here, not in one feature the others
//! import, keeps one answer to "whose keys are these".
//!
//! What lives here:
//! - [`Owner`]: the prefix of the caller's keys and the tag of Bolide's
//!   bookkeeping about them;
//! - [`store`]: sandboxes in Redis (the system database), minted, resolved
//!   and refreshed;
//! - [`acl`]: a shared-mode sandbox's Redis ACL users (the console's, and
//!   the features' that [`Access`] connects as);
//! - [`credentials`]: its username and password for clients that are not
//!   its browser (the gateway's scripts, `curl -u`), which [`Sandbox`]
//!   also accepts as HTTP Basic credentials;
//! - [`key_index`]: the names of a shared-mode sandbox's keys, so that its
//!   listings and quota cost O(its own keys), not O(the server's);
//! - [`cross_site`]: the one middleware that refuses cross-site writes;
//! - [`quota`]: a sandbox's memory quota as the features that write for
//!   it (the data API) reserve room in it; [`headroom`]: how every write
//!   (the console's and gateway's too) takes room in it before it runs;
//! - [`rate`]: request rates per sandbox and per address, the address's
//!   budget shared fairly among its sandboxes (the features' middleware);
//! - [`ids`] and [`clock`]: randomness and time, for every feature;
//! - [`Tenancy`]: the mode (local or shared), configuration read here by
//!   every feature (the console included);
//! - the keyspace layout: [`SYSTEM_DB`] holds Bolide's own keys, databases
//!   [`STUDENT_DATABASES`] are the student's.

pub mod acl;
pub mod api;
pub mod clock;
pub mod compact_turn;
pub mod connections;
pub mod credentials;
pub mod cross_site;
pub mod ended;
pub mod headroom;
pub mod ids;
pub mod key_index;
pub mod owner;
pub mod quota;
pub mod rate;
pub mod store;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use bolide_shared::commands::policy::Databases;

pub use connections::Access;
pub use owner::Owner;

use crate::error::AppError;
use crate::server::AppState;

/// The logical database that holds Bolide's own keys (sandboxes, data
/// indexes, jobs, guide progress). The console can never select it, so a
/// student's `FLUSHDB`, `KEYS *` or `SCAN` neither shows nor deletes them.
pub const SYSTEM_DB: u32 = 15;

/// The databases that are the student's (local mode can `SELECT` them).
pub const STUDENT_DATABASES: Databases = Databases::new(0, SYSTEM_DB - 1);

/// Which Bolide this is: configuration (`--shared`), set once, that every
/// feature reads from the sandbox layer rather than deciding for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// One student on their own machine: database 0, no namespace, no ACL users.
    Local,
    /// A class or a public site: a sandbox per browser.
    Shared,
}

impl Tenancy {
    pub fn is_shared(self) -> bool {
        self == Tenancy::Shared
    }
}

/// The sandbox layer's part of the state: the store and how the site is
/// reached (for cookies and the cross-site check).
#[derive(Clone)]
pub struct Sandboxes {
    pub store: store::SandboxStore,
    /// `--public-url`, when given.
    pub public_url: Option<PublicUrl>,
    /// Request rates per sandbox and address ([`rate::limit`]).
    pub rate: Arc<rate::RateLimits>,
    /// Bytes and keys a sandbox may hold (shared mode; 0 = unlimited): the
    /// console's `max_session_bytes` and `max_session_keys`, one quota for
    /// every feature ([`quota`]).
    pub quota_bytes: u64,
    pub quota_keys: u64,
    /// The server's compact-encoding thresholds, which the quota's
    /// estimates price small hashes by (the console's, read at start).
    pub encodings: crate::console::cost::Encodings,
}

impl FromRef<AppState> for Sandboxes {
    fn from_ref(state: &AppState) -> Self {
        state.sandboxes().clone()
    }
}

impl Sandboxes {
    /// The `Set-Cookie` value carrying `secret`: `HttpOnly;
    /// SameSite=Strict; Path=/`, `Max-Age` the idle timeout (sent again as
    /// the sandbox is used, so the lifetime slides), `Secure` when the site
    /// is served over HTTPS.
    pub fn cookie(&self, secret: &str) -> String {
        self.cookie_with_age(secret, self.store.idle_ttl().as_secs())
    }

    /// The cookie that makes the browser forget its sandbox.
    pub fn removal_cookie(&self) -> String {
        self.cookie_with_age("", 0)
    }

    fn cookie_with_age(&self, secret: &str, max_age: u64) -> String {
        let secure = if self.public_url.as_ref().is_some_and(PublicUrl::is_https) { "; Secure" } else { "" };
        format!("{}={secret}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}", store::COOKIE)
    }
}

/// Where students reach this Bolide (`--public-url https://class.example:8443`):
/// scheme, host and port, compared whole with a request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    scheme: String,
    host: String,
    port: u16,
}

impl PublicUrl {
    /// `http(s)://host[:port][/…]`, or why not.
    pub fn parse(text: &str) -> Result<Self, String> {
        let origin = Self::origin_of(text).ok_or("expected http://host[:port] or https://host[:port]")?;
        Ok(origin)
    }

    /// An `Origin` header (or URL) as scheme, host and port; `None` if it
    /// is not an http(s) URL.
    pub fn origin_of(text: &str) -> Option<Self> {
        let uri: axum::http::Uri = text.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let host = uri.host()?.to_ascii_lowercase();
        Some(Self { port: uri.port_u16().unwrap_or(default), scheme, host })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// `scheme://host[:port]`, the port left out when it is the scheme's.
    pub fn origin(&self) -> String {
        let default = if self.is_https() { 443 } else { 80 };
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            format!("{}://{host}", self.scheme)
        } else {
            format!("{}://{host}:{}", self.scheme, self.port)
        }
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }
}

/// The caller of a request, as every feature sees it: whose keys.
///
/// Locally this is always the one student ([`Owner::local`]), without a
/// Redis round trip. In shared mode it is the sandbox the cookie names; a
/// request that changes something mints one when there is none (bounded
/// per client address), while a cookieless read (`GET`) never does: it
/// sees an empty sandbox that exists nowhere.
#[derive(Clone)]
pub struct Sandbox {
    /// Whose keys.
    pub owner: Owner,
    /// Shared mode (a namespace and an ACL user) or local.
    pub shared: bool,
    /// The connections to read and write the owner's keys through
    /// (restricted to this sandbox by Redis in shared mode).
    pub access: Access,
    /// Its memory quota, which writes that grow it reserve room in first
    /// (`None`: unlimited, as locally).
    pub quota: Option<quota::Quota>,
}

impl Sandbox {
    /// A shared-mode read without a sandbox: it owns nothing, and its
    /// connections may only read (its indexes are nobody's to rebuild).
    pub fn owns_nothing(&self) -> bool {
        self.shared && self.owner.owner == acl::NOBODY
    }
}

/// Where the extractor leaves the `Set-Cookie` header for [`set_cookie`]
/// to add to the response (an extractor cannot touch the response), with
/// the sandbox the request minted, if it did.
#[derive(Clone, Default)]
pub struct CookieSlot(Arc<Mutex<Option<PendingCookie>>>);

/// A `Set-Cookie` value, and the sandbox the request minted (if it did).
type PendingCookie = (String, Option<store::SandboxId>);

impl CookieSlot {
    /// Asks for `cookie` on the response.
    pub fn set(&self, cookie: String, minted: Option<store::SandboxId>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((cookie, minted));
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Sandbox
where
    Sandboxes: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let sandboxes = Sandboxes::from_ref(state);
        let store = &sandboxes.store;
        if !store.is_shared() {
            let access = store.connections().local_access()?;
            return Ok(Sandbox { owner: Owner::local(), shared: false, access, quota: None });
        }
        Ok(match resolve(parts, &sandboxes, is_read(parts)).await? {
            Some(session) => Sandbox {
                owner: Owner::for_session(session.id.as_str()),
                shared: true,
                access: store.access(&session)?,
                quota: quota::Quota::of(
                    store,
                    &session,
                    sandboxes.quota_bytes,
                    sandboxes.quota_keys,
                    sandboxes.encodings,
                ),
            },
            // A read without a sandbox: one that owns nothing, stored nowhere.
            None => Sandbox {
                owner: Owner::for_session(acl::NOBODY),
                shared: true,
                access: store.nobody_access().await?,
                quota: None,
            },
        })
    }
}

/// The sandbox's stored record (console state, ACL password, quota), in
/// both modes: the console keeps redis-cli's per-browser state in it.
/// A cookieless read gets `404`.
impl<S: Send + Sync> FromRequestParts<S> for store::Session
where
    Sandboxes: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let sandboxes = Sandboxes::from_ref(state);
        resolve(parts, &sandboxes, is_read(parts))
            .await?
            .ok_or_else(|| AppError::NotFound("this browser has no sandbox yet".into()))
    }
}

fn is_read(parts: &Parts) -> bool {
    matches!(parts.method, Method::GET | Method::HEAD)
}

/// The sandbox the cookie names, or a new one unless `read_only`; asks for
/// the cookie on the response when it is new or its lifetime slid.
async fn resolve(
    parts: &Parts,
    sandboxes: &Sandboxes,
    read_only: bool,
) -> Result<Option<store::Session>, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let secret = jar.get(store::COOKIE).map(Cookie::value);
    let found = match sandboxes.store.find(secret).await? {
        Some(session) => {
            sandboxes.rate.remember(secret.unwrap_or_default(), session.id.as_str())?;
            Some(session)
        }
        None => {
            let session = basic_login(parts, sandboxes).await?;
            if let (Some(session), Some(credential)) = (&session, rate::credential(&parts.headers)) {
                sandboxes.rate.remember(&credential, session.id.as_str())?;
            }
            session
        }
    };
    let session = match found {
        Some(session) => session,
        None if read_only => return Ok(None),
        None => {
            sandboxes.store.check_mint(client_address(parts))?;
            let session = sandboxes.store.mint().await?;
            if let Some(secret) = &session.set_secret {
                sandboxes.rate.remember(secret, session.id.as_str())?;
            }
            session
        }
    };
    if let (Some(secret), Some(slot)) = (&session.set_secret, parts.extensions.get::<CookieSlot>()) {
        slot.set(sandboxes.cookie(secret), session.is_new.then(|| session.id.clone()));
    }
    Ok(Some(session))
}

/// Shared mode: the sandbox an `Authorization: Basic` header's gateway
/// credentials open (`curl -u user:pass`, as the guides' curl lines do).
/// Wrong credentials are refused (`403`), never answered with a new
/// sandbox, and count against the address's mint allowance like a wrong
/// sandbox code, so they cannot be guessed by brute force.
async fn basic_login(parts: &Parts, sandboxes: &Sandboxes) -> Result<Option<store::Session>, AppError> {
    use base64::Engine as _;
    let Some(value) = parts.headers.get(header::AUTHORIZATION).filter(|_| sandboxes.store.is_shared()) else {
        return Ok(None);
    };
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok());
    let login = decoded.as_deref().and_then(|d| {
        let colon = d.iter().position(|b| *b == b':')?;
        Some((std::str::from_utf8(&d[..colon]).ok()?, &d[colon + 1..]))
    });
    if let Some((username, password)) = login {
        if let Some(session) = credentials::verify(&sandboxes.store, username, password).await? {
            return Ok(Some(session));
        }
    }
    sandboxes.store.check_mint(client_address(parts))?;
    Err(AppError::Forbidden(
        "these credentials open no sandbox (see GET /api/gateway for yours; a rotated password stops working)"
            .into(),
    ))
}

/// The peer address of the request, when the server knows it (tests that
/// call the router directly have none).
pub fn client_address(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// Middleware: adds the cookie the extractors asked for — or, when the
/// request that minted a sandbox failed, ends that sandbox (a refused
/// request changes nothing).
pub async fn set_cookie(State(sandboxes): State<Sandboxes>, mut request: Request, next: Next) -> Response {
    let slot = CookieSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let Some((cookie, minted)) = slot.0.lock().ok().and_then(|mut slot| slot.take()) else {
        return response;
    };
    if let Some(minted) = minted.filter(|_| !response.status().is_success()) {
        if let Err(err) = sandboxes.store.end(&minted).await {
            tracing::warn!(%err, "could not end the sandbox of a failed request");
        }
        return response;
    }
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
