//! What a guide may tell the student about the Redis behind this Bolide:
//! the values of the `{{port}}`-style placeholders, and whether the
//! persistence exercise can restart the server here.
//!
//! Where a student's own script connects depends on the mode: locally, to
//! Bolide's Redis itself (the student owns it); in a hosted class, to the
//! class gateway ([`crate::gateway`]) as their sandbox, with its
//! credentials — which is why the environment is the caller's own and is
//! shown only to the sandbox's owner.

use axum::http::{header, HeaderMap};
use bolide_shared::api::RedisMode;
use bolide_shared::guides::GuideEnvironment;

use super::GuidesState;
use crate::sandbox::store::SandboxId;
use crate::sandbox::Sandbox;

/// The environment as this request sees it. The version comes from `INFO
/// server`; if Redis does not answer it is left out, not an error (the
/// guide still reads fine).
pub async fn of(state: &GuidesState, sandbox: &Sandbox, headers: &HeaderMap) -> GuideEnvironment {
    let shared = state.sandboxes().store.is_shared();
    let endpoint = state.endpoint();
    let embedded = endpoint.mode == RedisMode::Embedded;
    let info: Option<String> = redis::cmd("INFO").arg("server").query_async(&mut state.redis()).await.ok();
    let redis_version = info.as_deref().and_then(|text| {
        text.lines().find_map(|line| line.strip_prefix("redis_version:")).map(|v| v.trim().to_string())
    });
    let mut environment = GuideEnvironment {
        shared,
        embedded,
        redis_host: endpoint.host.clone(),
        redis_port: endpoint.port,
        redis_version,
        // The command names the host's paths: not for a public site.
        redis_command: if shared { None } else { state.embedded().map(|c| c.command_line().to_string()) },
        restart_available: !shared && state.embedded().is_some(),
        redis_url: format!("redis://{}:{}/0", endpoint.host, endpoint.port),
        api_url: api_url(state, headers),
        curl_login: String::new(),
    };
    if let (true, Some(gateway)) = (shared, state.gateway()) {
        let request_host = crate::gateway::api::request_host(headers);
        let id = SandboxId::parse(&sandbox.owner.owner);
        let info = match &id {
            Some(id) => {
                crate::gateway::api::describe(&state.sandboxes().store, gateway, Some(id), request_host)
                    .await
                    .ok()
            }
            None => None,
        };
        environment.redis_host = gateway.host(request_host);
        environment.redis_port = gateway.listening.port();
        match info {
            Some(info) => {
                environment.curl_login = format!("-u {}:{} ", info.username, info.password);
                environment.redis_url = info.url;
            }
            // A reader without a sandbox yet (no cookie): the shape only.
            None => {
                let scheme = if gateway.tls { "rediss" } else { "redis" };
                environment.redis_url = format!(
                    "{scheme}://USERNAME:PASSWORD@{}:{}/0",
                    environment.redis_host, environment.redis_port
                );
                environment.curl_login = "-u USERNAME:PASSWORD ".into();
            }
        }
    }
    environment
}

/// Bolide's address for `curl`: `--public-url` when given, else what the
/// browser used (`Host`).
fn api_url(state: &GuidesState, headers: &HeaderMap) -> String {
    if let Some(public) = &state.sandboxes().public_url {
        return public.origin();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}
