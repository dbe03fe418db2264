//! `top_heaviest`: the `n` heaviest landings, heaviest first.
//!
//! A bounded heap keeps the `n` best seen so far with the worst of them on
//! top, so each record costs one comparison and only a record that makes
//! the list is copied out of the reply. Equal masses are ordered by id
//! ([`compare_ids`]: `2` before `10`), so the list is the same whatever
//! order Redis returned the records in. Every readable mass competes, 0
//! included (a filter `mass_min` leaves zeros out).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use bolide_shared::jobs::{AnalysisResult, HeavyLanding, TopHeaviest};

use super::record::{compare_ids, Field, RecordView};
use super::Accumulator;

#[derive(Debug)]
pub struct TopHeaviestAccumulator {
    n: u32,
    /// The best `n` so far; its top (the greatest) is the worst of them.
    kept: BinaryHeap<Candidate>,
}

impl TopHeaviestAccumulator {
    /// Keeps the `n` heaviest.
    pub fn new(n: u32) -> TopHeaviestAccumulator {
        TopHeaviestAccumulator { n, kept: BinaryHeap::new() }
    }

    fn is_full(&self) -> bool {
        self.kept.len() >= self.n as usize
    }
}

impl Accumulator for TopHeaviestAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Mass, Field::Name, Field::Class, Field::Year, Field::Fall]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        let Some(mass_g) = record.mass_g() else { return };
        if self.n == 0 {
            return;
        }
        let id = record.id();
        if self.is_full() {
            let beats_the_worst = self
                .kept
                .peek()
                .is_some_and(|worst| rank(mass_g, &id, worst.0.mass_g, &worst.0.id) == Ordering::Less);
            if !beats_the_worst {
                return;
            }
            self.kept.pop();
        }
        self.kept.push(Candidate(HeavyLanding {
            id: id.into_owned(),
            name: record.text(Field::Name).map(|name| name.into_owned()),
            recclass: record.text(Field::Class).map(|class| class.into_owned()),
            mass_g,
            year: record.year(),
            fall: record.text(Field::Fall).map(|fall| fall.into_owned()),
        }));
    }

    fn finish(self) -> AnalysisResult {
        // Ascending in rank: heaviest first.
        let landings = self.kept.into_sorted_vec().into_iter().map(|candidate| candidate.0).collect();
        AnalysisResult::TopHeaviest(TopHeaviest { n: self.n, landings })
    }
}

/// Heavier first, then by id: `Less` means `a` comes before `b`.
fn rank(a_mass: f64, a_id: &str, b_mass: f64, b_id: &str) -> Ordering {
    b_mass.total_cmp(&a_mass).then_with(|| compare_ids(a_id, b_id))
}

/// A landing on the list, ordered by [`rank`] (the greatest is the worst).
#[derive(Debug)]
struct Candidate(HeavyLanding);

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        rank(self.0.mass_g, &self.0.id, other.0.mass_g, &other.0.id)
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    fn top(n: u32, records: &[(&str, &str)]) -> Vec<(String, f64)> {
        let mut accumulator = TopHeaviestAccumulator::new(n);
        for (id, mass) in records {
            accumulator.add(&view(id, &[(Field::Mass, mass), (Field::Name, "Hoba"), (Field::Year, "1920")]));
        }
        accumulator.add(&view("no-mass", &[(Field::Name, "Nothing")]));
        let AnalysisResult::TopHeaviest(result) = accumulator.finish() else { panic!("shape") };
        assert_eq!(result.n, n);
        result.landings.into_iter().map(|l| (l.id, l.mass_g)).collect()
    }

    #[test]
    fn heaviest_first_ties_by_id_whatever_the_order() {
        let records = [("10", "5"), ("2", "5"), ("3", "60000000"), ("1", "0"), ("11", "5"), ("4", "bad")];
        let expected = vec![
            ("3".to_string(), 6e7),
            ("2".to_string(), 5.0),
            ("10".to_string(), 5.0),
            ("11".to_string(), 5.0),
        ];
        assert_eq!(top(4, &records), expected);
        let mut reversed = records;
        reversed.reverse();
        assert_eq!(top(4, &reversed), expected);
    }

    #[test]
    fn fewer_landings_than_n_gives_them_all_zero_included() {
        let got = top(10, &[("1", "0"), ("2", "1.5")]);
        assert_eq!(got, [("2".to_string(), 1.5), ("1".to_string(), 0.0)]);
        assert_eq!(top(1, &[("1", "0"), ("2", "1.5"), ("3", "1.5")]), [("2".to_string(), 1.5)]);
    }

    #[test]
    fn the_kept_landings_carry_their_details() {
        let mut accumulator = TopHeaviestAccumulator::new(1);
        accumulator.add(&view(
            "16",
            &[
                (Field::Mass, "60000000"),
                (Field::Name, "Hoba"),
                (Field::Class, "Iron, IVB"),
                (Field::Fall, "Found"),
            ],
        ));
        let AnalysisResult::TopHeaviest(result) = accumulator.finish() else { panic!("shape") };
        assert_eq!(
            result.landings,
            [HeavyLanding {
                id: "16".into(),
                name: Some("Hoba".into()),
                recclass: Some("Iron, IVB".into()),
                mass_g: 6e7,
                year: None,
                fall: Some("Found".into()),
            }]
        );
    }
}
