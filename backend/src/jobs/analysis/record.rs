//! One landing as an analysis sees it: the few field values it asked for,
//! borrowed straight from Redis's reply.
//!
//! An analysis never needs a whole record, so the reader fetches only the
//! fields the analysis and the job's filters name ([`Field`]) and hands each
//! accumulator a [`RecordView`] of borrowed bytes: no `Landing`, no `String`
//! per value, nothing allocated per record. The typed accessors parse with
//! the very functions behind [`crate::data::Landing`]'s, so a mass, a year or
//! a place is readable here exactly when the data browser can read it.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::data::{parse_coords, parse_mass_g, parse_year};

/// A landing field an analysis may read (NASA's field names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Class,
    Mass,
    Fall,
    Year,
    Lat,
    Long,
}

impl Field {
    /// How many fields there are (the size of a [`RecordView`]'s table).
    pub const COUNT: usize = 7;

    /// The hash field's name, as NASA's files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Class => "recclass",
            Field::Mass => "mass (g)",
            Field::Fall => "fall",
            Field::Year => "year",
            Field::Lat => "reclat",
            Field::Long => "reclong",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The requested fields of one record, borrowed from the reply. A field
/// the hash lacks (or that was not requested) is `None`.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    id: &'a [u8],
    values: [Option<&'a [u8]>; Field::COUNT],
}

impl<'a> RecordView<'a> {
    /// A record with id `id` (its key without the `meteorite:` prefix) and
    /// no values yet.
    pub fn new(id: &'a [u8]) -> RecordView<'a> {
        RecordView { id, values: [None; Field::COUNT] }
    }

    /// Sets `field`'s value.
    pub fn set(&mut self, field: Field, value: Option<&'a [u8]>) {
        self.values[field.index()] = value;
    }

    /// The record's id, from its key (`meteorite:<id>`), which is what
    /// names a record in Redis whatever its `id` field says.
    pub fn id(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.id)
    }

    /// `field`'s bytes as stored.
    pub fn raw(&self, field: Field) -> Option<&'a [u8]> {
        self.values[field.index()]
    }

    /// `field`'s value as text (invalid UTF-8 shown with `�`).
    pub fn text(&self, field: Field) -> Option<Cow<'a, str>> {
        self.raw(field).map(String::from_utf8_lossy)
    }

    /// `field`'s value when it is valid UTF-8 (anything else is unreadable
    /// as a number or a year).
    fn str(&self, field: Field) -> Option<&'a str> {
        std::str::from_utf8(self.raw(field)?).ok()
    }

    /// `mass (g)` in grams, as [`crate::data::Landing::mass_g`] reads it
    /// (`-0` is read as `0`).
    pub fn mass_g(&self) -> Option<f64> {
        parse_mass_g(self.str(Field::Mass)?).map(|m| m + 0.0)
    }

    /// The year, as [`crate::data::Landing::year`] reads it.
    pub fn year(&self) -> Option<i32> {
        parse_year(self.str(Field::Year)?)
    }

    /// `(reclat, reclong)`, as [`crate::data::Landing::coords`] reads them.
    pub fn coords(&self) -> Option<(f64, f64)> {
        parse_coords(self.str(Field::Lat)?, self.str(Field::Long)?)
    }
}

/// The order of record ids in results ("ties by id", "examples by id"):
/// numeric ids by value (`2` before `10`), then any other ids by their
/// bytes. A total order, so results do not depend on the order Redis's
/// `SCAN` happened to return the keys in.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    fn number(id: &str) -> Option<&str> {
        (!id.is_empty() && id.bytes().all(|c| c.is_ascii_digit())).then(|| id.trim_start_matches('0'))
    }
    match (number(a), number(b)) {
        // Digits without leading zeros: the longer is the larger; the raw
        // text breaks the tie between `7` and `007`.
        (Some(x), Some(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A view of `pairs`, for the accumulators' unit tests.
    pub(crate) fn view<'a>(id: &'a str, pairs: &[(Field, &'a str)]) -> RecordView<'a> {
        let mut record = RecordView::new(id.as_bytes());
        for (field, value) in pairs {
            record.set(*field, Some(value.as_bytes()));
        }
        record
    }

    #[test]
    fn typed_values_parse_like_landing() {
        let record = view(
            "7",
            &[
                (Field::Mass, "78.400000000000006"),
                (Field::Year, "01/01/1880 12:00:00 AM"),
                (Field::Lat, "50.775000"),
                (Field::Long, "6.083330"),
                (Field::Class, "L5"),
            ],
        );
        assert_eq!(record.id(), "7");
        assert_eq!(record.mass_g(), Some(78.4));
        assert_eq!(record.year(), Some(1880));
        assert_eq!(record.coords(), Some((50.775, 6.08333)));
        assert_eq!(record.text(Field::Class).as_deref(), Some("L5"));
        assert_eq!(record.raw(Field::Fall), None);
    }

    #[test]
    fn unreadable_values_are_none() {
        let mut record = view("1", &[(Field::Mass, "-1"), (Field::Year, "soon"), (Field::Lat, "91")]);
        record.set(Field::Long, Some(b"0"));
        assert_eq!(record.mass_g(), None);
        assert_eq!(record.year(), None);
        assert_eq!(record.coords(), None);
        record.set(Field::Mass, Some(b"\xff1"));
        assert_eq!(record.mass_g(), None);
        assert_eq!(record.text(Field::Mass).as_deref(), Some("\u{fffd}1"));
        record.set(Field::Mass, Some(b"-0"));
        assert!(record.mass_g().is_some_and(|m| m == 0.0 && m.is_sign_positive()));
    }

    #[test]
    fn ids_order_numerically_then_as_text() {
        let mut ids = vec!["10", "b", "2", "", "007", "7", "a", "1"];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(ids, ["1", "2", "007", "7", "10", "", "a", "b"]);
        assert_eq!(compare_ids("99999999999999999999999", "100000000000000000000000"), Ordering::Less);
    }
}
