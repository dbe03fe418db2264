//! `data_quality`: records with missing or suspicious values.
//!
//! Each record is checked for every problem of
//! [`bolide_shared::jobs::QUALITY_PROBLEMS`] (a record may have several),
//! with the same readers as the other analyses, so "no readable year" here
//! is exactly what `per_year` counts as `without_year`. "Future" is judged
//! against the current UTC year at compute time, not a year fixed in the
//! code: NASA's 2101 is in the future today and a 2026 landing will not be
//! for long. For each problem the examples are the records with the
//! smallest ids ([`compare_ids`]), kept in a bounded heap, so they do not
//! depend on `SCAN`'s order and only examples that make the list are copied.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::{SystemTime, UNIX_EPOCH};

use bolide_shared::jobs::{AnalysisResult, DataQuality, QualityIssue, QUALITY_EXAMPLES, QUALITY_PROBLEMS};

use super::record::{compare_ids, Field, RecordView};
use super::Accumulator;

/// The problems, in [`QUALITY_PROBLEMS`]' order (a test checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    MissingMass,
    BadMass,
    ZeroMass,
    MissingCoordinates,
    BadCoordinates,
    ZeroCoordinates,
    MissingYear,
    FutureYear,
}

impl Problem {
    const ALL: [Problem; 8] = [
        Problem::MissingMass,
        Problem::BadMass,
        Problem::ZeroMass,
        Problem::MissingCoordinates,
        Problem::BadCoordinates,
        Problem::ZeroCoordinates,
        Problem::MissingYear,
        Problem::FutureYear,
    ];

    fn code(self) -> &'static str {
        QUALITY_PROBLEMS[self as usize].0
    }
}

#[derive(Debug)]
pub struct DataQualityAccumulator {
    current_year: i32,
    counts: [u64; Problem::ALL.len()],
    /// Per problem, the smallest ids so far (the greatest on top).
    examples: [BinaryHeap<Example>; Problem::ALL.len()],
}

impl DataQualityAccumulator {
    /// Checks records against `current_year` (see [`current_year_utc`]).
    pub fn new(current_year: i32) -> DataQualityAccumulator {
        DataQualityAccumulator {
            current_year,
            counts: [0; Problem::ALL.len()],
            examples: std::array::from_fn(|_| BinaryHeap::new()),
        }
    }

    fn report(&mut self, problem: Problem, record: &RecordView<'_>, value: Option<&[u8]>) {
        let index = problem as usize;
        self.counts[index] += 1;
        let kept = &mut self.examples[index];
        let id = record.id();
        if kept.len() >= QUALITY_EXAMPLES {
            match kept.peek() {
                Some(last) if compare_ids(&id, &last.id) == Ordering::Less => {
                    kept.pop();
                }
                _ => return,
            }
        }
        kept.push(Example {
            id: id.into_owned(),
            name: record.text(Field::Name).map(|name| name.into_owned()),
            value: value.map(|value| String::from_utf8_lossy(value).into_owned()),
        });
    }
}

impl Accumulator for DataQualityAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Name, Field::Mass, Field::Lat, Field::Long, Field::Year]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        match record.raw(Field::Mass) {
            None => self.report(Problem::MissingMass, record, None),
            Some(raw) => match record.mass_g() {
                None => self.report(Problem::BadMass, record, Some(raw)),
                Some(0.0) => self.report(Problem::ZeroMass, record, Some(raw)),
                Some(_) => {}
            },
        }
        match (record.raw(Field::Lat), record.raw(Field::Long)) {
            (Some(lat), Some(long)) => {
                let place = [lat, b", ", long].concat();
                match record.coords() {
                    None => self.report(Problem::BadCoordinates, record, Some(&place)),
                    Some((lat, long)) if lat == 0.0 && long == 0.0 => {
                        self.report(Problem::ZeroCoordinates, record, Some(&place));
                    }
                    Some(_) => {}
                }
            }
            _ => self.report(Problem::MissingCoordinates, record, None),
        }
        match record.year() {
            None => self.report(Problem::MissingYear, record, record.raw(Field::Year)),
            Some(year) if year > self.current_year => {
                self.report(Problem::FutureYear, record, record.raw(Field::Year));
            }
            Some(_) => {}
        }
    }

    fn finish(self) -> AnalysisResult {
        let counts: BTreeMap<String, u64> = Problem::ALL
            .iter()
            .zip(self.counts)
            .map(|(problem, count)| (problem.code().to_string(), count))
            .collect();
        let mut examples = Vec::new();
        for (problem, kept) in Problem::ALL.iter().zip(self.examples) {
            examples.extend(kept.into_sorted_vec().into_iter().map(|example| QualityIssue {
                id: example.id,
                name: example.name,
                problem: problem.code().to_string(),
                value: example.value,
            }));
        }
        AnalysisResult::DataQuality(DataQuality { counts, examples })
    }
}

/// One kept example, ordered by id.
#[derive(Debug)]
struct Example {
    id: String,
    name: Option<String>,
    value: Option<String>,
}

impl Ord for Example {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_ids(&self.id, &other.id)
    }
}

impl PartialOrd for Example {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Example {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Example {}

/// This year in UTC, by the system clock.
pub fn current_year_utc() -> i32 {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    year_of_day(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2))
}

/// The proleptic Gregorian year of day `days` since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn year_of_day(days: i64) -> i32 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March … 11 = February
    let year = year_of_era + era * 400 + i64::from(month_index >= 10);
    i32::try_from(year).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    fn quality(current_year: i32, records: &[RecordView<'_>]) -> DataQuality {
        let mut accumulator = DataQualityAccumulator::new(current_year);
        for record in records {
            accumulator.add(record);
        }
        match accumulator.finish() {
            AnalysisResult::DataQuality(result) => result,
            other => panic!("{other:?}"),
        }
    }

    fn fine<'a>(id: &'a str, extra: &[(Field, &'a str)]) -> RecordView<'a> {
        let mut pairs = vec![
            (Field::Name, "Aachen"),
            (Field::Mass, "21"),
            (Field::Lat, "50.775000"),
            (Field::Long, "6.083330"),
            (Field::Year, "1880"),
        ];
        pairs.retain(|(field, _)| !extra.iter().any(|(f, _)| f == field));
        pairs.extend(extra.iter().filter(|(_, value)| !value.is_empty()).copied());
        view(id, &pairs)
    }

    #[test]
    fn problems_match_the_shared_list() {
        let codes: Vec<&str> = Problem::ALL.iter().map(|p| p.code()).collect();
        let shared: Vec<&str> = QUALITY_PROBLEMS.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, shared);
    }

    #[test]
    fn every_problem_is_found_and_every_code_reported() {
        let result = quality(
            2025,
            &[
                fine("1", &[]),
                fine("2", &[(Field::Mass, "")]),
                fine("3", &[(Field::Mass, "heavy")]),
                fine("4", &[(Field::Mass, "0")]),
                fine("5", &[(Field::Lat, "")]),
                fine("6", &[(Field::Lat, "-1.94617"), (Field::Long, "354.47333")]),
                fine("7", &[(Field::Lat, "0.000000"), (Field::Long, "0.000000")]),
                fine("8", &[(Field::Year, "")]),
                fine("9", &[(Field::Year, "someday")]),
                fine("10", &[(Field::Year, "2101")]),
                fine("11", &[(Field::Year, "2025")]),
                fine("12", &[(Field::Year, "2026-01-01T00:00:00.000"), (Field::Mass, "-0")]),
                view("13", &[]),
            ],
        );
        let counts: Vec<(&str, u64)> = result.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            counts,
            [
                ("bad_coordinates", 1),
                ("bad_mass", 1),
                ("future_year", 2),
                ("missing_coordinates", 2),
                ("missing_mass", 2),
                ("missing_year", 3),
                ("zero_coordinates", 1),
                ("zero_mass", 2),
            ]
        );
        let examples: Vec<(&str, &str, Option<&str>)> =
            result.examples.iter().map(|e| (e.problem.as_str(), e.id.as_str(), e.value.as_deref())).collect();
        assert_eq!(
            examples,
            [
                ("missing_mass", "2", None),
                ("missing_mass", "13", None),
                ("bad_mass", "3", Some("heavy")),
                ("zero_mass", "4", Some("0")),
                ("zero_mass", "12", Some("-0")),
                ("missing_coordinates", "5", None),
                ("missing_coordinates", "13", None),
                ("bad_coordinates", "6", Some("-1.94617, 354.47333")),
                ("zero_coordinates", "7", Some("0.000000, 0.000000")),
                ("missing_year", "8", None),
                ("missing_year", "9", Some("someday")),
                ("missing_year", "13", None),
                ("future_year", "10", Some("2101")),
                ("future_year", "12", Some("2026-01-01T00:00:00.000")),
            ]
        );
        assert_eq!(result.examples[0].name.as_deref(), Some("Aachen"));
    }

    #[test]
    fn examples_are_the_smallest_ids_whatever_the_order() {
        let ids: Vec<String> = (1..=100).rev().map(|id| id.to_string()).collect();
        let records: Vec<RecordView<'_>> = ids.iter().map(|id| fine(id, &[(Field::Mass, "0")])).collect();
        let result = quality(2025, &records);
        assert_eq!(result.counts.get("zero_mass"), Some(&100));
        let kept: Vec<&str> = result.examples.iter().map(|e| e.id.as_str()).collect();
        let expected: Vec<String> = (1..=QUALITY_EXAMPLES).map(|id| id.to_string()).collect();
        assert_eq!(kept, expected);
    }

    #[test]
    fn nothing_wrong_still_lists_every_code() {
        let result = quality(2025, &[fine("1", &[])]);
        assert_eq!(result.counts.len(), QUALITY_PROBLEMS.len());
        assert!(result.counts.values().all(|&count| count == 0));
        assert!(result.examples.is_empty());
    }

    #[test]
    fn years_of_days() {
        for (days, year) in [
            (0, 1970),
            (-1, 1969),
            (364, 1970),
            (365, 1971),
            (11_016, 2000), // 2000-02-29
            (11_322, 2000), // 2000-12-31
            (11_323, 2001), // 2001-01-01
            (20_453, 2025), // 2025-12-31
            (20_454, 2026), // 2026-01-01
            (-719_468, 0),  // 0000-03-01
        ] {
            assert_eq!(year_of_day(days), year, "day {days}");
        }
        assert!(current_year_utc() >= 2025);
    }
}
