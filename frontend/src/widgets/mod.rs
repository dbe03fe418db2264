//! Widgets: the presentational pieces more than one page can use (or a new
//! page could), one component per file beside its props and the plain data
//! types it draws.
//!
//! A widget imports no feature (`console`, `data`, `jobs`, `guides`, …):
//! only `api` (its error type), `health` (the status context), `route`
//! (links) and other widgets. A feature hands a widget its own data
//! converted to the widget's types ([`charts::Bar`], [`charts::Column`],
//! [`terminal::entry::Entry`], [`code_panel::LastCall`]), so the arrows
//! only point down and no import circle can form. Widgets call no API
//! endpoint; the features' hooks do.
//!
//! - [`charts`]: bars, histograms, numbers, the world maps, and the axis
//!   arithmetic they share.
//! - [`terminal`]: the redis-cli screen and input line (the Console page's
//!   and every guide's).
//! - [`code_panel`]: a command as a Python and a Rust program.
//! - [`draft`]: a text box that keeps what was typed over re-renders.
//! - [`page_link`]: a link to another page (a page load: each page is its
//!   own bundle).
//! - [`copy_button`], [`inline_code`] (a sentence's `code` spans), [`status_badge`], [`theme_toggle`], [`top_nav`], [`upcoming`],
//!   and [`reveal`] (bring a panel opened from a list into view).

pub mod charts;
pub mod code_panel;
pub mod copy_button;
pub mod draft;
pub mod inline_code;
pub mod page_link;
pub mod reveal;
pub mod status_badge;
pub mod terminal;
pub mod theme_toggle;
pub mod top_nav;
pub mod upcoming;
