//! A result that is one number (the average mass): the number, large and
//! in a readable unit, with its exact value and the facts that qualify it
//! (how many landings it is over, how many were left out, the extremes).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartNumberProps {
    /// The number as read (`15.3 kg`).
    pub headline: AttrValue,
    /// What it is (`average mass`).
    pub caption: AttrValue,
    /// `(what, value)` lines under it.
    #[prop_or_default]
    pub facts: Vec<(AttrValue, AttrValue)>,
}

#[function_component(ChartNumber)]
pub fn chart_number(props: &ChartNumberProps) -> Html {
    html! {
        <div id="chart-number" class="chart-number">
            <p class="chart-number__headline">{ props.headline.clone() }</p>
            <p class="chart-number__caption muted">{ props.caption.clone() }</p>
            if !props.facts.is_empty() {
                <dl class="chart-number__facts">
                    { for props.facts.iter().map(|(what, value)| html! {
                        <div><dt>{ what.clone() }</dt><dd>{ value.clone() }</dd></div>
                    }) }
                </dl>
            }
        </div>
    }
}
