//! The persistence exercise, live: two buttons restart Bolide's embedded
//! Redis with or without its data on disk, and the page shows what
//! survived (keys before and after, and the process ids, which differ: it
//! really was a new server).
//!
//! Only a student's own Bolide (local mode, embedded Redis) can do this;
//! a shared Bolide serves a whole class from one Redis, so there the panel
//! says why the buttons are missing and the step is read, not done live.

use bolide_shared::guides::GuideEnvironment;
use bolide_shared::pages;
use yew::prelude::*;

use crate::guides::state::RestartStatus;
use crate::widgets::inline_code::inline_code;

#[derive(Properties, PartialEq)]
pub struct GuideRestartProps {
    pub environment: GuideEnvironment,
    pub status: RestartStatus,
    /// `true`: with persistence.
    pub on_restart: Callback<bool>,
}

#[function_component(GuideRestart)]
pub fn guide_restart(props: &GuideRestartProps) -> Html {
    if !props.environment.restart_available {
        let why = if props.environment.shared {
            pages::RESTART_UNAVAILABLE_SHARED
        } else {
            pages::RESTART_UNAVAILABLE_EXTERNAL
        };
        return html! {
            <section class="guide-restart guide-restart--unavailable" aria-label="Restart Redis">
                <p>{ why }{ inline_code(pages::RESTART_ELSEWHERE) }</p>
            </section>
        };
    }
    let restarting = matches!(props.status, RestartStatus::Restarting(_));
    let button = |persistence: bool, label: &'static str, class: &'static str| {
        let on_restart = props.on_restart.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_restart.emit(persistence));
        html! { <button type="button" class={classes!("guide-restart__button", class)} {onclick} disabled={restarting}>{ label }</button> }
    };
    let report = match &props.status {
        RestartStatus::Idle => Html::default(),
        RestartStatus::Restarting(persistence) => html! {
            <p class="muted" role="status">
                { if *persistence { "Restarting Redis with persistence…" } else { "Restarting Redis without persistence…" } }
            </p>
        },
        RestartStatus::Done(report) => html! {
            <div class={classes!("guide-restart__report", (report.keys_after < report.keys_before).then_some("guide-restart__report--lost"))} role="status">
                <p>
                    <strong>{ if report.persistence { "Restarted with persistence. " } else { "Restarted without persistence. " } }</strong>
                    { format!("Keys in database 0: {} before, {} after.", report.keys_before, report.keys_after) }
                </p>
                <p class="muted">
                    { format!("redis-server process {} stopped; process {} now listens on port {}.", report.pid_before, report.pid_after, report.port) }
                </p>
                <p>{ inline_code(&report.message) }</p>
            </div>
        },
        RestartStatus::Failed(message) => {
            html! { <p class="guide-check__result--error" role="alert">{ inline_code(message) }</p> }
        }
    };
    html! {
        <section class="guide-restart" aria-label="Restart Redis">
            <div class="guide-restart__buttons">
                { button(true, pages::RESTART_WITH, "guide-restart--with") }
                { button(false, pages::RESTART_WITHOUT, "guide-restart--without") }
            </div>
            { report }
        </section>
    }
}
