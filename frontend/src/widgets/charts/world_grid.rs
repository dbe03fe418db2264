//! The 30° latitude/longitude grid shared by the world views (the data
//! page's landing map, the density grid's heat map): lines in an
//! equirectangular 360 × 180 view box centred on `0, 0`, x the longitude
//! and y the latitude negated (SVG's y grows downwards), so every world
//! view draws the same grid and their readers can compare places.
//!
//! Under the lines it draws the land: Natural Earth's 1:110m land polygons
//! (public domain), via the npm package `world-atlas`, turned into one SVG
//! path in these coordinates by `tools/gen-coastline/` and included at
//! compile time (about 31 KB, no request, nothing to fetch offline). The
//! style decides how it looks: a light fill under the data page's
//! landings, an outline only over the heat map's cells, which it would
//! otherwise hide.
//!
//! It renders SVG children only: the parent `<svg>` sets the view box and
//! draws what goes under the grid (the sea, a heat map's cells) before it
//! and what goes over it (landings) after it.

use yew::prelude::*;

/// The land as one SVG path in the map's coordinates (x the longitude, y
/// the latitude negated), written by `tools/gen-coastline/gen_coastline.py`.
const COASTLINE: &str = include_str!("coastline.path");

#[derive(Properties, PartialEq)]
pub struct WorldGridProps {
    /// Marks the prime meridian like the equator (as on a chart's axes).
    #[prop_or_default]
    pub prime_meridian: bool,
    /// A frame, the degrees along the edges and the axis titles: the view
    /// box must then leave room around the map (about 26 units left, 22
    /// below).
    #[prop_or_default]
    pub labels: bool,
}

/// `60°N`, `0°`, `120°W` for an axis label.
pub fn degrees_label(value: i32, positive: char, negative: char) -> String {
    match value {
        0 => "0°".to_owned(),
        v if v > 0 => format!("{v}°{positive}"),
        v => format!("{}°{negative}", -v),
    }
}

#[function_component(WorldGrid)]
pub fn world_grid(props: &WorldGridProps) -> Html {
    let meridians = (-150..=150).step_by(30).map(|long| {
        let marked = props.prime_meridian && long == 0;
        html! { <line class={classes!("map-grid", marked.then_some("map-equator"))}
        x1={long.to_string()} y1="-90" x2={long.to_string()} y2="90" /> }
    });
    let parallels = (-60..=60).step_by(30).map(|lat| {
        html! { <line class={classes!("map-grid", (lat == 0).then_some("map-equator"))}
        x1="-180" y1={lat.to_string()} x2="180" y2={lat.to_string()} /> }
    });
    html! {
        <>
            <path class="map-land" d={COASTLINE} />
            { for meridians }
            { for parallels }
            { props.labels.then(edge_labels).unwrap_or_default() }
        </>
    }
}

/// The frame, degrees every 30° of latitude and 60° of longitude, and the
/// axis titles.
fn edge_labels() -> Html {
    let lat_labels = (-90..=90).step_by(30).map(|lat| {
        html! { <text class="chart-tick-label" x="-184" y={(-lat).to_string()} text-anchor="end"
        dominant-baseline="middle">{ degrees_label(lat, 'N', 'S') }</text> }
    });
    let long_labels = (-180..=180).step_by(60).map(|long| {
        html! { <text class="chart-tick-label" x={long.to_string()} y="100" text-anchor="middle">
        { degrees_label(long, 'E', 'W') }</text> }
    });
    html! {
        <>
            <rect class="map-frame" x="-180" y="-90" width="360" height="180" />
            { for lat_labels }
            { for long_labels }
            <text class="chart-axis-title" x="0" y="110" text-anchor="middle">{ "longitude" }</text>
            <text class="chart-axis-title" transform="translate(-200 0) rotate(-90)" text-anchor="middle">{ "latitude" }</text>
        </>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn degrees_name_their_hemisphere() {
        assert_eq!(degrees_label(-120, 'E', 'W'), "120°W");
        assert_eq!(degrees_label(60, 'N', 'S'), "60°N");
        assert_eq!(degrees_label(0, 'E', 'W'), "0°");
    }
}
