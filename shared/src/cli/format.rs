//! Printing a [`Reply`] the way redis-cli prints it in a terminal.
//!
//! Students read the console's output side by side with their own
//! redis-cli's, with tutorials, and with the Redis docs, all of which show
//! redis-cli's terminal format. So [`format_reply`] reimplements
//! `cliFormatReplyTTY` from redis-cli.c (7.0) line for line, down to the
//! label padding and the indentation of nested arrays, rather than inventing
//! a prettier layout that would make every comparison a puzzle.

use super::Reply;

/// Formats `reply` exactly as redis-cli 7.0 shows it in a terminal (or with
/// `--no-raw`), without the final newline:
///
/// * a status is printed as is (`OK`), an error as `(error) ` and its text,
///   an integer as `(integer) 42`, both kinds of null as `(nil)`;
/// * a bulk string is printed in double quotes with C-like escapes
///   ([`repr`]), so every byte that is not printable ASCII, UTF-8 included,
///   appears as `\xhh`;
/// * an empty array is `(empty array)`; other arrays number their elements
///   `1) `, `2) `, ..., right-aligning the numbers to the width of the
///   largest (` 1) ` ... `10) `);
/// * an element that is itself an array starts on its parent's label line;
///   its later lines are indented by the parent's own indentation plus the
///   width of the parent's labels (digits, `)` and a space), so nested
///   labels line up under each other.
///
/// Never panics, and does not recurse: arbitrarily deep arrays (for instance
/// from a hostile JSON payload) cannot overflow the stack.
///
/// ```
/// use bolide_shared::cli::{format_reply, Reply};
///
/// let reply = Reply::Array(vec![
///     Reply::Bulk(b"hello".to_vec()),
///     Reply::Nil,
///     Reply::Array(vec![Reply::Integer(1), Reply::Status("OK".into())]),
/// ]);
/// assert_eq!(
///     format_reply(&reply),
///     "1) \"hello\"\n2) (nil)\n3) 1) (integer) 1\n   2) OK",
/// );
/// ```
pub fn format_reply(reply: &Reply) -> String {
    /// What is left to print, most urgent last.
    enum Job<'a> {
        /// A reply whose nested lines (if any) are indented by `indent`.
        Reply { reply: &'a Reply, indent: usize },
        /// An element label such as ` 3) `, preceded by `indent` spaces.
        Label { indent: usize, number: usize, width: usize },
    }

    let mut out = String::new();
    let mut jobs = vec![Job::Reply { reply, indent: 0 }];
    while let Some(job) = jobs.pop() {
        let (reply, indent) = match job {
            Job::Label { indent, number, width } => {
                push_spaces(&mut out, indent);
                out.push_str(&format!("{number:>width$}) "));
                continue;
            }
            Job::Reply { reply, indent } => (reply, indent),
        };
        match reply {
            Reply::Nil | Reply::NilArray => out.push_str("(nil)\n"),
            Reply::Integer(n) => out.push_str(&format!("(integer) {n}\n")),
            Reply::Status(text) => {
                out.push_str(until_nul(text));
                out.push('\n');
            }
            Reply::Error(text) => {
                out.push_str("(error) ");
                out.push_str(until_nul(text));
                out.push('\n');
            }
            Reply::Bulk(bytes) => {
                push_repr(&mut out, bytes);
                out.push('\n');
            }
            Reply::Array(items) if items.is_empty() => out.push_str("(empty array)\n"),
            Reply::Array(items) => {
                let width = decimal_width(items.len());
                // Elements of this array's elements line up after our labels.
                let nested = indent + width + 2;
                for (i, item) in items.iter().enumerate().rev() {
                    jobs.push(Job::Reply { reply: item, indent: nested });
                    // The first label goes right where the cursor is: either
                    // the start of the output or just after the parent's
                    // label, which already did the indenting.
                    jobs.push(Job::Label { indent: if i == 0 { 0 } else { indent }, number: i + 1, width });
                }
            }
        }
    }
    // Every reply ends its last line; the console adds its own line breaks.
    out.pop();
    out
}

/// Quotes and escapes `bytes` like redis's `sdscatrepr`, which is how
/// redis-cli shows a bulk string: `\\`, `\"`, `\n`, `\r`, `\t`, `\a` and `\b`
/// are escaped, the other printable ASCII characters (space through `~`) are
/// kept, and every other byte becomes `\x` and two lowercase hex digits.
///
/// The result is always ASCII, and [`split_args`](super::split_args) parses
/// it back to `bytes`.
///
/// ```
/// use bolide_shared::cli::repr;
///
/// assert_eq!(repr("naïve\n".as_bytes()), r#""na\xc3\xafve\n""#);
/// ```
pub fn repr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    push_repr(&mut out, bytes);
    out
}

fn push_repr(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &byte in bytes {
        push_escaped_byte(out, byte);
    }
    out.push('"');
}

/// Appends one byte as it appears between the quotes of `sdscatrepr`.
pub(super) fn push_escaped_byte(out: &mut String, byte: u8) {
    match byte {
        b'\\' => out.push_str("\\\\"),
        b'"' => out.push_str("\\\""),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        // `isprint` in the C locale: space through tilde.
        b' '..=b'~' => out.push(char::from(byte)),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\x");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// redis-cli prints status and error text as C strings, so a NUL byte (which
/// RESP allows in neither, but a buggy server could send) ends it.
fn until_nul(text: &str) -> &str {
    text.split('\0').next().unwrap_or_default()
}

fn push_spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

/// How many decimal digits `n` has (1 for 0, as in redis-cli's `do`/`while`).
fn decimal_width(mut n: usize) -> usize {
    let mut width = 1;
    while n >= 10 {
        n /= 10;
        width += 1;
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(bytes: &[u8]) -> Reply {
        Reply::Bulk(bytes.to_vec())
    }

    #[test]
    fn scalars() {
        assert_eq!(format_reply(&Reply::Status("OK".into())), "OK");
        assert_eq!(format_reply(&Reply::Integer(-3)), "(integer) -3");
        assert_eq!(format_reply(&Reply::Nil), "(nil)");
        assert_eq!(format_reply(&Reply::NilArray), "(nil)");
        assert_eq!(format_reply(&bulk(b"")), r#""""#);
        assert_eq!(format_reply(&Reply::Error("ERR syntax error".into())), "(error) ERR syntax error");
    }

    #[test]
    fn status_and_error_text_are_not_escaped() {
        let status = Reply::Status("a\"b\\c\u{e9}".into());
        assert_eq!(format_reply(&status), "a\"b\\c\u{e9}");
        let error = Reply::Error("ERR caf\u{e9}".into());
        assert_eq!(format_reply(&error), "(error) ERR caf\u{e9}");
    }

    #[test]
    fn status_and_error_stop_at_nul_like_c_strings() {
        assert_eq!(format_reply(&Reply::Status("OK\0junk".into())), "OK");
        assert_eq!(format_reply(&Reply::Error("\0".into())), "(error) ");
    }

    #[test]
    fn repr_escapes_every_byte_like_sdscatrepr() {
        let all: Vec<u8> = (0..=255).collect();
        let shown = repr(&all);
        assert!(shown.starts_with(r#""\x00\x01\x02\x03\x04\x05\x06\a\b\t\n\x0b\x0c\r\x0e"#));
        assert!(shown.contains(r##"\x1f !\"#$"##));
        assert!(shown.contains(r#"[\\]^_`"#));
        assert!(shown.contains(r#"|}~\x7f\x80\x81"#));
        assert!(shown.ends_with(r#"\xfe\xff""#));
        assert!(shown.is_ascii());
    }

    #[test]
    fn empty_array_and_nested_empty_array() {
        assert_eq!(format_reply(&Reply::Array(vec![])), "(empty array)");
        let reply = Reply::Array(vec![bulk(b"0"), Reply::Array(vec![])]);
        assert_eq!(format_reply(&reply), "1) \"0\"\n2) (empty array)");
    }

    #[test]
    fn labels_are_right_aligned_to_the_widest() {
        let reply = Reply::Array((1..=10).map(Reply::Integer).collect());
        let text = format_reply(&reply);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], " 1) (integer) 1");
        assert_eq!(lines[9], "10) (integer) 10");
    }

    #[test]
    fn nested_lines_are_indented_by_the_parents_label_width() {
        // A one-element array holding ten elements: the inner labels are two
        // digits wide, and only the first shares the outer label's line.
        let inner = Reply::Array((1..=10).map(Reply::Integer).collect());
        let text = format_reply(&Reply::Array(vec![inner]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "1)  1) (integer) 1");
        assert_eq!(lines[1], "    2) (integer) 2");
        assert_eq!(lines[9], "   10) (integer) 10");
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let mut reply = Reply::Integer(7);
        for _ in 0..100_000 {
            reply = Reply::Array(vec![reply]);
        }
        let text = format_reply(&reply);
        assert!(text.starts_with("1) 1) 1) "));
        assert!(text.ends_with("1) (integer) 7"));
        // Dropping such a value recurses in the compiler-generated drop glue;
        // unwind it by hand so the test itself stays within its stack.
        let mut current = reply;
        while let Reply::Array(mut items) = current {
            current = items.pop().unwrap_or(Reply::Nil);
        }
    }

    #[test]
    fn decimal_widths() {
        assert_eq!(decimal_width(0), 1);
        assert_eq!(decimal_width(9), 1);
        assert_eq!(decimal_width(10), 2);
        assert_eq!(decimal_width(100), 3);
        assert_eq!(decimal_width(usize::MAX), 20);
    }
}
