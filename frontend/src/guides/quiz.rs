//! A quiz step: the question, one button per choice, and the reasoning.
//!
//! A wrong answer shows why that choice does not fit and lets the student
//! try again; a right one (or a quiz done before) shows every choice with
//! its reasoning, right ones marked: the reasoning is the lesson.
//!
//! When an answer's verdict arrives, the focus moves to it (it has
//! `tabindex="-1"`), so a keyboard or screen-reader user lands on the
//! feedback and Tab goes on from the quiz, not from the top of the page.

use bolide_shared::guides::Quiz;
use yew::prelude::*;

use crate::widgets::inline_code::inline_code;

use crate::guides::state::CheckStatus;

#[derive(Properties, PartialEq)]
pub struct GuideQuizProps {
    pub quiz: Quiz,
    /// The choice picked last on this page.
    pub answer: Option<usize>,
    pub status: Option<CheckStatus>,
    /// The quiz was answered right (now or before).
    pub done: bool,
    pub on_answer: Callback<usize>,
}

#[function_component(GuideQuiz)]
pub fn guide_quiz(props: &GuideQuizProps) -> Html {
    let checking = matches!(props.status, Some(CheckStatus::Checking));
    let answered = matches!(props.status, Some(CheckStatus::Done(_) | CheckStatus::Failed(_)));
    let result_ref = use_node_ref();
    {
        // Only a verdict that arrives while the quiz is shown takes the
        // focus, not one already there when the step opens.
        let (result_ref, before) = (result_ref.clone(), use_mut_ref(|| answered));
        use_effect_with((answered, props.answer), move |&(answered, _)| {
            if answered && !*before.borrow() {
                if let Some(result) = result_ref.cast::<web_sys::HtmlElement>() {
                    let _ = result.focus();
                }
            }
            *before.borrow_mut() = answered;
        });
    }
    let reveal = props.done;
    let choices = props.quiz.choices.iter().enumerate().map(|(index, choice)| {
        // While an answer is checked the buttons ignore clicks but stay
        // enabled: a disabled button loses the focus, which would drop a
        // keyboard user back at the top of the page.
        let onclick = {
            let on_answer = props.on_answer.clone();
            Callback::from(move |_: MouseEvent| {
                if !checking {
                    on_answer.emit(index);
                }
            })
        };
        let picked = props.answer == Some(index);
        let class = classes!(
            "guide-choice",
            picked.then_some("guide-choice--picked"),
            (reveal && choice.correct).then_some("guide-choice--right"),
            (reveal && !choice.correct).then_some("guide-choice--wrong"),
        );
        html! {
            <li class={class}>
                <button type="button" class="guide-choice__button" {onclick} aria-disabled={checking.to_string()}
                    aria-pressed={picked.to_string()}>
                    if reveal {
                        <span class="guide-choice__mark" aria-hidden="true">{ if choice.correct { "✓ " } else { "✗ " } }</span>
                    }
                    { choice.text.clone() }
                </button>
                if reveal {
                    <p class="guide-choice__why">{ choice.why.clone() }</p>
                }
            </li>
        }
    });
    let result = match &props.status {
        Some(CheckStatus::Done(result)) => html! {
            <div role="status" tabindex="-1" ref={result_ref.clone()} class={classes!("guide-quiz__result", if result.passed { "guide-quiz__result--passed" } else { "guide-quiz__result--failed" })}>
                <p>
                    <span class="guide-check__mark" aria-hidden="true">{ if result.passed { "✓ " } else { "✗ " } }</span>
                    { inline_code(&result.message) }
                </p>
                if let Some(hint) = &result.hint {
                    <p class="guide-check__hint">{ inline_code(hint) }</p>
                }
            </div>
        },
        Some(CheckStatus::Failed(message)) => html! {
            <p class="guide-quiz__result guide-check__result--error" role="alert" tabindex="-1" ref={result_ref.clone()}>
                { message.clone() }
            </p>
        },
        Some(CheckStatus::Checking) => {
            html! { <p class="guide-quiz__result muted" role="status">{ "Checking…" }</p> }
        }
        None if props.done => html! {
            <p class="guide-quiz__result guide-quiz__result--passed">
                <span class="guide-check__mark" aria-hidden="true">{ "✓ " }</span>{ "Answered." }
            </p>
        },
        None => Html::default(),
    };
    html! {
        <section class={classes!("guide-quiz", props.done.then_some("guide-quiz--done"))} aria-label="Quiz">
            <p class="guide-quiz__question">{ props.quiz.question.clone() }</p>
            <ol class="guide-quiz__choices">{ for choices }</ol>
            { result }
        </section>
    }
}
