//! Bolide's browser app: a Yew single-page app compiled to wasm by Trunk.
//!
//! Layout (as in Yew's `function_router` example): [`route`] names the
//! pages, [`pages`] holds one module per page, [`components`] the pieces
//! pages share, [`api`] one async function per backend endpoint, and
//! [`health`] the polled server status every page can read from context,
//! [`state`] the edits the pages' reducer states take.
//! The binary (`main.rs`) only mounts [`app::App`].

pub mod api;
pub mod app;
pub mod console;
pub mod data;
pub mod guides;
pub mod health;
pub mod home;
pub mod jobs;
pub mod not_found;
pub mod route;
pub mod state;
pub mod widgets;

/// Mounts the app on `<body>`.
pub fn run() {
    yew::Renderer::<app::App>::new().render();
}
