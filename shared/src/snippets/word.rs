//! One argument of a command, as the snippets read and write it.
//!
//! Arguments are bytes: redis-cli's `"\x00\xff"` is the two bytes 0x00 and
//! 0xff, which are not UTF-8. The generators decide the call from the text
//! (a command name, an option, a number), so a [`Word`] reads as a `str`
//! (lossily, for those decisions); but it is *written* from its bytes:
//! [`Word::python_literal`] gives `b'\x00\xff'` and [`Word::rust_literal`]
//! (also its `{:?}`) `b"\x00\xff"` when the bytes are not UTF-8, so the
//! program stores exactly what the console did, never `'\x00\u{fffd}'`.

use std::fmt;
use std::ops::Deref;

use super::values::{bytes_repr, str_literal};

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The bytes as UTF-8, lossily where they are not.
    text: String,
    /// The bytes, kept only when they are not UTF-8.
    binary: Option<Vec<u8>>,
}

impl Word {
    pub(crate) fn new(bytes: &[u8]) -> Word {
        match std::str::from_utf8(bytes) {
            Ok(text) => Word { text: text.to_owned(), binary: None },
            Err(_) => {
                Word { text: String::from_utf8_lossy(bytes).into_owned(), binary: Some(bytes.to_vec()) }
            }
        }
    }

    /// Whether the bytes are not UTF-8 (a program must send them as bytes).
    pub(crate) fn is_binary(&self) -> bool {
        self.binary.is_some()
    }

    /// A Python literal for it: a `str`, or `bytes` when it is not UTF-8.
    pub(crate) fn python_literal(&self) -> String {
        match &self.binary {
            Some(bytes) => bytes_repr(bytes),
            None => str_literal(&self.text),
        }
    }

    /// A Rust literal for it: a `&str`, or a byte string `b"…"` when it is
    /// not UTF-8 (the `redis` crate takes both as one argument).
    pub(crate) fn rust_literal(&self) -> String {
        match &self.binary {
            Some(bytes) => {
                let mut out = String::from("b\"");
                for &byte in bytes {
                    match byte {
                        b'"' => out.push_str("\\\""),
                        b'\\' => out.push_str("\\\\"),
                        0x20..=0x7e => out.push(char::from(byte)),
                        _ => out.push_str(&format!("\\x{byte:02x}")),
                    }
                }
                out.push('"');
                out
            }
            None => format!("{:?}", self.text),
        }
    }
}

impl From<&str> for Word {
    fn from(text: &str) -> Word {
        Word { text: text.to_owned(), binary: None }
    }
}

impl Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<[u8]> for Word {
    fn as_ref(&self) -> &[u8] {
        self.binary.as_deref().unwrap_or(self.text.as_bytes())
    }
}

impl PartialEq<str> for Word {
    fn eq(&self, other: &str) -> bool {
        !self.is_binary() && self.text == other
    }
}

impl PartialEq<&str> for Word {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// The Rust literal: generated Rust code formats arguments with `{:?}`.
impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rust_literal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_bytes_write() {
        let binary = Word::new(b"\x00\xff");
        assert!(binary.is_binary());
        assert_eq!(&*binary, "\u{0}\u{fffd}");
        assert_eq!(binary.python_literal(), "b'\\x00\\xff'");
        assert_eq!(binary.rust_literal(), "b\"\\x00\\xff\"");
        assert_eq!(format!("{binary:?}"), "b\"\\x00\\xff\"");
        assert_eq!(binary.as_ref(), b"\x00\xff");
        assert_ne!(binary, *"\u{0}\u{fffd}");
        assert_eq!(Word::new(b"a\"\\\xc3").rust_literal(), "b\"a\\\"\\\\\\xc3\"");

        let text = Word::new("café\n".as_bytes());
        assert!(!text.is_binary());
        assert_eq!(text.python_literal(), "'café\\n'");
        assert_eq!(format!("{text:?}"), "\"café\\n\"");
        assert_eq!(text, "café\n");
    }
}
