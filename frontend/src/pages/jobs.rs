//! `/jobs`: analysis jobs run by a separate worker.

use yew::prelude::*;

use crate::components::upcoming::Upcoming;

#[function_component(JobsPage)]
pub fn jobs_page() -> Html {
    html! {
        <Upcoming
            title="Analysis jobs"
            lead="Submit an analysis; the API queues it in Redis and a separate worker computes it."
            plans={vec![
                "average mass, hemispheres, count per class, per year, mass distribution…".into(),
                "live status queued → running → succeeded, with progress".into(),
                "charts of the results, and the Redis keys that carry each job".into(),
            ]}
        />
    }
}
