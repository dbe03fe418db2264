//! The data table's filters: name search and class (both as you type; the
//! page debounces them), fall, name type, coordinates, year and mass
//! ranges, page size.
//!
//! The class box offers the loaded set's classes with their counts (a
//! `<datalist>`: pick one, or type any, in any case). The ranges apply on
//! `change` (Enter or leaving the field), so typing a year does not send a
//! request per digit; they are text boxes, not `type="number"`, so what the
//! student typed is what the page checks and names in its error (a number
//! box would hand over an empty value for `19a0`, silently dropping the
//! filter). Until then they keep what was typed over the page's refreshes
//! ([`use_draft`]).

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::ClassCount;
use crate::data::query::{DataQuery, QueryUpdate, PAGE_SIZES};
use crate::widgets::charts::scale::thousands;
use crate::widgets::draft::use_draft;

#[derive(Properties, PartialEq)]
pub struct DataFiltersProps {
    pub query: DataQuery,
    /// The search box's text as typed (ahead of `query.q` while debounced).
    pub search_text: AttrValue,
    pub on_search: Callback<String>,
    /// The class box's text as typed (ahead of `query.class`).
    pub class_text: AttrValue,
    pub on_class: Callback<String>,
    /// The loaded set's classes, most common first, to pick from.
    pub classes: Rc<Vec<ClassCount>>,
    pub on_update: Callback<QueryUpdate>,
}

/// A text filter: on change, `set` stores the input's value and the table
/// goes back to page 1.
fn text_change(on_update: &Callback<QueryUpdate>, set: fn(&mut DataQuery, String)) -> Callback<Event> {
    let on_update = on_update.clone();
    Callback::from(move |event: Event| {
        let value = event.target_unchecked_into::<HtmlInputElement>().value();
        on_update.emit(QueryUpdate::new(move |q| {
            set(q, value);
            q.page = 1;
        }));
    })
}

/// A choice among fixed values: on change, `set` stores it and the table
/// goes back to page 1.
fn select_change(on_update: &Callback<QueryUpdate>, set: fn(&mut DataQuery, String)) -> Callback<Event> {
    let on_update = on_update.clone();
    Callback::from(move |event: Event| {
        let value = event.target_unchecked_into::<HtmlSelectElement>().value();
        on_update.emit(QueryUpdate::new(move |q| {
            set(q, value);
            q.page = 1;
        }));
    })
}

#[function_component(DataFilters)]
pub fn data_filters(props: &DataFiltersProps) -> Html {
    let q = &props.query;
    let typed = |callback: &Callback<String>| {
        let callback = callback.clone();
        Callback::from(move |event: InputEvent| {
            callback.emit(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let (on_search, on_class) = (typed(&props.on_search), typed(&props.on_class));
    let on_fall = select_change(&props.on_update, |q, v| q.fall = v);
    let on_nametype = select_change(&props.on_update, |q, v| q.nametype = v);
    let on_size = {
        let on_update = props.on_update.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(size) = value.parse::<u64>() {
                on_update.emit(QueryUpdate::new(move |q| {
                    q.size = size;
                    q.page = 1;
                }));
            }
        })
    };
    let on_coords = {
        let on_update = props.on_update.clone();
        Callback::from(move |event: Event| {
            let checked = event.target_unchecked_into::<HtmlInputElement>().checked();
            on_update.emit(QueryUpdate::new(move |q| {
                q.has_coords = checked;
                q.page = 1;
            }));
        })
    };
    let on_clear = {
        let (on_update, on_search, on_class) =
            (props.on_update.clone(), props.on_search.clone(), props.on_class.clone());
        Callback::from(move |_: MouseEvent| {
            on_search.emit(String::new());
            on_class.emit(String::new());
            on_update.emit(QueryUpdate::new(|q| {
                *q = DataQuery {
                    size: q.size,
                    sort: q.sort.clone(),
                    descending: q.descending,
                    ..DataQuery::default()
                };
            }));
        })
    };

    let (year_min, year_max) = (use_draft(&q.year_min), use_draft(&q.year_max));
    let (mass_min, mass_max) = (use_draft(&q.mass_min), use_draft(&q.mass_max));

    html! {
        <form class="data-filters" onsubmit={Callback::from(|event: SubmitEvent| event.prevent_default())}>
            <label class="data-filter data-filter--search">
                <span>{ "Name contains" }</span>
                <input id="data-search" type="search" placeholder="e.g. Allan" autocomplete="off"
                    value={props.search_text.clone()} oninput={on_search} />
            </label>
            <label class="data-filter">
                <span>{ "Class" }</span>
                <input id="data-filter-class" type="text" placeholder="e.g. L6" size="10" autocomplete="off"
                    list="data-class-options" value={props.class_text.clone()} oninput={on_class} />
                <datalist id="data-class-options">
                    { for props.classes.iter().map(|c| html! {
                        <option value={c.class.clone()}>{ format!("{} landings", thousands(c.count)) }</option>
                    }) }
                </datalist>
            </label>
            <label class="data-filter">
                <span>{ "Fall" }</span>
                <select id="data-filter-fall" onchange={on_fall}>
                    <option value="" selected={q.fall.is_empty()}>{ "any" }</option>
                    <option value="Fell" selected={q.fall == "Fell"}>{ "Fell (seen falling)" }</option>
                    <option value="Found" selected={q.fall == "Found"}>{ "Found" }</option>
                </select>
            </label>
            <label class="data-filter">
                <span>{ "Name type" }</span>
                <select id="data-filter-nametype" onchange={on_nametype}>
                    <option value="" selected={q.nametype.is_empty()}>{ "any" }</option>
                    <option value="Valid" selected={q.nametype == "Valid"}>{ "Valid" }</option>
                    <option value="Relict" selected={q.nametype == "Relict"}>{ "Relict (weathered remnant)" }</option>
                </select>
            </label>
            <label class="data-filter">
                <span>{ "Year from" }</span>
                <input id="data-filter-year-min" type="text" inputmode="numeric" size="6"
                    value={year_min.0} oninput={year_min.1} onchange={text_change(&props.on_update, |q, v| q.year_min = v)} />
            </label>
            <label class="data-filter">
                <span>{ "to" }</span>
                <input id="data-filter-year-max" type="text" inputmode="numeric" size="6"
                    value={year_max.0} oninput={year_max.1} onchange={text_change(&props.on_update, |q, v| q.year_max = v)} />
            </label>
            <label class="data-filter">
                <span>{ "Mass (g) from" }</span>
                <input id="data-filter-mass-min" type="text" inputmode="decimal" size="8"
                    value={mass_min.0} oninput={mass_min.1} onchange={text_change(&props.on_update, |q, v| q.mass_min = v)} />
            </label>
            <label class="data-filter">
                <span>{ "to" }</span>
                <input id="data-filter-mass-max" type="text" inputmode="decimal" size="8"
                    value={mass_max.0} oninput={mass_max.1} onchange={text_change(&props.on_update, |q, v| q.mass_max = v)} />
            </label>
            <label class="data-filter data-filter--check">
                <input id="data-filter-coords" type="checkbox" checked={q.has_coords} onchange={on_coords} />
                <span>{ "has coordinates" }</span>
            </label>
            <label class="data-filter">
                <span>{ "Per page" }</span>
                <select id="data-page-size" onchange={on_size}>
                    { for PAGE_SIZES.iter().map(|size| html! {
                        <option value={size.to_string()} selected={q.size == *size}>{ size.to_string() }</option>
                    }) }
                </select>
            </label>
            <button type="button" class="data-filter-clear" onclick={on_clear}>{ "Clear filters" }</button>
        </form>
    }
}
