//! A page of landings, sorted and filtered with the indexes — never a scan
//! of the keyspace.
//!
//! **Every landing, in every order.** Sorted by mass (or year), the
//! landings without one come after all the others, by id, in both
//! directions — SQL's `NULLS LAST` — so a sort never hides a landing and
//! every order counts the same total.
//!
//! **Unfiltered**, a page is a range of a sort order ([`super::order`], a
//! list of ids): `LRANGE mass 100 149` (counted from the end,
//! `LRANGE mass -150 -101`, when descending), then one `HGETALL` per
//! landing, pipelined; a page reaching past the list goes on in
//! `nulls:mass` (`ZRANGE` by rank, which is id order). Its summary (the
//! mass and year ranges of every landing) is the values of the ends of the
//! `mass` and `year` lists, read with the records. Two round trips (three
//! on the page where the landings without a value begin), each the same
//! size on a million landings as on a thousand.
//!
//! **Filtered**, the landings that match are computed once into a
//! *result*, a list of their ids in the page's order:
//! - Redis intersects the value sets (`SINTER class:L6 fall:Fell`); a
//!   field's usual value, which has no set (see [`super::layout`]), is
//!   everything but the other values' sets and `missing:<field>`
//!   (`SUNION` of those, taken away);
//! - a mass or year range is a slice of the `mass` or `year` list, whose
//!   ends a search finds ([`order::partition_point`]);
//! - a name search is the ids `SSCAN` found ([`super::search`]).
//!
//! Then Bolide reads the sort order (`LRANGE`, in batches; only the slice
//! when the range is on the sorted field) and keeps, in order, the ids
//! that pass every filter. When one filter leaves few enough landings (a
//! rare class, a name) that reading their values costs less than reading
//! the order, it sorts those by their values instead ([`direct_cost`]).
//! The landings without the sorted value that pass (from `nulls:<order>`)
//! are kept apart, in `…:nulls`, so that a descending page, read from the
//! end of the result, still lists them last. The result is written with
//! `RPUSH`, its summary beside it (`…:stats`, with `total` and `ranked`,
//! the number with a value); both are kept a minute after their last use, so the next
//! pages of the same filter (either direction) are range reads again. A
//! result's key names the dataset's `version`: a load, reindex or record
//! write makes a new version, so a page never shows a result computed from
//! older data.
//!
//! A sandbox computes one new result at a time, and keeps a bounded number
//! and size of them ([`super::results`]).
//!
//! A landing deleted from the console leaves its index entries behind
//! until a reindex; its `HGETALL` is empty and the page skips it.

use std::collections::{HashMap, HashSet};

use super::layout::Category;
use super::order::{self, compare, ends_within, Order, Reads, SortValue};
use super::results::{self, Filters};
use super::{search, Owner, Page, PageStats, Readers, Record};
use crate::error::AppError;

/// How long a filtered result is kept after its last use.
const RESULT_TTL_SECONDS: u64 = 60;
/// Ids per `LRANGE` when a result reads its sort order.
const WALK_BATCH: usize = 65_536;
/// What sorting one candidate by its value costs, against reading one
/// entry of a sort order: a value read from a hash (`HGET`, pipelined)
/// costs Redis about what eight list entries of an `LRANGE` do; an id's
/// value is the id itself and costs nothing to read.
fn direct_cost(order: Order) -> usize {
    if order.field().is_some() {
        8
    } else {
        1
    }
}

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
    /// The sort order asked for.
    fn order(&self) -> Order {
        Order::of_sort(&self.sort)
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
            self.order().name(),
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

/// The ids of one page, how many landings match, and their ranges — some
/// of which are the values of landings still to read ([`EndReads`]).
struct Window {
    total: u64,
    ids: Vec<String>,
    stats: PageStats,
    ends: EndReads,
}

/// Summary values to read with the page's records: each the value of a
/// landing at one end of an order (`mass_min`, `mass_max`, `year_min`,
/// `year_max`).
#[derive(Default)]
struct EndReads([Option<(Order, String)>; 4]);

/// A page of the dataset (see the module docs), its new results unbounded.
pub async fn page(readers: &Readers, scope: &Owner, query: &PageQuery) -> Result<Page, AppError> {
    page_within(readers, scope, query, None).await
}

/// [`page`], a new result computed only in `scope`'s turn and kept within
/// its bounds ([`results`]) when `filters` are given.
pub async fn page_within(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    filters: Option<&Filters>,
) -> Result<Page, AppError> {
    read_page(readers, scope, query, filters).await.map_err(super::layout_changed)
}

async fn read_page(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    filters: Option<&Filters>,
) -> Result<Page, AppError> {
    let mut commands = Vec::new();
    let start = query.page.saturating_sub(1).saturating_mul(query.size);
    let stop = start.saturating_add(query.size.max(1) - 1);
    let window = if query.is_filtered() {
        filtered(readers, scope, query, (start, stop), filters, &mut commands).await?
    } else {
        unfiltered(readers, scope, query, start, stop, &mut commands).await?
    };
    let (items, ends) = records(readers, scope, &window.ids, &window.ends).await?;
    let mut stats = window.stats;
    for (slot, value) in ends.0.iter().enumerate() {
        let Some(value) = value else { continue };
        match slot {
            0 => stats.mass_min = Some(*value),
            1 => stats.mass_max = Some(*value),
            2 => stats.year_min = Some(year_of(*value)),
            _ => stats.year_max = Some(year_of(*value)),
        }
    }
    if let Some(first) = window.ids.first() {
        commands.push(format!(
            "HGETALL {}   (and {} more, one per landing on the page)",
            Owner::local().record_key(first),
            window.ids.len() - 1
        ));
    }
    Ok(Page {
        total: window.total,
        page: query.page as u64,
        size: query.size as u64,
        items,
        commands,
        stats,
        reindexed: None,
    })
}

/// `LRANGE key start stop`, counted from the end when descending (the
/// answer is then reversed).
fn range(key: &str, start: usize, stop: usize, descending: bool) -> redis::Cmd {
    let (first, last) = list_range(start, stop, descending);
    let mut cmd = redis::cmd("LRANGE");
    cmd.arg(key).arg(first).arg(last);
    cmd
}

fn list_range(start: usize, stop: usize, descending: bool) -> (isize, isize) {
    let (start, stop) = (start.min(isize::MAX as usize) as isize, stop.min(isize::MAX as usize - 1) as isize);
    if descending {
        (-stop - 1, -start - 1)
    } else {
        (start, stop)
    }
}

fn range_text(key: &str, start: usize, stop: usize, descending: bool) -> String {
    let (first, last) = list_range(start, stop, descending);
    format!("LRANGE {key} {first} {last}{}", if descending { "   (from the end: descending)" } else { "" })
}

/// A year value back to a year (values are whole years).
fn year_of(value: f64) -> i32 {
    value.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

async fn unfiltered(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    start: usize,
    stop: usize,
    commands: &mut Vec<String>,
) -> Result<Window, AppError> {
    let order = query.order();
    let key = scope.key(order.name());
    let nulls = order.nulls_name().map(|name| scope.key(name));
    let mut pipe = redis::pipe();
    pipe.cmd("LLEN").arg(&key).add_command(range(&key, start, stop, query.descending));
    for ends in [Order::Mass, Order::Year] {
        pipe.cmd("LINDEX").arg(scope.key(ends.name())).arg(0);
        pipe.cmd("LINDEX").arg(scope.key(ends.name())).arg(-1);
    }
    let (ranked, mut ids, mass_low, mass_high, year_low, year_high, without) = match &nulls {
        Some(nulls) => {
            pipe.cmd("ZCARD").arg(nulls);
            pipe.query_async::<Unfiltered>(&mut readers.system.clone()).await?
        }
        None => {
            let (ranked, ids, mass_low, mass_high, year_low, year_high) =
                pipe.query_async(&mut readers.system.clone()).await?;
            (ranked, ids, mass_low, mass_high, year_low, year_high, 0)
        }
    };
    if query.descending {
        ids.reverse();
    }
    commands.push(format!("LLEN {key}"));
    commands.push(range_text(&key, start, stop, query.descending));
    if let (Some(nulls), Some((from, to))) = (&nulls, tail(ids.len(), start, stop, ranked, without)) {
        let rest: Vec<String> = redis::cmd("ZRANGE")
            .arg(nulls)
            .arg(from)
            .arg(to)
            .query_async(&mut readers.system.clone())
            .await?;
        ids.extend(rest);
        commands.push(nulls_text(&format!("ZRANGE {nulls} {from} {to}"), order));
    }
    commands.push(format!(
        "LINDEX {0} 0, LINDEX {0} -1, then HGET of their \"mass (g)\"   (the lightest and the heaviest; \
         the same for the years)",
        scope.key("mass")
    ));
    let ends = EndReads([
        mass_low.map(|id| (Order::Mass, id)),
        mass_high.map(|id| (Order::Mass, id)),
        year_low.map(|id| (Order::Year, id)),
        year_high.map(|id| (Order::Year, id)),
    ]);
    Ok(Window { total: ranked + without, ids, stats: PageStats::default(), ends })
}

/// What an unfiltered page reads in one round trip: the length of its
/// order, the ids, the ids at the ends of `mass` and `year`, and how many
/// landings have no value in its order (listed after the others).
type Unfiltered = (u64, Vec<String>, Option<String>, Option<String>, Option<String>, Option<String>, u64);

/// The part of positions `start..=stop` of a page that lies past the
/// `ranked` landings with a value, as positions among the `without`
/// landings without one — when the read of the ranked ones (`read` ids)
/// came up short of the page.
fn tail(read: usize, start: usize, stop: usize, ranked: u64, without: u64) -> Option<(u64, u64)> {
    let (start, stop) = (start as u64, stop as u64);
    if without == 0 || (read as u64) > stop.saturating_sub(start) || stop < ranked {
        return None;
    }
    let from = start.saturating_sub(ranked);
    (from < without).then(|| (from, (stop - ranked).min(without - 1)))
}

/// A read of the landings without the page's sort value, for the page's
/// list of commands.
fn nulls_text(command: &str, order: Order) -> String {
    format!(
        "{command}   (the landings without a {}, by id: last in either direction, as SQL's NULLS LAST)",
        order.name()
    )
}

/// A number kept in a hash.
fn number(hash: &HashMap<String, String>, field: &str) -> Option<f64> {
    hash.get(field).and_then(|value| value.parse().ok())
}

async fn filtered(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    (start, stop): (usize, usize),
    filters: Option<&Filters>,
    commands: &mut Vec<String>,
) -> Result<Window, AppError> {
    // A result is kept for the next pages of the same query on the same
    // version of the dataset: a write makes a new version.
    let mut conn = readers.system.clone();
    let version: Option<u64> = redis::cmd("GET").arg(scope.key("version")).query_async(&mut conn).await?;
    let key = scope.key(&format!("result:{}:{:016x}", version.unwrap_or(0), query.fingerprint()));
    let stats_key = format!("{key}:stats");
    let before = commands.len();
    let (kept, ids) = read_result(readers, &key, (start, stop), query, commands).await?;
    let (kept, ids) = match kept {
        Some(kept) => {
            commands.insert(before, format!("HGETALL {stats_key}   (a result kept from a page before)"));
            (kept, ids)
        }
        None => {
            let turn = match filters {
                Some(filters) => Some(filters.turn(scope).await?),
                None => None,
            };
            // Computed meanwhile by the request whose turn this waited for?
            let (kept, ids) = match turn {
                Some(_) => read_result(readers, &key, (start, stop), query, commands).await?,
                None => (None, Vec::new()),
            };
            match kept {
                Some(kept) => {
                    commands
                        .insert(before, format!("HGETALL {stats_key}   (a result kept from a page before)"));
                    (kept, ids)
                }
                None => {
                    let bytes = build(readers, scope, query, &key, &stats_key, commands).await?;
                    if let Some(filters) = filters {
                        results::keep(&mut conn, scope, &key, bytes, &filters.bounds).await?;
                    }
                    drop(turn);
                    let (kept, ids) = read_result(readers, &key, (start, stop), query, commands).await?;
                    (kept.unwrap_or_default(), ids)
                }
            }
        }
    };
    Ok(Window { total: kept.0, ids, stats: kept.1, ends: EndReads::default() })
}

/// A kept result's page and summary (`None`: not kept), and a minute more
/// for both; the page's reads go into `commands` once it is kept.
async fn read_result(
    readers: &Readers,
    key: &str,
    (start, stop): (usize, usize),
    query: &PageQuery,
    commands: &mut Vec<String>,
) -> Result<(Option<(u64, PageStats)>, Vec<String>), AppError> {
    let (stats_key, nulls_key) = (format!("{key}:stats"), format!("{key}:nulls"));
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("HGETALL").arg(&stats_key).add_command(range(key, start, stop, query.descending));
    for kept in [key, &stats_key, &nulls_key] {
        pipe.cmd("EXPIRE").arg(kept).arg(RESULT_TTL_SECONDS).ignore();
    }
    let (stats, mut ids): (HashMap<String, String>, Vec<String>) =
        pipe.query_async(&mut readers.system.clone()).await?;
    if query.descending {
        ids.reverse();
    }
    let Some(total) = stats.get("total").and_then(|t| t.parse::<u64>().ok()) else {
        return Ok((None, ids));
    };
    commands.push(range_text(key, start, stop, query.descending));
    // The landings without the sorted value come last, in both directions.
    let ranked = stats.get("ranked").and_then(|r| r.parse::<u64>().ok()).unwrap_or(total).min(total);
    if let Some((from, to)) = tail(ids.len(), start, stop, ranked, total - ranked) {
        let rest: Vec<String> = redis::cmd("LRANGE")
            .arg(&nulls_key)
            .arg(from)
            .arg(to)
            .query_async(&mut readers.system.clone())
            .await?;
        ids.extend(rest);
        commands.push(nulls_text(&format!("LRANGE {nulls_key} {from} {to}"), query.order()));
    }
    let summary = PageStats {
        mass_min: number(&stats, "mass_min"),
        mass_max: number(&stats, "mass_max"),
        year_min: number(&stats, "year_min").map(year_of),
        year_max: number(&stats, "year_max").map(year_of),
    };
    Ok((Some((total, summary)), ids))
}

/// What a filter keeps: ids in every one of `within`, none in `without`,
/// and, on the sort order, the positions `from..to`.
struct Filter {
    within: Vec<HashSet<String>>,
    without: HashSet<String>,
    from: usize,
    to: usize,
    /// The range on the sort order's own values (for the direct sort).
    range: Option<(f64, f64)>,
}

impl Filter {
    fn keeps(&self, id: &str) -> bool {
        !self.without.contains(id) && self.within.iter().all(|set| set.contains(id))
    }
}

/// Computes the result of `query` into `key` and its summary into
/// `stats_key`, both kept [`RESULT_TTL_SECONDS`]; answers its estimated
/// bytes.
async fn build(
    readers: &Readers,
    scope: &Owner,
    query: &PageQuery,
    key: &str,
    stats_key: &str,
    commands: &mut Vec<String>,
) -> Result<u64, AppError> {
    let mut conn = readers.system.clone();
    let mut reads = Reads::Shared(readers);
    let order = query.order();
    let sort_key = scope.key(order.name());
    let len = reads.len(scope, order).await?;
    let mut filter = Filter { within: Vec::new(), without: HashSet::new(), from: 0, to: len, range: None };

    // Sets the landings must be in, and sets they must not be in.
    let mut inside: Vec<String> = Vec::new();
    let mut outside: Vec<String> = Vec::new();
    let filters = query.category_filters();
    if !filters.is_empty() {
        let usual: HashMap<String, String> =
            redis::cmd("HGETALL").arg(scope.key("usual")).query_async(&mut conn).await?;
        for (category, value) in filters {
            if usual.get(category.name()).map(String::as_str) != Some(value) {
                inside.push(category.value_key(scope, value));
                continue;
            }
            // The usual value: everything but the other values and the
            // landings without the field.
            let values: Vec<String> = redis::cmd("ZRANGE")
                .arg(category.counts_key(scope))
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await?;
            outside.extend(values.iter().filter(|v| *v != value).map(|v| category.value_key(scope, v)));
            outside.push(category.missing_key(scope));
        }
    }
    if !inside.is_empty() {
        let ids: HashSet<String> = redis::cmd("SINTER").arg(&inside).query_async(&mut conn).await?;
        commands.push(format!("SINTER {}", inside.join(" ")));
        filter.within.push(ids);
    }
    if !outside.is_empty() {
        filter.without = redis::cmd("SUNION").arg(&outside).query_async(&mut conn).await?;
        commands.push(format!("SUNION {}   (the landings taken away)", outside.join(" ")));
    }
    for (index, range) in [(Order::Year, query.year), (Order::Mass, query.mass)] {
        let Some((low, high)) = range else { continue };
        let index_len = if index == order { len } else { reads.len(scope, index).await? };
        // An entry without a readable value (edited since the reindex)
        // counts as before the place searched for: both searches step
        // over it.
        let number = |value: Option<&SortValue>| value.and_then(SortValue::number);
        let from = order::partition_point(&mut reads, scope, index, index_len, |value, _| {
            number(value).is_none_or(|n| n < low)
        })
        .await?;
        let to = order::partition_point(&mut reads, scope, index, index_len, |value, _| {
            number(value).is_none_or(|n| n <= high)
        })
        .await?;
        let to = to.max(from);
        commands.push(format!(
            "LRANGE {} {from} {}   (the landings from {low} to {high}: where they start and end in the list \
             is found by a search reading the values of a few of them)",
            scope.key(index.name()),
            to as isize - 1
        ));
        if index == order {
            (filter.from, filter.to) = (from, to);
            filter.range = Some((low, high));
        } else if to > from {
            let ids = reads.range(scope, index, from as isize, to as isize - 1).await?;
            filter.within.push(ids.into_iter().collect());
        } else {
            filter.within.push(HashSet::new());
        }
    }
    if let Some(needle) = &query.name {
        let ids = search::ids_with_name(&mut conn, scope, needle).await?;
        commands.push(search::command(scope, needle));
        filter.within.push(ids.into_iter().collect());
    }
    // The smallest set first: most ids fail there.
    filter.within.sort_by_key(HashSet::len);

    let matched = match filter.within.first() {
        Some(smallest) if smallest.len().saturating_mul(direct_cost(order)) < filter.to - filter.from => {
            let candidates: Vec<String> = smallest.iter().filter(|id| filter.keeps(id)).cloned().collect();
            let values = reads.values(scope, order, &candidates).await?;
            let mut sorted: Vec<(SortValue, String)> = values
                .into_iter()
                .zip(candidates)
                .filter_map(|(value, id)| value.map(|value| (value, id)))
                .filter(|(value, _)| match (filter.range, value.number()) {
                    (Some((low, high)), Some(n)) => low <= n && n <= high,
                    (Some(_), None) => false,
                    (None, _) => true,
                })
                .collect();
            sorted.sort_by(|a, b| compare((&a.0, &a.1), (&b.0, &b.1)));
            commands.push(match order.field() {
                Some(field) => format!(
                    "HGET meteorite:<id> \"{field}\" of each of the {} landings found   (few: Bolide sorts them \
                     itself)",
                    sorted.len()
                ),
                None => format!("(the {} landings found, sorted by id by Bolide itself)", sorted.len()),
            });
            sorted.into_iter().map(|(_, id)| id).collect()
        }
        _ => {
            let mut matched = Vec::new();
            let mut next = filter.from;
            while next < filter.to {
                let last = (next + WALK_BATCH).min(filter.to) - 1;
                let ids = reads.range(scope, order, next as isize, last as isize).await?;
                let read = ids.len();
                matched.extend(ids.into_iter().filter(|id| filter.keeps(id)));
                if read < last + 1 - next {
                    break;
                }
                next = last + 1;
            }
            commands.push(format!(
                "LRANGE {sort_key} {} {}   (in batches of {WALK_BATCH}: Bolide keeps, in order, the ids that pass \
                 every filter)",
                filter.from,
                filter.to as isize - 1
            ));
            matched
        }
    };

    // The landings without the sorted value, by id, after the others
    // (`NULLS LAST`) — unless a range on that value leaves them out.
    let mut nulls = Vec::new();
    if let (Some(name), None) = (order.nulls_name(), filter.range) {
        let nulls_key = scope.key(name);
        let without: Vec<String> =
            redis::cmd("ZRANGE").arg(&nulls_key).arg(0).arg(-1).query_async(&mut conn).await?;
        nulls = without.into_iter().filter(|id| filter.keeps(id)).collect();
        commands.push(nulls_text(&format!("ZRANGE {nulls_key} 0 -1"), order));
    }

    // The summary: the ends of the result for its own sort value, and the
    // ends of the other value over the result's landings.
    let listed: HashSet<String> = matched.iter().chain(&nulls).cloned().collect();
    let mut summary = [(None, None); 2];
    for (slot, index) in summary.iter_mut().zip([Order::Mass, Order::Year]) {
        *slot = if index == order {
            own_ends(&mut reads, scope, order, &matched).await?
        } else {
            ends_within(&mut reads, scope, index, &listed).await?
        };
    }
    commands.push(
        "HGET of \"mass (g)\" and \"year\" of the lightest and heaviest, earliest and latest listed landings   \
         (found from the ends of the mass and year lists)"
            .to_string(),
    );
    let stats = PageStats {
        mass_min: summary[0].0,
        mass_max: summary[0].1,
        year_min: summary[1].0.map(year_of),
        year_max: summary[1].1.map(year_of),
    };
    let mut fields: Vec<(&str, String)> =
        vec![("total", (matched.len() + nulls.len()).to_string()), ("ranked", matched.len().to_string())];
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
    let mut tx = redis::pipe();
    let nulls_key = format!("{key}:nulls");
    tx.atomic().cmd("DEL").arg(key).arg(&nulls_key).ignore();
    for (list, ids) in [(key, &matched), (&nulls_key, &nulls)] {
        for chunk in ids.chunks(super::indexes::CHUNK) {
            tx.cmd("RPUSH").arg(list).arg(chunk).ignore();
        }
        tx.cmd("EXPIRE").arg(list).arg(RESULT_TTL_SECONDS).ignore();
    }
    tx.cmd("HSET").arg(stats_key).arg(&fields).ignore();
    tx.cmd("EXPIRE").arg(stats_key).arg(RESULT_TTL_SECONDS).ignore();
    tx.exec_async(&mut conn).await?;
    commands
        .push(format!("RPUSH {key} <the ids, in order>   (kept {RESULT_TTL_SECONDS} s for the next pages)"));
    Ok(results::estimate(&matched, &nulls))
}

/// The lowest and highest of the values `ids` (in `order`, ascending) are
/// sorted by: the first readable value from each end.
async fn own_ends(
    reads: &mut Reads<'_>,
    scope: &Owner,
    order: Order,
    ids: &[String],
) -> Result<(Option<f64>, Option<f64>), AppError> {
    const AT_EACH_END: usize = 16;
    let mut ends = [None, None];
    for (slot, from_top) in ends.iter_mut().zip([false, true]) {
        let mut offset = 0;
        while slot.is_none() && offset < ids.len() {
            let take = AT_EACH_END.min(ids.len() - offset);
            let batch: Vec<String> = if from_top {
                ids[ids.len() - offset - take..ids.len() - offset].iter().rev().cloned().collect()
            } else {
                ids[offset..offset + take].to_vec()
            };
            let values = reads.values(scope, order, &batch).await?;
            *slot = values.iter().flatten().find_map(SortValue::number);
            offset += take;
        }
    }
    Ok((ends[0], ends[1]))
}

/// What [`records`] read besides the records: the values of [`EndReads`].
struct EndValues([Option<f64>; 4]);

/// `HGETALL` of each id, pipelined — a landing whose hash is gone (or is
/// not a hash any more) is left out — and, in the same round trip, the
/// summary values `ends` asks for.
async fn records(
    readers: &Readers,
    scope: &Owner,
    ids: &[String],
    ends: &EndReads,
) -> Result<(Vec<Record>, EndValues), AppError> {
    let asked: Vec<(usize, Order, &String)> = ends
        .0
        .iter()
        .enumerate()
        .filter_map(|(slot, end)| end.as_ref().map(|(order, id)| (slot, *order, id)))
        .collect();
    let mut values = EndValues([None; 4]);
    if ids.is_empty() && asked.is_empty() {
        return Ok((Vec::new(), values));
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for id in ids {
        pipe.cmd("HGETALL").arg(scope.record_key(id));
    }
    for (_, order, id) in &asked {
        pipe.cmd("HGET").arg(scope.record_key(id)).arg(order.field().unwrap_or_default());
    }
    let mut read: Vec<redis::Value> = pipe.query_async(&mut readers.data.clone()).await?;
    let end_values = read.split_off(ids.len().min(read.len()));
    for ((slot, order, id), value) in asked.iter().zip(end_values) {
        let text = redis::from_redis_value::<Option<String>>(value).ok().flatten();
        values.0[*slot] = order.value(id, text.as_deref()).and_then(|value| value.number());
    }
    let items = read
        .into_iter()
        .filter_map(|value| redis::from_redis_value::<Vec<(String, String)>>(value).ok())
        .filter(|fields| !fields.is_empty())
        .map(Record)
        .collect();
    Ok((items, values))
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
    fn descending_pages_count_from_the_end() {
        assert_eq!(list_range(0, 49, false), (0, 49));
        assert_eq!(list_range(100, 149, true), (-150, -101));
        assert_eq!(year_of(1880.0), 1880);
    }
}
