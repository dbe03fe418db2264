//! The Guides page in a real browser, on the real binary and its embedded
//! Redis: the list with progress, then guide 3 ("Redis basics") walked
//! through as a student would — each step's Run buttons type into the
//! console beside it, and each step shows ✓ once the student's keys are
//! right. Also: Check before running shows a hint, a wrong quiz answer
//! shows its reasoning, and the console's tutorial words drive the page.
//!
//! The steps are read from `GET /api/guides/{id}` rather than copied here,
//! so editing the guide's text does not break the test; what it needs of
//! guide 3 is only that its steps can be completed with their own Run
//! buttons (or by answering a quiz), which is the guide's promise.

use std::time::Duration;

use bolide_shared::guides::{GuideList, GuideView};
use bolide_tests::browser::{save_screenshot, serve_app, wait_for};
use bolide_tests::{http, Browser};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

/// Waits (20 s at most) until `css` matches an element with `text` in it.
async fn wait_for_text(client: &Client, css: &str, text: &str) -> Element {
    let mut seen = Vec::new();
    for _ in 0..400 {
        seen.clear();
        for element in client.find_all(Locator::Css(css)).await.unwrap_or_default() {
            let shown = element.text().await.unwrap_or_default();
            if shown.contains(text) {
                return element;
            }
            seen.push(shown);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {css} with {text:?}; saw {seen:?}");
}

/// Waits until no element matches `css`.
async fn wait_for_none(client: &Client, css: &str) {
    for _ in 0..400 {
        if client.find_all(Locator::Css(css)).await.map(|found| found.is_empty()).unwrap_or(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} is still there");
}

/// The output of console entry number `index` (0-based), once it has one.
async fn console_output(client: &Client, index: usize) -> String {
    for _ in 0..400 {
        let entries = client.find_all(Locator::Css(".console-entry")).await.expect("entries");
        if let Some(entry) = entries.get(index) {
            if let Ok(output) = entry.find(Locator::Css("pre.console-output")).await {
                return output.prop("innerText").await.expect("text").unwrap_or_default();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("console entry {index} never got an output");
}

async fn console_entries(client: &Client) -> usize {
    client.find_all(Locator::Css(".console-entry")).await.expect("entries").len()
}

/// Types `line` + Enter in the console and returns its output.
async fn type_line(client: &Client, line: &str) -> String {
    let before = console_entries(client).await;
    let input = wait_for(client, "#console-input").await;
    input.send_keys(line).await.expect("type");
    input.send_keys(&Key::Enter.to_string()).await.expect("enter");
    console_output(client, before).await
}

fn step_css(step: usize, inner: &str) -> String {
    format!(".guide-step[data-step=\"{step}\"] {inner}")
}

#[tokio::test]
async fn guide_three_is_walked_through_with_run_buttons() {
    let (bolide, _data) = serve_app();
    let list: GuideList =
        serde_json::from_value(http::get(&bolide.url("/api/guides")).await.expect("list").json())
            .expect("list");
    let summary = list.guides.get(2).expect("a third guide");
    assert_eq!(summary.title, "Redis basics");
    let view: GuideView = serde_json::from_value(
        http::get(&bolide.url(&format!("/api/guides/{}", summary.id))).await.expect("guide").json(),
    )
    .expect("guide");
    let steps = &view.guide.steps;
    let total = steps.len();

    let browser = Browser::start().await;
    let client = &browser.client;

    // The list: every guide, none started.
    client.goto(&bolide.url("/guides")).await.expect("open guides");
    wait_for(client, ".guide-list .guide-card").await;
    let cards = client.find_all(Locator::Css(".guide-list .guide-card")).await.expect("cards");
    assert_eq!(cards.len(), list.guides.len());
    save_screenshot(client, "guides").await;
    let third = cards[2].text().await.expect("card text");
    assert!(third.contains("Redis basics") && third.contains(&format!("0 / {total} steps")), "{third}");

    // Open guide 3.
    cards[2].find(Locator::Css("a.guide-card__link")).await.expect("link").click().await.expect("open");
    wait_for_text(client, ".guide-head h1", "Redis basics").await;
    wait_for(client, &step_css(0, ".guide-step__title")).await;

    // The console's TUTORIAL prints the step the page shows.
    let printed = type_line(client, "TUTORIAL").await;
    assert!(printed.contains(&format!("step 1 of {total}: {}", steps[0].title)), "{printed}");
    // TUTORIAL <guide> opens another guide by its id; the page stays.
    let printed = type_line(client, "tutorial hashes").await;
    assert!(printed.contains("step 1 of") && printed.contains("/guides/hashes"), "{printed}");
    let printed = type_line(client, "TUTORIAL nosuch").await;
    // In words, as the check texts are: no Markdown marks in the console.
    assert!(
        printed.contains("There is no guide called \"nosuch\"") && printed.contains("hashes"),
        "{printed}"
    );
    assert!(!printed.contains('`'), "{printed}");

    let mut hinted = false;
    let mut answered_wrong = false;
    let mut answered_in_console = false;
    for (index, step) in steps.iter().enumerate() {
        wait_for_text(
            client,
            &step_css(index, ".guide-step__number"),
            &format!("Step {} of {total}", index + 1),
        )
        .await;

        // Once: Check before running anything says what is missing.
        if step.check.is_some() && step.quiz.is_none() && !hinted {
            client
                .find(Locator::Css(&step_css(index, ".guide-check__button")))
                .await
                .expect("check button")
                .click()
                .await
                .expect("check");
            let failed = wait_for(client, &step_css(index, ".guide-check__result--failed")).await;
            let text = failed.text().await.expect("text");
            assert!(text.contains("Not yet") && text.contains("Hint"), "{text}");
            // Keys and commands in the message are code, not Markdown backticks.
            assert!(!text.contains('`'), "raw backticks in {text:?}");
            let code = failed.find_all(Locator::Css("code")).await.expect("code spans");
            assert!(!code.is_empty(), "the message names a key or command as code: {text}");
            hinted = true;
        }

        // Run every snippet; each one appears in the console with its output.
        let buttons =
            client.find_all(Locator::Css(&step_css(index, "button.guide-run"))).await.expect("runs");
        assert_eq!(buttons.len(), step.runnable.len(), "step {index}'s Run buttons");
        for (button, snippet) in buttons.iter().zip(&step.runnable) {
            let before = console_entries(client).await;
            button.click().await.expect("run");
            wait_for_text(client, ".console-entry__command", &snippet.command).await;
            let output = console_output(client, before).await;
            assert!(!output.starts_with("(error)"), "{} answered {output}", snippet.command);
        }

        if let Some(quiz) = &step.quiz {
            let choices = client
                .find_all(Locator::Css(&step_css(index, ".guide-choice__button")))
                .await
                .expect("choices");
            assert_eq!(choices.len(), quiz.choices.len());
            if let (Some(wrong), false) = (quiz.choices.iter().position(|c| !c.correct), answered_wrong) {
                choices[wrong].click().await.expect("answer");
                let result = wait_for(client, &step_css(index, ".guide-quiz__result--failed")).await;
                let text = result.text().await.expect("text");
                assert!(text.contains(&quiz.choices[wrong].why), "{text}");
                answered_wrong = true;
            }
            let right = quiz.choices.iter().position(|c| c.correct).expect("a right choice");
            if !answered_in_console {
                // The first quiz from the console: ANSWER <n> grades it, and
                // the page marks the step done.
                let printed = type_line(client, &format!("ANSWER {}", right + 1)).await;
                assert!(printed.starts_with('✓'), "{printed}");
                wait_for(client, &step_css(index, ".guide-step__done")).await;
                answered_in_console = true;
            } else {
                // The right answer with the keyboard: Enter on the choice. The
                // focus goes to the verdict, not back at the top of the page.
                choices[right].send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("answer");
                wait_for(client, &step_css(index, ".guide-quiz__result--passed")).await;
                let focused = client.active_element().await.expect("focus");
                let class = focused.attr("class").await.expect("class").unwrap_or_default();
                assert!(
                    class.contains("guide-quiz__result--passed"),
                    "focus after answering is on {class:?}"
                );
            }
        } else if step.check.is_some() {
            // The Run buttons' lines are checked as they finish: ✓ appears
            // without pressing Check.
            wait_for(client, &step_css(index, ".guide-check__result--passed")).await;
        }
        if step.is_checked() {
            wait_for(client, &step_css(index, ".guide-step__done")).await;
        }
        if index == 0 {
            save_screenshot(client, "guide-step").await;
        }

        if index + 1 < total {
            if index == 0 {
                // The console's NEXT moves the page too.
                let printed = type_line(client, "next").await;
                assert!(printed.contains(&format!("step 2 of {total}")), "{printed}");
            } else {
                client
                    .find(Locator::Css("button.guide-next"))
                    .await
                    .expect("next")
                    .click()
                    .await
                    .expect("next");
            }
        }
    }
    // Finishing goes back to the list, which shows the guide complete.
    client.find(Locator::Css("button.guide-finish")).await.expect("finish").click().await.expect("finish");
    let card = wait_for_text(client, ".guide-list .guide-card", "Redis basics").await;
    let text = card.text().await.expect("card");
    assert!(text.contains(&format!("{total} / {total} steps")) && text.contains("complete"), "{text}");

    // Back in the guide, every step is ✓ in the outline; a reset (confirmed)
    // starts it over.
    card.find(Locator::Css("a.guide-card__link")).await.expect("link").click().await.expect("open");
    wait_for(client, ".guide-outline").await;
    for _ in 0..200 {
        let done = client.find_all(Locator::Css(".guide-outline__step--done")).await.expect("outline").len();
        if done == total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = client.find_all(Locator::Css(".guide-outline__step--done")).await.expect("outline").len();
    assert_eq!(done, total, "every step done in the outline");
    client.find(Locator::Css("button.guide-reset")).await.expect("reset").click().await.expect("reset");
    wait_for(client, "button.guide-reset-confirm__yes").await.click().await.expect("confirm");
    wait_for_text(client, ".guide-notice", "first step").await;
    wait_for_none(client, ".guide-outline__step--done").await;
    wait_for(client, &step_css(0, ".guide-step__title")).await;

    browser.close().await;
}

/// Clicks the first element matching `css`.
async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
}

/// Runs every snippet of step `step` (on screen) with its Run button, in
/// order.
async fn run_all(client: &Client, step: usize) {
    wait_for(client, &step_css(step, "button.guide-run")).await;
    let buttons = client.find_all(Locator::Css(&step_css(step, "button.guide-run"))).await.expect("runs");
    for button in buttons {
        let before = console_entries(client).await;
        button.click().await.expect("run");
        console_output(client, before).await;
    }
}

#[tokio::test]
async fn the_persistence_exercise_restarts_redis_from_the_page() {
    let (bolide, _data) = serve_app();
    let list: GuideList =
        serde_json::from_value(http::get(&bolide.url("/api/guides")).await.expect("list").json())
            .expect("list");
    let guide =
        list.guides.iter().find(|guide| guide.id == "exercise-3-persistence").expect("the persistence guide");

    let browser = Browser::start().await;
    let client = &browser.client;
    client.goto(&bolide.url(&format!("/guides/{}", guide.id))).await.expect("open guide");

    // Step 1: write the key.
    run_all(client, 0).await;
    wait_for(client, &step_css(0, ".guide-check__result--passed")).await;
    click(client, "button.guide-next").await;

    // Step 2: restart with persistence; the key is still there.
    click(client, &step_css(1, "button.guide-restart--with")).await;
    let report = wait_for(client, &step_css(1, ".guide-restart__report")).await.text().await.expect("report");
    assert!(report.contains("Restarted with persistence"), "{report}");
    assert!(report.contains("1 before, 1 after"), "{report}");
    run_all(client, 1).await;
    wait_for(client, &step_css(1, ".guide-check__result--passed")).await;
    click(client, "button.guide-next").await;

    // Step 3: restart without persistence; the key is gone.
    click(client, &step_css(2, "button.guide-restart--without")).await;
    let report =
        wait_for(client, &step_css(2, ".guide-restart__report--lost")).await.text().await.expect("report");
    assert!(report.contains("Restarted without persistence"), "{report}");
    assert!(report.contains("1 before, 0 after"), "{report}");
    let before = console_entries(client).await;
    click(client, &step_css(2, "button.guide-run")).await;
    assert_eq!(console_output(client, before).await, "(nil)");
    wait_for(client, &step_css(2, ".guide-check__result--passed")).await;
    save_screenshot(client, "guide-persistence").await;

    browser.close().await;
}
