//! `/guides`: the course module as short lessons whose steps are checked
//! against the student's real Redis; `/guides/{id}`: one guide ([`view`]).
//!
//! Here: the two pages ([`list`], [`view`]), their components (one per
//! file: [`card`], [`outline`], [`step`], [`check`], [`quiz`], [`restart`],
//! [`html`]), the guide page's reducer ([`state`]) and the [`hooks`]
//! that call the guides API. The guide page embeds the console through
//! what [`crate::console`] exports (its session hook), nothing deeper.
//!
//! The list shows every guide with the student's progress in it (steps
//! done out of the total, ✓ when complete), from `GET /api/guides`. The
//! progress lives on the server, in the student's session, so the console's
//! tutorial words and the guide pages always agree.

pub mod card;
pub mod check;
pub mod hooks;
pub mod html;
pub mod list;
pub mod outline;
pub mod quiz;
pub mod restart;
pub mod state;
pub mod step;
pub mod view;

pub use list::GuidesPage;
pub use view::GuidePage;
