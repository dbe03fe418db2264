//! The guide file format (documented for instructors in `docs/guides.md`):
//!
//! ````text
//! ---
//! id: redis-basics
//! title: Redis basics
//! summary: Keys, values, and the commands that read and write them.
//! creates: my_key k2 user:*
//! reads: meteorite:*
//! ---
//!
//! Optional introduction (Markdown).
//!
//! ## First step's title
//!
//! Markdown text.
//!
//! ```redis
//! SET my_key my_value
//! ```
//!
//! ```python
//! r.set('my_key', 'my_value')
//! ```
//!
//! ```check
//! key_equals my_key my_value
//! hint: Type the command exactly, including the underscore.
//! ```
//! ````
//!
//! Front matter lines are `key: value` (a value may be wrapped in double
//! quotes, which are dropped). Keys: `id` (lowercase letters, digits, `-`), `title`,
//! `summary` (required); `creates` (keys the guide has the student create,
//! removed by a reset) and `reads` (keys it only looks at), both
//! space-separated names or prefixes ending in `*`. Every key a check
//! names must be declared in one of them, which catches a typo in a check
//! before a student ever meets it.
//!
//! Every error names the file and the line (`guides/03-redis-basics.md:42:
//! unknown check `key_eq``), so a malformed guide fails `cargo test`
//! instead of a student's click.

use std::fmt;

use super::check::Check;
use super::placeholders::{placeholders_in, PLACEHOLDERS};
use super::quiz::Quiz;
use super::{Guide, Snippet, Step};
use crate::cli::split_args;
use crate::commands;

/// What is wrong with a guide file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideError {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for GuideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for GuideError {}

/// Parses the guide file `file` (its name is only for error messages).
pub fn parse_guide(file: &str, text: &str) -> Result<Guide, GuideError> {
    Parser { file, lines: text.lines().collect() }.guide()
}

struct Parser<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
}

/// The front matter, before the steps are known.
#[derive(Default)]
struct FrontMatter {
    id: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    creates: Vec<String>,
    reads: Vec<String>,
}

/// A step being assembled.
struct StepDraft {
    line: usize,
    title: String,
    body: Vec<String>,
    runnable: Vec<Snippet>,
    python: Option<String>,
    check: Option<Check>,
    hint: Option<String>,
    quiz: Option<Quiz>,
}

impl<'a> Parser<'a> {
    fn error(&self, index: usize, message: impl Into<String>) -> GuideError {
        GuideError { file: self.file.to_string(), line: index + 1, message: message.into() }
    }

    fn guide(&self) -> Result<Guide, GuideError> {
        let (front, body_start) = self.front_matter()?;
        let missing = |what: &str| self.error(0, format!("the front matter has no `{what}:`"));
        let id = front.id.clone().ok_or_else(|| missing("id"))?;
        let title = front.title.clone().ok_or_else(|| missing("title"))?;
        let summary = front.summary.clone().ok_or_else(|| missing("summary"))?;

        let mut intro = Vec::new();
        let mut steps: Vec<StepDraft> = Vec::new();
        let mut index = body_start;
        while index < self.lines.len() {
            let line = self.lines[index];
            if let Some(info) = line.strip_prefix("```") {
                let close = self.closing_fence(index)?;
                let block = &self.lines[index + 1..close];
                match steps.last_mut() {
                    Some(step) => self.fenced_block(step, &front, info.trim(), index, block)?,
                    None if is_bolide_block(info.trim()) => {
                        return Err(self
                            .error(index, "a ```redis/python/check/quiz block must be inside a `## ` step"))
                    }
                    None => intro.extend(self.lines[index..=close].iter().map(|l| l.to_string())),
                }
                index = close + 1;
                continue;
            }
            if let Some(heading) = line.strip_prefix("## ") {
                let title = heading.trim();
                if title.is_empty() {
                    return Err(self.error(index, "a step heading needs a title"));
                }
                steps.push(StepDraft {
                    line: index,
                    title: title.to_string(),
                    body: Vec::new(),
                    runnable: Vec::new(),
                    python: None,
                    check: None,
                    hint: None,
                    quiz: None,
                });
            } else {
                self.placeholders(index, line)?;
                match steps.last_mut() {
                    Some(step) => step.body.push(line.to_string()),
                    None => intro.push(line.to_string()),
                }
            }
            index += 1;
        }
        if steps.is_empty() {
            return Err(self.error(
                body_start.min(self.lines.len().saturating_sub(1)),
                "a guide needs at least one `## ` step",
            ));
        }
        for step in &steps {
            if step.hint.is_some() && step.check.is_none() {
                return Err(self.error(step.line, "a `hint:` needs a check to go with"));
            }
        }
        Ok(Guide {
            id,
            title,
            summary,
            intro_markdown: join_trimmed(&intro),
            intro_html: String::new(),
            creates: front.creates,
            steps: steps
                .into_iter()
                .map(|step| Step {
                    title: step.title,
                    body_markdown: join_trimmed(&step.body),
                    body_html: String::new(),
                    body_text: String::new(),
                    runnable: step.runnable,
                    python: step.python,
                    check: step.check,
                    hint: step.hint,
                    quiz: step.quiz,
                })
                .collect(),
        })
    }

    /// The `---` delimited front matter; returns it and the index of the
    /// first line after it.
    fn front_matter(&self) -> Result<(FrontMatter, usize), GuideError> {
        if self.lines.first().map(|line| line.trim_end()) != Some("---") {
            return Err(self.error(0, "a guide starts with a `---` front matter (id, title, summary)"));
        }
        let mut front = FrontMatter::default();
        for (index, line) in self.lines.iter().enumerate().skip(1) {
            let line = line.trim_end();
            if line == "---" {
                return Ok((front, index + 1));
            }
            if line.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(self.error(index, "expected `key: value` in the front matter"));
            };
            // `title: "Exercise 1: …"`, as YAML habits write it, means the text inside.
            let value = value.trim();
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(inner) if key.trim() != "creates" && key.trim() != "reads" => inner.trim(),
                _ => value,
            };
            let slot = match key.trim() {
                "id" => {
                    if value.is_empty()
                        || !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        return Err(self.error(index, "`id` is lowercase letters, digits and `-`"));
                    }
                    &mut front.id
                }
                "title" => &mut front.title,
                "summary" => &mut front.summary,
                "creates" | "reads" => {
                    let names = self.key_list(index, value)?;
                    let list = if key.trim() == "creates" { &mut front.creates } else { &mut front.reads };
                    if !list.is_empty() {
                        return Err(self.error(index, format!("`{}` given twice", key.trim())));
                    }
                    *list = names;
                    continue;
                }
                other => {
                    return Err(self.error(
                        index,
                        format!(
                            "unknown front matter key `{other}` (known: id, title, summary, creates, reads)"
                        ),
                    ))
                }
            };
            if slot.is_some() {
                return Err(self.error(index, format!("`{}` given twice", key.trim())));
            }
            if value.is_empty() {
                return Err(self.error(index, format!("`{}` is empty", key.trim())));
            }
            *slot = Some(value.to_string());
        }
        Err(self.error(0, "the front matter is not closed by a `---` line"))
    }

    /// `creates:`/`reads:` names: exact keys, or prefixes ending in `*`.
    fn key_list(&self, index: usize, value: &str) -> Result<Vec<String>, GuideError> {
        let args = split_args(value).map_err(|_| self.error(index, "unbalanced quotes"))?;
        let mut names = Vec::new();
        for arg in args {
            let name = String::from_utf8(arg).map_err(|_| self.error(index, "a key name is not UTF-8"))?;
            let stem = name.strip_suffix('*').unwrap_or(&name);
            if stem.is_empty() || stem.contains(['*', '?', '[', ']', '\\']) {
                return Err(self.error(
                    index,
                    format!("`{name}`: declare exact key names or prefixes ending in `*` (like `user:*`)"),
                ));
            }
            names.push(name);
        }
        Ok(names)
    }

    /// Index of the line closing the fence opened at `open`.
    fn closing_fence(&self, open: usize) -> Result<usize, GuideError> {
        (open + 1..self.lines.len())
            .find(|&index| self.lines[index].trim_end() == "```")
            .ok_or_else(|| self.error(open, "this ``` block is never closed"))
    }

    fn fenced_block(
        &self,
        step: &mut StepDraft,
        front: &FrontMatter,
        info: &str,
        open: usize,
        block: &[&str],
    ) -> Result<(), GuideError> {
        let first = open + 1;
        match info {
            "redis" => {
                for (offset, line) in block.iter().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    self.snippet(first + offset, line)?;
                    step.runnable.push(Snippet { command: line.to_string() });
                }
                if step.runnable.is_empty() {
                    return Err(self.error(open, "an empty ```redis block"));
                }
            }
            "python" => {
                if step.python.is_some() {
                    return Err(self.error(open, "a step has at most one ```python block"));
                }
                for (offset, line) in block.iter().enumerate() {
                    self.placeholders(first + offset, line)?;
                }
                step.python = Some(block.join("\n"));
            }
            "check" => {
                if step.check.is_some() {
                    return Err(self.error(open, "a step has at most one ```check block"));
                }
                let mut checks = Vec::new();
                for (offset, line) in block.iter().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    if let Some(hint) = line.strip_prefix("hint:") {
                        if step.hint.is_some() || hint.trim().is_empty() {
                            return Err(self.error(first + offset, "one non-empty `hint:` per check"));
                        }
                        step.hint = Some(hint.trim().to_string());
                        continue;
                    }
                    let check =
                        Check::parse_line(line).map_err(|message| self.error(first + offset, message))?;
                    self.declared(first + offset, &check, front)?;
                    checks.push(check);
                }
                let check = match checks.len() {
                    0 => return Err(self.error(open, "a ```check block with no check")),
                    1 => checks.remove(0),
                    _ => Check::All { checks },
                };
                step.check = Some(check);
            }
            "quiz" => {
                if step.quiz.is_some() {
                    return Err(self.error(open, "a step has at most one ```quiz block"));
                }
                let quiz =
                    Quiz::parse(block).map_err(|(offset, message)| self.error(first + offset, message))?;
                step.quiz = Some(quiz);
            }
            _ => {
                step.body.extend(
                    std::iter::once(self.lines[open]).chain(block.iter().copied()).map(str::to_string),
                );
                step.body.push("```".to_string());
            }
        }
        Ok(())
    }

    /// A runnable line must split as redis-cli splits it and name a command
    /// Redis knows.
    fn snippet(&self, index: usize, line: &str) -> Result<(), GuideError> {
        self.placeholders(index, line)?;
        let args = split_args(line)
            .map_err(|_| self.error(index, "this line does not split (unbalanced quotes?)"))?;
        if commands::resolve(&args).is_none() {
            let name = args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
            return Err(self.error(index, format!("`{name}` is not a Redis command")));
        }
        Ok(())
    }

    fn placeholders(&self, index: usize, line: &str) -> Result<(), GuideError> {
        for (_, name) in placeholders_in(line) {
            if !PLACEHOLDERS.iter().any(|(known, _)| *known == name) {
                let known: Vec<&str> = PLACEHOLDERS.iter().map(|(name, _)| *name).collect();
                return Err(self.error(
                    index,
                    format!("unknown placeholder `{{{{{name}}}}}` (known: {})", known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Every key a check names is declared in `creates` or `reads`.
    fn declared(&self, index: usize, check: &Check, front: &FrontMatter) -> Result<(), GuideError> {
        for key in check.keys() {
            let covered =
                front.creates.iter().chain(&front.reads).any(|declared| match declared.strip_suffix('*') {
                    Some(prefix) => key.starts_with(prefix),
                    None => key == declared,
                });
            if !covered {
                return Err(self.error(
                    index,
                    format!("the check names `{key}`, which the front matter declares in neither `creates` nor `reads`"),
                ));
            }
        }
        Ok(())
    }
}

fn is_bolide_block(info: &str) -> bool {
    matches!(info, "redis" | "python" | "check" | "quiz")
}

/// Lines joined, without leading or trailing blank lines, and with the
/// runs of blank lines that taking Bolide's blocks out leaves behind
/// squeezed to one (inside a fenced block, lines stay as written).
fn join_trimmed(lines: &[String]) -> String {
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut fenced = false;
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let blank = line.trim().is_empty();
        if blank && !fenced && kept.last().is_none_or(|last| last.trim().is_empty()) {
            continue;
        }
        kept.push(line);
    }
    kept.join("\n").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guides::{CountTarget, KeyKind};

    const GOOD: &str = "---
id: demo
title: Demo
summary: \"A demo: quoted.\"
creates: my_key k2 user:*
reads: meteorite:*
---

Intro.

## Set a key

Type it:

```redis
SET my_key my_value
GET my_key
```

```python
r.set('my_key', 'my_value')  # port {{port}}
```

```check
key_equals my_key my_value
hint: Mind the underscore.
```

## A hash

```text
not a bolide block
```

```check
key_type k2 hash
hash_has_fields k2 name email
count_matches meteorite:* hash loaded
```

## Which?

```quiz
question: Which?
[x] This
why: Because.
[ ] That
why: Because not.
```
";

    #[test]
    fn parses_a_whole_guide() {
        let guide = parse_guide("demo.md", GOOD).expect("valid");
        assert_eq!(guide.id, "demo");
        assert_eq!(guide.summary, "A demo: quoted.");
        assert_eq!(guide.intro_markdown, "Intro.");
        assert_eq!(guide.creates, ["my_key", "k2", "user:*"]);
        assert_eq!(guide.steps.len(), 3);
        let first = &guide.steps[0];
        assert_eq!(first.title, "Set a key");
        assert_eq!(first.body_markdown, "Type it:");
        assert_eq!(
            join_trimmed(&["", "a", "", "", "b", "```", "", "", "```", "", ""].map(String::from)),
            "a\n\nb\n```\n\n\n```"
        );
        assert_eq!(first.runnable.len(), 2);
        assert_eq!(first.python.as_deref(), Some("r.set('my_key', 'my_value')  # port {{port}}"));
        assert_eq!(first.hint.as_deref(), Some("Mind the underscore."));
        let second = &guide.steps[1];
        assert!(second.body_markdown.contains("```text\nnot a bolide block\n```"));
        assert_eq!(
            second.check.as_ref().expect("valid").parts()[2],
            &Check::CountMatches {
                pattern: "meteorite:*".into(),
                key_type: Some(KeyKind::Hash),
                equals: CountTarget::LoadedDataset
            }
        );
        assert!(guide.steps[2].quiz.is_some());
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            (GOOD.replace("key_equals my_key", "key_eq my_key"), 25, "unknown check `key_eq`"),
            (GOOD.replace("key_type k2 hash", "key_type k3 hash"), 36, "`k3`"),
            (GOOD.replace("GET my_key", "GIT my_key"), 17, "`GIT` is not a Redis command"),
            (GOOD.replace("{{port}}", "{{prot}}"), 21, "unknown placeholder `{{prot}}`"),
            (GOOD.replace("id: demo", "id: Demo"), 2, "`id`"),
            (GOOD.replace("[x] This", "[ ] This"), 48, "correct"),
            (GOOD.replace("title: Demo\n", ""), 1, "no `title:`"),
            (format!("{GOOD}\n## Open\n```redis\nPING\n"), 52, "never closed"),
        ];
        for (text, line, needle) in cases {
            let Err(err) = parse_guide("guides/demo.md", &text) else { panic!("{needle}: parsed") };
            assert!(err.message.contains(needle), "{err}");
            assert_eq!(err.line, line, "{err}");
            assert!(err.to_string().starts_with(&format!("guides/demo.md:{line}: ")), "{err}");
        }
    }
}
