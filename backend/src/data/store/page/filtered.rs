//! A filtered page's *result*: the ids that match, computed once in the
//! page's order and kept for the next pages (see the parent module's
//! "Filtered" for the why), then read back as ranges.

use std::collections::{HashMap, HashSet};

use super::super::layout::result_keys;
use super::super::order::{self, compare, ends_within, Order, Reads, SortValue};
use super::super::results::{self, Filters};
use super::super::{search, Owner, PageStats, Readers};
use super::{nulls_text, number, range, range_text, tail, year_of, EndReads, PageQuery, Window};
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

pub(super) async fn filtered(
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
    let [_, _, stats_key] = result_keys(&key);
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
    let [_, nulls_key, stats_key] = result_keys(key);
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
    let [_, nulls_key, _] = result_keys(key);
    tx.atomic().cmd("DEL").arg(key).arg(&nulls_key).ignore();
    for (list, ids) in [(key, &matched), (&nulls_key, &nulls)] {
        for chunk in ids.chunks(super::super::indexes::CHUNK) {
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
