//! A guide's Markdown in the page.
//!
//! The HTML comes from [`to_html`], which shows raw HTML in the Markdown as
//! text and neutralises unsafe link addresses: that is what makes inserting
//! it as markup acceptable (see its module docs). The conversion is
//! memoised, so a step is converted once, not on every render of the page.

use yew::prelude::*;

use crate::widgets::markdown::to_html;

#[derive(Properties, PartialEq)]
pub struct GuideMarkdownProps {
    pub markdown: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

#[function_component(GuideMarkdown)]
pub fn guide_markdown(props: &GuideMarkdownProps) -> Html {
    let html = use_memo(props.markdown.clone(), |markdown| AttrValue::from(to_html(markdown)));
    html! {
        <div class={classes!("guide-markdown", props.class.clone())}>
            { Html::from_html_unchecked((*html).clone()) }
        </div>
    }
}
