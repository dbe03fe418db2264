//! One step of a guide: its text, the console lines to run (each with a
//! **Run** button that types it into the console beside), the same in
//! Python with redis-py, and what completes the step — a check of the
//! student's keys or a quiz. The persistence exercise's steps also get the
//! restart buttons, above the lines to run (restart, then read).

use std::rc::Rc;

use bolide_shared::guides::GuideView;
use bolide_shared::pages;
use yew::prelude::*;

use crate::guides::check::GuideCheck;
use crate::guides::html::GuideHtml;
use crate::guides::quiz::GuideQuiz;
use crate::guides::restart::GuideRestart;
use crate::guides::state::{CheckStatus, RestartStatus};
use crate::widgets::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct GuideStepProps {
    pub view: Rc<GuideView>,
    /// The step shown (0-based).
    pub index: usize,
    pub done: bool,
    pub check: Option<CheckStatus>,
    pub answer: Option<usize>,
    pub restart: RestartStatus,
    /// Runs a console line.
    pub on_run: Callback<String>,
    pub on_check: Callback<()>,
    pub on_answer: Callback<usize>,
    pub on_restart: Callback<bool>,
}

#[function_component(GuideStep)]
pub fn guide_step(props: &GuideStepProps) -> Html {
    let python_ref = use_node_ref();
    let Some(step) = props.view.guide.steps.get(props.index) else {
        return Html::default();
    };
    let total = props.view.guide.steps.len();

    let snippets = if step.runnable.is_empty() {
        Html::default()
    } else {
        html! {
            <section class="guide-snippets" aria-label="Commands to run">
                <h3>{ pages::STEP_RUN_HEADING }</h3>
                <ul>
                    { for step.runnable.iter().map(|snippet| {
                        let command = snippet.command.clone();
                        let onclick = {
                            let on_run = props.on_run.clone();
                            let command = command.clone();
                            Callback::from(move |_: MouseEvent| on_run.emit(command.clone()))
                        };
                        html! {
                            <li class="guide-snippet">
                                <code class="guide-snippet__command">{ command.clone() }</code>
                                <button type="button" class="guide-run" {onclick}
                                    data-command={command.clone()}
                                    title={pages::STEP_RUN_TITLE}
                                    aria-label={format!("{} {command}", pages::STEP_RUN)}>
                                    { pages::STEP_RUN }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            </section>
        }
    };
    let python = match &step.python {
        Some(code) => html! {
            <section class="code-block guide-python">
                <div class="code-block__head">
                    <h3>{ pages::STEP_PYTHON_HEADING }</h3>
                    <CopyButton text={AttrValue::from(code.clone())} label={pages::COPY_PYTHON} fallback={python_ref.clone()} />
                </div>
                <pre class="code-python" ref={python_ref.clone()}>{ code.clone() }</pre>
            </section>
        },
        None => Html::default(),
    };
    let restart = if step.needs_restart() {
        html! {
            <GuideRestart environment={props.view.environment.clone()} status={props.restart.clone()} on_restart={props.on_restart.clone()} />
        }
    } else {
        Html::default()
    };
    let completion = match (&step.quiz, &step.check) {
        (Some(quiz), _) => html! {
            <GuideQuiz quiz={quiz.clone()} answer={props.answer} status={props.check.clone()} done={props.done} on_answer={props.on_answer.clone()} />
        },
        (None, Some(_)) => html! {
            <GuideCheck done={props.done} status={props.check.clone()}
                author_hint={step.hint.clone().map(AttrValue::from)} on_check={props.on_check.clone()} />
        },
        (None, None) => html! {
            <p class="guide-reading muted">{ "Nothing to check in this step: read it, then go on." }</p>
        },
    };
    html! {
        <article class={classes!("guide-step", props.done.then_some("guide-step--done"))} data-step={props.index.to_string()}>
            <p class="guide-step__number muted">{ format!("Step {} of {}", props.index + 1, total) }</p>
            <h2 class="guide-step__title">
                { step.title.clone() }
                if props.done {
                    <span class="guide-step__done" title="Done">{ " ✓" }</span>
                }
            </h2>
            <GuideHtml html={AttrValue::from(step.body_html.clone())} />
            // The persistence exercise restarts Redis first, then reads.
            { restart }
            { snippets }
            { python }
            { completion }
        </article>
    }
}
