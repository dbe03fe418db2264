//! Pieces shared by pages, one component per file beside its props.

pub mod code_panel;
pub mod console_entry;
pub mod console_input;
pub mod console_terminal;
pub mod copy_button;
pub mod data_filters;
pub mod data_load_panel;
pub mod data_table;
pub mod landing_map;
pub mod record_panel;
pub mod status_badge;
pub mod top_nav;
pub mod upcoming;
pub mod verify_report;
