//! Which commands reply with RESP3's own types, and where in the reply:
//! the one table of it.
//!
//! # Why a table here
//! Bolide's connections to Redis speak RESP2 (the relay, shared with the
//! console, reads RESP2 into its reply model), so a RESP3 client (redis-py
//! `protocol=3`, `redis-cli -3`, anything after `HELLO 3`) would get RESP2's
//! flat arrays where Redis itself sends maps, sets and doubles. The
//! command table in `shared/` knows keys, flags and arities but not reply
//! types (Redis 7.0's `COMMAND DOCS` has no reply schema), so the shapes
//! are written down here, checked against a real Redis 7.0 by the test
//! `resp3_replies_are_the_ones_redis_sends` (raw bytes, outside and inside
//! `MULTI`/`EXEC`). [`shape`] looks at the arguments too, since
//! `WITHSCORES`, `WITHVALUES`, a `COUNT` or `WITHCOORD` change the reply.
//!
//! Nested replies are shaped to their depth: `XINFO STREAM … FULL` (its
//! groups and their consumers are maps), `MEMORY STATS` (local mode: `db.N`
//! maps, its ratios doubles), `COMMAND INFO` (sets of flags,
//! categories and tips, key specs a set of maps, subcommands) — checked
//! byte for byte against Redis by `resp3_nested_replies_are_the_ones_redis_sends`.
//!
//! # Left with RESP2 shapes (nulls aside)
//! `LATENCY`/`ACL`/`FUNCTION`/`CLIENT`/`MODULE`, which the gateway refuses
//! in shared mode anyway, and whose RESP3 maps local mode does not reshape. Scripting is refused, so Lua's booleans never
//! arise. `XREAD`/`XREADGROUP` are shaped (a map of stream → entries) but
//! only the codec's unit test sees it: a sandbox's ACL user is denied
//! `@blocking`, which in Redis includes them even without `BLOCK`.

use super::codec::{Field, Shape};

/// The RESP3 shape of the reply to `args` (name first, any case).
pub fn shape(args: &[Vec<u8>]) -> Shape {
    let Some(name) = args.first() else { return Shape::Plain };
    let mut upper = [0u8; 20];
    let Some(name) = upper_case(name, &mut upper) else { return Shape::Plain };
    let word = |i: usize| args.get(i).map(Vec::as_slice).unwrap_or_default();
    // Whether an option is among the arguments from `from` on.
    let option = |from: usize, option: &[u8]| args.iter().skip(from).any(|a| a.eq_ignore_ascii_case(option));
    let double = || Shape::Double;
    let scored = || Shape::Pairs(double().boxed());
    match name {
        b"HGETALL" => Shape::Map,
        b"CONFIG" if word(1).eq_ignore_ascii_case(b"GET") => Shape::Map,
        b"LCS" if option(3, b"IDX") => Shape::Map,
        b"XINFO" if word(1).eq_ignore_ascii_case(b"STREAM") && option(3, b"FULL") => xinfo_stream_full(),
        b"XINFO" if word(1).eq_ignore_ascii_case(b"STREAM") => Shape::Map,
        b"XINFO" if word(1).eq_ignore_ascii_case(b"GROUPS") || word(1).eq_ignore_ascii_case(b"CONSUMERS") => {
            Shape::Each(Shape::Map.boxed())
        }
        b"SMEMBERS" | b"SINTER" | b"SUNION" | b"SDIFF" => Shape::Set,
        b"SPOP" if args.len() == 3 => Shape::Set,
        b"ZSCORE" | b"ZINCRBY" => double(),
        b"ZADD" if zadd_incr(args) => double(),
        b"ZMSCORE" => Shape::Each(double().boxed()),
        b"ZRANGE" | b"ZRANGEBYSCORE" | b"ZREVRANGE" | b"ZREVRANGEBYSCORE" if option(4, b"WITHSCORES") => {
            scored()
        }
        b"ZUNION" | b"ZINTER" | b"ZDIFF" if option(2 + numkeys(word(1)), b"WITHSCORES") => scored(),
        b"ZRANDMEMBER" if option(3, b"WITHSCORES") => scored(),
        b"ZPOPMIN" | b"ZPOPMAX" if args.len() == 3 => scored(),
        b"ZPOPMIN" | b"ZPOPMAX" => Shape::Tuple(vec![Shape::Plain, double()]),
        b"ZRANK" | b"ZREVRANK" if option(3, b"WITHSCORE") => Shape::Tuple(vec![Shape::Plain, double()]),
        b"ZMPOP" => {
            Shape::Tuple(vec![Shape::Plain, Shape::Each(Shape::Tuple(vec![Shape::Plain, double()]).boxed())])
        }
        b"HRANDFIELD" if option(3, b"WITHVALUES") => Shape::Pairs(Shape::Plain.boxed()),
        b"XREAD" | b"XREADGROUP" => Shape::KeyedMap(Shape::Plain.boxed()),
        b"GEOPOS" => Shape::Each(Shape::Each(double().boxed()).boxed()),
        b"GEORADIUS" | b"GEORADIUS_RO" => geo_search(args, 6),
        b"GEORADIUSBYMEMBER" | b"GEORADIUSBYMEMBER_RO" => geo_search(args, 5),
        b"GEOSEARCH" => geo_search(args, 2),
        b"INFO" | b"LOLWUT" => Shape::Verbatim,
        b"MEMORY" if word(1).eq_ignore_ascii_case(b"DOCTOR") => Shape::Verbatim,
        b"MEMORY" if word(1).eq_ignore_ascii_case(b"STATS") => memory_stats(),
        b"COMMAND" if args.len() == 1 || word(1).eq_ignore_ascii_case(b"INFO") => {
            Shape::Each(command_info(Shape::EachOrEmptySet(command_info(Shape::Set).boxed())).boxed())
        }
        b"COMMAND" if word(1).eq_ignore_ascii_case(b"GETKEYSANDFLAGS") => {
            Shape::Each(Shape::Tuple(vec![Shape::Plain, Shape::Set]).boxed())
        }
        _ => Shape::Plain,
    }
}

/// `XINFO STREAM key FULL`: a map whose `groups` are maps, each with its
/// `consumers` as maps (entries and pending entries stay arrays).
fn xinfo_stream_full() -> Shape {
    let group = Shape::Fields(vec![(Field::Is("consumers"), Shape::Each(Shape::Map.boxed()))]);
    Shape::Fields(vec![(Field::Is("groups"), Shape::Each(group.boxed()))])
}

/// `MEMORY STATS`: a map, each `db.N` a map, the ratios and percentages
/// doubles.
fn memory_stats() -> Shape {
    Shape::Fields(vec![
        (Field::StartsWith("db."), Shape::Map),
        (Field::EndsWith(".ratio"), Shape::Double),
        (Field::EndsWith(".percentage"), Shape::Double),
        (Field::Is("fragmentation"), Shape::Double),
    ])
}

/// One command of `COMMAND INFO`: `[name, arity, flags, first key, last
/// key, step, categories, tips, key specs, subcommands]`, its flags,
/// categories and tips sets, its key specs a set of maps (their
/// `begin_search` and `find_keys` maps holding a `spec` map), its
/// subcommands as `subcommands` says.
fn command_info(subcommands: Shape) -> Shape {
    let search = || Shape::Fields(vec![(Field::Is("spec"), Shape::Map)]);
    let key_spec = Shape::Fields(vec![
        (Field::Is("flags"), Shape::Set),
        (Field::Is("begin_search"), search()),
        (Field::Is("find_keys"), search()),
    ]);
    let plain = || Shape::Plain;
    Shape::Tuple(vec![
        plain(),
        plain(),
        Shape::Set,
        plain(),
        plain(),
        plain(),
        Shape::Set,
        Shape::Set,
        Shape::SetOf(key_spec.boxed()),
        subcommands,
    ])
}

/// `name` upper-cased into `buf`, if it is short enough to be a command.
fn upper_case<'a>(name: &[u8], buf: &'a mut [u8; 20]) -> Option<&'a [u8]> {
    let upper = buf.get_mut(..name.len())?;
    upper.copy_from_slice(name);
    upper.make_ascii_uppercase();
    Some(upper)
}

fn numkeys(word: &[u8]) -> usize {
    std::str::from_utf8(word).ok().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member`: whether `INCR` is
/// among the options (a member may be called "incr": options end at the
/// first word that is not one).
fn zadd_incr(args: &[Vec<u8>]) -> bool {
    for arg in args.iter().skip(2) {
        let arg = arg.to_ascii_uppercase();
        match arg.as_slice() {
            b"INCR" => return true,
            b"NX" | b"XX" | b"GT" | b"LT" | b"CH" => {}
            _ => return false,
        }
    }
    false
}

/// `GEOSEARCH`/`GEORADIUS…` with `WITHCOORD`: each match is
/// `[name, distance?, hash?, [lon, lat]]`, its coordinates doubles (the
/// distance stays a bulk string, as Redis sends it). Options start at
/// `from`; `FROMMEMBER`'s member is not an option.
fn geo_search(args: &[Vec<u8>], from: usize) -> Shape {
    let (mut dist, mut hash, mut coord) = (false, false, false);
    let mut i = from;
    while let Some(arg) = args.get(i) {
        match arg.to_ascii_uppercase().as_slice() {
            b"FROMMEMBER" => i += 1,
            b"WITHDIST" => dist = true,
            b"WITHHASH" => hash = true,
            b"WITHCOORD" => coord = true,
            _ => {}
        }
        i += 1;
    }
    if !coord {
        return Shape::Plain;
    }
    let mut fields = vec![Shape::Plain; 1 + usize::from(dist) + usize::from(hash)];
    fields.push(Shape::Each(Shape::Double.boxed()));
    Shape::Each(Shape::Tuple(fields).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(line: &str) -> Shape {
        shape(&line.split(' ').map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>())
    }

    #[test]
    fn options_change_the_shape_and_key_names_do_not() {
        assert_eq!(of("zrange k 0 -1 withscores"), Shape::Pairs(Shape::Double.boxed()));
        assert_eq!(of("ZRANGE withscores 0 -1"), Shape::Plain);
        assert_eq!(of("ZADD k 1 incr"), Shape::Plain);
        assert_eq!(of("ZADD k XX INCR 1 m"), Shape::Double);
        assert_eq!(of("ZUNION 1 withscores"), Shape::Plain);
        assert_eq!(of("ZUNION 1 a WITHSCORES"), Shape::Pairs(Shape::Double.boxed()));
        assert_eq!(of("SPOP s"), Shape::Plain);
        assert_eq!(of("SPOP s 2"), Shape::Set);
        assert_eq!(of("GEOSEARCH g FROMMEMBER withcoord BYRADIUS 1 km"), Shape::Plain);
        assert_eq!(
            of("GEOSEARCH g FROMLONLAT 1 2 BYRADIUS 1 km WITHHASH WITHCOORD"),
            Shape::Each(
                Shape::Tuple(vec![Shape::Plain, Shape::Plain, Shape::Each(Shape::Double.boxed())]).boxed()
            )
        );
        assert_eq!(of("A-NAME-LONGER-THAN-ANY-COMMAND"), Shape::Plain);
    }
}
