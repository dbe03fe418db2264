//! The sandbox panel's I/O: `GET /api/sandbox` once, and the resume,
//! rotate and end actions, each replacing what the panel shows with the
//! server's answer.

use std::rc::Rc;

use bolide_shared::api::SandboxInfo;
use yew::prelude::*;

use crate::api::{self, failure_message};

/// What the server said about this browser's sandbox.
#[derive(Debug, Clone, PartialEq)]
pub enum SandboxState {
    Loading,
    /// A local Bolide: no sandboxes.
    Local,
    /// A shared Bolide, and this browser has no sandbox yet (its first
    /// command or load makes one), or has just ended it.
    NoSandbox,
    Shared(Rc<SandboxInfo>),
    /// The request failed; the message says why.
    Failed(String),
}

/// The panel's state, the last action's outcome, and the actions.
#[derive(Clone, PartialEq)]
pub struct SandboxHandle {
    pub state: SandboxState,
    /// What the last action did, or why it failed.
    pub notice: Option<(bool, String)>,
    pub busy: bool,
    /// Joins the sandbox of this code (as typed).
    pub resume: Callback<String>,
    /// A new code; the old one stops working.
    pub rotate: Callback<()>,
    /// Ends the sandbox: its keys, data, jobs and progress go now.
    pub end: Callback<()>,
}

/// What one action's answer does to the panel.
enum Outcome {
    Now(SandboxState, String),
    Failed(String),
}

#[hook]
pub fn use_sandbox() -> SandboxHandle {
    let state = use_state(|| SandboxState::Loading);
    let notice = use_state(|| None::<(bool, String)>);
    let busy = use_state(|| false);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match api::sandbox().await {
                    Ok(info) => state_of(info),
                    Err(err) => SandboxState::Failed(failure_message(&err)),
                });
            });
        });
    }
    let act = {
        let (state, notice, busy) = (state.clone(), notice.clone(), busy.clone());
        move |action: std::pin::Pin<Box<dyn std::future::Future<Output = Outcome>>>| {
            let (state, notice, busy) = (state.clone(), notice.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match action.await {
                    Outcome::Now(now, message) => {
                        state.set(now);
                        notice.set(Some((true, message)));
                    }
                    Outcome::Failed(message) => notice.set(Some((false, message))),
                }
                busy.set(false);
            });
        }
    };
    let resume = {
        let act = act.clone();
        Callback::from(move |code: String| {
            act(Box::pin(async move {
                match api::resume_sandbox(&code).await {
                    Ok(info) => Outcome::Now(
                        state_of(Some(info)),
                        "This browser now works in that sandbox: its keys, data, jobs and guide progress."
                            .into(),
                    ),
                    Err(err) => Outcome::Failed(failure_message(&err)),
                }
            }))
        })
    };
    let rotate = {
        let act = act.clone();
        Callback::from(move |()| {
            act(Box::pin(async move {
                match api::rotate_sandbox_code().await {
                    Ok(info) => Outcome::Now(
                        state_of(Some(info)),
                        "A new code: the old one no longer opens your sandbox.".into(),
                    ),
                    Err(err) => Outcome::Failed(failure_message(&err)),
                }
            }))
        })
    };
    let end = Callback::from(move |()| {
        act(Box::pin(async move {
            match api::end_sandbox().await {
                Ok(()) => Outcome::Now(
                    SandboxState::NoSandbox,
                    "Your sandbox has ended: its keys, data, jobs and progress are gone.".into(),
                ),
                Err(err) => Outcome::Failed(failure_message(&err)),
            }
        }))
    });
    SandboxHandle { state: (*state).clone(), notice: (*notice).clone(), busy: *busy, resume, rotate, end }
}

fn state_of(info: Option<SandboxInfo>) -> SandboxState {
    match info {
        None => SandboxState::NoSandbox,
        Some(info) if !info.shared => SandboxState::Local,
        Some(info) => SandboxState::Shared(Rc::new(info)),
    }
}
