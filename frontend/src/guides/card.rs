//! One guide in the list: its number, title and summary, and how far the
//! student got (steps done out of the total, ✓ when all are).

use bolide_shared::guides::{GuideProgress, GuideSummary};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct GuideCardProps {
    /// 1-based, as the course numbers its topics.
    pub number: usize,
    pub guide: GuideSummary,
    pub progress: Option<GuideProgress>,
}

/// Steps done, capped at the guide's length.
pub fn steps_done(guide: &GuideSummary, progress: Option<&GuideProgress>) -> usize {
    progress.map_or(0, |progress| progress.completed.iter().filter(|step| **step < guide.steps).count())
}

#[function_component(GuideCard)]
pub fn guide_card(props: &GuideCardProps) -> Html {
    let guide = &props.guide;
    let done = steps_done(guide, props.progress.as_ref());
    let complete = guide.steps > 0 && done == guide.steps;
    let started = props.progress.is_some();
    let action = match (complete, started) {
        (true, _) => "Review",
        (false, true) => "Continue",
        (false, false) => "Start",
    };
    html! {
        <li class={classes!("guide-card", complete.then_some("guide-card--complete"))} data-guide={guide.id.clone()}>
            <Link<Route> to={Route::Guide { id: guide.id.clone() }} classes="guide-card__link">
                <span class="guide-card__number" title={format!("Guide {}", props.number)}>
                    { if complete { "✓".to_owned() } else { props.number.to_string() } }
                </span>
                <span class="guide-card__text">
                    <strong class="guide-card__title">{ guide.title.clone() }</strong>
                    <span class="guide-card__summary">{ guide.summary.clone() }</span>
                    <span class="guide-card__progress">
                        <progress max={guide.steps.to_string()} value={done.to_string()} aria-hidden="true" />
                        <span class="guide-card__count">
                            { format!("{done} / {} steps", guide.steps) }
                            if complete { { " ✓ complete" } }
                        </span>
                    </span>
                </span>
                <span class="guide-card__action">{ action }{ " →" }</span>
            </Link<Route>>
        </li>
    }
}
