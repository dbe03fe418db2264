//! A guide's text in the page: the HTML the server rendered from the
//! guide's Markdown (`intro_html`, `body_html`).
//!
//! The server's renderer shows raw HTML in the Markdown as text and
//! neutralises unsafe link addresses (`backend/src/guides/markdown.rs`):
//! that is what makes inserting it as markup acceptable. The app carries
//! no Markdown parser of its own.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideHtmlProps {
    pub html: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

#[function_component(GuideHtml)]
pub fn guide_html(props: &GuideHtmlProps) -> Html {
    html! {
        <div class={classes!("guide-markdown", props.class.clone())}>
            { Html::from_html_unchecked(props.html.clone()) }
        </div>
    }
}
