//! [`Quiz`]: a multiple-choice question whose every choice explains itself,
//! and its syntax in a guide file's ```` ```quiz ```` block:
//!
//! ```text
//! question: A bank ledger: a transfer debits one account and credits another.
//! [x] A relational (SQL) database
//! why: Both rows change in one ACID transaction, or neither does.
//! [ ] A key-value store
//! why: Fast, but two keys updated separately can be seen half-done.
//! ```
//!
//! `[x]` marks a correct choice (at least one), `[ ]` a wrong one; each
//! choice is followed by its `why:` line, shown whichever way the student
//! answered: the reasoning is the lesson, not the score.

use serde::{Deserialize, Serialize};

use super::CheckResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    pub question: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
    /// Why this choice is right or wrong.
    pub why: String,
}

impl Quiz {
    /// Parses a quiz block's lines; an error carries the index (in `lines`)
    /// of the offending line.
    pub fn parse(lines: &[&str]) -> Result<Quiz, (usize, String)> {
        let mut question: Option<String> = None;
        let mut choices: Vec<Choice> = Vec::new();
        for (index, raw) in lines.iter().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(text) = line.strip_prefix("question:") {
                if question.is_some() {
                    return Err((index, "a quiz has one `question:` line".into()));
                }
                question = Some(non_empty(text, index, "question")?);
            } else if let Some(text) = line.strip_prefix("[x]").or_else(|| line.strip_prefix("[X]")) {
                choices.push(Choice {
                    text: non_empty(text, index, "choice")?,
                    correct: true,
                    why: String::new(),
                });
            } else if let Some(text) = line.strip_prefix("[ ]") {
                choices.push(Choice {
                    text: non_empty(text, index, "choice")?,
                    correct: false,
                    why: String::new(),
                });
            } else if let Some(text) = line.strip_prefix("why:") {
                let Some(choice) = choices.last_mut() else {
                    return Err((index, "`why:` must follow a `[x]` or `[ ]` choice".into()));
                };
                if !choice.why.is_empty() {
                    return Err((index, "a choice has one `why:` line".into()));
                }
                choice.why = non_empty(text, index, "why")?;
            } else {
                return Err((index, "expected `question:`, `[x] …`, `[ ] …` or `why: …`".into()));
            }
        }
        let last = lines.len().saturating_sub(1);
        let question = question.ok_or((0, "a quiz needs a `question:` line".to_string()))?;
        if choices.len() < 2 {
            return Err((last, "a quiz needs at least two choices".into()));
        }
        if !choices.iter().any(|choice| choice.correct) {
            return Err((last, "a quiz needs at least one correct `[x]` choice".into()));
        }
        if let Some(choice) = choices.iter().find(|choice| choice.why.is_empty()) {
            return Err((last, format!("choice `{}` has no `why:` line", choice.text)));
        }
        Ok(Quiz { question, choices })
    }

    /// Grades an answer (the index of a choice); `None` when there is no
    /// such choice.
    pub fn grade(&self, answer: usize) -> Option<CheckResult> {
        let choice = self.choices.get(answer)?;
        Some(if choice.correct {
            CheckResult { passed: true, message: format!("Right: {}", choice.why), hint: None }
        } else {
            CheckResult {
                passed: false,
                message: format!("Not quite: {}", choice.why),
                hint: Some("Read the reasoning above, then try another choice.".into()),
            }
        })
    }
}

fn non_empty(text: &str, index: usize, what: &str) -> Result<String, (usize, String)> {
    let text = text.trim();
    if text.is_empty() {
        return Err((index, format!("empty {what}")));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_grades() {
        let quiz = Quiz::parse(&["question: Q?", "[x] yes", "why: because", "", "[ ] no", "why: not so"])
            .expect("valid");
        assert_eq!(quiz.choices.len(), 2);
        assert!(quiz.grade(0).expect("valid").passed);
        let wrong = quiz.grade(1).expect("valid");
        assert!(!wrong.passed && wrong.message.contains("not so") && wrong.hint.is_some());
        assert!(quiz.grade(2).is_none());
    }

    #[test]
    fn refuses_incomplete_quizzes_with_the_line() {
        assert_eq!(
            Quiz::parse(&["question: Q?", "[ ] a", "why: w", "[ ] b", "why: w"]).expect_err("refused").0,
            4
        );
        assert_eq!(Quiz::parse(&["question: Q?", "[x] a", "[ ] b", "why: w"]).expect_err("refused").0, 3);
        assert_eq!(Quiz::parse(&["why: w"]).expect_err("refused").0, 0);
        assert_eq!(Quiz::parse(&["question: Q?", "answer a"]).expect_err("refused").0, 1);
    }
}
