//! Reading an uploaded file into a [`Dataset`]: the course's JSON, NASA's
//! JSON array or NASA's CSV, checked whole before anything is stored.
//!
//! [`parse`] takes the bytes and an optional [`Format`] (from the upload's
//! Content-Type, and then trusted; `None` sniffs: a first non-blank `{` or `[`
//! is JSON, anything else CSV). A UTF-8 byte-order mark is skipped. The
//! answer is the whole dataset or the first problem in file order, as a
//! [`LoadError`] whose message names the record (its 1-based position in the
//! array, or its row after the CSV header — on line N+1 unless a quoted value
//! spans lines — and its id when it has one) and what is wrong, in words a
//! student can act on.
//!
//! [`parse_in_batches`] is the same parse, with the same answer, that also
//! hands the checked landings to a sink in batches as it goes: a load sends
//! them to Redis while the rest of the file is still being read, and throws
//! them away (its transaction is discarded) if the file turns out bad.
//!
//! # What is accepted
//!
//! - **Values.** Strings, kept exactly as written. A JSON number, `true` or
//!   `false` is accepted as its JSON text (`21` → `"21"`; a non-integer as its
//!   shortest form, so `21.50` → `"21.5"`): a student who exported numbers
//!   from a spreadsheet meant the same thing, and Redis stores text anyway.
//!   A JSON `null`, like an empty CSV cell, is a missing field. A nested array
//!   or object is refused ([`LoadError::NonStringValue`]): it has no faithful
//!   place in a flat Redis hash, and flattening it silently would load
//!   something other than the file.
//! - **Ids.** Every record needs a non-empty `id` of at most
//!   [`MAX_ID_BYTES`] bytes with no whitespace or control characters, unique
//!   in the file: it becomes the key `meteorite:<id>`, which a student types
//!   in the console.
//! - **Fields.** At most [`MAX_FIELDS`] a record, named by non-empty names of
//!   at most [`MAX_FIELD_NAME_BYTES`] bytes, each at most once a record, with
//!   values of at most [`MAX_VALUE_BYTES`] bytes. A course object's keys other
//!   than `meteorite_landings` are ignored.
//! - **Size.** At most [`MAX_FILE_BYTES`] (32 MiB): NASA's full JSON is 9.6 MB.
//!   Loaded, a landing takes about a kilobyte whatever its text (each field
//!   is a pair of Strings), so a file is also refused once its landings would
//!   take more than [`MAX_LOADED_BYTES`] (512 MiB), as estimated while
//!   reading: that admits any NASA-shaped file up to 32 MiB in any shape, and
//!   caps a hostile file of tiny cells at about 0.6 GB of peak memory instead
//!   of 1.8 GB.
//! - **An empty list is refused** ([`LoadError::NoRecords`]): an empty upload
//!   is nearly always the wrong file, and a load that replaces the data set
//!   with nothing would silently wipe it; removing the data set is its own,
//!   explicit action.
//!
//! # Speed
//!
//! JSON is read in one pass by a hand-written serde visitor straight into
//! each landing's `(name, value)` list, which keeps file order and builds no
//! intermediate `serde_json::Value`; deeply nested values are skipped by
//! serde_json without recursion. In a release build NASA's 45,716 landings
//! parse in about 40 ms from the JSON and 25 ms from the CSV with mimalloc
//! (the server's allocator), 55 and 65 ms with the system allocator; the
//! time is mostly the two allocations per field.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Dataset, Format, Landing, Shape};

/// The largest file [`parse`] reads: 32 MiB.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most fields one record may have.
pub const MAX_FIELDS: usize = 64;
/// The longest field name, in bytes.
pub const MAX_FIELD_NAME_BYTES: usize = 256;
/// The longest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The longest id, in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// The most memory the landings of one file may take once loaded, as
/// estimated while reading: 512 MiB. NASA's full file takes about 55 MiB, and
/// NASA-shaped data admits the whole [`MAX_FILE_BYTES`] in any of the three
/// shapes (a 32 MiB CSV is about 390,000 landings, some 470 MiB); what it stops
/// is a file of tiny cells, which costs ~100 bytes of memory per cell however
/// small the cell (a 32 MiB CSV of one-letter cells would take 1.8 GB).
pub const MAX_LOADED_BYTES: usize = 512 * 1024 * 1024;
/// Estimated memory per landing beyond its fields (its Vec, its slot, its id
/// in the duplicate check), and per field beyond its text (the pair of
/// Strings and their allocations).
const RECORD_COST: usize = 160;
const FIELD_COST: usize = 96;

/// Why a file was not loaded. Records are counted from 1: the position in the
/// JSON array, or the row after the CSV header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("the file is {bytes} bytes, over the limit of {max} bytes ({} MiB)", .max / (1024 * 1024))]
    TooLarge { bytes: usize, max: usize },
    #[error("the file is empty")]
    Empty,
    #[error("the file is not valid JSON: {message} (line {line}, column {column})")]
    BadJson { line: usize, column: usize, message: String },
    #[error(
        "expected a JSON array of landings [{{...}}, ...] or an object {{\"meteorite_landings\": [...]}}, \
         but the file holds {found}"
    )]
    WrongShape { found: String },
    #[error("record {record} is {found}, not an object of fields")]
    NotAnObject { record: usize, found: &'static str },
    #[error(
        "{}: field {field:?} is {found}; values must be strings (numbers, true, false and null are accepted too)",
        At(*.record, .id)
    )]
    NonStringValue { record: usize, id: Option<String>, field: String, found: &'static str },
    #[error("record {record} has no \"id\" field")]
    MissingId { record: usize },
    #[error("record {record} has an empty \"id\"")]
    EmptyId { record: usize },
    #[error("record {record} has the id {id:?}, which {problem} (ids become key names meteorite:<id>)")]
    InvalidId { record: usize, id: String, problem: &'static str },
    #[error(
        "record {record} has the id {id:?}, which record {first_record} already has: ids must be unique"
    )]
    DuplicateId { record: usize, first_record: usize, id: String },
    #[error("{}: the field name {field:?} {problem}", At(*.record, .id))]
    BadFieldName { record: usize, id: Option<String>, field: String, problem: &'static str },
    #[error("{}: the field {field:?} appears twice", At(*.record, .id))]
    DuplicateField { record: usize, id: Option<String>, field: String },
    #[error("{}: more than {max} fields", At(*.record, .id))]
    TooManyFields { record: usize, id: Option<String>, max: usize },
    #[error("{}: the value of {field:?} is {bytes} bytes, over the limit of {max}", At(*.record, .id))]
    ValueTooLong { record: usize, id: Option<String>, field: String, bytes: usize, max: usize },
    #[error("the CSV file is malformed on line {line}: {message}")]
    BadCsv { line: u64, message: String },
    #[error("the CSV header's column {column} ({name:?}) {problem}")]
    BadHeader { column: usize, name: String, problem: String },
    #[error(
        "the CSV header has no \"id\" column (its columns are {columns}); is the first line the header?"
    )]
    NoIdColumn { columns: String },
    #[error("the file has no landings, so nothing was loaded")]
    NoRecords,
    #[error(
        "record {record} takes the file over {} MiB of memory once loaded: too many records or fields \
         (NASA's full file takes about 55 MiB)",
        .max / (1024 * 1024)
    )]
    TooMuchData { record: usize, max: usize },
}

/// "record 3 (id \"17\")" or "record 3".
struct At<'a>(usize, &'a Option<String>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(id) => write!(f, "record {} (id {id:?})", self.0),
            None => write!(f, "record {}", self.0),
        }
    }
}

/// A name or value as a message shows it: at most 64 characters.
fn clip(s: &str) -> String {
    const SHOWN: usize = 64;
    match s.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Reads a whole upload, or says what is wrong with it (see the module docs).
pub fn parse(bytes: &[u8], hint: Option<Format>) -> Result<Dataset, LoadError> {
    parse_within(bytes, hint, MAX_LOADED_BYTES, None)
}

/// What [`parse_in_batches`] hands the checked landings to.
pub type Sink = Box<dyn FnMut(&[Landing])>;

/// [`parse`], handing every `batch` landings to `sink` as soon as they are
/// read and checked, and the last few once the whole file is: a load sends
/// them to Redis while the rest of the file is still being read.
///
/// A landing handed over is valid on its own, but the file may still turn
/// out bad further on: what the sink did with the landings must be undone
/// when this answers an error (a load's transaction is discarded). The
/// answer is the same as [`parse`]'s; the sink sees every landing of a good
/// file once, in file order, and never the last ones of a bad file.
pub fn parse_in_batches(
    bytes: &[u8],
    hint: Option<Format>,
    batch: usize,
    sink: impl FnMut(&[Landing]) + 'static,
) -> Result<Dataset, LoadError> {
    parse_within(bytes, hint, MAX_LOADED_BYTES, Some((batch.max(1), Box::new(sink))))
}

/// [`parse`] with another memory budget (for tests), and optionally a sink
/// for the landings in batches of the given size ([`parse_in_batches`]).
fn parse_within(
    bytes: &[u8],
    hint: Option<Format>,
    budget: usize,
    sink: Option<(usize, Sink)>,
) -> Result<Dataset, LoadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { bytes: bytes.len(), max: MAX_FILE_BYTES });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(LoadError::Empty);
    };
    let format = hint.unwrap_or(if matches!(first, b'{' | b'[') { Format::Json } else { Format::Csv });
    let (batch, sink) = sink.map_or((0, None), |(batch, sink)| (batch, Some(sink)));
    let mut loader = Loader { budget, batch, sink, ..Loader::default() };
    let (shape, declared) = match format {
        Format::Json => (parse_json(bytes, &mut loader)?, Vec::new()),
        Format::Csv => (Shape::NasaCsv, parse_csv(bytes, &mut loader)?),
    };
    if loader.landings.is_empty() {
        return Err(LoadError::NoRecords);
    }
    loader.hand_over();
    Ok(Dataset::with_declared_fields(loader.landings, shape, declared))
}

/// The landings read so far, and the checks every record goes through.
#[derive(Default)]
struct Loader {
    landings: Vec<Landing>,
    /// id → the record that has it.
    ids: HashMap<String, usize>,
    /// The problem that stopped the JSON visitor (serde's own error type
    /// cannot carry it).
    error: Option<LoadError>,
    /// The previous JSON record's field count: the next one's likely size.
    last_len: usize,
    /// The estimated memory of `landings`, and its limit.
    loaded_bytes: usize,
    budget: usize,
    /// Where checked landings go, `batch` at a time, and how many of
    /// `landings` it has had ([`parse_in_batches`]).
    sink: Option<Sink>,
    batch: usize,
    handed: usize,
}

impl Loader {
    /// Checks record `record` and keeps it. `check_names` is off for CSV rows,
    /// whose names are the header's, checked once.
    fn add(
        &mut self,
        record: usize,
        fields: Vec<(String, String)>,
        check_names: bool,
    ) -> Result<(), LoadError> {
        let id = fields.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str());
        let shown_id = || id.map(clip);
        if check_names {
            for (i, (name, _)) in fields.iter().enumerate() {
                let problem = if name.is_empty() {
                    Some("is empty")
                } else if name.len() > MAX_FIELD_NAME_BYTES {
                    Some("is longer than 256 bytes")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return Err(LoadError::BadFieldName {
                        record,
                        id: shown_id(),
                        field: clip(name),
                        problem,
                    });
                }
                if fields[..i].iter().any(|(n, _)| n == name) {
                    return Err(LoadError::DuplicateField { record, id: shown_id(), field: clip(name) });
                }
            }
        }
        if let Some((name, value)) = fields.iter().find(|(_, v)| v.len() > MAX_VALUE_BYTES) {
            return Err(LoadError::ValueTooLong {
                record,
                id: shown_id(),
                field: clip(name),
                bytes: value.len(),
                max: MAX_VALUE_BYTES,
            });
        }
        self.loaded_bytes +=
            RECORD_COST + fields.iter().map(|(k, v)| FIELD_COST + k.len() + v.len()).sum::<usize>();
        if self.loaded_bytes > self.budget {
            return Err(LoadError::TooMuchData { record, max: self.budget });
        }
        let Some(id) = id else {
            return Err(LoadError::MissingId { record });
        };
        if id.is_empty() {
            return Err(LoadError::EmptyId { record });
        }
        if id.len() > MAX_ID_BYTES {
            return Err(LoadError::InvalidId { record, id: clip(id), problem: "is longer than 64 bytes" });
        }
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(LoadError::InvalidId {
                record,
                id: clip(id),
                problem: "contains a space or a control character",
            });
        }
        match self.ids.entry(id.to_owned()) {
            Entry::Occupied(first) => {
                return Err(LoadError::DuplicateId { record, first_record: *first.get(), id: clip(id) })
            }
            Entry::Vacant(slot) => {
                slot.insert(record);
            }
        }
        self.landings.push(Landing { fields });
        if self.sink.is_some() && self.landings.len() - self.handed >= self.batch {
            self.hand_over();
        }
        Ok(())
    }

    /// Gives the sink, if any, the landings it has not had yet.
    fn hand_over(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            if self.handed < self.landings.len() {
                sink(&self.landings[self.handed..]);
                self.handed = self.landings.len();
            }
        }
    }

    /// Keeps `error` and stops the JSON visitor.
    fn fail<T, E: de::Error>(&mut self, error: LoadError) -> Result<T, E> {
        self.error = Some(error);
        Err(E::custom("stopped by a load error"))
    }
}

// ---------------------------------------------------------------- JSON

fn parse_json(bytes: &[u8], loader: &mut Loader) -> Result<Shape, LoadError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = TopSeed(&mut *loader).deserialize(&mut de).and_then(|shape| de.end().map(|()| shape));
    match result {
        Ok(shape) => Ok(shape),
        Err(e) => Err(loader.error.take().unwrap_or_else(|| bad_json(&e))),
    }
}

fn bad_json(e: &serde_json::Error) -> LoadError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let message = message.replace("EOF while parsing", "the file ends in the middle of");
    LoadError::BadJson { line: e.line(), column: e.column(), message }
}

/// "a string", "a number", ... for messages.
struct Kind;

impl Kind {
    const STRING: &'static str = "a string";
    const NUMBER: &'static str = "a number";
    const BOOL: &'static str = "true or false";
    const NULL: &'static str = "null";
    const ARRAY: &'static str = "an array";
    const OBJECT: &'static str = "an object";
}

/// The whole document: an array (NASA) or an object (the course).
struct TopSeed<'a>(&'a mut Loader);

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl TopSeed<'_> {
    fn wrong<T, E: de::Error>(self, found: &str) -> Result<T, E> {
        self.0.fail(LoadError::WrongShape { found: found.to_owned() })
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of landings or {\"meteorite_landings\": [...]}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Shape, A::Error> {
        read_records(self.0, seq)?;
        Ok(Shape::NasaJson)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let loader = self.0;
        let mut found = false;
        let mut other_keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "meteorite_landings" {
                if found {
                    return loader.fail(LoadError::WrongShape {
                        found: "an object with \"meteorite_landings\" twice".to_owned(),
                    });
                }
                found = true;
                map.next_value_seed(LandingsSeed(&mut *loader))?;
            } else {
                if other_keys.len() < 5 {
                    other_keys.push(format!("{:?}", clip(&key)));
                }
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            return Ok(Shape::CourseJson);
        }
        let found = if other_keys.is_empty() {
            "an empty object".to_owned()
        } else {
            format!("an object with {} but no \"meteorite_landings\"", other_keys.join(", "))
        };
        loader.fail(LoadError::WrongShape { found })
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        self.wrong(Kind::STRING)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        self.wrong(Kind::BOOL)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        self.wrong(Kind::NULL)
    }
}

/// The value of the course's `meteorite_landings`: must be an array.
struct LandingsSeed<'a>(&'a mut Loader);

impl<'de> DeserializeSeed<'de> for LandingsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl LandingsSeed<'_> {
    fn wrong<E: de::Error>(self, found: &str) -> Result<(), E> {
        self.0.fail(LoadError::WrongShape {
            found: format!("an object whose \"meteorite_landings\" is {found}, not an array"),
        })
    }
}

impl<'de> Visitor<'de> for LandingsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of landings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        read_records(self.0, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.wrong(Kind::OBJECT)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.wrong(Kind::STRING)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.wrong(Kind::BOOL)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.wrong(Kind::NUMBER)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.wrong(Kind::NULL)
    }
}

fn read_records<'de, A: SeqAccess<'de>>(loader: &mut Loader, mut seq: A) -> Result<(), A::Error> {
    let mut record = 0;
    loop {
        record += 1;
        if seq.next_element_seed(RecordSeed { loader: &mut *loader, record })?.is_none() {
            return Ok(());
        }
    }
}

/// One record: an object whose values are strings (or numbers, booleans,
/// null).
struct RecordSeed<'a> {
    loader: &'a mut Loader,
    record: usize,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl RecordSeed<'_> {
    fn not_object<E: de::Error>(self, found: &'static str) -> Result<(), E> {
        self.loader.fail(LoadError::NotAnObject { record: self.record, found })
    }
}

/// What stopped a record's fields from being kept.
enum Problem {
    Nested { field: String, found: &'static str },
    TooMany,
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a landing: an object of fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let RecordSeed { loader, record } = self;
        // Sized like the previous record, and trimmed to fit: a hostile file
        // of tiny records must not cost a 10-field Vec each.
        let mut fields: Vec<(String, String)> = Vec::with_capacity(loader.last_len);
        let mut problem: Option<Problem> = None;
        // After a problem the remaining fields are skipped, but an id is
        // still picked up to name the record in the message.
        let mut late_id: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if problem.is_none() && fields.len() == MAX_FIELDS {
                problem = Some(Problem::TooMany);
            }
            if problem.is_some() {
                if key == "id" && late_id.is_none() && !fields.iter().any(|(k, _)| k == "id") {
                    if let Value::Text(v) = map.next_value_seed(ValueSeed)? {
                        late_id = Some(v);
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
                continue;
            }
            match map.next_value_seed(ValueSeed)? {
                Value::Text(v) => fields.push((key, v)),
                Value::Null => {}
                Value::Nested(found) => problem = Some(Problem::Nested { field: key, found }),
            }
        }
        let Some(problem) = problem else {
            loader.last_len = fields.len();
            fields.shrink_to_fit();
            return match loader.add(record, fields, true) {
                Ok(()) => Ok(()),
                Err(e) => loader.fail(e),
            };
        };
        let id =
            fields.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str()).or(late_id.as_deref()).map(clip);
        let error = match problem {
            Problem::Nested { field, found } => {
                LoadError::NonStringValue { record, id, field: clip(&field), found }
            }
            Problem::TooMany => LoadError::TooManyFields { record, id, max: MAX_FIELDS },
        };
        loader.fail(error)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.not_object(Kind::ARRAY)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_object(Kind::STRING)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_object(Kind::BOOL)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_object(Kind::NUMBER)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_object(Kind::NUMBER)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_object(Kind::NUMBER)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_object(Kind::NULL)
    }
}

/// A field's value.
enum Value {
    Text(String),
    Null,
    /// An array or object (skipped over): which of the two.
    Nested(&'static str),
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Text(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // JSON numbers are finite; serde_json's text for them is the
        // shortest that reads back the same (`21.5`, `1e300`).
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        Ok(Value::Text(text))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Nested(Kind::ARRAY))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Nested(Kind::OBJECT))
    }
}

// ---------------------------------------------------------------- CSV

/// Reads the CSV into `loader`; answers the header's names.
fn parse_csv(bytes: &[u8], loader: &mut Loader) -> Result<Vec<String>, LoadError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(false).from_reader(bytes);
    let mut row = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut row).map_err(bad_csv)? {
        return Err(LoadError::Empty);
    }
    let header = read_header(&row)?;
    let mut record = 0;
    while reader.read_byte_record(&mut row).map_err(bad_csv)? {
        record += 1;
        let line = row.position().map_or(0, csv::Position::line);
        let mut fields = Vec::with_capacity(row.iter().filter(|c| !c.is_empty()).count());
        for (name, cell) in header.iter().zip(row.iter()) {
            if cell.is_empty() {
                continue;
            }
            if cell.len() > MAX_VALUE_BYTES {
                let id = header.iter().zip(row.iter()).find(|(n, _)| *n == "id");
                return Err(LoadError::ValueTooLong {
                    record,
                    id: id.map(|(_, v)| clip(&String::from_utf8_lossy(v))).filter(|v| !v.is_empty()),
                    field: clip(name),
                    bytes: cell.len(),
                    max: MAX_VALUE_BYTES,
                });
            }
            let value = std::str::from_utf8(cell).map_err(|_| LoadError::BadCsv {
                line,
                message: format!("the value of {:?} is not valid UTF-8 (save the file as UTF-8)", clip(name)),
            })?;
            fields.push((name.clone(), value.to_owned()));
        }
        loader.add(record, fields, false)?;
    }
    Ok(header)
}

fn read_header(row: &csv::ByteRecord) -> Result<Vec<String>, LoadError> {
    let mut header: Vec<String> = Vec::with_capacity(row.len());
    for (i, cell) in row.iter().enumerate() {
        let column = i + 1;
        let Ok(name) = std::str::from_utf8(cell) else {
            return Err(LoadError::BadCsv {
                line: 1,
                message: format!("the header's column {column} is not valid UTF-8 (save the file as UTF-8)"),
            });
        };
        let problem = if column > MAX_FIELDS {
            Some(format!("is one too many: at most {MAX_FIELDS} columns"))
        } else if name.is_empty() {
            Some("has no name".to_owned())
        } else if name.len() > MAX_FIELD_NAME_BYTES {
            Some(format!("has a name longer than {MAX_FIELD_NAME_BYTES} bytes"))
        } else {
            header
                .iter()
                .position(|n| n == name)
                .map(|first| format!("has the same name as column {}", first + 1))
        };
        if let Some(problem) = problem {
            return Err(LoadError::BadHeader { column, name: clip(name), problem });
        }
        header.push(name.to_owned());
    }
    if !header.iter().any(|n| n == "id") {
        let mut columns: Vec<String> = header.iter().take(10).map(|n| format!("{:?}", clip(n))).collect();
        if header.len() > 10 {
            columns.push("…".to_owned());
        }
        return Err(LoadError::NoIdColumn { columns: columns.join(", ") });
    }
    Ok(header)
}

fn bad_csv(e: csv::Error) -> LoadError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields, but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    LoadError::BadCsv { line, message }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Instant;

    use proptest::prelude::*;

    use super::*;
    use crate::data::generate::{generate, to_course_json, to_csv, to_nasa_json};
    use crate::data::NASA_FIELDS;

    fn ok(text: &str) -> Dataset {
        match parse(text.as_bytes(), None) {
            Ok(ds) => ds,
            Err(e) => panic!("{text:?} was refused: {e}"),
        }
    }

    fn refused(bytes: &[u8], hint: Option<Format>) -> (LoadError, String) {
        match parse(bytes, hint) {
            Ok(ds) => panic!("{:?} was accepted: {} landings", String::from_utf8_lossy(bytes), ds.len()),
            Err(e) => {
                let message = e.to_string();
                (e, message)
            }
        }
    }

    fn message(text: &str) -> String {
        refused(text.as_bytes(), None).1
    }

    fn pairs(l: &Landing) -> Vec<(&str, &str)> {
        l.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    fn missing(ds: &Dataset) -> Vec<(&str, u64)> {
        ds.missing.iter().map(|(k, v)| (k.as_str(), *v)).collect()
    }

    #[test]
    fn reads_the_course_shape() {
        let ds = ok(r#"{
          "meteorite_landings": [
            {"name": "Ruiz", "id": "10001", "recclass": "L5", "mass (g)": "21",
             "reclat": "50.775", "reclong": "6.08333", "GeoLocation": "(50.775, 6.08333)"},
            {"name": "Beeler", "id": "10002", "recclass": "H6"}
          ],
          "note": "other keys are ignored"
        }"#);
        assert_eq!(ds.shape, Shape::CourseJson);
        assert_eq!(ds.len(), 2);
        assert_eq!(
            ds.field_names,
            ["name", "id", "recclass", "mass (g)", "reclat", "reclong", "GeoLocation"]
        );
        assert_eq!(pairs(&ds.landings[1]), [("name", "Beeler"), ("id", "10002"), ("recclass", "H6")]);
        assert_eq!(
            missing(&ds),
            [
                ("GeoLocation", 1),
                ("id", 0),
                ("mass (g)", 1),
                ("name", 0),
                ("recclass", 0),
                ("reclat", 1),
                ("reclong", 1)
            ]
        );
        assert_eq!(ds.landings[0].coords(), Some((50.775, 6.08333)));
    }

    #[test]
    fn reads_nasa_json_keeping_order_and_text() {
        let ds =
            ok(r#"  [{"name": "Aachen", "id": "1", "nametype": "Valid", "recclass": "L5", "mass (g)": "21",
            "fall": "Fell", "year": "1880", "reclat": "50.775000", "reclong": "6.083330",
            "GeoLocation": "(50.775, 6.08333)"},
           {"name": "Aïr", "id": "424", "recclass": "L6", "fall": "Fell", "year": "1925"}]"#);
        assert_eq!(ds.shape, Shape::NasaJson);
        assert_eq!(ds.field_names, NASA_FIELDS);
        let first: Vec<&str> = ds.landings[0].fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(first, NASA_FIELDS);
        assert_eq!(ds.landings[0].get("reclat"), Some("50.775000"));
        assert_eq!(ds.landings[1].name(), Some("Aïr"));
        assert_eq!(ds.missing["mass (g)"], 1);
        assert_eq!(ds.missing["GeoLocation"], 1);
        assert_eq!(ds.missing["year"], 0);
    }

    #[test]
    fn numbers_booleans_and_null_are_accepted() {
        let ds = ok(
            r#"[{"id": 5, "mass (g)": 21.50, "big": 1e300, "neg": -3, "ok": true, "year": null, "s": "\u00efr"}]"#,
        );
        assert_eq!(
            pairs(&ds.landings[0]),
            [
                ("id", "5"),
                ("mass (g)", "21.5"),
                ("big", "1e+300"),
                ("neg", "-3"),
                ("ok", "true"),
                ("s", "ïr")
            ]
        );
        assert_eq!(ds.field_names, ["id", "mass (g)", "big", "neg", "ok", "s"], "a null is not a field");
    }

    #[test]
    fn reads_nasa_csv() {
        let csv = "\u{feff}name,id,nametype,recclass,mass (g),fall,year,reclat,reclong,GeoLocation\r\n\
                   Aachen,1,Valid,L5,21,Fell,1880,50.775000,6.083330,\"(50.775, 6.08333)\"\r\n\
                   Aïr,424,Valid,L6,24000,Fell,1925,19.083330,8.383330,\"(19.08333, 8.38333)\"\r\n\
                   Cabin Creek,5186,Valid,\"Iron, IIIAB\",,Fell,,,,\r\n\
                   \"Say \"\"hi\"\"\nthere\",7,Valid,H5,1,Found,01/01/1999 12:00:00 AM,,,\n";
        let ds = ok(csv);
        assert_eq!(ds.shape, Shape::NasaCsv);
        assert_eq!(ds.field_names, NASA_FIELDS);
        assert_eq!(ds.len(), 4);
        assert_eq!(ds.landings[1].name(), Some("Aïr"));
        assert_eq!(ds.landings[0].get("GeoLocation"), Some("(50.775, 6.08333)"));
        assert_eq!(
            pairs(&ds.landings[2]),
            [
                ("name", "Cabin Creek"),
                ("id", "5186"),
                ("nametype", "Valid"),
                ("recclass", "Iron, IIIAB"),
                ("fall", "Fell")
            ]
        );
        assert_eq!(ds.landings[3].name(), Some("Say \"hi\"\nthere"));
        assert_eq!(ds.landings[3].year(), Some(1999));
        assert_eq!(ds.missing["mass (g)"], 1);
        assert_eq!(ds.missing["year"], 1);
        assert_eq!(ds.missing["reclat"], 2);
        assert_eq!(ds.missing["name"], 0);
    }

    #[test]
    fn a_csv_column_with_no_values_is_still_a_field() {
        let ds = ok("id,name,comment\n1,A,\n2,B,\n");
        assert_eq!(ds.field_names, ["id", "name", "comment"]);
        assert_eq!(ds.missing["comment"], 2);
    }

    #[test]
    fn byte_order_mark_and_hints() {
        let ds = parse(b"\xEF\xBB\xBF[{\"id\": \"1\"}]", None).expect("BOM then JSON");
        assert_eq!(ds.shape, Shape::NasaJson);
        let ds = parse(b"\xEF\xBB\xBF\n {\"meteorite_landings\": [{\"id\": \"1\"}]}", Some(Format::Json))
            .expect("BOM then course JSON");
        assert_eq!(ds.shape, Shape::CourseJson);
        // The hint wins over sniffing.
        let (e, _) = refused(b"id,name\n1,A\n", Some(Format::Json));
        assert!(matches!(e, LoadError::BadJson { line: 1, column: 1, .. }), "{e:?}");
        assert_eq!(parse(b"id\n1\n", Some(Format::Csv)).expect("csv").shape, Shape::NasaCsv);
    }

    #[test]
    fn refuses_files_over_the_limit_and_empty_files() {
        let big = vec![b' '; MAX_FILE_BYTES + 1];
        let (e, m) = refused(&big, None);
        assert_eq!(e, LoadError::TooLarge { bytes: MAX_FILE_BYTES + 1, max: MAX_FILE_BYTES });
        assert_eq!(m, "the file is 33554433 bytes, over the limit of 33554432 bytes (32 MiB)");
        for empty in [&b""[..], b" \n\t ", b"\xEF\xBB\xBF", b"\xEF\xBB\xBF  "] {
            assert_eq!(refused(empty, None).1, "the file is empty");
            assert_eq!(refused(empty, Some(Format::Csv)).0, LoadError::Empty);
        }
    }

    #[test]
    fn refuses_bad_json_with_line_and_column() {
        assert_eq!(
            message("[{\"id\": \"1\"},\n {\"id\": \"2\""),
            "the file is not valid JSON: the file ends in the middle of an object (line 2, column 11)"
        );
        assert_eq!(
            message("[{\"id\": \"1\"}] extra"),
            "the file is not valid JSON: trailing characters (line 1, column 15)"
        );
        assert_eq!(
            message("[{\"id\": \"1\",}]"),
            "the file is not valid JSON: trailing comma (line 1, column 13)"
        );
        assert_eq!(
            refused(b"[{\"id\": \"\xff\"}]", None).1,
            "the file is not valid JSON: invalid unicode code point (line 1, column 10)"
        );
        // Deep nesting is skipped without recursion, or refused at once.
        let deep = format!("[{{\"id\": {}1{}}}]", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            message(&deep),
            "record 1: field \"id\" is an array; values must be strings (numbers, true, false and null are accepted too)"
        );
        assert_eq!(message(&"[".repeat(100_000)), "record 1 is an array, not an object of fields");
        assert_eq!(
            message(&format!("[{{\"id\": {}", "{\"a\": ".repeat(100_000))),
            "the file is not valid JSON: the file ends in the middle of a value (line 1, column 600008)"
        );
    }

    #[test]
    fn refuses_the_wrong_shape() {
        let expected = |found: &str| {
            format!(
                "expected a JSON array of landings [{{...}}, ...] or an object \
                 {{\"meteorite_landings\": [...]}}, but the file holds {found}"
            )
        };
        for (text, found) in [
            ("{}", "an empty object"),
            (
                "{\"data\": [], \"count\": 0}",
                "an object with \"data\", \"count\" but no \"meteorite_landings\"",
            ),
            (
                "{\"meteorite_landings\": {\"id\": \"1\"}}",
                "an object whose \"meteorite_landings\" is an object, not an array",
            ),
            (
                "{\"meteorite_landings\": \"x\"}",
                "an object whose \"meteorite_landings\" is a string, not an array",
            ),
            (
                "{\"meteorite_landings\": [{\"id\": \"1\"}], \"meteorite_landings\": []}",
                "an object with \"meteorite_landings\" twice",
            ),
        ] {
            assert_eq!(message(text), expected(found), "{text}");
        }
        assert_eq!(parse(b"null", Some(Format::Json)).expect_err("null").to_string(), expected("null"));
        assert_eq!(
            parse(b"true", Some(Format::Json)).expect_err("true").to_string(),
            expected("true or false")
        );
        assert_eq!(
            parse(b"\"x\"", Some(Format::Json)).expect_err("string").to_string(),
            expected("a string")
        );
        assert_eq!(parse(b" 42", Some(Format::Json)).expect_err("number").to_string(), expected("a number"));
        // Sniffed, a bare number is a CSV without an id column.
        assert!(matches!(refused(b"42", None).0, LoadError::NoIdColumn { .. }));
    }

    #[test]
    fn refuses_records_that_are_not_objects() {
        assert_eq!(message(r#"[{"id": "1"}, 5]"#), "record 2 is a number, not an object of fields");
        assert_eq!(message(r#"[["id", "1"]]"#), "record 1 is an array, not an object of fields");
        assert_eq!(
            message(r#"{"meteorite_landings": [{"id": "1"}, {"id": "2"}, "x"]}"#),
            "record 3 is a string, not an object of fields"
        );
        assert_eq!(message(r#"[null]"#), "record 1 is null, not an object of fields");
    }

    #[test]
    fn refuses_nested_values_naming_the_record() {
        let (e, m) = refused(br#"[{"id": "1"}, {"id": "7", "mass (g)": [1, 2]}]"#, None);
        assert_eq!(
            e,
            LoadError::NonStringValue {
                record: 2,
                id: Some("7".into()),
                field: "mass (g)".into(),
                found: "an array"
            }
        );
        assert_eq!(
            m,
            "record 2 (id \"7\"): field \"mass (g)\" is an array; values must be strings \
             (numbers, true, false and null are accepted too)"
        );
        // The id comes after the problem: still named.
        assert_eq!(
            message(r#"[{"name": {"first": "A"}, "x": [], "id": "9"}]"#),
            "record 1 (id \"9\"): field \"name\" is an object; values must be strings \
             (numbers, true, false and null are accepted too)"
        );
        assert_eq!(
            message(r#"[{"name": {"first": "A"}}]"#),
            "record 1: field \"name\" is an object; values must be strings \
             (numbers, true, false and null are accepted too)"
        );
    }

    #[test]
    fn refuses_bad_ids() {
        assert_eq!(message(r#"[{"id": "1"}, {"name": "A"}]"#), "record 2 has no \"id\" field");
        assert_eq!(message(r#"[{"id": null}]"#), "record 1 has no \"id\" field");
        assert_eq!(message(r#"[{"id": ""}]"#), "record 1 has an empty \"id\"");
        assert_eq!(
            message(r#"[{"id": "1 2"}]"#),
            "record 1 has the id \"1 2\", which contains a space or a control character \
             (ids become key names meteorite:<id>)"
        );
        assert_eq!(
            refused(b"[{\"id\": \"a\\tb\"}]", None).0,
            LoadError::InvalidId {
                record: 1,
                id: "a\tb".into(),
                problem: "contains a space or a control character"
            }
        );
        assert!(matches!(
            refused("[{\"id\": \"a\\u0000\"}]".as_bytes(), None).0,
            LoadError::InvalidId { .. }
        ));
        assert!(matches!(
            refused("[{\"id\": \"a\u{a0}b\"}]".as_bytes(), None).0,
            LoadError::InvalidId { .. }
        ));
        let long = "9".repeat(MAX_ID_BYTES + 1);
        assert_eq!(
            message(&format!(r#"[{{"id": "{long}"}}]"#)),
            format!(
                "record 1 has the id \"{}…\", which is longer than 64 bytes (ids become key names meteorite:<id>)",
                &long[..64]
            )
        );
        ok(&format!(r#"[{{"id": "{}"}}]"#, "9".repeat(MAX_ID_BYTES)));
        ok(r#"[{"id": "Aïr-1/b:c"}]"#);
        let (e, m) = refused(br#"[{"id": "1"}, {"id": "2"}, {"id": "3"}, {"id": "2"}]"#, None);
        assert_eq!(e, LoadError::DuplicateId { record: 4, first_record: 2, id: "2".into() });
        assert_eq!(m, "record 4 has the id \"2\", which record 2 already has: ids must be unique");
        assert_eq!(
            refused(b"id,name\n1,A\n2,B\n1,C\n", None).1,
            "record 3 has the id \"1\", which record 1 already has: ids must be unique"
        );
        assert_eq!(refused(b"name,id\nA,1\nB,\n", None).1, "record 2 has no \"id\" field");
    }

    #[test]
    fn refuses_bad_fields() {
        assert_eq!(message(r#"[{"id": "1", "": "x"}]"#), "record 1 (id \"1\"): the field name \"\" is empty");
        let long = "f".repeat(MAX_FIELD_NAME_BYTES + 1);
        assert_eq!(
            refused(format!(r#"[{{"id": "1", "{long}": "x"}}]"#).as_bytes(), None).0,
            LoadError::BadFieldName {
                record: 1,
                id: Some("1".into()),
                field: format!("{}…", &long[..64]),
                problem: "is longer than 256 bytes"
            }
        );
        ok(&format!(r#"[{{"id": "1", "{}": "x"}}]"#, "f".repeat(MAX_FIELD_NAME_BYTES)));
        assert_eq!(
            message(r#"[{"id": "1"}, {"id": "2", "name": "A", "name": "B"}]"#),
            "record 2 (id \"2\"): the field \"name\" appears twice"
        );
        let many: Vec<String> = (0..MAX_FIELDS).map(|i| format!("\"f{i}\": \"v\"")).collect();
        ok(&format!("[{{{}}}]", many.join(", ").replacen("\"f0\"", "\"id\"", 1)));
        assert_eq!(
            message(&format!("[{{{}, \"f64\": \"v\", \"id\": \"x\"}}]", many.join(", "))),
            "record 1 (id \"x\"): more than 64 fields"
        );
        let value = "v".repeat(MAX_VALUE_BYTES + 1);
        assert_eq!(
            message(&format!(r#"[{{"id": "1", "name": "{value}"}}]"#)),
            "record 1 (id \"1\"): the value of \"name\" is 65537 bytes, over the limit of 65536"
        );
        assert_eq!(
            refused(format!("id,name\n1,A\n2,{value}\n").as_bytes(), None).1,
            "record 2 (id \"2\"): the value of \"name\" is 65537 bytes, over the limit of 65536"
        );
        ok(&format!(r#"[{{"id": "1", "name": "{}"}}]"#, "v".repeat(MAX_VALUE_BYTES)));
    }

    #[test]
    fn refuses_bad_csv() {
        assert_eq!(
            refused(b"name,id\nA,1\nB,2,extra\n", None).1,
            "the CSV file is malformed on line 3: 3 fields, but the header has 2"
        );
        assert_eq!(
            refused(b"name,id\nA,1\n\"B\nB\",2\nC\n", None).1,
            "the CSV file is malformed on line 5: 1 fields, but the header has 2"
        );
        assert_eq!(
            refused(b"name,id\nA,1\nB\xff,2\n", None).1,
            "the CSV file is malformed on line 3: the value of \"name\" is not valid UTF-8 (save the file as UTF-8)"
        );
        assert_eq!(
            refused(b"na\xffme,id\nA,1\n", None).1,
            "the CSV file is malformed on line 1: the header's column 1 is not valid UTF-8 (save the file as UTF-8)"
        );
        assert_eq!(refused(b"name,,id\nA,,1\n", None).1, "the CSV header's column 2 (\"\") has no name");
        assert_eq!(
            refused(b"id,name,name\n1,A,B\n", None).1,
            "the CSV header's column 3 (\"name\") has the same name as column 2"
        );
        let wide: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("c{i}")).collect();
        assert_eq!(
            refused(format!("id,{}\n", wide.join(",")).as_bytes(), None).1,
            "the CSV header's column 65 (\"c63\") is one too many: at most 64 columns"
        );
        assert_eq!(
            refused(b"Aachen,1,Valid,L5\nAarhus,2,Valid,H6\n", None).1,
            "the CSV header has no \"id\" column (its columns are \"Aachen\", \"1\", \"Valid\", \"L5\"); \
             is the first line the header?"
        );
    }

    #[test]
    fn refuses_files_that_would_take_too_much_memory() {
        // Records 1 to 9 of `id,a\nN,x` each cost 160 + 2 × 96 + 5 bytes of
        // text ("id", "N", "a", "x"); record 10 one more.
        let csv: String =
            std::iter::once("id,a\n".to_owned()).chain((1..=10).map(|i| format!("{i},x\n"))).collect();
        let per_record = RECORD_COST + 2 * FIELD_COST + 5;
        let budget = 9 * per_record - 1;
        let e = parse_within(csv.as_bytes(), None, budget, None).expect_err("over the budget");
        assert_eq!(e, LoadError::TooMuchData { record: 9, max: budget });
        assert!(e.to_string().starts_with("record 9 takes the file over 0 MiB of memory once loaded"), "{e}");
        assert_eq!(parse_within(csv.as_bytes(), None, 10 * per_record + 1, None).map(|ds| ds.len()), Ok(10));
        assert_eq!(
            LoadError::TooMuchData { record: 3, max: MAX_LOADED_BYTES }.to_string(),
            "record 3 takes the file over 512 MiB of memory once loaded: too many records or fields \
             (NASA's full file takes about 55 MiB)"
        );
    }

    #[test]
    fn refuses_files_without_landings() {
        for text in ["[]", " { \"meteorite_landings\": [ ] } ", "id,name\n", "id,name"] {
            let (e, m) = refused(text.as_bytes(), None);
            assert_eq!(e, LoadError::NoRecords, "{text}");
            assert_eq!(m, "the file has no landings, so nothing was loaded");
        }
    }

    #[test]
    fn parses_big_generated_files() {
        let ds = generate(20_000, 11);
        for bytes in [to_nasa_json(&ds), to_course_json(&ds), to_csv(&ds)] {
            assert_eq!(parse(&bytes, None).expect("parses").landings, ds.landings);
        }
    }

    /// What a sink was given: each batch's ids.
    fn batches_of(bytes: &[u8], batch: usize) -> (Result<Dataset, LoadError>, Vec<Vec<String>>) {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = seen.clone();
        let result = parse_in_batches(bytes, None, batch, move |landings: &[Landing]| {
            sink.borrow_mut().push(landings.iter().map(|l| l.id().to_owned()).collect());
        });
        let batches = seen.borrow().clone();
        (result, batches)
    }

    #[test]
    fn batches_hand_over_every_landing_once_in_file_order() {
        let ds = generate(1000, 5);
        let ids: Vec<String> = ds.landings.iter().map(|l| l.id().to_owned()).collect();
        for bytes in [to_nasa_json(&ds), to_course_json(&ds), to_csv(&ds)] {
            let (result, batches) = batches_of(&bytes, 300);
            assert_eq!(result.expect("parses"), parse(&bytes, None).expect("parses"));
            assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [300, 300, 300, 100]);
            assert_eq!(batches.concat(), ids);
        }
        // A batch larger than the file: one hand-over, at the end.
        let (_, batches) = batches_of(&to_csv(&ds), 5000);
        assert_eq!(batches.len(), 1);
    }

    #[test]
    fn a_bad_file_answers_its_error_and_never_hands_over_its_last_landings() {
        let mut ds = generate(1000, 5);
        let first = ds.landings[2].id().to_owned();
        for (name, value) in &mut ds.landings[950].fields {
            if name == "id" {
                *value = first.clone();
            }
        }
        for bytes in [to_nasa_json(&ds), to_csv(&ds)] {
            let (result, batches) = batches_of(&bytes, 300);
            assert_eq!(result, parse(&bytes, None));
            assert_eq!(
                result.expect_err("a duplicate id"),
                LoadError::DuplicateId { record: 951, first_record: 3, id: first.clone() }
            );
            // The records before it were handed over, the rest never.
            assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [300, 300, 300]);
        }
        let mut cut = to_nasa_json(&generate(1000, 5));
        cut.pop();
        let (result, batches) = batches_of(&cut, 300);
        assert!(matches!(result, Err(LoadError::BadJson { .. })), "{result:?}");
        assert_eq!(batches.concat().len(), 900, "the last 100 wait for the end of the file");
    }

    /// NASA's and the course's files, where they are (CI has them at
    /// `../shared/data` beside the repository; skipped when absent).
    fn real_file(name: &str) -> Option<Vec<u8>> {
        let candidates = [
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data").join(name),
            PathBuf::from("/work/shared/data").join(name),
        ];
        let found = candidates.iter().find_map(|p| std::fs::read(p).ok());
        if found.is_none() {
            eprintln!("skipped: {name} is not in ../shared/data");
        }
        found
    }

    #[test]
    fn nasa_files_parse_whole_and_agree() {
        let (Some(json), Some(csv)) =
            (real_file("Meteorite_Landings.json"), real_file("Meteorite_Landings.csv"))
        else {
            return;
        };
        let start = Instant::now();
        let from_json = parse(&json, None).expect("NASA's JSON loads");
        eprintln!("NASA JSON parsed in {:?} (this build)", start.elapsed());
        let from_csv = parse(&csv, None).expect("NASA's CSV loads");
        assert_eq!(from_json.shape, Shape::NasaJson);
        assert_eq!(from_csv.shape, Shape::NasaCsv);
        assert_eq!(from_json.len(), 45_716);
        assert_eq!(from_csv.len(), 45_716);
        assert_eq!(from_json.field_names, NASA_FIELDS);
        assert_eq!(from_csv.field_names, NASA_FIELDS);
        assert_eq!(
            missing(&from_json),
            [
                ("GeoLocation", 7315),
                ("fall", 0),
                ("id", 0),
                ("mass (g)", 131),
                ("name", 0),
                ("nametype", 0),
                ("recclass", 0),
                ("reclat", 7315),
                ("reclong", 7315),
                ("year", 291)
            ]
        );
        // Same landings, same ids and names, and (as published) the very same
        // values: both files have bare years and the same GeoLocation text.
        let ids = |ds: &Dataset| {
            ds.landings.iter().map(|l| (l.id().to_owned(), l.name().map(str::to_owned))).collect::<Vec<_>>()
        };
        assert_eq!(ids(&from_json), ids(&from_csv));
        assert_eq!(from_json.landings, from_csv.landings);
        assert_eq!(from_json.missing, from_csv.missing);

        let aachen = &from_json.landings[0];
        assert_eq!((aachen.id(), aachen.name(), aachen.year()), ("1", Some("Aachen"), Some(1880)));
        assert!(from_json.landings.iter().any(|l| l.name() == Some("Aïr")));
        assert_eq!(from_json.landings.iter().filter_map(Landing::year).min(), Some(860));
        assert_eq!(from_json.landings.iter().filter_map(Landing::year).max(), Some(2101));
        let masses = from_json.landings.iter().filter_map(Landing::mass_g).count();
        assert_eq!(masses, 45_716 - 131, "every mass present is readable");
        // One landing is on Mars: Meridiani Planum, reclong 354.473330.
        assert_eq!(from_json.landings.iter().filter_map(Landing::coords).count(), 45_716 - 7315 - 1);

        // The writers give the files back byte for byte.
        assert!(to_nasa_json(&from_json) == json, "to_nasa_json rewrites NASA's JSON exactly");
        assert!(to_csv(&from_csv) == csv, "to_csv rewrites NASA's CSV exactly");

        // GeoLocation is Python's repr of reclat and reclong: the generator's
        // formatting reproduces all 38,401 of them.
        let micro = |s: &str| -> i64 {
            let (int, frac) = s.split_once('.').expect("a decimal point");
            let v = int.trim_start_matches('-').parse::<i64>().expect("int") * 1_000_000
                + frac.parse::<i64>().expect("frac");
            if s.starts_with('-') {
                -v
            } else {
                v
            }
        };
        for l in &from_json.landings {
            if let (Some(lat), Some(lon), Some(geo)) =
                (l.get("reclat"), l.get("reclong"), l.get("GeoLocation"))
            {
                assert_eq!(crate::data::generate::geolocation(micro(lat), micro(lon)), geo, "{}", l.id());
            }
        }
    }

    #[test]
    fn course_sample_parses_and_round_trips() {
        let Some(bytes) = real_file("coe332_Meteorite_Landings_sample.json") else {
            return;
        };
        let ds = parse(&bytes, None).expect("the course's sample loads");
        assert_eq!(ds.shape, Shape::CourseJson);
        assert_eq!(ds.len(), 30);
        assert_eq!(
            ds.field_names,
            ["name", "id", "recclass", "mass (g)", "reclat", "reclong", "GeoLocation"]
        );
        assert!(ds.missing.values().all(|&m| m == 0));
        assert!(to_course_json(&ds) == bytes, "to_course_json rewrites the sample exactly");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes, None);
            let _ = parse(&bytes, Some(Format::Json));
            let _ = parse(&bytes, Some(Format::Csv));
        }

        #[test]
        fn never_panics_on_damaged_files(seed in 0u64..1000, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
            let ds = generate(5, seed);
            for mut bytes in [to_nasa_json(&ds), to_course_json(&ds), to_csv(&ds)] {
                for &(at, b) in &edits {
                    let at = at % bytes.len();
                    bytes[at] = b;
                }
                if let Ok(back) = parse(&bytes, None) {
                    prop_assert!(!back.is_empty());
                    prop_assert!(back.landings.iter().all(|l| !l.id().is_empty()));
                }
            }
        }
    }
}
