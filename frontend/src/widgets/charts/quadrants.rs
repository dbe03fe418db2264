//! The four hemispheres as a 2 × 2 map: the world view of the data page
//! cut by the equator and the Greenwich meridian, each quarter shaded by
//! its share of the landings and labelled with its count and percentage.
//!
//! The course defines the halves by sign: latitude > 0 is north (else
//! south), longitude > 0 is east (else west) — so a landing on the equator
//! counts as southern, one on the meridian as western.

use bolide_shared::jobs::Hemispheres;
use yew::prelude::*;

use crate::widgets::charts::scale::{percent, thousands};
use crate::widgets::charts::world::heat_colour;

#[derive(Properties, PartialEq)]
pub struct ChartQuadrantsProps {
    pub result: Hemispheres,
}

#[function_component(ChartQuadrants)]
pub fn chart_quadrants(props: &ChartQuadrantsProps) -> Html {
    let result = &props.result;
    let quarters = [
        ("North-West", result.northern_western, -180, -90),
        ("North-East", result.northern_eastern, 0, -90),
        ("South-West", result.southern_western, -180, 0),
        ("South-East", result.southern_eastern, 0, 0),
    ];
    let total: u64 = quarters.iter().map(|(_, count, _, _)| count).sum();
    let max = quarters.iter().map(|(_, count, _, _)| *count).max().unwrap_or(0).max(1);
    let cells = quarters.iter().map(|(name, count, x, y)| {
        // A linear shade here (four numbers, no outlier to tame), kept
        // light enough for the dark text on it.
        let fill = heat_colour(*count as f64 / max as f64 * 0.55);
        let (cx, cy) = (x + 90, y + 45);
        html! {
            <g class="chart-quadrant" data-label={*name} data-value={count.to_string()}>
                <rect x={x.to_string()} y={y.to_string()} width="180" height="90" fill={fill}>
                    <title>{ format!("{name}: {} ({})", thousands(*count), percent(*count, total)) }</title>
                </rect>
                <text class="chart-quadrant__name" x={cx.to_string()} y={(cy - 14).to_string()} text-anchor="middle">{ *name }</text>
                <text class="chart-quadrant__count" x={cx.to_string()} y={(cy + 6).to_string()} text-anchor="middle">
                    { thousands(*count) }</text>
                <text class="chart-quadrant__share" x={cx.to_string()} y={(cy + 22).to_string()} text-anchor="middle">
                    { percent(*count, total) }</text>
            </g>
        }
    });
    html! {
        <figure class="chart-world">
        <svg id="chart-hemispheres" class="chart chart-map" viewBox="-226 -100 424 212" role="img"
            aria-label="Landings per hemisphere, north or south by east or west">
            { for cells }
            <line class="map-equator chart-divide" x1="-180" y1="0" x2="180" y2="0" />
            <line class="map-equator chart-divide" x1="0" y1="-90" x2="0" y2="90" />
            <rect class="map-frame" x="-180" y="-90" width="360" height="180" />
            <text class="chart-tick-label" x="-184" y="0" text-anchor="end" dominant-baseline="middle">{ "equator" }</text>
            <text class="chart-tick-label" x="0" y="-94" text-anchor="middle">{ "Greenwich meridian" }</text>
            <text class="chart-tick-label" x="-184" y="-45" text-anchor="end" dominant-baseline="middle">{ "lat > 0" }</text>
            <text class="chart-tick-label" x="-184" y="45" text-anchor="end" dominant-baseline="middle">{ "lat ≤ 0" }</text>
            <text class="chart-tick-label" x="-90" y="102" text-anchor="middle">{ "long ≤ 0" }</text>
            <text class="chart-tick-label" x="90" y="102" text-anchor="middle">{ "long > 0" }</text>
        </svg>
            <figcaption class="muted">
                { format!("Shares of the {} landings with coordinates", thousands(total)) }
                if result.without_coordinates > 0 {
                    { format!("; {} more have none and are not counted here.", thousands(result.without_coordinates)) }
                } else {
                    { "." }
                }
            </figcaption>
        </figure>
    }
}
