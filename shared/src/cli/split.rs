//! Splitting a typed line into arguments, and quoting arguments back.
//!
//! redis-cli splits every line typed at its prompt with `sdssplitargs` from
//! redis's sds.c; [`split_args`] is a byte-for-byte reimplementation of it.
//! Some of its rules surprise (`\v` separates arguments before one but not
//! inside one; `it's` is an unbalanced quote; `"\x4"` is `x4`), and they are
//! reproduced rather than improved on purpose: a student who learns here must
//! be able to type the same line into a real redis-cli and run the same
//! command, and the other way round.

use std::fmt;

use super::format::push_escaped_byte;

/// Why a line could not be split. Either way redis-cli prints only
/// `Invalid argument(s)`, and so does this type's `Display`; the variants and
/// offsets are there for anything that wants to point at the culprit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was still open when the line ended. `at` is the byte offset of
    /// the opening quote.
    UnbalancedQuotes {
        /// Byte offset of the opening quote in the line.
        at: usize,
    },
    /// A closing quote was directly followed by something other than
    /// whitespace, as in `"foo"bar`. `at` is the byte offset of that quote.
    TextAfterClosingQuote {
        /// Byte offset of the closing quote in the line.
        at: usize,
    },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Word for word what redis-cli prints when sdssplitargs fails.
        f.write_str("Invalid argument(s)")
    }
}

impl std::error::Error for SplitError {}

/// Splits a line typed at the console into arguments, exactly as redis-cli
/// 7.0 does (its `sdssplitargs`):
///
/// * arguments are separated by runs of whitespace: space, `\t`, `\n`, `\v`,
///   `\f`, `\r` (but only space, `\t`, `\n`, `\r` end an unquoted argument,
///   so `a\vb` is one argument); no other character, Unicode spaces
///   included, separates;
/// * outside quotes, a backslash is an ordinary character;
/// * in `"double quotes"`, `\n`, `\r`, `\t`, `\b`, `\a` are control
///   characters, `\xHH` (exactly two hex digits, either case) is that byte,
///   and a backslash before anything else stands for that character (`\"`,
///   `\\`, but also `\q` for `q` and `\x4` for `x4`);
/// * in `'single quotes'`, `\'` is the only escape;
/// * a quote may open in the middle of an argument (`a"b c"` is `ab c`), but
///   a closing quote must be followed by whitespace or the end of the line:
///   `"a"b` is refused, and so is a quote left open ([`SplitError`]);
/// * the line ends at its first NUL byte, as a C string does.
///
/// Arguments are bytes, not strings: `"\xff"` is one byte that is not UTF-8.
/// An empty or blank line gives no arguments.
///
/// ```
/// use bolide_shared::cli::split_args;
///
/// let args = split_args(r#"SET "my key" 'it\'s' "\xff\n""#).unwrap();
/// assert_eq!(args, [&b"SET"[..], b"my key", b"it's", b"\xff\n"]);
/// assert_eq!(split_args(r#"GET "a"b"#).unwrap_err().to_string(), "Invalid argument(s)");
/// ```
pub fn split_args(line: &str) -> Result<Vec<Vec<u8>>, SplitError> {
    split_args_bytes(line.as_bytes())
}

/// [`split_args`] for a line that may not be UTF-8, as a terminal can send.
pub fn split_args_bytes(line: &[u8]) -> Result<Vec<Vec<u8>>, SplitError> {
    let line = match line.iter().position(|&byte| byte == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut args = Vec::new();
    let mut pos = 0;
    loop {
        while line.get(pos).is_some_and(|&byte| is_c_space(byte)) {
            pos += 1;
        }
        if pos >= line.len() {
            return Ok(args);
        }
        let (arg, next) = split_one(line, pos)?;
        args.push(arg);
        pos = next;
    }
}

/// Where [`split_one`] is inside an argument.
#[derive(Clone, Copy)]
enum Quoting {
    Bare,
    Double { open: usize },
    Single { open: usize },
}

/// Reads the argument starting at `pos` (which is not whitespace) and returns
/// it with the offset just past it.
fn split_one(line: &[u8], mut pos: usize) -> Result<(Vec<u8>, usize), SplitError> {
    let mut arg = Vec::new();
    let mut quoting = Quoting::Bare;
    loop {
        let byte = line.get(pos).copied();
        match quoting {
            Quoting::Bare => match byte {
                // Only these four end a bare argument: `\v` and `\f` are
                // skipped between arguments but kept inside one.
                None | Some(b' ' | b'\n' | b'\r' | b'\t') => return Ok((arg, pos)),
                Some(b'"') => quoting = Quoting::Double { open: pos },
                Some(b'\'') => quoting = Quoting::Single { open: pos },
                Some(other) => arg.push(other),
            },
            Quoting::Double { open } => match byte {
                None => return Err(SplitError::UnbalancedQuotes { at: open }),
                Some(b'\\') => {
                    if let Some(value) = hex_escape(line, pos) {
                        arg.push(value);
                        pos += 3;
                    } else if let Some(&escaped) = line.get(pos + 1) {
                        arg.push(unescape(escaped));
                        pos += 1;
                    } else {
                        // A lone backslash at the end: kept, and the missing
                        // closing quote is reported on the next turn.
                        arg.push(b'\\');
                    }
                }
                Some(b'"') => return close_quote(line, pos, arg),
                Some(other) => arg.push(other),
            },
            Quoting::Single { open } => match byte {
                None => return Err(SplitError::UnbalancedQuotes { at: open }),
                Some(b'\\') if line.get(pos + 1) == Some(&b'\'') => {
                    arg.push(b'\'');
                    pos += 1;
                }
                Some(b'\'') => return close_quote(line, pos, arg),
                Some(other) => arg.push(other),
            },
        }
        pos += 1;
    }
}

/// Ends a quoted argument at the closing quote at `pos`, which must be
/// followed by whitespace or the end of the line.
fn close_quote(line: &[u8], pos: usize, arg: Vec<u8>) -> Result<(Vec<u8>, usize), SplitError> {
    match line.get(pos + 1) {
        Some(&next) if !is_c_space(next) => Err(SplitError::TextAfterClosingQuote { at: pos }),
        _ => Ok((arg, pos + 1)),
    }
}

/// The byte of a `\xHH` escape starting at `pos`, if there is one.
fn hex_escape(line: &[u8], pos: usize) -> Option<u8> {
    match line.get(pos + 1..pos + 4)? {
        [b'x', high, low] => Some((hex_value(*high)? << 4) | hex_value(*low)?),
        _ => None,
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|value| u8::try_from(value).ok())
}

/// What `\c` means inside double quotes.
fn unescape(c: u8) -> u8 {
    match c {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    }
}

/// C's `isspace` in the C locale. Bytes from 0x80 up (UTF-8 included, and so
/// U+00A0 NO-BREAK SPACE) are never whitespace to redis-cli.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Writes one argument so that [`split_args`] (and so redis-cli) reads it
/// back unchanged, as readably as possible: for a command history, hints, or
/// a "try this in your own terminal" line.
///
/// A non-empty UTF-8 word with no whitespace, control characters, quotes or
/// backslashes is returned as is. Anything else is double-quoted with the escapes
/// redis-cli uses when it prints a bulk string ([`repr`](super::repr)),
/// except that printable non-ASCII characters stay readable instead of
/// becoming `\x` escapes.
///
/// ```
/// use bolide_shared::cli::{quote_arg, split_args};
///
/// assert_eq!(quote_arg(b"user:1"), "user:1");
/// assert_eq!(quote_arg("café".as_bytes()), "café");
/// assert_eq!(quote_arg(b"it's here"), r#""it's here""#);
/// assert_eq!(quote_arg(b""), r#""""#);
/// assert_eq!(quote_arg(b"\xff\x00"), r#""\xff\x00""#);
/// let line = [quote_arg(b"SET"), quote_arg(b"a b"), quote_arg(b"\n")].join(" ");
/// assert_eq!(split_args(&line).unwrap(), [&b"SET"[..], b"a b", b"\n"]);
/// ```
pub fn quote_arg(arg: &[u8]) -> String {
    if let Ok(word) = std::str::from_utf8(arg) {
        if !word.is_empty() && word.chars().all(is_bare_char) {
            return word.to_owned();
        }
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for chunk in arg.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii() || c.is_control() || c.is_whitespace() {
                let mut utf8 = [0; 4];
                for &byte in c.encode_utf8(&mut utf8).as_bytes() {
                    push_escaped_byte(&mut out, byte);
                }
            } else {
                // Bytes from 0x80 up mean nothing to the tokenizer, so a
                // printable character can stand for itself.
                out.push(c);
            }
        }
        for &byte in chunk.invalid() {
            push_escaped_byte(&mut out, byte);
        }
    }
    out.push('"');
    out
}

/// Whether `c` can appear in an unquoted argument without changing meaning.
/// (A backslash could, since it is literal outside quotes, but quoting it
/// reads less ambiguously.)
fn is_bare_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Vec<Vec<u8>> {
        match split_args(line) {
            Ok(args) => args,
            Err(err) => panic!("{line:?} was refused: {err:?}"),
        }
    }

    fn args(list: &[&[u8]]) -> Vec<Vec<u8>> {
        list.iter().map(|arg| arg.to_vec()).collect()
    }

    #[test]
    fn blank_lines_have_no_arguments() {
        assert_eq!(ok(""), args(&[]));
        assert_eq!(ok("  \t\r\n\u{b}\u{c} "), args(&[]));
    }

    #[test]
    fn whitespace_separates() {
        assert_eq!(ok("  SET  k\tv\r\n"), args(&[b"SET", b"k", b"v"]));
        assert_eq!(ok("a\rb\nc"), args(&[b"a", b"b", b"c"]));
    }

    #[test]
    fn vertical_tab_and_form_feed_only_separate_between_arguments() {
        assert_eq!(ok("\u{b}a\u{b}b \u{c}c"), args(&[b"a\x0bb", b"c"]));
    }

    #[test]
    fn unicode_spaces_are_not_separators() {
        assert_eq!(ok("a\u{a0}b\u{2028}c"), args(&["a\u{a0}b\u{2028}c".as_bytes()]));
    }

    #[test]
    fn backslash_is_literal_outside_quotes() {
        assert_eq!(ok(r"a\nb \xff \"), args(&[br"a\nb", br"\xff", br"\"]));
    }

    #[test]
    fn double_quote_escapes() {
        assert_eq!(ok(r#""\n\r\t\b\a\\\"""#), args(&[b"\n\r\t\x08\x07\\\""]));
        assert_eq!(ok(r#""\q\'\ ""#), args(&[b"q' "]));
        assert_eq!(ok(r#""it's""#), args(&[b"it's"]));
    }

    #[test]
    fn hex_escapes() {
        assert_eq!(ok(r#""\xff\x00\x7E\xAb""#), args(&[b"\xff\x00\x7e\xab"]));
        // Not two hex digits: `\x` is just `x`, the rest is kept.
        assert_eq!(ok(r#""\x4""#), args(&[b"x4"]));
        assert_eq!(ok(r#""\x4g""#), args(&[b"x4g"]));
        assert_eq!(ok(r#""\xZZ""#), args(&[b"xZZ"]));
        assert_eq!(ok(r#""\x""#), args(&[b"x"]));
    }

    #[test]
    fn single_quotes_only_escape_the_quote() {
        assert_eq!(ok(r"'it\'s'"), args(&[b"it's"]));
        assert_eq!(ok(r#"'\n\\\x41 \"'"#), args(&[br#"\n\\\x41 \""#]));
        assert_eq!(ok(r#"'say "hi"'"#), args(&[br#"say "hi""#]));
    }

    #[test]
    fn empty_quoted_arguments() {
        assert_eq!(ok(r#""" '' x"#), args(&[b"", b"", b"x"]));
    }

    #[test]
    fn quotes_can_open_mid_argument() {
        assert_eq!(ok(r#"key"with space" x'y'"#), args(&[b"keywith space", b"xy"]));
    }

    #[test]
    fn closing_quote_may_be_followed_by_any_c_space() {
        assert_eq!(ok("\"a\"\u{b}'b'\u{c}c"), args(&[b"a", b"b", b"c"]));
    }

    #[test]
    fn text_after_closing_quote_is_refused() {
        assert_eq!(split_args(r#"GET "a"b"#), Err(SplitError::TextAfterClosingQuote { at: 6 }));
        assert_eq!(split_args("'a'b"), Err(SplitError::TextAfterClosingQuote { at: 2 }));
        assert_eq!(split_args(r#""a"'b'"#), Err(SplitError::TextAfterClosingQuote { at: 2 }));
        assert_eq!(split_args(r#""""""#), Err(SplitError::TextAfterClosingQuote { at: 1 }));
    }

    #[test]
    fn unbalanced_quotes_are_refused() {
        assert_eq!(split_args(r#"SET "abc"#), Err(SplitError::UnbalancedQuotes { at: 4 }));
        assert_eq!(split_args("'abc"), Err(SplitError::UnbalancedQuotes { at: 0 }));
        // The escaped quote does not close.
        assert_eq!(split_args(r#""\""#), Err(SplitError::UnbalancedQuotes { at: 0 }));
        assert_eq!(split_args(r"'a\'"), Err(SplitError::UnbalancedQuotes { at: 0 }));
        // A trailing backslash inside quotes.
        assert_eq!(split_args(r#""abc\"#), Err(SplitError::UnbalancedQuotes { at: 0 }));
        // An apostrophe in a bare word opens a quote.
        assert_eq!(split_args("it's"), Err(SplitError::UnbalancedQuotes { at: 2 }));
    }

    #[test]
    fn errors_print_like_redis_cli() {
        for line in [r#""abc"#, "'abc", r#""a"b"#] {
            let shown = split_args(line).map_err(|err| err.to_string());
            assert_eq!(shown, Err("Invalid argument(s)".to_owned()));
        }
    }

    #[test]
    fn a_nul_byte_ends_the_line() {
        assert_eq!(ok("GET a\0b c"), args(&[b"GET", b"a"]));
        // Even where it would otherwise leave a quote open.
        assert_eq!(ok("GET \"a\"\0\""), args(&[b"GET", b"a"]));
    }

    #[test]
    fn non_utf8_lines() {
        assert_eq!(split_args_bytes(b"\xa0x\x85 \xff"), Ok(args(&[b"\xa0x\x85", b"\xff"])));
    }

    #[test]
    fn quote_arg_prefers_bare_words() {
        assert_eq!(quote_arg(b"GET"), "GET");
        assert_eq!(quote_arg(b"user:{1}:name"), "user:{1}:name");
        assert_eq!(quote_arg("日本".as_bytes()), "日本");
    }

    #[test]
    fn quote_arg_quotes_what_needs_it() {
        assert_eq!(quote_arg(b""), r#""""#);
        assert_eq!(quote_arg(b"a b"), r#""a b""#);
        assert_eq!(quote_arg(b"it's"), r#""it's""#);
        assert_eq!(quote_arg(br#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote_arg(br"C:\dir"), r#""C:\\dir""#);
        assert_eq!(quote_arg(b"\x00\x07\x08\t\n\r\x7f"), r#""\x00\a\b\t\n\r\x7f""#);
        assert_eq!(quote_arg("caf\u{e9} au lait".as_bytes()), "\"caf\u{e9} au lait\"");
        assert_eq!(quote_arg("a\u{a0}b".as_bytes()), r#""a\xc2\xa0b""#);
        assert_eq!(quote_arg(b"ok\xffok"), r#""ok\xffok""#);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn split_never_panics(line in any::<String>()) {
                let _ = split_args(&line);
            }

            #[test]
            fn split_bytes_never_panics(line in proptest::collection::vec(any::<u8>(), 0..64)) {
                let _ = split_args_bytes(&line);
            }

            #[test]
            fn split_never_panics_on_quote_heavy_lines(line in r#"[ "'\\xa-fA-F0-9\t\x0B]{0,24}"#) {
                let _ = split_args(&line);
            }

            #[test]
            fn quote_arg_round_trips(arg in proptest::collection::vec(any::<u8>(), 0..48)) {
                prop_assert_eq!(split_args(&quote_arg(&arg)), Ok(vec![arg]));
            }

            #[test]
            fn quote_arg_round_trips_text(arg in any::<String>()) {
                let arg = arg.into_bytes();
                prop_assert_eq!(split_args(&quote_arg(&arg)), Ok(vec![arg]));
            }

            #[test]
            fn quoted_lines_round_trip(
                list in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..6)
            ) {
                let line: Vec<String> = list.iter().map(|arg| quote_arg(arg)).collect();
                prop_assert_eq!(split_args(&line.join(" ")), Ok(list));
            }

            #[test]
            fn repr_round_trips(arg in proptest::collection::vec(any::<u8>(), 0..48)) {
                prop_assert_eq!(split_args(&crate::cli::repr(&arg)), Ok(vec![arg]));
            }
        }
    }
}
