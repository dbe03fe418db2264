//! `hemispheres`: the course's second exercise, landings per quarter of
//! the globe.
//!
//! The course's rule, kept exactly: latitude > 0 is northern, anything
//! else (the equator included) southern; longitude > 0 is eastern, anything
//! else (the prime meridian included) western. So NASA's `(0, 0)`
//! placeholders count as southern-western, as in the course's solution,
//! and are also counted on their own (`at_zero_zero`), so the page says how
//! many of the South-West are placeholders; `data_quality` lists them.

use bolide_shared::jobs::{AnalysisResult, Hemispheres};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug)]
pub struct HemispheresAccumulator {
    counts: Hemispheres,
}

impl Default for HemispheresAccumulator {
    fn default() -> Self {
        let counts = Hemispheres {
            northern_eastern: 0,
            northern_western: 0,
            southern_eastern: 0,
            southern_western: 0,
            without_coordinates: 0,
            at_zero_zero: 0,
        };
        HemispheresAccumulator { counts }
    }
}

impl Accumulator for HemispheresAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Lat, Field::Long]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        let counts = &mut self.counts;
        if record.coords() == Some((0.0, 0.0)) {
            counts.at_zero_zero += 1;
        }
        let count = match record.coords() {
            None => &mut counts.without_coordinates,
            Some((lat, long)) => match (lat > 0.0, long > 0.0) {
                (true, true) => &mut counts.northern_eastern,
                (true, false) => &mut counts.northern_western,
                (false, true) => &mut counts.southern_eastern,
                (false, false) => &mut counts.southern_western,
            },
        };
        *count += 1;
    }

    fn finish(self) -> AnalysisResult {
        AnalysisResult::Hemispheres(self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    fn hemispheres(places: &[(&str, &str)]) -> Hemispheres {
        let mut accumulator = HemispheresAccumulator::default();
        for (lat, long) in places {
            accumulator.add(&view("1", &[(Field::Lat, lat), (Field::Long, long)]));
        }
        accumulator.add(&view("1", &[(Field::Lat, "10")]));
        match accumulator.finish() {
            AnalysisResult::Hemispheres(result) => result,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn boundaries_follow_the_course() {
        let result = hemispheres(&[
            ("50.775000", "6.083330"), // NE
            ("0.000001", "-0.000001"), // NW
            ("0", "1"),                // the equator is southern: SE
            ("-90", "180"),            // SE
            ("0.000000", "0.000000"),  // the placeholder: SW
            ("90", "0"),               // the prime meridian is western: NW
            ("-33", "-180"),           // SW
            ("-0", "-0"),              // SW
        ]);
        assert_eq!(result.northern_eastern, 1);
        assert_eq!(result.northern_western, 2);
        assert_eq!(result.southern_eastern, 2);
        assert_eq!(result.southern_western, 3);
        assert_eq!(result.without_coordinates, 1);
        // The placeholder and -0, -0 (which is 0, 0): said apart.
        assert_eq!(result.at_zero_zero, 2);
    }

    #[test]
    fn off_the_map_or_unreadable_places_have_no_coordinates() {
        let result = hemispheres(&[("-1.94617", "354.47333"), ("91", "0"), ("north", "east"), ("", "")]);
        assert_eq!(result.without_coordinates, 5);
        assert_eq!(
            result.northern_eastern
                + result.northern_western
                + result.southern_eastern
                + result.southern_western,
            0
        );
    }
}
