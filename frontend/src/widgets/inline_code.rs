//! A sentence with `backtick` code spans, as Html: the server's check
//! messages and hints name keys and commands that way ("`visits` is
//! `12`"), and a student should see code, not backticks.
//!
//! Only backticks mean anything here (no Markdown engine, no HTML from the
//! text): an odd one out is shown as it is.

use yew::prelude::*;

/// The parts of `text`: `(is_code, part)`, in order.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let pieces: Vec<&str> = text.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        // An unmatched backtick: nothing is code.
        return vec![(false, text)];
    }
    pieces
        .into_iter()
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(i, piece)| (i % 2 == 1, piece))
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::{code_spans, plain_text};

    #[test]
    fn plain_text_drops_the_marks() {
        assert_eq!(plain_text("`visits` is `12`, not `11`."), "visits is 12, not 11.");
        assert_eq!(plain_text("one ` alone"), "one ` alone");
        assert_eq!(plain_text("no code"), "no code");
    }

    #[test]
    fn backticks_become_code() {
        assert_eq!(
            code_spans("`visits` is `12`."),
            [(true, "visits"), (false, " is "), (true, "12"), (false, ".")]
        );
        assert_eq!(code_spans("no code"), [(false, "no code")]);
        assert_eq!(code_spans("one ` alone"), [(false, "one ` alone")]);
        assert_eq!(code_spans("``"), []);
    }
}
