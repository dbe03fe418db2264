//! The student's sandbox in a shared Bolide (a class, a public site): the
//! code that resumes it in another browser, rotating that code, and ending
//! the sandbox with everything in it.
//!
//! The code is a credential (whoever has it works in the same keys), so the
//! panel shows it only on the owner's own page, hidden until asked for, and
//! offers a new one at any time. A local Bolide has one student and no
//! sandboxes: the panel shows nothing there.

mod hooks;
mod panel;

pub use hooks::{use_sandbox, SandboxHandle, SandboxState};
pub use panel::SandboxPanel;
