//! `/console`: a redis-cli in the browser, against the student's real Redis.
//!
//! The page ([`page`]) is a terminal
//! ([`ConsoleTerminal`](crate::widgets::terminal::ConsoleTerminal)) beside a
//! code panel ([`CodePanel`](crate::widgets::code_panel::CodePanel)), both
//! widgets. The console itself — its state, one reducer
//! ([`state`]): the command blocks, the queue of lines to run, the line in
//! flight, the prompt, the last reply; and the I/O that drives it — is the
//! [`session`] hook, which a guide's page uses too. Besides Redis commands
//! the console understands the tutorial words ([`tutorial`]): `TUTORIAL`,
//! `NEXT`, `PREV`, `T<n>`.

pub mod page;
pub mod session;
pub mod state;
pub mod tutorial;

pub use page::ConsolePage;
pub use session::{use_console_session, ConsoleSession, TutorialOptions};
pub use tutorial::remember_guide;
