//! `{{port}}`-style placeholders: what a guide says about *this* Bolide's
//! Redis (its port, version, the command that started it), filled in by the
//! server when it hands a guide out, so a student reads the port their own
//! script must use, not a made-up one.

use super::{Guide, GuideEnvironment, Quiz, Snippet, Step};

/// Every placeholder a guide may use, with what it stands for.
pub const PLACEHOLDERS: [(&str, &str); 7] = [
    ("host", "the host a student's own script connects to"),
    ("port", "the port a student's own script connects to (Bolide's Redis, or the class gateway)"),
    ("redis_url", "the redis:// URL a student's own script connects with (credentials included in a class)"),
    ("api_url", "Bolide's address as the student's browser reaches it, for curl lines"),
    ("curl_login", "what a curl line needs to act for the student's sandbox (`-u user:pass ` in a class)"),
    ("version", "the running redis-server's version (`7.2.4`)"),
    ("redis_command", "the command line that started the embedded redis-server"),
];

/// The placeholder names used in `text` (`{{name}}`), in order, each with
/// its byte offset; unknown names are returned too, for the parser to refuse.
pub fn placeholders_in(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.push((offset + start, after[..end].trim()));
        let consumed = start + 2 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    found
}

/// `text` with every known placeholder replaced by its value here.
pub fn fill_placeholders(text: &str, environment: &GuideEnvironment) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        match value_of(after[..end].trim(), environment) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn value_of(name: &str, environment: &GuideEnvironment) -> Option<String> {
    Some(match name {
        "host" => environment.redis_host.clone(),
        "port" => environment.redis_port.to_string(),
        "redis_url" => environment.redis_url.clone(),
        "api_url" => environment.api_url.clone(),
        "curl_login" => environment.curl_login.clone(),
        "version" => environment.redis_version.clone().unwrap_or_else(|| "(unknown)".into()),
        "redis_command" => environment
            .redis_command
            .clone()
            .unwrap_or_else(|| "(not started by Bolide: it was given with --redis-url)".into()),
        _ => return None,
    })
}

impl Guide {
    /// The guide as a student reads it here: every text a page shows (titles,
    /// the summary, step bodies, console lines, Python, hints, quiz questions,
    /// choices and their explanations) with its placeholders filled in. Check
    /// arguments are left alone: they are data the server reads, not text.
    pub fn filled(&self, environment: &GuideEnvironment) -> Guide {
        let fill = |text: &str| fill_placeholders(text, environment);
        Guide {
            title: fill(&self.title),
            summary: fill(&self.summary),
            intro_markdown: fill(&self.intro_markdown),
            steps: self
                .steps
                .iter()
                .map(|step| Step {
                    title: fill(&step.title),
                    body_markdown: fill(&step.body_markdown),
                    runnable: step.runnable.iter().map(|s| Snippet { command: fill(&s.command) }).collect(),
                    python: step.python.as_deref().map(fill),
                    hint: step.hint.as_deref().map(fill),
                    quiz: step.quiz.as_ref().map(|quiz| Quiz {
                        question: fill(&quiz.question),
                        choices: quiz
                            .choices
                            .iter()
                            .map(|choice| super::Choice {
                                text: fill(&choice.text),
                                why: fill(&choice.why),
                                ..choice.clone()
                            })
                            .collect(),
                    }),
                    ..step.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment() -> GuideEnvironment {
        GuideEnvironment {
            shared: false,
            embedded: true,
            redis_host: "127.0.0.1".into(),
            redis_port: 7001,
            redis_version: Some("7.0.15".into()),
            redis_command: None,
            restart_available: true,
            redis_url: "redis://127.0.0.1:7001/0".into(),
            api_url: "http://127.0.0.1:8080".into(),
            curl_login: String::new(),
        }
    }

    #[test]
    fn fills_known_names_and_leaves_the_rest() {
        let text = "port={{port}} host={{ host }} v{{version}} {{nope}} {{unclosed";
        assert_eq!(
            fill_placeholders(text, &environment()),
            "port=7001 host=127.0.0.1 v7.0.15 {{nope}} {{unclosed"
        );
        assert_eq!(
            placeholders_in(text).iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            ["port", "host", "version", "nope"]
        );
    }
}
