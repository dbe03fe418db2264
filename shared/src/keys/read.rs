//! How [`Blob`] and [`Value`] are read from JSON: by hand, in one pass,
//! accepting exactly what their derived `untagged` readers accepted.
//!
//! # Why not `#[serde(untagged)]`
//!
//! A derived untagged reader first copies the JSON into serde's own
//! buffer (`Content`), then tries each variant on that copy, and the code
//! for it is generated again for every type read that way and every type
//! inside them. Every name and element of the keys page is a [`Blob`],
//! inside the four shapes of a [`Value`], so that machinery was about a
//! twentieth of the keys page's wasm (issue #17: a first visit's bytes).
//! The shapes are told apart by their first JSON token instead — a string,
//! an object, an array — which is also one pass over the text. They are
//! still written by serde's derived `untagged` writers: writing needs no
//! buffer.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Blob, StreamEntry, StringValue, Value};

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BlobVisitor)
    }
}

struct BlobVisitor;

impl<'de> Visitor<'de> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a string or {"base64": "…"}"#)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Blob, E> {
        Ok(Blob::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Blob, E> {
        Ok(Blob::Text(text))
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Blob, M::Error> {
        match read_object(map)? {
            Object::Binary(base64) => Ok(Blob::Binary { base64 }),
            Object::Entry(_) => Err(de::Error::missing_field("base64")),
        }
    }
}

/// An object inside a value: a binary [`Blob`] (`{"base64"}`) or a
/// stream's entry (`{"id", "fields"}`); other fields are ignored, as the
/// derived readers ignored them.
enum Object {
    Binary(String),
    Entry(StreamEntry),
}

fn read_object<'de, M: MapAccess<'de>>(mut map: M) -> Result<Object, M::Error> {
    let (mut base64, mut id, mut fields) = (None, None, None);
    while let Some(name) = map.next_key::<FieldName>()? {
        match name {
            FieldName::Base64 => base64 = Some(map.next_value::<String>()?),
            FieldName::Id => id = Some(map.next_value::<String>()?),
            FieldName::Fields => fields = Some(map.next_value::<Vec<(Blob, Blob)>>()?),
            FieldName::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    match (id, fields, base64) {
        (Some(id), Some(fields), _) => Ok(Object::Entry(StreamEntry { id, fields })),
        (_, _, Some(base64)) => Ok(Object::Binary(base64)),
        (None, Some(_), None) => Err(de::Error::missing_field("id")),
        (Some(_), None, None) => Err(de::Error::missing_field("fields")),
        (None, None, None) => Err(de::Error::missing_field("base64")),
    }
}

/// The field names [`read_object`] knows, read without allocating.
enum FieldName {
    Base64,
    Id,
    Fields,
    Other,
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = FieldName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<FieldName, E> {
                Ok(match name {
                    "base64" => FieldName::Base64,
                    "id" => FieldName::Id,
                    "fields" => FieldName::Fields,
                    _ => FieldName::Other,
                })
            }
        }
        deserializer.deserialize_identifier(NameVisitor)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string's object or an array of entries, pairs or items")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Value, M::Error> {
        StringValue::deserialize(de::value::MapAccessDeserializer::new(map)).map(Value::String)
    }

    /// The first element says which array this is; every other one must be
    /// the same. An empty array is a stream's, as the derived reader (which
    /// tried `Stream` first) made it: the `type` beside it says what it is.
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Value, S::Error> {
        let Some(first) = seq.next_element::<Element>()? else {
            return Ok(Value::Stream(Vec::new()));
        };
        let mismatch = || de::Error::custom("an array mixing entries, pairs and items");
        match first {
            Element::Entry(entry) => {
                let mut entries = vec![entry];
                while let Some(next) = seq.next_element::<Element>()? {
                    let Element::Entry(entry) = next else { return Err(mismatch()) };
                    entries.push(entry);
                }
                Ok(Value::Stream(entries))
            }
            Element::Pair(pair) => {
                let mut pairs = vec![pair];
                while let Some(next) = seq.next_element::<Element>()? {
                    let Element::Pair(pair) = next else { return Err(mismatch()) };
                    pairs.push(pair);
                }
                Ok(Value::Pairs(pairs))
            }
            Element::Item(item) => {
                let mut items = vec![item];
                while let Some(next) = seq.next_element::<Element>()? {
                    let Element::Item(item) = next else { return Err(mismatch()) };
                    items.push(item);
                }
                Ok(Value::Items(items))
            }
        }
    }
}

/// One element of a value's array.
enum Element {
    /// `{"id", "fields"}`.
    Entry(StreamEntry),
    /// `[field, value]` or `[member, score]`.
    Pair((Blob, Blob)),
    /// A string or `{"base64"}`.
    Item(Blob),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stream entry, a pair or an item")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Element, E> {
                Ok(Element::Item(Blob::Text(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Element, E> {
                Ok(Element::Item(Blob::Text(text)))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Element, M::Error> {
                Ok(match read_object(map)? {
                    Object::Entry(entry) => Element::Entry(entry),
                    Object::Binary(base64) => Element::Item(Blob::Binary { base64 }),
                })
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Element, S::Error> {
                let first = seq.next_element::<Blob>()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let second =
                    seq.next_element::<Blob>()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Element::Pair((first, second)))
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn each_shape_is_told_by_its_first_element() {
        let binary = Blob::Binary { base64: "/w==".into() };
        assert_eq!(
            read(r#"["a",{"base64":"/w=="}]"#).expect("items"),
            Value::Items(vec!["a".into(), binary.clone()])
        );
        assert_eq!(
            read(r#"[{"base64":"/w=="},"a"]"#).expect("items"),
            Value::Items(vec![binary.clone(), "a".into()])
        );
        assert_eq!(
            read(r#"[[{"base64":"/w=="},"1"]]"#).expect("pairs"),
            Value::Pairs(vec![(binary.clone(), "1".into())])
        );
        let entry = StreamEntry { id: "1-0".into(), fields: vec![("f".into(), binary)] };
        assert_eq!(
            read(r#"[{"id":"1-0","fields":[["f",{"base64":"/w=="}]]}]"#).expect("stream"),
            Value::Stream(vec![entry])
        );
        let string = StringValue { text: Some("hi".into()), base64: "aGk=".into(), json: None, truncated: 0 };
        assert_eq!(read(r#"{"text":"hi","base64":"aGk="}"#).expect("string"), Value::String(string));
        // As the derived reader had it: an empty array is a stream's.
        assert_eq!(read("[]").expect("empty"), Value::Stream(Vec::new()));
    }

    #[test]
    fn fields_it_does_not_know_are_ignored() {
        let blob: Blob = serde_json::from_str(r#"{"note":[1,{"x":2}],"base64":"/w=="}"#).expect("blob");
        assert_eq!(blob, Blob::Binary { base64: "/w==".into() });
        let entry = read(r#"[{"id":"1-0","extra":null,"fields":[]}]"#).expect("stream");
        assert_eq!(entry, Value::Stream(vec![StreamEntry { id: "1-0".into(), fields: Vec::new() }]));
    }

    #[test]
    fn what_is_no_shape_is_an_error() {
        for text in [
            r#"["a",["b","c"]]"#,
            r#"[["a","b"],"c"]"#,
            r#"[{"id":"1-0","fields":[]},"a"]"#,
            r#"[["a"]]"#,
            r#"[["a","b","c"]]"#,
            r#"[{"id":"1-0"}]"#,
            r#"[{"fields":[]}]"#,
            r#"[{}]"#,
            r#"[1]"#,
            "null",
            "3",
        ] {
            assert!(read(text).is_err(), "{text}");
        }
        for text in [r#"{}"#, r#"{"id":"1-0","fields":[]}"#, "[]", "1", "null"] {
            assert!(serde_json::from_str::<Blob>(text).is_err(), "{text}");
        }
    }
}
