//! The Redis protocol on the wire: requests in, replies out.
//!
//! **Requests** are what clients send: RESP arrays of bulk strings (every
//! client library, redis-cli, redis-benchmark) or an inline line (a person
//! typing into `nc`). The decoder is Bolide's own, not a RESP crate's:
//! general RESP decoders read a whole frame into memory before anyone can
//! look at its size, and the gateway must refuse a request *from its
//! header* — too many arguments, an argument too long, a request past the
//! console's body limit — before buffering it. The request side of RESP is
//! small (two frame types), so this is a few dozen lines.
//!
//! **Replies** are the console's reply model ([`Reply`], RESP2's types),
//! written as RESP2, or as RESP3 after `HELLO 3`: nulls as `_`, and — since
//! Bolide's own connections to Redis speak RESP2 — the replies RESP3
//! clients expect as maps, sets or doubles are reshaped by the command that
//! produced them ([`Shape`]); the others are the same in both protocols.

use bolide_shared::cli::{split_args_bytes, Reply};

/// How large a request may be; [`decode`] refuses past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Arguments, the command name included.
    pub max_args: usize,
    /// Bytes in one argument.
    pub max_arg_bytes: usize,
    /// Bytes of the whole request as sent.
    pub max_request_bytes: usize,
}

/// Longest inline command line (Redis's own limit is 64 KiB).
const MAX_INLINE_BYTES: usize = 64 * 1024;

/// What the start of the read buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Not a whole request yet: read more.
    Incomplete,
    /// One request (possibly empty, which is skipped) and the bytes it took.
    Request { args: Vec<Vec<u8>>, used: usize },
    /// A request that breaks the protocol or the limits: answer this error
    /// and close (the rest of the stream cannot be trusted to line up).
    Refused(String),
}

/// Decodes the request at the start of `buf`.
pub fn decode(buf: &[u8], limits: &RequestLimits) -> Decoded {
    match buf.first() {
        None => Decoded::Incomplete,
        Some(b'*') => decode_array(buf, limits),
        Some(_) => decode_inline(buf, limits),
    }
}

fn decode_array(buf: &[u8], limits: &RequestLimits) -> Decoded {
    let Some((count, mut at)) = line_number(buf, 1) else {
        return incomplete_or_refused(
            buf,
            MAX_INLINE_BYTES,
            "ERR Protocol error: too big mbulk count string",
        );
    };
    let Ok(count) = count else {
        return Decoded::Refused("ERR Protocol error: invalid multibulk length".into());
    };
    if count <= 0 {
        return Decoded::Request { args: Vec::new(), used: at };
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count > limits.max_args {
        return Decoded::Refused(format!(
            "ERR too many arguments ({count}): the gateway accepts at most {}",
            limits.max_args
        ));
    }
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        match buf.get(at) {
            None => return Decoded::Incomplete,
            Some(b'$') => {}
            Some(other) => {
                return Decoded::Refused(format!(
                    "ERR Protocol error: expected '$', got '{}'",
                    *other as char
                ))
            }
        }
        let Some((len, start)) = line_number(buf, at + 1) else {
            return incomplete_or_refused(&buf[at..], 32, "ERR Protocol error: invalid bulk length");
        };
        let len = match len.map(usize::try_from) {
            Ok(Ok(len)) => len,
            _ => return Decoded::Refused("ERR Protocol error: invalid bulk length".into()),
        };
        if len > limits.max_arg_bytes {
            return Decoded::Refused(format!(
                "ERR argument too long ({len} bytes): the gateway accepts at most {}",
                limits.max_arg_bytes
            ));
        }
        let end = start + len;
        if end + 2 > limits.max_request_bytes {
            return Decoded::Refused(format!(
                "ERR request too large: the gateway accepts at most {} bytes in one command",
                limits.max_request_bytes
            ));
        }
        if buf.len() < end + 2 {
            return Decoded::Incomplete;
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Decoded::Refused("ERR Protocol error: bulk string not followed by CRLF".into());
        }
        args.push(buf[start..end].to_vec());
        at = end + 2;
    }
    Decoded::Request { args, used: at }
}

fn decode_inline(buf: &[u8], limits: &RequestLimits) -> Decoded {
    let Some(newline) = buf.iter().position(|&b| b == b'\n') else {
        return incomplete_or_refused(buf, MAX_INLINE_BYTES, "ERR Protocol error: too big inline request");
    };
    let line = buf[..newline].strip_suffix(b"\r").unwrap_or(&buf[..newline]);
    match split_args_bytes(line) {
        Ok(args) if args.len() > limits.max_args => Decoded::Refused(format!(
            "ERR too many arguments ({}): the gateway accepts at most {}",
            args.len(),
            limits.max_args
        )),
        Ok(args) => Decoded::Request { args, used: newline + 1 },
        Err(_) => Decoded::Refused("ERR Protocol error: unbalanced quotes in request".into()),
    }
}

/// `<digits>\r\n` starting at `from`: the number (or `Err` if it is not
/// one) and where the next line starts; `None` if the line is not complete.
///
/// A request has a header per argument, nearly all of them a few plain
/// digits: those are read in one pass, digit by digit up to the `\r`
/// (18 digits cannot overflow); anything else (a sign, a longer number, a
/// stray byte) is found and parsed as `str::parse::<i64>` would.
fn line_number(buf: &[u8], from: usize) -> Option<(Result<i64, ()>, usize)> {
    let rest = buf.get(from..)?;
    let mut number: i64 = 0;
    let mut digits = 0;
    for &byte in rest.iter().take(18) {
        if !byte.is_ascii_digit() {
            break;
        }
        number = number * 10 + i64::from(byte - b'0');
        digits += 1;
    }
    if digits > 0 && rest.get(digits) == Some(&b'\r') {
        return match rest.get(digits + 1)? {
            b'\n' => Some((Ok(number), from + digits + 2)),
            _ => Some((Err(()), from + digits + 1)),
        };
    }
    line_number_slow(rest, from)
}

/// [`line_number`] for a line that is not a few plain digits.
fn line_number_slow(rest: &[u8], from: usize) -> Option<(Result<i64, ()>, usize)> {
    let end = rest.iter().take(32).position(|&b| b == b'\r')?;
    if rest.get(end + 1)? != &b'\n' {
        return Some((Err(()), from + end + 1));
    }
    Some((parse_i64(&rest[..end]), from + end + 2))
}

/// A header's number, read as `str::parse::<i64>` reads it (an optional
/// sign, then digits; no overflow), from the bytes themselves: a request
/// has a header per argument, and going through `str` checked its UTF-8
/// first.
fn parse_i64(digits: &[u8]) -> Result<i64, ()> {
    let (negative, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, digits),
    };
    if digits.is_empty() {
        return Err(());
    }
    // Accumulated towards the sign, so that `i64::MIN` fits.
    let mut number: i64 = 0;
    for &digit in digits {
        let value = match digit {
            b'0'..=b'9' => i64::from(digit - b'0'),
            _ => return Err(()),
        };
        number = number.checked_mul(10).ok_or(())?;
        number = if negative { number.checked_sub(value) } else { number.checked_add(value) }.ok_or(())?;
    }
    Ok(number)
}

/// An unfinished header is fine while short; past `max` it never will be.
fn incomplete_or_refused(buf: &[u8], max: usize, error: &str) -> Decoded {
    if buf.len() > max {
        Decoded::Refused(error.into())
    } else {
        Decoded::Incomplete
    }
}

/// The protocol a connection speaks (`HELLO 2` / `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Resp2,
    Resp3,
}

/// What a RESP3 client expects a command's RESP2 reply to become: a small
/// tree, since RESP3's types sit at different depths for different
/// commands (a map at the top for `HGETALL`, doubles two levels down for
/// `GEOPOS`, one element per queued command for `EXEC`). Which command has
/// which shape is [`super::resp3`]'s table. A shape that does not fit the
/// reply (an error, a nil, a count that is not even) leaves it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The same in both protocols (but nulls, which are `_` in RESP3).
    Plain,
    /// A flat array of pairs → a map (`HGETALL`, `CONFIG GET`, `HELLO`).
    Map,
    /// An array of distinct members → a set (`SMEMBERS`, `SINTER`, …).
    Set,
    /// An array → a set, each member shaped as given (`COMMAND INFO`'s key
    /// specs: a set of maps).
    SetOf(Box<Shape>),
    /// An empty array → an empty set, else each element shaped as given
    /// (`COMMAND INFO`'s subcommands: Redis sends `~0` when there are none).
    EachOrEmptySet(Box<Shape>),
    /// A bulk string holding a number → a double (`ZSCORE`, `ZINCRBY`).
    Double,
    /// A bulk string of text → a verbatim string, `txt:` (`INFO`, `LOLWUT`).
    Verbatim,
    /// A flat array `[a, b, a, b, …]` → `[[a, b], [a, b], …]`, each `b`
    /// shaped as given (`ZRANGE … WITHSCORES`: `Pairs(Double)`).
    Pairs(Box<Shape>),
    /// Every element shaped as given (`ZMSCORE`: `Each(Double)`).
    Each(Box<Shape>),
    /// Element `i` shaped by the `i`-th shape, the rest plain (`EXEC`: one
    /// shape per queued command; `ZPOPMIN key`: `[member, Double]`).
    Tuple(Vec<Shape>),
    /// An array of `[key, value]` arrays → a map of key → value, each
    /// value shaped as given (`XREAD`).
    KeyedMap(Box<Shape>),
    /// A flat array of pairs → a map, the value of each field the first
    /// matching [`Field`] names shaped as it says, the others plain
    /// (`XINFO STREAM … FULL`: its `groups`; `MEMORY STATS`: its ratios).
    Fields(Vec<(Field, Shape)>),
}

/// Which fields of a [`Shape::Fields`] map a shape is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// This name.
    Is(&'static str),
    /// Names starting so (`db.` for `db.0`, `db.1`, …).
    StartsWith(&'static str),
    /// Names ending so (`.ratio`).
    EndsWith(&'static str),
}

impl Field {
    fn matches(self, name: &Reply) -> bool {
        let name: &[u8] = match name {
            Reply::Bulk(name) => name,
            Reply::Status(name) => name.as_bytes(),
            _ => return false,
        };
        match self {
            Field::Is(is) => name == is.as_bytes(),
            Field::StartsWith(start) => name.starts_with(start.as_bytes()),
            Field::EndsWith(end) => name.ends_with(end.as_bytes()),
        }
    }
}

impl Shape {
    /// A shape wrapped in a box, for the variants that hold one.
    pub fn boxed(self) -> Box<Shape> {
        Box::new(self)
    }
}

/// Appends `reply` to `out` in `protocol`, shaped as `shape` for RESP3.
pub fn encode(out: &mut Vec<u8>, reply: &Reply, shape: &Shape, protocol: Protocol) {
    if protocol == Protocol::Resp3 && encode_resp3(out, reply, shape) {
        return;
    }
    match reply {
        Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
        Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
        Reply::Integer(n) => {
            out.push(b':');
            out.extend_from_slice(itoa(*n).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Reply::Status(text) => simple(out, b'+', text),
        Reply::Error(text) => simple(out, b'-', text),
        Reply::Bulk(bytes) => bulk(out, b'$', bytes),
        Reply::Array(items) => {
            header(out, b'*', items.len());
            for item in items {
                encode(out, item, &Shape::Plain, protocol);
            }
        }
    }
}

/// The RESP3 form of `reply` as `shape`, if it differs from RESP2's; says
/// whether it wrote anything.
fn encode_resp3(out: &mut Vec<u8>, reply: &Reply, shape: &Shape) -> bool {
    const R3: Protocol = Protocol::Resp3;
    let items = match reply {
        Reply::Nil | Reply::NilArray => {
            out.extend_from_slice(b"_\r\n");
            return true;
        }
        Reply::Bulk(bytes) => {
            match shape {
                Shape::Double if std::str::from_utf8(bytes).is_ok_and(is_double) => {
                    out.push(b',');
                    out.extend_from_slice(bytes);
                    out.extend_from_slice(b"\r\n");
                }
                Shape::Verbatim => {
                    header(out, b'=', bytes.len() + 4);
                    out.extend_from_slice(b"txt:");
                    out.extend_from_slice(bytes);
                    out.extend_from_slice(b"\r\n");
                }
                _ => return false,
            }
            return true;
        }
        Reply::Array(items) => items,
        _ => return false,
    };
    match shape {
        Shape::Map if items.len() % 2 == 0 => {
            header(out, b'%', items.len() / 2);
            items.iter().for_each(|item| encode(out, item, &Shape::Plain, R3));
        }
        Shape::Set => {
            header(out, b'~', items.len());
            items.iter().for_each(|item| encode(out, item, &Shape::Plain, R3));
        }
        Shape::SetOf(each) => {
            header(out, b'~', items.len());
            items.iter().for_each(|item| encode(out, item, each, R3));
        }
        Shape::EachOrEmptySet(_) if items.is_empty() => header(out, b'~', 0),
        Shape::EachOrEmptySet(each) => {
            header(out, b'*', items.len());
            items.iter().for_each(|item| encode(out, item, each, R3));
        }
        Shape::Pairs(second) if items.len() % 2 == 0 => {
            header(out, b'*', items.len() / 2);
            for pair in items.chunks(2) {
                header(out, b'*', 2);
                encode(out, &pair[0], &Shape::Plain, R3);
                encode(out, &pair[1], second, R3);
            }
        }
        Shape::Each(each) => {
            header(out, b'*', items.len());
            items.iter().for_each(|item| encode(out, item, each, R3));
        }
        Shape::Tuple(shapes) => {
            header(out, b'*', items.len());
            for (i, item) in items.iter().enumerate() {
                encode(out, item, shapes.get(i).unwrap_or(&Shape::Plain), R3);
            }
        }
        Shape::KeyedMap(value)
            if items.iter().all(|item| matches!(item, Reply::Array(pair) if pair.len() == 2)) =>
        {
            header(out, b'%', items.len());
            for item in items {
                if let Reply::Array(pair) = item {
                    encode(out, &pair[0], &Shape::Plain, R3);
                    encode(out, &pair[1], value, R3);
                }
            }
        }
        Shape::Fields(fields) if items.len() % 2 == 0 => {
            header(out, b'%', items.len() / 2);
            for pair in items.chunks(2) {
                encode(out, &pair[0], &Shape::Plain, R3);
                let shape = fields.iter().find(|(field, _)| field.matches(&pair[0])).map(|(_, shape)| shape);
                encode(out, &pair[1], shape.unwrap_or(&Shape::Plain), R3);
            }
        }
        _ => return false,
    }
    true
}

fn is_double(text: &str) -> bool {
    matches!(text, "inf" | "-inf" | "nan") || text.parse::<f64>().is_ok()
}

fn header(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    out.extend_from_slice(itoa(i64::try_from(len).unwrap_or(i64::MAX)).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, kind: u8, bytes: &[u8]) {
    header(out, kind, bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// A number's digits without a heap allocation (one per reply header
/// adds up on a pipelined connection).
fn itoa(n: i64) -> ItoaBuf {
    let mut buf = ItoaBuf { bytes: [0; 20], start: 20 };
    let negative = n < 0;
    let mut rest = n.unsigned_abs();
    loop {
        buf.start -= 1;
        buf.bytes[buf.start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if negative {
        buf.start -= 1;
        buf.bytes[buf.start] = b'-';
    }
    buf
}

struct ItoaBuf {
    bytes: [u8; 20],
    start: usize,
}

impl ItoaBuf {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// A `+`/`-` line: a line break inside would end it early, so none is sent.
fn simple(out: &mut Vec<u8>, kind: u8, text: &str) {
    out.push(kind);
    if text.bytes().any(|b| b == b'\r' || b == b'\n') {
        out.extend(text.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
    } else {
        // Nearly every line (`+OK`): copied whole, not byte by byte.
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RequestLimits = RequestLimits { max_args: 4, max_arg_bytes: 10, max_request_bytes: 64 };

    fn request(args: &[&str], used: usize) -> Decoded {
        Decoded::Request { args: args.iter().map(|a| a.as_bytes().to_vec()).collect(), used }
    }

    #[test]
    fn arrays_decode_whole_or_wait() {
        let frame = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        assert_eq!(decode(frame, &LIMITS), request(&["GET", "k"], frame.len()));
        for cut in 0..frame.len() {
            assert_eq!(decode(&frame[..cut], &LIMITS), Decoded::Incomplete, "cut at {cut}");
        }
        let two = [&frame[..], &frame[..]].concat();
        assert_eq!(decode(&two, &LIMITS), request(&["GET", "k"], frame.len()));
    }

    #[test]
    fn header_numbers_parse_as_str_parse_does() {
        for text in [
            "0",
            "16",
            "-1",
            "+7",
            "007",
            "9223372036854775807",
            "-9223372036854775808",
            "",
            "-",
            "+",
            "9223372036854775808",
            "-9223372036854775809",
            "1a",
            " 1",
            "1.5",
            "--1",
            "+-1",
            "\u{e9}",
        ] {
            assert_eq!(parse_i64(text.as_bytes()), text.parse::<i64>().map_err(drop), "{text:?}");
        }
    }

    #[test]
    fn header_lines_read_as_their_numbers_say() {
        // The one-pass path (plain digits) and the other agree with `str::parse`.
        for text in [
            "0",
            "3",
            "16",
            "007",
            "999999999999999999",
            "9223372036854775807",
            "-1",
            "+7",
            "1a",
            "",
            "99999999999999999999",
        ] {
            let line = format!("{text}\r\nrest");
            let expected = (text.parse::<i64>().map_err(drop), text.len() + 2);
            assert_eq!(line_number(line.as_bytes(), 0), Some(expected), "{text:?}");
            let at = format!("$${text}\r\n");
            assert_eq!(line_number(at.as_bytes(), 2).map(|(n, _)| n), Some(expected.0), "{text:?} at 2");
        }
        // Not a line yet, or a `\r` not followed by `\n`.
        assert_eq!(line_number(b"12", 0), None);
        assert_eq!(line_number(b"12\r", 0), None);
        assert_eq!(line_number(b"12\rx", 0), Some((Err(()), 3)));
    }

    #[test]
    fn limits_are_checked_from_headers() {
        assert!(
            matches!(decode(b"*5\r\n", &LIMITS), Decoded::Refused(e) if e.contains("too many arguments"))
        );
        assert!(matches!(decode(b"*1\r\n$11\r\n", &LIMITS), Decoded::Refused(e) if e.contains("too long")));
        assert!(matches!(decode(b"*1\r\n$-5\r\n", &LIMITS), Decoded::Refused(_)));
        assert!(matches!(decode(b"*x\r\n", &LIMITS), Decoded::Refused(_)));
        assert!(matches!(decode(b"*1\r\n+OK\r\n", &LIMITS), Decoded::Refused(_)));
        assert!(matches!(decode(b"*1\r\n$1\r\nab\r\n", &LIMITS), Decoded::Refused(_)));
        let big = RequestLimits { max_request_bytes: 20, ..LIMITS };
        assert!(
            matches!(decode(b"*2\r\n$3\r\nGET\r\n$9\r\n", &big), Decoded::Refused(e) if e.contains("too large"))
        );
        assert!(matches!(decode(&[b'*'; 70_000], &LIMITS), Decoded::Refused(_)));
    }

    #[test]
    fn inline_lines_split_like_redis() {
        assert_eq!(decode(b"SET k \"a b\"\r\n", &LIMITS), request(&["SET", "k", "a b"], 13));
        assert_eq!(decode(b"PING\n", &LIMITS), request(&["PING"], 5));
        assert_eq!(decode(b"PING", &LIMITS), Decoded::Incomplete);
        assert_eq!(decode(b"\r\n", &LIMITS), request(&[], 2));
        assert_eq!(decode(b"*0\r\n", &LIMITS), request(&[], 4));
    }

    #[test]
    fn replies_encode_in_both_protocols() {
        let pairs = Reply::Array(vec![Reply::Bulk(b"f".to_vec()), Reply::Integer(1)]);
        let mut out = Vec::new();
        encode(&mut out, &pairs, &Shape::Map, Protocol::Resp2);
        assert_eq!(out, b"*2\r\n$1\r\nf\r\n:1\r\n");
        out.clear();
        encode(&mut out, &pairs, &Shape::Map, Protocol::Resp3);
        assert_eq!(out, b"%1\r\n$1\r\nf\r\n:1\r\n");
        out.clear();
        encode(&mut out, &Reply::Nil, &Shape::Plain, Protocol::Resp3);
        encode(&mut out, &Reply::Bulk(b"1.5".to_vec()), &Shape::Double, Protocol::Resp3);
        encode(&mut out, &Reply::Error("ERR a\r\nb".into()), &Shape::Plain, Protocol::Resp3);
        encode(&mut out, &Reply::Integer(i64::MIN), &Shape::Plain, Protocol::Resp3);
        assert_eq!(out, b"_\r\n,1.5\r\n-ERR a  b\r\n:-9223372036854775808\r\n");
    }

    #[test]
    fn nested_shapes_reach_their_depth() {
        let bulk = |text: &str| Reply::Bulk(text.as_bytes().to_vec());
        let encoded = |reply: &Reply, shape: &Shape| {
            let mut out = Vec::new();
            encode(&mut out, reply, shape, Protocol::Resp3);
            String::from_utf8(out).expect("text")
        };
        let scores = Reply::Array(vec![bulk("a"), bulk("1.5"), bulk("b"), bulk("2")]);
        assert_eq!(
            encoded(&scores, &Shape::Pairs(Shape::Double.boxed())),
            "*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n"
        );
        // An odd count is not pairs: left as it is.
        let odd = Reply::Array(vec![bulk("a")]);
        assert_eq!(encoded(&odd, &Shape::Pairs(Shape::Double.boxed())), "*1\r\n$1\r\na\r\n");
        let exec = Reply::Array(vec![Reply::Integer(1), bulk("2.5"), Reply::Error("ERR x".into())]);
        let shapes = Shape::Tuple(vec![Shape::Plain, Shape::Double, Shape::Set]);
        assert_eq!(encoded(&exec, &shapes), "*3\r\n:1\r\n,2.5\r\n-ERR x\r\n");
        let xread = Reply::Array(vec![Reply::Array(vec![bulk("s"), Reply::Array(vec![])])]);
        assert_eq!(encoded(&xread, &Shape::KeyedMap(Shape::Plain.boxed())), "%1\r\n$1\r\ns\r\n*0\r\n");
        assert_eq!(encoded(&bulk("hi"), &Shape::Verbatim), "=6\r\ntxt:hi\r\n");
        assert_eq!(encoded(&bulk("not a number"), &Shape::Double), "$12\r\nnot a number\r\n");
    }
}
