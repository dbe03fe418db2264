//! The guides compiled into this binary: the files of the repository's
//! `guides/` folder (listed by `build.rs`), parsed once on first use.
//!
//! A malformed file never reaches a student: this module's tests parse
//! every file and fail with its name and line. Should a build skip the
//! tests anyway, the API answers a 500 naming the file and line rather than
//! showing half a guide.

use std::sync::LazyLock;

use bolide_shared::guides::{parse_guide, Guide, GuideError};

use crate::error::AppError;

include!(concat!(env!("OUT_DIR"), "/guide_files.rs"));

/// The guide id that is not a guide: `/api/guides/persistence/restart`.
pub const RESERVED_ID: &str = "persistence";

static CATALOG: LazyLock<Result<Vec<Guide>, GuideError>> = LazyLock::new(load);

fn load() -> Result<Vec<Guide>, GuideError> {
    let mut guides: Vec<Guide> = Vec::with_capacity(GUIDE_FILES.len());
    for (file, text) in GUIDE_FILES {
        let guide = parse_guide(file, text)?;
        let clash = |message: String| GuideError { file: file.to_string(), line: 2, message };
        if guide.id == RESERVED_ID {
            return Err(clash(format!("the id `{RESERVED_ID}` is reserved (it is an API path)")));
        }
        if let Some(other) = guides.iter().position(|g| g.id == guide.id) {
            return Err(clash(format!("the id `{}` is also the id of {}", guide.id, GUIDE_FILES[other].0)));
        }
        guides.push(guide);
    }
    Ok(guides)
}

/// Every guide, in file-name order.
pub fn all() -> Result<&'static [Guide], AppError> {
    match &*CATALOG {
        Ok(guides) => Ok(guides),
        Err(err) => Err(AppError::Internal(format!("a guide file is malformed: {err}"))),
    }
}

/// The guide called `id`, or a 404.
pub fn find(id: &str) -> Result<&'static Guide, AppError> {
    all()?.iter().find(|guide| guide.id == id).ok_or_else(|| {
        AppError::NotFound(format!("There is no guide called `{id}`: the guides page lists every guide."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_shared::guides::{Check, CountTarget};

    #[test]
    fn every_guide_file_parses() {
        assert!(!GUIDE_FILES.is_empty(), "no guide files compiled in");
        if let Err(err) = load() {
            panic!("{err}");
        }
    }

    #[test]
    fn the_course_has_its_ten_guides_in_order() {
        let ids: Vec<&str> = all().expect("guides").iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "why-a-database",
                "sql-vs-nosql",
                "redis-basics",
                "running-redis",
                "redis-from-python",
                "hashes",
                "exercise-1-load",
                "exercise-2-verify",
                "exercise-3-persistence",
                "jobs-pattern",
            ]
        );
    }

    /// What the server promises about every step: something to verify
    /// where the student acts, and hints that name real things.
    #[test]
    fn every_guide_is_checked_and_resettable() {
        for guide in all().expect("guides") {
            assert!(guide.steps.iter().any(|step| step.is_checked()), "{} checks nothing", guide.id);
            for step in &guide.steps {
                if !step.runnable.is_empty() {
                    assert!(
                        step.is_checked(),
                        "{}: step `{}` runs commands but checks nothing",
                        guide.id,
                        step.title
                    );
                }
                for check in step.check.iter().flat_map(Check::parts) {
                    if let Check::CountMatches { equals: CountTarget::Exactly(n), .. } = check {
                        assert!(*n < 1_000_000, "{}: an implausible count", guide.id);
                    }
                }
            }
        }
    }
}
