//! `/guides`: every guide, with the student's progress in it. Layout over
//! [`use_guide_list`].

use bolide_shared::pages;
use yew::prelude::*;

use super::card::GuideCard;
use super::hooks::use_guide_list;
use crate::widgets::inline_code::inline_code;

#[function_component(GuidesPage)]
pub fn guides_page() -> Html {
    let list = use_guide_list();
    let body = match &list {
        None => html! { <p class="muted" role="status">{ pages::GUIDES_LOADING }</p> },
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
                <h1>{ pages::GUIDES.title }</h1>
                <p class="lead">{ pages::GUIDES.lead }</p>
                <p class="muted">{ inline_code(pages::GUIDES_CONSOLE) }</p>
            </header>
            { body }
        </section>
    }
}
