//! Evaluating a step's [`Check`] on the student's keyspace.
//!
//! Every condition is answered with read-only commands Bolide picks
//! (`TYPE`, `GET`, `HKEYS`, `LRANGE`, `SMISMEMBER`, `SCAN`), on the keys the
//! guide names put inside the learner's keyspace — a guide file cannot make
//! the server run anything else, or look anywhere else. (Jobs are read
//! through the jobs module's own store, as `GET /api/jobs` reads them.)
//!
//! A failed check says what it found and, in a `hint`, what to do about it,
//! worded for someone who just typed a command: "`k2` exists but is a
//! string: you used SET; try HSET".
//!
//! Where the hint would say how to make the value ("Create it with `SET
//! visits 12`"), the step's own hint replaces that part when the guide has
//! one: the author knows how the step gets there (`SET visits 10`, then
//! `INCR` twice), and a generic command beside it would contradict it.

use bolide_shared::cli::quote_arg;
use bolide_shared::guides::{Check, CheckResult, CountTarget, KeyKind, Persistence};
use bolide_shared::jobs::{Analysis, Job, JobStatus};

use super::GuidesState;
use crate::data::store;
use crate::error::AppError;
use crate::jobs;
use crate::redis_conn::Connection;
use crate::sandbox::key_index::owner_keys;
use crate::sandbox::{Owner, Sandbox};

/// Longest value quoted back in a message.
const SHOWN_VALUE_CHARS: usize = 80;
/// Longest list read back for `list_equals` beyond the expected length.
const LIST_SLACK: usize = 20;
/// How many of the learner's newest jobs `job_succeeded` looks at.
const JOBS_LOOKED_AT: usize = 100;

/// The key where the persistence exercise records the learner's last
/// restart (`on`/`off`), in database 15.
pub fn restart_key(owner: &Owner) -> String {
    owner.guides_key("restart")
}

/// Evaluates `check`: every part must hold; the first that does not is
/// the answer.
/// `author_hint` is the step's own hint (see the module doc).
pub async fn evaluate(
    state: &GuidesState,
    sandbox: &Sandbox,
    check: &Check,
    author_hint: Option<&str>,
) -> Result<CheckResult, AppError> {
    let mut probe = Probe {
        state,
        sandbox,
        author_hint,
        data: sandbox.access.data.clone(),
        bookkeeping: sandbox.access.system.clone(),
        system: state.redis(),
    };
    // A step about restarting Redis, where this Bolide cannot restart it
    // (shared mode, or a Redis it did not start), is not applicable: it
    // counts as done, saying so, or the guide could never be completed.
    if check.needs_restart() && !can_restart(state, sandbox) {
        return Ok(pass(NOT_APPLICABLE.to_string()));
    }
    let mut found = Vec::new();
    for part in check.parts() {
        let result = probe.one(part).await?;
        if !result.passed {
            return Ok(result);
        }
        found.push(result.message);
    }
    Ok(pass(found.join(" ")))
}

/// What a restart step's check says where this Bolide cannot restart Redis.
const NOT_APPLICABLE: &str = "Not applicable here: this Bolide does not restart its Redis (it does only in local \
                              mode, with the Redis it started), so this step counts as done. Read it to see what \
                              a restart would do.";

/// Whether the persistence guide's restart buttons work here.
fn can_restart(state: &GuidesState, sandbox: &Sandbox) -> bool {
    !sandbox.shared && state.embedded().is_some()
}

struct Probe<'a> {
    state: &'a GuidesState,
    sandbox: &'a Sandbox,
    /// The step's own hint, which says how to make the value.
    author_hint: Option<&'a str>,
    /// The student's keys (database 0; namespaced by hand, and restricted
    /// to the sandbox by Redis in shared mode).
    data: Connection,
    /// Bolide's bookkeeping about the sandbox (its data indexes, guide
    /// progress), restricted as `data` is.
    bookkeeping: Connection,
    /// Bolide's own system database, for the jobs queue (Bolide's, indexed
    /// by owner; read through the jobs store as `GET /api/jobs` does).
    system: Connection,
}

impl Probe<'_> {
    /// How to make the value: `with_command` (which names the command
    /// that writes it), or, when the step has its own hint, `lead` (what to
    /// know first, if anything) followed by that hint.
    fn how(&self, with_command: String, lead: &str) -> String {
        match self.author_hint {
            Some(author) if lead.is_empty() => author.to_string(),
            Some(author) => format!("{lead} {author}"),
            None => with_command,
        }
    }

    async fn one(&mut self, check: &Check) -> Result<CheckResult, AppError> {
        match check {
            Check::KeyEquals { key, value } => self.key_equals(key, value).await,
            Check::KeyType { key, key_type } => {
                let writer = format!("{} {} …", key_type.writer(), quote(key));
                match self.expect_type(key, *key_type, &writer).await? {
                    Err(failed) => Ok(failed),
                    Ok(()) => Ok(pass(format!("`{key}` is a {}.", key_type.name()))),
                }
            }
            Check::KeyExists { key } => Ok(match self.type_of(key).await? {
                Some(kind) => pass(format!("`{key}` exists (a {kind}).")),
                None => {
                    fail(format!("`{key}` does not exist."), "Run the step's commands, then check again.")
                }
            }),
            Check::KeyAbsent { key } => Ok(match self.type_of(key).await? {
                None => pass(format!("`{key}` does not exist.")),
                Some(kind) => fail(
                    format!("`{key}` still exists (a {kind})."),
                    &format!("`DEL {}` removes it.", quote(key)),
                ),
            }),
            Check::HashHasFields { key, fields } => self.hash_has_fields(key, fields).await,
            Check::HashFieldEquals { key, field, value } => self.hash_field_equals(key, field, value).await,
            Check::ListEquals { key, values } => self.list_equals(key, values).await,
            Check::SetContains { key, members } => self.set_contains(key, members).await,
            Check::JsonHasFields { key, fields } => self.json_has_fields(key, fields).await,
            Check::CountMatches { pattern, key_type, equals } => {
                self.count_matches(pattern, *key_type, *equals).await
            }
            Check::DataVerified => self.data_verified().await,
            Check::JobSucceeded { analysis } => self.job_succeeded(*analysis).await,
            Check::Restarted { persistence } => self.restarted(*persistence).await,
            // `parts()` flattens these away.
            Check::All { .. } => Err(AppError::Internal("nested check not flattened".into())),
        }
    }

    /// `TYPE`, as the student would see it; `None` when the key is absent.
    async fn type_of(&mut self, key: &str) -> Result<Option<String>, AppError> {
        let kind: String =
            redis::cmd("TYPE").arg(self.sandbox.owner.student_key(key)).query_async(&mut self.data).await?;
        Ok((kind != "none").then_some(kind))
    }

    /// `Ok(Ok(()))` when `key` is a `kind`, else the failed result with a
    /// hint built around `writer` (the command that makes one).
    async fn expect_type(
        &mut self,
        key: &str,
        kind: KeyKind,
        writer: &str,
    ) -> Result<Result<(), CheckResult>, AppError> {
        Ok(match self.type_of(key).await? {
            Some(found) if found == kind.name() => Ok(()),
            None => Err(fail(
                format!("`{key}` does not exist yet."),
                &self.how(format!("Create it with `{writer}`."), ""),
            )),
            Some(found) => {
                let used = KeyKind::from_name(&found).map_or("another command", KeyKind::writer);
                Err(fail(
                    format!(
                        "`{key}` exists but is a {found}, not a {}: you used {used}; try {}.",
                        kind.name(),
                        kind.writer()
                    ),
                    &self.how(
                        format!(
                            "Redis does not change a key's type: `DEL {}` first, then `{writer}`.",
                            quote(key)
                        ),
                        &format!("Redis does not change a key's type: `DEL {}` first.", quote(key)),
                    ),
                ))
            }
        })
    }

    async fn key_equals(&mut self, key: &str, value: &str) -> Result<CheckResult, AppError> {
        let writer = format!("SET {} {}", quote(key), quote(value));
        if let Err(failed) = self.expect_type(key, KeyKind::String, &writer).await? {
            return Ok(failed);
        }
        let found: Vec<u8> =
            redis::cmd("GET").arg(self.sandbox.owner.student_key(key)).query_async(&mut self.data).await?;
        Ok(if found == value.as_bytes() {
            pass(format!("`{key}` is `{value}`."))
        } else {
            fail(
                format!("`{key}` is `{}`, not `{value}`.", shown(&found)),
                &self.how(
                    format!("Values are compared exactly (case and spaces too): `{writer}`."),
                    "Values are compared exactly (case and spaces too).",
                ),
            )
        })
    }

    async fn hash_has_fields(&mut self, key: &str, fields: &[String]) -> Result<CheckResult, AppError> {
        let example: Vec<String> = fields.iter().map(|f| format!("{} …", quote(f))).collect();
        let writer = format!("HSET {} {}", quote(key), example.join(" "));
        if let Err(failed) = self.expect_type(key, KeyKind::Hash, &writer).await? {
            return Ok(failed);
        }
        let have: Vec<String> =
            redis::cmd("HKEYS").arg(self.sandbox.owner.student_key(key)).query_async(&mut self.data).await?;
        let missing: Vec<&String> = fields.iter().filter(|f| !have.contains(f)).collect();
        Ok(if missing.is_empty() {
            pass(format!("`{key}` is a hash with fields {}.", list(fields)))
        } else {
            let add: Vec<String> = missing.iter().map(|f| format!("{} …", quote(f))).collect();
            fail(
                format!("`{key}` is a hash, but it has no {} field.", list(&missing)),
                &format!(
                    "Add to it: `HSET {} {}` (field names are case-sensitive).",
                    quote(key),
                    add.join(" ")
                ),
            )
        })
    }

    async fn hash_field_equals(
        &mut self,
        key: &str,
        field: &str,
        value: &str,
    ) -> Result<CheckResult, AppError> {
        let writer = format!("HSET {} {} {}", quote(key), quote(field), quote(value));
        if let Err(failed) = self.expect_type(key, KeyKind::Hash, &writer).await? {
            return Ok(failed);
        }
        let found: Option<Vec<u8>> = redis::cmd("HGET")
            .arg(self.sandbox.owner.student_key(key))
            .arg(field)
            .query_async(&mut self.data)
            .await?;
        Ok(match found {
            Some(found) if found == value.as_bytes() => pass(format!("`{key}`'s `{field}` is `{value}`.")),
            Some(found) => fail(
                format!("`{key}`'s `{field}` is `{}`, not `{value}`.", shown(&found)),
                &self.how(format!("`{writer}`."), ""),
            ),
            None => fail(format!("`{key}` has no `{field}` field."), &self.how(format!("`{writer}`."), "")),
        })
    }

    async fn list_equals(&mut self, key: &str, values: &[String]) -> Result<CheckResult, AppError> {
        let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let writer = format!("RPUSH {} {}", quote(key), quoted.join(" "));
        if let Err(failed) = self.expect_type(key, KeyKind::List, &writer).await? {
            return Ok(failed);
        }
        let last = i64::try_from(values.len() + LIST_SLACK).unwrap_or(i64::MAX);
        let found: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(self.sandbox.owner.student_key(key))
            .arg(0)
            .arg(last)
            .query_async(&mut self.data)
            .await?;
        let matches = found.len() == values.len() && found.iter().zip(values).all(|(f, v)| f == v.as_bytes());
        Ok(if matches {
            pass(format!("`{key}` holds {}.", list(values)))
        } else {
            let shown_items: Vec<String> = found.iter().map(|f| shown(f)).collect();
            fail(
                format!("`{key}` holds {}, not {}.", list(&shown_items), list(values)),
                &self.how(
                    format!("Order matters in a list: `DEL {}` then `{writer}`.", quote(key)),
                    &format!("Order matters in a list: `DEL {}` first.", quote(key)),
                ),
            )
        })
    }

    async fn set_contains(&mut self, key: &str, members: &[String]) -> Result<CheckResult, AppError> {
        let quoted: Vec<String> = members.iter().map(|m| quote(m)).collect();
        let writer = format!("SADD {} {}", quote(key), quoted.join(" "));
        if let Err(failed) = self.expect_type(key, KeyKind::Set, &writer).await? {
            return Ok(failed);
        }
        let present: Vec<bool> = redis::cmd("SMISMEMBER")
            .arg(self.sandbox.owner.student_key(key))
            .arg(members)
            .query_async(&mut self.data)
            .await?;
        let missing: Vec<&String> =
            members.iter().zip(present).filter(|(_, there)| !there).map(|(m, _)| m).collect();
        Ok(if missing.is_empty() {
            pass(format!("`{key}` contains {}.", list(members)))
        } else {
            let add: Vec<String> = missing.iter().map(|m| quote(m)).collect();
            fail(
                format!("`{key}` has no member {}.", list(&missing)),
                &format!("`SADD {} {}`.", quote(key), add.join(" ")),
            )
        })
    }

    async fn json_has_fields(&mut self, key: &str, fields: &[String]) -> Result<CheckResult, AppError> {
        let writer = "r.set(key, json.dumps({...})) in Python, or SET with a JSON text".to_string();
        if let Err(failed) = self.expect_type(key, KeyKind::String, &writer).await? {
            return Ok(failed);
        }
        let found: Vec<u8> =
            redis::cmd("GET").arg(self.sandbox.owner.student_key(key)).query_async(&mut self.data).await?;
        let object =
            match serde_json::from_slice::<serde_json::Value>(&found) {
                Ok(serde_json::Value::Object(object)) => object,
                Ok(_) => {
                    return Ok(fail(
                        format!("`{key}` is JSON, but not an object (`{}`).", shown(&found)),
                        "Store a dict: `json.dumps({\"name\": …})`.",
                    ))
                }
                Err(_) => return Ok(fail(
                    format!("`{key}` is `{}`, which is not JSON.", shown(&found)),
                    "Python's `str(d)` writes single quotes, which JSON does not allow: use `json.dumps(d)`.",
                )),
            };
        let missing: Vec<&String> = fields.iter().filter(|f| !object.contains_key(f.as_str())).collect();
        Ok(if missing.is_empty() {
            pass(format!("`{key}` holds a JSON object with {}.", list(fields)))
        } else {
            fail(
                format!("`{key}` holds a JSON object without {}.", list(&missing)),
                "Add the missing keys to the dict before `json.dumps`.",
            )
        })
    }

    async fn count_matches(
        &mut self,
        pattern: &str,
        key_type: Option<KeyKind>,
        equals: CountTarget,
    ) -> Result<CheckResult, AppError> {
        let keys =
            owner_keys(&mut self.data, &self.sandbox.owner, pattern, key_type.map(KeyKind::name)).await?;
        let found = keys.len() as u64;
        // "There is 1 hash key matching …", "There are 2 hash keys …".
        let there = {
            let (verb, plural) = if found == 1 { ("is", "") } else { ("are", "s") };
            match key_type {
                Some(kind) => {
                    format!("There {verb} {found} {} key{plural} matching `{pattern}`", kind.name())
                }
                None => format!("There {verb} {found} key{plural} matching `{pattern}`"),
            }
        };
        let (expected, source) =
            match equals {
                CountTarget::Exactly(expected) => (expected, String::new()),
                CountTarget::LoadedDataset => {
                    let count: Option<u64> = redis::cmd("HGET")
                        .arg(self.sandbox.owner.key("meta"))
                        .arg("count")
                        .query_async(&mut self.bookkeeping)
                        .await?;
                    match count {
                        Some(count) => (count, " (the number of records in the file you loaded)".to_string()),
                        None => return Ok(fail(
                            format!("{there}, and no file has been loaded through Bolide yet."),
                            "Load the landings with the Data page, `bolide load FILE`, or `POST /api/data`: \
                             Bolide then knows how many records the file has.",
                        )),
                    }
                }
            };
        Ok(if found == expected {
            pass(format!("{there}{source}."))
        } else if found < expected {
            fail(
                format!("{there}; expected {expected}{source}."),
                "Some are missing: load again, or look for keys named differently (`SCAN 0 MATCH … COUNT 1000`).",
            )
        } else {
            fail(
                format!("{there}; expected {expected}{source}."),
                "There are more than expected: leftovers from an earlier attempt? Compare with `KEYS`.",
            )
        })
    }

    async fn data_verified(&mut self) -> Result<CheckResult, AppError> {
        let readers = store::Readers { data: self.data.clone(), system: self.bookkeeping.clone() };
        let report = store::verify(&readers, &self.sandbox.owner).await?;
        let Some(expected) = report.expected else {
            return Ok(fail(
                format!(
                    "No file has been loaded through Bolide ({} `meteorite:*` hashes found).",
                    report.found
                ),
                "Load the landings first (guide \"Exercise 1\"), then verify.",
            ));
        };
        if report.ok {
            return Ok(pass(format!(
                "{} `meteorite:*` hashes for {expected} records in the file, each with its fields.",
                report.found
            )));
        }
        let mut problems = Vec::new();
        if report.found != expected {
            problems.push(format!("{} hashes for {expected} records", report.found));
        }
        if let Some(id) = report.missing_records.first() {
            problems.push(format!("`meteorite:{id}` is missing"));
        }
        if let Some(id) = report.extra_records.first() {
            problems.push(format!("`meteorite:{id}` was not in the file"));
        }
        if let Some((id, fields)) = report.missing_fields.first() {
            problems.push(format!("`meteorite:{id}` lacks {}", list(fields)));
        }
        if let Some((id, fields)) = report.extra_fields.first() {
            problems.push(format!("`meteorite:{id}` has extra {}", list(fields)));
        }
        Ok(fail(
            format!("The data does not match the file: {}.", problems.join("; ")),
            "The Data page's Verify shows every difference; loading the file again replaces the set whole.",
        ))
    }

    /// Looks through the learner's newest jobs, as `GET /api/jobs` lists
    /// them (the jobs module's own store: its key layout stays its own).
    async fn job_succeeded(&mut self, analysis: Option<Analysis>) -> Result<CheckResult, AppError> {
        let jobs = jobs::store::list(&mut self.system, &self.sandbox.owner.owner, 1, JOBS_LOOKED_AT).await?;
        let wanted = |job: &&Job| analysis.is_none_or(|analysis| job.analysis == analysis);
        let what = analysis.map_or("a job".to_string(), |analysis| format!("a `{}` job", analysis.name()));
        let mine: Vec<&Job> = jobs.items.iter().filter(wanted).collect();
        if mine.iter().any(|job| job.status == JobStatus::Succeeded) {
            return Ok(pass(format!("{} succeeded.", capitalized(&what))));
        }
        let submit = format!(
            "Submit one on the Jobs page, or `POST /api/jobs` with {{\"analysis\": \"{}\", \"params\": {{}}}}.",
            analysis.map_or("count_per_class", Analysis::name)
        );
        Ok(match mine.first() {
            None => fail(format!("You have not submitted {what} yet."), &submit),
            Some(job) => match job.status {
                JobStatus::Queued if jobs.workers_alive == 0 => fail(
                    "Your job is queued, and no worker is running to take it.".to_string(),
                    "Start one with `bolide worker` (or restart Bolide without --no-worker).",
                ),
                JobStatus::Queued | JobStatus::Running => fail(
                    format!("Your job is {} ({}% done).", job.status.name(), job.progress),
                    "Wait a moment and check again.",
                ),
                JobStatus::Failed | JobStatus::Cancelled | JobStatus::Succeeded => fail(
                    format!(
                        "Your last job was {}{}.",
                        job.status.name(),
                        job.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                    &submit,
                ),
            },
        })
    }

    async fn restarted(&mut self, persistence: Persistence) -> Result<CheckResult, AppError> {
        if !can_restart(self.state, self.sandbox) {
            return Ok(pass(NOT_APPLICABLE.to_string()));
        }
        let last: Option<String> = redis::cmd("GET")
            .arg(restart_key(&self.sandbox.owner))
            .query_async(&mut self.bookkeeping)
            .await?;
        let wanted = match persistence {
            Persistence::On => "on",
            Persistence::Off => "off",
        };
        let button = match persistence {
            Persistence::On => bolide_shared::pages::RESTART_WITH,
            Persistence::Off => bolide_shared::pages::RESTART_WITHOUT,
        };
        Ok(match last.as_deref() {
            Some(last) if last == wanted => pass(format!("Redis was restarted with persistence {wanted}.")),
            Some(last) => fail(
                format!("Your last restart was with persistence {last}."),
                &format!("Press \"{button}\"."),
            ),
            None => fail("You have not restarted Redis yet.".to_string(), &format!("Press \"{button}\".")),
        })
    }
}

fn pass(message: String) -> CheckResult {
    CheckResult { passed: true, message, hint: None }
}

fn fail(message: String, hint: &str) -> CheckResult {
    CheckResult { passed: false, message, hint: Some(hint.to_string()) }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A name as it would be typed at the console.
fn quote(text: &str) -> String {
    quote_arg(text.as_bytes())
}

/// A value read from Redis, shortened for a message.
fn shown(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if text.chars().count() <= SHOWN_VALUE_CHARS {
        return text.into_owned();
    }
    let cut: String = text.chars().take(SHOWN_VALUE_CHARS).collect();
    format!("{cut}…")
}

/// `a`, `a and b`, `a, b and c` (each in backquotes).
fn list<T: AsRef<str>>(items: &[T]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{}`", item.as_ref())).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(list::<&str>(&[]), "nothing");
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shown(b"short"), "short");
        assert_eq!(shown("é".repeat(100).as_bytes()).chars().count(), SHOWN_VALUE_CHARS + 1);
    }
}
