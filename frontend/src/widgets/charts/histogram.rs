//! A histogram: columns over a numeric axis (years, or powers of ten of
//! grams), a count axis with round ticks and grid lines, and both axes
//! titled. A column sits at its true place on the axis, so gaps in the
//! data show as gaps, and a column's width is its bin's width.
//!
//! Each column says its bin and count in a `<title>` tooltip and carries
//! `data-label`/`data-value` for tests.

use std::rc::Rc;

use yew::prelude::*;

use crate::widgets::charts::scale::{count_ticks, linear_ticks, thousands};
use crate::widgets::charts::Column;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 48.0;

#[derive(Properties, PartialEq)]
pub struct ChartHistogramProps {
    pub id: AttrValue,
    pub columns: Rc<Vec<Column>>,
    /// The x axis's ticks as `(position, label)`; `None`: round numbers
    /// between the first column's start and the last one's end.
    #[prop_or_default]
    pub x_ticks: Option<Rc<Vec<(f64, String)>>>,
    pub x_title: AttrValue,
    pub y_title: AttrValue,
    /// What the chart shows, for screen readers.
    pub label: AttrValue,
}

#[function_component(ChartHistogram)]
pub fn chart_histogram(props: &ChartHistogramProps) -> Html {
    let columns = &props.columns;
    let start = columns.iter().map(|c| c.start).fold(f64::INFINITY, f64::min);
    let end = columns.iter().map(|c| c.end).fold(f64::NEG_INFINITY, f64::max);
    let (start, end) = if start.is_finite() && end > start { (start, end) } else { (0.0, 1.0) };
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let plot_bottom = TOP + plot_height;
    let x = |value: f64| LEFT + (value - start) / (end - start) * plot_width;
    let y_ticks = count_ticks(columns.iter().map(|c| c.value).max().unwrap_or(0));
    let top_value = y_ticks.last().copied().unwrap_or(1).max(1) as f64;
    let y = |value: u64| plot_bottom - value as f64 / top_value * plot_height;

    let x_ticks: Vec<(f64, String)> = match &props.x_ticks {
        Some(ticks) => ticks.iter().filter(|(at, _)| *at >= start && *at <= end).cloned().collect(),
        None => linear_ticks(start, end, 8).into_iter().map(|at| (at, format!("{at:.0}"))).collect(),
    };
    let y_grid = y_ticks.iter().map(|tick| {
        let at = format!("{:.1}", y(*tick));
        html! {
            <g class="chart-tick">
                <line class="chart-grid" x1={LEFT.to_string()} x2={(LEFT + plot_width).to_string()} y1={at.clone()} y2={at.clone()} />
                <text x={(LEFT - 6.0).to_string()} y={at} text-anchor="end" dominant-baseline="middle">{ thousands(*tick) }</text>
            </g>
        }
    });
    let x_marks = x_ticks.iter().map(|(at, label)| {
        let position = format!("{:.1}", x(*at));
        html! {
            <g class="chart-tick">
                <line class="chart-axis" x1={position.clone()} x2={position.clone()}
                    y1={plot_bottom.to_string()} y2={(plot_bottom + 4.0).to_string()} />
                <text x={position} y={(plot_bottom + 17.0).to_string()} text-anchor="middle">{ label.clone() }</text>
            </g>
        }
    });
    let bars = columns.iter().map(|column| {
        let left = x(column.start);
        let width = x(column.end) - left;
        // A hairline gap between wide columns; thin ones touch.
        let (left, width) = if width > 4.0 { (left + 0.5, width - 1.0) } else { (left, width.max(0.6)) };
        let top = y(column.value);
        html! {
            <rect class="chart-bar" x={format!("{left:.2}")} y={format!("{top:.1}")}
                width={format!("{width:.2}")} height={format!("{:.1}", plot_bottom - top)}
                data-label={column.label.clone()} data-value={column.value.to_string()}>
                <title>{ format!("{}: {}", column.label, thousands(column.value)) }</title>
            </rect>
        }
    });
    html! {
        <svg id={props.id.clone()} class="chart chart-histogram" viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
            role="img" aria-label={props.label.clone()}>
            { for y_grid }
            { for bars }
            <line class="chart-axis" x1={LEFT.to_string()} x2={LEFT.to_string()} y1={TOP.to_string()} y2={plot_bottom.to_string()} />
            <line class="chart-axis" x1={LEFT.to_string()} x2={(LEFT + plot_width).to_string()}
                y1={plot_bottom.to_string()} y2={plot_bottom.to_string()} />
            { for x_marks }
            <text class="chart-axis-title" x={format!("{:.1}", LEFT + plot_width / 2.0)} y={(HEIGHT - 6.0).to_string()}
                text-anchor="middle">{ props.x_title.clone() }</text>
            <text class="chart-axis-title" transform={format!("translate(14 {:.1}) rotate(-90)", TOP + plot_height / 2.0)}
                text-anchor="middle">{ props.y_title.clone() }</text>
        </svg>
    }
}
