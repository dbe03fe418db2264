//! Checking a record edit from the browser — `PUT`/`PATCH /api/data/{id}`
//! with a JSON object of fields, `DELETE /api/data/{id}` — before Redis
//! sees it, and the console commands that do the same by hand.
//!
//! An edit is held to the rules a loaded file is held to
//! ([`super::source`]): an id that can be typed as `meteorite:<id>`, at most
//! [`MAX_FIELDS`] fields with non-empty names of at most
//! [`MAX_FIELD_NAME_BYTES`] bytes, values of at most [`MAX_VALUE_BYTES`].
//! Values must be JSON strings: a Redis hash holds text, and an edit says
//! exactly what text (a loaded file may have numbers, which keep their JSON
//! text; an edit made by hand has no reason to). The fields keep the order
//! they are given in, which is the order `HGETALL` then shows.
//!
//! Every problem is a `400` naming the field and what is wrong, found
//! before anything is written: a refused edit changes nothing.

use std::fmt;

use bolide_shared::cli::quote_arg;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::source::{MAX_FIELDS, MAX_FIELD_NAME_BYTES, MAX_ID_BYTES, MAX_VALUE_BYTES};
use super::KEY_PREFIX;
use crate::error::AppError;

/// The largest edit body: room for a few fields at the value limit (a NASA
/// record is about 200 bytes).
pub const MAX_EDIT_BODY: usize = 256 * 1024;

/// A landing id from a URL: 1 to [`MAX_ID_BYTES`] bytes, no whitespace or
/// control characters (it is the `<id>` of `meteorite:<id>`).
pub fn check_id(id: &str) -> Result<(), AppError> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::BadRequest {
            code: "bad_parameter",
            message: format!("parameter `id`: a landing id has 1 to {MAX_ID_BYTES} bytes, no spaces"),
        });
    }
    Ok(())
}

/// The fields of an edit body for landing `id`, checked (see the module
/// docs). An `id` field, if given, must be `id`: an edit cannot move a
/// landing to another key.
pub fn parse_fields(body: &[u8], id: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let object = deserializer.deserialize_map(ObjectVisitor).map_err(|err| {
        if err.is_data() || (err.is_eof() && body.iter().all(u8::is_ascii_whitespace)) {
            bad(format!("the body must be a JSON object of fields, e.g. {EXAMPLE}"))
        } else {
            bad(format!("the body is not valid JSON: {err}"))
        }
    })?;
    deserializer.end().map_err(|err| bad(format!("the body is not valid JSON: {err}")))?;
    if object.is_empty() {
        return Err(bad("no fields: give at least one (to remove the landing, DELETE it)".into()));
    }
    if object.len() > MAX_FIELDS {
        return Err(bad(format!("{} fields; a landing has at most {MAX_FIELDS}", object.len())));
    }
    let mut fields: Vec<(String, String)> = Vec::with_capacity(object.len());
    for (name, value) in object {
        let shown = clip(&name);
        if name.is_empty() {
            return Err(bad("a field name is empty".into()));
        }
        if name.len() > MAX_FIELD_NAME_BYTES {
            return Err(bad(format!("the field name {shown:?} is longer than {MAX_FIELD_NAME_BYTES} bytes")));
        }
        if name.chars().any(char::is_control) {
            return Err(bad(format!("the field name {shown:?} contains a control character")));
        }
        if fields.iter().any(|(n, _)| *n == name) {
            return Err(bad(format!("the field {shown:?} appears twice")));
        }
        let value = match value {
            Value::Text(text) => text,
            Value::Other(kind) => {
                return Err(bad(format!("the field {shown:?} is {kind}; values must be strings")));
            }
        };
        if value.len() > MAX_VALUE_BYTES {
            return Err(bad(format!(
                "the value of {shown:?} is {} bytes, over the limit of {MAX_VALUE_BYTES}",
                value.len()
            )));
        }
        if name == "id" && value != id {
            return Err(bad(format!(
                "the field \"id\" is {:?} but the URL names landing {id:?}: an edit cannot move a landing \
                 to another key",
                clip(&value)
            )));
        }
        fields.push((name, value));
    }
    Ok(fields)
}

/// `HSET meteorite:<id> field value …`, quoted as redis-cli reads it.
pub fn hset_command(id: &str, fields: &[(String, String)]) -> String {
    let mut line = format!("HSET {}", quote_arg(format!("{KEY_PREFIX}{id}").as_bytes()));
    for (name, value) in fields {
        line.push(' ');
        line.push_str(&quote_arg(name.as_bytes()));
        line.push(' ');
        line.push_str(&quote_arg(value.as_bytes()));
    }
    line
}

/// `DEL meteorite:<id>`.
pub fn del_command(id: &str) -> String {
    format!("DEL {}", quote_arg(format!("{KEY_PREFIX}{id}").as_bytes()))
}

/// `UNLINK meteorite:<id>` (`DEL` that frees the memory in the background).
pub fn unlink_command(id: &str) -> String {
    format!("UNLINK {}", quote_arg(format!("{KEY_PREFIX}{id}").as_bytes()))
}

const EXAMPLE: &str = r#"{"name": "Aachen", "mass (g)": "21"}"#;

fn bad(message: String) -> AppError {
    AppError::BadRequest { code: "bad_record", message }
}

/// A name or value as a message shows it: at most 64 characters.
fn clip(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A field's value as sent: a string, or what else it was.
enum Value {
    Text(String),
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        Ok(Value::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        Ok(Value::Text(text))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Other("true or false"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Other("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Value::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(Value::Other("an object"))
    }
}

/// A JSON object's entries, in the order given (duplicates kept, to be
/// refused by name).
struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Vec<(String, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            if entries.len() > MAX_FIELDS {
                // Enough to refuse it; do not collect the rest.
                while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                break;
            }
            entries.push(entry);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> String {
        match parse_fields(body.as_bytes(), "7") {
            Err(AppError::BadRequest { message, .. }) => message,
            other => panic!("{body}: {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn fields_keep_their_order() {
        let fields =
            parse_fields(r#"{"name": "Aïr", "id": "7", "mass (g)": "21"}"#.as_bytes(), "7").expect("ok");
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["name", "id", "mass (g)"]);
        assert_eq!(fields[0].1, "Aïr");
    }

    #[test]
    fn hostile_bodies_are_named() {
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("\"f{i}\": \"v\"")).collect();
        let many = format!("{{{}}}", many.join(","));
        let long_name = format!("{{\"{}\": \"v\"}}", "n".repeat(MAX_FIELD_NAME_BYTES + 1));
        let long_value = format!("{{\"name\": \"{}\"}}", "v".repeat(MAX_VALUE_BYTES + 1));
        for (body, needle) in [
            ("", "JSON object"),
            ("[1]", "JSON object"),
            ("\"name\"", "JSON object"),
            ("{\"name\": ", "not valid JSON"),
            ("{\"name\": \"a\"} x", "not valid JSON"),
            ("{}", "no fields"),
            (many.as_str(), "at most 64"),
            ("{\"\": \"v\"}", "empty"),
            (long_name.as_str(), "longer than 256"),
            ("{\"a\\nb\": \"v\"}", "control"),
            ("{\"name\": \"a\", \"name\": \"b\"}", "appears twice"),
            ("{\"mass (g)\": 21}", "\"mass (g)\" is a number"),
            ("{\"name\": null}", "null"),
            ("{\"name\": [\"a\"]}", "an array"),
            ("{\"name\": {\"a\": 1}}", "an object"),
            (long_value.as_str(), "over the limit"),
            ("{\"id\": \"8\"}", "cannot move"),
        ] {
            let message = refused(body);
            assert!(message.contains(needle), "{body:.80}: {message}");
        }
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("12345").is_ok());
        assert!(check_id("Aïr-1").is_ok());
        for id in ["", "a b", "a\tb", "a\u{0}", &"9".repeat(MAX_ID_BYTES + 1)] {
            assert!(check_id(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn commands_are_quoted_as_redis_cli_reads_them() {
        let fields =
            vec![("name".to_string(), "Aachen 2".to_string()), ("mass (g)".to_string(), "21".to_string())];
        assert_eq!(hset_command("1", &fields), r#"HSET meteorite:1 name "Aachen 2" "mass (g)" 21"#);
        assert_eq!(del_command("1"), "DEL meteorite:1");
    }
}
