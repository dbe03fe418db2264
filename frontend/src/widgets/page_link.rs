//! A link to another page of the app, as a plain `<a href>`: the browser
//! loads that page, with its own bundle (each page is its own wasm,
//! [`app`](crate::app) says why), instead of this bundle drawing a page it
//! does not hold. Within one bundle (the guides list and a guide),
//! `Link<Route>` navigates in place.

use yew::prelude::*;
use yew_router::Routable;

use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct PageLinkProps {
    pub to: Route,
    #[prop_or_default]
    pub classes: Classes,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(PageLink)]
pub fn page_link(props: &PageLinkProps) -> Html {
    html! {
        <a href={props.to.to_path()} class={props.classes.clone()}>{ props.children.clone() }</a>
    }
}
