//! `/guides/{id}`: one guide, on the step the student is at, beside a live
//! console.
//!
//! The console is the same as the Console page's (the
//! [`use_console_session`](crate::console::use_console_session) hook), so the student types
//! in a real redis-cli while reading; a step's **Run** buttons type their
//! line into it and run it. After every line the console sends to Redis
//! (typed or run), the page checks the step again, so ✓ appears as soon as
//! the student's keys are right; **Check** does it by hand and shows the
//! hint when they are not. The console's tutorial words drive this guide,
//! and the page follows them.
//!
//! The page's state is a reducer ([`GuideState`]); this module does the
//! I/O: load the guide, move between steps, check, reset, restart Redis.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;
use yew_router::prelude::*;

use super::state::{GuideAction, GuideState};
use crate::api;
use crate::api::failure_message;
use crate::console::{remember_guide, use_console_session, TutorialOptions};
use crate::guides::markdown::GuideMarkdown;
use crate::guides::outline::GuideOutline;
use crate::guides::step::GuideStep;
use crate::route::Route;
use crate::widgets::terminal::ConsoleTerminal;

#[derive(Properties, PartialEq)]
pub struct GuidePageProps {
    pub id: String,
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

/// Moves to `step` and hands the new progress back.
fn go_to(state: &UseReducerHandle<GuideState>, guide_id: String, step: usize) {
    let dispatcher = state.dispatcher();
    wasm_bindgen_futures::spawn_local(async move {
        match api::move_in_guide(&guide_id, step).await {
            Ok(progress) => dispatcher.dispatch(GuideAction::Moved(progress)),
            Err(error) => dispatcher.dispatch(GuideAction::MoveFailed(failure_message(&error))),
        }
    });
}

#[function_component(GuidePage)]
pub fn guide_page(props: &GuidePageProps) -> Html {
    let state = use_reducer(GuideState::default);
    let confirming_reset = use_state(|| false);
    let navigator = use_navigator();

    // The guide, whenever the URL names another one.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(props.id.clone(), move |id| {
            remember_guide(id);
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::guide(&id).await.map_err(|error| failure_message(&error));
                dispatcher.dispatch(GuideAction::Loaded { id, result });
            });
        });
    }

    let on_moved = {
        let dispatcher = state.dispatcher();
        Callback::from(move |progress| dispatcher.dispatch(GuideAction::Moved(progress)))
    };
    let console = use_console_session(TutorialOptions { guide: Some(props.id.clone()), on_moved });

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

    let Some(view) = state.view.clone() else {
        return html! {
            <section class="guide-page">
                <p><Link<Route> to={Route::Guides}>{ "← All guides" }</Link<Route>></p>
                if let Some(message) = &state.load_error {
                    <p class="guide-error" role="alert">{ message.clone() }</p>
                } else {
                    <p class="muted" role="status">{ "Loading the guide…" }</p>
                }
            </section>
        };
    };
    let guide_id = view.guide.id.clone();
    let current = state.current_step();
    let total = view.guide.steps.len();
    let done_count = view.progress.completed.iter().filter(|step| **step < total).count();
    let current_done = state.is_done(current);
    let current_checked = view.guide.steps.get(current).is_some_and(|step| step.is_checked());

    let on_go = {
        let state = state.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |step: usize| go_to(&state, guide_id.clone(), step))
    };
    let on_prev = {
        let on_go = on_go.clone();
        Callback::from(move |_: MouseEvent| on_go.emit(current.saturating_sub(1)))
    };
    let on_next = {
        let on_go = on_go.clone();
        Callback::from(move |_: MouseEvent| on_go.emit(current + 1))
    };
    // The last step has no "next" to mark it read: finishing does, then
    // goes back to the list (which shows the guide complete).
    let on_finish = {
        let dispatcher = state.dispatcher();
        let navigator = navigator.clone();
        let guide_id = guide_id.clone();
        let reading_left = !current_checked && !current_done;
        Callback::from(move |_: MouseEvent| {
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
    let on_run = {
        let on_submit = console.on_submit.clone();
        Callback::from(move |line: String| on_submit.emit(vec![line]))
    };
    let on_check = {
        let state = state.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |()| check(&state, guide_id.clone(), current, None))
    };
    let on_answer = {
        let state = state.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |answer: usize| check(&state, guide_id.clone(), current, Some(answer)))
    };
    let on_restart = {
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
    let on_reset_ask = {
        let confirming_reset = confirming_reset.clone();
        Callback::from(move |_: MouseEvent| confirming_reset.set(true))
    };
    let on_reset_cancel = {
        let confirming_reset = confirming_reset.clone();
        Callback::from(move |_: MouseEvent| confirming_reset.set(false))
    };
    let on_reset = {
        let dispatcher = state.dispatcher();
        let confirming_reset = confirming_reset.clone();
        let guide_id = guide_id.clone();
        Callback::from(move |_: MouseEvent| {
            confirming_reset.set(false);
            let dispatcher = dispatcher.clone();
            let guide_id = guide_id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::reset_guide(&guide_id).await.map_err(|error| failure_message(&error));
                dispatcher.dispatch(GuideAction::Reset { guide_id, result });
            });
        })
    };

    let next_label = if current_checked && !current_done { "Skip this step →" } else { "Next step →" };
    let reset = if *confirming_reset {
        let created = if view.guide.creates.is_empty() {
            "It created no keys.".to_owned()
        } else {
            format!(
                "This deletes the keys it had you create ({}), and only those.",
                view.guide.creates.join(", ")
            )
        };
        html! {
            <div class="guide-reset-confirm" role="alertdialog" aria-label="Reset the guide?">
                <p>{ "Start this guide again from its first step? " }{ created }</p>
                <button type="button" class="guide-reset-confirm__yes danger" onclick={on_reset}>{ "Reset the guide" }</button>
                <button type="button" class="guide-reset-confirm__no" onclick={on_reset_cancel}>{ "Cancel" }</button>
            </div>
        }
    } else {
        html! { <button type="button" class="guide-reset" onclick={on_reset_ask}>{ "Reset guide…" }</button> }
    };

    html! {
        <section class="guide-page">
            <header class="guide-head">
                <p class="guide-head__back"><Link<Route> to={Route::Guides}>{ "← All guides" }</Link<Route>></p>
                <h1>{ view.guide.title.clone() }</h1>
                <p class="lead">{ view.guide.summary.clone() }</p>
                <p class="guide-head__progress muted">
                    { format!("{done_count} of {total} steps done") }
                    if total > 0 && done_count == total { { " · ✓ complete" } }
                </p>
                <GuideOutline view={view.clone()} {current} on_go={on_go.clone()} />
            </header>
            if let Some(notice) = &state.notice {
                <p class="guide-notice" role="status">{ notice.clone() }</p>
            }
            <div class="guide-layout">
                <div class="guide-main">
                    if current == 0 && !view.guide.intro_markdown.is_empty() {
                        <GuideMarkdown class="guide-intro" markdown={AttrValue::from(view.guide.intro_markdown.clone())} />
                    }
                    <GuideStep
                        key={format!("{guide_id}/{current}")}
                        view={view.clone()}
                        index={current}
                        done={current_done}
                        check={state.checks.get(&current).cloned()}
                        answer={state.answers.get(&current).copied()}
                        restart={state.restart.clone()}
                        {on_run}
                        {on_check}
                        {on_answer}
                        {on_restart}
                    />
                    <nav class="guide-nav" aria-label="Move through the guide">
                        <button type="button" class="guide-prev" onclick={on_prev} disabled={current == 0}>{ "← Previous" }</button>
                        if current + 1 < total {
                            <button type="button" class="guide-next" onclick={on_next}>{ next_label }</button>
                        } else {
                            <button type="button" class="guide-finish" onclick={on_finish}>{ "Finish: back to all guides" }</button>
                        }
                        <span class="guide-nav__spacer" />
                        { reset }
                    </nav>
                </div>
                <aside class="guide-console" aria-label="Console">
                    <ConsoleTerminal
                        entries={console.state.entries.clone()}
                        prompt={console.prompt.clone().map(AttrValue::from)}
                        on_submit={console.on_submit.clone()}
                        on_clear_screen={console.on_clear_screen.clone()}
                    />
                    <p id="console-keys" class="console-keys muted">
                        { "Your real Redis. " }<kbd>{ "Enter" }</kbd>{ " runs a line · " }
                        <code>{ "NEXT" }</code>{ ", " }<code>{ "PREV" }</code>{ ", " }<code>{ "T2" }</code>
                        { " move in this guide · " }<code>{ "TUTORIAL" }</code>{ " prints the step" }
                    </p>
                </aside>
            </div>
        </section>
    }
}
