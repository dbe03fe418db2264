//! `/guides`: the course module as short lessons whose steps are checked
//! against the student's real Redis; `/guides/{id}`: one guide ([`view`]).
//!
//! The list shows every guide with the student's progress in it (steps
//! done out of the total, ✓ when complete), from `GET /api/guides`. The
//! progress lives on the server, in the student's session, so the console's
//! tutorial words and the guide pages always agree.

pub mod card;
pub mod check;
pub mod markdown;
pub mod outline;
pub mod quiz;
pub mod restart;
pub mod state;
pub mod step;
pub mod view;

use bolide_shared::guides::GuideList;
use yew::prelude::*;

use crate::api;
use crate::api::failure_message;
use crate::guides::card::GuideCard;

#[function_component(GuidesPage)]
pub fn guides_page() -> Html {
    let list = use_state(|| None::<Result<GuideList, String>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(api::guides().await.map_err(|error| failure_message(&error))));
            });
        });
    }
    let body = match &*list {
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
