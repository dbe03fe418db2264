//! `/jobs`: analysis jobs, the course's big pattern made visible.
//!
//! The API records a job and answers at once (`202`); a separate worker
//! takes it from a queue in Redis, reports progress, stores a result; the
//! page polls and draws the result when it is there. So the page is a
//! submit form ([`JobFormPanel`]), the list of the caller's jobs with live
//! status and progress ([`JobList`], [`JobWorkers`]), and one job's details
//! ([`JobDetails`]: timing, worker, the Redis keys and commands, and the
//! result as a chart).
//!
//! Everything shown comes from the server (a reload shows the same jobs):
//! the page's state ([`state`]) is the last list the server sent, polled
//! by a hook ([`hooks`]) with a back-off ([`polling`]) that stops when every
//! job is finished and restarts on a submit, a cancel or a page change.
//! The result of the open job is fetched once it has succeeded; an answer
//! for a job the student has since left is dropped.

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
