//! The console's tutorial words, as try.redis had them: `TUTORIAL`,
//! `NEXT`, `PREV` and `T<n>` drive a guide from the keyboard;
//! `TUTORIAL <guide>` opens a guide by its id (`TUTORIAL hashes`), and
//! `ANSWER <n>` answers the current step's quiz with choice `n`.
//!
//! They are answered by the console itself, never sent to Redis, and only
//! when the whole line is exactly one of them (any case, surrounding
//! blanks ignored): `NEXT` is a tutorial word, `NEXT 2` or `GET NEXT` go to
//! Redis as typed. No Redis command has one of these names, so nothing a
//! student could mean for Redis is taken away.
//!
//! They move the same progress as the Guides page (`POST
//! /api/guides/{id}/progress`), so a student can read a step on the page,
//! type `NEXT` in the console and find the page on the next step, and the
//! other way round. Which guide they drive:
//!
//! - in the console of a guide's page, that guide;
//! - on the Console page, the guide last opened (remembered in
//!   `localStorage`), else the first one not finished.
//!
//! The step is printed as plain text: its Markdown without the marks (the
//! `body_text` the server rendered), the lines to try, a quiz's question and choices,
//! and a reminder of the words.

use bolide_shared::guides::{ConsoleGuideView, GuideList, GuideProgress, GuideView};
use web_sys::Storage;

use crate::api::failure_message;
use crate::api::{self, ApiError};
use crate::widgets::inline_code::plain_text;

/// The `localStorage` key of the guide the console's words drive.
pub const CURRENT_GUIDE_KEY: &str = "bolide.guides.current";

/// A tutorial word typed at the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TutorialWord {
    /// `TUTORIAL`: show the current step (starting the guide if needed).
    Resume,
    /// `TUTORIAL <guide>`: open that guide (by its id) at its current step.
    Open(String),
    /// `ANSWER <n>`: answer the current step's quiz with choice `n`
    /// (counted from 1, as the step shows them).
    Answer(usize),
    /// `NEXT`: the next step.
    Next,
    /// `PREV`: the previous step.
    Prev,
    /// `T<n>`: step `n`, counted from 1 as the page shows it.
    Go(usize),
}

/// What `HELP TUTORIAL` (and `HELP NEXT`, `HELP PREV`) prints.
pub const HELP_TEXT: &str = "\
  TUTORIAL
  summary: Show the current step of the current guide (and start it if needed)

  NEXT
  summary: Go to the next step of the guide

  PREV
  summary: Go back to the previous step of the guide

  T<n>
  summary: Go to step n of the guide (T1 is the first step)

  TUTORIAL <guide>
  summary: Open a guide by its id, e.g. TUTORIAL hashes (the ids are in the Guides page's addresses)

  ANSWER <n>
  summary: Answer the current step's quiz with choice n (ANSWER 1 is the first choice)

These words are answered by Bolide's console, not sent to Redis. They drive
the guide open on the Guides page (the last one you opened there), and move
the same progress: the page follows.";

/// The word `line` is, if the whole line is exactly one (any case).
pub fn parse_word(line: &str) -> Option<TutorialWord> {
    let word = line.trim();
    let mut words = word.split_ascii_whitespace();
    if let (Some(first), Some(second), None) = (words.next(), words.next(), words.next()) {
        if first.eq_ignore_ascii_case("tutorial") {
            return Some(TutorialWord::Open(second.to_ascii_lowercase()));
        }
        if first.eq_ignore_ascii_case("answer")
            && !second.is_empty()
            && second.bytes().all(|b| b.is_ascii_digit())
        {
            // A number too big for usize is still "a choice that does not exist".
            return Some(TutorialWord::Answer(second.parse().unwrap_or(usize::MAX)));
        }
        return None;
    }
    if word.eq_ignore_ascii_case("tutorial") {
        return Some(TutorialWord::Resume);
    }
    if word.eq_ignore_ascii_case("next") {
        return Some(TutorialWord::Next);
    }
    if word.eq_ignore_ascii_case("prev") {
        return Some(TutorialWord::Prev);
    }
    let digits = word.strip_prefix(['t', 'T'])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A number too big for usize is still "a step that does not exist".
    Some(TutorialWord::Go(digits.parse().unwrap_or(usize::MAX)))
}

/// Whether `HELP <topic>` is about the tutorial words.
pub fn is_help_topic(topic: &[u8]) -> bool {
    ["tutorial", "next", "prev", "answer"].iter().any(|word| topic.eq_ignore_ascii_case(word.as_bytes()))
}

/// The step (0-based) `word` goes to from `progress` in a guide of `steps`
/// steps; `Err` is the sentence to print instead (first or last step,
/// no such step).
pub fn target_step(word: &TutorialWord, progress: &GuideProgress, steps: usize) -> Result<usize, String> {
    let current = progress.current_step.min(steps.saturating_sub(1));
    match *word {
        TutorialWord::Resume | TutorialWord::Open(_) | TutorialWord::Answer(_) => Ok(current),
        TutorialWord::Next if current + 1 < steps => Ok(current + 1),
        TutorialWord::Next => Err(format!(
            "This is the last step (step {steps} of {steps}). Type TUTORIAL to read it again, \
             or open another guide: TUTORIAL <guide>, or the Guides page (/guides)."
        )),
        TutorialWord::Prev if current > 0 => Ok(current - 1),
        TutorialWord::Prev => Err("This is the first step. Type NEXT to go on.".to_owned()),
        TutorialWord::Go(n) if (1..=steps).contains(&n) => Ok(n - 1),
        TutorialWord::Go(_) => Err(format!("This guide has {steps} steps: T1 to T{steps}.")),
    }
}

/// Step `step` of `view` as the console prints it.
pub fn step_text<C>(view: &GuideView<C>, step: usize) -> String {
    let guide = &view.guide;
    let Some(current) = guide.steps.get(step) else {
        return format!("{} has no step {}.", guide.title, step + 1);
    };
    let done = view.progress.completed.contains(&step);
    let mut out = format!(
        "{} · step {} of {}: {}{}\n",
        guide.title,
        step + 1,
        guide.steps.len(),
        current.title,
        if done { "  ✓ done" } else { "" }
    );
    let body = &current.body_text;
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body);
        out.push('\n');
    }
    if !current.runnable.is_empty() {
        out.push_str("\nTry:\n");
        for snippet in &current.runnable {
            out.push_str("    ");
            out.push_str(&snippet.command);
            out.push('\n');
        }
    }
    if let Some(quiz) = &current.quiz {
        out.push_str(&format!("\nQuiz: {}\n", quiz.question));
        for (i, choice) in quiz.choices.iter().enumerate() {
            out.push_str(&format!("    {}) {}\n", i + 1, choice.text));
        }
        out.push_str(&format!(
            "Answer with ANSWER <n> (ANSWER 1 for the first), or on the guide's page: /guides/{}\n",
            guide.id
        ));
    } else if current.check.is_some() && !done {
        out.push_str(&format!(
            "\nThis step is checked against your keys: the guide's page (/guides/{}) shows ✓ once they are right.\n",
            guide.id
        ));
    }
    out.push_str(&format!(
        "\nNEXT: next step · PREV: previous step · T<n>: step n · TUTORIAL: this step again · \
         TUTORIAL <guide>: another guide (this one is {})",
        guide.id
    ));
    out
}

/// The guide remembered as the current one, if any.
pub fn remembered_guide() -> Option<String> {
    storage()?.get_item(CURRENT_GUIDE_KEY).ok().flatten().filter(|id| !id.is_empty())
}

/// Remembers `id` as the guide the console's words drive (failures to
/// store are ignored: the words then fall back to the first unfinished
/// guide).
pub fn remember_guide(id: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(CURRENT_GUIDE_KEY, id);
    }
}

/// Forgets the remembered guide.
pub fn forget_guide() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(CURRENT_GUIDE_KEY);
    }
}

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The guide to drive when the page pins none: the first started and
/// unfinished one, else the first unfinished one, else the first.
pub fn default_guide(list: &GuideList) -> Option<String> {
    let finished = |id: &str, steps: usize| {
        list.progress.iter().any(|progress| progress.guide_id == id && progress.completed.len() >= steps)
    };
    let started = |id: &str| list.progress.iter().any(|progress| progress.guide_id == id);
    list.guides
        .iter()
        .find(|guide| started(&guide.id) && !finished(&guide.id, guide.steps))
        .or_else(|| list.guides.iter().find(|guide| !finished(&guide.id, guide.steps)))
        .or_else(|| list.guides.first())
        .map(|guide| guide.id.clone())
}

/// What a word did: the text to print, and the guide's new progress when
/// the step changed (or was shown).
#[derive(Debug, Clone, PartialEq)]
pub struct TutorialOutcome {
    pub text: String,
    /// `None` when nothing moved (`NEXT` on the last step…).
    pub moved: Option<GuideProgress>,
}

/// Carries out `word` on `pinned` (the page's guide) or the remembered one;
/// `Err` is a message for the console when the server could not be asked.
pub async fn run(word: TutorialWord, pinned: Option<String>) -> Result<TutorialOutcome, String> {
    let named = match &word {
        TutorialWord::Open(id) => Some(id.clone()),
        _ => None,
    };
    // A page's console opening another guide prints it, but the page stays
    // on its own guide (and does not take the other one's progress).
    let elsewhere = named.is_some() && pinned.is_some() && named != pinned;
    let id = match named.clone().or(pinned).or_else(remembered_guide) {
        Some(id) => id,
        None => {
            let list = api::guides().await.map_err(|error| failure_message(&error))?;
            default_guide(&list).ok_or_else(|| "There are no guides in this Bolide.".to_owned())?
        }
    };
    let view: ConsoleGuideView = match api::guide(&id).await {
        Ok(view) => view,
        // The remembered guide may be gone (renamed in a new version):
        // forget it, so the next word starts afresh.
        Err(ApiError::Server { status: 404, .. }) if named.is_some() => {
            let list = api::guides().await.map_err(|error| failure_message(&error))?;
            let ids: Vec<&str> = list.guides.iter().map(|guide| guide.id.as_str()).collect();
            return Err(format!("There is no guide called \"{id}\". The guides are: {}.", ids.join(", ")));
        }
        Err(ApiError::Server { status: 404, .. }) => {
            forget_guide();
            return Err(format!("The guide \"{id}\" does not exist any more: type TUTORIAL again."));
        }
        Err(error) => return Err(failure_message(&error)),
    };
    remember_guide(&view.guide.id);
    let step = match target_step(&word, &view.progress, view.guide.steps.len()) {
        Ok(step) => step,
        Err(text) => return Ok(TutorialOutcome { text, moved: None }),
    };
    if let TutorialWord::Answer(choice) = word {
        return answer(&view, step, choice).await;
    }
    let progress = api::move_in_guide(&view.guide.id, step).await.map_err(|error| failure_message(&error))?;
    let view = GuideView { progress: progress.clone(), ..view };
    let mut text = step_text(&view, step);
    if elsewhere {
        text.push_str(&format!("\n(Its own page: /guides/{})", view.guide.id));
    }
    Ok(TutorialOutcome { text, moved: (!elsewhere).then_some(progress) })
}

/// `ANSWER <choice>` on step `step` of `view`: graded by the server, which
/// records a right answer as the step done (as the page's buttons do).
async fn answer(view: &ConsoleGuideView, step: usize, choice: usize) -> Result<TutorialOutcome, String> {
    let guide = &view.guide;
    let Some(quiz) = guide.steps.get(step).and_then(|current| current.quiz.as_ref()) else {
        return Ok(TutorialOutcome {
            text: format!(
                "Step {} of {} has no quiz to answer. Type TUTORIAL to read it.",
                step + 1,
                guide.steps.len()
            ),
            moved: None,
        });
    };
    let choices = quiz.choices.len();
    if !(1..=choices).contains(&choice) {
        return Ok(TutorialOutcome {
            text: format!("This quiz has {choices} choices: ANSWER 1 to ANSWER {choices}."),
            moved: None,
        });
    }
    let result = api::check_guide_step(&guide.id, step, Some(choice - 1))
        .await
        .map_err(|error| failure_message(&error))?;
    // The console's screen is plain text: the messages' code marks go.
    let mut text = format!("{} {}", if result.passed { "✓" } else { "✗" }, plain_text(&result.message));
    if let Some(hint) = result.hint.filter(|_| !result.passed) {
        text.push_str(&format!("\n{}", plain_text(&hint)));
    }
    text.push_str(if result.passed { "\nNEXT: next step" } else { "\nTry another: ANSWER <n>" });
    // The page follows the progress a right answer recorded.
    let moved = match result.passed {
        true => api::guide::<serde::de::IgnoredAny>(&guide.id).await.ok().map(|view| view.progress),
        false => None,
    };
    Ok(TutorialOutcome { text, moved })
}
