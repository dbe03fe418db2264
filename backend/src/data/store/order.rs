//! The four sort orders — `ids`, `name`, `mass`, `year` — and searching
//! them.
//!
//! **Why lists.** Each order is a Redis list of ids, ascending. A load
//! builds it with a few `RPUSH`es of 4,096 ids, which costs Redis about a
//! fifth of what `ZADD`ing the same ids into a sorted set does (NASA's
//! file: ~20 ms for the four lists against ~100 ms for four sorted sets,
//! against ~150 ms for the hashes themselves) — and a load is timed
//! against bare `HSET`s. A page of an order is still one range read
//! (`LRANGE`), whatever the size of the list.
//!
//! **What a list lacks is the score.** The value a landing is sorted by is
//! in its hash, so where a search has to compare — where a mass range
//! starts, where an edited landing goes — it reads the probed landings'
//! values from their hashes: a search in [`PARTS`] parts per round (the
//! probed ids with one pipeline of `LINDEX`es, their values with one of
//! `HMGET`s), so a million entries take four rounds, not twenty. A landing
//! edited from the console since the last reindex may sit at its old
//! place; a search over it still ends, at a place next to where it would
//! be.

use std::cmp::Ordering;
use std::collections::HashSet;

use redis::aio::MultiplexedConnection;

use super::indexes::id_score;
use super::{Owner, Readers};
use crate::data::{parse_mass_g, parse_year, Landing};
use crate::error::AppError;
use crate::sandbox::SYSTEM_DB;

/// Probes per round of a search.
const PARTS: usize = 32;
/// Below this many entries a search reads them all at once.
const WINDOW: usize = 128;
/// The first batch of an ends probe; each next one is four times larger.
const FIRST_BATCH: usize = 256;
/// Up to this many landings, the ends of their values are read directly.
const DIRECT_ENDS: usize = 4096;

/// A sort order, and its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By id read as a number (0 when it is not one), then by id.
    Id,
    /// By lower-case name (`""` without one), then by id.
    Name,
    /// Landings with a mass, by mass, then by id.
    Mass,
    /// Landings with a year, by year, then by id.
    Year,
}

/// The value a landing is sorted by.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Number(f64),
    Text(String),
}

impl SortValue {
    pub fn number(&self) -> Option<f64> {
        match self {
            SortValue::Number(n) => Some(*n),
            SortValue::Text(_) => None,
        }
    }

    fn cmp(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Number(a), SortValue::Number(b)) => a.total_cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (SortValue::Number(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Number(_)) => Ordering::Greater,
        }
    }
}

/// `(value, id)` against `(value, id)`: the order of every list.
pub fn compare(a: (&SortValue, &str), b: (&SortValue, &str)) -> Ordering {
    a.0.cmp(b.0).then_with(|| a.1.cmp(b.1))
}

impl Order {
    pub const ALL: [Order; 4] = [Order::Id, Order::Name, Order::Mass, Order::Year];

    /// The order a page's `sort` names (`id` for anything else).
    pub fn of_sort(sort: &str) -> Order {
        match sort {
            "name" => Order::Name,
            "mass" => Order::Mass,
            "year" => Order::Year,
            _ => Order::Id,
        }
    }

    /// Its list's name in the layout.
    pub fn name(self) -> &'static str {
        match self {
            Order::Id => "ids",
            Order::Name => "name",
            Order::Mass => "mass",
            Order::Year => "year",
        }
    }

    /// The sorted set of the landings without a value in this order, each
    /// scored by its id's number, so that its rank order is the `ids`
    /// order (`None`: every landing has a value). A page sorted by mass
    /// lists them after the landings with one, in either direction: SQL's
    /// `NULLS LAST`. A sorted set, not a list, because a record write puts
    /// a landing in or out of it with one `ZADD`/`ZREM`, no search.
    pub fn nulls_name(self) -> Option<&'static str> {
        match self {
            Order::Mass => Some("nulls:mass"),
            Order::Year => Some("nulls:year"),
            Order::Id | Order::Name => None,
        }
    }

    /// The hash field its value comes from (`None`: the id itself).
    pub fn field(self) -> Option<&'static str> {
        match self {
            Order::Id => None,
            Order::Name => Some("name"),
            Order::Mass => Some("mass (g)"),
            Order::Year => Some("year"),
        }
    }

    /// A landing's value from its field as read (`None`: it is not in
    /// this order).
    pub fn value(self, id: &str, field: Option<&str>) -> Option<SortValue> {
        match self {
            Order::Id => Some(SortValue::Number(id_score(id))),
            Order::Name => Some(SortValue::Text(field.unwrap_or_default().to_lowercase())),
            Order::Mass => field.and_then(parse_mass_g).map(SortValue::Number),
            Order::Year => field.and_then(parse_year).map(|year| SortValue::Number(f64::from(year))),
        }
    }

    /// `landing`'s value (`None`: it is not in this order): what
    /// [`Self::value`] reads from its hash.
    pub fn value_of(self, landing: &Landing) -> Option<SortValue> {
        self.value(landing.id(), self.field().and_then(|field| landing.get(field)))
    }
}

/// Where searches read: the lists (system database) and the hashes (the
/// student's).
pub enum Reads<'a> {
    /// A page's: the shared connections.
    Shared(&'a Readers),
    /// A write's: its own connection, which `SELECT`s before each read
    /// (it holds a `WATCH`, so it cannot be swapped for another).
    Switching(&'a mut MultiplexedConnection),
}

impl Reads<'_> {
    /// A pipeline for database `db`: on a switching connection it starts
    /// with `SELECT db`.
    fn pipe(&self, db: u32) -> redis::Pipeline {
        let mut pipe = redis::pipe();
        if let Reads::Switching(_) = self {
            pipe.cmd("SELECT").arg(db).ignore();
        }
        pipe
    }

    /// Runs a pipeline made by [`Self::pipe`] for `db`.
    async fn run<T: redis::FromRedisValue>(&mut self, db: u32, pipe: redis::Pipeline) -> Result<T, AppError> {
        Ok(match self {
            Reads::Shared(readers) if db == 0 => pipe.query_async(&mut readers.data.clone()).await?,
            Reads::Shared(readers) => pipe.query_async(&mut readers.system.clone()).await?,
            Reads::Switching(conn) => pipe.query_async(&mut **conn).await?,
        })
    }

    /// The entries at `positions` of `order`'s list (`None` past its end).
    async fn ids_at(
        &mut self,
        scope: &Owner,
        order: Order,
        positions: &[usize],
    ) -> Result<Vec<Option<String>>, AppError> {
        let mut pipe = self.pipe(SYSTEM_DB);
        for position in positions {
            pipe.cmd("LINDEX").arg(scope.key(order.name())).arg(*position);
        }
        self.run(SYSTEM_DB, pipe).await
    }

    /// `order`'s value of each of `ids`, read from their hashes (`None`:
    /// not a hash, or no such value).
    pub async fn values(
        &mut self,
        scope: &Owner,
        order: Order,
        ids: &[String],
    ) -> Result<Vec<Option<SortValue>>, AppError> {
        let Some(field) = order.field() else {
            return Ok(ids.iter().map(|id| order.value(id, None)).collect());
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = self.pipe(0);
        pipe.ignore_errors();
        for id in ids {
            pipe.cmd("HGET").arg(scope.record_key(id)).arg(field);
        }
        let read: Vec<redis::Value> = self.run(0, pipe).await?;
        Ok(ids
            .iter()
            .zip(read)
            .map(|(id, value)| {
                let text = redis::from_redis_value::<Option<String>>(value).ok().flatten();
                order.value(id, text.as_deref())
            })
            .collect())
    }

    /// `LRANGE` of `order`'s list.
    pub async fn range(
        &mut self,
        scope: &Owner,
        order: Order,
        start: isize,
        stop: isize,
    ) -> Result<Vec<String>, AppError> {
        let mut pipe = self.pipe(SYSTEM_DB);
        pipe.cmd("LRANGE").arg(scope.key(order.name())).arg(start).arg(stop);
        let (ids,): (Vec<String>,) = self.run(SYSTEM_DB, pipe).await?;
        Ok(ids)
    }

    /// `LLEN` of `order`'s list.
    pub async fn len(&mut self, scope: &Owner, order: Order) -> Result<usize, AppError> {
        let mut pipe = self.pipe(SYSTEM_DB);
        pipe.cmd("LLEN").arg(scope.key(order.name()));
        let (len,): (usize,) = self.run(SYSTEM_DB, pipe).await?;
        Ok(len)
    }
}

/// The first position of `order`'s list (of `len` entries) whose entry is
/// not `before` — which must hold for a prefix of the list and not after
/// it. `before` gets each probed entry's value and id.
pub async fn partition_point(
    reads: &mut Reads<'_>,
    scope: &Owner,
    order: Order,
    len: usize,
    before: impl Fn(Option<&SortValue>, &str) -> bool,
) -> Result<usize, AppError> {
    let (mut low, mut high) = (0usize, len);
    while high - low > WINDOW {
        let span = high - low;
        let positions: Vec<usize> = (1..PARTS).map(|part| low + span * part / PARTS).collect();
        let probed = reads.ids_at(scope, order, &positions).await?;
        let ids: Vec<String> = probed.iter().map(|id| id.clone().unwrap_or_default()).collect();
        let values = reads.values(scope, order, &ids).await?;
        let mut next = (low, high);
        for ((position, id), value) in positions.iter().zip(&probed).zip(&values) {
            // Past the end (the list shrank meanwhile) counts as not before.
            let is_before = id.as_deref().is_some_and(|id| before(value.as_ref(), id));
            if is_before {
                next.0 = position + 1;
            } else {
                next.1 = *position;
                break;
            }
        }
        if next == (low, high) {
            break;
        }
        (low, high) = (next.0.min(next.1), next.1);
    }
    if high <= low {
        return Ok(low);
    }
    let ids = reads.range(scope, order, low as isize, high as isize - 1).await?;
    let values = reads.values(scope, order, &ids).await?;
    let first_not = ids.iter().zip(&values).position(|(id, value)| !before(value.as_ref(), id));
    Ok(low + first_not.unwrap_or(ids.len()))
}

/// The lowest and highest value in `order` (`Mass` or `Year`) of the
/// landings `within` — `None` when none of them has one.
///
/// Few landings: their values are read directly. Many (a big class,
/// "found", everything): the list is read from each end in growing
/// batches until one of them turns up, which for a fair share of the
/// landings is the first batch, whatever the size of the dataset.
pub async fn ends_within(
    reads: &mut Reads<'_>,
    scope: &Owner,
    order: Order,
    within: &HashSet<String>,
) -> Result<(Option<f64>, Option<f64>), AppError> {
    if within.len() <= DIRECT_ENDS {
        let ids: Vec<String> = within.iter().cloned().collect();
        let values = reads.values(scope, order, &ids).await?;
        let numbers = values.iter().flatten().filter_map(SortValue::number);
        let ends = numbers.fold((None, None), |(low, high): (Option<f64>, Option<f64>), n| {
            (Some(low.map_or(n, |l| l.min(n))), Some(high.map_or(n, |h| h.max(n))))
        });
        return Ok(ends);
    }
    let mut ends = [None, None];
    for (slot, from_top) in ends.iter_mut().zip([false, true]) {
        let mut offset = 0usize;
        let mut batch = FIRST_BATCH;
        loop {
            let (start, stop) = if from_top {
                (-((offset + batch) as isize), -(offset as isize) - 1)
            } else {
                (offset as isize, (offset + batch) as isize - 1)
            };
            let mut ids = reads.range(scope, order, start, stop).await?;
            if from_top {
                ids.reverse();
            }
            let listed: Vec<String> = ids.iter().filter(|id| within.contains(*id)).cloned().collect();
            let values = reads.values(scope, order, &listed).await?;
            if let Some(found) = values.iter().flatten().find_map(SortValue::number) {
                *slot = Some(found);
                break;
            }
            if ids.len() < batch {
                break;
            }
            offset += batch;
            batch = batch.saturating_mul(4);
        }
    }
    Ok((ends[0], ends[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sort_like_the_load_sorts_them() {
        assert_eq!(Order::Mass.value("1", Some("24000")), Some(SortValue::Number(24000.0)));
        assert_eq!(Order::Mass.value("1", Some("heavy")), None);
        assert_eq!(Order::Year.value("1", Some("1880-01-01T00:00:00.000")), Some(SortValue::Number(1880.0)));
        assert_eq!(Order::Name.value("1", None), Some(SortValue::Text(String::new())));
        assert_eq!(Order::Name.value("1", Some("Aïr")), Some(SortValue::Text("aïr".into())));
        assert_eq!(Order::Id.value("12", None), Some(SortValue::Number(12.0)));
        let (a, b) = (SortValue::Number(2.0), SortValue::Number(10.0));
        assert_eq!(compare((&a, "9"), (&b, "1")), Ordering::Less);
        assert_eq!(compare((&a, "1"), (&a, "2")), Ordering::Less);
        assert_eq!(Order::of_sort("mass"), Order::Mass);
        assert_eq!(Order::of_sort("anything"), Order::Id);
    }
}
