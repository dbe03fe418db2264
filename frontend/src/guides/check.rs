//! A step's check: the **Check** button and what the server found, ✓ when
//! the condition holds, else what is there and a hint.
//!
//! The server's hint comes first (it knows what it found: "`k2` exists but
//! is a string: you used SET; try HSET"), then the guide author's, unless
//! the server already included it.

use yew::prelude::*;

use crate::widgets::inline_code::inline_code;

use crate::guides::state::CheckStatus;

#[derive(Properties, PartialEq)]
pub struct GuideCheckProps {
    /// The step is done (from the progress, even before any check here).
    pub done: bool,
    pub status: Option<CheckStatus>,
    /// The guide author's hint for this step.
    #[prop_or_default]
    pub author_hint: Option<AttrValue>,
    pub on_check: Callback<()>,
}

#[function_component(GuideCheck)]
pub fn guide_check(props: &GuideCheckProps) -> Html {
    let checking = matches!(props.status, Some(CheckStatus::Checking));
    let onclick = {
        let on_check = props.on_check.clone();
        Callback::from(move |_: MouseEvent| on_check.emit(()))
    };
    let result = match &props.status {
        Some(CheckStatus::Done(result)) if result.passed => html! {
            <p class="guide-check__result guide-check__result--passed">
                <span class="guide-check__mark" aria-hidden="true">{ "✓" }</span>{ " " }{ inline_code(&result.message) }
            </p>
        },
        Some(CheckStatus::Done(result)) => {
            let mut hints: Vec<String> = result.hint.iter().cloned().collect();
            if let Some(author) = &props.author_hint {
                if !hints.iter().any(|hint| hint.contains(author.as_str())) {
                    hints.push(author.to_string());
                }
            }
            html! {
                <div class="guide-check__result guide-check__result--failed" role="status">
                    <p><span class="guide-check__mark" aria-hidden="true">{ "✗" }</span>{ " Not yet: " }{ inline_code(&result.message) }</p>
                    { for hints.into_iter().map(|hint| html! { <p class="guide-check__hint">{ "Hint: " }{ inline_code(&hint) }</p> }) }
                </div>
            }
        }
        Some(CheckStatus::Failed(message)) => html! {
            <p class="guide-check__result guide-check__result--error" role="alert">{ inline_code(message) }</p>
        },
        Some(CheckStatus::Checking) => {
            html! { <p class="guide-check__result muted" role="status">{ "Checking…" }</p> }
        }
        None if props.done => html! {
            <p class="guide-check__result guide-check__result--passed">
                <span class="guide-check__mark" aria-hidden="true">{ "✓" }</span>{ " Done." }
            </p>
        },
        None => Html::default(),
    };
    html! {
        <section class={classes!("guide-check", props.done.then_some("guide-check--done"))} aria-label="Check">
            <div class="guide-check__head">
                <button type="button" class="guide-check__button" {onclick} disabled={checking}>{ "Check" }</button>
                <span class="muted">{ "Looks at your keys: is the step done?" }</span>
            </div>
            { result }
        </section>
    }
}
