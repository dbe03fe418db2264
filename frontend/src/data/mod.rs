//! `/data`: the Meteorite Landings browser.
//!
//! A load panel ([`load_panel`]: upload, load from a URL or a preset,
//! generate, verify, reindex, delete), then the summary of what matches the
//! filters ([`summary`]: count, mass and year ranges) and the table of
//! one page of landings ([`filters`], [`table`]), beside the record
//! panel ([`record_panel`], the hash of the clicked row, to edit or delete)
//! and a map of the page ([`landing_map`]); [`verify_report`] shows a
//! verification. The page itself is [`page`], layout only. The page owns the query (a
//! reducer, [`query`]); the [`hooks`] make the two fetches (the page of
//! landings, and the clicked landing) and the load and record actions, so
//! the components are layout over props and callbacks. Every answer
//! carries the Redis commands behind it, and the page shows them: the
//! lesson is Redis, not magic.
//!
//! The name search and the class filter update as the student types,
//! 300 ms after the last key (the class whatever its case, picked from the
//! loaded set's classes with their counts, or typed); a range the form can
//! tell is wrong is not sent, and shows its error instead of the table.
//! Every page request gets a number, and an answer that is not the latest
//! request's is dropped, so a slow old answer never replaces a new one.

pub mod filters;
pub mod hooks;
pub mod landing_map;
pub mod load_panel;
pub mod page;
pub mod query;
pub mod record_panel;
pub mod summary;
pub mod table;
pub mod verify_report;

pub use hooks::{Selected, SEARCH_DEBOUNCE_MS};
pub use page::DataPage;
