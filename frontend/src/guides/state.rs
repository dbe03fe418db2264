//! A guide's page as a reducer: the guide and the student's progress in
//! it, the last check of each step, the quiz answers, and what a reset or
//! a Redis restart did.
//!
//! Every answer from the server comes back as an action naming the guide
//! it is about; an answer for another guide (the student moved on while it
//! was on its way) is dropped, so a late reply never marks a step of the
//! wrong guide. The server is the authority on progress: a step is shown
//! done when the server's progress says so, or when a check the server
//! answered passed (the server records it in the same request).

use std::collections::BTreeMap;
use std::rc::Rc;

use bolide_shared::guides::{CheckResult, GuideProgress, GuideView, ResetReport, RestartReport};
use yew::Reducible;

/// The last check of a step.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckStatus {
    /// Sent; no answer yet.
    Checking,
    /// What the server found.
    Done(CheckResult),
    /// The check could not be made (server down…): a message for the student.
    Failed(String),
}

/// The persistence exercise's restart of the embedded Redis.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RestartStatus {
    #[default]
    Idle,
    /// Restarting, with (`true`) or without persistence.
    Restarting(bool),
    Done(RestartReport),
    Failed(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuideState {
    /// The guide and the progress in it, once loaded.
    pub view: Option<Rc<GuideView>>,
    /// Why the guide could not be loaded.
    pub load_error: Option<String>,
    /// The last check of each step (by 0-based index).
    pub checks: BTreeMap<usize, CheckStatus>,
    /// The choice picked in each quiz step.
    pub answers: BTreeMap<usize, usize>,
    /// A sentence about the last reset or failed move, shown above the step.
    pub notice: Option<String>,
    pub restart: RestartStatus,
}

pub enum GuideAction {
    /// `GET /api/guides/{id}` answered (for guide `id`).
    Loaded {
        id: String,
        /// Shared as it is kept (and a whole guide is large to move around).
        result: Result<Rc<GuideView>, String>,
    },
    /// The student is on another step (the page's buttons or the console's
    /// tutorial words).
    Moved(GuideProgress),
    /// Moving failed: why.
    MoveFailed(String),
    /// A check of `step` was sent (with the quiz answer, for a quiz).
    CheckStarted {
        step: usize,
        answer: Option<usize>,
    },
    Checked {
        guide_id: String,
        step: usize,
        result: Result<CheckResult, String>,
    },
    Reset {
        guide_id: String,
        result: Result<ResetReport, String>,
    },
    RestartStarted(bool),
    Restarted(Result<RestartReport, String>),
}

impl GuideState {
    /// The id of the loaded guide.
    pub fn guide_id(&self) -> Option<&str> {
        self.view.as_ref().map(|view| view.guide.id.as_str())
    }

    /// The step the student is on (0-based), within the guide.
    pub fn current_step(&self) -> usize {
        self.view
            .as_ref()
            .map(|view| view.progress.current_step.min(view.guide.steps.len().saturating_sub(1)))
            .unwrap_or(0)
    }

    /// Whether step `step` is done.
    pub fn is_done(&self, step: usize) -> bool {
        self.view.as_ref().is_some_and(|view| view.progress.completed.contains(&step))
    }

    /// Whether step `step` is checked against the student's Redis (not a
    /// quiz, not reading only): what the console's commands re-check.
    pub fn has_key_check(&self, step: usize) -> bool {
        self.view
            .as_ref()
            .and_then(|view| view.guide.steps.get(step))
            .is_some_and(|step| step.check.is_some() && step.quiz.is_none())
    }

    fn update_progress(&mut self, update: impl FnOnce(&mut GuideProgress)) {
        if let Some(view) = self.view.as_mut() {
            update(&mut Rc::make_mut(view).progress);
        }
    }

    fn is_for_this_guide(&self, guide_id: &str) -> bool {
        self.guide_id() == Some(guide_id)
    }
}

/// What a reset did, in a sentence.
pub fn reset_notice(report: &ResetReport) -> String {
    match report.removed_keys.as_slice() {
        [] => "The guide starts again from its first step. It had created no keys to remove.".to_owned(),
        [key] => format!("The guide starts again from its first step; removed its key {key}."),
        keys if keys.len() <= 12 => {
            format!("The guide starts again from its first step; removed its keys {}.", keys.join(", "))
        }
        keys => format!(
            "The guide starts again from its first step; removed its {} keys ({}, …).",
            keys.len(),
            keys[..10].join(", ")
        ),
    }
}

impl Reducible for GuideState {
    type Action = GuideAction;

    fn reduce(self: Rc<Self>, action: GuideAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            GuideAction::Loaded { id, result } => match result {
                Ok(view) if view.guide.id == id => {
                    // A new guide (or the same one, fresh): nothing of the
                    // old one's checks applies.
                    if !next.is_for_this_guide(&id) {
                        next = GuideState::default();
                    }
                    next.view = Some(view);
                    next.load_error = None;
                }
                Ok(_) => return self,
                Err(message) => {
                    next = GuideState { load_error: Some(message), ..GuideState::default() };
                }
            },
            GuideAction::Moved(progress) => {
                if !next.is_for_this_guide(&progress.guide_id) {
                    return self;
                }
                next.update_progress(|current| *current = progress);
                next.notice = None;
            }
            GuideAction::MoveFailed(message) => next.notice = Some(message),
            GuideAction::CheckStarted { step, answer } => {
                next.checks.insert(step, CheckStatus::Checking);
                if let Some(answer) = answer {
                    next.answers.insert(step, answer);
                }
            }
            GuideAction::Checked { guide_id, step, result } => {
                if !next.is_for_this_guide(&guide_id) {
                    return self;
                }
                let status = match result {
                    Ok(result) => {
                        if result.passed {
                            next.update_progress(|progress| {
                                if let Err(at) = progress.completed.binary_search(&step) {
                                    progress.completed.insert(at, step);
                                }
                            });
                        }
                        CheckStatus::Done(result)
                    }
                    Err(message) => CheckStatus::Failed(message),
                };
                next.checks.insert(step, status);
            }
            GuideAction::Reset { guide_id, result } => {
                if !next.is_for_this_guide(&guide_id) {
                    return self;
                }
                match result {
                    Ok(report) => {
                        next.notice = Some(reset_notice(&report));
                        next.update_progress(|progress| *progress = report.progress);
                        next.checks.clear();
                        next.answers.clear();
                        next.restart = RestartStatus::Idle;
                    }
                    Err(message) => next.notice = Some(message),
                }
            }
            GuideAction::RestartStarted(persistence) => next.restart = RestartStatus::Restarting(persistence),
            GuideAction::Restarted(result) => {
                next.restart = match result {
                    Ok(report) => RestartStatus::Done(report),
                    Err(message) => RestartStatus::Failed(message),
                }
            }
        }
        Rc::new(next)
    }
}
