//! `GET /api/commands/help`: the console's help table
//! ([`HelpTable`]: each command's syntax, summary, since, group and Bolide
//! note) as JSON, for the browser app's `HELP`, Tab completion and hints.
//!
//! The app fetches it once, when a console appears, and keeps it, so these
//! work offline from then on; until it has arrived, the app sends `HELP` to
//! the server, which answers from the same table. The table is built and
//! compressed once per process ([`Precompressed`]) and revalidated with its
//! `ETag` (`no-cache`): a browser that has it gets a `304` without a body,
//! and a new Bolide's table is picked up at once.

use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::response::Response;
use bolide_shared::commands::help::HelpTable;

use crate::precompressed::Precompressed;

static ENCODED: LazyLock<Precompressed> = LazyLock::new(|| {
    let json = serde_json::to_vec(HelpTable::compiled()).unwrap_or_default();
    Precompressed::new("application/json", "no-cache", json)
});

pub async fn help_table(headers: HeaderMap) -> Response {
    ENCODED.response(&headers)
}

/// Builds and compresses the table now (a blocking task at start-up), so
/// no request waits for it.
pub fn prepare() {
    LazyLock::force(&ENCODED);
}
