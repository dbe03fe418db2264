//! A sentence with `backtick` code spans, as Html: the server's check
//! messages and hints name keys and commands that way ("`visits` is
//! `12`"), and a student should see code, not backticks.
//!
//! The split itself is [`code_spans`], shared with the server, which
//! marks the pages' leads the same way (`bolide_shared::pages`).
//!
//! Only backticks mean anything here (no Markdown engine, no HTML from the
//! text): an odd one out is shown as it is.

pub use bolide_shared::pages::code_spans;
use bolide_shared::pages::Inline;
use yew::prelude::*;

/// `text` without the backticks of its code spans, for plain text (the
/// console's screen): "`visits` is `12`." reads "visits is 12.".
pub fn plain_text(text: &str) -> String {
    code_spans(text).into_iter().map(|(_, part)| part).collect()
}

/// `text` with its code spans in `<code>`.
pub fn inline_code(text: &str) -> Html {
    html! {
        <>
            { for code_spans(text).into_iter().map(|(code, part)| if code {
                html! { <code>{ part.to_owned() }</code> }
            } else {
                html! { { part.to_owned() } }
            }) }
        </>
    }
}

/// A line of [`Inline`] parts: text, `<code>`, `<kbd>`.
pub fn inline_parts(parts: &[Inline]) -> Html {
    html! {
        <>
            { for parts.iter().map(|part| match *part {
                Inline::Text(text) => html! { { text } },
                Inline::Code(code) => html! { <code>{ code }</code> },
                Inline::Key(key) => html! { <kbd>{ key }</kbd> },
            }) }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn plain_text_drops_the_marks() {
        assert_eq!(plain_text("`visits` is `12`, not `11`."), "visits is 12, not 11.");
        assert_eq!(plain_text("one ` alone"), "one ` alone");
        assert_eq!(plain_text("no code"), "no code");
    }
}
