//! Lighthouse's accessibility score is 100 on every page, and no page's
//! layout shifts as it loads (CLS below 0.1).
//!
//! The real `bolide serve` serves the app built for the browser tests
//! (`target/e2e-dist`) with a generated data set and a finished job, so the
//! data and jobs pages have rows; the pinned Lighthouse
//! ([`bolide_tests::lighthouse`]) then runs its accessibility category on
//! each page, one Chromium per page, with its defaults (a mobile device).
//! Lighthouse's audits overlap axe-core's (`browser_a11y.rs`) but not
//! wholly: it also weighs what axe calls "best practices" (headings in
//! order, names that match their labels, landmarks). A failure names every
//! audit below 1 on every page, with the elements it found.
//!
//! Lighthouse also reports the page's DOM size; a page that Lighthouse saw
//! before the app rendered (the loading state of `index.html`, about ten
//! elements in its body; the smallest page, home, has about forty) fails
//! too, since its score would say nothing of the app. The same run
//! measures the page's cumulative layout shift (what moved, and how far,
//! while the app started and its data arrived: a size, not a time), which
//! must stay under Lighthouse's "good" 0.1.

use bolide_tests::browser::{guide_with_a_run, serve_app_with_data_and_a_job};
use bolide_tests::lighthouse;

/// Fewer elements than this is `index.html`'s loading state, not a page.
const RENDERED_APP_ELEMENTS: f64 = 25.0;
/// Lighthouse's bound for a "good" cumulative layout shift.
const GOOD_CLS: f64 = 0.1;

#[tokio::test]
async fn every_page_scores_100_for_accessibility_and_keeps_its_layout_in_lighthouse() {
    let (bolide, _data, _job) = serve_app_with_data_and_a_job().await;
    let guide = format!("/guides/{}", guide_with_a_run(&bolide).await);
    let pages = ["/", "/console", "/data", "/jobs", "/guides", guide.as_str(), "/keys"];
    let mut failures = Vec::new();
    for page in pages {
        // Blocking is fine here: nothing else runs on this test's runtime.
        let report =
            lighthouse::run(&bolide.url(page), &["accessibility"], &["dom-size", "cumulative-layout-shift"])
                .unwrap_or_else(|err| panic!("{err}"));
        let elements = report["audits"]["dom-size"]["numericValue"].as_f64().unwrap_or(0.0);
        if elements < RENDERED_APP_ELEMENTS {
            failures.push(format!("{page}: Lighthouse saw {elements} elements, not the rendered app"));
            continue;
        }
        let cls = report["audits"]["cumulative-layout-shift"]["numericValue"].as_f64();
        if !cls.is_some_and(|cls| cls < GOOD_CLS) {
            failures.push(format!("{page}: cumulative layout shift {cls:?}, not under {GOOD_CLS}"));
        }
        let failing = lighthouse::failing_audits(&report, "accessibility");
        let score = lighthouse::score(&report, "accessibility");
        if score != Some(100.0) || !failing.is_empty() {
            failures.push(format!("{page}: accessibility {score:?}\n  {}", failing.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "Lighthouse: accessibility below 100 or layout shifts:\n{}",
        failures.join("\n")
    );
}
