//! `per_year`: landings per year and per decade, for two histograms.
//!
//! Years are read as [`crate::data::Landing::year`] reads them (NASA's bare
//! `1880`, Socrata's `1880-01-01T00:00:00.000` and `01/01/1880 12:00:00 AM`),
//! so a dataset loaded from any of NASA's files gives the same histogram.
//! A future year (NASA's file has 2101) is counted where it says: this is a
//! histogram of the data; `data_quality` is where it is flagged.

use std::collections::BTreeMap;

use bolide_shared::jobs::{AnalysisResult, PerYear, YearCount};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug, Default)]
pub struct PerYearAccumulator {
    years: BTreeMap<i32, u64>,
    without_year: u64,
}

impl Accumulator for PerYearAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Year]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        match record.year() {
            Some(year) => *self.years.entry(year).or_insert(0) += 1,
            None => self.without_year += 1,
        }
    }

    fn finish(self) -> AnalysisResult {
        let mut decades: BTreeMap<i32, u64> = BTreeMap::new();
        for (&year, &count) in &self.years {
            *decades.entry(year.div_euclid(10) * 10).or_insert(0) += count;
        }
        let histogram = |counts: BTreeMap<i32, u64>| -> Vec<YearCount> {
            counts.into_iter().map(|(year, count)| YearCount { year, count }).collect()
        };
        AnalysisResult::PerYear(PerYear {
            decades: histogram(decades),
            years: histogram(self.years),
            without_year: self.without_year,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    #[test]
    fn years_and_decades_ascend_and_skip_empty_ones() {
        let mut accumulator = PerYearAccumulator::default();
        for year in
            ["1889", "1880", "01/01/1880 12:00:00 AM", "1880-01-01T00:00:00.000", "0860", "2101", "2009"]
        {
            accumulator.add(&view("1", &[(Field::Year, year)]));
        }
        accumulator.add(&view("1", &[(Field::Year, "18800")]));
        accumulator.add(&view("1", &[]));
        let AnalysisResult::PerYear(result) = accumulator.finish() else { panic!("shape") };
        let pairs = |counts: &[YearCount]| counts.iter().map(|c| (c.year, c.count)).collect::<Vec<_>>();
        assert_eq!(pairs(&result.years), [(860, 1), (1880, 3), (1889, 1), (2009, 1), (2101, 1)]);
        assert_eq!(pairs(&result.decades), [(860, 1), (1880, 4), (2000, 1), (2100, 1)]);
        assert_eq!(result.without_year, 2);
    }
}
