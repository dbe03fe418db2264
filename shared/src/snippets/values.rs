//! Python values and how Python writes them: `repr()` of what redis-py
//! returns, and literals for the arguments in the generated code.
//!
//! Python's `repr` has precise rules students see every day (`b'caf\xc3\xa9'`,
//! `1.0`, `1e+16`, `set()`, `(b'a', 1.0)`), so they are reproduced exactly
//! rather than approximated with Rust's `{:?}`.

use std::fmt::Write as _;

/// How deep a value may nest before it is cut short (`...`). Replies come
/// from the network; printing must not overflow the stack on a hostile one.
pub(super) const MAX_DEPTH: usize = 64;

/// A Python value, as redis-py hands it to a script.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Bytes(Vec<u8>),
    Str(String),
    List(Vec<Py>),
    Tuple(Vec<Py>),
    /// Insertion order, like Python's `dict`.
    Dict(Vec<(Py, Py)>),
    /// In the order the elements came (Python's own order depends on hash
    /// seeds, so no order is "the" right one).
    Set(Vec<Py>),
    /// An exception object that is a value, not raised: redis-py puts one in
    /// a list for an error element of an array reply.
    Exception {
        class: &'static str,
        message: String,
    },
    /// Nesting cut short at [`MAX_DEPTH`].
    Ellipsis,
}

impl Py {
    /// `dict(pairs)`: later duplicates replace the value but keep the first
    /// position, as in Python.
    pub(super) fn dict(pairs: impl IntoIterator<Item = (Py, Py)>) -> Py {
        let mut out: Vec<(Py, Py)> = Vec::new();
        for (key, value) in pairs {
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
        Py::Dict(out)
    }

    /// `set(items)`: duplicates dropped, first occurrence kept.
    pub(super) fn set(items: impl IntoIterator<Item = Py>) -> Py {
        let mut out: Vec<Py> = Vec::new();
        for item in items {
            if !out.contains(&item) {
                out.push(item);
            }
        }
        Py::Set(out)
    }

    /// Python's truth value (`bool(x)`).
    pub(super) fn truthy(&self) -> bool {
        match self {
            Py::None => false,
            Py::Bool(b) => *b,
            Py::Int(n) => *n != 0,
            Py::Float(f) => *f != 0.0,
            Py::Bytes(b) => !b.is_empty(),
            Py::Str(s) => !s.is_empty(),
            Py::List(v) | Py::Tuple(v) | Py::Set(v) => !v.is_empty(),
            Py::Dict(v) => !v.is_empty(),
            Py::Exception { .. } | Py::Ellipsis => true,
        }
    }

    /// `repr(self)`.
    pub(super) fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out, 0);
        out
    }

    /// What `print(self)` shows: `str()`, which is `repr()` except for a
    /// top-level `str`.
    pub(super) fn print(&self) -> String {
        match self {
            Py::Str(s) => s.clone(),
            other => other.repr(),
        }
    }

    fn write_repr(&self, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            out.push_str("...");
            return;
        }
        match self {
            Py::None => out.push_str("None"),
            Py::Bool(true) => out.push_str("True"),
            Py::Bool(false) => out.push_str("False"),
            Py::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Py::Float(f) => out.push_str(&float_repr(*f)),
            Py::Bytes(b) => out.push_str(&bytes_repr(b)),
            Py::Str(s) => out.push_str(&str_repr(s)),
            Py::List(items) => {
                out.push('[');
                write_items(out, items, depth);
                out.push(']');
            }
            Py::Tuple(items) => {
                out.push('(');
                write_items(out, items, depth);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Py::Set(items) if items.is_empty() => out.push_str("set()"),
            Py::Set(items) => {
                out.push('{');
                write_items(out, items, depth);
                out.push('}');
            }
            Py::Dict(pairs) => {
                out.push('{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    key.write_repr(out, depth + 1);
                    out.push_str(": ");
                    value.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Py::Exception { class, message } => {
                let _ = write!(out, "{class}({})", str_repr(message));
            }
            Py::Ellipsis => out.push_str("..."),
        }
    }
}

fn write_items(out: &mut String, items: &[Py], depth: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_repr(out, depth + 1);
    }
}

/// `repr(bytes)`: `b'...'` (or `b"..."` when the bytes hold a `'` and no
/// `"`), with `\\`, `\t`, `\n`, `\r`, the quote, and `\xhh` for every byte
/// outside printable ASCII.
pub(super) fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') { '"' } else { '\'' };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(byte) == quote => {
                out.push('\\');
                out.push(quote);
            }
            b' '..=b'~' => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(quote);
    out
}

/// `repr(str)`: the same quoting as [`bytes_repr`]; characters Python does
/// not consider printable are escaped (`\xhh`, `\uhhhh`, `\Uhhhhhhhh`),
/// everything else is kept as is.
pub(super) fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if c == quote => {
                out.push('\\');
                out.push(quote);
            }
            _ if !py_printable(c) => push_unicode_escape(&mut out, c),
            _ => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A Python `str` literal for `text` (for arguments in generated code).
/// Same as [`str_repr`]: a repr is a valid literal.
pub(super) fn str_literal(text: &str) -> String {
    str_repr(text)
}

/// A Python float literal for `value` (`1.0`, `1e+16`, `float('inf')`).
pub(super) fn float_literal(value: f64) -> String {
    if value.is_finite() {
        float_repr(value)
    } else {
        format!("float('{}')", float_repr(value))
    }
}

fn push_unicode_escape(out: &mut String, c: char) {
    let code = u32::from(c);
    let _ = if code < 0x100 {
        write!(out, "\\x{code:02x}")
    } else if code < 0x10000 {
        write!(out, "\\u{code:04x}")
    } else {
        write!(out, "\\U{code:08x}")
    };
}

/// Python's `str.isprintable()` for one character, approximated without
/// Unicode tables: control characters, separators other than the space, and
/// the common invisible format characters are not printable.
fn py_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
        || ('\u{e000}'..='\u{f8ff}').contains(&c))
}

/// `repr(float)`: the shortest digits that read back the same number, in
/// positional notation when the decimal point falls within 16 digits and
/// in `1e+16` notation otherwise, always with a `.0` or an exponent so it
/// reads as a float.
pub(super) fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `1.5e16`.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // Python's `decpt`: value = 0.DIGITS × 10^decpt.
    let decpt = exponent + 1;
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            let zeros = "0".repeat(usize::try_from(-decpt).unwrap_or(0));
            format!("{sign}0.{zeros}{digits}")
        } else if decpt >= len {
            let zeros = "0".repeat(usize::try_from(decpt - len).unwrap_or(0));
            format!("{sign}{digits}{zeros}.0")
        } else {
            let (int, frac) = digits.split_at(usize::try_from(decpt).unwrap_or(0));
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}e{exp_sign}{:02}", exponent.abs())
    }
}

/// Python's `float(text)` for what Redis sends (`"1.5"`, `"inf"`,
/// `"-inf"`, `"1e+16"`), `None` where Python would raise.
pub(super) fn parse_float(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => {
            return Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY })
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if lower.contains("inf") || lower.contains("nan") {
        return None;
    }
    trimmed.replace('_', "").parse().ok()
}

/// Python's `int(text)` (sign, digits, surrounding blanks, `_` between
/// digits), `None` where Python would raise or the number is too large.
pub(super) fn parse_int(text: &str) -> Option<i128> {
    let trimmed = text.trim();
    let digits = trimmed.trim_start_matches(['+', '-']);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
        || trimmed.len() - digits.len() > 1
    {
        return None;
    }
    trimmed.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_like_python() {
        assert_eq!(bytes_repr(b"my_value"), "b'my_value'");
        assert_eq!(bytes_repr("naïve".as_bytes()), r"b'na\xc3\xafve'");
        assert_eq!(bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(bytes_repr(b"it's \"x\""), r#"b'it\'s "x"'"#);
        assert_eq!(bytes_repr(b"a\\b\t\n\r\x00\x7f\xff"), r"b'a\\b\t\n\r\x00\x7f\xff'");
        assert_eq!(bytes_repr(b""), "b''");
        assert_eq!(bytes_repr(b"<img src=x>"), "b'<img src=x>'");
    }

    #[test]
    fn strings_like_python() {
        assert_eq!(str_repr("maxmemory"), "'maxmemory'");
        assert_eq!(str_repr("naïve"), "'naïve'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a\nb\x00\u{a0}\u{2028}\u{1F600}"), "'a\\nb\\x00\\xa0\\u2028\u{1F600}'");
        assert_eq!(str_repr("\u{e000}"), "'\\ue000'");
    }

    #[test]
    fn floats_like_python() {
        for (value, repr) in [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789.125, "123456789.125"),
            (std::f64::consts::PI, "3.141592653589793"),
            (1e100, "1e+100"),
            (-1e-7, "-1e-07"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (13.361389338970184, "13.361389338970184"),
            (1234567890123456.7, "1234567890123456.8"),
        ] {
            assert_eq!(float_repr(value), repr, "{value}");
        }
        assert_eq!(float_literal(1.0), "1.0");
        assert_eq!(float_literal(f64::INFINITY), "float('inf')");
        assert_eq!(float_literal(f64::NEG_INFINITY), "float('-inf')");
    }

    #[test]
    fn parsing_like_python() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("3.0000000000000001"), Some(3.0));
        assert_eq!(parse_float("inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("1e+16"), Some(1e16));
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_float("infx"), None);
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-0"), Some(0));
        assert_eq!(parse_int(" 007 "), Some(7));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("1.0"), None);
        assert_eq!(parse_int("+-1"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("_1"), None);
    }

    #[test]
    fn containers_like_python() {
        let b = |s: &str| Py::Bytes(s.as_bytes().to_vec());
        assert_eq!(Py::List(vec![b("k2"), b("my_key")]).repr(), "[b'k2', b'my_key']");
        assert_eq!(Py::List(vec![]).repr(), "[]");
        assert_eq!(Py::Tuple(vec![b("a"), Py::Float(1.0)]).repr(), "(b'a', 1.0)");
        assert_eq!(Py::Tuple(vec![Py::Int(1)]).repr(), "(1,)");
        assert_eq!(Py::Tuple(vec![]).repr(), "()");
        assert_eq!(Py::set([b("a"), b("b"), b("a")]).repr(), "{b'a', b'b'}");
        assert_eq!(Py::set([]).repr(), "set()");
        assert_eq!(
            Py::dict([(b("f"), b("1")), (b("g"), b("2")), (b("f"), b("3"))]).repr(),
            "{b'f': b'3', b'g': b'2'}"
        );
        assert_eq!(Py::dict([]).repr(), "{}");
        assert_eq!(Py::None.repr(), "None");
        assert_eq!(Py::Bool(true).repr(), "True");
        assert_eq!(Py::Str("x".into()).repr(), "'x'");
        assert_eq!(Py::Str("x".into()).print(), "x");
        assert_eq!(Py::List(vec![Py::Str("x".into())]).print(), "['x']");
        let error = Py::Exception { class: "ResponseError", message: "WRONGTYPE Operation".into() };
        assert_eq!(error.repr(), "ResponseError('WRONGTYPE Operation')");
    }

    #[test]
    fn deep_values_are_cut_short() {
        let mut value = Py::Int(1);
        for _ in 0..200 {
            value = Py::List(vec![value]);
        }
        let text = value.repr();
        assert!(text.starts_with("[[[[") && text.contains("..."));
        assert!(!text.contains('1'));
    }

    #[test]
    fn truth_values() {
        assert!(!Py::None.truthy());
        assert!(Py::Int(2).truthy() && !Py::Int(0).truthy());
        assert!(Py::Bytes(b"OK".to_vec()).truthy() && !Py::Bytes(vec![]).truthy());
        assert!(!Py::List(vec![]).truthy());
    }
}
