//! NASA's Meteorite Landings as Bolide loads them, stores them in Redis and
//! serves them.
//!
//! - [`source`] turns an uploaded file into a [`Dataset`], or into one
//!   [`source::LoadError`] that names the record and the problem;
//! - [`generate`] makes realistic synthetic landings (deterministic for a
//!   seed), and writes any dataset back out in each of the three shapes;
//! - [`store`] puts a dataset into Redis atomically and reads pages and
//!   verify reports back; [`api`] serves it as `/api/data` ([`classes`] the
//!   class filter's list), [`command`] as
//!   `bolide load` and `bolide generate`;
//! - [`fetch`] downloads a file from a URL (bounded in size and time) for
//!   both, to go down the same path as an upload;
//! - [`edit`] checks a record edit from the browser before it is written.
//!
//! Whatever stores a [`Dataset`] writes each landing as one Redis hash,
//! [`Landing::key`] = `meteorite:<id>`, whose fields are the file's own field
//! names and values.
//!
//! # Why values stay strings
//!
//! Every value in NASA's files is a string (`"mass (g)": "21"`,
//! `"reclat": "50.775000"`), and a Redis hash field is a string too. Keeping
//! the text exactly as the file has it means that what a student reads back
//! with `HGETALL meteorite:1` is what they see in the file, byte for byte:
//! no `50.775` where the file said `50.775000`, no `21.0` for `21`, and an
//! upload round-trips. The few typed views the browser and the analyses need
//! (mass, year, coordinates) are parsed on demand by [`Landing`]'s accessors,
//! which answer `None` for a value they cannot read instead of failing the
//! load.
//!
//! # Why missing fields stay missing
//!
//! NASA's file has records without mass (131), year (291) or coordinates
//! (7,315). Such a landing simply has no such field — not an empty string, not
//! a made-up zero — so `HEXISTS meteorite:<id> year` tells the truth, and
//! [`Dataset::missing`] counts them per field for the load report.
//!
//! # Why all or nothing
//!
//! A load either takes the whole file or nothing of it: a half-loaded set
//! (the first 20,000 landings, then an error) would look complete in the
//! browser and give wrong answers to every exercise. So [`source::parse`]
//! checks every record before anything is stored, and the first problem is
//! reported with the record's position and id, for the student to fix.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub mod api;
pub mod classes;
pub mod command;
pub mod edit;
pub mod fetch;
pub mod generate;
pub mod source;
pub mod store;

/// The prefix of every landing's Redis key: `meteorite:<id>`.
pub const KEY_PREFIX: &str = "meteorite:";

/// NASA's field names, in the order of NASA's files (the course's sample has a
/// subset of them: `name`, `id`, `recclass`, `mass (g)`, `reclat`, `reclong`,
/// `GeoLocation`).
pub const NASA_FIELDS: [&str; 10] =
    ["name", "id", "nametype", "recclass", "mass (g)", "fall", "year", "reclat", "reclong", "GeoLocation"];

/// One meteorite landing: its fields with their original names and string
/// values, in file order. A field the record lacks is absent (an empty CSV
/// cell counts as absent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Landing {
    pub fields: Vec<(String, String)>,
}

impl Landing {
    pub fn new(fields: Vec<(String, String)>) -> Landing {
        Landing { fields }
    }

    /// A landing from literal pairs, for tests.
    #[cfg(test)]
    pub(crate) fn of_pairs(pairs: &[(&str, &str)]) -> Landing {
        Landing::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// The value of field `name`, as the file has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The `id` (every parsed or generated landing has one; `""` for a
    /// hand-built landing without).
    pub fn id(&self) -> &str {
        self.get("id").unwrap_or("")
    }

    /// The Redis key this landing is stored under: `meteorite:<id>`.
    pub fn key(&self) -> String {
        format!("{KEY_PREFIX}{}", self.id())
    }

    pub fn name(&self) -> Option<&str> {
        self.get("name")
    }

    /// `recclass`, e.g. `L6`, `H5`, `Iron, IIIAB`.
    pub fn class(&self) -> Option<&str> {
        self.get("recclass")
    }

    /// `fall`: `Fell` (seen falling) or `Found`.
    pub fn fall(&self) -> Option<&str> {
        self.get("fall")
    }

    /// `nametype`: `Valid` or `Relict` (a weathered remnant).
    pub fn nametype(&self) -> Option<&str> {
        self.get("nametype")
    }

    /// `mass (g)` as a number of grams: `None` when absent, unreadable,
    /// negative or not finite. NASA writes masses like `21`, `0.5` and, for a
    /// few, `78.400000000000006`.
    pub fn mass_g(&self) -> Option<f64> {
        parse_mass_g(self.get("mass (g)")?)
    }

    /// The year, from whichever format the file uses: `1880` or `0860`
    /// (NASA's JSON and CSV as published), `1880-01-01T00:00:00.000`
    /// (Socrata's JSON API), `01/01/1880 12:00:00 AM` (Socrata's CSV export).
    pub fn year(&self) -> Option<i32> {
        parse_year(self.get("year")?)
    }

    /// `(reclat, reclong)` in degrees, when both are present, readable and on
    /// Earth's map (latitude within ±90, longitude within ±180: NASA's one
    /// landing on Mars, Meridiani Planum at longitude 354.47, has none). NASA
    /// writes `(0, 0)` for an unknown place in about 6,200 records; that is
    /// returned as it is (an analysis may want to skip it).
    pub fn coords(&self) -> Option<(f64, f64)> {
        parse_coords(self.get("reclat")?, self.get("reclong")?)
    }
}

// The parsers behind `Landing`'s accessors, shared with the analyses (which
// read field values straight from Redis replies, without building a
// `Landing`), so both agree on what a readable value is.

/// A `mass (g)` value as [`Landing::mass_g`] reads it.
pub(crate) fn parse_mass_g(s: &str) -> Option<f64> {
    let m: f64 = s.trim().parse().ok()?;
    (m.is_finite() && m >= 0.0).then_some(m)
}

/// `reclat`, `reclong` values as [`Landing::coords`] reads them.
pub(crate) fn parse_coords(reclat: &str, reclong: &str) -> Option<(f64, f64)> {
    let lat: f64 = reclat.trim().parse().ok()?;
    let lon: f64 = reclong.trim().parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// The year in `1880`, `0860`, `1880-01-01T00:00:00.000`, `1880-01-01` or
/// `01/01/1880 12:00:00 AM`, as [`Landing::year`] reads it.
pub(crate) fn parse_year(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    let digits = |d: &[u8]| -> Option<i32> {
        if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(d.iter().fold(0, |y, c| y * 10 + i32::from(c - b'0')))
    };
    if b.len() >= 10 && b[2] == b'/' && b[5] == b'/' {
        return digits(&b[6..10]);
    }
    let end = b.iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len());
    if end > 4 || (end < b.len() && !matches!(b[end], b'-' | b'T')) {
        return None;
    }
    digits(&b[..end])
}

/// The container a dataset came in (its landings' fields are whatever the
/// records had: a flat array with the course's seven fields is still
/// [`Shape::NasaJson`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The course's `{"meteorite_landings": [ {...}, ... ]}`.
    CourseJson,
    /// NASA's flat JSON array `[ {...}, ... ]`.
    NasaJson,
    /// NASA's CSV: a header line, then one landing a line.
    NasaCsv,
    /// Made by [`generate::generate`].
    Generated,
}

impl Shape {
    /// For messages: "the course's JSON", "NASA's JSON", ...
    pub fn label(self) -> &'static str {
        match self {
            Shape::CourseJson => "the course's JSON",
            Shape::NasaJson => "NASA's JSON",
            Shape::NasaCsv => "NASA's CSV",
            Shape::Generated => "generated",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What an upload says it is (from its Content-Type); `None` means sniff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// `application/json`, `text/json`, `…+json` → JSON; `text/csv`,
    /// `application/csv`, `text/comma-separated-values` → CSV; anything else
    /// (`text/plain`, `application/octet-stream`, none) → `None`: sniff.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" => Some(Format::Json),
            e if e.ends_with("+json") => Some(Format::Json),
            "text/csv" | "application/csv" | "text/comma-separated-values" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// A whole file's landings, and what a load report needs to say about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub landings: Vec<Landing>,
    pub shape: Shape,
    /// Every field name seen, in first-seen order (for a CSV: the header's
    /// columns).
    pub field_names: Vec<String>,
    /// For every name in `field_names`: how many landings lack it (0 for a
    /// complete field).
    pub missing: BTreeMap<String, u64>,
}

impl Dataset {
    /// A dataset of these landings, with `field_names` and `missing` worked
    /// out from them.
    pub fn from_landings(landings: Vec<Landing>, shape: Shape) -> Dataset {
        Dataset::with_declared_fields(landings, shape, Vec::new())
    }

    /// As [`Dataset::from_landings`], with `declared` (a CSV header: unique
    /// names) as the first field names even where no landing has a value.
    pub(crate) fn with_declared_fields(
        landings: Vec<Landing>,
        shape: Shape,
        declared: Vec<String>,
    ) -> Dataset {
        let mut names = declared;
        let mut index: HashMap<String, usize> =
            names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        let mut present: Vec<u64> = vec![0; names.len()];
        for landing in &landings {
            for (pos, (name, _)) in landing.fields.iter().enumerate() {
                // Records nearly always list their fields in the same order:
                // try the same position first, then the index.
                let i = match names.get(pos) {
                    Some(n) if n == name => pos,
                    _ => match index.get(name.as_str()) {
                        Some(&i) => i,
                        None => {
                            names.push(name.clone());
                            index.insert(name.clone(), names.len() - 1);
                            present.push(0);
                            names.len() - 1
                        }
                    },
                };
                present[i] += 1;
            }
        }
        let total = landings.len() as u64;
        let missing =
            names.iter().zip(&present).map(|(n, &p)| (n.clone(), total.saturating_sub(p))).collect();
        Dataset { landings, shape, field_names: names, missing }
    }

    pub fn len(&self) -> usize {
        self.landings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.landings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_read_nasa_values() {
        let l = Landing::of_pairs(&[
            ("name", "Aachen"),
            ("id", "1"),
            ("nametype", "Valid"),
            ("recclass", "L5"),
            ("mass (g)", "21"),
            ("fall", "Fell"),
            ("year", "1880"),
            ("reclat", "50.775000"),
            ("reclong", "6.083330"),
            ("GeoLocation", "(50.775, 6.08333)"),
        ]);
        assert_eq!(l.id(), "1");
        assert_eq!(l.key(), "meteorite:1");
        assert_eq!(l.name(), Some("Aachen"));
        assert_eq!(l.class(), Some("L5"));
        assert_eq!(l.fall(), Some("Fell"));
        assert_eq!(l.nametype(), Some("Valid"));
        assert_eq!(l.mass_g(), Some(21.0));
        assert_eq!(l.year(), Some(1880));
        assert_eq!(l.coords(), Some((50.775, 6.08333)));
        assert_eq!(l.get("GeoLocation"), Some("(50.775, 6.08333)"));
        assert_eq!(l.get("nope"), None);
    }

    #[test]
    fn year_formats() {
        for (s, y) in [
            ("1880", Some(1880)),
            ("0860", Some(860)),
            ("860", Some(860)),
            ("2101", Some(2101)),
            ("1880-01-01T00:00:00.000", Some(1880)),
            ("1880-01-01", Some(1880)),
            ("01/01/1880 12:00:00 AM", Some(1880)),
            (" 1951 ", Some(1951)),
            ("", None),
            ("18800", None),
            ("1880.5", None),
            ("abc", None),
            ("01/01/18x0 12:00:00 AM", None),
            ("-1880", None),
            ("ÿÿ/ÿÿ/ÿÿ", None),
        ] {
            let l = Landing::of_pairs(&[("id", "1"), ("year", s)]);
            assert_eq!(l.year(), y, "{s:?}");
        }
    }

    #[test]
    fn unreadable_values_are_none() {
        let l = Landing::of_pairs(&[("id", "1"), ("mass (g)", "heavy"), ("reclat", "91"), ("reclong", "0")]);
        assert_eq!(l.mass_g(), None);
        assert_eq!(l.coords(), None);
        for m in ["-1", "NaN", "inf", ""] {
            assert_eq!(Landing::of_pairs(&[("mass (g)", m)]).mass_g(), None, "{m}");
        }
        assert_eq!(Landing::of_pairs(&[("mass (g)", "78.400000000000006")]).mass_g(), Some(78.4));
        assert_eq!(
            Landing::of_pairs(&[("reclat", "0.000000"), ("reclong", "-180")]).coords(),
            Some((0.0, -180.0))
        );
        assert_eq!(Landing::of_pairs(&[("reclat", "10")]).coords(), None);
        assert_eq!(Landing::default().id(), "");
    }

    #[test]
    fn content_types() {
        assert_eq!(Format::from_content_type("application/json"), Some(Format::Json));
        assert_eq!(Format::from_content_type("Application/JSON; charset=utf-8"), Some(Format::Json));
        assert_eq!(Format::from_content_type("application/vnd.api+json"), Some(Format::Json));
        assert_eq!(Format::from_content_type("text/csv; charset=utf-8"), Some(Format::Csv));
        assert_eq!(Format::from_content_type("text/plain"), None);
        assert_eq!(Format::from_content_type(""), None);
    }

    #[test]
    fn field_names_and_missing_counts() {
        let ds = Dataset::from_landings(
            vec![
                Landing::of_pairs(&[("name", "A"), ("id", "1"), ("year", "1900")]),
                Landing::of_pairs(&[("id", "2"), ("name", "B")]),
                Landing::of_pairs(&[("name", "C"), ("id", "3"), ("mass (g)", "5")]),
            ],
            Shape::NasaJson,
        );
        assert_eq!(ds.field_names, ["name", "id", "year", "mass (g)"]);
        let missing: Vec<(&str, u64)> = ds.missing.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(missing, [("id", 0), ("mass (g)", 2), ("name", 0), ("year", 2)]);
        assert_eq!(ds.len(), 3);
        assert!(!ds.is_empty());
    }
}
