//! What a guide may tell the student about the Redis behind this Bolide:
//! the values of the `{{port}}`-style placeholders, and whether the
//! persistence exercise can restart the server here.

use bolide_shared::api::RedisMode;
use bolide_shared::guides::GuideEnvironment;

use super::GuidesState;

/// The environment as this request sees it. The version comes from `INFO
/// server`; if Redis does not answer it is left out, not an error (the
/// guide still reads fine).
pub async fn of(state: &GuidesState) -> GuideEnvironment {
    let shared = state.sandboxes().store.is_shared();
    let endpoint = state.endpoint();
    let embedded = endpoint.mode == RedisMode::Embedded;
    let info: Option<String> = redis::cmd("INFO").arg("server").query_async(&mut state.redis()).await.ok();
    let redis_version = info.as_deref().and_then(|text| {
        text.lines().find_map(|line| line.strip_prefix("redis_version:")).map(|v| v.trim().to_string())
    });
    GuideEnvironment {
        shared,
        embedded,
        redis_host: endpoint.host.clone(),
        redis_port: endpoint.port,
        redis_version,
        // The command names the host's paths: not for a public site.
        redis_command: if shared { None } else { state.embedded().map(|c| c.command_line().to_string()) },
        restart_available: !shared && state.embedded().is_some(),
    }
}
