//! `/jobs`: analysis jobs, the course's big pattern made visible.
//!
//! The API records a job and answers at once (`202`); a separate worker
//! takes it from a queue in Redis, reports progress, stores a result; the
//! page polls and draws the result when it is there. So the page is a
//! submit form ([`form_panel`]), the list of the caller's jobs with live
//! status and progress ([`list`], [`workers`]), and one job's details
//! ([`details`]: timing, worker, the Redis keys and commands ([`redis`]),
//! and the result as a chart ([`results`], [`per_year`], [`heaviest`],
//! [`quality`], [`download`])).
//!
//! Everything shown comes from the server (a reload shows the same jobs):
//! the page's state ([`state`]) is the last list the server sent, polled
//! by a hook ([`hooks`]) with a back-off ([`polling`]) that stops when every
//! job is finished and restarts on a submit, a cancel or a page change.
//! The result of the open job is fetched once it has succeeded; an answer
//! for a job the student has since left is dropped.
//!
//! Here: the page ([`page`], layout only), its components (one per file),
//! the reducers ([`state`], the form's [`form`]), the [`hooks`] that do
//! every call, and pure helpers tested natively: [`polling`], [`series`]
//! (results into the charts' bars and columns), [`export`] (CSV and JSON),
//! [`describe`], [`timing`].

pub mod describe;
pub mod details;
pub mod download;
pub mod export;
#[cfg(test)]
pub mod fixtures;
pub mod form;
pub mod form_panel;
pub mod heaviest;
pub mod hooks;
pub mod list;
pub mod page;
pub mod per_year;
pub mod polling;
pub mod quality;
pub mod redis;
pub mod results;
pub mod series;
pub mod state;
pub mod status;
pub mod timing;
pub mod workers;

pub use page::JobsPage;
