//! `/guides`: every guide, with the student's progress in it. Layout over
//! [`use_guide_list`].

use yew::prelude::*;

use super::card::GuideCard;
use super::hooks::use_guide_list;

#[function_component(GuidesPage)]
pub fn guides_page() -> Html {
    let list = use_guide_list();
    let body = match &list {
        None => html! { <p class="muted" role="status">{ "Loading the guides…" }</p> },
        Some(Err(message)) => html! { <p class="guide-error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) => html! {
            <ol class="guide-list">
                { for list.guides.iter().enumerate().map(|(index, guide)| {
                    let progress = list.progress.iter().find(|progress| progress.guide_id == guide.id).cloned();
                    html! { <GuideCard key={guide.id.clone()} number={index + 1} guide={guide.clone()} {progress} /> }
                }) }
            </ol>
        },
    };
    html! {
        <section class="guides-page">
            <header class="guides-head">
                <h1>{ "Guides" }</h1>
                <p class="lead">
                    { "The databases-and-persistence module as short lessons. Each step runs on your real Redis \
                       and is checked against your own keys; your progress is kept." }
                </p>
                <p class="muted">
                    { "In the console, " }<code>{ "TUTORIAL" }</code>{ " shows the step you are on, " }
                    <code>{ "NEXT" }</code>{ " and " }<code>{ "PREV" }</code>{ " move through it, " }
                    <code>{ "T3" }</code>{ " jumps to step 3." }
                </p>
            </header>
            { body }
        </section>
    }
}
