//! The words each page opens with — its heading and lead, and the rest of
//! what the server's loading shell draws (a guide's step as far as its
//! Python) — written once for the two sides that show them.
//!
//! The server puts them in `index.html`'s loading shell for the page's URL
//! (`backend/src/boot_shell/`), so the first paint already holds the
//! page's largest text, the Largest Contentful Paint element of issue #17,
//! instead of it waiting for the page's ~200 KB bundle. The app then draws
//! the same words in the same markup in the same place (the pages'
//! components read these constants), so taking over from the shell moves
//! nothing. A change of wording here changes both at once.
//!
//! Code is marked with backticks (`` `meteorite:<id>` ``): [`code_spans`]
//! splits a text into its plain and code parts, which each side turns
//! into its own `<code>` elements.

/// A page's heading and the paragraph under it (`p.lead`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHead {
    pub title: &'static str,
    pub lead: &'static str,
}

/// `/`.
pub const HOME: PageHead = PageHead {
    title: "Learn Redis in your browser, on a real Redis.",
    lead: "Bolide is a playground for the databases-and-persistence module: a redis-cli console, \
           NASA's Meteorite Landings to load and explore, analysis jobs run by a worker, \
           and guided exercises checked against your own keys.",
};

/// The home page's line about the server, until the first health check
/// answers (`p.connect`).
pub const HOME_CHECKING: &str = "Checking the server…";

/// `/console`.
pub const CONSOLE: PageHead = PageHead {
    title: "Console",
    lead: "Type Redis commands as in redis-cli; they run on your real Redis. \
           Beside each reply: the same call from a Python or Rust program.",
};

/// `/keys`.
pub const KEYS: PageHead = PageHead {
    title: "Keys",
    lead: "Every key you made, in the console, the guides or your scripts, as a tree by `:` \
           (the `object_type:id` convention): its type, TTL, memory and value, and the command \
           behind each view and edit.",
};

/// `/data`.
pub const DATA: PageHead = PageHead {
    title: "Meteorite data",
    lead: "NASA's Meteorite Landings in your Redis: one hash per landing, `meteorite:<id>`, with the \
           file's own field names. Load a file (upload it, or give its URL) or generate a set, then \
           browse it; every view shows the Redis commands behind it, to try in the console.",
};

/// `/jobs`.
pub const JOBS: PageHead = PageHead {
    title: "Analysis jobs",
    lead: "Submit an analysis: the API stores it in Redis and answers at once; a separate worker \
           takes it from the queue, reports its progress and stores the result; this page polls \
           until it is there. Beside each job: the Redis keys and commands that carry it.",
};

/// `/guides`.
pub const GUIDES: PageHead = PageHead {
    title: "Guides",
    lead: "The databases-and-persistence module as short lessons. Each step runs on your real Redis \
           and is checked against your own keys; your progress is kept.",
};

/// The guides list's second line (`p.muted` under the lead).
pub const GUIDES_CONSOLE: &str =
    "In the console, `TUTORIAL` shows the step you are on, `NEXT` and `PREV` move through it, `T3` jumps to step 3.";

/// The guides list's line while it loads.
pub const GUIDES_LOADING: &str = "Loading the guides…";

/// A guide's link back to the list, above its title.
pub const GUIDE_BACK: &str = "← All guides";

/// A guide step's lines to run (`section.guide-snippets`): its heading,
/// each line's button and the button's tooltip.
pub const STEP_RUN_HEADING: &str = "Run it";
pub const STEP_RUN: &str = "Run";
pub const STEP_RUN_TITLE: &str = "Type this line into the console and run it";

/// A guide step's Python (`section.guide-python`): its heading.
pub const STEP_PYTHON_HEADING: &str = "The same in Python · redis-py";

/// The label of a button that copies Python code (a step's, the code panel's).
pub const COPY_PYTHON: &str = "Copy the Python code";

/// A copy button's word until it is clicked.
pub const COPY: &str = "Copy";

/// The persistence exercise's restart buttons (`section.guide-restart`),
/// which a check's hint names too.
pub const RESTART_WITH: &str = "Restart with persistence";
pub const RESTART_WITHOUT: &str = "Restart without persistence";

/// Why a step's restart panel has no buttons: in a shared Bolide, and in
/// one using a Redis it did not start; then where they are.
pub const RESTART_UNAVAILABLE_SHARED: &str =
    "This Bolide is shared by a whole class, so its Redis cannot be restarted from a page.";
pub const RESTART_UNAVAILABLE_EXTERNAL: &str =
    "This Bolide uses a Redis it did not start (--redis-url), so it cannot restart it.";
pub const RESTART_ELSEWHERE: &str =
    " On your own machine (`scripts/run`), this step has two buttons that restart \
     Bolide's own Redis with and without persistence.";

/// A part of a line that shows keys to press as well as code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inline {
    Text(&'static str),
    /// Shown in `<code>`.
    Code(&'static str),
    /// A key to press, shown in `<kbd>`.
    Key(&'static str),
}

/// The Console page's line of keys under the terminal (`p#console-keys`),
/// on a phone its largest text.
pub const CONSOLE_KEYS: &[Inline] = {
    use Inline::{Code, Key, Text};
    &[
        Key("Enter"),
        Text(" runs a line · "),
        Key("↑"),
        Text(" "),
        Key("↓"),
        Text(" history · "),
        Key("Tab"),
        Text(" completes a command · "),
        Key("Ctrl"),
        Text("+"),
        Key("L"),
        Text(" clears · "),
        Code("HELP SET"),
        Text(", "),
        Code("HELP @hash"),
        Text(" explain commands · "),
        Code("TUTORIAL"),
        Text(", "),
        Code("NEXT"),
        Text(", "),
        Code("PREV"),
        Text(" follow a guide ("),
        Code("HELP TUTORIAL"),
        Text(")"),
    ]
};

/// The code panel beside a console (`aside.code-panel`): its title.
pub const CODE_PANEL_TITLE: &str = "In a program";

/// The code panel's text before the first command.
pub const CODE_PANEL_EMPTY: &str =
    "Run a command: the same call appears here in Python (redis-py) and in Rust (the redis crate), with what it prints.";

/// The console's prompt until the health check says where Redis is.
pub const PROMPT_PENDING: &str = "…>";

/// The parts of `text`: `(is_code, part)`, in order, the code parts being
/// those between backticks. A text with an unmatched backtick has no code
/// (it is shown as it is); empty parts are left out.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let pieces: Vec<&str> = text.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        return vec![(false, text)];
    }
    pieces
        .into_iter()
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(i, piece)| (i % 2 == 1, piece))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn every_text_has_matched_backticks() {
        for head in [HOME, CONSOLE, KEYS, DATA, JOBS, GUIDES] {
            for text in [head.title, head.lead] {
                assert!(text.matches('`').count() % 2 == 0, "{text}");
            }
        }
        assert_eq!(code_spans(GUIDES_CONSOLE).iter().filter(|(code, _)| *code).count(), 4);
        assert_eq!(code_spans(RESTART_ELSEWHERE)[1], (true, "scripts/run"));
        assert_eq!(code_spans(DATA.lead)[1], (true, "meteorite:<id>"));
    }
}
