//! A sorted set read by score instead of by rank: `min` and `max` as
//! `ZRANGE … BYSCORE` takes them (`-inf`, `(1.5`, `10`, `+inf`), or back to
//! ranks. The server checks them (a bad bound is its `400`). The boxes keep
//! what was typed over the panel's refreshes ([`use_draft`]).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::widgets::draft::use_draft;

#[derive(Properties, PartialEq)]
pub struct ScoreRangeProps {
    /// The range shown now (`None`: by rank).
    pub range: Option<(String, String)>,
    /// A new range, or `None` for ranks again.
    pub on_change: Callback<Option<(String, String)>>,
}

#[function_component(ScoreRange)]
pub fn score_range(props: &ScoreRangeProps) -> Html {
    let (min, max) = (use_node_ref(), use_node_ref());
    let by_score = {
        let (min, max, on_change) = (min.clone(), max.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let read = |input: &NodeRef, default: &str| {
                let text = input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                if text.trim().is_empty() {
                    default.to_owned()
                } else {
                    text.trim().to_owned()
                }
            };
            on_change.emit(Some((read(&min, "-inf"), read(&max, "+inf"))));
        })
    };
    let by_rank = {
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(None))
    };
    let (shown_min, shown_max) = props.range.clone().unwrap_or_default();
    let (min_text, on_min_input) = use_draft(&shown_min);
    let (max_text, on_max_input) = use_draft(&shown_max);
    html! {
        <div class="keys-score-range">
            <label>{ "Scores from " }<input id="keys-score-min" type="text" size="6" placeholder="-inf"
                value={min_text} oninput={on_min_input} ref={min} /></label>
            <label>{ " to " }<input id="keys-score-max" type="text" size="6" placeholder="+inf"
                value={max_text} oninput={on_max_input} ref={max} /></label>
            <button type="button" class="keys-by-score" onclick={by_score}>{ "By score (ZRANGE … BYSCORE)" }</button>
            if props.range.is_some() {
                <button type="button" class="keys-by-rank" onclick={by_rank}>{ "By rank" }</button>
            }
        </div>
    }
}
