//! `count_per_class`: the course's third exercise, landings per `recclass`.
//!
//! Classes are counted by their stored bytes in a hash map (NASA's file has
//! 466 classes, so the map stays small and every record costs one lookup),
//! then handed out sorted by name. A class is exactly its stored value: an
//! empty `recclass` is the class `""`, not a missing one (`HEXISTS` says the
//! field is there).

use std::collections::{BTreeMap, HashMap};

use bolide_shared::jobs::{AnalysisResult, CountPerClass};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug, Default)]
pub struct CountPerClassAccumulator {
    counts: HashMap<Vec<u8>, u64>,
    without_class: u64,
}

impl Accumulator for CountPerClassAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Class]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        let Some(class) = record.raw(Field::Class) else {
            self.without_class += 1;
            return;
        };
        match self.counts.get_mut(class) {
            Some(count) => *count += 1,
            None => {
                self.counts.insert(class.to_vec(), 1);
            }
        }
    }

    fn finish(self) -> AnalysisResult {
        let mut counts = BTreeMap::new();
        for (class, count) in self.counts {
            // Two byte strings that are not UTF-8 may show as the same
            // text: their counts add up.
            *counts.entry(String::from_utf8_lossy(&class).into_owned()).or_insert(0) += count;
        }
        AnalysisResult::CountPerClass(CountPerClass { counts, without_class: self.without_class })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;
    use crate::jobs::analysis::record::RecordView;

    #[test]
    fn counts_each_stored_class_exactly() {
        let mut accumulator = CountPerClassAccumulator::default();
        for class in ["L6", "H5", "L6", "Iron, IIIAB", "l6", ""] {
            accumulator.add(&view("1", &[(Field::Class, class)]));
        }
        accumulator.add(&view("2", &[(Field::Name, "no class")]));
        let mut invalid = RecordView::new(b"3");
        invalid.set(Field::Class, Some(b"\xffA"));
        accumulator.add(&invalid);
        invalid.set(Field::Class, Some(b"\xfeA"));
        accumulator.add(&invalid);

        let AnalysisResult::CountPerClass(result) = accumulator.finish() else { panic!("shape") };
        let counts: Vec<(&str, u64)> = result.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(counts, [("", 1), ("H5", 1), ("Iron, IIIAB", 1), ("L6", 2), ("l6", 1), ("\u{fffd}A", 2)]);
        assert_eq!(result.without_class, 1);
    }

    #[test]
    fn nothing_gives_an_empty_map() {
        let AnalysisResult::CountPerClass(result) = CountPerClassAccumulator::default().finish() else {
            panic!("shape")
        };
        assert!(result.counts.is_empty());
        assert_eq!(result.without_class, 0);
    }
}
