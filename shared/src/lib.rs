//! What Bolide's browser app and its server both need, compiled for both
//! `wasm32-unknown-unknown` and the host.
//!
//! Anything the two sides must agree on lives here exactly once: the JSON
//! shapes of the HTTP API ([`api`]), the words the pages open with, which
//! the server's loading shell shows too ([`pages`]), and (as the console grows) the command
//! table and redis-cli's parsing and reply formatting. Keeping them in one
//! crate means a change to a field is a compile error on the other side, not
//! a runtime surprise in a student's browser.
//!
//! This crate has no I/O and no platform dependencies beyond `serde`, so it
//! builds for wasm without features or cfgs.

pub mod api;
pub mod cli;
pub mod commands;
pub mod data;
pub mod guides;
pub mod jobs;
pub mod keys;
pub mod pages;
pub mod snippets;
