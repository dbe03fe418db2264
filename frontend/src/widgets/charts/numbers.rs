//! The numbers behind a chart, as a table: label, count and share of the
//! total. Charts are for seeing; this is for reading and checking (and for
//! screen readers). Long tables start folded.

use std::rc::Rc;

use yew::prelude::*;

use crate::widgets::charts::scale::{percent, thousands};
use crate::widgets::charts::Bar;

/// Tables longer than this start folded.
const OPEN_ROWS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct ChartNumbersProps {
    pub rows: Rc<Vec<Bar>>,
    /// The first column's heading (`class`).
    pub heading: AttrValue,
    /// The share's denominator; default: the sum of the rows.
    #[prop_or_default]
    pub total: Option<u64>,
}

#[function_component(ChartNumbers)]
pub fn chart_numbers(props: &ChartNumbersProps) -> Html {
    let total = props.total.unwrap_or_else(|| props.rows.iter().map(|row| row.value).sum());
    let rows = props.rows.iter().map(|row| {
        html! {
            <tr class={classes!(row.muted.then_some("muted"))}>
                <th scope="row">{ row.label.clone() }</th>
                <td class="num">{ thousands(row.value) }</td>
                <td class="num">{ percent(row.value, total) }</td>
            </tr>
        }
    });
    html! {
        <details class="chart-numbers" open={props.rows.len() <= OPEN_ROWS}>
            <summary>{ format!("The numbers ({} row{})", props.rows.len(), if props.rows.len() == 1 { "" } else { "s" }) }</summary>
            <table class="job-table chart-numbers__table">
                <thead>
                    <tr>
                        <th scope="col">{ props.heading.clone() }</th>
                        <th scope="col" class="num">{ "count" }</th>
                        <th scope="col" class="num">{ "share" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
                <tfoot>
                    <tr><th scope="row">{ "total" }</th><td class="num">{ thousands(total) }</td><td></td></tr>
                </tfoot>
            </table>
        </details>
    }
}
