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
//! The page's state is a reducer ([`GuideState`](super::state::GuideState));
//! the I/O (load the guide, move between steps, check, reset, restart
//! Redis) is the [`use_guide`] hook's: this component is layout.

use bolide_shared::pages;
use yew::prelude::*;
use yew_router::prelude::*;

use super::hooks::{use_guide, GuideHandle};
use super::html::GuideHtml;
use super::outline::GuideOutline;
use super::step::GuideStep;
use crate::route::Route;
use crate::widgets::inline_code::inline_code;
use crate::widgets::reveal::reveal_selector;
use crate::widgets::terminal::ConsoleTerminal;

#[derive(Properties, PartialEq)]
pub struct GuidePageProps {
    pub id: String,
}

#[function_component(GuidePage)]
pub fn guide_page(props: &GuidePageProps) -> Html {
    let GuideHandle { state, console, go, check, restart, reset, finish } = use_guide(&props.id);
    let confirming_reset = use_state(|| false);

    // A held loading shell (this guide's title and summary, drawn by the
    // server) goes as this page draws the guide, or says it cannot: here,
    // before the draw, so it happens in the same frame (crate::boot).
    if state.view.is_some() || state.load_error.is_some() {
        crate::boot::release();
    }

    let Some(view) = state.view.clone() else {
        return html! {
            <section class="guide-page">
                <p><Link<Route> to={Route::Guides}>{ pages::GUIDE_BACK }</Link<Route>></p>
                if let Some(message) = &state.load_error {
                    <p class="guide-error" role="alert">
                        { inline_code(message) }{ " " }
                        <Link<Route> to={Route::Guides}>{ "See all the guides" }</Link<Route>>
                    </p>
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

    let on_go = go.clone();
    let on_prev = {
        let go = go.clone();
        Callback::from(move |_: MouseEvent| go.emit(current.saturating_sub(1)))
    };
    let on_next = Callback::from(move |_: MouseEvent| go.emit(current + 1));
    let on_finish = Callback::from(move |_: MouseEvent| finish.emit(()));
    // Run types the line into the console; where the console sits below
    // the step (a phone), it comes into view so its output is seen.
    let on_run = {
        let on_submit = console.on_submit.clone();
        Callback::from(move |line: String| {
            on_submit.emit(vec![line]);
            reveal_selector(".guide-console .console-terminal");
        })
    };
    let on_check = {
        let check = check.clone();
        Callback::from(move |()| check.emit(None))
    };
    let on_answer = Callback::from(move |answer: usize| check.emit(Some(answer)));
    let on_restart = restart;
    let on_reset_ask = {
        let confirming_reset = confirming_reset.clone();
        Callback::from(move |_: MouseEvent| confirming_reset.set(true))
    };
    let on_reset_cancel = {
        let confirming_reset = confirming_reset.clone();
        Callback::from(move |_: MouseEvent| confirming_reset.set(false))
    };
    let on_reset = {
        let confirming_reset = confirming_reset.clone();
        Callback::from(move |_: MouseEvent| {
            confirming_reset.set(false);
            reset.emit(());
        })
    };

    let next_label = if current_checked && !current_done { "Skip this step →" } else { "Next step →" };
    let reset_controls = if *confirming_reset {
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
                <p class="guide-head__back"><Link<Route> to={Route::Guides}>{ pages::GUIDE_BACK }</Link<Route>></p>
                <h1>{ view.guide.title.clone() }</h1>
                <p class="lead">{ view.guide.summary.clone() }</p>
                <p class="guide-head__progress muted">
                    { format!("{done_count} of {total} steps done") }
                    if total > 0 && done_count == total { { " · ✓ complete" } }
                </p>
                <GuideOutline view={view.clone()} {current} {on_go} />
            </header>
            if let Some(notice) = &state.notice {
                <p class="guide-notice" role="status">{ notice.clone() }</p>
            }
            <div class="guide-layout">
                <div class="guide-main">
                    if current == 0 && !view.guide.intro_html.is_empty() {
                        <GuideHtml class="guide-intro" html={AttrValue::from(view.guide.intro_html.clone())} />
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
                        { reset_controls }
                    </nav>
                </div>
                <aside class="guide-console" aria-label="Console">
                    <ConsoleTerminal
                        entries={console.state.entries.clone()}
                        prompt={console.prompt.clone().map(AttrValue::from)}
                        on_submit={console.on_submit.clone()}
                        on_clear_screen={console.on_clear_screen.clone()}
                        on_typing={console.on_typing.clone()}
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
