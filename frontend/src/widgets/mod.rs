//! Shared widgets.

pub mod charts;
pub mod code_panel;
pub mod copy_button;
pub mod markdown;
pub mod status_badge;
pub mod terminal;
pub mod top_nav;
pub mod upcoming;
