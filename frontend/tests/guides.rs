//! The guides' browser-side logic, run in headless Chromium by
//! wasm-bindgen-test: Markdown to safe HTML and to console text, the
//! console's tutorial words, and the guide page's reducer.

use std::rc::Rc;

use bolide_frontend::console::tutorial::{
    default_guide, is_help_topic, parse_word, step_text, target_step, TutorialWord,
};
use bolide_frontend::guides::state::{CheckStatus, GuideAction, GuideState};
use bolide_shared::guides::{
    parse_guide, CheckResult, GuideEnvironment, GuideList, GuideProgress, GuideView, ResetReport,
};
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

const GUIDE: &str = r#"---
id: demo
title: Demo guide
summary: Keys, a quiz, and some reading.
creates: my_key
---

Welcome.

## Keys and values

Redis keeps **keys**; read [the docs](https://redis.io/docs) or <b>this</b>.

```redis
SET my_key my_value
GET my_key
```

```python
r.set('my_key', 'my_value')
```

```check
key_equals my_key my_value
hint: Type the command exactly.
```

## Pick one

```quiz
question: Where does a bank keep its ledger?
[x] A relational database
why: A transfer changes two rows at once, or neither.
[ ] A cache
why: A cache may lose what it holds.
```

## Read on

- one
- two
"#;

fn view(current_step: usize, completed: Vec<usize>) -> GuideView {
    let mut guide = parse_guide("guides/demo.md", GUIDE).expect("the test guide parses");
    // What the server sends as the first step's text (it renders the
    // Markdown; backend/src/guides/markdown.rs tests this very line).
    guide.steps[0].body_text =
        "Redis keeps keys; read the docs (https://redis.io/docs) or <b>this</b>.".into();
    GuideView {
        progress: GuideProgress { guide_id: guide.id.clone(), current_step, completed },
        guide,
        environment: GuideEnvironment {
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
        },
    }
}

// ---- The console's tutorial words ----------------------------------------

#[wasm_bindgen_test]
fn tutorial_words_are_whole_lines_in_any_case() {
    assert_eq!(parse_word("TUTORIAL"), Some(TutorialWord::Resume));
    assert_eq!(parse_word("  tutorial "), Some(TutorialWord::Resume));
    assert_eq!(parse_word("next"), Some(TutorialWord::Next));
    assert_eq!(parse_word("Prev"), Some(TutorialWord::Prev));
    assert_eq!(parse_word("T3"), Some(TutorialWord::Go(3)));
    assert_eq!(parse_word("t12"), Some(TutorialWord::Go(12)));
    assert_eq!(parse_word("T99999999999999999999999"), Some(TutorialWord::Go(usize::MAX)));
    for line in ["NEXT 2", "GET next", "T", "T3a", "TT3", "T 3", "tutorials", "SET T3 x"] {
        assert_eq!(parse_word(line), None, "{line}");
    }
    assert!(is_help_topic(b"Tutorial") && is_help_topic(b"NEXT") && !is_help_topic(b"GET"));
}

#[wasm_bindgen_test]
fn tutorial_words_move_within_the_guide() {
    let progress = |current_step| GuideProgress { guide_id: "demo".into(), current_step, completed: vec![] };
    assert_eq!(target_step(&TutorialWord::Resume, &progress(1), 3), Ok(1));
    assert_eq!(target_step(&TutorialWord::Next, &progress(1), 3), Ok(2));
    assert_eq!(target_step(&TutorialWord::Prev, &progress(1), 3), Ok(0));
    assert_eq!(target_step(&TutorialWord::Go(3), &progress(0), 3), Ok(2));
    assert!(target_step(&TutorialWord::Next, &progress(2), 3)
        .expect_err("no such step")
        .contains("last step"));
    assert!(target_step(&TutorialWord::Prev, &progress(0), 3)
        .expect_err("no such step")
        .contains("first step"));
    assert!(target_step(&TutorialWord::Go(0), &progress(0), 3)
        .expect_err("no such step")
        .contains("T1 to T3"));
    assert_eq!(target_step(&TutorialWord::Open("demo".into()), &progress(2), 3), Ok(2));
    assert_eq!(target_step(&TutorialWord::Answer(1), &progress(1), 3), Ok(1), "the current step's quiz");
    assert!(target_step(&TutorialWord::Go(usize::MAX), &progress(0), 3)
        .expect_err("no such step")
        .contains("T1 to T3"));
}

#[wasm_bindgen_test]
fn a_step_prints_as_text_with_its_commands_and_quiz() {
    let text = step_text(&view(0, vec![]), 0);
    assert!(text.starts_with("Demo guide · step 1 of 3: Keys and values\n"), "{text}");
    assert!(
        text.contains("Redis keeps keys; read the docs (https://redis.io/docs) or <b>this</b>."),
        "{text}"
    );
    assert!(text.contains("Try:\n    SET my_key my_value\n    GET my_key\n"), "{text}");
    assert!(text.contains("shows ✓ once they are right"), "{text}");
    assert!(
        text.ends_with(
            "NEXT: next step · PREV: previous step · T<n>: step n · TUTORIAL: this step again · TUTORIAL \
             <guide>: another guide (this one is demo)"
        ),
        "{text}"
    );

    let done = step_text(&view(0, vec![0]), 0);
    assert!(done.contains("Keys and values  ✓ done"), "{done}");
    assert!(!done.contains("once they are right"), "{done}");

    let quiz = step_text(&view(1, vec![]), 1);
    assert!(
        quiz.contains(
            "Quiz: Where does a bank keep its ledger?\n    1) A relational database\n    2) A cache\n"
        ),
        "{quiz}"
    );
    assert!(quiz.contains("/guides/demo") && quiz.contains("Answer with ANSWER <n>"), "{quiz}");
}

#[wasm_bindgen_test]
fn without_a_remembered_guide_the_words_pick_the_first_unfinished() {
    let summary = |id: &str| bolide_shared::guides::GuideSummary {
        id: id.into(),
        title: id.into(),
        summary: String::new(),
        steps: 2,
    };
    let progress =
        |id: &str, completed: Vec<usize>| GuideProgress { guide_id: id.into(), current_step: 0, completed };
    let mut list = GuideList { guides: vec![summary("a"), summary("b"), summary("c")], progress: vec![] };
    assert_eq!(default_guide(&list).as_deref(), Some("a"));
    list.progress = vec![progress("a", vec![0, 1]), progress("c", vec![0])];
    assert_eq!(default_guide(&list).as_deref(), Some("c"), "a started, unfinished guide first");
    list.progress = vec![progress("a", vec![0, 1])];
    assert_eq!(default_guide(&list).as_deref(), Some("b"));
    list.progress = ["a", "b", "c"].iter().map(|id| progress(id, vec![0, 1])).collect();
    assert_eq!(default_guide(&list).as_deref(), Some("a"), "all finished: the first");
}

// ---- The guide page's state ------------------------------------------------

fn loaded(current_step: usize, completed: Vec<usize>) -> Rc<GuideState> {
    Rc::new(GuideState::default()).reduce(GuideAction::Loaded {
        id: "demo".into(),
        result: Ok(std::rc::Rc::new(view(current_step, completed))),
    })
}

#[wasm_bindgen_test]
fn a_passed_check_marks_the_step_done() {
    let state = loaded(0, vec![]);
    assert_eq!(state.current_step(), 0);
    assert!(!state.is_done(0));
    assert!(state.has_key_check(0));
    assert!(!state.has_key_check(1), "a quiz is not re-checked by console commands");
    assert!(!state.has_key_check(2), "nor is a reading step");

    let state = state.reduce(GuideAction::CheckStarted { step: 0, answer: None });
    assert_eq!(state.checks.get(&0), Some(&CheckStatus::Checking));
    let failed = CheckResult {
        passed: false,
        message: "`my_key` does not exist".into(),
        hint: Some("Run SET".into()),
    };
    let state =
        state.reduce(GuideAction::Checked { guide_id: "demo".into(), step: 0, result: Ok(failed.clone()) });
    assert!(!state.is_done(0));
    assert_eq!(state.checks.get(&0), Some(&CheckStatus::Done(failed)));

    let passed = CheckResult { passed: true, message: "`my_key` is \"my_value\"".into(), hint: None };
    let state = state.reduce(GuideAction::Checked { guide_id: "demo".into(), step: 0, result: Ok(passed) });
    assert!(state.is_done(0));

    // A late answer about another guide changes nothing.
    let stale = CheckResult { passed: true, message: String::new(), hint: None };
    let after =
        state.clone().reduce(GuideAction::Checked { guide_id: "other".into(), step: 2, result: Ok(stale) });
    assert!(!after.is_done(2));
}

#[wasm_bindgen_test]
fn quiz_answers_are_remembered_and_moves_follow_the_server() {
    let state = loaded(1, vec![0]);
    let state = state.reduce(GuideAction::CheckStarted { step: 1, answer: Some(1) });
    assert_eq!(state.answers.get(&1), Some(&1));
    let state = state.reduce(GuideAction::Moved(GuideProgress {
        guide_id: "demo".into(),
        current_step: 2,
        completed: vec![0, 1],
    }));
    assert_eq!(state.current_step(), 2);
    assert!(state.is_done(1));
    let state = state.reduce(GuideAction::Moved(GuideProgress {
        guide_id: "other".into(),
        current_step: 0,
        completed: vec![],
    }));
    assert_eq!(state.current_step(), 2, "progress of another guide is ignored");
}

#[wasm_bindgen_test]
fn a_reset_starts_over_and_says_what_it_removed() {
    let state = loaded(2, vec![0, 1]);
    let state = state.reduce(GuideAction::CheckStarted { step: 1, answer: Some(0) });
    let report = ResetReport {
        progress: GuideProgress { guide_id: "demo".into(), current_step: 0, completed: vec![] },
        removed_keys: vec!["my_key".into()],
    };
    let state = state.reduce(GuideAction::Reset { guide_id: "demo".into(), result: Ok(report) });
    assert_eq!(state.current_step(), 0);
    assert!(!state.is_done(0));
    assert!(state.answers.is_empty() && state.checks.is_empty());
    let notice = state.notice.clone().expect("a notice");
    assert!(notice.contains("my_key"), "{notice}");
}

#[wasm_bindgen_test]
fn loading_another_guide_forgets_the_old_checks_and_a_failure_is_shown() {
    let state = loaded(0, vec![]);
    let state = state.reduce(GuideAction::CheckStarted { step: 0, answer: None });
    let mut other = view(0, vec![]);
    other.guide.id = "other".into();
    other.progress.guide_id = "other".into();
    let state = state.reduce(GuideAction::Loaded { id: "other".into(), result: Ok(std::rc::Rc::new(other)) });
    assert_eq!(state.guide_id(), Some("other"));
    assert!(state.checks.is_empty());
    let state =
        state.reduce(GuideAction::Loaded { id: "gone".into(), result: Err("No guide `gone`".into()) });
    assert!(state.view.is_none());
    assert_eq!(state.load_error.as_deref(), Some("No guide `gone`"));
}
