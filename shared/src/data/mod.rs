//! The meteorite data API's JSON shapes (`/api/data…`), shared by the
//! server that answers and the browser app that asks.
//!
//! Defined once, here: a field renamed on one side is a compile error on
//! the other, not an empty column in a student's browser. Fields the
//! server may add later are `#[serde(default)]`, so an older app still
//! reads a newer server's answers.

pub mod presets;
mod record;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use record::Record;

/// Largest synthetic set `POST /api/data/generate` makes (the CLI makes
/// any size): the server's limit and the load form's.
pub const MAX_GENERATE: u64 = 1_000_000;

/// What a load did: `POST /api/data`, `POST /api/data/generate` and
/// `DELETE /api/data` (which loads the empty set) all answer this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Landings now in Redis.
    pub loaded: u64,
    /// Landings of the previous set that were removed.
    pub replaced: u64,
    /// Field names, in first-seen order.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Per field, how many records lack it.
    #[serde(default)]
    pub missing: BTreeMap<String, u64>,
    /// Where the data came from (a file name, a URL, `generated n=… seed=…`).
    pub source: String,
    pub millis: u64,
}

/// `GET /api/data`: one page of landings, and the Redis commands that
/// produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Landings matching the filters (on every page).
    pub total: u64,
    /// The page number, from 1.
    pub page: u64,
    /// Landings per page asked for (the last page may have fewer).
    pub size: u64,
    pub items: Vec<Record>,
    /// The Redis commands that made this page, in order.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Mass and year ranges over every landing matching the filters (not
    /// only this page's), for the summary strip.
    #[serde(default)]
    pub stats: PageStats,
    /// Set when, just before this page, Bolide rebuilt the indexes because
    /// another client (a script, the console) had changed the
    /// `meteorite:*` hashes: the number of landings now indexed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reindexed: Option<u64>,
}

/// `GET /api/data/classes`: the classes (`recclass`) of the loaded set,
/// each with its number of landings, most common first (then by name), for
/// the class filter to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub classes: Vec<ClassCount>,
    /// How many distinct classes the set has: more than `classes.len()`
    /// when the list was cut at its limit (the rarest left out).
    pub distinct: u64,
    /// The Redis commands that read them.
    #[serde(default)]
    pub commands: Vec<String>,
}

/// One class and how many landings have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCount {
    pub class: String,
    pub count: u64,
}

/// The range of mass and year over the landings matching a filter. `None`
/// when no matching landing has a readable value (or none matches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PageStats {
    /// Grams.
    pub mass_min: Option<f64>,
    pub mass_max: Option<f64>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
}

/// `GET /api/data/{id}` (and the record-level writes): one landing's hash,
/// read with `HGETALL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandingRecord {
    pub id: String,
    /// Its key as the console shows it (`meteorite:<id>`).
    pub key: String,
    pub record: Record,
    /// The Redis commands behind the answer.
    #[serde(default)]
    pub commands: Vec<String>,
}

/// What `DELETE /api/data/{id}` did: that landing's hash is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedLanding {
    pub id: String,
    /// Its key as the console shows it (`meteorite:<id>`).
    pub key: String,
    /// The Redis commands behind the answer.
    #[serde(default)]
    pub commands: Vec<String>,
}

/// `GET /api/data/verify` (the module's Exercise 2): what is in Redis
/// against the last loaded file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Landings in the last loaded file (`None`: nothing loaded).
    pub expected: Option<u64>,
    /// `meteorite:*` hashes in Redis now.
    pub found: u64,
    pub ok: bool,
    /// Ids of the file with no hash in Redis.
    #[serde(default)]
    pub missing_records: Vec<String>,
    /// `meteorite:*` hashes that were not in the file.
    #[serde(default)]
    pub extra_records: Vec<String>,
    /// Records lacking fields they had in the file: (id, fields).
    #[serde(default)]
    pub missing_fields: Vec<(String, Vec<String>)>,
    /// Records with fields the file did not give them: (id, fields).
    #[serde(default)]
    pub extra_fields: Vec<(String, Vec<String>)>,
    /// Ids of records with the file's fields whose values are not the
    /// file's any more (`HSET meteorite:6 recclass XX`).
    #[serde(default)]
    pub changed_values: Vec<String>,
    /// The console commands that check the same by hand.
    #[serde(default)]
    pub commands: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_from_an_older_server_has_empty_stats() {
        let page: Page =
            serde_json::from_str(r#"{"total": 1, "page": 1, "size": 50, "items": [{"id": "1"}]}"#)
                .expect("a page");
        assert_eq!(page.stats, PageStats::default());
        assert_eq!(page.items[0].get("id"), Some("1"));
    }

    #[test]
    fn every_shape_round_trips() {
        let page = Page {
            total: 2,
            page: 1,
            size: 1,
            items: vec![Record(vec![("id".into(), "1".into())])],
            commands: vec!["ZRANGE x 0 0".into()],
            stats: PageStats {
                mass_min: Some(0.5),
                mass_max: Some(6e7),
                year_min: Some(860),
                year_max: None,
            },
            reindexed: Some(2),
        };
        let text = serde_json::to_string(&page).expect("json");
        assert_eq!(serde_json::from_str::<Page>(&text).expect("back"), page);
        let report = Verification {
            expected: Some(3),
            found: 2,
            missing_records: vec!["3".into()],
            missing_fields: vec![("1".into(), vec!["recclass".into()])],
            ..Verification::default()
        };
        let text = serde_json::to_string(&report).expect("json");
        assert!(text.contains(r#""missing_fields":[["1",["recclass"]]]"#), "{text}");
        assert_eq!(serde_json::from_str::<Verification>(&text).expect("back"), report);
    }
}
