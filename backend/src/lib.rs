//! Bolide's server: the HTTP API under `/api`, the built browser app, and
//! (by default) the `redis-server` it starts for a student's laptop.
//!
//! The binary (`src/main.rs`) only parses the command line and calls into
//! this library, so tests can build the same [`server::app`] router and drive
//! it with `oneshot`, or run the whole [`server::serve`] on a real socket with
//! their own shutdown signal.
//!
//! Modules, one concept each:
//! - [`cli`]: the command line (`bolide serve`, flags and environment);
//! - [`embedded`]: starting, watching and stopping Bolide's own `redis-server`;
//! - [`redis_conn`]: how Bolide talks to Redis (one self-healing connection);
//! - [`lease`]: locks in Redis that die with their holder (renewed, fenced by a token);
//! - [`sandbox`]: who is calling and what they own (the layer below every feature);
//! - [`server`]: wiring: state, the router, graceful shutdown;
//! - [`health`]: `GET /api/health`;
//! - [`console`]: `POST /api/console`, the redis-cli in the browser;
//! - [`data`]: NASA's Meteorite Landings: parsing, generating, storing, `/api/data`;
//! - [`guides`]: the guided walkthroughs: lessons whose steps check the student's Redis, `/api/guides`;
//! - [`jobs`]: analysis jobs: the queue in Redis, the worker, `/api/jobs`;
//! - [`keys`]: the keys browser: a tree of the student's keys, a value per type, edits, `/api/keys`;
//! - [`assets`]: serving `dist/` with cache headers and compression;
//! - [`boot_shell`]: each page's first content (its heading and lead) in index.html, so it paints with the HTML;
//! - [`gateway`]: the class gateway, a Redis-protocol endpoint in front of the console's relay;
//! - [`error`]: the one error type every endpoint answers with.

pub mod assets;
pub mod boot_shell;
pub mod cli;
pub mod console;
pub mod data;
pub mod embedded;
pub mod error;
pub mod gateway;
pub mod guides;
pub mod health;
pub mod jobs;
pub mod keys;
pub mod lease;
pub mod precompressed;
pub mod redis_conn;
pub mod sandbox;
pub mod server;
pub mod shutdown;
