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
//! the order, it sorts those by their values instead
//! (`direct_cost` in [`filtered`]).
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

mod filtered;

use std::collections::HashMap;

use super::layout::Category;
use super::order::Order;
use super::results::Filters;
use super::{Owner, Page, PageStats, Readers, Record};
use crate::error::AppError;
use filtered::filtered;

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
