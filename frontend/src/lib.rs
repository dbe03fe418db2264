//! Bolide's browser app: a Yew single-page app compiled to wasm by Trunk.
//!
//! Layout, by feature (as in Yew's `function_router` example, pages use
//! components and never the reverse):
//!
//! - one folder per feature, [`console`], [`data`], [`jobs`], [`keys`],
//!   [`guides`], [`sandbox`] (the home page's "Your sandbox" panel): its page(s), its own components (one per
//!   file, no feature prefix in the name), its state (reducers) and its
//!   `hooks.rs` (`use_…`: the API calls and polling; components take
//!   props and callbacks). A feature's `mod.rs` says what it holds and
//!   re-exports its page(s). A feature uses another one only through what
//!   that one's `mod.rs` re-exports (the guide page embeds the console with
//!   [`console::use_console_session`]), never its inner modules.
//! - [`widgets`]: charts, the terminal, the code panel, copy button,
//!   Markdown, status badge, top bar; they import no feature.
//! - at the bottom, used by all: [`api`] (one documented async fn per
//!   endpoint, and [`api::failure_message`]), [`health`] (the polled server
//!   status, a context), [`state`] (the [`state::Edit`] reducer action),
//!   [`route`] (the URLs, nothing else).
//! - at the top: [`app`], the root component, and [`boot`], its hand-over
//!   from index.html's loading shell; [`home`] and [`not_found`]
//!   are one-file pages.
//!
//! Each page is its own binary, `src/bin/<page>.rs` (a bundle of its own,
//! so a first visit downloads only that page: [`app`] says how); each one
//! only hands [`run`] the components of its routes.

pub mod api;
pub mod app;
pub mod boot;
pub mod console;
pub mod data;
pub mod guides;
pub mod health;
pub mod home;
pub mod jobs;
pub mod keys;
pub mod not_found;
pub mod route;
pub mod sandbox;
pub mod state;
pub mod widgets;

/// Mounts the app on `<body>`, drawing a bundle's `pages`.
pub fn run(pages: app::Pages) {
    // index.html's loading shell, which holds the page's first content,
    // goes just before the app draws it again ([`boot`] says when not).
    let held = boot::take_at_mount();
    yew::Renderer::<app::App>::with_props(app::AppProps { pages }).render();
    boot::put_back(held);
}
