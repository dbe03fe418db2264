//! Guided walkthroughs: the course module as short lessons whose steps are
//! checked against the student's real Redis.
//!
//! The guides are Markdown files in the repository's `guides/` folder,
//! compiled in ([`catalog`]) and parsed by `bolide_shared::guides` (the
//! format: `docs/guides.md`). This module serves them and does what a
//! browser cannot:
//!
//! - [`checks`] evaluates a step's declarative check on the learner's
//!   keyspace (database 0 locally, the sandbox's namespace in shared mode:
//!   the request's [`crate::sandbox::Sandbox`], whose connections Redis
//!   restricts to that sandbox) with read-only commands, and words a hint
//!   when it fails;
//! - [`progress`] keeps where each learner is, in database 15;
//! - [`reset`] starts a guide over, removing only the keys it declares;
//! - [`restart`] runs the persistence exercise on the embedded Redis;
//! - [`environment`] tells the guides this Redis's port, version and start
//!   command;
//! - [`markdown`] renders the guides' Markdown to safe HTML and console
//!   text, so the browser app carries no Markdown parser;
//! - [`api`] is the HTTP surface, `/api/guides…`.

pub mod api;
pub mod catalog;
pub mod checks;
pub mod environment;
pub mod markdown;
pub mod progress;
pub mod reset;
pub mod restart;

pub use api::router;

use axum::extract::FromRef;

use crate::embedded::EmbeddedControl;
use crate::gateway::GatewayEndpoint;
use crate::redis_conn::{Connection, RedisEndpoint};
use crate::sandbox::Sandboxes;
use crate::server::AppState;

/// What the guides need of the app's state (the rest of it they never
/// see): Bolide's own connection (the jobs a check looks at, `INFO`), where
/// Redis is, the embedded server (the persistence exercise restarts it),
/// and the sandbox layer's state.
#[derive(Clone)]
pub struct GuidesState {
    system: Connection,
    endpoint: RedisEndpoint,
    embedded: Option<EmbeddedControl>,
    sandboxes: Sandboxes,
    /// The class gateway, when it is on (where a student's scripts connect).
    gateway: Option<GatewayEndpoint>,
}

impl FromRef<AppState> for GuidesState {
    fn from_ref(state: &AppState) -> Self {
        GuidesState {
            system: state.redis(),
            endpoint: state.endpoint().clone(),
            embedded: state.embedded().cloned(),
            sandboxes: state.sandboxes().clone(),
            gateway: state.gateway().cloned(),
        }
    }
}

impl GuidesState {
    /// Bolide's own connection (system database).
    pub fn redis(&self) -> Connection {
        self.system.clone()
    }

    pub fn endpoint(&self) -> &RedisEndpoint {
        &self.endpoint
    }

    pub fn embedded(&self) -> Option<&EmbeddedControl> {
        self.embedded.as_ref()
    }

    pub fn sandboxes(&self) -> &Sandboxes {
        &self.sandboxes
    }

    pub fn gateway(&self) -> Option<&GatewayEndpoint> {
        self.gateway.as_ref()
    }
}

/// When a sandbox ends: its progress in every guide, and the restart
/// marker; named from the catalog, so no `SCAN` of the system database.
pub fn on_sandbox_end() -> crate::sandbox::ended::Cleanup {
    crate::sandbox::ended::cleanup(|mut ended| async move {
        let mut keys: Vec<String> =
            catalog::all()?.iter().flat_map(|guide| progress::keys_of(&ended.owner, &guide.id)).collect();
        keys.push(checks::restart_key(&ended.owner));
        crate::sandbox::ended::unlink(&mut ended.access.system, &keys).await
    })
}
