//! Guided walkthroughs: the course module as short lessons whose steps are
//! checked against the student's real Redis.
//!
//! A guide is a Markdown file written by an instructor (the format is
//! documented in `docs/guides.md` and parsed by [`parse_guide`]): a front
//! matter, then one `## ` heading per [`Step`]. A step's body is Markdown
//! for the page; its fenced ```` ```redis ```` lines become "Run" buttons
//! ([`Snippet`]), its ```` ```python ```` block the equivalent redis-py code,
//! its ```` ```check ```` block a declarative [`Check`] and its
//! ```` ```quiz ```` block a [`Quiz`].
//!
//! Checks are data, never commands: the server evaluates a closed set of
//! conditions (a key's value, a hash's fields, how many keys match a
//! pattern…) on the student's keyspace with read-only commands it chooses
//! itself. A guide file can therefore be edited by anyone without giving
//! them a way to run arbitrary Redis commands in a student's session.
//!
//! Everything here is pure data and parsing, shared by the server (which
//! compiles the guide files in, renders their Markdown to HTML and text,
//! and answers `/api/guides…`) and the browser app (which shows them), so
//! both agree on every field.
//!
//! Steps are numbered from **0** everywhere in the API (URLs, progress,
//! `completed`): step `n` is `guide.steps[n]`. The app shows `n + 1`.

mod check;
mod parse;
mod placeholders;
mod quiz;

use serde::{Deserialize, Serialize};

pub use check::{Check, CountTarget, KeyKind, Persistence};
pub use parse::{parse_guide, GuideError};
pub use placeholders::{fill_placeholders, PLACEHOLDERS};
pub use quiz::{Choice, Quiz};

/// One line of `GET /api/guides`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideSummary {
    /// Stable identifier used in URLs (`redis-basics`).
    pub id: String,
    pub title: String,
    /// One sentence for the list.
    pub summary: String,
    /// Number of steps.
    pub steps: usize,
}

/// A whole guide, as parsed from its file.
///
/// `C` is what a step's check is read as: a [`Check`] everywhere but in
/// the consoles' tutorial words, which only need to know whether a step
/// has one ([`ConsoleGuideView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Serde would also ask `C: Default` (for the skipped fields), which
// a check need not be.
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct Guide<C = Check> {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Markdown between the front matter and the first step (may be empty).
    /// The server's source text: the API sends [`Guide::intro_html`]
    /// instead, so the browser app needs no Markdown parser.
    #[serde(skip)]
    pub intro_markdown: String,
    /// The intro as HTML, safe to put in the page as is: rendered by the
    /// server from the Markdown (placeholders filled in first). Empty in a
    /// guide as parsed.
    #[serde(default)]
    pub intro_html: String,
    /// Keys (in the student's keyspace) this guide tells the student to
    /// create, which `POST /api/guides/{id}/reset` removes. Exact names or
    /// glob patterns (`py:*`).
    #[serde(default)]
    pub creates: Vec<String>,
    pub steps: Vec<Step<C>>,
}

impl<C> Guide<C> {
    pub fn summary(&self) -> GuideSummary {
        GuideSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            steps: self.steps.len(),
        }
    }
}

/// One step of a guide (`C`: see [`Guide`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Serde would also ask `C: Default` (for the skipped fields), which
// a check need not be.
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct Step<C = Check> {
    pub title: String,
    /// The step's text, Markdown, with the fenced blocks Bolide understands
    /// (`redis`, `python`, `check`, `quiz`) taken out. Other fenced blocks
    /// (```` ```text ````, ```` ```sh ````…) stay in the body. The server's
    /// source text: the API sends the two forms below instead.
    #[serde(skip)]
    pub body_markdown: String,
    /// The body as HTML for the page, safe to insert as is; rendered by the
    /// server like [`Guide::intro_html`]. Empty in a guide as parsed.
    #[serde(default)]
    pub body_html: String,
    /// The body as plain text for the console's `TUTORIAL` (paragraphs
    /// unwrapped, code indented, links as `text (address)`). Empty in a
    /// guide as parsed.
    #[serde(default)]
    pub body_text: String,
    /// Console lines, in order, each with its own "Run" button.
    #[serde(default)]
    pub runnable: Vec<Snippet>,
    /// The redis-py equivalent of the step (a whole script or a fragment).
    #[serde(default)]
    pub python: Option<String>,
    /// What must hold in the student's Redis for the step to be done.
    #[serde(default)]
    pub check: Option<C>,
    /// The guide author's hint, shown (after the automatic one) when the
    /// check does not hold.
    #[serde(default)]
    pub hint: Option<String>,
    /// A question; answering it correctly completes the step.
    #[serde(default)]
    pub quiz: Option<Quiz>,
}

impl<C> Step<C> {
    /// Whether the step has something to verify (a check or a quiz); a step
    /// without either is reading only, done when the student moves on.
    pub fn is_checked(&self) -> bool {
        self.check.is_some() || self.quiz.is_some()
    }
}

impl Step {
    /// Whether the step is the persistence exercise's restart
    /// ([`Check::needs_restart`]).
    pub fn needs_restart(&self) -> bool {
        self.check.as_ref().is_some_and(Check::needs_restart)
    }
}

/// A console line, as typed (redis-cli syntax).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub command: String,
}

/// The answer to `POST /api/guides/{id}/steps/{n}/check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub passed: bool,
    /// What was found, in a sentence (`` `k2` is a hash with fields name, email, type``).
    pub message: String,
    /// What to do about it, when it did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Where a student is in one guide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideProgress {
    pub guide_id: String,
    /// The step the student is on (0-based).
    pub current_step: usize,
    /// Steps whose check or quiz passed (or reading steps visited), sorted.
    pub completed: Vec<usize>,
}

/// `GET /api/guides`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideList {
    pub guides: Vec<GuideSummary>,
    /// The caller's progress in the guides they have started (any order).
    pub progress: Vec<GuideProgress>,
}

/// `GET /api/guides/{id}`: the guide (placeholders such as `{{port}}`
/// already filled in), the caller's progress and what this Bolide offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct GuideView<C = Check> {
    pub guide: Guide<C>,
    pub progress: GuideProgress,
    pub environment: GuideEnvironment,
}

/// A guide as the consoles' tutorial words read it (`TUTORIAL`, `NEXT`…):
/// the same JSON, but a step's check only as "there is one" (the words say
/// so; the server checks it). So a bundle with a console and no Guides page
/// (`/console`, `/keys`) carries no reader for [`Check`]'s tagged variants
/// (issue #17: a first visit's bytes).
pub type ConsoleGuideView = GuideView<serde::de::IgnoredAny>;

/// What the guides may show or offer about the Redis behind this Bolide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideEnvironment {
    /// `true` with `--shared` (each session has its own namespace).
    pub shared: bool,
    /// Bolide started its own `redis-server` (no `--redis-url`).
    pub embedded: bool,
    /// Where a student's own scripts connect (local mode).
    pub redis_host: String,
    pub redis_port: u16,
    /// `redis_version` of the running server, when known.
    #[serde(default)]
    pub redis_version: Option<String>,
    /// The command line that started the embedded server, when embedded.
    #[serde(default)]
    pub redis_command: Option<String>,
    /// Whether `POST /api/guides/persistence/restart` works here (local
    /// mode with the embedded Redis).
    pub restart_available: bool,
    /// The URL a student's own script connects with (`redis.Redis.from_url`,
    /// `redis-cli -u`): locally Bolide's Redis; in a hosted class the
    /// gateway's, with the sandbox's username and password — shown only to
    /// the sandbox's owner.
    #[serde(default)]
    pub redis_url: String,
    /// Bolide's own address as the student's browser reaches it, for `curl`
    /// lines (`http://127.0.0.1:8080` locally).
    #[serde(default)]
    pub api_url: String,
    /// What a `curl` line needs to act for the student's sandbox: empty
    /// locally, `-u user:password ` (the gateway credentials) in a class.
    #[serde(default)]
    pub curl_login: String,
}

/// `POST /api/guides/{id}/steps/{n}/check` body. `answer` (the index of
/// the chosen choice) is required for a quiz step and ignored otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    #[serde(default)]
    pub answer: Option<usize>,
}

/// `POST /api/guides/{id}/progress` body: go to `current_step` (back,
/// forward, or skip ahead). Answers the new [`GuideProgress`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressUpdate {
    pub current_step: usize,
}

/// `POST /api/guides/{id}/reset`: progress cleared, and the keys the guide
/// created that were removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetReport {
    pub progress: GuideProgress,
    /// Key names as the student sees them (without a session namespace).
    pub removed_keys: Vec<String>,
}

/// `POST /api/guides/persistence/restart` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartRequest {
    /// `true`: shut down with AOF fsynced and start again (keys survive);
    /// `false`: start again without loading the AOF (the student's keys are
    /// gone; Bolide's own bookkeeping in database 15 is carried over).
    pub persistence: bool,
}

/// What `POST /api/guides/persistence/restart` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartReport {
    pub persistence: bool,
    /// Keys in database 0 just before the restart, and just after.
    pub keys_before: u64,
    pub keys_after: u64,
    /// The server's process id before and after (they differ: it really restarted).
    pub pid_before: u32,
    pub pid_after: u32,
    pub port: u16,
    /// What happened, in a sentence or two.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The consoles read the API's guide as it is sent: every step, and
    /// which of them have a check, without reading the checks.
    #[test]
    fn a_console_reads_which_steps_have_a_check() {
        let check = |kind: &str| Step {
            title: kind.into(),
            body_markdown: String::new(),
            body_html: "<p>x</p>".into(),
            body_text: "x".into(),
            runnable: vec![Snippet { command: "SET k v".into() }],
            python: None,
            check: match kind {
                "checked" => Some(Check::All {
                    checks: vec![
                        Check::KeyEquals { key: "k".into(), value: "v".into() },
                        Check::Restarted { persistence: Persistence::On },
                    ],
                }),
                _ => None,
            },
            hint: None,
            quiz: None,
        };
        let view = GuideView {
            guide: Guide {
                id: "g".into(),
                title: "G".into(),
                summary: "s".into(),
                intro_markdown: String::new(),
                intro_html: String::new(),
                creates: vec!["k".into()],
                steps: vec![check("checked"), check("reading")],
            },
            progress: GuideProgress { guide_id: "g".into(), current_step: 1, completed: vec![0] },
            environment: GuideEnvironment {
                shared: false,
                embedded: true,
                redis_host: "127.0.0.1".into(),
                redis_port: 6379,
                redis_version: None,
                redis_command: None,
                restart_available: true,
                redis_url: String::new(),
                api_url: String::new(),
                curl_login: String::new(),
            },
        };
        let text = serde_json::to_string(&view).expect("json");
        assert_eq!(serde_json::from_str::<GuideView>(&text).expect("page"), view);
        let console: ConsoleGuideView = serde_json::from_str(&text).expect("console");
        let checked: Vec<bool> = console.guide.steps.iter().map(|step| step.check.is_some()).collect();
        assert_eq!(checked, [true, false]);
        assert_eq!((console.progress, console.guide.steps[0].body_text.as_str()), (view.progress, "x"));
    }
}
