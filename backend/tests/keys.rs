//! The keys browser (`/api/keys…`) against a real redis-server: every
//! answer equals what a plain `redis` client reads from keys the test
//! wrote (every type, binary names and values, TTLs, 50,000 keys under one
//! prefix paged to the end); edits change exactly what their command says;
//! shared mode shows a sandbox only its own keys; bad input is a JSON 4xx
//! that changes nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use bolide::sandbox::Tenancy;
use bolide_shared::keys::{base64_decode, Blob, KeyCost, KeyPage, KeyValue, PrefixCost, StreamEntry, Value};
use bolide_tests::RedisServer;
use common::{message, router, Client};
use serde_json::json;

/// `bytes` percent-encoded for a query string.
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| if b.is_ascii_alphanumeric() { (*b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// `key=` or `key_base64=` for any key.
fn key_param(name: &str, key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(_) => format!("{name}={}", encode(key)),
        Err(_) => format!("{name}_base64={}", encode(bolide_shared::keys::base64_encode(key).as_bytes())),
    }
}

fn raw(blob: &Blob) -> Vec<u8> {
    blob.to_bytes().expect("bytes")
}

/// Every page of the tree under `prefix`: keys (with type and TTL) and
/// folder counts, added up.
async fn whole_tree(
    client: &mut Client,
    query: &str,
) -> (BTreeMap<Vec<u8>, (String, Option<i64>)>, BTreeMap<Vec<u8>, u64>, usize) {
    let (mut keys, mut folders, mut pages) = (BTreeMap::new(), BTreeMap::new(), 0);
    let mut cursor = "0".to_string();
    loop {
        let (status, json) = client.get(&format!("/api/keys?{query}&cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {json}");
        let page: KeyPage = serde_json::from_value(json).expect("a page");
        pages += 1;
        for key in page.keys {
            keys.insert(raw(&key.key), (key.kind, key.ttl_ms));
        }
        for folder in page.folders {
            *folders.entry(raw(&folder.prefix)).or_insert(0) += folder.keys;
        }
        assert!(page.commands.iter().any(|c| c.cli.starts_with("SCAN ")), "{:?}", page.commands);
        cursor = page.cursor;
        if cursor == "0" {
            return (keys, folders, pages);
        }
        assert!(pages < 10_000, "the tree never ends");
    }
}

/// The reference: every key of db `db` under `prefix`, folded by `:`.
fn reference_tree(
    conn: &mut redis::Connection,
    prefix: &[u8],
) -> (BTreeMap<Vec<u8>, String>, BTreeMap<Vec<u8>, u64>) {
    let all: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(conn).expect("KEYS");
    let (mut keys, mut folders) = (BTreeMap::new(), BTreeMap::new());
    for key in all.into_iter().filter(|k| k.starts_with(prefix)) {
        let rest = &key[prefix.len()..];
        match rest.iter().position(|b| *b == b':') {
            Some(at) => {
                let mut folder = key[..prefix.len() + at + 1].to_vec();
                folder.truncate(prefix.len() + at + 1);
                *folders.entry(folder).or_insert(0) += 1;
            }
            None => {
                let kind: String = redis::cmd("TYPE").arg(&key).query(conn).expect("TYPE");
                keys.insert(key, kind);
            }
        }
    }
    (keys, folders)
}

/// Every page of one key's value, concatenated.
async fn whole_value(client: &mut Client, key: &[u8], count: u64) -> (KeyValue, Vec<Value>) {
    let mut offset = 0;
    let mut pages = Vec::new();
    loop {
        let uri = format!("/api/keys/value?{}&offset={offset}&count={count}", key_param("key", key));
        let (status, json) = client.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {json}");
        let value: KeyValue = serde_json::from_value(json.clone()).expect("a value");
        let n = match &value.value {
            Value::String(_) => return (value.clone(), vec![value.value]),
            Value::Stream(e) => e.len(),
            Value::Pairs(p) => p.len(),
            Value::Items(i) => i.len(),
        } as u64;
        pages.push(value.value.clone());
        offset += n;
        if n < count {
            return (value, pages);
        }
    }
}

fn pairs_of(pages: &[Value]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pages
        .iter()
        .flat_map(|p| match p {
            Value::Pairs(pairs) => pairs.iter().map(|(a, b)| (raw(a), raw(b))).collect::<Vec<_>>(),
            Value::Items(items) if items.is_empty() => Vec::new(),
            other => panic!("expected pairs, got {other:?}"),
        })
        .collect()
}

fn items_of(pages: &[Value]) -> Vec<Vec<u8>> {
    pages
        .iter()
        .flat_map(|p| match p {
            Value::Items(items) => items.iter().map(raw).collect::<Vec<_>>(),
            Value::Pairs(pairs) if pairs.is_empty() => Vec::new(),
            other => panic!("expected items, got {other:?}"),
        })
        .collect()
}

fn entries_of(pages: &[Value]) -> Vec<StreamEntry> {
    pages
        .iter()
        .flat_map(|p| match p {
            Value::Stream(entries) => entries.clone(),
            Value::Items(items) if items.is_empty() => Vec::new(),
            other => panic!("expected entries, got {other:?}"),
        })
        .collect()
}

/// A stream entry as the `redis` crate reads it: id, field/value pairs.
type Entry = (String, Vec<(Vec<u8>, Vec<u8>)>);

/// Keys of every type, binary names and values, TTLs.
fn write_every_type(conn: &mut redis::Connection) -> Vec<Vec<u8>> {
    let binary: Vec<u8> = (0..=255u8).collect();
    let bin_key = b"bin:\xff\x00key".to_vec();
    redis::pipe()
        .set("my_key", "my_value")
        .set("py:json", r#"{"name":"Aachen","mass":21,"geo":[50.7,6.08]}"#)
        .set(&bin_key, &binary)
        .set_ex("ttl:soon", "v", 600)
        .hset_multiple("k2", &[("name", "Joe"), ("age", "40")])
        .hset(b"hash:bin", b"f\xfe".as_slice(), b"v\x00\xff".as_slice())
        .rpush("list:l", &["a", "b", "c", "a"])
        .rpush(b"list:bin", &[b"\x01\x02".as_slice(), b"\xff".as_slice()])
        .sadd("set:s", &["x", "y", "z"])
        .sadd("set:ints", &[1, 2, 3, 400])
        .zadd_multiple("zset:z", &[(1.5, "one"), (-2.0, "two"), (3.0, "three")])
        .query::<()>(conn)
        .expect("write");
    for i in 0..300 {
        let _: () = redis::cmd("HSET").arg("hash:big").arg(format!("f{i}")).arg(i).query(conn).expect("HSET");
        let _: () = redis::cmd("RPUSH").arg("list:big").arg(format!("e{i}")).query(conn).expect("RPUSH");
        let _: () = redis::cmd("SADD").arg("set:big").arg(format!("m{i}")).query(conn).expect("SADD");
        let _: () = redis::cmd("ZADD").arg("zset:big").arg(i).arg(format!("m{i}")).query(conn).expect("ZADD");
    }
    for i in 0..130 {
        let _: String = redis::cmd("XADD")
            .arg("stream:s")
            .arg("*")
            .arg("n")
            .arg(i)
            .arg(b"bin\xff".as_slice())
            .arg(b"\x00".as_slice())
            .query(conn)
            .expect("XADD");
    }
    let mut all: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(conn).expect("KEYS");
    all.sort();
    all
}

#[tokio::test]
async fn every_type_equals_a_plain_clients_reading() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    let written = write_every_type(&mut conn);
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);

    // The tree at the root and under every folder equals the reference.
    let (want_keys, want_folders) = reference_tree(&mut conn, b"");
    let (keys, folders, _) = whole_tree(&mut client, "count=3").await;
    assert_eq!(keys.keys().collect::<Vec<_>>(), want_keys.keys().collect::<Vec<_>>());
    for (key, (kind, ttl)) in &keys {
        assert_eq!(kind, &want_keys[key], "{key:?}");
        assert_eq!(ttl.is_some(), key == b"ttl:soon", "{key:?}");
    }
    assert_eq!(folders, want_folders);
    for folder in want_folders.keys() {
        let (keys, _, _) = whole_tree(&mut client, &key_param("prefix", folder)).await;
        let (want, _) = reference_tree(&mut conn, folder);
        assert_eq!(keys.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{folder:?}");
        for (key, (kind, ttl)) in &keys {
            assert_eq!(kind, &want[key]);
            let pttl: i64 = redis::cmd("PTTL").arg(key).query(&mut conn).expect("PTTL");
            match ttl {
                Some(ms) => assert!((ms - pttl).abs() < 5_000 && pttl > 0, "{key:?}: {ms} vs {pttl}"),
                None => assert_eq!(pttl, -1, "{key:?}"),
            }
        }
    }

    // Every key's value, paged, equals the plain client's.
    for key in &written {
        let kind: String = redis::cmd("TYPE").arg(key).query(&mut conn).expect("TYPE");
        let (meta, pages) = whole_value(&mut client, key, 7).await;
        assert_eq!(raw(&meta.key), *key);
        assert_eq!(meta.kind, kind, "{key:?}");
        let encoding: String = redis::cmd("OBJECT").arg("ENCODING").arg(key).query(&mut conn).expect("enc");
        assert_eq!(meta.encoding.as_deref(), Some(encoding.as_str()), "{key:?}");
        let memory: u64 = redis::cmd("MEMORY").arg("USAGE").arg(key).query(&mut conn).expect("MEMORY");
        assert_eq!(meta.memory_bytes, Some(memory), "{key:?}");
        assert!(meta.commands.iter().any(|c| c.cli.starts_with("MEMORY USAGE ")), "{:?}", meta.commands);
        match kind.as_str() {
            "string" => {
                let want: Vec<u8> = redis::cmd("GET").arg(key).query(&mut conn).expect("GET");
                assert_eq!(meta.length, want.len() as u64);
                let Value::String(s) = &pages[0] else { panic!("a string: {pages:?}") };
                assert_eq!(base64_decode(&s.base64).expect("b64"), want);
                assert_eq!(s.text.as_deref(), std::str::from_utf8(&want).ok());
                if key == b"py:json" {
                    let pretty = s.json.as_deref().expect("JSON pretty-printed");
                    assert!(pretty.contains("\n  \"name\": \"Aachen\""), "{pretty}");
                } else {
                    assert_eq!(s.json, None);
                }
            }
            "hash" => {
                let want: BTreeMap<Vec<u8>, Vec<u8>> =
                    redis::cmd("HGETALL").arg(key).query(&mut conn).expect("HGETALL");
                let got = pairs_of(&pages);
                assert_eq!(got.len(), want.len(), "{key:?}: each field once");
                assert_eq!(got.into_iter().collect::<BTreeMap<_, _>>(), want);
                assert_eq!(meta.length, want.len() as u64);
            }
            "list" => {
                let want: Vec<Vec<u8>> =
                    redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query(&mut conn).expect("L");
                assert_eq!(items_of(&pages), want);
                assert_eq!(meta.length, want.len() as u64);
            }
            "set" => {
                let want: BTreeSet<Vec<u8>> = redis::cmd("SMEMBERS").arg(key).query(&mut conn).expect("S");
                let got = items_of(&pages);
                assert_eq!(got.len(), want.len());
                assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
            }
            "zset" => {
                let want: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("ZRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES")
                    .query(&mut conn)
                    .expect("Z");
                assert_eq!(pairs_of(&pages), want);
            }
            "stream" => {
                let want: Vec<Entry> =
                    redis::cmd("XRANGE").arg(key).arg("-").arg("+").query(&mut conn).expect("X");
                let got: Vec<Entry> = entries_of(&pages)
                    .into_iter()
                    .map(|e| (e.id, e.fields.iter().map(|(f, v)| (raw(f), raw(v))).collect()))
                    .collect();
                assert_eq!(got, want);
                assert_eq!(meta.length, 130);
            }
            other => panic!("unexpected type {other}"),
        }
    }

    // A sorted set by score.
    let (status, json) = client.get("/api/keys/value?key=zset%3Abig&min=10&max=%2812&count=50").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["value"], json!([["m10", "10"], ["m11", "11"]]));

    // The tree follows the database the console selected.
    client.console("SELECT 3").await;
    client.console("SET only:in3 x").await;
    let (keys, folders, _) = whole_tree(&mut client, "count=50").await;
    assert!(keys.is_empty(), "{keys:?}");
    assert_eq!(folders, BTreeMap::from([(b"only:".to_vec(), 1)]));
}

#[tokio::test]
async fn fifty_thousand_keys_under_one_prefix_page_to_the_end() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    for chunk in (0..50_000).collect::<Vec<u32>>().chunks(5000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            match i % 10 {
                0 => pipe.hset(format!("big:{i}"), "n", i),
                1 => pipe.set(format!("big:sub:{i}"), i),
                _ => pipe.set(format!("big:{i}"), i),
            };
        }
        pipe.set("other", 1).query::<()>(&mut conn).expect("write");
    }
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);

    // The root: two folders' worth of counts, one key.
    let (keys, folders, _) = whole_tree(&mut client, "count=1000").await;
    assert_eq!(keys.keys().cloned().collect::<Vec<_>>(), vec![b"other".to_vec()]);
    assert_eq!(folders, BTreeMap::from([(b"big:".to_vec(), 50_000)]));

    // The folder, paged to the end: every key once.
    let (keys, folders, pages) = whole_tree(&mut client, "prefix=big%3A&count=1000").await;
    let (want, want_folders) = reference_tree(&mut conn, b"big:");
    assert_eq!(keys.len(), 45_000);
    assert_eq!(keys.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
    assert!(keys.iter().all(|(k, (t, _))| *t == want[k]));
    assert_eq!(folders, want_folders);
    assert!(pages > 10, "paged ({pages} pages)");

    // Type and pattern filters.
    let (keys, _, _) = whole_tree(&mut client, "prefix=big%3A&type=hash&count=1000").await;
    assert_eq!(keys.len(), 5000);
    assert!(keys.values().all(|(t, _)| t == "hash"));
    let (keys, folders, _) = whole_tree(&mut client, "prefix=big%3A&pattern=big%3A1%2A&count=1000").await;
    let want: Vec<&Vec<u8>> = want.keys().filter(|k| k.starts_with(b"big:1")).collect();
    assert_eq!(keys.keys().collect::<Vec<_>>(), want);
    assert!(folders.is_empty(), "{folders:?}");
}

#[tokio::test]
async fn edits_run_their_command_and_say_so() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);
    let edit = |op: &str| format!("/api/keys/{op}");
    let cases = [
        ("string_set", json!({"key": "s", "value": {"base64": "/wA="}}), "SET s \"\\xff\\x00\""),
        ("hash_set", json!({"key": "h", "field": "name", "value": "Joe"}), "HSET h name Joe"),
        ("hash_set", json!({"key": "h", "field": "age", "value": "40"}), "HSET h age 40"),
        ("hash_delete", json!({"key": "h", "field": "age"}), "HDEL h age"),
        ("list_push", json!({"key": "l", "end": "right", "value": "a"}), "RPUSH l a"),
        ("list_push", json!({"key": "l", "end": "left", "value": "b"}), "LPUSH l b"),
        ("list_set", json!({"key": "l", "index": 1, "value": "c"}), "LSET l 1 c"),
        ("list_push", json!({"key": "l", "end": "right", "value": "d"}), "RPUSH l d"),
        ("list_pop", json!({"key": "l", "end": "right"}), "RPOP l"),
        ("set_add", json!({"key": "st", "member": "x"}), "SADD st x"),
        ("set_add", json!({"key": "st", "member": "y"}), "SADD st y"),
        ("set_remove", json!({"key": "st", "member": "x"}), "SREM st x"),
        ("zset_add", json!({"key": "z", "member": "m", "score": 2.5}), "ZADD z 2.5 m"),
        ("zset_add", json!({"key": "z", "member": "n", "score": 1}), "ZADD z 1 n"),
        ("zset_remove", json!({"key": "z", "member": "n"}), "ZREM z n"),
        ("expire", json!({"key": "h", "ttl_ms": 100000}), "PEXPIRE h 100000"),
        ("string_set", json!({"key": "t", "value": "1"}), "SET t 1"),
        ("expire", json!({"key": "t", "ttl_ms": 100000}), "PEXPIRE t 100000"),
        ("persist", json!({"key": "t"}), "PERSIST t"),
        ("rename", json!({"key": "t", "new_key": "t2"}), "RENAMENX t t2"),
        ("string_set", json!({"key": "gone", "value": "1"}), "SET gone 1"),
        ("delete", json!({"key": "gone"}), "DEL gone"),
    ];
    for (op, body, cli) in cases {
        let (status, json) = client.json("POST", &edit(op), &body).await;
        assert_eq!(status, StatusCode::OK, "{op} {body}: {json}");
        assert_eq!(json["commands"][0]["cli"], cli, "{json}");
        assert!(
            json["commands"][0]["reply"].is_object() || json["commands"][0]["reply"].is_string(),
            "{json}"
        );
        // The redis-py line, written by the server from the bytes Redis got
        // (the page shows it as sent).
        let python = json["commands"][0]["python"].as_str().unwrap_or_default();
        assert!(python.starts_with("rd."), "{op}: {python}");
        match cli {
            "SET s \"\\xff\\x00\"" => assert_eq!(python, "rd.set('s', b'\\xff\\x00')"),
            "HSET h name Joe" => assert_eq!(python, "rd.hset('h', mapping={'name': 'Joe'})"),
            "DEL gone" => assert_eq!(python, "rd.delete('gone')"),
            _ => {}
        }
    }
    let s: Vec<u8> = redis::cmd("GET").arg("s").query(&mut conn).expect("GET");
    assert_eq!(s, vec![0xff, 0]);
    let h: BTreeMap<String, String> = redis::cmd("HGETALL").arg("h").query(&mut conn).expect("h");
    assert_eq!(h, BTreeMap::from([("name".to_string(), "Joe".to_string())]));
    let ttl: i64 = redis::cmd("PTTL").arg("h").query(&mut conn).expect("PTTL");
    assert!(ttl > 90_000, "{ttl}");
    let l: Vec<String> = redis::cmd("LRANGE").arg("l").arg(0).arg(-1).query(&mut conn).expect("l");
    assert_eq!(l, ["b", "c"]);
    let st: Vec<String> = redis::cmd("SMEMBERS").arg("st").query(&mut conn).expect("st");
    assert_eq!(st, ["y"]);
    let z: Vec<(String, f64)> =
        redis::cmd("ZRANGE").arg("z").arg(0).arg(-1).arg("WITHSCORES").query(&mut conn).expect("z");
    assert_eq!(z, [("m".to_string(), 2.5)]);
    let t2: i64 = redis::cmd("PTTL").arg("t2").query(&mut conn).expect("t2");
    assert_eq!(t2, -1);
    let exists: i64 = redis::cmd("EXISTS").arg("t").arg("gone").query(&mut conn).expect("EXISTS");
    assert_eq!(exists, 0);

    // The API's view agrees.
    let (_, json) = client.get("/api/keys/value?key=h").await;
    assert_eq!(json["value"], json!([["name", "Joe"]]));
    assert!(json["ttl_ms"].as_i64().is_some_and(|t| t > 90_000), "{json}");
    assert_eq!(json["length"], 1);
}

#[tokio::test]
async fn bad_input_is_a_json_4xx_and_changes_nothing() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    redis::pipe().set("s", "v").hset("h", "f", "v").set("taken", "1").query::<()>(&mut conn).expect("write");
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);
    let before = common::snapshot(&redis);
    let gets = [
        ("/api/keys?count=0", 400, "count"),
        ("/api/keys?count=abc", 400, "count"),
        ("/api/keys?type=bogus", 400, "type"),
        ("/api/keys?cursor=x", 400, "cursor"),
        ("/api/keys?delimiter=", 400, "delimiter"),
        ("/api/keys?bogus=1", 400, "bogus"),
        ("/api/keys?prefix=a&prefix_base64=YQ==", 400, "prefix"),
        ("/api/keys?prefix_base64=!!", 400, "prefix_base64"),
        ("/api/keys/value", 400, "key"),
        ("/api/keys/value?key=nope", 404, "no key"),
        ("/api/keys/value?key=h&count=100000", 400, "count"),
        ("/api/keys/value?key=h&min=1", 400, "min"),
        ("/api/keys/value?key=%FF", 400, "key_base64"),
        ("/api/keys?prefix=a%FE", 400, "prefix_base64"),
    ];
    for (uri, status, says) in gets {
        let (got, json) = client.get(uri).await;
        assert_eq!(got.as_u16(), status, "{uri}: {json}");
        assert!(json["error"]["code"].is_string(), "{uri}: {json}");
        assert!(message(&json).contains(says), "{uri}: {json}");
    }
    let long = "*".repeat(2000);
    let (status, json) = client.get(&format!("/api/keys?pattern={}", encode(long.as_bytes()))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    let posts = [
        ("bogus", json!({"key": "s"}), 404),
        ("hash_set", json!({"key": "s", "field": "f", "value": "v"}), 409),
        ("hash_set", json!({"key": "h", "field": "f"}), 400),
        ("hash_set", json!({"key": "h", "field": "f", "value": "v", "extra": 1}), 400),
        ("hash_set", json!({"key": {"base64": "!"}, "field": "f", "value": "v"}), 400),
        ("hash_set", json!(["not", "an", "object"]), 400),
        ("hash_set", json!({"op": "delete", "key": "h"}), 400),
        ("list_set", json!({"key": "nolist", "index": 0, "value": "v"}), 400),
        ("list_push", json!({"key": "s", "end": "middle", "value": "v"}), 400),
        ("rename", json!({"key": "s", "new_key": "taken"}), 409),
        ("rename", json!({"key": "missing", "new_key": "x"}), 400),
        ("expire", json!({"key": "s", "ttl_ms": 0}), 400),
        ("expire", json!({"key": "s", "ttl_ms": -5}), 400),
        ("expire", json!({"key": "missing", "ttl_ms": 5}), 404),
        ("zset_add", json!({"key": "h", "member": "m", "score": 1}), 409),
    ];
    for (op, body, status) in posts {
        let (got, json) = client.json("POST", &format!("/api/keys/{op}"), &body).await;
        assert_eq!(got.as_u16(), status, "{op} {body}: {json}");
        assert!(json["error"]["message"].is_string(), "{op}: {json}");
    }
    let (status, json) =
        client.send("POST", "/api/keys/delete", Some("application/json"), b"{not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(common::snapshot(&redis), before);
}

#[tokio::test]
async fn shared_mode_shows_a_sandbox_only_its_own_keys() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Shared);
    let (mut alice, mut bob) = (Client::new(&app), Client::new(&app));
    alice.console("SET mine:a 1").await;
    alice.console("HSET mine:h f v").await;
    alice.console("SET top 1").await;
    bob.console("SET mine:b 2").await;
    bob.console("SET top 2").await;
    let mut conn = redis.connection();
    let _: () = redis::cmd("SET").arg("outside").arg("x").query(&mut conn).expect("SET");
    let mut system = common::conn(redis.port(), 15);
    let sandboxes: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut system).expect("KEYS");
    assert!(!sandboxes.is_empty());

    let (keys, folders, _) = whole_tree(&mut alice, "count=100").await;
    assert_eq!(keys.keys().cloned().collect::<Vec<_>>(), vec![b"top".to_vec()]);
    assert_eq!(folders, BTreeMap::from([(b"mine:".to_vec(), 2)]));
    let (keys, _, _) = whole_tree(&mut alice, "prefix=mine%3A").await;
    assert_eq!(keys.keys().cloned().collect::<Vec<_>>(), vec![b"mine:a".to_vec(), b"mine:h".to_vec()]);
    let (keys, _, _) = whole_tree(&mut bob, "prefix=mine%3A").await;
    assert_eq!(keys.keys().cloned().collect::<Vec<_>>(), vec![b"mine:b".to_vec()]);

    // Values: each its own; another's key or a key outside is not there.
    let (_, json) = alice.get("/api/keys/value?key=top").await;
    assert_eq!(json["value"]["text"], "1", "{json}");
    assert!(!json.to_string().contains("{s:"), "{json}");
    let (_, json) = bob.get("/api/keys/value?key=top").await;
    assert_eq!(json["value"]["text"], "2", "{json}");
    for key in ["mine:a", "outside"] {
        let (status, _) = bob.get(&format!("/api/keys/value?key={}", encode(key.as_bytes()))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{key}");
    }
    for raw_key in &sandboxes {
        let (status, _) = bob.get(&format!("/api/keys/value?{}", key_param("key", raw_key))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{raw_key:?}");
    }
    // A glob cannot reach out of the namespace.
    let (keys, folders, _) = whole_tree(&mut bob, "pattern=%2A").await;
    assert_eq!(keys.len() as u64 + folders.values().sum::<u64>(), 2, "{keys:?} {folders:?}");

    // Bob's edits land in Bob's namespace only.
    let (status, json) =
        bob.json("POST", "/api/keys/hash_set", &json!({"key": "mine:h", "field": "g", "value": "w"})).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["commands"][0]["cli"], "HSET mine:h g w");
    let (status, _) = bob.json("POST", "/api/keys/delete", &json!({"key": "mine:a"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alice.console("HGETALL mine:h").await, "1) \"f\"\n2) \"v\"");
    assert_eq!(alice.console("GET mine:a").await, "\"1\"");
    assert_eq!(bob.console("HGETALL mine:h").await, "1) \"g\"\n2) \"w\"");

    // Without a sandbox: nothing to see.
    let mut nobody = Client::new(&app);
    let (status, json) = nobody.get("/api/keys").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["keys"], json!([]));
    assert_eq!(json["folders"], json!([]));
    let (status, _) = nobody.get("/api/keys/value?key=top").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Every key of every database with its `DUMP` (the test's before/after).
fn snapshot(redis: &RedisServer) -> BTreeMap<(u32, Vec<u8>), Vec<u8>> {
    let mut all = BTreeMap::new();
    for db in 0..16 {
        let mut conn = common::conn(redis.port(), db);
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS");
        for key in keys {
            let dump: Vec<u8> = redis::cmd("DUMP").arg(&key).query(&mut conn).expect("DUMP");
            all.insert((db, key), dump);
        }
    }
    all
}

fn memory_usage(conn: &mut redis::Connection, key: &[u8]) -> u64 {
    redis::cmd("MEMORY").arg("USAGE").arg(key).query(conn).expect("MEMORY USAGE")
}

/// The hash as one JSON object string, as a plain client would write it.
fn as_json(conn: &mut redis::Connection, key: &[u8]) -> String {
    let pairs: Vec<(String, String)> = redis::cmd("HGETALL").arg(key).query(conn).expect("HGETALL");
    let object: serde_json::Map<String, serde_json::Value> =
        pairs.into_iter().map(|(f, v)| (f, serde_json::Value::String(v))).collect();
    serde_json::Value::Object(object).to_string()
}

/// What the same string costs written by a plain client under `name` in
/// database `db` (deleted again).
fn string_cost(redis: &RedisServer, db: u32, name: &str, text: &str) -> u64 {
    let mut conn = common::conn(redis.port(), db);
    let _: () = redis::cmd("SET").arg(name).arg(text).query(&mut conn).expect("SET");
    let bytes = memory_usage(&mut conn, name.as_bytes());
    let _: () = redis::cmd("DEL").arg(name).query(&mut conn).expect("DEL");
    bytes
}

const LANDING: &[(&str, &str)] = &[
    ("name", "Aachen"),
    ("id", "1"),
    ("nametype", "Valid"),
    ("recclass", "L5"),
    ("mass", "21"),
    ("fall", "Fell"),
    ("year", "1880"),
    ("reclat", "50.775000"),
    ("reclong", "6.083330"),
];

#[tokio::test]
async fn cost_of_a_hash_equals_a_plain_clients_measure_and_leaves_nothing() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    let _: () = redis::cmd("HSET").arg("meteorite:1").arg(LANDING).query(&mut conn).expect("HSET");
    for i in 0..200 {
        let _: () = redis::cmd("HSET")
            .arg("meteorite:big")
            .arg(format!("f{i}"))
            .arg(i)
            .query(&mut conn)
            .expect("HSET");
    }
    // A value past `hash-max-listpack-value`: a hashtable whatever the config's entries.
    let long = "n".repeat(2000);
    let _: () =
        redis::cmd("HSET").arg("meteorite:big").arg("note").arg(&long).query(&mut conn).expect("HSET");
    let _: () = redis::cmd("SET").arg("plain").arg("x").query(&mut conn).expect("SET");
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);
    let before = snapshot(&redis);

    for (key, encoding) in [("meteorite:1", "listpack"), ("meteorite:big", "hashtable")] {
        let (status, json) = client.get(&format!("/api/keys/cost?key={}", encode(key.as_bytes()))).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let cost: KeyCost = serde_json::from_value(json.clone()).expect("a KeyCost");
        let KeyCost::Hash(cost) = cost else { panic!("a hash's cost: {json}") };
        assert_eq!(cost.hash_bytes, memory_usage(&mut conn, key.as_bytes()), "{key}");
        assert_eq!(cost.encoding.as_deref(), Some(encoding));
        let fields: u64 = redis::cmd("HLEN").arg(key).query(&mut conn).expect("HLEN");
        assert_eq!(cost.fields, fields);
        let json_cost = cost.json.expect("the JSON comparison");
        assert_eq!(json_cost.text, as_json(&mut conn, key.as_bytes()));
        assert_eq!(json_cost.string_bytes, json_cost.text.len() as u64);
        assert!(json_cost.scratch_key.starts_with("bolide:data:{local}:cost:"), "{}", json_cost.scratch_key);
        assert_eq!(
            json_cost.bytes,
            string_cost(&redis, 15, &json_cost.scratch_key, &json_cost.text),
            "{key}"
        );
        assert_eq!(json_cost.commands.last().map(|c| c.cli.as_str()), Some("EXEC"));
        let clis: Vec<&str> = cost.commands.iter().map(|c| c.cli.as_str()).collect();
        assert!(clis.contains(&format!("MEMORY USAGE {key}").as_str()), "{clis:?}");
        assert!(clis.contains(&format!("HGETALL {key}").as_str()), "{clis:?}");
    }
    assert_eq!(snapshot(&redis), before, "the scratch key is gone, nothing else changed");

    // Past half a reply of fields: the hash's figure, no comparison, and why.
    for i in 0..600 {
        let _: () =
            redis::cmd("HSET").arg("wide").arg(format!("f{i}")).arg(i).query(&mut conn).expect("HSET");
    }
    let (status, json) = client.get("/api/keys/cost?key=wide").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let KeyCost::Hash(cost) = serde_json::from_value(json.clone()).expect("a KeyCost") else {
        panic!("{json}")
    };
    assert_eq!((cost.fields, cost.hash_bytes), (600, memory_usage(&mut conn, b"wide")));
    assert!(cost.json.is_none(), "{json}");
    assert!(cost.json_note.as_deref().is_some_and(|n| n.contains("at most 500")), "{json}");
    let _: () = redis::cmd("DEL").arg("wide").query(&mut conn).expect("DEL");
    // Past a mebibyte: no scratch copy of it, whether MEMORY USAGE sees it
    // (one big value) or its sample misses it (a hashtable's 300th value).
    let _: () =
        redis::cmd("HSET").arg("heavy").arg("f").arg("v".repeat(1_100_000)).query(&mut conn).expect("HSET");
    for i in 0..300 {
        let _: () =
            redis::cmd("HSET").arg("sampled").arg(format!("f{i}")).arg(i).query(&mut conn).expect("HSET");
    }
    let _: () = redis::cmd("HSET")
        .arg("sampled")
        .arg("zz")
        .arg("w".repeat(1_100_000))
        .query(&mut conn)
        .expect("HSET");
    for key in ["heavy", "sampled"] {
        let (status, json) = client.get(&format!("/api/keys/cost?key={key}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let KeyCost::Hash(cost) = serde_json::from_value(json.clone()).expect("a KeyCost") else {
            panic!("{json}")
        };
        assert_eq!(cost.hash_bytes, memory_usage(&mut conn, key.as_bytes()), "{key}");
        assert!(cost.json.is_none(), "{key}");
        assert!(
            cost.json_note.as_deref().is_some_and(|n| n.contains("at most 1048576 bytes")),
            "{key}: {:?}",
            cost.json_note
        );
        let _: () = redis::cmd("DEL").arg(key).query(&mut conn).expect("DEL");
    }

    for (uri, status, words) in [
        ("/api/keys/cost", 400, "key"),
        ("/api/keys/cost?key=a&prefix=b", 400, "key"),
        ("/api/keys/cost?key=nope", 404, "no key"),
        ("/api/keys/cost?key=plain", 400, "a string"),
        ("/api/keys/cost?key=%FF", 400, "key_base64"),
        ("/api/keys/cost?bogus=1", 400, "bogus"),
    ] {
        let (got, json) = client.get(uri).await;
        assert_eq!(got.as_u16(), status, "{uri}: {json}");
        assert!(message(&json).contains(words), "{uri}: {json}");
    }
    let (status, json) = client.get(&format!("/api/keys/cost?prefix={}", "a".repeat(2000))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(snapshot(&redis), before);
}

#[tokio::test]
async fn cost_of_a_prefix_sums_every_key_then_estimates_past_the_bound() {
    let redis = RedisServer::start();
    let mut conn = redis.connection();
    for i in 0..50 {
        let _: () =
            redis::cmd("HSET").arg(format!("meteorite:{i}")).arg(LANDING).query(&mut conn).expect("HSET");
    }
    for i in 0..1500 {
        let _: () =
            redis::cmd("SET").arg(format!("big:{i}")).arg("x".repeat(i % 90)).query(&mut conn).expect("SET");
    }
    let _: () = redis::cmd("SET").arg("meteoriteX").arg("1").query(&mut conn).expect("SET");
    let app = router(&redis, Tenancy::Local);
    let mut client = Client::new(&app);
    let before = snapshot(&redis);

    let prefix_cost = |json: serde_json::Value| -> PrefixCost {
        match serde_json::from_value::<KeyCost>(json.clone()).expect("a KeyCost") {
            KeyCost::Prefix(cost) => cost,
            other => panic!("a prefix's cost: {other:?}"),
        }
    };
    let (status, json) = client.get("/api/keys/cost?prefix=meteorite%3A").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let cost = prefix_cost(json);
    let want: u64 = (0..50).map(|i| memory_usage(&mut conn, format!("meteorite:{i}").as_bytes())).sum();
    assert_eq!((cost.keys, cost.measured, cost.complete, cost.estimated), (50, 50, true, false));
    assert_eq!((cost.measured_bytes, cost.total_bytes), (want, want));
    assert!(
        cost.commands.iter().any(|c| c.cli.starts_with("SCAN 0 MATCH meteorite:*")),
        "{:?}",
        cost.commands
    );

    let (status, json) = client.get("/api/keys/cost?prefix=big%3A").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let cost = prefix_cost(json);
    assert_eq!((cost.keys, cost.measured, cost.complete, cost.estimated), (1500, 1000, true, true));
    let all: u64 = (0..1500).map(|i| memory_usage(&mut conn, format!("big:{i}").as_bytes())).sum();
    assert!(cost.measured_bytes < all);
    let mean = cost.measured_bytes as f64 / 1000.0;
    assert_eq!(cost.total_bytes, (mean * 1500.0).round() as u64);
    // A sample of a thousand out of 1500 is within a few percent.
    assert!(
        (cost.total_bytes as f64 - all as f64).abs() < all as f64 * 0.05,
        "{} vs {all}",
        cost.total_bytes
    );
    assert_eq!(snapshot(&redis), before);
}

#[tokio::test]
async fn cost_in_shared_mode_measures_only_the_callers_keys() {
    let redis = RedisServer::start();
    let app = router(&redis, Tenancy::Shared);
    let (mut alice, mut bob) = (Client::new(&app), Client::new(&app));
    alice.console("HSET meteorite:1 name Aachen mass 21").await;
    alice.console("HSET meteorite:2 name Aarhus mass 720").await;
    bob.console("HSET meteorite:1 name Abee mass 107000 fall Fell").await;
    let mut conn = redis.connection();
    let names: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*meteorite:1").query(&mut conn).expect("KEYS");
    let alices = names
        .iter()
        .find(|k| {
            let name: String =
                redis::cmd("HGET").arg(k.as_slice()).arg("name").query(&mut conn).expect("HGET");
            name == "Aachen"
        })
        .expect("alice's landing")
        .clone();
    let alice_id = String::from_utf8_lossy(&alices[3..alices.len() - "}:meteorite:1".len()]).into_owned();
    let data_keys = |redis: &RedisServer| -> BTreeMap<(u32, Vec<u8>), Vec<u8>> {
        snapshot(redis)
            .into_iter()
            .filter(|((db, key), _)| *db == 0 || key.starts_with(b"bolide:data:"))
            .collect()
    };
    let before = data_keys(&redis);

    let (status, json) = alice.get("/api/keys/cost?key=meteorite%3A1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let KeyCost::Hash(cost) = serde_json::from_value(json.clone()).expect("a KeyCost") else {
        panic!("{json}")
    };
    assert_eq!(cost.fields, 2);
    assert_eq!(cost.hash_bytes, memory_usage(&mut conn, &alices));
    let json_cost = cost.json.expect("the JSON comparison");
    assert_eq!(json_cost.text, r#"{"mass":"21","name":"Aachen"}"#);
    assert!(json_cost.scratch_key.starts_with(&format!("bolide:data:{{{alice_id}}}:cost:")), "{json}");
    assert_eq!(json_cost.bytes, string_cost(&redis, 15, &json_cost.scratch_key, &json_cost.text));
    assert!(!cost.commands.iter().any(|c| c.cli.contains("{s:")), "{json}");

    let (_, json) = bob.get("/api/keys/cost?prefix=meteorite%3A").await;
    let KeyCost::Prefix(cost) = serde_json::from_value(json.clone()).expect("a KeyCost") else {
        panic!("{json}")
    };
    assert_eq!((cost.keys, cost.estimated), (1, false), "{json}");
    let (_, json) = alice.get("/api/keys/cost?prefix=meteorite%3A").await;
    let KeyCost::Prefix(cost) = serde_json::from_value(json.clone()).expect("a KeyCost") else {
        panic!("{json}")
    };
    assert_eq!(cost.keys, 2, "{json}");
    let (status, _) = bob.get("/api/keys/cost?key=meteorite%3A2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut nobody = Client::new(&app);
    let (status, _) = nobody.get("/api/keys/cost?key=meteorite%3A1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, json) = nobody.get("/api/keys/cost?prefix=meteorite%3A").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["prefix"]["keys"], 0, "{json}");
    assert_eq!(data_keys(&redis), before, "nothing left behind");
}
