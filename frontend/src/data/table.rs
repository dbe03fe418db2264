//! One page of landings as a table: sortable headers (name, id, mass,
//! year; a second click flips the order), one row per hash, a click (or
//! Enter) on a row opens it. Every value is text, as Redis holds it.

use std::rc::Rc;

use yew::prelude::*;

use crate::api::Page;

/// The columns: heading, the hash field shown, and the sort key if the
/// backend can sort by it.
pub const COLUMNS: [(&str, &str, Option<&str>); 8] = [
    ("Name", "name", Some("name")),
    ("Id", "id", Some("id")),
    ("Class", "recclass", None),
    ("Mass (g)", "mass (g)", Some("mass")),
    ("Fall", "fall", None),
    ("Year", "year", Some("year")),
    ("Lat", "reclat", None),
    ("Long", "reclong", None),
];

#[derive(Properties, PartialEq)]
pub struct DataTableProps {
    pub items: Rc<Page>,
    pub sort: AttrValue,
    pub descending: bool,
    /// The id of the landing open in the record panel.
    pub selected: Option<AttrValue>,
    pub on_sort: Callback<String>,
    pub on_select: Callback<String>,
}

#[function_component(DataTable)]
pub fn data_table(props: &DataTableProps) -> Html {
    let header = |(title, field, sort): &(&str, &str, Option<&str>)| match sort {
        Some(key) => {
            let active = props.sort.as_str() == *key;
            let (arrow, aria) = match (active, props.descending) {
                (true, false) => (" ▲", "ascending"),
                (true, true) => (" ▼", "descending"),
                (false, _) => ("", "none"),
            };
            let on_sort = props.on_sort.clone();
            let key_owned = key.to_string();
            html! {
                <th scope="col" data-sort={key.to_string()} aria-sort={aria}
                    class={classes!("sortable", active.then_some("sorted"))} title={format!("Sort by {field}")}>
                    <button type="button" onclick={Callback::from(move |_| on_sort.emit(key_owned.clone()))}>
                        { *title }{ arrow }
                    </button>
                </th>
            }
        }
        None => html! { <th scope="col" title={field.to_string()}>{ *title }</th> },
    };
    let rows = props.items.items.iter().map(|record| {
        let id = record.get("id").unwrap_or_default().to_owned();
        let selected = props.selected.as_deref() == Some(id.as_str());
        let onclick = {
            let (on_select, id) = (props.on_select.clone(), id.clone());
            Callback::from(move |_: MouseEvent| on_select.emit(id.clone()))
        };
        let onkeydown = {
            let (on_select, id) = (props.on_select.clone(), id.clone());
            Callback::from(move |event: KeyboardEvent| {
                if event.key() == "Enter" || event.key() == " " {
                    event.prevent_default();
                    on_select.emit(id.clone());
                }
            })
        };
        html! {
            <tr key={id.clone()} class={classes!("data-row", selected.then_some("selected"))} data-id={id.clone()}
                tabindex="0" onclick={onclick} onkeydown={onkeydown} aria-selected={selected.to_string()}>
                { for COLUMNS.iter().map(|(_, field, _)| match record.get(field) {
                    Some(value) => html! { <td>{ value.to_owned() }</td> },
                    None => html! { <td class="absent" title="this hash has no such field">{ "—" }</td> },
                }) }
            </tr>
        }
    });
    html! {
        <div class="data-table-wrap">
            <table id="data-table">
                <thead><tr>{ for COLUMNS.iter().map(header) }</tr></thead>
                <tbody>
                    { for rows }
                    if props.items.items.is_empty() {
                        <tr class="data-empty"><td colspan={COLUMNS.len().to_string()}>
                            { "No landings match. Load or generate a set above, or loosen the filters." }
                        </td></tr>
                    }
                </tbody>
            </table>
        </div>
    }
}
