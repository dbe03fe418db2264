//! `average_mass`: the course's first exercise, the mean mass.
//!
//! Only landings with a readable mass count in the mean (a missing mass is
//! not a zero). The sum is compensated (Neumaier) so the mean does not
//! depend, beyond the last bit, on the order `SCAN` returned the records
//! in; it is kept scaled down by 2^40 so that even absurd masses typed in
//! the console (`1e308`) cannot overflow it to infinity, which JSON cannot
//! carry: the mean stays right and the total saturates at `f64::MAX`.

use bolide_shared::jobs::{AnalysisResult, AverageMass};

use super::record::{Field, RecordView};
use super::Accumulator;

/// 2^40: more landings than a Redis could hold, each at most `f64::MAX`,
/// still sum to a finite number once scaled by its inverse.
const SCALE: f64 = 1_099_511_627_776.0;

#[derive(Debug, Default)]
pub struct AverageMassAccumulator {
    with_mass: u64,
    without_mass: u64,
    scaled_sum: CompensatedSum,
    min: Option<f64>,
    max: Option<f64>,
}

impl Accumulator for AverageMassAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Mass]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        let Some(mass) = record.mass_g() else {
            self.without_mass += 1;
            return;
        };
        self.with_mass += 1;
        self.scaled_sum.add(mass / SCALE);
        self.min = Some(self.min.map_or(mass, |min| min.min(mass)));
        self.max = Some(self.max.map_or(mass, |max| max.max(mass)));
    }

    fn finish(self) -> AnalysisResult {
        let scaled = self.scaled_sum.value();
        AnalysisResult::AverageMass(AverageMass {
            with_mass: self.with_mass,
            without_mass: self.without_mass,
            average_mass_g: (self.with_mass > 0).then(|| scaled / self.with_mass as f64 * SCALE),
            total_mass_g: (scaled * SCALE).min(f64::MAX),
            min_mass_g: self.min,
            max_mass_g: self.max,
        })
    }
}

/// Neumaier's compensated summation: the running sum plus the low-order
/// bits each addition rounded away.
#[derive(Debug, Default, Clone, Copy)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, value: f64) {
        let sum = self.sum + value;
        self.compensation +=
            if self.sum.abs() >= value.abs() { (self.sum - sum) + value } else { (value - sum) + self.sum };
        self.sum = sum;
    }

    fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    fn average(masses: &[Option<&str>]) -> AverageMass {
        let mut accumulator = AverageMassAccumulator::default();
        for mass in masses {
            match mass {
                Some(mass) => accumulator.add(&view("1", &[(Field::Mass, mass)])),
                None => accumulator.add(&view("1", &[])),
            }
        }
        match accumulator.finish() {
            AnalysisResult::AverageMass(result) => result,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_and_unreadable_masses_are_left_out_and_zero_counts() {
        let result = average(&[Some("21"), Some("0"), None, Some("heavy"), Some("-3"), Some("9")]);
        assert_eq!(result.with_mass, 3);
        assert_eq!(result.without_mass, 3);
        assert_eq!(result.average_mass_g, Some(10.0));
        assert_eq!(result.total_mass_g, 30.0);
        assert_eq!(result.min_mass_g, Some(0.0));
        assert_eq!(result.max_mass_g, Some(21.0));
    }

    #[test]
    fn no_mass_at_all_has_no_average() {
        let result = average(&[None, Some("")]);
        assert_eq!((result.with_mass, result.without_mass), (0, 2));
        assert_eq!(result.average_mass_g, None);
        assert_eq!(result.total_mass_g, 0.0);
        assert_eq!((result.min_mass_g, result.max_mass_g), (None, None));
    }

    #[test]
    fn the_sum_is_exact_where_a_naive_one_drifts() {
        // 0.1 added a million times drifts by ~1e-6 naively.
        let mut accumulator = AverageMassAccumulator::default();
        let record = view("1", &[(Field::Mass, "0.1")]);
        for _ in 0..1_000_000 {
            accumulator.add(&record);
        }
        let AnalysisResult::AverageMass(result) = accumulator.finish() else { panic!("shape") };
        assert_eq!(result.total_mass_g, 100_000.0);
        assert_eq!(result.average_mass_g, Some(0.1));
    }

    #[test]
    fn absurd_masses_stay_finite() {
        let result = average(&[Some("1.7e308"), Some("1.7e308")]);
        assert_eq!(result.total_mass_g, f64::MAX);
        assert_eq!(result.average_mass_g, Some(1.7e308));
        assert!(serde_json::to_string(&result).is_ok_and(|json| !json.contains("null")));
    }
}
