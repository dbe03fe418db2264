//! Where a dataset's bookkeeping lives: every key Bolide keeps beside the
//! student's `meteorite:*` hashes, in the system database, under
//! `bolide:data:{<owner>}:…` ([`Owner::key`]).
//!
//! | key | type | what |
//! | --- | --- | --- |
//! | `ids` | list | every indexed landing, by its id read as a number (0 if it is not one), then by id |
//! | `name` | list | every indexed landing, by case-insensitive name, then by id |
//! | `mass`, `year` | lists | the landings that have one, by it, then by id: sorting, range filters, the summary's ends |
//! | `nulls:mass`, `nulls:year` | sorted sets | the landings without one, scored by id: the end of that order in both directions (`NULLS LAST`) |
//! | `names` | list | a log of `+<lower-case name>\0<id>` lines in 64 KiB chunks, and of what edits changed: name search ([`super::search`]) |
//! | `class:<value>`, `fall:<value>`, `nametype:<value>`, `coords:<yes\|no>` | sets | the ids with that value — except for a field's *usual* value (below) |
//! | `missing:<field>` | set | ids of landings without that field |
//! | `counts:<field>` | sorted set | each value with its number of landings |
//! | `usual` | hash | each field's usual value (below), `""` for none |
//! | `meta` | hash | the last load: `count`, `fields`, `missing`, `signatures`, `source`, `loaded_at` |
//! | `file` | string | the loaded file's ids, field lists and value digests, for verify (see [`super::verify`]) |
//! | `seen` | string | database 0's `DBSIZE` when the indexes were last found in step with it (local mode, [`super::follow`]) |
//! | `version` | string | bumped by every write: cached page results name it |
//! | `lock` | string | held by a running load |
//! | `result:<version>:<hash>` (+ `:nulls`, `:stats`) | lists, hash | a filtered page's ids in order (those without the sorted value apart), and its total and ranges, kept a minute |
//! | `results`, `results:bytes` | sorted set, hash | the results kept, by when each was made, and their estimated bytes: a sandbox's oldest are evicted past its bounds ([`super::results`]) |
//!
//! **Why every index holds ids.** The value sets intersect (`SINTER`), and
//! what they leave is looked up in the sort orders by id: a page "class
//! L6, heaviest first" is `class:L6` read in the order of `mass` (see
//! [`super::page`]), whatever the combination. The orders are lists, not
//! sorted sets, because a load builds them for a fifth of the price
//! ([`super::order`]).
//!
//! **Why a usual value has no set.** 97.6% of NASA's landings were found,
//! 99.8% are `Valid`, 84% have coordinates: writing those ids into
//! `fall:Found`, `nametype:Valid` and `coords:yes` would cost the load as much
//! as a sort order, to describe what "everything but the rest" describes as
//! well. So when one value covers more than half of the landings it is the
//! field's *usual* value (named in `usual`), it gets no set, and a filter on
//! it keeps the landings in none of the other values' sets nor in
//! `missing:<field>` (`SUNION` of those), computed once and cached like any
//! result.

use super::Owner;

/// Fields the browser filters on, each with a set per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// `recclass`.
    Class,
    Fall,
    Nametype,
    /// Whether a landing has coordinates on Earth's map (`yes`/`no`).
    Coords,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Class, Category::Fall, Category::Nametype, Category::Coords];

    /// The name in keys (`class:L6`, `counts:class`) and in `usual`.
    pub fn name(self) -> &'static str {
        match self {
            Category::Class => "class",
            Category::Fall => "fall",
            Category::Nametype => "nametype",
            Category::Coords => "coords",
        }
    }

    /// The set of the landings whose value is `value`.
    pub fn value_key(self, scope: &Owner, value: &str) -> String {
        scope.key(&format!("{}:{value}", self.name()))
    }

    /// The set of the landings without this field.
    pub fn missing_key(self, scope: &Owner) -> String {
        scope.key(&format!("missing:{}", self.name()))
    }

    /// Each value with its number of landings.
    pub fn counts_key(self, scope: &Owner) -> String {
        scope.key(&format!("counts:{}", self.name()))
    }

    /// This landing's value (`None`: the field is missing).
    pub fn value_of(self, landing: &super::super::Landing) -> Option<&str> {
        match self {
            Category::Class => landing.class(),
            Category::Fall => landing.fall(),
            Category::Nametype => landing.nametype(),
            Category::Coords => Some(if landing.coords().is_some() { "yes" } else { "no" }),
        }
    }
}

/// Keys of a dataset that do not depend on its values.
const FIXED: [&str; 11] =
    ["ids", "name", "mass", "year", "nulls:mass", "nulls:year", "names", "usual", "meta", "file", "seen"];

/// Keys earlier versions of Bolide wrote, removed by the next load.
const LEGACY: [&str; 8] =
    ["namelex", "coords", "expect", "classes", "falls", "nametypes", "summary:mass", "summary:year"];

/// Every index and bookkeeping key of a dataset whose categories have
/// these values (`values[i]` for `Category::ALL[i]`, read from the
/// `counts:` sets), for an `UNLINK` before the dataset is replaced.
/// `browse_only` leaves out what describes the loaded file (`meta`,
/// `file`), which a reindex keeps.
pub fn dataset_keys(scope: &Owner, values: &[Vec<String>], browse_only: bool) -> Vec<String> {
    let mut keys: Vec<String> = FIXED
        .iter()
        .filter(|name| !(browse_only && matches!(**name, "meta" | "file")))
        .map(|name| scope.key(name))
        .collect();
    keys.extend(LEGACY.iter().map(|name| scope.key(name)));
    for (category, values) in Category::ALL.iter().zip(values) {
        keys.push(category.counts_key(scope));
        keys.push(category.missing_key(scope));
        keys.extend(values.iter().map(|value| category.value_key(scope, value)));
    }
    keys
}

/// Every key of `scope`'s dataset bookkeeping but its cached results
/// (which `results` lists): the indexes of the categories' `values`, the
/// file's description, the results' index and sizes, the version and the
/// load lock. A sandbox's measurement and its end name them from here,
/// never by a `SCAN` of the system database.
pub fn bookkeeping_keys(scope: &Owner, values: &[Vec<String>]) -> Vec<String> {
    let mut keys = dataset_keys(scope, values, false);
    keys.extend(["results", "results:bytes", "version", "lock"].map(|name| scope.key(name)));
    keys
}

/// A cached result's keys: its ids in order, those without the sorted
/// value, and its summary (see [`super::results`]).
pub fn result_keys(result: &str) -> [String; 3] {
    [result.to_string(), format!("{result}:nulls"), format!("{result}:stats")]
}

/// Reads every category's values (the members of its `counts:` set) in
/// one round trip; the connection must be on the system database.
pub async fn category_values(
    conn: &mut impl redis::aio::ConnectionLike,
    scope: &Owner,
) -> redis::RedisResult<Vec<Vec<String>>> {
    let mut pipe = redis::pipe();
    for category in Category::ALL {
        pipe.zrange(category.counts_key(scope), 0, -1);
    }
    // The legacy layout's value lists, so an upgrade removes its sets.
    for name in ["classes", "falls", "nametypes"] {
        pipe.zrange(scope.key(name), 0, -1);
    }
    let mut lists: Vec<Vec<String>> = pipe.query_async(conn).await?;
    let legacy = lists.split_off(Category::ALL.len());
    for (list, old) in lists.iter_mut().zip(legacy) {
        list.extend(old);
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_category_and_value() {
        let scope = Owner::local();
        assert_eq!(Category::Class.value_key(&scope, "L6"), "bolide:data:{local}:class:L6");
        assert_eq!(Category::Fall.missing_key(&scope), "bolide:data:{local}:missing:fall");
        assert_eq!(Category::Coords.counts_key(&scope), "bolide:data:{local}:counts:coords");
        // A class literally named "counts" cannot collide with the counts.
        assert_ne!(Category::Class.value_key(&scope, "counts"), Category::Class.counts_key(&scope));
    }

    #[test]
    fn dataset_keys_list_every_value_set() {
        let scope = Owner::for_session("ab");
        let values = vec![vec!["L6".to_string()], vec!["Fell".to_string()], vec![], vec!["no".to_string()]];
        let keys = dataset_keys(&scope, &values, false);
        for key in ["ids", "names", "meta", "file", "class:L6", "fall:Fell", "coords:no", "counts:nametype"] {
            assert!(keys.contains(&scope.key(key)), "{key}: {keys:?}");
        }
        let browse = dataset_keys(&scope, &values, true);
        assert!(!browse.contains(&scope.key("meta")) && !browse.contains(&scope.key("file")));
        assert!(browse.contains(&scope.key("ids")));
    }
}
