//! `/guides`: step-by-step lessons checked against the student's Redis.

use yew::prelude::*;

use crate::components::upcoming::Upcoming;

#[function_component(GuidesPage)]
pub fn guides_page() -> Html {
    html! {
        <Upcoming
            title="Guides"
            lead="The databases-and-persistence module as short lessons whose steps are checked against your real Redis."
            plans={vec![
                "why a database; SQL vs NoSQL, with a quiz".into(),
                "Redis basics, hashes, Redis from Python".into(),
                "the three exercises: load, verify, persistence; then the jobs pattern".into(),
            ]}
        />
    }
}
