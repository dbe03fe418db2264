//! Guided walkthroughs: the course module as short lessons whose steps are
//! checked against the student's real Redis.
//!
//! The guides are Markdown files in the repository's `guides/` folder,
//! compiled in ([`catalog`]) and parsed by `bolide_shared::guides` (the
//! format: `docs/guides.md`). This module serves them and does what a
//! browser cannot:
//!
//! - [`checks`] evaluates a step's declarative check on the learner's
//!   keyspace (database 0 locally, the session's namespace in shared mode,
//!   see [`learner`]) with read-only commands, and words a hint when it
//!   fails;
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
pub mod learner;
pub mod markdown;
pub mod progress;
pub mod reset;
pub mod restart;

pub use api::router;

/// When a sandbox ends: its guide progress.
pub fn on_sandbox_end() -> crate::sandbox::ended::Cleanup {
    crate::sandbox::ended::cleanup(|mut ended| async move {
        let prefix = format!("bolide:guides:{{{}}}:", ended.owner.owner);
        crate::sandbox::ended::unlink_matching(&mut ended.system, &prefix).await
    })
}
