//! The Guides pages' I/O, as hooks: the list with the student's progress
//! ([`use_guide_list`]), and one guide ([`use_guide`]): load it when the
//! URL names another, move between steps, check a step (by hand, with a
//! quiz answer, or by itself after each console line), reset the guide,
//! restart Redis, finish. The components take what these return as props
//! and callbacks.

use std::cell::RefCell;
use std::rc::Rc;

use bolide_shared::guides::{GuideList, GuideProgress};
use yew::prelude::*;
use yew_router::prelude::*;

use super::state::{GuideAction, GuideState};
use crate::api::{self, failure_message};
use crate::console::{remember_guide, use_console_session, ConsoleSession, TutorialOptions};
use crate::route::Route;

/// `GET /api/guides`, once: `None` until it answered.
#[hook]
pub fn use_guide_list() -> Option<Result<GuideList, String>> {
    let list = use_state(|| None::<Result<GuideList, String>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(api::guides().await.map_err(|error| failure_message(&error))));
            });
        });
    }
    (*list).clone()
}

/// One guide's state, its live console, and what the page can do with it.
pub struct GuideHandle {
    pub state: UseReducerHandle<GuideState>,
    /// The console beside the guide; its tutorial words drive this guide.
    pub console: ConsoleSession,
    /// Go to a step (0-based).
    pub go: Callback<usize>,
    /// Check the current step (with a quiz answer, for a quiz).
    pub check: Callback<Option<usize>>,
    /// Restart Redis, with (`true`) or without persistence, then check.
    pub restart: Callback<bool>,
    /// Start the guide again (deletes only the keys it had created).
    pub reset: Callback<()>,
    /// The last step's button: mark it read if it is reading only, then
    /// back to the list.
    pub finish: Callback<()>,
}

/// Sends a check of `step` (with a quiz answer) and hands the result back.
fn check(state: &UseReducerHandle<GuideState>, guide_id: String, step: usize, answer: Option<usize>) {
    let dispatcher = state.dispatcher();
    dispatcher.dispatch(GuideAction::CheckStarted { step, answer });
    wasm_bindgen_futures::spawn_local(async move {
        let result =
            api::check_guide_step(&guide_id, step, answer).await.map_err(|error| failure_message(&error));
        dispatcher.dispatch(GuideAction::Checked { guide_id, step, result });
    });
}

/// The guide `id` and its console.
#[hook]
pub fn use_guide(id: &str) -> GuideHandle {
    let state = use_reducer(GuideState::default);
    let navigator = use_navigator();

    // The guide, whenever the URL names another one.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(id.to_owned(), move |id| {
            remember_guide(id);
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result =
                    api::guide(&id).await.map(std::rc::Rc::new).map_err(|error| failure_message(&error));
                dispatcher.dispatch(GuideAction::Loaded { id, result });
            });
        });
    }

    let on_moved = {
        let dispatcher = state.dispatcher();
        Callback::from(move |progress: GuideProgress| dispatcher.dispatch(GuideAction::Moved(progress)))
    };
    let console = use_console_session(TutorialOptions { guide: Some(id.to_owned()), on_moved });

    // After each line Redis answered, once the console is idle, check the
    // step again (if it is about keys and not yet done).
    {
        let state = state.clone();
        let handled: Rc<RefCell<u64>> = use_mut_ref(|| 0);
        let busy = console.state.busy();
        use_effect_with((console.state.answered, busy), move |(answered, busy)| {
            if !*busy && *answered != *handled.borrow() {
                *handled.borrow_mut() = *answered;
                let step = state.current_step();
                if let Some(id) = state.guide_id() {
                    if state.has_key_check(step) && !state.is_done(step) {
                        check(&state, id.to_owned(), step, None);
                    }
                }
            }
        });
    }

    let guide_id = state.guide_id().unwrap_or_default().to_owned();
    let current = state.current_step();
    let current_done = state.is_done(current);
    let current_checked = state
        .view
        .as_ref()
        .and_then(|view| view.guide.steps.get(current))
        .is_some_and(|step| step.is_checked());

    let go = {
        let dispatcher = state.dispatcher();
        let guide_id = guide_id.clone();
        Callback::from(move |step: usize| {
            let (dispatcher, guide_id) = (dispatcher.clone(), guide_id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::move_in_guide(&guide_id, step).await {
                    Ok(progress) => dispatcher.dispatch(GuideAction::Moved(progress)),
                    Err(error) => dispatcher.dispatch(GuideAction::MoveFailed(failure_message(&error))),
                }
            });
        })
    };
    let check_step = {
        let state = state.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |answer: Option<usize>| check(&state, guide_id.clone(), current, answer))
    };
    let restart = {
        let state = state.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |persistence: bool| {
            let dispatcher = state.dispatcher();
            let state = state.clone();
            let guide_id = guide_id.clone();
            dispatcher.dispatch(GuideAction::RestartStarted(persistence));
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::restart_redis(persistence).await.map_err(|error| failure_message(&error));
                let restarted = result.is_ok();
                dispatcher.dispatch(GuideAction::Restarted(result));
                if restarted {
                    check(&state, guide_id, current, None);
                }
            });
        })
    };
    let reset = {
        let dispatcher = state.dispatcher();
        let guide_id = guide_id.clone();
        Callback::from(move |()| {
            let dispatcher = dispatcher.clone();
            let guide_id = guide_id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::reset_guide(&guide_id).await.map_err(|error| failure_message(&error));
                dispatcher.dispatch(GuideAction::Reset { guide_id, result });
            });
        })
    };
    // The last step has no "next" to mark it read: finishing does, then
    // goes back to the list (which shows the guide complete).
    let finish = {
        let dispatcher = state.dispatcher();
        let reading_left = !current_checked && !current_done;
        Callback::from(move |()| {
            let dispatcher = dispatcher.clone();
            let navigator = navigator.clone();
            let guide_id = guide_id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if reading_left {
                    let result = api::check_guide_step(&guide_id, current, None)
                        .await
                        .map_err(|error| failure_message(&error));
                    let failed = result.is_err();
                    dispatcher.dispatch(GuideAction::Checked { guide_id, step: current, result });
                    if failed {
                        return;
                    }
                }
                if let Some(navigator) = navigator {
                    navigator.push(&Route::Guides);
                }
            });
        })
    };
    GuideHandle { state, console, go, check: check_step, restart, reset, finish }
}
