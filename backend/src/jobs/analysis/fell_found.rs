//! `fell_found`: landings seen falling vs found later.
//!
//! `Fell` and `Found` are matched exactly, as NASA spells them; any other
//! value a student typed (`fell`, `Unknown`) is kept under its own name in
//! `other` rather than guessed into one of the two.

use std::collections::BTreeMap;

use bolide_shared::jobs::{AnalysisResult, FellFound};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug, Default)]
pub struct FellFoundAccumulator {
    fell: u64,
    found: u64,
    other: BTreeMap<String, u64>,
    without_fall: u64,
}

impl Accumulator for FellFoundAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Fall]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        match record.raw(Field::Fall) {
            Some(b"Fell") => self.fell += 1,
            Some(b"Found") => self.found += 1,
            Some(other) => *self.other.entry(String::from_utf8_lossy(other).into_owned()).or_insert(0) += 1,
            None => self.without_fall += 1,
        }
    }

    fn finish(self) -> AnalysisResult {
        AnalysisResult::FellFound(FellFound {
            fell: self.fell,
            found: self.found,
            other: self.other,
            without_fall: self.without_fall,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    #[test]
    fn fell_and_found_exactly_and_the_rest_by_name() {
        let mut accumulator = FellFoundAccumulator::default();
        for fall in ["Fell", "Found", "Found", "fell", "Unknown", "fell", ""] {
            accumulator.add(&view("1", &[(Field::Fall, fall)]));
        }
        accumulator.add(&view("1", &[]));
        let AnalysisResult::FellFound(result) = accumulator.finish() else { panic!("shape") };
        assert_eq!((result.fell, result.found, result.without_fall), (1, 2, 1));
        let other: Vec<(&str, u64)> = result.other.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(other, [("", 1), ("Unknown", 1), ("fell", 2)]);
    }
}
