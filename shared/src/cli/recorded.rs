//! Transcripts of the real `redis-cli` 7.0.15, replayed against this module.
//!
//! Nothing here was written by hand from reading redis-cli's source: every
//! expected line was printed by `/usr/bin/redis-cli --no-raw -p PORT ARGS...`
//! (the formatting an interactive terminal gets) against a scratch
//! `redis-server` 7.0.15, with only the final newline removed, and every
//! [`Reply`] fed to [`format_reply`] is the raw RESP2 reply that server sent
//! for the same command, read off a plain socket. If one of these tests
//! fails, the console no longer shows what students see in their terminal.
//!
//! The server was emptied (`FLUSHALL`) and then given:
//!
//! ```text
//! SET greeting hello
//! SET empty ""
//! SET bin "\x00\x01\xff\x7f abc"
//! SET uni "naïve 日本"
//! SET nl "line1\nline2\r\t\"q\" \\ \a\b"
//! SET counter 41
//! SET big 9223372036854775806
//! SET small -9223372036854775807
//! RPUSH letters a b c
//! RPUSH dozen item-1 item-2 ... item-12
//! RPUSH hundred 1 2 ... 100
//! HSET user name Ada email ada@example.com
//! XADD stream 1-0 name Ada lang en
//! XADD stream 2-0 name Grace
//! XADD bigstream 1-0 n 1   ...   XADD bigstream 11-0 n 11
//! ZADD board 1.5 ada 2 grace 10 linus
//! ```
//!
//! (`INCR`/`DECR` started from those same values for both recordings.) The
//! tokenizer transcripts at the end were taken by piping
//! `eval "return ARGV" 0 LINE` into `redis-cli --no-raw`: its prompt then
//! reads standard input and splits each line with its real tokenizer, and
//! the script echoes the arguments back. To extend these tests, record new
//! transcripts the same way; never edit an expectation to make a test pass.

use super::{format_reply, split_args_bytes, Reply};

fn bulk(bytes: impl AsRef<[u8]>) -> Reply {
    Reply::Bulk(bytes.as_ref().to_vec())
}

fn status(text: &str) -> Reply {
    Reply::Status(text.to_owned())
}

fn error(text: &str) -> Reply {
    Reply::Error(text.to_owned())
}

fn array(items: Vec<Reply>) -> Reply {
    Reply::Array(items)
}

/// Asserts that `reply` formats exactly as the recorded redis-cli `lines`.
#[track_caller]
fn check(reply: Reply, lines: &[&str]) {
    assert_eq!(format_reply(&reply), lines.join("\n"));
}

/// `SET k v`
#[test]
fn status_ok() {
    check(status("OK"), &["OK"]);
}

/// `EVAL "return redis.status_reply('say \"hi\" \\\\ there')" 0`
#[test]
fn status_raw_not_quoted() {
    check(status(r#"say "hi" \ there"#), &[r#"say "hi" \ there"#]);
}

/// `INCR counter`
#[test]
fn integer() {
    check(Reply::Integer(42), &["(integer) 42"]);
}

/// `DEL nosuchkey`
#[test]
fn integer_zero() {
    check(Reply::Integer(0), &["(integer) 0"]);
}

/// `INCR big`
#[test]
fn integer_max() {
    check(Reply::Integer(i64::MAX), &["(integer) 9223372036854775807"]);
}

/// `DECR small`
#[test]
fn integer_min() {
    check(Reply::Integer(i64::MIN), &["(integer) -9223372036854775808"]);
}

/// `GET missing`
#[test]
fn nil() {
    check(Reply::Nil, &["(nil)"]);
}

/// `GET greeting`
#[test]
fn bulk_plain() {
    check(bulk("hello"), &[r#""hello""#]);
}

/// `GET empty`
#[test]
fn bulk_empty() {
    check(bulk(""), &[r#""""#]);
}

/// `GET bin`
#[test]
fn bulk_binary() {
    check(bulk(b"\x00\x01\xff\x7f abc"), &[r#""\x00\x01\xff\x7f abc""#]);
}

/// `GET uni`
#[test]
fn bulk_unicode() {
    check(bulk(b"na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac"), &[r#""na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac""#]);
}

/// `GET nl`
#[test]
fn bulk_control_chars() {
    check(bulk(b"line1\nline2\r\t\"q\" \\ \x07\x08"), &[r#""line1\nline2\r\t\"q\" \\ \a\b""#]);
}

/// `FOO bar`
#[test]
fn error_unknown_command() {
    check(
        error("ERR unknown command 'FOO', with args beginning with: 'bar' "),
        &["(error) ERR unknown command 'FOO', with args beginning with: 'bar' "],
    );
}

/// `GET`
#[test]
fn error_arity() {
    check(
        error("ERR wrong number of arguments for 'get' command"),
        &["(error) ERR wrong number of arguments for 'get' command"],
    );
}

/// `GET letters`
#[test]
fn error_wrongtype() {
    check(
        error("WRONGTYPE Operation against a key holding the wrong kind of value"),
        &["(error) WRONGTYPE Operation against a key holding the wrong kind of value"],
    );
}

/// `LRANGE nolist 0 -1`
#[test]
fn empty_array() {
    check(array(vec![]), &["(empty array)"]);
}

/// `BLPOP nolist 0.01`
#[test]
fn nil_array_blpop_timeout() {
    check(Reply::NilArray, &["(nil)"]);
}

/// `LRANGE letters 0 -1`
#[test]
fn flat_array() {
    check(array(vec![bulk("a"), bulk("b"), bulk("c")]), &[r#"1) "a""#, r#"2) "b""#, r#"3) "c""#]);
}

/// `LRANGE dozen 0 -1`
#[test]
fn array_of_twelve() {
    check(
        array(vec![
            bulk("item-1"),
            bulk("item-2"),
            bulk("item-3"),
            bulk("item-4"),
            bulk("item-5"),
            bulk("item-6"),
            bulk("item-7"),
            bulk("item-8"),
            bulk("item-9"),
            bulk("item-10"),
            bulk("item-11"),
            bulk("item-12"),
        ]),
        &[
            r#" 1) "item-1""#,
            r#" 2) "item-2""#,
            r#" 3) "item-3""#,
            r#" 4) "item-4""#,
            r#" 5) "item-5""#,
            r#" 6) "item-6""#,
            r#" 7) "item-7""#,
            r#" 8) "item-8""#,
            r#" 9) "item-9""#,
            r#"10) "item-10""#,
            r#"11) "item-11""#,
            r#"12) "item-12""#,
        ],
    );
}

/// `MGET greeting missing empty`
#[test]
fn mget_with_nil() {
    check(array(vec![bulk("hello"), Reply::Nil, bulk("")]), &[r#"1) "hello""#, "2) (nil)", r#"3) """#]);
}

/// `HMGET user name nofield email`
#[test]
fn hmget_with_nil() {
    check(
        array(vec![bulk("Ada"), Reply::Nil, bulk("ada@example.com")]),
        &[r#"1) "Ada""#, "2) (nil)", r#"3) "ada@example.com""#],
    );
}

/// `ZRANGE board 0 -1 WITHSCORES`
#[test]
fn zrange_withscores() {
    check(
        array(vec![bulk("ada"), bulk("1.5"), bulk("grace"), bulk("2"), bulk("linus"), bulk("10")]),
        &[r#"1) "ada""#, r#"2) "1.5""#, r#"3) "grace""#, r#"4) "2""#, r#"5) "linus""#, r#"6) "10""#],
    );
}

/// `XRANGE stream - +`
#[test]
fn xrange_two_entries() {
    check(
        array(vec![
            array(vec![bulk("1-0"), array(vec![bulk("name"), bulk("Ada"), bulk("lang"), bulk("en")])]),
            array(vec![bulk("2-0"), array(vec![bulk("name"), bulk("Grace")])]),
        ]),
        &[
            r#"1) 1) "1-0""#,
            r#"   2) 1) "name""#,
            r#"      2) "Ada""#,
            r#"      3) "lang""#,
            r#"      4) "en""#,
            r#"2) 1) "2-0""#,
            r#"   2) 1) "name""#,
            r#"      2) "Grace""#,
        ],
    );
}

/// `XRANGE bigstream - +`
#[test]
fn xrange_eleven_entries() {
    check(
        array(vec![
            array(vec![bulk("1-0"), array(vec![bulk("n"), bulk("1")])]),
            array(vec![bulk("2-0"), array(vec![bulk("n"), bulk("2")])]),
            array(vec![bulk("3-0"), array(vec![bulk("n"), bulk("3")])]),
            array(vec![bulk("4-0"), array(vec![bulk("n"), bulk("4")])]),
            array(vec![bulk("5-0"), array(vec![bulk("n"), bulk("5")])]),
            array(vec![bulk("6-0"), array(vec![bulk("n"), bulk("6")])]),
            array(vec![bulk("7-0"), array(vec![bulk("n"), bulk("7")])]),
            array(vec![bulk("8-0"), array(vec![bulk("n"), bulk("8")])]),
            array(vec![bulk("9-0"), array(vec![bulk("n"), bulk("9")])]),
            array(vec![bulk("10-0"), array(vec![bulk("n"), bulk("10")])]),
            array(vec![bulk("11-0"), array(vec![bulk("n"), bulk("11")])]),
        ]),
        &[
            r#" 1) 1) "1-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "1""#,
            r#" 2) 1) "2-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "2""#,
            r#" 3) 1) "3-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "3""#,
            r#" 4) 1) "4-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "4""#,
            r#" 5) 1) "5-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "5""#,
            r#" 6) 1) "6-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "6""#,
            r#" 7) 1) "7-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "7""#,
            r#" 8) 1) "8-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "8""#,
            r#" 9) 1) "9-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "9""#,
            r#"10) 1) "10-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "10""#,
            r#"11) 1) "11-0""#,
            r#"    2) 1) "n""#,
            r#"       2) "11""#,
        ],
    );
}

/// `COMMAND INFO get`
#[test]
fn command_info_get() {
    check(
        array(vec![array(vec![
            bulk("get"),
            Reply::Integer(2),
            array(vec![status("readonly"), status("fast")]),
            Reply::Integer(1),
            Reply::Integer(1),
            Reply::Integer(1),
            array(vec![status("@read"), status("@string"), status("@fast")]),
            array(vec![]),
            array(vec![array(vec![
                bulk("flags"),
                array(vec![status("RO"), status("access")]),
                bulk("begin_search"),
                array(vec![
                    bulk("type"),
                    bulk("index"),
                    bulk("spec"),
                    array(vec![bulk("index"), Reply::Integer(1)]),
                ]),
                bulk("find_keys"),
                array(vec![
                    bulk("type"),
                    bulk("range"),
                    bulk("spec"),
                    array(vec![
                        bulk("lastkey"),
                        Reply::Integer(0),
                        bulk("keystep"),
                        Reply::Integer(1),
                        bulk("limit"),
                        Reply::Integer(0),
                    ]),
                ]),
            ])]),
            array(vec![]),
        ])]),
        &[
            r#"1)  1) "get""#,
            "    2) (integer) 2",
            "    3) 1) readonly",
            "       2) fast",
            "    4) (integer) 1",
            "    5) (integer) 1",
            "    6) (integer) 1",
            "    7) 1) @read",
            "       2) @string",
            "       3) @fast",
            "    8) (empty array)",
            r#"    9) 1) 1) "flags""#,
            "          2) 1) RO",
            "             2) access",
            r#"          3) "begin_search""#,
            r#"          4) 1) "type""#,
            r#"             2) "index""#,
            r#"             3) "spec""#,
            r#"             4) 1) "index""#,
            "                2) (integer) 1",
            r#"          5) "find_keys""#,
            r#"          6) 1) "type""#,
            r#"             2) "range""#,
            r#"             3) "spec""#,
            r#"             4) 1) "lastkey""#,
            "                2) (integer) 0",
            r#"                3) "keystep""#,
            "                4) (integer) 1",
            r#"                5) "limit""#,
            "                6) (integer) 0",
            "   10) (empty array)",
        ],
    );
}

/// `EVAL "local inner = {} for j = 1, 9 do inner[j] = 'v' .. j end inner[10] = {'deep', 42} local t = {} for i = 1, 9 do t[i] = i end t[10] = inner t[11] = 'last' return t" 0`
#[test]
fn eval_wide_nested() {
    check(
        array(vec![
            Reply::Integer(1),
            Reply::Integer(2),
            Reply::Integer(3),
            Reply::Integer(4),
            Reply::Integer(5),
            Reply::Integer(6),
            Reply::Integer(7),
            Reply::Integer(8),
            Reply::Integer(9),
            array(vec![
                bulk("v1"),
                bulk("v2"),
                bulk("v3"),
                bulk("v4"),
                bulk("v5"),
                bulk("v6"),
                bulk("v7"),
                bulk("v8"),
                bulk("v9"),
                array(vec![bulk("deep"), Reply::Integer(42)]),
            ]),
            bulk("last"),
        ]),
        &[
            " 1) (integer) 1",
            " 2) (integer) 2",
            " 3) (integer) 3",
            " 4) (integer) 4",
            " 5) (integer) 5",
            " 6) (integer) 6",
            " 7) (integer) 7",
            " 8) (integer) 8",
            " 9) (integer) 9",
            r#"10)  1) "v1""#,
            r#"     2) "v2""#,
            r#"     3) "v3""#,
            r#"     4) "v4""#,
            r#"     5) "v5""#,
            r#"     6) "v6""#,
            r#"     7) "v7""#,
            r#"     8) "v8""#,
            r#"     9) "v9""#,
            r#"    10) 1) "deep""#,
            "        2) (integer) 42",
            r#"11) "last""#,
        ],
    );
}

/// `EVAL "return {1, {'a', {false, redis.status_reply('QUEUED'), {}}}, redis.error_reply('ERR inner'), {}, false}" 0`
#[test]
fn eval_mixed_nested() {
    check(
        array(vec![
            Reply::Integer(1),
            array(vec![bulk("a"), array(vec![Reply::Nil, status("QUEUED"), array(vec![])])]),
            error("ERR inner"),
            array(vec![]),
            Reply::Nil,
        ]),
        &[
            "1) (integer) 1",
            r#"2) 1) "a""#,
            "   2) 1) (nil)",
            "      2) QUEUED",
            "      3) (empty array)",
            "3) (error) ERR inner",
            "4) (empty array)",
            "5) (nil)",
        ],
    );
}

/// `SCAN 0`
#[test]
fn scan_empty_db() {
    check(array(vec![bulk("0"), array(vec![])]), &[r#"1) "0""#, "2) (empty array)"]);
}

/// `LRANGE hundred 0 -1` over the values 1..=100: three-digit labels are
/// right-aligned, so the first item is padded with two spaces.
#[test]
fn array_of_a_hundred() {
    let reply = array((1..=100).map(|i| bulk(i.to_string())).collect());
    let text = format_reply(&reply);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100);
    assert_eq!(lines[0], r#"  1) "1""#);
    assert_eq!(lines[8], r#"  9) "9""#);
    assert_eq!(lines[9], r#" 10) "10""#);
    assert_eq!(lines[98], r#" 99) "99""#);
    assert_eq!(lines[99], r#"100) "100""#);
}

/// Lines typed into redis-cli's prompt after `eval "return ARGV" 0 `, and
/// what redis-cli printed: Lua echoes back every argument the tokenizer
/// produced, so the output shows redis-cli's own splitting byte for byte (or
/// its `Invalid argument(s)` refusal).
const SPLIT_TRANSCRIPTS: &[(&[u8], &[&str])] = &[
    (b"", &["(empty array)"]),
    (b"   ", &["(empty array)"]),
    (b"a b  c", &[r#"1) "a""#, r#"2) "b""#, r#"3) "c""#]),
    (b"\tleading and trailing\t ", &[r#"1) "leading""#, r#"2) "and""#, r#"3) "trailing""#]),
    (br#""hello world" x"#, &[r#"1) "hello world""#, r#"2) "x""#]),
    (br#""esc \n\r\t\b\a\\\" end""#, &[r#"1) "esc \n\r\t\b\a\\\" end""#]),
    (br#""\x41\x4a\xff\x00z\x7E""#, &[r#"1) "AJ\xff\x00z~""#]),
    (br#""\xZZ""#, &[r#"1) "xZZ""#]),
    (br#""\x4""#, &[r#"1) "x4""#]),
    (br#""\x4g""#, &[r#"1) "x4g""#]),
    (br#""\q\'""#, &[r#"1) "q'""#]),
    (br#"'single \' quote'"#, &[r#"1) "single ' quote""#]),
    (br#"'no \n escape'"#, &[r#"1) "no \\n escape""#]),
    (br#"'back\\slash'"#, &[r#"1) "back\\\\slash""#]),
    (br#"'a\'"#, &["Invalid argument(s)"]),
    (br#"mid"dle quoted""#, &[r#"1) "middle quoted""#]),
    (b"mid'dle'", &[r#"1) "middle""#]),
    (br#""""#, &[r#"1) """#]),
    (b"''", &[r#"1) """#]),
    (br#""" ''"#, &[r#"1) """#, r#"2) """#]),
    (br#""a"b"#, &["Invalid argument(s)"]),
    (b"'a'b", &["Invalid argument(s)"]),
    (br#""abc"#, &["Invalid argument(s)"]),
    (b"'abc", &["Invalid argument(s)"]),
    (br#""a"'b'"#, &["Invalid argument(s)"]),
    (br#""""""#, &["Invalid argument(s)"]),
    (br#""trailing\"#, &["Invalid argument(s)"]),
    (br#""\""#, &["Invalid argument(s)"]),
    (br#"a\nb"#, &[r#"1) "a\\nb""#]),
    (br#"\xff"#, &[r#"1) "\\xff""#]),
    (br#""\\""#, &[r#"1) "\\""#]),
    (b"\"\xc3\xafx\" \xe6\x97\xa5\xe6\x9c\xac", &[r#"1) "\xc3\xafx""#, r#"2) "\xe6\x97\xa5\xe6\x9c\xac""#]),
    (b"a\x0bb \x0cc\x0b", &[r#"1) "a\x0bb""#, r#"2) "c\x0b""#]),
    (b"\"q\"\x0b\"r\" 's'\x0cz", &[r#"1) "q""#, r#"2) "r""#, r#"3) "s""#, r#"4) "z""#]),
    (b"a\rb", &[r#"1) "a""#, r#"2) "b""#]),
    (b"\xa0x\x85y\xa0", &[r#"1) "\xa0x\x85y\xa0""#]),
    (b"\xc2\xa0nbsp\xc2\x85nel\xe2\x80\xa8", &[r#"1) "\xc2\xa0nbsp\xc2\x85nel\xe2\x80\xa8""#]),
    (br#"x"y""#, &[r#"1) "xy""#]),
    (br#""y"z"#, &["Invalid argument(s)"]),
    (b"it's", &["Invalid argument(s)"]),
    (br#"say "hi"there"#, &["Invalid argument(s)"]),
    (b"trunc\x00ated", &[r#"1) "trunc""#]),
];

#[test]
fn split_matches_redis_cli_transcripts() {
    for (line, lines) in SPLIT_TRANSCRIPTS {
        let mut typed = b"eval \"return ARGV\" 0 ".to_vec();
        typed.extend_from_slice(line);
        let shown = match split_args_bytes(&typed) {
            Ok(args) => {
                assert_eq!(args[..3], [&b"eval"[..], b"return ARGV", b"0"]);
                format_reply(&Reply::Array(args.into_iter().skip(3).map(Reply::Bulk).collect()))
            }
            Err(err) => err.to_string(),
        };
        assert_eq!(shown, lines.join("\n"), "line {:?}", String::from_utf8_lossy(line));
    }
}
