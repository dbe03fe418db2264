//! `POST /api/console`: a redis-cli in the browser, on a real Redis.
//!
//! # Two modes, one code path
//! - **local** (default): one student on their own machine. The console works
//!   on the real keyspace, database 0 (and `SELECT` among databases 0–14), so
//!   what a student's Python script writes to the shown port is what the
//!   console sees, and the other way round.
//! - **shared** (`--shared`): a class or a public site. Every session gets a
//!   namespace (`{s:<id>}:`), every key is rewritten into it and replies are
//!   rewritten back, keyless commands are answered within it, and the limits
//!   are tighter.
//!
//! The mode is configuration of the sandbox layer
//! ([`crate::sandbox::Tenancy`]); the relay reads it from there (and with
//! it the command table's allowlist and the namespace). The console's own
//! configuration is its [`Limits`], handed to the same [`relay::Relay`].
//! The class gateway ([`crate::gateway`]) runs a student's own clients'
//! commands through that relay too ([`relay::Relay::run_command`]), with a
//! connection's own `SELECT`/`MULTI` state ([`connection_state`]).
//!
//! # Where Bolide's own keys live
//! In logical database [`crate::sandbox::SYSTEM_DB`] (15), which the console
//! can never select (see [`crate::sandbox`]).

pub mod connection_state;
pub mod cost;
pub mod help_table;
pub mod housekeeping;
pub mod limits;
pub mod namespace;
pub mod relay;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bolide_shared::api::{ConsoleRequest, ConsoleResponse};
use bolide_shared::commands::policy::{Databases, Mode};

/// The rates live in the sandbox layer now (they are every endpoint's).
pub use crate::sandbox::rate;
pub use limits::Limits;

use crate::error::AppError;
use crate::sandbox::store::Session;
use crate::sandbox::{Sandboxes, Tenancy};
use crate::server::AppState;

/// The databases the console may `SELECT` in local mode: the student's.
pub const CONSOLE_DATABASES: Databases = crate::sandbox::STUDENT_DATABASES;

/// Largest request body: a line with the largest local-mode argument, and
/// room for JSON escaping. Larger bodies get `413`.
pub const MAX_BODY_BYTES: usize = 768 * 1024;

/// The command table's mode for `tenancy`: which commands the console
/// allows, and whether keys are namespaced.
pub fn command_mode(tenancy: Tenancy) -> Mode {
    match tenancy {
        Tenancy::Local => Mode::Local { databases: CONSOLE_DATABASES },
        Tenancy::Shared => Mode::Shared,
    }
}

/// What the console needs of the app's state: its relay (limits, rate
/// limits, connections, the sandbox store), nothing else.
#[derive(Clone)]
pub struct ConsoleState {
    pub relay: relay::Relay,
}

impl FromRef<AppState> for ConsoleState {
    fn from_ref(state: &AppState) -> Self {
        ConsoleState { relay: state.relay().clone() }
    }
}

/// The console's routes, on any state that provides [`ConsoleState`] and
/// the sandbox layer's.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    ConsoleState: FromRef<S>,
    Sandboxes: FromRef<S>,
{
    Router::new()
        .route("/console", post(console))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .route("/commands/help", get(help_table::help_table))
}

/// Runs one line. `200` with redis-cli's text for every line read (refusals
/// included); JSON errors only for transport problems.
async fn console(
    State(state): State<ConsoleState>,
    mut session: Session,
    body: Result<Json<ConsoleRequest>, JsonRejection>,
) -> Result<Json<ConsoleResponse>, AppError> {
    // The rates were checked before (the sandbox layer's `rate::limit`).
    let relay = &state.relay;
    let Json(request) = body?;
    let response = relay.run_line(&mut session, &request.line).await?;
    Ok(Json(response))
}

/// When a sandbox ends: its keys in the student database, found by its
/// key index (every key of its namespace is listed there), and the index
/// (its MULTI queue is the sandbox layer's and goes with the sandbox's
/// record).
/// What a sandbox's keys hold (with its key index, which counts as its
/// memory: see [`crate::sandbox::key_index`]) and its console queue, for
/// its quota's measurement: O(its own keys).
pub fn on_sandbox_measure() -> crate::sandbox::headroom::Measure {
    crate::sandbox::headroom::measure(|mut measuring| async move {
        let Some(index) = crate::sandbox::key_index::KeyIndex::of(&measuring.owner) else {
            return Ok(Default::default());
        };
        let (keys, keys_bytes, index_bytes) = index.measure(&mut measuring.data).await?;
        let queue: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(measuring.id.tx_key())
            .query_async(&mut measuring.system)
            .await?;
        Ok(crate::sandbox::headroom::Measured {
            keys,
            bytes: keys_bytes.saturating_add(index_bytes).saturating_add(queue.unwrap_or(0)),
        })
    })
}

pub fn on_sandbox_end() -> crate::sandbox::ended::Cleanup {
    crate::sandbox::ended::cleanup(|mut ended| async move {
        match crate::sandbox::key_index::KeyIndex::of(&ended.owner) {
            Some(index) => index.remove(&mut ended.access.data).await,
            None => Ok(()),
        }
    })
}
