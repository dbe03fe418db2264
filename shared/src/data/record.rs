//! [`Record`]: one landing's hash as a JSON object that keeps Redis's order.
//!
//! A landing is a Redis hash, and `HGETALL meteorite:1` answers its fields
//! in a definite order (the file's, for a freshly loaded record). The
//! browser shows them in that order, so the JSON object is written and
//! read as a list of pairs rather than a map, which would sort them.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A landing as stored: field names and values in Redis's order, every
/// value a string (`{"name": "Aachen", "id": "1", "mass (g)": "21", …}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record(pub Vec<(String, String)>);

impl Record {
    /// The value of `field`, if the hash has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| name == field).map(|(_, value)| value.as_str())
    }

    /// Whether the hash has no field at all (no such record).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, value) in &self.0 {
            map.serialize_entry(field, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Fields)
    }
}

/// Reads an object's entries in order.
struct Fields;

impl<'de> Visitor<'de> for Fields {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of field names to values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((name, FieldValue(value))) = map.next_entry::<String, FieldValue>()? {
            fields.push((name, value));
        }
        Ok(Record(fields))
    }
}

/// A field's value: a string, as the server sends it. A number or a
/// boolean (from some other producer of the same shape) is kept as its
/// JSON text rather than refused; a nested value is refused.
struct FieldValue(String);

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldValueVisitor)
    }
}

struct FieldValueVisitor;

impl Visitor<'_> for FieldValueVisitor {
    type Value = FieldValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or a number or boolean)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<FieldValue, E> {
        Ok(FieldValue(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<FieldValue, E> {
        Ok(FieldValue(value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<FieldValue, E> {
        Ok(FieldValue(value.to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<FieldValue, E> {
        Ok(FieldValue(value.to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<FieldValue, E> {
        Ok(FieldValue(value.to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<FieldValue, E> {
        Ok(FieldValue(value.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<FieldValue, E> {
        Ok(FieldValue("null".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_both_ways() {
        let text = r#"{"name":"Aïr","id":"2","mass (g)":"24000","fall":"Fell"}"#;
        let record: Record = serde_json::from_str(text).expect("a record");
        let names: Vec<&str> = record.0.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["name", "id", "mass (g)", "fall"]);
        assert_eq!(record.get("name"), Some("Aïr"));
        assert_eq!(record.get("year"), None);
        assert_eq!(serde_json::to_string(&record).expect("json"), text);
    }

    #[test]
    fn scalars_become_their_text_and_nesting_is_refused() {
        let record: Record =
            serde_json::from_str(r#"{"a": 1, "b": 2.5, "c": true, "d": null, "e": -3}"#).expect("a record");
        assert_eq!(
            record.0,
            [("a", "1"), ("b", "2.5"), ("c", "true"), ("d", "null"), ("e", "-3")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(serde_json::from_str::<Record>(r#"{"a": [1]}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"["a"]"#).is_err());
        assert!(Record::default().is_empty());
    }
}
