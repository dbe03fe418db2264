//! Record-level writes of the data store (`store::write_record`,
//! `store::delete_record`) on a real Redis: after each edit, pages sorted,
//! filtered and searched — and their summaries — equal a reference
//! computed here from the generated data with the same edit applied.

use bolide::data::store::{self, Owner, PageQuery, Readers, WriteMode};
use bolide::data::{generate, Landing};
use bolide::error::AppError;
use bolide_shared::data::{Page, PageStats};
use bolide_tests::RedisServer;

/// Sort keys as the pages order them: by score, ties by id.
#[derive(Clone, Copy)]
enum Sort {
    Id,
    Name,
    Mass,
    Year,
}

impl Sort {
    fn name(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Name => "name",
            Sort::Mass => "mass",
            Sort::Year => "year",
        }
    }
}

/// The store, one Redis, and the landings as they should be now.
struct Fixture {
    _redis: RedisServer,
    base: String,
    scope: Owner,
    readers: Readers,
    landings: Vec<Landing>,
}

impl Fixture {
    async fn start(n: usize, seed: u64) -> Fixture {
        let redis = RedisServer::start();
        let base = format!("redis://127.0.0.1:{}", redis.port());
        let dataset = generate::generate(n, seed);
        let scope = Owner::local();
        store::replace(&base, &scope, &dataset, "test").await.expect("load");
        // Generous timeouts: the tests run side by side on busy machines.
        let manager = |db: u32| {
            bolide::redis_conn::connect_with_timeout(
                &format!("{base}/{db}"),
                std::time::Duration::from_secs(60),
            )
        };
        let readers = Readers { data: manager(0).expect("db 0"), system: manager(15).expect("db 15") };
        Fixture { _redis: redis, base, scope, readers, landings: dataset.landings }
    }

    async fn write(&mut self, id: &str, fields: &[(&str, &str)], mode: WriteMode) -> Vec<(String, String)> {
        let fields: Vec<(String, String)> =
            fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let stored =
            store::write_record(&self.base, &self.scope, id, &fields, mode).await.expect("write_record");
        // The reference applies the same edit.
        let position = self.landings.iter().position(|l| l.id() == id);
        let mut now = match (mode, position) {
            (WriteMode::Merge, Some(i)) => self.landings[i].fields.clone(),
            _ => Vec::new(),
        };
        if now.is_empty() && !fields.iter().any(|(k, _)| k == "id") {
            now.push(("id".to_string(), id.to_string()));
        }
        for (name, value) in fields {
            match now.iter_mut().find(|(have, _)| *have == name) {
                Some(slot) => slot.1 = value,
                None => now.push((name, value)),
            }
        }
        assert_eq!(stored.0, now, "the record as stored");
        match position {
            Some(i) => self.landings[i] = Landing::new(now.clone()),
            None => self.landings.push(Landing::new(now.clone())),
        }
        now
    }

    async fn delete(&mut self, id: &str) -> bool {
        let deleted = store::delete_record(&self.base, &self.scope, id).await.expect("delete_record");
        self.landings.retain(|l| l.id() != id);
        deleted
    }

    async fn page(&self, query: PageQuery) -> Page {
        store::page(&self.readers, &self.scope, &query).await.expect("page")
    }

    /// Every page of `query` (sizes of 97, so pages have ragged ends),
    /// asserting the same total and summary on each; returns all ids.
    async fn all_ids(&self, query: &PageQuery) -> (Vec<String>, u64, PageStats) {
        let mut ids = Vec::new();
        let first = self.page(PageQuery { page: 1, size: 97, ..query.clone() }).await;
        for number in 1.. {
            let page = self.page(PageQuery { page: number, size: 97, ..query.clone() }).await;
            assert_eq!((page.total, page.stats), (first.total, first.stats), "page {number}");
            if page.items.is_empty() {
                break;
            }
            ids.extend(page.items.iter().map(|r| r.get("id").expect("id").to_string()));
        }
        (ids, first.total, first.stats)
    }

    /// Checks `query` against the reference: the landings `keep` selects,
    /// in the order of `sort` (each page, both directions), and the summary.
    async fn check(&self, what: &str, query: PageQuery, sort: Sort, keep: impl Fn(&Landing) -> bool) {
        let kept: Vec<&Landing> = self.landings.iter().filter(|l| keep(l)).collect();
        let by_key = |sort: Sort, landings: &[&Landing]| {
            let mut rows: Vec<(Key, String)> =
                landings.iter().filter_map(|l| key(l, sort).map(|k| (k, l.id().to_string()))).collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            rows.into_iter().map(|(_, id)| id).collect::<Vec<String>>()
        };
        let ranked = by_key(sort, &kept);
        // Those without the sort key come last, by id, in both directions
        // (only when no range on that key leaves them out).
        let without: Vec<&Landing> = kept.iter().copied().filter(|l| key(l, sort).is_none()).collect();
        let nulls = by_key(Sort::Id, &without);
        let want: Vec<String> = ranked.iter().chain(&nulls).cloned().collect();
        let query = PageQuery { sort: sort.name().into(), ..query };
        let (got, total, stats) = self.all_ids(&query).await;
        assert_eq!(got, want, "{what}: ascending");
        assert_eq!(total, want.len() as u64, "{what}: total");
        let (got, _, _) = self.all_ids(&PageQuery { descending: true, ..query.clone() }).await;
        let want_descending: Vec<String> = ranked.iter().rev().chain(&nulls).cloned().collect();
        assert_eq!(got, want_descending, "{what}: descending");
        // The summary describes every landing listed.
        let listed = &kept;
        let masses: Vec<f64> = listed.iter().filter_map(|l| l.mass_g()).collect();
        let years: Vec<i32> = listed.iter().filter_map(|l| l.year()).collect();
        let want_stats = PageStats {
            mass_min: masses.iter().copied().reduce(f64::min),
            mass_max: masses.iter().copied().reduce(f64::max),
            year_min: years.iter().copied().min(),
            year_max: years.iter().copied().max(),
        };
        assert_eq!(stats, want_stats, "{what}: summary");
    }
}

/// A landing's sort key (`None`: not in that index).
#[derive(Debug)]
enum Key {
    Number(f64),
    Text(String),
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Number(_), Key::Text(_)) => std::cmp::Ordering::Less,
            (Key::Text(_), Key::Number(_)) => std::cmp::Ordering::Greater,
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Key {}

fn key(landing: &Landing, sort: Sort) -> Option<Key> {
    match sort {
        Sort::Id => Some(Key::Number(landing.id().parse().unwrap_or(0.0))),
        Sort::Name => Some(Key::Text(landing.name().unwrap_or_default().to_lowercase())),
        Sort::Mass => landing.mass_g().map(Key::Number),
        Sort::Year => landing.year().map(|y| Key::Number(f64::from(y))),
    }
}

fn query() -> PageQuery {
    PageQuery { page: 1, size: 50, sort: "id".into(), ..PageQuery::default() }
}

/// The most common class of the fixture's landings, and a rare one.
fn classes(landings: &[Landing]) -> (String, String) {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for landing in landings {
        *counts.entry(landing.class().unwrap_or_default()).or_default() += 1;
    }
    let mut by_count: Vec<(usize, &str)> = counts.into_iter().map(|(c, n)| (n, c)).collect();
    by_count.sort();
    let common = by_count.last().expect("a class").1.to_string();
    let rare = by_count.first().expect("a class").1.to_string();
    (common, rare)
}

#[tokio::test]
async fn a_merged_edit_moves_the_landing_in_every_index() {
    let mut fx = Fixture::start(1500, 3).await;
    let (common, rare) = classes(&fx.landings);
    let id = fx.landings[40].id().to_string();
    // Cache results first, so the edit must invalidate them.
    fx.check("before", PageQuery { class: Some(common.clone()), ..query() }, Sort::Mass, |l| {
        l.class() == Some(common.as_str())
    })
    .await;

    fx.write(&id, &[("mass (g)", "99999999"), ("recclass", &rare), ("year", "1801")], WriteMode::Merge).await;
    let heaviest = fx.page(PageQuery { sort: "mass".into(), descending: true, size: 1, ..query() }).await;
    assert_eq!(heaviest.items[0].get("id"), Some(id.as_str()));
    for class in [&common, &rare] {
        fx.check(
            &format!("class {class} by mass"),
            PageQuery { class: Some(class.clone()), ..query() },
            Sort::Mass,
            |l| l.class() == Some(class.as_str()),
        )
        .await;
        fx.check(
            &format!("class {class} by id"),
            PageQuery { class: Some(class.clone()), ..query() },
            Sort::Id,
            |l| l.class() == Some(class.as_str()),
        )
        .await;
    }
    fx.check("by year, a range", PageQuery { year: Some((1700.0, 1900.0)), ..query() }, Sort::Year, |l| {
        l.year().is_some_and(|y| (1700..=1900).contains(&y))
    })
    .await;
    fx.check("everything by id", query(), Sort::Id, |_| true).await;

    // Taking the mass away takes the landing out of the mass index.
    fx.write(&id, &[("name", "Massless")], WriteMode::Merge).await;
    let fields: Vec<(String, String)> =
        fx.landings.iter().find(|l| l.id() == id).expect("landing").fields.clone();
    let without_mass: Vec<(&str, &str)> =
        fields.iter().filter(|(k, _)| k != "mass (g)").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fx.write(&id, &without_mass, WriteMode::Replace).await;
    fx.check("by mass, after the mass went", query(), Sort::Mass, |_| true).await;
    fx.check("by name", query(), Sort::Name, |_| true).await;
}

#[tokio::test]
async fn usual_values_and_new_values_filter_like_the_reference() {
    let mut fx = Fixture::start(1200, 8).await;
    // Found (about 98%) and "has coordinates" (about 84%) are usual values:
    // their filters are computed as "everything but the others".
    let found =
        fx.landings.iter().find(|l| l.fall() == Some("Found") && l.coords().is_some()).expect("found");
    let found_id = found.id().to_string();
    let fell = fx.landings.iter().find(|l| l.fall() == Some("Fell")).expect("fell").id().to_string();
    fx.write(&found_id, &[("fall", "Fell")], WriteMode::Merge).await;
    fx.write(&fell, &[("fall", "Found"), ("recclass", "Brand-new class")], WriteMode::Merge).await;
    // No coordinates any more, and no fall at all.
    let fields: Vec<(String, String)> =
        fx.landings.iter().find(|l| l.id() == found_id).expect("landing").fields.clone();
    let stripped: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "reclat" | "reclong" | "GeoLocation" | "fall"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fx.write(&found_id, &stripped, WriteMode::Replace).await;

    for fall in ["Found", "Fell"] {
        fx.check(&format!("fall {fall}"), PageQuery { fall: Some(fall.into()), ..query() }, Sort::Id, |l| {
            l.fall() == Some(fall)
        })
        .await;
    }
    for has in [true, false] {
        fx.check(
            &format!("has_coords {has}"),
            PageQuery { has_coords: Some(has), ..query() },
            Sort::Year,
            |l| l.coords().is_some() == has,
        )
        .await;
    }
    fx.check(
        "the new class",
        PageQuery { class: Some("Brand-new class".into()), ..query() },
        Sort::Name,
        |l| l.class() == Some("Brand-new class"),
    )
    .await;
    fx.check(
        "found, with coordinates, valid",
        PageQuery {
            fall: Some("Found".into()),
            has_coords: Some(true),
            nametype: Some("Valid".into()),
            ..query()
        },
        Sort::Mass,
        |l| l.fall() == Some("Found") && l.coords().is_some() && l.nametype() == Some("Valid"),
    )
    .await;
}

#[tokio::test]
async fn new_and_renamed_landings_take_their_place_in_name_order_and_search() {
    let mut fx = Fixture::start(800, 5).await;
    fx.write(
        "900001",
        &[("name", "Zzyzx Road 1"), ("recclass", "L6"), ("mass (g)", "12")],
        WriteMode::Replace,
    )
    .await;
    fx.write("900002", &[("name", "aardvark"), ("year", "2020")], WriteMode::Merge).await;
    fx.write("900003", &[("recclass", "H5")], WriteMode::Replace).await; // no name at all
    let renamed = fx.landings[100].id().to_string();
    let target = fx.landings[600].name().expect("name").to_string();
    // Right next to an existing name, differing only by case.
    fx.write(&renamed, &[("name", &target.to_uppercase())], WriteMode::Merge).await;
    let again = fx.landings[101].id().to_string();
    fx.write(&again, &[("name", &target)], WriteMode::Merge).await;

    fx.check("by name", query(), Sort::Name, |_| true).await;
    fx.check("L6 by name", PageQuery { class: Some("L6".into()), ..query() }, Sort::Name, |l| {
        l.class() == Some("L6")
    })
    .await;
    let needle = target.to_lowercase();
    fx.check("search", PageQuery { name: Some(needle.clone()), ..query() }, Sort::Id, |l| {
        l.name().is_some_and(|n| n.to_lowercase().contains(&needle))
    })
    .await;
    fx.check("search the new one", PageQuery { name: Some("zzyzx".into()), ..query() }, Sort::Name, |l| {
        l.name().is_some_and(|n| n.to_lowercase().contains("zzyzx"))
    })
    .await;
    let old_name = fx.page(PageQuery { name: Some("aardvark".into()), ..query() }).await;
    assert_eq!(old_name.total, 1);
}

#[tokio::test]
async fn a_deleted_landing_leaves_every_index() {
    let mut fx = Fixture::start(600, 13).await;
    let (common, _) = classes(&fx.landings);
    let gone: Vec<String> = fx.landings.iter().step_by(7).map(|l| l.id().to_string()).collect();
    let first_name = fx.landings[0].name().expect("name").to_lowercase();
    for id in &gone {
        assert!(fx.delete(id).await, "{id}");
    }
    assert!(!fx.delete(&gone[0]).await, "a second delete finds nothing");
    assert!(!fx.delete("no-such-landing").await);
    fx.check("by mass", query(), Sort::Mass, |_| true).await;
    fx.check("by name", query(), Sort::Name, |_| true).await;
    fx.check("class by year", PageQuery { class: Some(common.clone()), ..query() }, Sort::Year, |l| {
        l.class() == Some(common.as_str())
    })
    .await;
    fx.check("no coordinates", PageQuery { has_coords: Some(false), ..query() }, Sort::Id, |l| {
        l.coords().is_none()
    })
    .await;
    let search = fx.page(PageQuery { name: Some(first_name.clone()), ..query() }).await;
    assert!(search.items.iter().all(|r| r.get("id") != Some(gone[0].as_str())), "{first_name}");

    let mut db0 = fx._redis.connection();
    let exists: bool =
        redis::cmd("EXISTS").arg(format!("meteorite:{}", gone[1])).query(&mut db0).expect("EXISTS");
    assert!(!exists);
    let size: usize = redis::cmd("DBSIZE").query(&mut db0).expect("DBSIZE");
    assert_eq!(size, fx.landings.len());
}

/// A write that must be refused: id, fields, mode.
type Attempt<'a> = (&'a str, Vec<(String, String)>, WriteMode);

#[tokio::test]
async fn writes_refuse_what_they_cannot_do_and_change_nothing() {
    let fx = Fixture::start(50, 1).await;
    let mut db0 = fx._redis.connection();
    let () = redis::cmd("SET").arg("meteorite:777").arg("a string").query(&mut db0).expect("SET");
    let before = fx._redis.snapshot(|_, _| false);
    let fields = vec![("name".to_string(), "X".to_string())];
    let attempts: Vec<Attempt<'_>> = vec![
        ("777", fields.clone(), WriteMode::Merge),
        ("a b", fields.clone(), WriteMode::Replace),
        ("", fields.clone(), WriteMode::Replace),
        ("1", vec![("id".into(), "2".into())], WriteMode::Merge),
        ("1", vec![("".into(), "x".into())], WriteMode::Merge),
        ("1", vec![("a".into(), "x".into()), ("a".into(), "y".into())], WriteMode::Replace),
    ];
    for (id, fields, mode) in attempts {
        let result = store::write_record(&fx.base, &fx.scope, id, &fields, mode).await;
        assert!(
            matches!(result, Err(AppError::BadRequest { .. } | AppError::Conflict(_))),
            "{id}: {result:?}"
        );
        assert_eq!(fx._redis.snapshot(|_, _| false), before, "{id}");
    }
    // A replacement may turn the string into a landing.
    let stored =
        store::write_record(&fx.base, &fx.scope, "777", &fields, WriteMode::Replace).await.expect("write");
    assert_eq!(stored.0, vec![("id".to_string(), "777".to_string()), ("name".to_string(), "X".to_string())]);
    let page = fx.page(PageQuery { name: Some("x".into()), ..query() }).await;
    assert!(page.items.iter().any(|r| r.get("id") == Some("777")));
}

#[tokio::test]
async fn a_session_writes_only_its_own_dataset() {
    let fx = Fixture::start(40, 2).await;
    let session = Owner::for_session("abcd");
    let dataset = generate::generate(30, 9);
    store::replace(&fx.base, &session, &dataset, "test").await.expect("load");
    let id = dataset.landings[0].id().to_string();
    let fields = vec![("mass (g)".to_string(), "123456789".to_string())];
    store::write_record(&fx.base, &session, &id, &fields, WriteMode::Merge).await.expect("write");
    assert!(store::delete_record(&fx.base, &session, dataset.landings[1].id()).await.expect("delete"));
    // The local dataset is untouched…
    fx.check("local by mass", query(), Sort::Mass, |_| true).await;
    // …and the session's pages show its edit.
    let page =
        store::page(&fx.readers, &session, &PageQuery { sort: "mass".into(), descending: true, ..query() })
            .await
            .expect("page");
    assert_eq!(page.items[0].get("id"), Some(id.as_str()));
    assert_eq!(page.items[0].get("mass (g)"), Some("123456789"));
    let with_mass = 1 + dataset.landings[2..].iter().filter(|l| l.mass_g().is_some()).count();
    assert_eq!(page.total, with_mass as u64);
    let mut db0 = fx._redis.connection();
    let key = format!("{{s:abcd}}:meteorite:{id}");
    let mass: String = redis::cmd("HGET").arg(&key).arg("mass (g)").query(&mut db0).expect("HGET");
    assert_eq!(mass, "123456789");
}

#[tokio::test]
async fn a_rare_filter_has_an_exact_summary_on_a_larger_set() {
    // Landings of a rare class, with middling masses and years, on a set
    // big enough that probing the mass and year indexes from their ends
    // for them gives up, and the summary is found by intersecting instead.
    let mut fx = Fixture::start(12_000, 4).await;
    let mut masses: Vec<f64> = fx.landings.iter().filter_map(|l| l.mass_g()).collect();
    masses.sort_by(f64::total_cmp);
    let mut years: Vec<i32> = fx.landings.iter().filter_map(|l| l.year()).collect();
    years.sort_unstable();
    for (offset, id) in ["5000", "5001", "5002"].iter().enumerate() {
        let mass = masses[masses.len() / 2 + offset].to_string();
        let year = years[years.len() / 2 + offset].to_string();
        fx.write(id, &[("recclass", "Probe-proof"), ("mass (g)", &mass), ("year", &year)], WriteMode::Merge)
            .await;
    }
    for sort in [Sort::Id, Sort::Name, Sort::Mass, Sort::Year] {
        fx.check(
            &format!("the rare class by {}", sort.name()),
            PageQuery { class: Some("Probe-proof".into()), ..query() },
            sort,
            |l| l.class() == Some("Probe-proof"),
        )
        .await;
    }
}
