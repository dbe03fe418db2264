//! The job's filters, applied identically before every analysis.
//!
//! `class` and `fall` match the stored value exactly (case and spaces
//! included: `L6` is not `l6`); the year and mass ranges are inclusive and
//! read values the way [`RecordView`] does, so a landing without a readable
//! year (or mass) is left out as soon as a year (or mass) bound is given —
//! it cannot be shown to be inside the range.

use bolide_shared::jobs::JobParams;

use super::record::{Field, RecordView};

/// The filters of one job, ready to test records.
#[derive(Debug, Clone, PartialEq)]
pub struct Filters<'p> {
    class: Option<&'p [u8]>,
    fall: Option<&'p [u8]>,
    year: Option<(i32, i32)>,
    mass: Option<(f64, f64)>,
}

impl<'p> Filters<'p> {
    /// The filters `params` ask for (an open end of a range is unbounded).
    pub fn new(params: &'p JobParams) -> Filters<'p> {
        let year = (params.year_min.is_some() || params.year_max.is_some())
            .then(|| (params.year_min.unwrap_or(i32::MIN), params.year_max.unwrap_or(i32::MAX)));
        let mass = (params.mass_min.is_some() || params.mass_max.is_some()).then(|| {
            (params.mass_min.unwrap_or(f64::NEG_INFINITY), params.mass_max.unwrap_or(f64::INFINITY))
        });
        Filters {
            class: params.class.as_deref().map(str::as_bytes),
            fall: params.fall.as_deref().map(str::as_bytes),
            year,
            mass,
        }
    }

    /// The fields the filters read (to fetch beside the analysis's own).
    pub fn fields(&self) -> Vec<Field> {
        [
            (self.class.is_some(), Field::Class),
            (self.fall.is_some(), Field::Fall),
            (self.year.is_some(), Field::Year),
            (self.mass.is_some(), Field::Mass),
        ]
        .into_iter()
        .filter_map(|(wanted, field)| wanted.then_some(field))
        .collect()
    }

    /// Whether `record` passes every filter.
    pub fn accepts(&self, record: &RecordView<'_>) -> bool {
        if let Some(class) = self.class {
            if record.raw(Field::Class) != Some(class) {
                return false;
            }
        }
        if let Some(fall) = self.fall {
            if record.raw(Field::Fall) != Some(fall) {
                return false;
            }
        }
        if let Some((min, max)) = self.year {
            if !record.year().is_some_and(|year| (min..=max).contains(&year)) {
                return false;
            }
        }
        if let Some((min, max)) = self.mass {
            if !record.mass_g().is_some_and(|mass| (min..=max).contains(&mass)) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;

    #[test]
    fn no_filters_accept_everything_and_read_nothing() {
        let params = JobParams::default();
        let filters = Filters::new(&params);
        assert!(filters.fields().is_empty());
        assert!(filters.accepts(&view("1", &[])));
    }

    #[test]
    fn class_and_fall_match_exactly() {
        let params = JobParams { class: Some("L6".into()), fall: Some("Fell".into()), ..Default::default() };
        let filters = Filters::new(&params);
        assert_eq!(filters.fields(), [Field::Class, Field::Fall]);
        assert!(filters.accepts(&view("1", &[(Field::Class, "L6"), (Field::Fall, "Fell")])));
        assert!(!filters.accepts(&view("1", &[(Field::Class, "l6"), (Field::Fall, "Fell")])));
        assert!(!filters.accepts(&view("1", &[(Field::Class, "L6 "), (Field::Fall, "Fell")])));
        assert!(!filters.accepts(&view("1", &[(Field::Class, "L6"), (Field::Fall, "Found")])));
        assert!(!filters.accepts(&view("1", &[(Field::Fall, "Fell")])));
    }

    #[test]
    fn ranges_are_inclusive_and_leave_out_unreadable_values() {
        let params = JobParams { year_min: Some(1900), year_max: Some(1950), ..Default::default() };
        let filters = Filters::new(&params);
        assert_eq!(filters.fields(), [Field::Year]);
        for (year, inside) in [("1899", false), ("1900", true), ("1950", true), ("1951", false)] {
            assert_eq!(filters.accepts(&view("1", &[(Field::Year, year)])), inside, "{year}");
        }
        assert!(!filters.accepts(&view("1", &[])));
        assert!(!filters.accepts(&view("1", &[(Field::Year, "someday")])));

        let params = JobParams { mass_min: Some(0.0), ..Default::default() };
        let filters = Filters::new(&params);
        assert_eq!(filters.fields(), [Field::Mass]);
        assert!(filters.accepts(&view("1", &[(Field::Mass, "0")])));
        assert!(filters.accepts(&view("1", &[(Field::Mass, "6e7")])));
        assert!(!filters.accepts(&view("1", &[(Field::Mass, "-5")])));
        assert!(!filters.accepts(&view("1", &[])));

        let params = JobParams { mass_max: Some(10.0), year_max: Some(2000), ..Default::default() };
        let filters = Filters::new(&params);
        assert!(filters.accepts(&view("1", &[(Field::Mass, "10"), (Field::Year, "0860")])));
        assert!(!filters.accepts(&view("1", &[(Field::Mass, "10.5"), (Field::Year, "1990")])));
        assert!(!filters.accepts(&view("1", &[(Field::Mass, "10")])));
    }
}
