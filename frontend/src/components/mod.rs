//! Pieces shared by pages, one component per file beside its props.

pub mod status_badge;
pub mod top_nav;
pub mod upcoming;
