//! `/keys`: a browser of the student's own keys (`GET /api/keys…`).
//!
//! The tree ([`tree_level`], one level per component, a folder's level read
//! when it is opened; [`filters`]: delimiter, pattern, type) beside the
//! selected key ([`key_panel`]: type, TTL, memory, length, rename,
//! delete; [`value_view`]: the value per type; [`element_editor`]: the
//! edits per type; [`cost_view`]: what a hash or a folder costs in
//! memory), over a console, so a student sees a change made in
//! either at once. Every read and edit shows the redis-cli command it ran,
//! with a button that runs it in that console and the redis-py line
//! ([`commands`]). The page itself is [`page`], layout only; [`hooks`] own
//! the API calls and the refresh (on focus and every few seconds).

pub mod commands;
pub mod cost_view;
pub mod element_editor;
pub mod filters;
pub mod hooks;
pub mod key_panel;
pub mod page;
pub mod score_range;
pub mod tree_level;
pub mod value_view;

pub use page::KeysPage;
