//! The tree's settings: the delimiter that makes folders, a glob on key
//! names (`meteorite:1*`) and a type. The boxes commit on `change` and keep
//! what was typed until then over the page's refreshes ([`use_draft`]).

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::TreeQuery;
use crate::widgets::draft::use_draft;

/// `SCAN … TYPE`'s types.
const TYPES: [&str; 6] = ["string", "hash", "list", "set", "zset", "stream"];

#[derive(Properties, PartialEq)]
pub struct TreeFiltersProps {
    pub query: TreeQuery,
    pub on_change: Callback<TreeQuery>,
}

#[function_component(TreeFilters)]
pub fn tree_filters(props: &TreeFiltersProps) -> Html {
    let set = |change: fn(&mut TreeQuery, String)| {
        let (query, on_change) = (props.query.clone(), props.on_change.clone());
        Callback::from(move |event: Event| {
            let value = event
                .target_dyn_into::<HtmlInputElement>()
                .map(|input| input.value())
                .or_else(|| event.target_dyn_into::<HtmlSelectElement>().map(|select| select.value()))
                .unwrap_or_default();
            let mut next = query.clone();
            change(&mut next, value);
            on_change.emit(next);
        })
    };
    let delimiter =
        if props.query.delimiter.is_empty() { ":".to_owned() } else { props.query.delimiter.clone() };
    let (delimiter, on_delimiter_input) = use_draft(&delimiter);
    let (pattern, on_pattern_input) = use_draft(&props.query.pattern);
    html! {
        <form class="keys-filters" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <label>{ "Delimiter " }
                <input id="keys-delimiter" type="text" size="3" maxlength="16" value={delimiter}
                    oninput={on_delimiter_input} onchange={set(|q, v| q.delimiter = v)} />
            </label>
            <label>{ "Pattern " }
                <input id="keys-pattern" type="search" placeholder="meteorite:1*" value={pattern}
                    oninput={on_pattern_input} onchange={set(|q, v| q.pattern = v)} />
            </label>
            <label>{ "Type " }
                <select id="keys-type" onchange={set(|q, v| q.kind = v)}>
                    <option value="" selected={props.query.kind.is_empty()}>{ "any" }</option>
                    { for TYPES.iter().map(|t| html! {
                        <option value={*t} selected={props.query.kind == *t}>{ *t }</option>
                    }) }
                </select>
            </label>
        </form>
    }
}
