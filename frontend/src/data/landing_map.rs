//! The current page's landings on an equirectangular world view: x is the
//! longitude, y the latitude (negated: SVG's y grows downwards), in a
//! 360 × 180 view box with the land and the [`WorldGrid`] every 30°.
//! Colour says Fell or Found, the radius grows with the log of the mass;
//! hovering shows the name, a click opens the record.

use std::rc::Rc;

use yew::prelude::*;

use crate::api::{Page, Record};
use crate::widgets::charts::world_grid::WorldGrid;

#[derive(Properties, PartialEq)]
pub struct LandingMapProps {
    pub items: Rc<Page>,
    pub selected: Option<AttrValue>,
    pub on_select: Callback<String>,
}

/// A landing's place on the map, `(x, y)` in the view box, if its hash has
/// usable coordinates. NASA's file has `0, 0` for many unknown places;
/// those are left off too.
pub fn position(record: &Record) -> Option<(f64, f64)> {
    let lat: f64 = record.get("reclat")?.trim().parse().ok()?;
    let long: f64 = record.get("reclong")?.trim().parse().ok()?;
    let valid = lat.is_finite() && long.is_finite() && lat.abs() <= 90.0 && long.abs() <= 180.0;
    (valid && !(lat == 0.0 && long == 0.0)).then_some((long, -lat))
}

/// The circle's radius in degrees: 1.2 for an unknown or tiny mass, about 6.6 for 60 t.
pub fn radius(record: &Record) -> f64 {
    let mass = record.get("mass (g)").and_then(|m| m.trim().parse::<f64>().ok()).unwrap_or(0.0);
    let log = if mass.is_finite() && mass > 1.0 { mass.log10() } else { 0.0 };
    1.2 + log * 0.7
}

#[function_component(LandingMap)]
pub fn landing_map(props: &LandingMapProps) -> Html {
    let mut placed = 0usize;
    let circles: Vec<Html> = props
        .items
        .items
        .iter()
        .filter_map(|record| {
            let (x, y) = position(record)?;
            placed += 1;
            let id = record.get("id").unwrap_or_default().to_owned();
            let name = record.get("name").unwrap_or("(no name)").to_owned();
            let fall = record.get("fall").unwrap_or_default();
            let class = match fall {
                "Fell" => "landing fell",
                "Found" => "landing found",
                _ => "landing",
            };
            let selected = props.selected.as_deref() == Some(id.as_str());
            let onclick = {
                let (on_select, id) = (props.on_select.clone(), id.clone());
                Callback::from(move |_: MouseEvent| on_select.emit(id.clone()))
            };
            Some(html! {
                <circle key={id.clone()} class={classes!(class, selected.then_some("selected"))} data-id={id}
                    cx={format!("{x:.3}")} cy={format!("{y:.3}")} r={format!("{:.2}", radius(record))} onclick={onclick}>
                    <title>{ format!("{name} ({fall})") }</title>
                </circle>
            })
        })
        .collect();
    let total = props.items.items.len();
    html! {
        <figure class="data-map card">
            <svg id="data-map" viewBox="-180 -90 360 180" role="img"
                aria-label="The current page's landings on a world grid">
                <rect class="map-sea" x="-180" y="-90" width="360" height="180" />
                <WorldGrid />
                { for circles }
            </svg>
            <figcaption class="muted">
                { format!("This page's landings only: {placed} of {total} have coordinates. ") }
                <span class="map-key map-key--fell">{ "● Fell" }</span>{ " " }
                <span class="map-key map-key--found">{ "● Found" }</span>
                { " · size: log of the mass · grid every 30°" }
            </figcaption>
        </figure>
    }
}
