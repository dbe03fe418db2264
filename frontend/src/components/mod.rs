//! Pieces shared by pages, one component per file beside its props.

pub mod code_panel;
pub mod console_entry;
pub mod console_input;
pub mod console_terminal;
pub mod copy_button;
pub mod status_badge;
pub mod top_nav;
pub mod upcoming;
