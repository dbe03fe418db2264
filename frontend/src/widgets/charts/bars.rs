//! A horizontal bar chart: one labelled bar per count, largest scale on a
//! count axis with round ticks and grid lines. Horizontal, because class
//! names and problem codes are long and read best left of their bar.
//!
//! Each bar says its label, count and share in a `<title>` (the tooltip,
//! and what a screen reader reads), and carries them as `data-label` and
//! `data-value` for tests. Muted bars ("other", "missing") are grey.

use std::rc::Rc;

use yew::prelude::*;

use crate::widgets::charts::scale::{count_ticks, percent, thousands};
use crate::widgets::charts::Bar;

/// The view box's width; the chart scales to its container.
const WIDTH: f64 = 640.0;
const ROW: f64 = 22.0;
const THICKNESS: f64 = 15.0;
const TOP: f64 = 6.0;
/// Below the bars: tick labels and the axis title.
const BOTTOM: f64 = 40.0;
/// Right of the longest bar: its value.
const RIGHT: f64 = 64.0;
/// Longest label drawn in full (the tooltip has it all).
const LABEL_CHARS: usize = 30;

#[derive(Properties, PartialEq)]
pub struct ChartBarsProps {
    /// The element id (`chart-count-per-class`).
    pub id: AttrValue,
    pub bars: Rc<Vec<Bar>>,
    /// What the chart shows, for screen readers.
    pub label: AttrValue,
    /// The count's unit, under the axis (`landings`).
    pub unit: AttrValue,
}

/// `label` cut to [`LABEL_CHARS`] characters with an ellipsis.
fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[function_component(ChartBars)]
pub fn chart_bars(props: &ChartBarsProps) -> Html {
    let bars = &props.bars;
    let longest = bars.iter().map(|bar| short(&bar.label).chars().count()).max().unwrap_or(0);
    let left = (longest as f64 * 6.8 + 12.0).clamp(48.0, 220.0);
    let plot_width = WIDTH - left - RIGHT;
    let plot_bottom = TOP + ROW * bars.len().max(1) as f64;
    let height = plot_bottom + BOTTOM;
    let ticks = count_ticks(bars.iter().map(|bar| bar.value).max().unwrap_or(0));
    let top_value = ticks.last().copied().unwrap_or(1).max(1) as f64;
    let x = |value: u64| left + value as f64 / top_value * plot_width;
    let total: u64 = bars.iter().map(|bar| bar.value).sum();

    let grid = ticks.iter().map(|tick| {
        let at = format!("{:.1}", x(*tick));
        html! {
            <g class="chart-tick">
                <line class="chart-grid" x1={at.clone()} x2={at.clone()} y1={TOP.to_string()} y2={plot_bottom.to_string()} />
                <text x={at} y={(plot_bottom + 15.0).to_string()} text-anchor="middle">{ thousands(*tick) }</text>
            </g>
        }
    });
    let rows = bars.iter().enumerate().map(|(i, bar)| {
        let y = TOP + ROW * i as f64;
        let middle = format!("{:.1}", y + ROW / 2.0);
        let width = (x(bar.value) - left).max(if bar.value > 0 { 1.0 } else { 0.0 });
        let tooltip = format!("{}: {} ({})", bar.label, thousands(bar.value), percent(bar.value, total));
        html! {
            <g class="chart-row">
                <text class="chart-label" x={(left - 6.0).to_string()} y={middle.clone()} text-anchor="end"
                    dominant-baseline="middle">{ short(&bar.label) }<title>{ tooltip.clone() }</title></text>
                <rect class={classes!("chart-bar", bar.muted.then_some("chart-bar--muted"))}
                    x={left.to_string()} y={format!("{:.1}", y + (ROW - THICKNESS) / 2.0)}
                    width={format!("{width:.1}")} height={THICKNESS.to_string()}
                    data-label={bar.label.clone()} data-value={bar.value.to_string()}>
                    <title>{ tooltip }</title>
                </rect>
                <text class="chart-value" x={format!("{:.1}", left + width + 4.0)} y={middle}
                    dominant-baseline="middle">{ thousands(bar.value) }</text>
            </g>
        }
    });
    html! {
        <svg id={props.id.clone()} class="chart chart-bars" viewBox={format!("0 0 {WIDTH} {height:.0}")}
            role="img" aria-label={props.label.clone()} preserveAspectRatio="xMinYMin meet">
            { for grid }
            <line class="chart-axis" x1={left.to_string()} x2={left.to_string()} y1={TOP.to_string()} y2={plot_bottom.to_string()} />
            <line class="chart-axis" x1={left.to_string()} x2={(left + plot_width).to_string()}
                y1={plot_bottom.to_string()} y2={plot_bottom.to_string()} />
            { for rows }
            <text class="chart-axis-title" x={format!("{:.1}", left + plot_width / 2.0)} y={(height - 6.0).to_string()}
                text-anchor="middle">{ props.unit.clone() }</text>
        </svg>
    }
}
