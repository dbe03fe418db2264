//! A guide's loading shell: the page as its learner's progress makes it,
//! down to the current step's Python.
//!
//! # Why the step too
//!
//! A guide's largest text can be its step's Python (`pre.code-python`:
//! 42,028 px² against the introduction's 39,930 on the first guide)
//! wherever it is in view: at the foot of Lighthouse's 412×823 phone only
//! its top is, but a taller screen, or a page scrolled down, shows all of
//! it. Drawn by the app after the shell, it was then a larger paint, and
//! the page's LCP moved to it (2.4–2.6 s; README, "The browser app's
//! weight", sessions 27 and 28: there the scroll was the console's input
//! taking the focus, now in place). So the shell draws the step as
//! `GuideStep` does (frontend/src/guides/step.rs) as far as its Python:
//! the number, title, text, the persistence exercise's restart buttons,
//! the lines to run and the Python. Its buttons do nothing until the app
//! takes over, which it does as soon as the guide has arrived (the shell
//! is held: `data-hold`). What the step draws after its Python (the check
//! or the quiz), the buttons that move through the guide and the console
//! come with the app, below all of this: they move nothing the shell drew.

use bolide_shared::guides::{GuideEnvironment, GuideView, Step};
use bolide_shared::pages;

use super::{escape, text};

/// A guide's page as `view`'s learner opens it (frontend/src/guides/view.rs
/// once the guide has arrived): its head with their progress and the
/// outline of steps, on the first step the guide's introduction, and the
/// step they are on (`step`).
pub fn guide_content(view: &GuideView) -> String {
    let guide = &view.guide;
    let total = guide.steps.len();
    let current = view.progress.current_step.min(total.saturating_sub(1));
    let done = view.progress.completed.iter().filter(|step| **step < total).count();
    let complete = if total > 0 && done == total { " · ✓ complete" } else { "" };
    let outline: String = guide
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let is_done = view.progress.completed.contains(&index);
            let is_current = index == current;
            let label = escape(&format!("Step {}: {}{}", index + 1, step.title, if is_done { " (done)" } else { "" }));
            format!(
                "<li class=\"guide-outline__step{}{}\"><button type=\"button\" title=\"{label}\" aria-label=\"{label}\"{}>{}</button></li>",
                if is_done { " guide-outline__step--done" } else { "" },
                if is_current { " guide-outline__step--current" } else { "" },
                if is_current { " aria-current=\"step\"" } else { "" },
                if is_done { "✓".to_owned() } else { (index + 1).to_string() },
            )
        })
        .collect();
    // The server's own rendering of the guide's Markdown (guides/markdown.rs):
    // safe HTML, as the app inserts it.
    let intro = if current == 0 && !guide.intro_html.is_empty() {
        format!("<div class=\"guide-markdown guide-intro\">{}</div>", guide.intro_html)
    } else {
        String::new()
    };
    let step = guide.steps.get(current).map_or_else(String::new, |at| {
        step(at, current, total, view.progress.completed.contains(&current), &view.environment)
    });
    format!(
        "<section class=\"guide-page\"><header class=\"guide-head\">{}\
         <p class=\"guide-head__progress muted\">{done} of {total} steps done{complete}</p>\
         <nav class=\"guide-outline\" aria-label=\"Steps\"><ol>{outline}</ol></nav></header>\
         <div class=\"guide-layout\"><div class=\"guide-main\">{intro}{step}</div></div></section>",
        guide_head(&guide.title, &guide.summary),
    )
}

/// A guide's head as everyone sees it (frontend/src/guides/view.rs): the
/// way back to the list, its title and summary.
pub fn guide_head(title: &str, summary: &str) -> String {
    format!(
        "<p class=\"guide-head__back\"><a href=\"/guides\">{}</a></p><h1>{}</h1><p class=\"lead\">{}</p>",
        text(pages::GUIDE_BACK),
        escape(title),
        escape(summary)
    )
}

/// Step `index` of `total` as `GuideStep` draws it before any check
/// (frontend/src/guides/step.rs), as far as its Python.
fn step(step: &Step, index: usize, total: usize, done: bool, environment: &GuideEnvironment) -> String {
    let restart = if step.needs_restart() { restart(environment) } else { String::new() };
    let snippets = if step.runnable.is_empty() {
        String::new()
    } else {
        let lines: String = step
            .runnable
            .iter()
            .map(|snippet| {
                let command = escape(&snippet.command);
                format!(
                    "<li class=\"guide-snippet\"><code class=\"guide-snippet__command\">{command}</code>\
                     <button type=\"button\" class=\"guide-run\" data-command=\"{command}\" title=\"{title}\" \
                     aria-label=\"{run} {command}\">{run}</button></li>",
                    title = escape(pages::STEP_RUN_TITLE),
                    run = escape(pages::STEP_RUN),
                )
            })
            .collect();
        format!(
            "<section class=\"guide-snippets\" aria-label=\"Commands to run\"><h3>{}</h3><ul>{lines}</ul></section>",
            escape(pages::STEP_RUN_HEADING)
        )
    };
    // frontend/src/widgets/copy_button.rs, before a click.
    let python = step.python.as_deref().map_or_else(String::new, |code| {
        format!(
            "<section class=\"code-block guide-python\"><div class=\"code-block__head\"><h3>{}</h3>\
             <button type=\"button\" class=\"copy-button\" title=\"{copy}\" aria-label=\"{copy}\">\
             <span aria-live=\"polite\">{}</span></button></div><pre class=\"code-python\">{}</pre></section>",
            escape(pages::STEP_PYTHON_HEADING),
            escape(pages::COPY),
            escape(code),
            copy = escape(pages::COPY_PYTHON),
        )
    });
    format!(
        "<article class=\"guide-step{}\" data-step=\"{index}\"><p class=\"guide-step__number muted\">Step {} of {total}</p>\
         <h2 class=\"guide-step__title\">{}{}</h2><div class=\"guide-markdown\">{}</div>{restart}{snippets}{python}</article>",
        if done { " guide-step--done" } else { "" },
        index + 1,
        escape(&step.title),
        if done { "<span class=\"guide-step__done\" title=\"Done\"> ✓</span>" } else { "" },
        step.body_html,
    )
}

/// The persistence exercise's restart panel before a restart
/// (frontend/src/guides/restart.rs).
fn restart(environment: &GuideEnvironment) -> String {
    if !environment.restart_available {
        let why = if environment.shared {
            pages::RESTART_UNAVAILABLE_SHARED
        } else {
            pages::RESTART_UNAVAILABLE_EXTERNAL
        };
        return format!(
            "<section class=\"guide-restart guide-restart--unavailable\" aria-label=\"Restart Redis\"><p>{}{}</p></section>",
            text(why),
            text(pages::RESTART_ELSEWHERE)
        );
    }
    format!(
        "<section class=\"guide-restart\" aria-label=\"Restart Redis\"><div class=\"guide-restart__buttons\">\
         <button type=\"button\" class=\"guide-restart__button guide-restart--with\">{}</button>\
         <button type=\"button\" class=\"guide-restart__button guide-restart--without\">{}</button></div></section>",
        escape(pages::RESTART_WITH),
        escape(pages::RESTART_WITHOUT)
    )
}

#[cfg(test)]
mod tests {
    use bolide_shared::guides::{GuideProgress, Snippet};

    use super::*;
    use crate::guides::{catalog, markdown};

    fn environment(restart_available: bool) -> GuideEnvironment {
        GuideEnvironment {
            shared: !restart_available,
            embedded: restart_available,
            redis_host: "127.0.0.1".into(),
            redis_port: 6379,
            redis_version: None,
            redis_command: None,
            restart_available,
            redis_url: "redis://127.0.0.1:6379".into(),
            api_url: "http://127.0.0.1:8080".into(),
            curl_login: String::new(),
        }
    }

    fn view_at(
        guide: &bolide_shared::guides::Guide,
        step: usize,
        environment: GuideEnvironment,
    ) -> GuideView {
        let progress = GuideProgress { guide_id: guide.id.clone(), current_step: step, completed: vec![0] };
        GuideView { guide: markdown::render(guide.filled(&environment)), progress, environment }
    }

    #[test]
    fn every_step_is_drawn_down_to_its_python() {
        for guide in catalog::all().expect("the catalog") {
            for (index, step) in guide.steps.iter().enumerate() {
                let view = view_at(guide, index, environment(true));
                let page = guide_content(&view);
                let at = &view.guide.steps[index];
                assert!(
                    page.contains(&format!(
                        "<article class=\"guide-step{}\" data-step=\"{index}\">",
                        if index == 0 { " guide-step--done" } else { "" }
                    )),
                    "{}: {page}",
                    guide.id
                );
                assert!(page.contains(&at.body_html), "{} step {index}", guide.id);
                assert_eq!(
                    page.matches("class=\"guide-run\"").count(),
                    step.runnable.len(),
                    "{} step {index}",
                    guide.id
                );
                match &at.python {
                    Some(code) => {
                        assert!(page.contains(&format!("<pre class=\"code-python\">{}</pre>", escape(code))))
                    }
                    None => assert!(!page.contains("code-python"), "{} step {index}", guide.id),
                }
                assert_eq!(
                    page.contains("guide-restart__button"),
                    step.needs_restart(),
                    "{} step {index}",
                    guide.id
                );
                assert_eq!(page.contains("guide-intro"), index == 0 && !view.guide.intro_html.is_empty());
            }
        }
    }

    #[test]
    fn a_shared_bolide_says_why_it_cannot_restart() {
        let guide = catalog::all()
            .expect("the catalog")
            .iter()
            .find(|guide| guide.steps.iter().any(Step::needs_restart));
        let guide = guide.expect("the persistence exercise restarts Redis");
        let index = guide.steps.iter().position(Step::needs_restart);
        let page = guide_content(&view_at(guide, index.expect("a step"), environment(false)));
        assert!(page.contains("guide-restart--unavailable"), "{page}");
        assert!(
            page.contains("shared by a whole class") && page.contains("<code>scripts/run</code>"),
            "{page}"
        );
        assert!(!page.contains("guide-restart__button"), "{page}");
    }

    #[test]
    fn a_steps_words_are_escaped() {
        let mut step = catalog::all().expect("the catalog")[0].steps[0].clone();
        step.title = "a <b> & \"c\"".into();
        step.runnable = vec![Snippet { command: "SET k \"<x>\"".into() }];
        step.python = Some("r.set('k', '</pre><script>')".into());
        let page = super::step(&step, 0, 1, false, &environment(true));
        assert!(page.contains("a &lt;b&gt; &amp; &quot;c&quot;"), "{page}");
        assert!(page.contains("data-command=\"SET k &quot;&lt;x&gt;&quot;\""), "{page}");
        assert!(page.contains("&lt;/pre&gt;&lt;script&gt;") && !page.contains("<script>"), "{page}");
    }
}
