//! A page of landings, sorted and filtered with the indexes — never a scan
//! of the keyspace.
//!
//! **Unfiltered**, a page is a range of a sort index: `ZRANGE mass 100 149`
//! (with `REV` for descending), then one `HGETALL` per landing on it,
//! pipelined. Its summary (the mass and year ranges of the landings it
//! lists) is the two ends of the `mass` and `year` sets — and, sorted by
//! mass, the year range of the landings that have a mass, found once per
//! version ([`super::stats`]) and kept in `summary:mass`. Each is
//! O(log n + page), so a page of a million landings costs what a page of a
//! thousand does.
//!
//! **Filtered**, the landings that match are computed once into a *result*
//! — a sorted set of ids scored like the sort index: `ZINTERSTORE` of the
//! sort index with the value sets, `ZRANGESTORE … BYSCORE` slices of `mass`
//! and `year` for ranges, the ids a name search found, and `ZDIFFSTORE` for
//! a field's usual value (see [`super::layout`]). Its summary is computed
//! with it and kept beside it (`…:stats`), and both are kept a minute after
//! their last use, so the next pages of the same filter (either direction)
//! are range reads again. A result's key names the dataset's `version`: a
//! load, reindex or record write makes a new version, so a page never
//! shows a result computed from older data.
//!
//! A landing deleted from the console leaves its index entries behind
//! until a reindex; its `HGETALL` is empty and the page skips it.

use std::collections::HashMap;

use redis::aio::ConnectionManager;

use super::layout::Category;
use super::stats::{add_ends, ends_of, ends_within, Ends, Scored};
use super::{search, DataScope, Page, PageStats, Readers, Record};
use crate::error::AppError;

/// How long a filtered result is kept after its last use.
const RESULT_TTL_SECONDS: u64 = 60;

/// What a page asks for (already checked by the API).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageQuery {
    /// From 1.
    pub page: usize,
    pub size: usize,
    /// `id`, `name`, `mass` or `year`.
    pub sort: String,
    pub descending: bool,
    pub class: Option<String>,
    pub fall: Option<String>,
    pub nametype: Option<String>,
    pub year: Option<(f64, f64)>,
    pub mass: Option<(f64, f64)>,
    pub has_coords: Option<bool>,
    /// Lower-case substring of the name.
    pub name: Option<String>,
}

impl PageQuery {
    /// The sort index's name in the layout.
    fn sort_index(&self) -> &'static str {
        match self.sort.as_str() {
            "name" => "name",
            "mass" => "mass",
            "year" => "year",
            _ => "ids",
        }
    }

    /// Each category filter with the value asked for.
    fn category_filters(&self) -> Vec<(Category, &str)> {
        let coords = self.has_coords.map(|has| if has { "yes" } else { "no" });
        [
            (Category::Class, self.class.as_deref()),
            (Category::Fall, self.fall.as_deref()),
            (Category::Nametype, self.nametype.as_deref()),
            (Category::Coords, coords),
        ]
        .into_iter()
        .filter_map(|(category, value)| value.map(|value| (category, value)))
        .collect()
    }

    fn is_filtered(&self) -> bool {
        self.class.is_some()
            || self.fall.is_some()
            || self.nametype.is_some()
            || self.year.is_some()
            || self.mass.is_some()
            || self.has_coords.is_some()
            || self.name.is_some()
    }

    /// Names the result: everything but the page, its size and direction,
    /// which all read the same result.
    fn fingerprint(&self) -> u64 {
        let what = (
            self.sort_index(),
            &self.class,
            &self.fall,
            &self.nametype,
            self.year.map(|(a, b)| (a.to_bits(), b.to_bits())),
            self.mass.map(|(a, b)| (a.to_bits(), b.to_bits())),
            self.has_coords,
            &self.name,
        );
        // FNV-1a: stable across runs and builds, unlike std's hasher.
        format!("{what:?}")
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
    }
}

/// The ids of one page, how many landings match, and their ranges.
struct Window {
    total: u64,
    ids: Vec<String>,
    stats: PageStats,
}

/// A page of the dataset (see the module docs).
pub async fn page(readers: &Readers, scope: &DataScope, query: &PageQuery) -> Result<Page, AppError> {
    let mut conn = readers.system.clone();
    let mut commands = Vec::new();
    let start = query.page.saturating_sub(1).saturating_mul(query.size);
    let stop = start.saturating_add(query.size.max(1) - 1);
    let window = if query.is_filtered() {
        filtered(&mut conn, scope, query, start, stop, &mut commands).await?
    } else {
        unfiltered(&mut conn, scope, query, start, stop, &mut commands).await?
    };
    let items = records(readers, scope, &window.ids).await?;
    if let Some(first) = window.ids.first() {
        commands.push(format!(
            "HGETALL {}   (and {} more, one per landing on the page)",
            DataScope::local().record_key(first),
            window.ids.len() - 1
        ));
    }
    Ok(Page {
        total: window.total,
        page: query.page as u64,
        size: query.size as u64,
        items,
        commands,
        stats: window.stats,
    })
}

/// `ZRANGE key start stop [REV]`.
fn range(key: &str, start: usize, stop: usize, descending: bool) -> redis::Cmd {
    let mut cmd = redis::cmd("ZRANGE");
    cmd.arg(key).arg(start).arg(stop);
    if descending {
        cmd.arg("REV");
    }
    cmd
}

fn range_text(key: &str, start: usize, stop: usize, descending: bool) -> String {
    format!("ZRANGE {key} {start} {stop}{}", if descending { " REV" } else { "" })
}

fn stats_of(mass: Ends, year: Ends) -> PageStats {
    PageStats {
        mass_min: mass.0,
        mass_max: mass.1,
        year_min: year.0.map(year_of),
        year_max: year.1.map(year_of),
    }
}

/// A year index score back to a year (scores are whole years).
fn year_of(score: f64) -> i32 {
    score.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

async fn unfiltered(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    query: &PageQuery,
    start: usize,
    stop: usize,
    commands: &mut Vec<String>,
) -> Result<Window, AppError> {
    let key = scope.key(query.sort_index());
    let (mass_key, year_key) = (scope.key("mass"), scope.key("year"));
    // Sorted by mass, the page lists the landings that have one: its year
    // range is theirs (and the other way round), found once per version of
    // the dataset and kept in `summary:<sort>`.
    let (index, within) = match query.sort_index() {
        "mass" => (year_key.as_str(), mass_key.as_str()),
        _ => (mass_key.as_str(), year_key.as_str()),
    };
    let summary_key = scope.key(&format!("summary:{}", query.sort_index()));
    let mut pipe = redis::pipe();
    pipe.cmd("ZCARD").arg(&key).add_command(range(&key, start, stop, query.descending));
    add_ends(&mut pipe, &mass_key);
    add_ends(&mut pipe, &year_key);
    pipe.cmd("GET").arg(scope.key("version")).cmd("HGETALL").arg(&summary_key);
    let (total, ids, mass_low, mass_high, year_low, year_high, version, summary): Unfiltered =
        pipe.query_async(&mut *conn).await?;
    commands.push(format!("ZCARD {key}"));
    commands.push(range_text(&key, start, stop, query.descending));
    commands.push(format!(
        "ZRANGE {mass_key} 0 0 WITHSCORES, ZRANGE {mass_key} -1 -1 WITHSCORES   (the lightest and the heaviest; \
         the same for the years)"
    ));
    let mut mass = ends_of(&mass_low, &mass_high);
    let mut year = ends_of(&year_low, &year_high);
    if matches!(query.sort_index(), "mass" | "year") {
        let version = version.unwrap_or_default();
        let kept = (summary.get("version") == Some(&version))
            .then(|| (number(&summary, "low"), number(&summary, "high")));
        let ends = match kept {
            Some(ends) => ends,
            None => {
                let ends = ends_within(conn, index, within, &scope.key("scratch:ends")).await?;
                let mut fields = vec![("version", version)];
                fields.extend(ends.0.map(|low| ("low", low.to_string())));
                fields.extend(ends.1.map(|high| ("high", high.to_string())));
                redis::pipe()
                    .atomic()
                    .cmd("DEL")
                    .arg(&summary_key)
                    .ignore()
                    .cmd("HSET")
                    .arg(&summary_key)
                    .arg(&fields)
                    .ignore()
                    .exec_async(&mut *conn)
                    .await?;
                ends
            }
        };
        if query.sort_index() == "mass" {
            year = ends;
        } else {
            mass = ends;
        }
    }
    Ok(Window { total, ids, stats: stats_of(mass, year) })
}

/// What an unfiltered page reads in one round trip: the total, the ids,
/// the ends of `mass` and `year`, the dataset's version and the kept
/// summary.
type Unfiltered = (u64, Vec<String>, Scored, Scored, Scored, Scored, Option<String>, HashMap<String, String>);

/// A number kept in a hash.
fn number(hash: &HashMap<String, String>, field: &str) -> Option<f64> {
    hash.get(field).and_then(|value| value.parse().ok())
}

async fn filtered(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    query: &PageQuery,
    start: usize,
    stop: usize,
    commands: &mut Vec<String>,
) -> Result<Window, AppError> {
    // A result is kept for the next pages of the same query on the same
    // version of the dataset: a write makes a new version.
    let version: Option<u64> = redis::cmd("GET").arg(scope.key("version")).query_async(conn).await?;
    let key = scope.key(&format!("result:{}:{:016x}", version.unwrap_or(0), query.fingerprint()));
    let stats_key = format!("{key}:stats");
    let (kept, ids) = read_result(conn, &key, &stats_key, start, stop, query.descending).await?;
    let (kept, ids) = match kept {
        Some(kept) => {
            commands.push(format!("HGETALL {stats_key}   (a result kept from a page before)"));
            (kept, ids)
        }
        None => {
            build(conn, scope, query, &key, &stats_key, commands).await?;
            let (kept, ids) = read_result(conn, &key, &stats_key, start, stop, query.descending).await?;
            (kept.unwrap_or_default(), ids)
        }
    };
    commands.push(range_text(&key, start, stop, query.descending));
    Ok(Window { total: kept.0, ids, stats: kept.1 })
}

/// A kept result's page and summary (`None`: not kept), and a minute more
/// for both.
async fn read_result(
    conn: &mut ConnectionManager,
    key: &str,
    stats_key: &str,
    start: usize,
    stop: usize,
    descending: bool,
) -> Result<(Option<(u64, PageStats)>, Vec<String>), AppError> {
    let (stats, ids): (HashMap<String, String>, Vec<String>) = redis::pipe()
        .atomic()
        .cmd("HGETALL")
        .arg(stats_key)
        .add_command(range(key, start, stop, descending))
        .cmd("EXPIRE")
        .arg(key)
        .arg(RESULT_TTL_SECONDS)
        .ignore()
        .cmd("EXPIRE")
        .arg(stats_key)
        .arg(RESULT_TTL_SECONDS)
        .ignore()
        .query_async(conn)
        .await?;
    let Some(total) = stats.get("total").and_then(|t| t.parse::<u64>().ok()) else {
        return Ok((None, ids));
    };
    let summary = PageStats {
        mass_min: number(&stats, "mass_min"),
        mass_max: number(&stats, "mass_max"),
        year_min: number(&stats, "year_min").map(year_of),
        year_max: number(&stats, "year_max").map(year_of),
    };
    Ok((Some((total, summary)), ids))
}

/// Computes the result of `query` into `key` and its summary into
/// `stats_key`, both kept [`RESULT_TTL_SECONDS`].
async fn build(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    query: &PageQuery,
    key: &str,
    stats_key: &str,
    commands: &mut Vec<String>,
) -> Result<(), AppError> {
    let sort_key = scope.key(query.sort_index());
    let scratch = format!("{key}:tmp");
    let mut temporary: Vec<String> = Vec::new();
    let mut setup = redis::pipe();

    // Sets to intersect with the sort index, and sets to take away from it.
    let mut inputs: Vec<String> = vec![sort_key.clone()];
    let mut without: Vec<String> = Vec::new();
    let filters = query.category_filters();
    if !filters.is_empty() {
        let usual: HashMap<String, String> =
            redis::cmd("HGETALL").arg(scope.key("usual")).query_async(&mut *conn).await?;
        for (category, value) in filters {
            if usual.get(category.name()).map(String::as_str) != Some(value) {
                inputs.push(category.value_key(scope, value));
                continue;
            }
            // The usual value: everything but the other values and the
            // landings without the field.
            let values: Vec<String> = redis::cmd("ZRANGE")
                .arg(category.counts_key(scope))
                .arg(0)
                .arg(-1)
                .query_async(&mut *conn)
                .await?;
            without.extend(values.iter().filter(|v| *v != value).map(|v| category.value_key(scope, v)));
            without.push(category.missing_key(scope));
        }
    }
    for (index, range) in [("year", query.year), ("mass", query.mass)] {
        if let Some((low, high)) = range {
            let slice = format!("{scratch}:{index}");
            setup
                .cmd("ZRANGESTORE")
                .arg(&slice)
                .arg(scope.key(index))
                .arg(bound(low))
                .arg(bound(high))
                .arg("BYSCORE");
            commands.push(format!(
                "ZRANGESTORE {slice} {} {} {} BYSCORE",
                scope.key(index),
                bound(low),
                bound(high)
            ));
            inputs.push(slice.clone());
            temporary.push(slice);
        }
    }
    if let Some(needle) = &query.name {
        let ids = search::ids_with_name(conn, scope, needle).await?;
        commands.push(search::command(scope, needle));
        let found = format!("{scratch}:name");
        setup.cmd("DEL").arg(&found);
        for chunk in ids.chunks(super::indexes::CHUNK) {
            setup.cmd("SADD").arg(&found).arg(chunk);
        }
        inputs.push(found.clone());
        temporary.push(found);
    }

    let mut tx = redis::pipe();
    tx.atomic();
    for cmd in setup.cmd_iter() {
        tx.add_command(cmd.clone()).ignore();
    }
    if inputs.len() > 1 {
        let mut inter = redis::cmd("ZINTERSTORE");
        inter.arg(key).arg(inputs.len()).arg(&inputs).arg("WEIGHTS").arg(1);
        for _ in 1..inputs.len() {
            inter.arg(0);
        }
        tx.add_command(inter).ignore();
        commands.push(format!(
            "ZINTERSTORE {key} {} {} WEIGHTS 1{}",
            inputs.len(),
            inputs.join(" "),
            " 0".repeat(inputs.len() - 1)
        ));
    }
    if !without.is_empty() {
        let first = if inputs.len() > 1 { key } else { sort_key.as_str() };
        tx.cmd("ZDIFFSTORE").arg(key).arg(without.len() + 1).arg(first).arg(&without).ignore();
        commands.push(format!("ZDIFFSTORE {key} {} {first} {}", without.len() + 1, without.join(" ")));
    }
    tx.cmd("ZCARD").arg(key);
    tx.cmd("EXPIRE").arg(key).arg(RESULT_TTL_SECONDS).ignore();
    if !temporary.is_empty() {
        tx.cmd("UNLINK").arg(&temporary).ignore();
    }
    let (total,): (u64,) = tx.query_async(&mut *conn).await?;

    // The summary: the result's own ends for its sort key, and the ends of
    // the other index over the result's landings.
    let mut summary = [(None, None); 2];
    for (slot, index) in summary.iter_mut().zip(["mass", "year"]) {
        *slot = if query.sort_index() == index {
            let mut pipe = redis::pipe();
            add_ends(&mut pipe, key);
            let (low, high): (Scored, Scored) = pipe.query_async(&mut *conn).await?;
            ends_of(&low, &high)
        } else {
            ends_within(conn, &scope.key(index), key, &format!("{scratch}:{index}")).await?
        };
    }
    commands.push(format!(
        "ZRANGE mass 0 255 WITHSCORES + ZMSCORE {key} <those ids>   (the lightest listed landing; \
         the same for the heaviest and the years)"
    ));
    let stats = stats_of(summary[0], summary[1]);
    let mut fields: Vec<(&str, String)> = vec![("total", total.to_string())];
    for (name, value) in [("mass_min", stats.mass_min), ("mass_max", stats.mass_max)] {
        if let Some(value) = value {
            fields.push((name, value.to_string()));
        }
    }
    for (name, value) in [("year_min", stats.year_min), ("year_max", stats.year_max)] {
        if let Some(value) = value {
            fields.push((name, value.to_string()));
        }
    }
    redis::pipe()
        .cmd("HSET")
        .arg(stats_key)
        .arg(&fields)
        .ignore()
        .cmd("EXPIRE")
        .arg(stats_key)
        .arg(RESULT_TTL_SECONDS)
        .ignore()
        .exec_async(conn)
        .await?;
    Ok(())
}

/// `ZRANGESTORE … BYSCORE` bounds: `-inf`/`+inf` for open ends.
fn bound(value: f64) -> String {
    if value == f64::NEG_INFINITY {
        "-inf".into()
    } else if value == f64::INFINITY {
        "+inf".into()
    } else {
        value.to_string()
    }
}

/// `HGETALL` of each id, pipelined; a landing whose hash is gone (or is not
/// a hash any more) is left out.
async fn records(readers: &Readers, scope: &DataScope, ids: &[String]) -> Result<Vec<Record>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for id in ids {
        pipe.cmd("HGETALL").arg(scope.record_key(id));
    }
    let values: Vec<redis::Value> = pipe.query_async(&mut readers.data.clone()).await?;
    Ok(values
        .into_iter()
        .filter_map(|value| redis::from_redis_value::<Vec<(String, String)>>(value).ok())
        .filter(|fields| !fields.is_empty())
        .map(Record)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_and_direction_of_a_filter_shares_one_result() {
        let query = PageQuery {
            page: 1,
            size: 50,
            sort: "mass".into(),
            class: Some("L6".into()),
            ..PageQuery::default()
        };
        let other_page = PageQuery { page: 7, size: 20, descending: true, ..query.clone() };
        assert_eq!(query.fingerprint(), other_page.fingerprint());
        let other_class = PageQuery { class: Some("H5".into()), ..query.clone() };
        assert_ne!(query.fingerprint(), other_class.fingerprint());
        let other_sort = PageQuery { sort: "year".into(), ..query.clone() };
        assert_ne!(query.fingerprint(), other_sort.fingerprint());
    }

    #[test]
    fn bounds_and_years() {
        assert_eq!(bound(f64::NEG_INFINITY), "-inf");
        assert_eq!(bound(f64::INFINITY), "+inf");
        assert_eq!(bound(1950.0), "1950");
        assert_eq!(year_of(1880.0), 1880);
    }
}
