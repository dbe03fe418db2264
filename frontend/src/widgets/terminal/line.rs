//! The input line's editing state as a reducer: the text, the history and
//! where ↑/↓ are in it, a Tab completion in progress. Kept apart from the
//! component so the order of keys is decided in one place.

use std::rc::Rc;

use yew::Reducible;

use super::help_table::complete;
use super::history;

/// A Tab completion in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The line as typed before the first Tab.
    pub original: String,
    pub candidates: Rc<Vec<String>>,
    /// The candidate shown; `None` when the original line is shown again.
    pub index: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputState {
    pub text: String,
    pub history: Rc<Vec<String>>,
    /// Where ↑/↓ are in the history, while walking it.
    pub browsing: Option<usize>,
    /// The line being typed when ↑ was first pressed.
    pub draft: String,
    pub completion: Option<Completion>,
    /// Bumped when the console sets the text (history, completion): the
    /// caret then goes to the end.
    pub moved: u64,
    /// Bumped when the history changes, to store it.
    pub stored: u64,
}

pub enum InputAction {
    Load(Vec<String>),
    Typed(String),
    Up,
    Down,
    /// Tab, with the text currently in the element.
    Complete(String),
    Escape,
    /// Lines sent to run; `rest` stays in the input.
    Submit {
        lines: Vec<String>,
        rest: String,
    },
}

impl Reducible for InputState {
    type Action = InputAction;

    fn reduce(self: Rc<Self>, action: InputAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            InputAction::Load(lines) => next.history = Rc::new(lines),
            InputAction::Typed(text) => {
                next.text = text;
                next.browsing = None;
                next.completion = None;
            }
            InputAction::Up => {
                next.completion = None;
                let len = next.history.len();
                let position = match next.browsing {
                    _ if len == 0 => return self,
                    None => {
                        next.draft = next.text.clone();
                        len - 1
                    }
                    Some(i) => i.saturating_sub(1),
                };
                next.browsing = Some(position);
                next.text = next.history.get(position).cloned().unwrap_or_default();
                next.moved += 1;
            }
            InputAction::Down => {
                next.completion = None;
                match next.browsing {
                    None => return self,
                    Some(i) if i + 1 < next.history.len() => {
                        next.browsing = Some(i + 1);
                        next.text = next.history.get(i + 1).cloned().unwrap_or_default();
                    }
                    Some(_) => {
                        next.browsing = None;
                        next.text = std::mem::take(&mut next.draft);
                    }
                }
                next.moved += 1;
            }
            InputAction::Complete(current) => {
                let continuing = next.completion.as_ref().filter(|_| current == next.text).cloned();
                let completion = match continuing {
                    Some(mut completion) => {
                        completion.index = match completion.index {
                            None => Some(0),
                            Some(i) if i + 1 < completion.candidates.len() => Some(i + 1),
                            Some(_) => None,
                        };
                        completion
                    }
                    None => {
                        let candidates = complete(&current);
                        if candidates.is_empty() {
                            return self;
                        }
                        Completion { original: current, candidates: Rc::new(candidates), index: Some(0) }
                    }
                };
                next.text = match completion.index {
                    Some(i) => completion.candidates.get(i).cloned().unwrap_or_default(),
                    None => completion.original.clone(),
                };
                next.completion = Some(completion);
                next.browsing = None;
                next.moved += 1;
            }
            InputAction::Escape => {
                let Some(completion) = next.completion.take() else { return self };
                next.text = completion.original;
                next.moved += 1;
            }
            InputAction::Submit { lines, rest } => {
                let mut history = (*next.history).clone();
                let mut changed = false;
                for line in &lines {
                    changed |= history::push(&mut history, line);
                }
                if changed {
                    next.history = Rc::new(history);
                    next.stored += 1;
                }
                next.text = rest;
                next.browsing = None;
                next.draft.clear();
                next.completion = None;
                next.moved += 1;
            }
        }
        Rc::new(next)
    }
}
