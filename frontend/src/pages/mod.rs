//! One module per page of the app.

pub mod console;
pub mod data;
pub mod guides;
pub mod home;
pub mod jobs;
pub mod not_found;
