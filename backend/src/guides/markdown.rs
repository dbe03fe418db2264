//! A guide's Markdown, as HTML for the page and as plain text for the
//! console, rendered by the server.
//!
//! # Why on the server
//!
//! The browser app used to carry a Markdown parser for the guides alone:
//! rendering here, once per answer of `GET /api/guides/{id}`, keeps it out
//! of the app every visitor downloads ([`render`] fills
//! [`Guide::intro_html`], [`Step::body_html`] and [`Step::body_text`]; the
//! API leaves the Markdown out).
//!
//! # Safe HTML
//!
//! The guide files are Bolide's own and compiled in, but their text is
//! still treated as untrusted: raw HTML in the Markdown is shown as text
//! (never as markup), and a link or image may only point to a relative
//! address, `#…`, `http(s):` or `mailto:`; anything else (`javascript:`,
//! `data:`…) becomes `#`. With those two rules the HTML that
//! pulldown-cmark writes (which escapes every text and attribute) is safe
//! for the page to insert as is.
//!
//! The console's `TUTORIAL` prints the same step as text, as try.redis did:
//! [`to_plain_text`] drops the emphasis marks, indents code blocks and
//! lists, and writes links as `text (address)`.

use bolide_shared::guides::{Guide, Step};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// The Markdown extensions guides may use: tables and ~~strikethrough~~.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Whether a link or image address is harmless in a page: relative, a
/// fragment, or an `http:`, `https:` or `mailto:` URL.
pub fn is_safe_url(url: &str) -> bool {
    let url = url.trim();
    // A scheme is letters, digits, `+ - .` before the first `:`, and only
    // counts when that `:` comes before any `/ ? #`.
    let scheme_end = url.find([':', '/', '?', '#']);
    match scheme_end {
        Some(at) if url[at..].starts_with(':') => {
            let scheme = url[..at].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Replaces what must not reach the page: raw HTML becomes text, unsafe
/// link and image addresses become `#`.
fn sanitize(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !is_safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::Borrowed("#"), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !is_safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: CowStr::Borrowed("#"), title, id })
        }
        other => other,
    }
}

/// The guide with its HTML and text forms filled in from its Markdown
/// (call it after filling the placeholders, so they are escaped too).
pub fn render(guide: Guide) -> Guide {
    Guide {
        intro_html: to_html(&guide.intro_markdown),
        steps: guide
            .steps
            .into_iter()
            .map(|step| Step {
                body_html: to_html(&step.body_markdown),
                body_text: to_plain_text(&step.body_markdown),
                ..step
            })
            .collect(),
        ..guide
    }
}

/// The Markdown as HTML, safe to insert in the page (see the module docs).
pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    let events = Parser::new_ext(markdown, options()).map(sanitize);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// The Markdown as plain text for a terminal: paragraphs separated by a
/// blank line and unwrapped (the terminal wraps them to its width), list items as `  - `/`  1. `, code blocks indented by four
/// spaces, emphasis marks dropped, links as `text (address)`.
pub fn to_plain_text(markdown: &str) -> String {
    let mut writer = PlainText::default();
    for event in Parser::new_ext(markdown, options()) {
        writer.event(event);
    }
    writer.finish()
}

/// The state of [`to_plain_text`]'s walk over the events.
#[derive(Default)]
struct PlainText {
    out: String,
    /// One entry per open list: the next number (`None`: bullets).
    lists: Vec<Option<u64>>,
    /// Inside a fenced or indented code block.
    in_code: bool,
    /// Addresses of the open links, written after their text.
    links: Vec<String>,
    /// Cells of the table row being read.
    row: Vec<String>,
    in_cell: bool,
    /// Just after a list item's marker: its first paragraph goes on the
    /// marker's line.
    item_start: bool,
}

impl PlainText {
    /// Ends the current line and leaves one blank line, once.
    fn blank_line(&mut self) {
        if self.out.is_empty() {
            return;
        }
        while !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn new_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// The indentation of text inside the open lists.
    fn indent(&self) -> String {
        "   ".repeat(self.lists.len())
    }

    fn text(&mut self, text: &str) {
        self.item_start = false;
        if self.in_cell {
            if let Some(cell) = self.row.last_mut() {
                cell.push_str(text);
            }
            return;
        }
        if self.in_code {
            let indent = format!("{}    ", self.indent());
            for line in text.split_inclusive('\n') {
                if self.out.is_empty() || self.out.ends_with('\n') {
                    self.out.push_str(&indent);
                }
                self.out.push_str(line);
            }
            return;
        }
        if self.out.ends_with('\n') && !self.lists.is_empty() {
            let indent = self.indent();
            self.out.push_str(&indent);
        }
        self.out.push_str(text);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                self.text(&text)
            }
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text),
            Event::FootnoteReference(label) => self.text(&format!("[{label}]")),
            // A soft break is where the author's editor wrapped the line:
            // the terminal wraps by itself, so it is a space.
            Event::SoftBreak => self.text(" "),
            Event::HardBreak if self.in_cell => self.text(" "),
            Event::HardBreak => self.out.push('\n'),
            Event::Rule => {
                self.blank_line();
                self.out.push_str("----\n\n");
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::HtmlBlock => self.block_start(),
            Tag::CodeBlock(_) => {
                self.block_start();
                self.in_code = true;
            }
            Tag::List(first) => {
                self.block_start();
                self.lists.push(first);
            }
            Tag::Item => {
                self.new_line();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => "- ".to_owned(),
                };
                self.out.push_str(&"   ".repeat(depth));
                self.out.push_str(&marker);
                self.item_start = true;
            }
            Tag::Table(_) => self.blank_line(),
            Tag::TableRow | Tag::TableHead => self.row.clear(),
            Tag::TableCell => {
                self.row.push(String::new());
                self.in_cell = true;
            }
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push(dest_url.into_string())
            }
            Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    /// A paragraph, heading, code block or list begins: a blank line
    /// before it at the top level, a line break inside a list (none right
    /// after an item's marker).
    fn block_start(&mut self) {
        if self.item_start {
            self.item_start = false;
        } else if self.lists.is_empty() {
            self.blank_line();
        } else {
            self.new_line();
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::BlockQuote(_) | TagEnd::HtmlBlock => {
                self.new_line()
            }
            TagEnd::CodeBlock => {
                self.in_code = false;
                self.new_line();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.new_line();
            }
            TagEnd::Item => self.new_line(),
            TagEnd::TableCell => self.in_cell = false,
            TagEnd::TableRow | TagEnd::TableHead => {
                let row = std::mem::take(&mut self.row);
                self.out.push_str(row.join(" | ").trim());
                self.out.push('\n');
            }
            TagEnd::Link | TagEnd::Image => {
                if let Some(url) = self.links.pop() {
                    if !url.is_empty() && !self.out.ends_with(&url) {
                        self.text(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> String {
        self.out.trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_stays_text() {
        let html = to_html(
            "Some **bold** and `code`.\n\n<script>alert(1)</script>\n\nInline <img src=x onerror=alert(1)> too.",
        );
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn markdown_links_may_not_run_script() {
        assert!(is_safe_url("https://redis.io"));
        assert!(is_safe_url("/guides/redis-basics"));
        assert!(is_safe_url("#step-2"));
        assert!(is_safe_url("mailto:teacher@example.org"));
        assert!(is_safe_url("docs/a:b"));
        assert!(!is_safe_url("javascript:alert(1)"));
        assert!(!is_safe_url(" JavaScript:alert(1)"));
        assert!(!is_safe_url("data:text/html,<b>x</b>"));
        let html = to_html("[click](javascript:alert(1)) and ![pic](data:image/png;base64,AAAA)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains(r##"<a href="#">click</a>"##), "{html}");
    }

    #[test]
    fn markdown_as_console_text() {
        let text = to_plain_text(
            "### Keys\n\nA *key* names\na value; see [the docs](https://redis.io).\n\n- `SET` writes\n- `GET` reads\n\n1. first\n2. second\n\n```\nSET a 1\nGET a\n```\n\n| kind | example |\n| --- | --- |\n| string | `SET` |",
        );
        assert_eq!(
            text,
            "Keys\n\nA key names a value; see the docs (https://redis.io).\n\n- SET writes\n- GET reads\n\n1. first\n2. second\n\n    SET a 1\n    GET a\n\nkind | example\nstring | SET"
        );
    }

    /// The line the frontend's tutorial test uses as the server's text.
    #[test]
    fn the_tutorial_tests_step_as_text() {
        assert_eq!(
            to_plain_text("Redis keeps **keys**; read [the docs](https://redis.io/docs) or <b>this</b>."),
            "Redis keeps keys; read the docs (https://redis.io/docs) or <b>this</b>."
        );
    }

    /// Every guide renders, and the API's JSON carries the rendered forms,
    /// not the Markdown.
    #[test]
    fn every_guide_renders_and_the_api_sends_html_not_markdown() {
        for guide in crate::guides::catalog::all().expect("guides") {
            let rendered = render(guide.clone());
            assert_eq!(rendered.intro_html.is_empty(), guide.intro_markdown.is_empty(), "{}", guide.id);
            for step in &rendered.steps {
                let blank = step.body_markdown.trim().is_empty();
                assert_eq!(step.body_html.is_empty(), blank, "{}: {}", guide.id, step.title);
                assert_eq!(step.body_text.is_empty(), blank, "{}: {}", guide.id, step.title);
                assert!(!step.body_html.contains("<script"), "{}", guide.id);
            }
            let json = serde_json::to_value(&rendered).expect("json");
            assert!(json.get("intro_markdown").is_none() && json.get("intro_html").is_some());
            let step = &json["steps"][0];
            assert!(step.get("body_markdown").is_none(), "{}", guide.id);
            assert_eq!(step["body_html"], serde_json::json!(rendered.steps[0].body_html));
        }
    }
}
