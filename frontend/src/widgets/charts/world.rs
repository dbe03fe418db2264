//! The density grid as a heat map on the data browser's world view: the
//! same equirectangular projection as its landing map (x is the longitude,
//! y the latitude negated, since SVG's y grows downwards), the same
//! [`WorldGrid`] every 30°, with the degrees written along the edges.
//!
//! A cell's colour goes from pale yellow to dark red on a **log** scale:
//! landings pile up in a few places (Antarctica's blue ice, the Sahara), so
//! a linear scale would paint one cell red and every other one pale. Each
//! cell's `<title>` gives its edges and count; the legend gives the counts
//! at the colour stops.

use std::rc::Rc;

use bolide_shared::jobs::DensityGrid;
use yew::prelude::*;

use crate::widgets::charts::scale::cell_label;
use crate::widgets::charts::scale::thousands;
use crate::widgets::charts::world_grid::WorldGrid;

/// Yellow → orange → red (ColorBrewer's YlOrRd), from sparse to dense.
const STOPS: [(u8, u8, u8); 5] =
    [(255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38)];

/// Where `count` sits on the colour scale, 0 (one landing) to 1 (`max`):
/// `ln count / ln max`.
pub fn heat(count: u64, max: u64) -> f64 {
    if max <= 1 || count <= 1 {
        return if count >= max { 1.0 } else { 0.0 };
    }
    ((count as f64).ln() / (max as f64).ln()).clamp(0.0, 1.0)
}

/// The colour at `t` (0–1) between the `STOPS`, as `#rrggbb`.
pub fn heat_colour(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let scaled = t * (STOPS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(STOPS.len() - 2);
    let f = scaled - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (from, to) = (STOPS[i], STOPS[i + 1]);
    format!("#{:02x}{:02x}{:02x}", mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

/// The count at colour `t` for a grid whose densest cell holds `max`.
fn count_at(t: f64, max: u64) -> u64 {
    (max.max(1) as f64).powf(t).round() as u64
}

#[derive(Properties, PartialEq)]
pub struct ChartWorldProps {
    pub grid: Rc<DensityGrid>,
}

#[function_component(ChartWorld)]
pub fn chart_world(props: &ChartWorldProps) -> Html {
    let grid = &props.grid;
    let size = grid.cell_degrees;
    let cells = grid.cells.iter().map(|cell| {
        let colour = heat_colour(heat(cell.count, grid.max_count));
        html! {
            <rect class="chart-cell" x={format!("{}", cell.long)} y={format!("{}", -(cell.lat + size))}
                width={size.to_string()} height={size.to_string()} fill={colour} data-count={cell.count.to_string()}>
                <title>{ format!("{}: {} landing{}", cell_label(cell.lat, cell.long, size), thousands(cell.count),
                    if cell.count == 1 { "" } else { "s" }) }</title>
            </rect>
        }
    });
    let legend = (0..STOPS.len()).map(|i| {
        let t = i as f64 / (STOPS.len() - 1) as f64;
        html! {
            <li>
                <span class="chart-legend__swatch" style={format!("background: {}", heat_colour(t))}></span>
                { thousands(count_at(t, grid.max_count)) }
            </li>
        }
    });
    html! {
        <figure class="chart-world">
            <svg id="chart-density-grid" class="chart chart-map" viewBox="-206 -94 404 206" role="img"
                aria-label={format!("Landings per {size}° cell on a world map")}>
                <rect class="map-sea" x="-180" y="-90" width="360" height="180" />
                { for cells }
                <WorldGrid prime_meridian=true labels=true />
            </svg>
            <figcaption>
                <span class="muted">{ format!("Landings per {size}° × {size}° cell (log colour scale):") }</span>
                <ul class="chart-legend">{ for legend }</ul>
                <span class="muted">{ format!("{} cells with landings; grid every 30°, as on the data page's map.",
                    thousands(grid.cells.len() as u64)) }</span>
            </figcaption>
        </figure>
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
    fn the_scale_is_logarithmic_from_one_to_the_maximum() {
        assert_eq!(heat(1, 1000), 0.0);
        assert_eq!(heat(1000, 1000), 1.0);
        assert!((heat(10, 1000) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(heat(1, 1), 1.0);
        assert_eq!(count_at(0.5, 10_000), 100);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn colours_run_through_the_stops() {
        assert_eq!(heat_colour(0.0), "#ffffb2");
        assert_eq!(heat_colour(1.0), "#bd0026");
        assert_eq!(heat_colour(0.5), "#fd8d3c");
        assert_eq!(heat_colour(f64::NAN), "#ffffb2");
    }
}
