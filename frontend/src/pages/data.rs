//! `/data`: the Meteorite Landings browser.

use yew::prelude::*;

use crate::components::upcoming::Upcoming;

#[function_component(DataPage)]
pub fn data_page() -> Html {
    html! {
        <Upcoming
            title="Meteorite data"
            lead="Load NASA's Meteorite Landings into Redis, one hash per landing, and browse them."
            plans={vec![
                "load the course's JSON, NASA's JSON or CSV, or a generated set — all or nothing".into(),
                "verify the load: key count against object count, fields of every hash".into(),
                "page, sort, filter and search; a world map; the Redis commands behind each page".into(),
            ]}
        />
    }
}
