//! The indexes of a whole dataset, computed in Bolide and written into the
//! load's (or reindex's) transaction; the layout is [`super::layout`]'s.
//!
//! **Cheap for Redis to build.** A load is timed against `redis-cli --pipe`
//! writing the bare hashes, and Redis builds every index inside the same
//! transaction, so what the indexes cost Redis is what the load costs. So:
//! - the sort orders are lists, sorted here and pushed in 4,096-id
//!   `RPUSH`es: a fifth of the price of sorted sets ([`super::order`]);
//!   only the few landings without a mass or a year go into sorted sets
//!   (`nulls:mass`, `nulls:year`), which record writes keep without a
//!   search;
//! - a field's usual value has no set (see [`super::layout`]), which saves
//!   NASA's file about 105,000 set entries;
//! - name search reads a few long strings (`names`), not a set member per
//!   landing ([`super::search`]);
//! - what verify needs about the loaded file — its ids, the field list
//!   of each record that differs from the usual list, a digest of each
//!   record's values ([`super::verify`]) — is one string
//!   (`file`), not a hash entry per record.
//!
//! Commands carry [`CHUNK`] members each: fewer, larger commands cost
//! Redis less per member than many small ones, and stay far below any
//! argument limit.

use std::collections::HashMap;

use super::layout::Category;
use super::order::Order;
use super::{search, Owner};
use crate::data::{Dataset, Landing};

/// Members per `RPUSH`/`SADD`, keys per `UNLINK`.
pub const CHUNK: usize = 4096;

/// What one landing puts into the indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    pub id: &'a str,
    /// The id read as a number, for sorting by id (0 when it is not one).
    pub id_score: f64,
    pub mass: Option<f64>,
    pub year: Option<f64>,
    /// For name order and search: case-insensitive.
    pub lower_name: String,
    /// Its value of each of [`Category::ALL`].
    pub values: [Option<&'a str>; 4],
}

impl<'a> Entry<'a> {
    pub fn of(landing: &'a Landing) -> Self {
        let id = landing.id();
        Entry {
            id,
            id_score: id_score(id),
            mass: landing.mass_g(),
            year: landing.year().map(f64::from),
            lower_name: landing.name().unwrap_or_default().to_lowercase(),
            values: Category::ALL.map(|category| category.value_of(landing)),
        }
    }

    /// Its line in the `names` log ([`super::search`]).
    pub fn name_line(&self) -> String {
        search::named_line(&search::normalized(&self.lower_name), self.id)
    }
}

/// An id's score in `ids`: the number it reads as, else 0.
pub fn id_score(id: &str) -> f64 {
    id.parse::<f64>().ok().filter(|score| score.is_finite()).unwrap_or(0.0)
}

/// The usual value among `counts`, if one covers more than half of `total`.
fn usual_value<'a>(counts: impl Iterator<Item = (&'a str, usize)>, total: usize) -> Option<&'a str> {
    counts.filter(|(_, count)| count.saturating_mul(2) > total).map(|(value, _)| value).next()
}

/// One category's landings by value.
#[derive(Default)]
struct Groups<'a> {
    by_value: HashMap<&'a str, Vec<&'a str>>,
    missing: Vec<&'a str>,
    usual: Option<&'a str>,
}

/// Every index of a dataset, ready to write.
pub struct Indexes<'a> {
    total: usize,
    /// Each sort order's ids, ascending (see [`super::order`]).
    ids: Vec<&'a str>,
    mass: Vec<&'a str>,
    year: Vec<&'a str>,
    /// The landings without a mass, and without a year, with their ids'
    /// scores ([`super::order::Order::nulls_name`]).
    nulls: [Vec<(f64, &'a str)>; 2],
    by_name: Vec<&'a str>,
    /// The `names` log's chunks.
    names: Vec<String>,
    groups: [Groups<'a>; 4],
    /// Distinct field lists, most common first, and each landing's.
    signatures: Vec<Vec<&'a str>>,
    signature_of: Vec<usize>,
}

impl<'a> Indexes<'a> {
    pub fn of(dataset: &'a Dataset) -> Self {
        let total = dataset.landings.len();
        let entries: Vec<Entry<'a>> = dataset.landings.iter().map(Entry::of).collect();
        // Three independent parts on three threads: a load waits for them
        // between the last record and `EXEC` (~40 ms for NASA's file on
        // one thread, ~20 on three).
        std::thread::scope(|threads| {
            let orders = threads.spawn(|| {
                let by_score = |pick: &dyn Fn(&Entry<'a>) -> Option<f64>| {
                    let mut pairs: Vec<(f64, &'a str)> =
                        entries.iter().filter_map(|e| pick(e).map(|score| (score, e.id))).collect();
                    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(b.1)));
                    pairs.into_iter().map(|(_, id)| id).collect::<Vec<&'a str>>()
                };
                let without = |value: &dyn Fn(&Entry<'a>) -> Option<f64>| {
                    entries
                        .iter()
                        .filter(|e| value(e).is_none())
                        .map(|e| (e.id_score, e.id))
                        .collect::<Vec<_>>()
                };
                (
                    (by_score(&|e| Some(e.id_score)), by_score(&|e| e.mass), by_score(&|e| e.year)),
                    [without(&|e| e.mass), without(&|e| e.year)],
                )
            });
            let named = threads.spawn(|| {
                let mut named: Vec<(&str, &'a str)> =
                    entries.iter().map(|e| (e.lower_name.as_str(), e.id)).collect();
                named.sort_unstable();
                let names = search::chunks(
                    named.iter().map(|(name, id)| search::named_line(&search::normalized(name), id)),
                );
                (named.into_iter().map(|(_, id)| id).collect::<Vec<&'a str>>(), names)
            });

            let mut groups: [Groups<'a>; 4] = Default::default();
            for entry in &entries {
                for (group, value) in groups.iter_mut().zip(entry.values) {
                    match value {
                        Some(value) => group.by_value.entry(value).or_default().push(entry.id),
                        None => group.missing.push(entry.id),
                    }
                }
            }
            for group in &mut groups {
                group.usual = usual_value(group.by_value.iter().map(|(v, ids)| (*v, ids.len())), total);
            }
            let (signatures, signature_of) = signatures(&dataset.landings);

            // A sort cannot panic on these values; if a thread did anyway,
            // its panic is the load's.
            let ((ids, mass, year), nulls) =
                orders.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let (by_name, names) = named.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Indexes { total, ids, mass, year, nulls, by_name, names, groups, signatures, signature_of }
        })
    }

    /// The commands writing the browse indexes (to run on the system
    /// database, once the old keys are gone).
    pub fn write(&self, tx: &mut Vec<redis::Cmd>, scope: &Owner) {
        for (order, ids) in
            [("ids", &self.ids), ("name", &self.by_name), ("mass", &self.mass), ("year", &self.year)]
        {
            for chunk in ids.chunks(CHUNK) {
                let mut cmd = redis::cmd("RPUSH");
                cmd.arg(scope.key(order)).arg(chunk);
                tx.push(cmd);
            }
        }
        for (name, nulls) in
            [Order::Mass, Order::Year].into_iter().filter_map(Order::nulls_name).zip(&self.nulls)
        {
            let key = scope.key(name);
            for chunk in nulls.chunks(CHUNK) {
                let mut cmd = redis::cmd("ZADD");
                cmd.arg(&key);
                for (score, id) in chunk {
                    cmd.arg(score).arg(id);
                }
                tx.push(cmd);
            }
        }
        if !self.names.is_empty() {
            let mut cmd = redis::cmd("RPUSH");
            cmd.arg(scope.key("names")).arg(&self.names);
            tx.push(cmd);
        }
        let mut usual = redis::cmd("HSET");
        usual.arg(scope.key("usual"));
        for (category, group) in Category::ALL.iter().zip(&self.groups) {
            let mut counts: Vec<(usize, &str)> =
                group.by_value.iter().map(|(value, ids)| (ids.len(), *value)).collect();
            counts.sort_unstable();
            if !counts.is_empty() {
                let mut cmd = redis::cmd("ZADD");
                cmd.arg(category.counts_key(scope));
                for (count, value) in counts {
                    cmd.arg(count).arg(value);
                }
                tx.push(cmd);
            }
            for (value, ids) in &group.by_value {
                if Some(*value) != group.usual {
                    sadd(tx, &category.value_key(scope, value), ids);
                }
            }
            sadd(tx, &category.missing_key(scope), &group.missing);
            // `usual:<field>` is absent when no value is usual; one field
            // is always written so the hash exists and says "indexed".
            usual.arg(category.name()).arg(group.usual.unwrap_or(""));
        }
        tx.push(usual);
    }

    /// The commands writing the `meta` fields and the `file` string that
    /// describe the loaded file (a load's only: a reindex keeps describing
    /// the last file).
    ///
    /// `file` has one line per landing, in file order (see
    /// [`super::verify::FileLine`]): its id, a tab, the number of its field
    /// list in `signatures` (empty for the most common one), a tab, and the
    /// digest of its fields and values.
    pub fn write_file(&self, tx: &mut Vec<redis::Cmd>, scope: &Owner, dataset: &Dataset, source: &str) {
        let mut file = String::with_capacity(self.total * 20);
        for (landing, signature) in dataset.landings.iter().zip(&self.signature_of) {
            let digest =
                super::verify::digest(landing.fields.iter().map(|(f, v)| (f.as_bytes(), v.as_bytes())));
            super::verify::FileLine { id: landing.id(), signature: *signature, digest: Some(digest) }
                .push_to(&mut file);
        }
        let mut set = redis::cmd("SET");
        set.arg(scope.key("file")).arg(file);
        tx.push(set);
        let mut meta = redis::cmd("HSET");
        meta.arg(scope.key("meta"))
            .arg("count")
            .arg(self.total)
            .arg("fields")
            .arg(serde_json::to_string(&dataset.field_names).unwrap_or_default())
            .arg("missing")
            .arg(serde_json::to_string(&dataset.missing).unwrap_or_default())
            .arg("signatures")
            .arg(serde_json::to_string(&self.signatures).unwrap_or_default())
            .arg("source")
            .arg(source)
            .arg("loaded_at")
            .arg(crate::sandbox::clock::now_ms());
        tx.push(meta);
    }
}

/// The distinct field lists of `landings`, the most common first, and the
/// number of each landing's list.
fn signatures(landings: &[Landing]) -> (Vec<Vec<&str>>, Vec<usize>) {
    let mut lists: Vec<Vec<&str>> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut index_of: HashMap<Vec<&str>, usize> = HashMap::new();
    let mut of: Vec<usize> = Vec::with_capacity(landings.len());
    for landing in landings {
        // Neighbours nearly always share their list: no lookup then.
        let previous = of.last().copied().filter(|&i| has_fields(landing, &lists[i]));
        let index = match previous {
            Some(index) => index,
            None => {
                let fields: Vec<&str> = landing.fields.iter().map(|(name, _)| name.as_str()).collect();
                *index_of.entry(fields).or_insert_with_key(|fields| {
                    lists.push(fields.clone());
                    counts.push(0);
                    lists.len() - 1
                })
            }
        };
        counts[index] += 1;
        of.push(index);
    }
    let mut order: Vec<usize> = (0..lists.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
    let mut renumbered = vec![0; lists.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old] = new;
    }
    let sorted = order.iter().map(|&old| std::mem::take(&mut lists[old])).collect();
    (sorted, of.into_iter().map(|old| renumbered[old]).collect())
}

/// Whether `landing`'s field names are exactly `list`, in order.
fn has_fields(landing: &Landing, list: &[&str]) -> bool {
    landing.fields.len() == list.len()
        && landing.fields.iter().zip(list).all(|((name, _), want)| name == want)
}

fn sadd<T: redis::ToRedisArgs>(tx: &mut Vec<redis::Cmd>, key: &str, members: &[T]) {
    for chunk in members.chunks(CHUNK) {
        let mut cmd = redis::cmd("SADD");
        cmd.arg(key).arg(chunk);
        tx.push(cmd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Shape;

    #[test]
    fn an_entry_reads_what_the_indexes_need() {
        let l =
            Landing::of_pairs(&[("name", "Aïr"), ("id", "12"), ("recclass", "L6"), ("mass (g)", "24000")]);
        let entry = Entry::of(&l);
        assert_eq!((entry.id, entry.id_score, entry.mass, entry.year), ("12", 12.0, Some(24000.0), None));
        assert_eq!(entry.lower_name, "aïr");
        assert_eq!(entry.values, [Some("L6"), None, None, Some("no")]);
        assert_eq!(entry.name_line(), "+aïr\u{0}12\n");
        assert_eq!(id_score("x1"), 0.0);
        assert_eq!(id_score("inf"), 0.0);
    }

    #[test]
    fn a_value_is_usual_only_above_half() {
        assert_eq!(usual_value([("a", 3), ("b", 2)].into_iter(), 5), Some("a"));
        assert_eq!(usual_value([("a", 2), ("b", 2)].into_iter(), 4), None);
        assert_eq!(usual_value(std::iter::empty(), 0), None);
    }

    #[test]
    fn the_most_common_field_list_is_number_zero() {
        let ds = Dataset::from_landings(
            vec![
                Landing::of_pairs(&[("id", "1")]),
                Landing::of_pairs(&[("id", "2"), ("name", "B")]),
                Landing::of_pairs(&[("id", "3"), ("name", "C")]),
                Landing::of_pairs(&[("id", "4")]),
                Landing::of_pairs(&[("id", "5"), ("name", "E")]),
            ],
            Shape::NasaJson,
        );
        let (lists, of) = signatures(&ds.landings);
        assert_eq!(lists, vec![vec!["id", "name"], vec!["id"]]);
        assert_eq!(of, [1, 0, 0, 1, 0]);
        let indexes = Indexes::of(&ds);
        assert_eq!(indexes.by_name, ["1", "4", "2", "3", "5"], "no name sorts first, then by id");
        assert_eq!(indexes.groups[3].usual, Some("no"));
    }
}
