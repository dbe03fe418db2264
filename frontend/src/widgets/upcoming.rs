//! A page's heading and what it will hold, for sections still being built.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UpcomingProps {
    pub title: AttrValue,
    pub lead: AttrValue,
    /// What the section will let a student do, one line each.
    pub plans: Vec<AttrValue>,
}

#[function_component(Upcoming)]
pub fn upcoming(props: &UpcomingProps) -> Html {
    html! {
        <section class="card">
            <h1>{ &props.title }</h1>
            <p class="lead">{ &props.lead }</p>
            <p class="muted">{ "Coming soon in this section:" }</p>
            <ul class="plans">
                { for props.plans.iter().map(|plan| html! { <li>{ plan }</li> }) }
            </ul>
        </section>
    }
}
