//! Each page's first content, put by the server into `index.html`'s
//! loading shell (`<div id="boot">`) for the page's URL.
//!
//! # Why
//!
//! A page's Largest Contentful Paint (issue #17: ≤ 2.5 s under
//! Lighthouse's slow 4G) used to wait for a chain of round trips: the
//! page, its ~200 KB wasm bundle, often the page's API call, then the
//! app's drawing. Its element is text the server knows without the app
//! (README, "The browser app's weight", session 27, found with a
//! `largest-contentful-paint` observer on a phone-sized page): the lead
//! paragraph of `/`, `/keys`, `/data`, `/jobs` and `/guides`, the line of
//! keys under the Console page's terminal, a guide's introduction (or its
//! step's Python: [`guide`]). So the server sends them with the HTML
//! ([`bolide_shared::pages`], the guides' catalog): the largest paint is
//! the first paint, and the bundle only makes the page live.
//!
//! # In the app's own markup, so the hand-over moves nothing
//!
//! The shell's `<main class="page">` gets exactly what the page's component
//! draws there first — the same elements, classes and words, the words
//! coming from `bolide_shared::pages` on both sides — and index.html's top
//! bar is the app's height (`browser_a11y` checks it). The app then
//! removes the shell just before its first render (`frontend/src/boot.rs`),
//! so the page's head is drawn again in the same place: no layout shift, and
//! no larger paint later (the list, the forms are smaller than the lead).
//!
//! - `/`, `/keys`, `/data`, `/jobs`, `/guides`: the page's heading and
//!   lead (and the lines the page shows before its first API answer:
//!   "Checking the server…", "Loading the guides…"); `/console`: the whole
//!   page as it is before the first command (an empty terminal, whose input
//!   is read-only until the app takes over, the code panel, the keys).
//! - `/guides/{id}` of a guide in the catalog: the page as the learner's
//!   progress makes it ([`guide_content`]: head, progress, outline of
//!   steps, on the first step the introduction, and the step they are on
//!   as far as its Python: [`guide`] says why), read as `GET
//!   /api/guides/{id}` reads it (`guides::api::view`), for the request's
//!   sandbox. The app draws those only once that call has answered, so
//!   this shell is marked `data-hold`: the app keeps it (its own elements
//!   hidden by style.css) until the guide page has its guide, then swaps in
//!   one frame. Should the progress not be readable, the shell holds the
//!   title and summary only, which are everyone's.
//! - any other URL: index.html as built ("Loading Bolide…"; the app draws
//!   the 404 page, or a guide's own "not found").
//!
//! # Caching
//!
//! As `index.html` itself: `no-cache` (revalidated on every visit, so a new
//! build shows at once), here with an `ETag`, so a revalidation costs a
//! `304`; a guide's page, drawn per learner, is `private, no-cache` and
//! `Vary: cookie`, so no shared cache hands one learner's progress to
//! another. Each route's page is built once and compressed once at brotli's
//! best level ([`Precompressed`], as the built files are), and built again
//! when `index.html` changes on disk (`trunk serve` rewrites `dist/` in the
//! dev loop): its modification time and length are checked per request.

pub mod guide;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use bolide_shared::pages::{self, code_spans, Inline, PageHead};

pub use self::guide::guide_content;
use self::guide::guide_head;
use crate::guides::{self, catalog, GuidesState};
use crate::precompressed::Precompressed;
use crate::sandbox::{rate, Sandbox, Sandboxes};
use crate::server::AppState;

/// A page drawn for one learner: no shared cache may keep it, and the
/// browser asks again on every visit, as for index.html.
const LEARNERS_PAGE: &str = "private, no-cache";

/// Where index.html's shell is filled: its `<main>` inside `<div id="boot">`.
const BOOT_OPEN: &str = "<div id=\"boot\"";
const MAIN_OPEN: &str = "<main class=\"page\">";
const MAIN_CLOSE: &str = "</main>";

/// The pages the server draws a shell for, by URL path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shell {
    Home,
    Console,
    Keys,
    Data,
    Jobs,
    Guides,
    /// A guide of the catalog, by id.
    Guide(String),
}

impl Shell {
    /// The shell for `path`; `None` for a URL whose first content the
    /// server does not know (the app's 404 page, an unknown guide).
    pub fn for_path(path: &str) -> Option<Shell> {
        Some(match path {
            "/" => Shell::Home,
            "/console" => Shell::Console,
            "/keys" => Shell::Keys,
            "/data" => Shell::Data,
            "/jobs" => Shell::Jobs,
            "/guides" => Shell::Guides,
            other => {
                let id = other.strip_prefix("/guides/")?;
                let guide = catalog::all().ok()?.iter().find(|guide| guide.id == id)?;
                Shell::Guide(guide.id.clone())
            }
        })
    }

    /// What goes in the shell's `<main>`, as the page's component draws
    /// it first (the file named in each arm).
    pub fn content(&self) -> String {
        match self {
            // frontend/src/home.rs
            Shell::Home => format!(
                "<section class=\"hero\">{}<p class=\"connect muted\">{}</p></section>",
                head(&pages::HOME),
                text(pages::HOME_CHECKING)
            ),
            // frontend/src/console/page.rs: on a phone its largest text is the
            // line of keys under the terminal, so the whole page goes in,
            // as it is before the first command.
            Shell::Console => format!(
                "<section class=\"console-page\"><header class=\"console-head\">{}</header>\
                 <div class=\"console-layout\">{}{}</div>\
                 <p id=\"console-keys\" class=\"console-keys muted\">{}</p></section>",
                head(&pages::CONSOLE),
                empty_terminal(),
                empty_code_panel(),
                parts(pages::CONSOLE_KEYS)
            ),
            // frontend/src/keys/page.rs
            Shell::Keys => {
                format!("<section class=\"keys-page\"><header class=\"console-head\">{}</header></section>", head(&pages::KEYS))
            }
            // frontend/src/data/page.rs
            Shell::Data => {
                format!("<section class=\"data-page\"><header class=\"data-head\">{}</header></section>", head(&pages::DATA))
            }
            // frontend/src/jobs/page.rs
            Shell::Jobs => {
                format!("<section class=\"jobs-page\"><header class=\"data-head\">{}</header></section>", head(&pages::JOBS))
            }
            // frontend/src/guides/list.rs
            Shell::Guides => format!(
                "<section class=\"guides-page\"><header class=\"guides-head\">{}<p class=\"muted\">{}</p></header>\
                 <p class=\"muted\" role=\"status\">{}</p></section>",
                head(&pages::GUIDES),
                text(pages::GUIDES_CONSOLE),
                text(pages::GUIDES_LOADING)
            ),
            // frontend/src/guides/view.rs, once the guide has arrived
            Shell::Guide(id) => {
                let Ok(guide) = catalog::find(id) else { return String::new() };
                format!(
                    "<section class=\"guide-page\"><header class=\"guide-head\">{}</header></section>",
                    guide_head(&guide.title, &guide.summary)
                )
            }
        }
    }

    /// Whether the app must keep the shell until the page has drawn this
    /// content itself (after an API call) rather than at its first render.
    pub fn held(&self) -> bool {
        matches!(self, Shell::Guide(_))
    }
}

/// `index.html` with `shell`'s content in its loading shell; `None` if
/// this index.html has no shell to fill (then it is served as it is).
pub fn fill(index: &str, shell: &Shell) -> Option<String> {
    fill_with(index, &shell.content(), shell.held())
}

/// `index.html` with `content` in its loading shell's `<main>`, the shell
/// marked `data-hold` if `held`.
fn fill_with(index: &str, content: &str, held: bool) -> Option<String> {
    let boot = index.find(BOOT_OPEN)?;
    let main = boot + index[boot..].find(MAIN_OPEN)? + MAIN_OPEN.len();
    let end = main + index[main..].find(MAIN_CLOSE)?;
    let boot_attrs = boot + BOOT_OPEN.len();
    let hold = if held { " data-hold" } else { "" };
    Some([&index[..boot_attrs], hold, &index[boot_attrs..main], content, &index[end..]].concat())
}

/// A console before its first line (frontend/src/widgets/terminal/): an
/// empty screen and the input line with the pending prompt. The input is
/// read-only: what is typed before the app starts would be lost with the
/// shell.
fn empty_terminal() -> String {
    format!(
        "<div class=\"console-terminal\"><div class=\"console-screen\" role=\"log\" aria-live=\"polite\" \
         aria-label=\"Console output\"></div><div class=\"console-input-line\">\
         <label class=\"console-prompt-pending\">{}</label><div class=\"console-input-wrap\">\
         <div class=\"console-hint-layer\" aria-hidden=\"true\"><span class=\"console-hint-typed\"></span>\
         <span class=\"console-hint\"></span></div><input type=\"text\" readonly aria-label=\"Redis command\" \
         autocomplete=\"off\"></div></div></div>",
        escape(pages::PROMPT_PENDING)
    )
}

/// The code panel before the first command (frontend/src/widgets/code_panel.rs).
fn empty_code_panel() -> String {
    format!(
        "<aside class=\"code-panel\" aria-label=\"The last command in a program\">\
         <h2 class=\"code-panel__title\">{}</h2><p class=\"code-panel__empty muted\">{}</p></aside>",
        escape(pages::CODE_PANEL_TITLE),
        escape(pages::CODE_PANEL_EMPTY)
    )
}

/// [`Inline`] parts: text, `<code>`, `<kbd>`.
fn parts(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|part| match *part {
            Inline::Text(text) => escape(text),
            Inline::Code(code) => format!("<code>{}</code>", escape(code)),
            Inline::Key(key) => format!("<kbd>{}</kbd>", escape(key)),
        })
        .collect()
}

/// The heading and lead, as `<h1>` and `<p class="lead">`.
fn head(head: &PageHead) -> String {
    format!("<h1>{}</h1><p class=\"lead\">{}</p>", text(head.title), text(head.lead))
}

/// A text of `bolide_shared::pages`: escaped, its `backtick` spans in `<code>`.
fn text(words: &str) -> String {
    code_spans(words)
        .into_iter()
        .map(|(code, part)| if code { format!("<code>{}</code>", escape(part)) } else { escape(part) })
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The built pages, per route, for one version of `index.html`.
pub struct Shells {
    index: PathBuf,
    built: Mutex<Built>,
}

#[derive(Default)]
struct Built {
    /// `index.html`'s modification time and length when these were built.
    stamp: Option<(SystemTime, u64)>,
    pages: HashMap<Shell, Arc<Precompressed>>,
    /// index.html's text, with its stamp then (for the pages built per request).
    index: Option<((SystemTime, u64), Arc<str>)>,
}

impl Shells {
    pub fn new(index: PathBuf) -> Self {
        Shells { index, built: Mutex::new(Built::default()) }
    }

    /// The page for `shell`, as the request's headers ask for it
    /// (encoding, `If-None-Match`); `None` when index.html cannot be read
    /// or has no shell (the caller serves the file as it is).
    pub fn response(&self, shell: &Shell, request: &HeaderMap) -> Option<Response> {
        let page = self.page(shell)?;
        Some(page.response(request))
    }

    /// Guide `id`'s page for the learner whose request this is
    /// ([`guide_content`]): built per request, as their progress says, so it
    /// is `private` (compressed by the router's layer, like any answer made
    /// per request). `None` when their progress cannot be read (Redis away):
    /// the caller sends the page everyone gets.
    pub async fn learners_guide(&self, state: &AppState, parts: &mut Parts, id: &str) -> Option<Response> {
        // Reading their progress is a request to Redis as the guides API's
        // is: counted against the same rates (the sandbox's, its share of
        // the address's). Past them the learner gets the page everyone
        // gets, read from nothing.
        let sandboxes = Sandboxes::from_ref(state);
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let caller = sandboxes.rate.caller(rate::credential(&parts.headers).as_deref());
        sandboxes.rate.check(address, caller.as_deref()).ok()?;
        let sandbox = Sandbox::from_request_parts(parts, state).await.ok()?;
        let view =
            guides::api::view(&GuidesState::from_ref(state), &sandbox, &parts.headers, id).await.ok()?;
        let page = fill_with(&self.index_text()?, &guide_content(&view), true)?;
        let headers = [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, LEARNERS_PAGE),
            (header::VARY, "cookie"),
        ];
        Some((headers, page).into_response())
    }

    /// index.html's text, read again when it has changed on disk.
    fn index_text(&self) -> Option<Arc<str>> {
        let stamp = self.stamp()?;
        if let Some(text) = self.built.lock().ok()?.index.as_ref().filter(|(at, _)| *at == stamp) {
            return Some(text.1.clone());
        }
        let text: Arc<str> = std::fs::read_to_string(&self.index).ok()?.into();
        self.built.lock().ok()?.index = Some((stamp, text.clone()));
        Some(text)
    }

    fn stamp(&self) -> Option<(SystemTime, u64)> {
        let metadata = std::fs::metadata(&self.index).ok()?;
        Some((metadata.modified().ok()?, metadata.len()))
    }

    fn page(&self, shell: &Shell) -> Option<Arc<Precompressed>> {
        let stamp = self.stamp()?;
        {
            let built = self.built.lock().ok()?;
            if built.stamp == Some(stamp) {
                if let Some(page) = built.pages.get(shell) {
                    return Some(page.clone());
                }
            }
        }
        // Built outside the lock: compressing takes a few milliseconds.
        let index = std::fs::read_to_string(&self.index).ok()?;
        let page = Arc::new(Precompressed::new(
            "text/html; charset=utf-8",
            "no-cache",
            fill(&index, shell)?.into_bytes(),
        ));
        let mut built = self.built.lock().ok()?;
        if built.stamp != Some(stamp) {
            *built = Built { stamp: Some(stamp), ..Built::default() };
        }
        built.pages.insert(shell.clone(), page.clone());
        Some(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "<html><body><div id=\"boot\">\
        <header class=\"topbar\">bar</header>\
        <main class=\"page\"><p class=\"boot__text\" role=\"status\">Loading Bolide…</p></main>\
        </div><noscript>no</noscript></body></html>";

    #[test]
    fn the_shell_gets_the_page_head_in_the_apps_markup() {
        let page = fill(INDEX, &Shell::Keys).expect("a shell");
        assert!(page.starts_with(
            "<html><body><div id=\"boot\"><header class=\"topbar\">bar</header><main class=\"page\">"
        ));
        assert!(page.ends_with("</main></div><noscript>no</noscript></body></html>"), "{page}");
        assert!(!page.contains("Loading Bolide"), "{page}");
        assert!(page.contains(
            "<section class=\"keys-page\"><header class=\"console-head\"><h1>Keys</h1><p class=\"lead\">Every key you made, \
             in the console, the guides or your scripts, as a tree by <code>:</code> (the <code>object_type:id</code> convention)"
        ), "{page}");
        assert!(!page.contains("data-hold"), "the app draws this at once: {page}");
    }

    #[test]
    fn code_and_markup_characters_are_escaped() {
        let data = Shell::Data.content();
        assert!(data.contains("one hash per landing, <code>meteorite:&lt;id&gt;</code>, with"), "{data}");
        assert!(data.contains("NASA&#39;s Meteorite Landings"), "{data}");
        assert_eq!(text("a `<b>` & c"), "a <code>&lt;b&gt;</code> &amp; c");
    }

    #[test]
    fn a_guide_is_held_until_the_app_has_it() {
        let guide = &catalog::all().expect("the catalog")[2];
        let shell = Shell::for_path(&format!("/guides/{}", guide.id)).expect("a guide's shell");
        let page = fill(INDEX, &shell).expect("filled");
        assert!(page.contains("<div id=\"boot\" data-hold>"), "{page}");
        assert!(page.contains(&format!(
            "<h1>{}</h1><p class=\"lead\">{}</p>",
            escape(&guide.title),
            escape(&guide.summary)
        )));
        assert!(page.contains("<a href=\"/guides\">← All guides</a>"), "{page}");
    }

    #[test]
    fn only_the_apps_pages_get_a_shell() {
        assert_eq!(Shell::for_path("/"), Some(Shell::Home));
        assert_eq!(Shell::for_path("/guides"), Some(Shell::Guides));
        for path in
            ["/guides/no-such-guide", "/guides/", "/console/", "/nowhere", "/index.html", "/guides/a/b"]
        {
            assert_eq!(Shell::for_path(path), None, "{path}");
        }
        assert_eq!(fill("<html>no shell</html>", &Shell::Home), None);
    }

    #[test]
    fn a_new_index_html_is_picked_up() {
        let dir = tempfile::tempdir().expect("dir");
        let index = dir.path().join("index.html");
        std::fs::write(&index, INDEX).expect("write");
        let shells = Shells::new(index.clone());
        let first = shells.page(&Shell::Jobs).expect("built");
        assert!(Arc::ptr_eq(&first, &shells.page(&Shell::Jobs).expect("cached")), "built once");
        std::fs::write(&index, INDEX.replace("bar", "a new bar")).expect("rewrite");
        let second = shells.page(&Shell::Jobs).expect("rebuilt");
        assert!(!Arc::ptr_eq(&first, &second), "index.html changed: built again");
    }
}
