//! The console's screen as a reducer: the command blocks, the lines waiting
//! to run, the one running, the prompt, and the last reply (for the code
//! panel).
//!
//! # Why a queue
//!
//! A multi-line paste must run line by line, in order, each after the
//! previous one answered: that is what redis-cli does with a paste, and the
//! prompt of a line depends on the lines before it (`SELECT 2`, `MULTI`).
//! So submitted lines go into [`ConsoleState::queue`]; the page starts the
//! next one ([`ConsoleAction::Start`]) only when nothing is running, and
//! sends it; its answer ([`ConsoleAction::Finished`]) frees the way for the
//! next. Everything that is not I/O happens here, so the order of events is
//! decided in one place and can be tested without a server.
//!
//! # What is answered here
//!
//! Like redis-cli, the console answers `HELP` and `CLEAR` itself (`HELP`
//! from the help table the console fetched once, see
//! [`help_table`], which the server uses for the same
//! command; until it has arrived, `HELP` goes to the server), so they work
//! even when the server does not answer; a blank
//! line just repeats the prompt. The tutorial words (`TUTORIAL`, `NEXT`,
//! `PREV`, `T<n>`, see [`tutorial`]) are Bolide's own: they
//! take their turn in the queue like any line, but the page carries them out
//! with the guides API instead of sending them to Redis. Every other line
//! goes to the server.

use std::collections::VecDeque;
use std::rc::Rc;

use bolide_shared::api::ConsoleResponse;
use bolide_shared::cli::split_args;
use yew::Reducible;

use crate::widgets::code_panel::LastCall;
use crate::widgets::terminal::entry::{Entry, EntryStatus};
use crate::widgets::terminal::help_table;

use super::tutorial::{self, TutorialWord};

/// How many command blocks the screen keeps; older ones scroll away, as in
/// a terminal's scrollback.
pub const MAX_ENTRIES: usize = 300;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleState {
    pub entries: Vec<Rc<Entry>>,
    /// Lines submitted but not started, oldest first.
    pub queue: VecDeque<String>,
    /// The entry id and line being sent to the server.
    pub in_flight: Option<(u64, String)>,
    /// The entry id and tutorial word being carried out.
    pub tutorial: Option<(u64, TutorialWord)>,
    /// How many lines the server has answered: a guide watches it to
    /// re-check its step after each command.
    pub answered: u64,
    /// The prompt from the server's last answer; `None` until one came.
    pub prompt: Option<String>,
    pub last: Option<Rc<LastCall>>,
    next_id: u64,
}

pub enum ConsoleAction {
    /// Lines to run, in order (one typed line, or a paste).
    Enqueue(Vec<String>),
    /// Start the next queued line if nothing is running. `fallback_prompt`
    /// is the prompt to show before the server has sent one.
    Start { fallback_prompt: String },
    /// The server's answer for entry `id`, or why there was none.
    Finished { id: u64, result: Result<ConsoleResponse, String> },
    /// What the tutorial word of entry `id` printed (`Err`: it failed).
    TutorialDone { id: u64, result: Result<String, String> },
    /// Ctrl+L: clear the screen (not the queue, not the running line).
    Clear,
}

/// What to do with a line before it goes anywhere.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalLine {
    /// Nothing typed: show the prompt again.
    Blank,
    /// `CLEAR`: clear the screen.
    Clear,
    /// `HELP ...`: the words (as split), `HELP` included.
    Help(Vec<Vec<u8>>),
    /// `TUTORIAL`, `NEXT`, `PREV` or `T<n>`, alone on the line.
    Tutorial(TutorialWord),
    /// Anything else goes to the server.
    Remote,
}

/// Sorts a line the way redis-cli does before sending anything: blank,
/// `clear` alone, `help ...`; then Bolide's tutorial words alone on the
/// line; a line that does not split (an open quote) is for the server,
/// which answers `Invalid argument(s)` like redis-cli.
pub fn classify(line: &str) -> LocalLine {
    if line.trim().is_empty() {
        return LocalLine::Blank;
    }
    if let Some(word) = tutorial::parse_word(line) {
        return LocalLine::Tutorial(word);
    }
    let Ok(args) = split_args(line) else {
        return LocalLine::Remote;
    };
    match args.first() {
        Some(first) if first.eq_ignore_ascii_case(b"clear") && args.len() == 1 => LocalLine::Clear,
        Some(first) if first.eq_ignore_ascii_case(b"help") => LocalLine::Help(args),
        Some(_) => LocalLine::Remote,
        None => LocalLine::Blank,
    }
}

impl ConsoleState {
    /// The prompt for the next line: the server's last one, else `fallback`.
    pub fn prompt_or(&self, fallback: &str) -> String {
        self.prompt.clone().unwrap_or_else(|| fallback.to_owned())
    }

    /// Whether a line is running or waiting.
    pub fn busy(&self) -> bool {
        self.running() || !self.queue.is_empty()
    }

    /// Whether a line is being carried out (by the server or the tutorial).
    pub fn running(&self) -> bool {
        self.in_flight.is_some() || self.tutorial.is_some()
    }

    fn push_entry(&mut self, prompt: String, line: String, status: EntryStatus) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push(Rc::new(Entry { id, prompt, line, status }));
        if self.entries.len() > MAX_ENTRIES {
            let excess = self.entries.len() - MAX_ENTRIES;
            self.entries.drain(..excess);
        }
        id
    }

    fn set_status(&mut self, id: u64, status: EntryStatus) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.id == id) {
            let mut updated = (**entry).clone();
            updated.status = status;
            *entry = Rc::new(updated);
        }
    }

    fn start(&mut self, fallback_prompt: &str) {
        if self.running() {
            return;
        }
        let Some(line) = self.queue.pop_front() else {
            return;
        };
        let prompt = self.prompt_or(fallback_prompt);
        match classify(&line) {
            LocalLine::Blank => {
                self.push_entry(prompt, line, EntryStatus::Done { output: String::new(), error: false });
            }
            LocalLine::Clear => self.entries.clear(),
            LocalLine::Help(args) => {
                let output = match args.get(1..) {
                    Some([topic]) if tutorial::is_help_topic(topic) => Some(tutorial::HELP_TEXT.to_owned()),
                    topics => help_table::help_text(topics.unwrap_or_default()),
                };
                let Some(output) = output else {
                    // The help table has not arrived yet: the server
                    // answers `HELP` from the same table.
                    let id = self.push_entry(prompt, line.clone(), EntryStatus::Running);
                    self.in_flight = Some((id, line));
                    return;
                };
                self.last = Some(Rc::new(LastCall {
                    args: args.clone(),
                    reply: None,
                    omitted: None,
                    prompt: prompt.clone(),
                }));
                self.push_entry(prompt, line, EntryStatus::Done { output, error: false });
            }
            LocalLine::Tutorial(word) => {
                let id = self.push_entry(prompt, line, EntryStatus::Running);
                self.tutorial = Some((id, word));
            }
            LocalLine::Remote => {
                let id = self.push_entry(prompt, line.clone(), EntryStatus::Running);
                self.in_flight = Some((id, line));
            }
        }
    }

    fn tutorial_done(&mut self, id: u64, result: Result<String, String>) {
        if self.tutorial.as_ref().is_some_and(|(running, _)| *running == id) {
            self.tutorial = None;
        }
        let status = match result {
            Ok(output) => EntryStatus::Done { output, error: false },
            Err(message) => EntryStatus::Failed(message),
        };
        self.set_status(id, status);
    }

    fn finish(&mut self, id: u64, result: Result<ConsoleResponse, String>) {
        if self.in_flight.as_ref().is_some_and(|(running, _)| *running == id) {
            self.in_flight = None;
        }
        match result {
            Ok(response) => {
                self.answered += 1;
                let entry = self.entries.iter().find(|entry| entry.id == id);
                let prompt = entry.map(|entry| entry.prompt.clone());
                // The line's own bytes: the answer's `args` are decoded
                // lossily, and the code panel must write what Redis got.
                let typed = entry.and_then(|entry| split_args(&entry.line).ok());
                if response.clear {
                    self.entries.clear();
                } else {
                    self.set_status(id, EntryStatus::Done { output: response.output, error: response.error });
                }
                if !response.args.is_empty() {
                    let args = typed
                        .filter(|typed| typed.len() == response.args.len())
                        .unwrap_or_else(|| response.args.into_iter().map(String::into_bytes).collect());
                    self.last = Some(Rc::new(LastCall {
                        args,
                        reply: response.reply,
                        omitted: response.omitted,
                        prompt: prompt.unwrap_or_else(|| response.prompt.clone()),
                    }));
                }
                if !response.prompt.is_empty() {
                    self.prompt = Some(response.prompt);
                }
            }
            Err(message) => {
                // The next lines would most likely fail the same way (the
                // server is down, or asked us to slow down): do not run
                // them behind the student's back.
                let dropped = self.queue.len();
                self.queue.clear();
                let message = match dropped {
                    0 => message,
                    1 => format!("{message}\n(1 more pasted line was not run)"),
                    n => format!("{message}\n({n} more pasted lines were not run)"),
                };
                self.set_status(id, EntryStatus::Failed(message));
            }
        }
    }
}

impl Reducible for ConsoleState {
    type Action = ConsoleAction;

    fn reduce(self: Rc<Self>, action: Self::Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ConsoleAction::Enqueue(lines) => next.queue.extend(lines),
            ConsoleAction::Start { fallback_prompt } => next.start(&fallback_prompt),
            ConsoleAction::Finished { id, result } => next.finish(id, result),
            ConsoleAction::TutorialDone { id, result } => next.tutorial_done(id, result),
            ConsoleAction::Clear => next.entries.clear(),
        }
        Rc::new(next)
    }
}
