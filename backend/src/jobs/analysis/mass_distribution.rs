//! `mass_distribution`: masses in powers-of-ten bins, for a log-scale
//! histogram.
//!
//! A mass `m > 0` falls in bin `e` when `10^e ≤ m < 10^(e+1)`. `e` is first
//! guessed with `log10`, then checked against the very bounds the result
//! reports (`log10` may land one off next to a power of ten: 1000 must be
//! in `[1000, 10000)`, not `[100, 1000)`). Bounds are the correctly rounded
//! `10^e`, as `1e-2` reads in any language. At the very ends of `f64`'s range
//! (masses from `1e308` g, or below `1e-323` g, only ever typed in the
//! console) the upper bound saturates at `f64::MAX` and the lower at 0, so
//! the result stays plain JSON numbers.
//!
//! A mass of 0 has no place on a log scale: it is counted apart.

use std::collections::BTreeMap;

use bolide_shared::jobs::{AnalysisResult, MassBin, MassDistribution};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug, Default)]
pub struct MassDistributionAccumulator {
    /// Exponent `e` → masses in `[10^e, 10^(e+1))`.
    bins: BTreeMap<i32, u64>,
    zero_mass: u64,
    without_mass: u64,
}

impl Accumulator for MassDistributionAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Mass]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        match record.mass_g() {
            None => self.without_mass += 1,
            Some(0.0) => self.zero_mass += 1,
            Some(mass) => *self.bins.entry(decade_of(mass)).or_insert(0) += 1,
        }
    }

    fn finish(self) -> AnalysisResult {
        let bins = match (self.bins.first_key_value(), self.bins.last_key_value()) {
            (Some((&lightest, _)), Some((&heaviest, _))) => (lightest..=heaviest)
                .map(|e| MassBin {
                    lower_g: power_of_ten(e),
                    upper_g: power_of_ten(e + 1).min(f64::MAX),
                    count: self.bins.get(&e).copied().unwrap_or(0),
                })
                .collect(),
            _ => Vec::new(),
        };
        AnalysisResult::MassDistribution(MassDistribution {
            bins,
            zero_mass: self.zero_mass,
            without_mass: self.without_mass,
        })
    }
}

/// The `e` with `10^e ≤ mass < 10^(e+1)`, for a finite `mass > 0`.
fn decade_of(mass: f64) -> i32 {
    // `log10` of a finite positive f64 is within [-324, 309]: the cast is exact.
    let mut e = mass.log10().floor() as i32;
    while power_of_ten(e) > mass {
        e -= 1;
    }
    while power_of_ten(e + 1) <= mass {
        e += 1;
    }
    e
}

/// `10^e`, correctly rounded (0 below `f64`'s range, infinity above it).
fn power_of_ten(e: i32) -> f64 {
    // 10^k for k ≤ 22 is exact in an f64, and so is its product chain; an
    // IEEE division of 1 by it is correctly rounded.
    match e {
        0..=22 => 10f64.powi(e),
        -22..=-1 => 1.0 / 10f64.powi(-e),
        _ => format!("1e{e}").parse().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    fn distribution(masses: &[&str]) -> MassDistribution {
        let mut accumulator = MassDistributionAccumulator::default();
        for mass in masses {
            accumulator.add(&view("1", &[(Field::Mass, mass)]));
        }
        accumulator.add(&view("1", &[]));
        match accumulator.finish() {
            AnalysisResult::MassDistribution(result) => result,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bins_are_contiguous_with_empty_ones_between() {
        let result = distribution(&["0.05", "0.01", "1000", "999.9999", "5e4", "0", "0.000", "heavy"]);
        let bins: Vec<(f64, f64, u64)> =
            result.bins.iter().map(|b| (b.lower_g, b.upper_g, b.count)).collect();
        assert_eq!(
            bins,
            [
                (0.01, 0.1, 2),
                (0.1, 1.0, 0),
                (1.0, 10.0, 0),
                (10.0, 100.0, 0),
                (100.0, 1000.0, 1),
                (1000.0, 10000.0, 1),
                (10000.0, 100000.0, 1),
            ]
        );
        assert_eq!(result.zero_mass, 2);
        assert_eq!(result.without_mass, 2);
    }

    #[test]
    fn every_power_of_ten_opens_its_bin() {
        for e in -30..=30 {
            let power: f64 = format!("1e{e}").parse().unwrap_or(f64::NAN);
            assert_eq!(power_of_ten(e), power, "10^{e}");
            assert_eq!(decade_of(power), e, "10^{e}");
            let below = f64::from_bits(power.to_bits() - 1);
            assert_eq!(decade_of(below), e - 1, "just below 10^{e}");
        }
    }

    #[test]
    fn extreme_masses_keep_finite_bounds() {
        let result = distribution(&["1.5e308", "5e-324"]);
        let first = result.bins.first().copied();
        let last = result.bins.last().copied();
        assert_eq!(first.map(|b| (b.lower_g, b.count)), Some((0.0, 1)));
        assert_eq!(last.map(|b| (b.lower_g, b.upper_g, b.count)), Some((1e308, f64::MAX, 1)));
        assert!(result.bins.iter().all(|b| b.lower_g.is_finite() && b.upper_g.is_finite()));
        assert_eq!(result.bins.len(), 308 + 324 + 1);
    }

    #[test]
    fn no_masses_no_bins() {
        let result = distribution(&["0"]);
        assert!(result.bins.is_empty());
        assert_eq!((result.zero_mass, result.without_mass), (1, 1));
    }
}
