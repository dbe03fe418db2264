//! Every analysis of `bolide::jobs::analysis::compute`, run against a real
//! `redis-server` holding generated landings plus records a student broke
//! by hand (`HSET`/`HDEL`/`DEL` in the console), compared with a reference
//! computed here, independently and plainly, from a model of the same
//! records. With and without filters, in local and shared mode.

mod common;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bolide::data::{generate, Dataset, Landing};
use bolide::jobs::analysis::{compute, AnalysisError};
use bolide::redis_conn::Connection;
use bolide::sandbox::Owner;
use bolide_shared::jobs::*;
use bolide_tests::RedisServer;
use common::{assert_results_match, data_conn, load, p50, timing_dataset};
use tokio::sync::watch;

// As in the `bolide` binary, so the timing below is the worker's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// ---------------------------------------------------------------------------
// The records: what Redis holds, mirrored in a model the references read.

/// The records of one scope, by id, as the test believes Redis holds them.
struct Model {
    scope: Owner,
    records: BTreeMap<String, Landing>,
}

impl Model {
    fn of(scope: Owner, dataset: &Dataset) -> Model {
        let records = dataset.landings.iter().map(|l| (l.id().to_string(), l.clone())).collect();
        Model { scope, records }
    }

    /// `HSET meteorite:<id> field value…`, in Redis and in the model.
    fn hset(&mut self, redis: &mut redis::Connection, id: &str, pairs: &[(&str, &str)]) {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(self.scope.record_key(id));
        for (field, value) in pairs {
            cmd.arg(*field).arg(*value);
        }
        // In shared mode every writer announces a key in the sandbox's key
        // index first, in the write's own pipeline: so here.
        let mut pipe = redis::pipe();
        common::announce(&mut pipe, &self.scope, [self.scope.record_key(id)]);
        let _: () = pipe.add_command(cmd).ignore().query(redis).expect("HSET");
        let landing = self.records.entry(id.to_string()).or_default();
        for (field, value) in pairs {
            match landing.fields.iter_mut().find(|(name, _)| name == field) {
                Some(slot) => slot.1 = value.to_string(),
                None => landing.fields.push((field.to_string(), value.to_string())),
            }
        }
    }

    /// `HDEL meteorite:<id> field…` (a hash left empty disappears).
    fn hdel(&mut self, redis: &mut redis::Connection, id: &str, fields: &[&str]) {
        let _: u64 =
            redis::cmd("HDEL").arg(self.scope.record_key(id)).arg(fields).query(redis).expect("HDEL");
        if let Some(landing) = self.records.get_mut(id) {
            landing.fields.retain(|(name, _)| !fields.contains(&name.as_str()));
            if landing.fields.is_empty() {
                self.records.remove(id);
            }
        }
    }

    fn del(&mut self, redis: &mut redis::Connection, id: &str) {
        let _: u64 = redis::cmd("DEL").arg(self.scope.record_key(id)).query(redis).expect("DEL");
        self.records.remove(id);
    }
}

/// Generated landings in local mode, then a student's hand edits covering
/// every suspicious case.
async fn broken_dataset(redis: &RedisServer) -> Model {
    let dataset = generate::generate(3_000, 7);
    load(redis, &Owner::local(), &dataset).await;
    let mut model = Model::of(Owner::local(), &dataset);
    let mut conn = redis.connection();
    let c = &mut conn;
    model.hdel(c, "5", &["mass (g)"]);
    model.hset(c, "6", &[("mass (g)", "0")]);
    model.hset(c, "7", &[("reclat", "0.000000"), ("reclong", "0.000000")]);
    model.hset(c, "8", &[("year", "2101")]);
    model.hdel(c, "9", &["year"]);
    model.hset(c, "10", &[("mass (g)", "heavy")]);
    model.hset(c, "11", &[("reclat", "-1.94617"), ("reclong", "354.47333")]);
    model.hdel(c, "12", &["recclass", "fall"]);
    model.hset(c, "13", &[("fall", "fell")]);
    model.hset(c, "14", &[("year", "01/01/1999 12:00:00 AM")]);
    model.hset(c, "15", &[("mass (g)", "1000")]);
    model.hset(c, "16", &[("reclat", "90"), ("reclong", "180")]);
    model.hset(c, "17", &[("reclat", "-90"), ("reclong", "-180")]);
    model.hset(c, "18", &[("reclat", "4.999999"), ("reclong", "-0.000001")]);
    model.hdel(c, "19", &["reclong"]);
    model.hset(c, "20", &[("year", "1880-01-01T00:00:00.000"), ("mass (g)", "-5")]);
    model.hset(c, "21", &[("year", "someday"), ("recclass", "L6")]);
    model.del(c, "22");
    // Ties for the heaviest, and a record the student made from scratch.
    model.hset(c, "300", &[("mass (g)", "70000000")]);
    model.hset(c, "30", &[("mass (g)", "70000000")]);
    model.hset(
        c,
        "student",
        &[("name", "Mine"), ("recclass", "L6"), ("mass (g)", "70000000"), ("fall", "Fell")],
    );
    model.hset(c, "bare", &[("note", "none of the fields an analysis reads")]);
    // Keys that are not records: another type, another name.
    let _: () = redis::cmd("SET").arg("meteorite:notes").arg("a string").query(c).expect("SET");
    let _: () = redis::cmd("HSET").arg("other:1").arg("recclass").arg("L6").query(c).expect("HSET");
    model
}

// ---------------------------------------------------------------------------
// The references: straightforward loops over the model.

fn passes(params: &JobParams, landing: &Landing) -> bool {
    if params.class.as_deref().is_some_and(|class| landing.class() != Some(class)) {
        return false;
    }
    if params.fall.as_deref().is_some_and(|fall| landing.fall() != Some(fall)) {
        return false;
    }
    if params.year_min.is_some() || params.year_max.is_some() {
        match landing.year() {
            None => return false,
            Some(year) => {
                if params.year_min.is_some_and(|min| year < min)
                    || params.year_max.is_some_and(|max| year > max)
                {
                    return false;
                }
            }
        }
    }
    if params.mass_min.is_some() || params.mass_max.is_some() {
        match landing.mass_g() {
            None => return false,
            Some(mass) => {
                if params.mass_min.is_some_and(|min| mass < min)
                    || params.mass_max.is_some_and(|max| mass > max)
                {
                    return false;
                }
            }
        }
    }
    true
}

/// Ids in result order: numbers by value, then text.
fn by_id(a: &str, b: &str) -> Ordering {
    let key = |id: &str| (id.parse::<u64>().is_err(), id.parse::<u64>().unwrap_or(0), id.to_string());
    key(a).cmp(&key(b))
}

/// This year, near enough: the data has no year within one of it, so a
/// day's error at New Year cannot matter (checked in the test).
fn approximate_current_year() -> i32 {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    1970 + (seconds as f64 / (365.2425 * 86_400.0)) as i32
}

/// A record with a problem: id, name, offending value.
type Flagged = (String, Option<String>, Option<String>);

fn reference(analysis: Analysis, params: &JobParams, model: &Model) -> (u64, AnalysisResult) {
    let landings: Vec<(&str, &Landing)> =
        model.records.iter().filter(|(_, l)| passes(params, l)).map(|(id, l)| (id.as_str(), l)).collect();
    let records = landings.len() as u64;
    let result =
        match analysis {
            Analysis::AverageMass => {
                let masses: Vec<f64> = landings.iter().filter_map(|(_, l)| l.mass_g()).collect();
                let total: f64 = masses.iter().sum();
                AnalysisResult::AverageMass(AverageMass {
                    with_mass: masses.len() as u64,
                    without_mass: records - masses.len() as u64,
                    average_mass_g: (!masses.is_empty()).then(|| total / masses.len() as f64),
                    total_mass_g: total,
                    min_mass_g: masses.iter().copied().reduce(f64::min),
                    max_mass_g: masses.iter().copied().reduce(f64::max),
                })
            }
            Analysis::Hemispheres => {
                let mut result = Hemispheres {
                    northern_eastern: 0,
                    northern_western: 0,
                    southern_eastern: 0,
                    southern_western: 0,
                    without_coordinates: 0,
                    at_zero_zero: 0,
                };
                for (_, landing) in &landings {
                    if landing.coords() == Some((0.0, 0.0)) {
                        result.at_zero_zero += 1;
                    }
                    match landing.coords() {
                        None => result.without_coordinates += 1,
                        Some((lat, long)) if lat > 0.0 && long > 0.0 => result.northern_eastern += 1,
                        Some((lat, _)) if lat > 0.0 => result.northern_western += 1,
                        Some((_, long)) if long > 0.0 => result.southern_eastern += 1,
                        Some(_) => result.southern_western += 1,
                    }
                }
                AnalysisResult::Hemispheres(result)
            }
            Analysis::CountPerClass => {
                let mut counts = BTreeMap::new();
                let mut without_class = 0;
                for (_, landing) in &landings {
                    match landing.class() {
                        Some(class) => *counts.entry(class.to_string()).or_insert(0) += 1,
                        None => without_class += 1,
                    }
                }
                AnalysisResult::CountPerClass(CountPerClass { counts, without_class })
            }
            Analysis::PerYear => {
                let mut years: BTreeMap<i32, u64> = BTreeMap::new();
                let mut decades: BTreeMap<i32, u64> = BTreeMap::new();
                let mut without_year = 0;
                for (_, landing) in &landings {
                    match landing.year() {
                        Some(year) => {
                            *years.entry(year).or_default() += 1;
                            *decades.entry(year / 10 * 10).or_default() += 1;
                        }
                        None => without_year += 1,
                    }
                }
                let list = |m: BTreeMap<i32, u64>| {
                    m.into_iter().map(|(year, count)| YearCount { year, count }).collect()
                };
                AnalysisResult::PerYear(PerYear { years: list(years), decades: list(decades), without_year })
            }
            Analysis::FellFound => {
                let mut result = FellFound { fell: 0, found: 0, other: BTreeMap::new(), without_fall: 0 };
                for (_, landing) in &landings {
                    match landing.fall() {
                        Some("Fell") => result.fell += 1,
                        Some("Found") => result.found += 1,
                        Some(other) => *result.other.entry(other.to_string()).or_insert(0) += 1,
                        None => result.without_fall += 1,
                    }
                }
                AnalysisResult::FellFound(result)
            }
            Analysis::MassDistribution => {
                let power = |e: i32| -> f64 { format!("1e{e}").parse().expect("power of ten") };
                let mut per_exponent: BTreeMap<i32, u64> = BTreeMap::new();
                let (mut zero_mass, mut without_mass) = (0, 0);
                for (_, landing) in &landings {
                    match landing.mass_g() {
                        None => without_mass += 1,
                        Some(0.0) => zero_mass += 1,
                        Some(mass) => {
                            let e =
                                (-30..30).find(|&e| power(e) <= mass && mass < power(e + 1)).expect("a bin");
                            *per_exponent.entry(e).or_default() += 1;
                        }
                    }
                }
                let bins = match (per_exponent.keys().next(), per_exponent.keys().last()) {
                    (Some(&low), Some(&high)) => (low..=high)
                        .map(|e| MassBin {
                            lower_g: power(e),
                            upper_g: power(e + 1),
                            count: per_exponent.get(&e).copied().unwrap_or(0),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                AnalysisResult::MassDistribution(MassDistribution { bins, zero_mass, without_mass })
            }
            Analysis::TopHeaviest => {
                let n = params.n.unwrap_or(DEFAULT_TOP_N);
                let mut heavy: Vec<(&str, &Landing, f64)> =
                    landings.iter().filter_map(|(id, l)| l.mass_g().map(|m| (*id, *l, m))).collect();
                heavy.sort_by(|a, b| b.2.partial_cmp(&a.2).expect("finite").then_with(|| by_id(a.0, b.0)));
                let landings = heavy
                    .into_iter()
                    .take(n as usize)
                    .map(|(id, l, mass_g)| HeavyLanding {
                        id: id.to_string(),
                        name: l.name().map(str::to_string),
                        recclass: l.class().map(str::to_string),
                        mass_g,
                        year: l.year(),
                        fall: l.fall().map(str::to_string),
                    })
                    .collect();
                AnalysisResult::TopHeaviest(TopHeaviest { n, landings })
            }
            Analysis::DensityGrid => {
                let size = params.cell_degrees.unwrap_or(DEFAULT_CELL_DEGREES);
                // The cell's edge: step from the start while the next edge is
                // still at or below the value, stopping at the last cell.
                let edge = |value: f64, start: f64, end: f64| {
                    let mut edge = start;
                    while edge + size <= value && edge + size < end {
                        edge += size;
                    }
                    edge
                };
                let mut counts: BTreeMap<(i64, i64), u64> = BTreeMap::new();
                let mut without_coordinates = 0;
                for (_, landing) in &landings {
                    match landing.coords() {
                        Some((lat, long)) => {
                            let cell = (edge(lat, -90.0, 90.0) as i64, edge(long, -180.0, 180.0) as i64);
                            *counts.entry(cell).or_default() += 1;
                        }
                        None => without_coordinates += 1,
                    }
                }
                let cells: Vec<GridCell> = counts
                    .into_iter()
                    .map(|((lat, long), count)| GridCell { lat: lat as f64, long: long as f64, count })
                    .collect();
                AnalysisResult::DensityGrid(DensityGrid {
                    cell_degrees: size,
                    max_count: cells.iter().map(|c| c.count).max().unwrap_or(0),
                    cells,
                    without_coordinates,
                })
            }
            Analysis::DataQuality => {
                let this_year = approximate_current_year();
                let mut found: BTreeMap<&str, Vec<Flagged>> =
                    QUALITY_PROBLEMS.iter().map(|(code, _)| (*code, Vec::new())).collect();
                for (id, landing) in &landings {
                    let mut flag = |code: &str, value: Option<String>| {
                        found.get_mut(code).expect("known code").push((
                            id.to_string(),
                            landing.name().map(str::to_string),
                            value,
                        ));
                    };
                    match landing.get("mass (g)") {
                        None => flag("missing_mass", None),
                        Some(raw) if landing.mass_g().is_none() => flag("bad_mass", Some(raw.to_string())),
                        Some(raw) if landing.mass_g() == Some(0.0) => {
                            flag("zero_mass", Some(raw.to_string()))
                        }
                        Some(_) => {}
                    }
                    match (landing.get("reclat"), landing.get("reclong")) {
                        (Some(lat), Some(long)) => {
                            let place = format!("{lat}, {long}");
                            match landing.coords() {
                                None => flag("bad_coordinates", Some(place)),
                                Some((0.0, 0.0)) => flag("zero_coordinates", Some(place)),
                                Some(_) => {}
                            }
                        }
                        _ => flag("missing_coordinates", None),
                    }
                    match landing.year() {
                        None => flag("missing_year", landing.get("year").map(str::to_string)),
                        Some(year) if year > this_year => {
                            flag("future_year", landing.get("year").map(str::to_string))
                        }
                        Some(_) => {}
                    }
                }
                let counts = found.iter().map(|(code, list)| (code.to_string(), list.len() as u64)).collect();
                let mut examples = Vec::new();
                for (code, _) in QUALITY_PROBLEMS {
                    let mut list = found.remove(code).expect("known code");
                    list.sort_by(|a, b| by_id(&a.0, &b.0));
                    examples.extend(list.into_iter().take(QUALITY_EXAMPLES).map(|(id, name, value)| {
                        QualityIssue { id, name, problem: code.to_string(), value }
                    }));
                }
                AnalysisResult::DataQuality(DataQuality { counts, examples })
            }
        };
    (records, result)
}

/// How close a sum of floats must come to the reference's, relatively: the
/// reference adds in another order, without compensation.
const SUM_TOLERANCE: f64 = 1e-9;

async fn run(
    conn: &mut Connection,
    scope: &Owner,
    analysis: Analysis,
    params: &JobParams,
) -> Result<(u64, AnalysisResult), AnalysisError> {
    let (progress, watcher) = watch::channel(0u8);
    let outcome = compute(conn, scope, analysis, params, &progress).await;
    if outcome.is_ok() {
        assert_eq!(*watcher.borrow(), 100, "{analysis:?}: progress ends at 100");
    }
    outcome
}

fn filter_sets() -> Vec<(&'static str, JobParams)> {
    vec![
        ("no filters", JobParams::default()),
        ("class L6", JobParams { class: Some("L6".into()), ..Default::default() }),
        ("fell", JobParams { fall: Some("Fell".into()), ..Default::default() }),
        ("years 1950–2000", JobParams { year_min: Some(1950), year_max: Some(2000), ..Default::default() }),
        ("from 1999", JobParams { year_min: Some(1999), ..Default::default() }),
        ("mass 10–1000 g", JobParams { mass_min: Some(10.0), mass_max: Some(1000.0), ..Default::default() }),
        ("any mass", JobParams { mass_min: Some(0.0), ..Default::default() }),
        (
            "H5 found up to 1990",
            JobParams {
                class: Some("H5".into()),
                fall: Some("Found".into()),
                year_max: Some(1990),
                ..Default::default()
            },
        ),
        ("no such class", JobParams { class: Some("Martian (shergottite) X".into()), ..Default::default() }),
    ]
}

/// The analysis's own options on top of the filters.
fn with_options(analysis: Analysis, params: &JobParams) -> Vec<JobParams> {
    match analysis {
        Analysis::TopHeaviest => [None, Some(1), Some(25), Some(MAX_TOP_N)]
            .into_iter()
            .map(|n| JobParams { n, ..params.clone() })
            .collect(),
        Analysis::DensityGrid => [None, Some(1.0), Some(3.0), Some(30.0)]
            .into_iter()
            .map(|cell_degrees| JobParams { cell_degrees, ..params.clone() })
            .collect(),
        _ => vec![params.clone()],
    }
}

// ---------------------------------------------------------------------------
// The tests.

#[tokio::test]
async fn every_analysis_matches_an_independent_reference_with_and_without_filters() {
    let redis = RedisServer::start();
    let model = broken_dataset(&redis).await;
    let this_year = approximate_current_year();
    assert!(
        model.records.values().all(|l| l.year().is_none_or(|y| (y - this_year).abs() > 1)),
        "the data must have no year near this one for the future-year reference to be exact"
    );
    let mut conn = data_conn(&redis).await;
    for analysis in Analysis::ALL {
        for (label, filters) in filter_sets() {
            for params in with_options(analysis, &filters) {
                let label = format!("{} with {label} ({params:?})", analysis.name());
                let (records, result) = run(&mut conn, &model.scope, analysis, &params).await.expect(&label);
                let (want_records, want) = reference(analysis, &params, &model);
                assert_eq!(records, want_records, "{label}: records that passed");
                assert_results_match(&label, &result, &want, SUM_TOLERANCE);
            }
        }
    }
}

#[tokio::test]
async fn the_hand_made_cases_land_where_the_contract_says() {
    let redis = RedisServer::start();
    let model = broken_dataset(&redis).await;
    let mut conn = data_conn(&redis).await;
    let all = JobParams::default();
    // `meteorite:bare` is a record (with none of the fields); `meteorite:22`
    // was deleted; `meteorite:notes` is a string and `other:1` no record.
    let (records, result) = run(&mut conn, &model.scope, Analysis::CountPerClass, &all).await.expect("count");
    assert_eq!(records, 3_000 - 1 + 2);
    let AnalysisResult::CountPerClass(counts) = result else { panic!("shape") };
    assert_eq!(counts.without_class, 2, "meteorite:12 and meteorite:bare");

    let params = JobParams { n: Some(3), ..Default::default() };
    let (_, result) = run(&mut conn, &model.scope, Analysis::TopHeaviest, &params).await.expect("top");
    let AnalysisResult::TopHeaviest(top) = result else { panic!("shape") };
    let ids: Vec<&str> = top.landings.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["30", "300", "student"], "ties by id: numbers by value, then text");
    assert_eq!(top.landings[2].name.as_deref(), Some("Mine"));

    let (_, result) = run(&mut conn, &model.scope, Analysis::DataQuality, &all).await.expect("quality");
    let AnalysisResult::DataQuality(quality) = result else { panic!("shape") };
    let has = |problem: &str, id: &str| quality.examples.iter().any(|e| e.problem == problem && e.id == id);
    assert!(
        has("missing_mass", "5") && has("zero_mass", "6") && has("bad_mass", "10") && has("bad_mass", "20")
    );
    assert!(has("zero_coordinates", "7") && has("bad_coordinates", "11") && has("missing_coordinates", "19"));
    assert!(has("future_year", "8") && has("missing_year", "9") && has("missing_year", "21"));
    assert!(quality.examples.iter().any(|e| e.id == "8" && e.value.as_deref() == Some("2101")));
    assert_eq!(quality.counts.len(), QUALITY_PROBLEMS.len());
}

#[tokio::test]
async fn a_session_sees_only_its_own_records() {
    let redis = RedisServer::start();
    let local = generate::generate(400, 1);
    load(&redis, &Owner::local(), &local).await;
    let ours = generate::generate(250, 2);
    let theirs = generate::generate(150, 3);
    let mut ours_model = Model::of(Owner::for_session("aaaa1111"), &ours);
    let theirs_model = Model::of(Owner::for_session("bbbb2222"), &theirs);
    load(&redis, &ours_model.scope, &ours).await;
    load(&redis, &theirs_model.scope, &theirs).await;
    let mut c = redis.connection();
    ours_model.hset(&mut c, "1", &[("recclass", "Only in session aaaa1111")]);
    ours_model.hset(&mut c, "9999", &[("recclass", "L6"), ("mass (g)", "1")]);

    let mut conn = data_conn(&redis).await;
    let local_model = Model::of(Owner::local(), &local);
    for model in [&ours_model, &theirs_model, &local_model] {
        for analysis in [Analysis::CountPerClass, Analysis::AverageMass, Analysis::DataQuality] {
            let params = JobParams::default();
            let label = format!("{} for {:?}", analysis.name(), model.scope);
            let (records, result) = run(&mut conn, &model.scope, analysis, &params).await.expect(&label);
            let (want_records, want) = reference(analysis, &params, model);
            assert_eq!(records, want_records, "{label}");
            assert_results_match(&label, &result, &want, SUM_TOLERANCE);
        }
    }
    assert_eq!(ours_model.records.len(), 251);
}

#[tokio::test]
async fn an_empty_database_gives_empty_results() {
    let redis = RedisServer::start();
    let mut conn = data_conn(&redis).await;
    let model = Model { scope: Owner::local(), records: BTreeMap::new() };
    for analysis in Analysis::ALL {
        let params = JobParams::default();
        let (records, result) = run(&mut conn, &model.scope, analysis, &params).await.expect("empty");
        assert_eq!(records, 0);
        assert_results_match(
            analysis.name(),
            &result,
            &reference(analysis, &params, &model).1,
            SUM_TOLERANCE,
        );
    }
}

#[tokio::test]
async fn invalid_params_fail_at_once_naming_the_parameter() {
    let redis = RedisServer::start();
    let mut conn = data_conn(&redis).await;
    for (analysis, params, named) in [
        (Analysis::TopHeaviest, JobParams { n: Some(0), ..Default::default() }, "`n`"),
        (Analysis::AverageMass, JobParams { n: Some(3), ..Default::default() }, "`n`"),
        (Analysis::DensityGrid, JobParams { cell_degrees: Some(7.0), ..Default::default() }, "cell_degrees"),
        (
            Analysis::PerYear,
            JobParams { year_min: Some(2000), year_max: Some(1900), ..Default::default() },
            "year_min",
        ),
        (Analysis::FellFound, JobParams { mass_max: Some(f64::INFINITY), ..Default::default() }, "mass_max"),
    ] {
        match run(&mut conn, &Owner::local(), analysis, &params).await {
            Err(AnalysisError::InvalidParams(message)) => assert!(message.contains(named), "{message}"),
            other => panic!("{analysis:?} {params:?}: {other:?}"),
        }
    }
}

/// The speed figure for the README: `count_per_class` over NASA's 45,716
/// landings (`BOLIDE_NASA_JSON`, default `../shared/data/Meteorite_Landings.json`,
/// or 45,716 generated ones when absent), p50 of 20 runs, beside two floors
/// measured in the same run: the bare `SCAN` of the keys, and `SCAN` plus
/// pipelined `HGET recclass` of every key with the replies thrown away (what
/// any client of this Redis pays before counting anything). Run it in
/// release mode on a quiet machine:
/// `cargo test --release -p bolide --test jobs_analyses -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a timing, not a test: run by hand in release mode"]
async fn count_per_class_timing() {
    let dataset = timing_dataset();
    let redis = RedisServer::start();
    load(&redis, &Owner::local(), &dataset).await;
    let mut conn = data_conn(&redis).await;
    let scope = Owner::local();
    let params = JobParams::default();
    const RUNS: usize = 20;

    let mut compute_ms = Vec::new();
    let cpu_before = redis_cpu_ms(&mut conn).await;
    for _ in 0..RUNS {
        let started = Instant::now();
        let (records, _) = run(&mut conn, &scope, Analysis::CountPerClass, &params).await.expect("count");
        compute_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(records, dataset.len() as u64);
    }
    let redis_cpu_per_run = (redis_cpu_ms(&mut conn).await - cpu_before) / RUNS as f64;

    let mut scan_ms = Vec::new();
    let mut read_ms = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let keys = scan_all(&mut conn).await;
        scan_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(keys.len(), dataset.len());
        let started = Instant::now();
        let keys = scan_all(&mut conn).await;
        for chunk in keys.chunks(1000) {
            let mut pipe = redis::pipe();
            for key in chunk {
                pipe.cmd("HGET").arg(key).arg("recclass");
            }
            let _: Vec<redis::Value> = pipe.query_async(&mut conn).await.expect("HGET");
        }
        read_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (compute, scan, read) = (p50(compute_ms.clone()), p50(scan_ms), p50(read_ms));
    println!(
        "count_per_class over {} records, p50 of {RUNS}: {compute:.1} ms (min {:.1}, max {:.1}); \
         Redis CPU {redis_cpu_per_run:.1} ms per run",
        dataset.len(),
        compute_ms.iter().copied().fold(f64::INFINITY, f64::min),
        compute_ms.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "floors in the same run: SCAN alone {scan:.1} ms; SCAN + pipelined HGET, replies unread \
         {read:.1} ms; compute / (SCAN + HGET) = {:.2}",
        compute / read
    );
}

/// Every `meteorite:*` key, as plainly as possible.
async fn scan_all(conn: &mut Connection) -> Vec<Vec<u8>> {
    let mut cursor: u64 = 0;
    let mut keys = Vec::new();
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg("meteorite:*")
            .arg("COUNT")
            .arg(5000)
            .query_async(conn)
            .await
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

/// CPU time Redis has used (user + system), in ms.
async fn redis_cpu_ms(conn: &mut Connection) -> f64 {
    let info: String = redis::cmd("INFO").arg("cpu").query_async(conn).await.expect("INFO");
    let seconds = |name: &str| -> f64 {
        info.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    (seconds("used_cpu_user:") + seconds("used_cpu_sys:")) * 1e3
}
