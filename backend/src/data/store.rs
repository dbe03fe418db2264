//! Meteorite landings in Redis: one hash per landing, replaced all at once.
//!
//! **Where things are.** Each landing is the hash `meteorite:<id>` in the
//! student's keyspace (database 0 in local mode, the session's namespace in
//! shared mode), with the file's own field names — exactly what
//! `HGETALL meteorite:1` shows in the console. Everything the browser needs
//! beside the records (sorted sets by id, mass, year and name, sets by class,
//! fall and name type, the last load's description) is Bolide's, so it lives
//! in the system database (15) under `bolide:data:{<owner>}:…`, where the
//! console's `KEYS *` never lists it as student data.
//!
//! **All or nothing.** A file is parsed and checked completely before Redis
//! is touched, so a bad file changes nothing. A good one replaces the
//! previous dataset in **one** `MULTI`/`EXEC` transaction that deletes the
//! old records, writes the new ones and rebuilds every index (switching
//! databases with `SELECT` inside the transaction, on a connection of its
//! own). Redis runs a transaction without interleaving anything else, so
//! readers see the old set or the new one, never a mix; and when Redis
//! refuses it (out of memory, say), it discards it whole — the database
//! course's "A" of ACID, made real.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, MultiplexedConnection};
use serde::Serialize;

use super::{Dataset, Landing};
use crate::console::SYSTEM_DB;
use crate::error::AppError;

/// Records per `UNLINK`/`ZADD`/`SADD` in the transaction.
const CHUNK: usize = 1000;
/// How long one load may hold the owner's lock.
const LOCK_MS: u64 = 10 * 60 * 1000;
/// A whole-dataset transaction can take seconds for a million records.
const LOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// Whose dataset: the local student's, or one shared-mode session's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataScope {
    /// Prefix of the record keys: empty in local mode, the session's
    /// namespace (`{s:<id>}:`) in shared mode.
    pub data_prefix: String,
    /// The owner's tag in Bolide's own keys: `local`, or the session id.
    pub owner: String,
}

impl DataScope {
    pub fn local() -> Self {
        Self { data_prefix: String::new(), owner: "local".into() }
    }

    pub fn for_session(session_id: &str) -> Self {
        Self { data_prefix: format!("{{s:{session_id}}}:"), owner: session_id.to_string() }
    }

    /// `meteorite:<id>` in the owner's keyspace.
    pub fn record_key(&self, id: &str) -> String {
        format!("{}meteorite:{id}", self.data_prefix)
    }

    /// The `MATCH` pattern of every record key.
    pub fn record_pattern(&self) -> String {
        format!("{}meteorite:*", self.data_prefix)
    }

    /// One of Bolide's keys about this dataset (system database).
    pub fn key(&self, name: &str) -> String {
        format!("bolide:data:{{{}}}:{name}", self.owner)
    }
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// Records written.
    pub loaded: u64,
    /// Records of the previous dataset that were removed.
    pub replaced: u64,
    /// Field names, in first-seen order.
    pub fields: Vec<String>,
    /// Per field, how many records lack it.
    pub missing: BTreeMap<String, u64>,
    /// Where the data came from (a file name, a URL, `generated n=… seed=…`).
    pub source: String,
    pub millis: u64,
}

/// The index keys a dataset owns (besides per-value sets listed in `values`).
const INDEXES: &[&str] =
    &["ids", "mass", "year", "name", "namelex", "coords", "expect", "meta", "classes", "falls", "nametypes"];

/// The indexes the browser reads (a reindex rebuilds these; `expect` and
/// `meta` describe the last loaded file and stay).
const BROWSE_INDEXES: &[&str] =
    &["ids", "mass", "year", "name", "namelex", "coords", "classes", "falls", "nametypes"];

/// Replaces `scope`'s dataset with `dataset`, atomically.
///
/// `base_url` is Redis's URL without a database. Refuses (409) while another
/// load of the same owner runs.
pub async fn replace(
    base_url: &str,
    scope: &DataScope,
    dataset: &Dataset,
    source: &str,
) -> Result<LoadReport, AppError> {
    let started = Instant::now();
    let mut conn = private_connection(base_url).await?;
    let lock = scope.key("lock");
    // Random, so only the load that took the lock can release it.
    let token = crate::console::session::random_hex()?;
    // On this connection of our own, SELECT is ours to change.
    let (locked,): (Option<String>,) = redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("SET")
        .arg(&lock)
        .arg(&token)
        .arg("NX")
        .arg("PX")
        .arg(LOCK_MS)
        .query_async(&mut conn)
        .await?;
    if locked.is_none() {
        return Err(AppError::Conflict(
            "another load of this dataset is running; try again when it is done".into(),
        ));
    }
    let result = swap(&mut conn, scope, dataset, source).await;
    // Release the lock whatever happened (only if it is still ours).
    let _: redis::RedisResult<()> = redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("EVAL")
        .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1")
        .arg(1)
        .arg(&lock)
        .arg(&token)
        .ignore()
        .exec_async(&mut conn)
        .await;
    let replaced = result?;
    let report = LoadReport {
        loaded: dataset.landings.len() as u64,
        replaced,
        fields: dataset.field_names.clone(),
        missing: dataset.missing.clone(),
        source: source.to_string(),
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    tracing::info!(
        loaded = report.loaded,
        replaced = report.replaced,
        ms = report.millis,
        "dataset replaced"
    );
    Ok(report)
}

async fn private_connection(base_url: &str) -> Result<MultiplexedConnection, AppError> {
    let client = redis::Client::open(format!("{base_url}/0"))?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(crate::redis_conn::CONNECT_TIMEOUT))
        .set_response_timeout(Some(LOAD_TIMEOUT));
    Ok(client.get_multiplexed_async_connection_with_config(&config).await?)
}

/// Reads the old dataset's keys, then deletes it and writes the new one in
/// one transaction. Returns how many old records were removed.
async fn swap(
    conn: &mut MultiplexedConnection,
    scope: &DataScope,
    dataset: &Dataset,
    source: &str,
) -> Result<u64, AppError> {
    // What the old dataset owns (the connection is on the system db).
    let (old_ids, old_classes, old_falls, old_nametypes): (
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
    ) = redis::pipe()
        .cmd("ZRANGE")
        .arg(scope.key("ids"))
        .arg(0)
        .arg(-1)
        .cmd("ZRANGE")
        .arg(scope.key("classes"))
        .arg(0)
        .arg(-1)
        .cmd("ZRANGE")
        .arg(scope.key("falls"))
        .arg(0)
        .arg(-1)
        .cmd("ZRANGE")
        .arg(scope.key("nametypes"))
        .arg(0)
        .arg(-1)
        .query_async(conn)
        .await?;

    let mut tx = redis::pipe();
    tx.atomic();
    // 1. The records, in the student's database.
    tx.cmd("SELECT").arg(0).ignore();
    let new_ids: Vec<&str> = dataset.landings.iter().map(Landing::id).collect();
    // Old records go, and so does anything the student made under a name
    // the new set uses (so every new record is exactly the file's).
    let doomed: BTreeSet<&str> = old_ids.iter().map(String::as_str).chain(new_ids.iter().copied()).collect();
    let doomed: Vec<String> = doomed.into_iter().map(|id| scope.record_key(id)).collect();
    for chunk in doomed.chunks(CHUNK) {
        tx.cmd("UNLINK").arg(chunk).ignore();
    }
    for landing in &dataset.landings {
        if landing.fields.is_empty() {
            continue;
        }
        let mut hset = redis::cmd("HSET");
        hset.arg(scope.record_key(landing.id()));
        for (field, value) in &landing.fields {
            hset.arg(field).arg(value);
        }
        tx.add_command(hset).ignore();
    }

    // 2. The indexes, in Bolide's database.
    tx.cmd("SELECT").arg(SYSTEM_DB).ignore();
    let old_keys = index_keys(scope, INDEXES, &old_classes, &old_falls, &old_nametypes);
    for chunk in old_keys.chunks(CHUNK) {
        tx.cmd("UNLINK").arg(chunk).ignore();
    }
    let indexes = Indexes::of(dataset);
    indexes.write(&mut tx, scope);
    indexes.write_expectations(&mut tx, scope);
    tx.cmd("HSET")
        .arg(scope.key("meta"))
        .arg("count")
        .arg(dataset.landings.len())
        .arg("fields")
        .arg(serde_json::to_string(&dataset.field_names).unwrap_or_default())
        .arg("missing")
        .arg(serde_json::to_string(&dataset.missing).unwrap_or_default())
        .arg("signatures")
        .arg(serde_json::to_string(&indexes.signatures).unwrap_or_default())
        .arg("source")
        .arg(source)
        .arg("loaded_at")
        .arg(crate::console::session::now_ms())
        .ignore();
    // Cached page results name the version they were computed from.
    tx.cmd("INCR").arg(scope.key("version")).ignore();
    tx.cmd("SELECT").arg(0).ignore();

    tx.exec_async(conn).await.map_err(|err| match err.code() {
        Some(code) => AppError::Conflict(format!(
            "Redis refused the load ({code} {}); nothing was changed",
            err.detail().unwrap_or_default()
        )),
        None => AppError::from(err),
    })?;
    Ok(old_ids.len() as u64)
}

/// The keys of the named indexes and of the per-value sets.
fn index_keys(
    scope: &DataScope,
    names: &[&str],
    classes: &[String],
    falls: &[String],
    nametypes: &[String],
) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|name| scope.key(name)).collect();
    keys.extend(classes.iter().map(|c| scope.key(&format!("class:{c}"))));
    keys.extend(falls.iter().map(|f| scope.key(&format!("fall:{f}"))));
    keys.extend(nametypes.iter().map(|n| scope.key(&format!("nametype:{n}"))));
    keys
}

/// Rebuilds the browser's indexes from the `meteorite:*` hashes as they are
/// now (after edits from the console or from a student's script), in one
/// transaction. Returns how many landings were indexed.
pub async fn reindex(base_url: &str, scope: &DataScope) -> Result<u64, AppError> {
    let mut conn = private_connection(base_url).await?;
    let prefix_len = scope.record_key("").len();
    let keys =
        crate::redis_conn::scan_keys(&mut conn, scope.record_pattern().as_bytes(), Some("hash")).await?;
    let mut landings = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.cmd("HGETALL").arg(key);
        }
        let records: Vec<Vec<(String, String)>> = pipe.query_async(&mut conn).await?;
        for (key, mut fields) in chunk.iter().zip(records) {
            // The id is the key's, whatever the hash's `id` field says now.
            let id = String::from_utf8_lossy(key.get(prefix_len..).unwrap_or_default()).into_owned();
            fields.retain(|(name, _)| name != "id");
            fields.insert(0, ("id".to_string(), id));
            landings.push(Landing::new(fields));
        }
    }
    let dataset = Dataset::from_landings(landings, super::Shape::Generated);
    let (old_classes, old_falls, old_nametypes): (Vec<String>, Vec<String>, Vec<String>) = redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .zrange(scope.key("classes"), 0, -1)
        .zrange(scope.key("falls"), 0, -1)
        .zrange(scope.key("nametypes"), 0, -1)
        .query_async(&mut conn)
        .await?;
    let mut tx = redis::pipe();
    tx.atomic();
    for chunk in index_keys(scope, BROWSE_INDEXES, &old_classes, &old_falls, &old_nametypes).chunks(CHUNK) {
        tx.cmd("UNLINK").arg(chunk).ignore();
    }
    Indexes::of(&dataset).write(&mut tx, scope);
    tx.cmd("INCR").arg(scope.key("version")).ignore();
    tx.exec_async(&mut conn).await?;
    Ok(dataset.len() as u64)
}

/// The browser's indexes of one dataset, computed before the transaction.
struct Indexes<'a> {
    ids: Vec<(f64, &'a str)>,
    mass: Vec<(f64, &'a str)>,
    year: Vec<(f64, &'a str)>,
    /// By name: each id scored with its rank in case-insensitive name
    /// order, so every index has ids as members and they intersect.
    names: Vec<(f64, &'a str)>,
    lower_names: std::collections::HashMap<&'a str, String>,
    coords: Vec<&'a str>,
    classes: BTreeMap<&'a str, Vec<&'a str>>,
    falls: BTreeMap<&'a str, Vec<&'a str>>,
    nametypes: BTreeMap<&'a str, Vec<&'a str>>,
    /// Distinct field lists, and for each record the index of its list (for
    /// the verify report: each record must have exactly its own fields).
    signatures: Vec<Vec<&'a str>>,
    expect: Vec<(&'a str, usize)>,
}

impl<'a> Indexes<'a> {
    fn of(dataset: &'a Dataset) -> Self {
        let mut indexes = Indexes {
            ids: Vec::new(),
            mass: Vec::new(),
            year: Vec::new(),
            names: Vec::new(),
            lower_names: std::collections::HashMap::new(),
            coords: Vec::new(),
            classes: BTreeMap::new(),
            falls: BTreeMap::new(),
            nametypes: BTreeMap::new(),
            signatures: Vec::new(),
            expect: Vec::new(),
        };
        let mut signature_of: BTreeMap<Vec<&'a str>, usize> = BTreeMap::new();
        for landing in &dataset.landings {
            let id = landing.id();
            indexes.ids.push((id.parse::<f64>().unwrap_or(0.0), id));
            if let Some(mass) = landing.mass_g() {
                indexes.mass.push((mass, id));
            }
            if let Some(year) = landing.year() {
                indexes.year.push((f64::from(year), id));
            }
            if landing.coords().is_some() {
                indexes.coords.push(id);
            }
            if let Some(class) = landing.class() {
                indexes.classes.entry(class).or_default().push(id);
            }
            if let Some(fall) = landing.fall() {
                indexes.falls.entry(fall).or_default().push(id);
            }
            if let Some(nametype) = landing.nametype() {
                indexes.nametypes.entry(nametype).or_default().push(id);
            }
            let fields: Vec<&str> = landing.fields.iter().map(|(f, _)| f.as_str()).collect();
            let next = signature_of.len();
            let index = *signature_of.entry(fields.clone()).or_insert(next);
            if index == indexes.signatures.len() {
                indexes.signatures.push(fields);
            }
            indexes.expect.push((id, index));
        }
        let mut by_name: Vec<(String, &'a str)> =
            dataset.landings.iter().map(|l| (l.name().unwrap_or_default().to_lowercase(), l.id())).collect();
        by_name.sort_unstable();
        indexes.lower_names = by_name.iter().map(|(name, id)| (*id, name.clone())).collect();
        indexes.names = by_name.into_iter().enumerate().map(|(rank, (_, id))| (rank as f64, id)).collect();
        indexes
    }

    fn write(&self, tx: &mut redis::Pipeline, scope: &DataScope) {
        zadd(tx, &scope.key("ids"), &self.ids);
        zadd(tx, &scope.key("mass"), &self.mass);
        zadd(tx, &scope.key("year"), &self.year);
        zadd(tx, &scope.key("name"), &self.names);
        // For name search: `lower-case name NUL id`, scanned with ZSCAN MATCH.
        for chunk in self.names.chunks(CHUNK) {
            let mut cmd = redis::cmd("ZADD");
            cmd.arg(scope.key("namelex"));
            for (_, id) in chunk {
                cmd.arg(0).arg(format!("{}\u{0}{id}", self.lower_names.get(id).map_or("", String::as_str)));
            }
            tx.add_command(cmd).ignore();
        }
        sadd(tx, &scope.key("coords"), &self.coords);
        for (kind, all, groups) in [
            ("class", "classes", &self.classes),
            ("fall", "falls", &self.falls),
            ("nametype", "nametypes", &self.nametypes),
        ] {
            // e.g. `classes`: each class with its number of landings.
            let counts: Vec<(f64, &str)> =
                groups.iter().map(|(value, ids)| (ids.len() as f64, *value)).collect();
            zadd(tx, &scope.key(all), &counts);
            for (value, ids) in groups {
                sadd(tx, &scope.key(&format!("{kind}:{value}")), ids);
            }
        }
    }

    /// What each record of the loaded file must have, for verify (written
    /// by a load only: a reindex keeps describing the last loaded file).
    fn write_expectations(&self, tx: &mut redis::Pipeline, scope: &DataScope) {
        for chunk in self.expect.chunks(CHUNK) {
            let mut cmd = redis::cmd("HSET");
            cmd.arg(scope.key("expect"));
            for (id, signature) in chunk {
                cmd.arg(*id).arg(*signature);
            }
            tx.add_command(cmd).ignore();
        }
    }
}

fn zadd(tx: &mut redis::Pipeline, key: &str, members: &[(f64, &str)]) {
    for chunk in members.chunks(CHUNK) {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(key);
        for (score, member) in chunk {
            cmd.arg(*score).arg(*member);
        }
        tx.add_command(cmd).ignore();
    }
}

fn sadd(tx: &mut redis::Pipeline, key: &str, members: &[&str]) {
    for chunk in members.chunks(CHUNK) {
        tx.cmd("SADD").arg(key).arg(chunk).ignore();
    }
}

/// The connections reads go through: Bolide's long-lived, shared ones to
/// the student's database and to the system database. (A load or reindex
/// switches databases inside a transaction, so it opens one of its own;
/// a page must not pay a TCP handshake.)
#[derive(Clone)]
pub struct Readers {
    pub data: ConnectionManager,
    pub system: ConnectionManager,
}

/// Removes what is left of a dataset's bookkeeping after it was emptied
/// (its `meta`: "no dataset loaded").
pub async fn forget(base_url: &str, scope: &DataScope) -> Result<(), AppError> {
    let mut conn = private_connection(base_url).await?;
    redis::pipe()
        .cmd("SELECT")
        .arg(SYSTEM_DB)
        .ignore()
        .cmd("UNLINK")
        .arg(INDEXES.iter().map(|name| scope.key(name)).collect::<Vec<_>>())
        .ignore()
        .exec_async(&mut conn)
        .await?;
    Ok(())
}

/// A landing as stored: field names and values in Redis's order, shown as
/// a JSON object that keeps that order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record(pub Vec<(String, String)>);

impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, value) in &self.0 {
            map.serialize_entry(field, value)?;
        }
        map.end()
    }
}

/// `HGETALL meteorite:<id>`, or `None` when there is no such hash.
pub async fn get(readers: &Readers, scope: &DataScope, id: &str) -> Result<Option<Record>, AppError> {
    let mut conn = readers.data.clone();
    let fields: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(scope.record_key(id))
        .query_async(&mut conn)
        .await
        .or_else(wrongtype_is_none)?;
    Ok((!fields.is_empty()).then_some(Record(fields)))
}

/// A key that is not a hash (a student's `SET meteorite:1 x`) reads as
/// absent rather than failing the page.
fn wrongtype_is_none<T: Default>(err: redis::RedisError) -> redis::RedisResult<T> {
    if err.code() == Some("WRONGTYPE") {
        Ok(T::default())
    } else {
        Err(err)
    }
}

/// What a page asks for (already checked by the API).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageQuery {
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

/// One page of landings.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Landings matching the filters (on every page).
    pub total: u64,
    pub page: usize,
    pub size: usize,
    pub items: Vec<Record>,
    /// The Redis commands that made this page, in order.
    pub commands: Vec<String>,
}

/// How long a filtered, sorted result is kept for the next pages.
const RESULT_TTL_SECONDS: u64 = 60;

/// A page of the dataset, sorted and filtered with the indexes: set
/// intersections and range reads, never a scan of the keyspace per page
/// (a name search scans the names index once and is then cached).
pub async fn page(readers: &Readers, scope: &DataScope, query: &PageQuery) -> Result<Page, AppError> {
    let mut conn = readers.system.clone();
    let mut commands = Vec::new();
    let sort_key = scope.key(match query.sort.as_str() {
        "name" => "name",
        "mass" => "mass",
        "year" => "year",
        _ => "ids",
    });
    let mut filters: Vec<String> = Vec::new();
    if let Some(class) = &query.class {
        filters.push(scope.key(&format!("class:{class}")));
    }
    if let Some(fall) = &query.fall {
        filters.push(scope.key(&format!("fall:{fall}")));
    }
    if let Some(nametype) = &query.nametype {
        filters.push(scope.key(&format!("nametype:{nametype}")));
    }
    if query.has_coords == Some(true) {
        filters.push(scope.key("coords"));
    }
    let needs_result = !filters.is_empty()
        || query.year.is_some()
        || query.mass.is_some()
        || query.has_coords == Some(false)
        || query.name.is_some();
    let result_key = if needs_result {
        // A result is kept for the next pages of the same query on the same
        // version of the dataset: a load or a reindex makes a new version.
        let version: u64 = redis::cmd("GET")
            .arg(scope.key("version"))
            .query_async::<Option<u64>>(&mut conn)
            .await?
            .unwrap_or(0);
        let key = scope.key(&format!("result:{version}:{:016x}", fingerprint(&format!("{query:?}"))));
        let exists: bool = redis::cmd("EXISTS").arg(&key).query_async(&mut conn).await?;
        if !exists {
            build_result(&mut conn, scope, query, &sort_key, &filters, &key, &mut commands).await?;
        } else {
            commands.push(format!("EXISTS {key}   (a result kept from a page before)"));
        }
        key
    } else {
        sort_key
    };
    let start = (query.page - 1).saturating_mul(query.size);
    let stop = start + query.size - 1;
    let mut range = redis::cmd("ZRANGE");
    range.arg(&result_key).arg(start).arg(stop);
    if query.descending {
        range.arg("REV");
    }
    let (total, ids): (u64, Vec<String>) =
        redis::pipe().cmd("ZCARD").arg(&result_key).add_command(range).query_async(&mut conn).await?;
    commands.push(format!("ZCARD {result_key}"));
    commands
        .push(format!("ZRANGE {result_key} {start} {stop}{}", if query.descending { " REV" } else { "" }));

    let mut data = readers.data.clone();
    let mut pipe = redis::pipe();
    for id in &ids {
        pipe.cmd("HGETALL").arg(scope.record_key(id));
    }
    let values: Vec<redis::Value> =
        if ids.is_empty() { Vec::new() } else { pipe.query_async(&mut data).await? };
    let items: Vec<Record> = values
        .into_iter()
        .filter_map(|value| redis::from_redis_value::<Vec<(String, String)>>(value).ok())
        .filter(|fields| !fields.is_empty()) // a stale index entry: skipped
        .map(Record)
        .collect();
    if let Some(first) = ids.first() {
        commands.push(format!(
            "HGETALL {}   (and {} more, one per landing on the page)",
            DataScope::local().record_key(first),
            ids.len() - 1
        ));
    }
    Ok(Page { total, page: query.page, size: query.size, items, commands })
}

/// Intersects the sort index with the filters into `key` (kept a minute).
async fn build_result(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    query: &PageQuery,
    sort_key: &str,
    filters: &[String],
    key: &str,
    commands: &mut Vec<String>,
) -> Result<(), AppError> {
    let token = format!("{key}:tmp");
    let mut inputs: Vec<String> = vec![sort_key.to_string()];
    inputs.extend(filters.iter().cloned());
    let mut pipe = redis::pipe();
    let mut temporary = Vec::new();
    for (index, name, range) in [(1, "year", query.year), (2, "mass", query.mass)] {
        if let Some((low, high)) = range {
            let tmp = format!("{token}:{index}");
            pipe.cmd("ZRANGESTORE")
                .arg(&tmp)
                .arg(scope.key(name))
                .arg(bound(low))
                .arg(bound(high))
                .arg("BYSCORE")
                .ignore();
            commands.push(format!(
                "ZRANGESTORE {tmp} {} {} {} BYSCORE",
                scope.key(name),
                bound(low),
                bound(high)
            ));
            inputs.push(tmp.clone());
            temporary.push(tmp);
        }
    }
    if let Some(name) = &query.name {
        let tmp = format!("{token}:name");
        let ids = ids_with_name(conn, scope, name).await?;
        commands.push(format!(
            "ZSCAN {} 0 MATCH *{}* COUNT 1000   (repeated to the end)",
            scope.key("namelex"),
            glob_escape(name)
        ));
        pipe.cmd("DEL").arg(&tmp).ignore();
        for chunk in ids.chunks(CHUNK) {
            pipe.cmd("SADD").arg(&tmp).arg(chunk).ignore();
        }
        inputs.push(tmp.clone());
        temporary.push(tmp);
    }
    let mut inter = redis::cmd("ZINTERSTORE");
    inter.arg(key).arg(inputs.len()).arg(&inputs).arg("WEIGHTS").arg(1);
    for _ in 1..inputs.len() {
        inter.arg(0);
    }
    commands.push(format!(
        "ZINTERSTORE {key} {} {} WEIGHTS 1{}",
        inputs.len(),
        inputs.join(" "),
        " 0".repeat(inputs.len() - 1)
    ));
    pipe.add_command(inter).ignore();
    if query.has_coords == Some(false) {
        pipe.cmd("ZDIFFSTORE").arg(key).arg(2).arg(key).arg(scope.key("coords")).ignore();
        commands.push(format!("ZDIFFSTORE {key} 2 {key} {}", scope.key("coords")));
    }
    pipe.cmd("EXPIRE").arg(key).arg(RESULT_TTL_SECONDS).ignore();
    if !temporary.is_empty() {
        pipe.cmd("UNLINK").arg(&temporary).ignore();
    }
    pipe.exec_async(conn).await?;
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

/// Ids whose (lower-case) name contains `needle`: a scan of the names index.
async fn ids_with_name(
    conn: &mut ConnectionManager,
    scope: &DataScope,
    needle: &str,
) -> Result<Vec<String>, AppError> {
    let pattern = format!("*{}*", glob_escape(needle));
    let mut cursor: u64 = 0;
    let mut ids = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("ZSCAN")
            .arg(scope.key("namelex"))
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await?;
        // ZSCAN answers member, score, member, score…
        ids.extend(
            batch
                .chunks(2)
                .filter_map(|pair| pair.first())
                .filter_map(|member| member.rsplit_once('\u{0}').map(|(_, id)| id.to_string())),
        );
        if next == 0 {
            return Ok(ids);
        }
        cursor = next;
    }
}

/// Escapes Redis glob characters so the text matches itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// FNV-1a: a stable name for a cached result.
fn fingerprint(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The verify report (the module's Exercise 2).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// Landings in the last loaded file (`None`: nothing loaded).
    pub expected: Option<u64>,
    /// `meteorite:*` hashes in Redis now.
    pub found: u64,
    pub ok: bool,
    /// Ids of the file with no hash in Redis.
    pub missing_records: Vec<String>,
    /// `meteorite:*` hashes that were not in the file.
    pub extra_records: Vec<String>,
    /// Records lacking fields they had in the file: (id, fields).
    pub missing_fields: Vec<(String, Vec<String>)>,
    /// Records with fields the file did not give them: (id, fields).
    pub extra_fields: Vec<(String, Vec<String>)>,
    /// The console commands that check the same by hand.
    pub commands: Vec<String>,
}

/// Lists in the report stop after this many entries (the counts do not).
const REPORT_LIMIT: usize = 100;

/// Compares Redis with the last loaded file: the number of `meteorite:*`
/// hashes, and each hash's fields against the record's own.
pub async fn verify(readers: &Readers, scope: &DataScope) -> Result<Verification, AppError> {
    let mut conn = readers.data.clone();
    let prefix_len = scope.record_key("").len();
    let keys =
        crate::redis_conn::scan_keys(&mut conn, scope.record_pattern().as_bytes(), Some("hash")).await?;
    let found_ids: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.get(prefix_len..))
        .map(|id| String::from_utf8_lossy(id).into_owned())
        .collect();
    let mut report = Verification { found: found_ids.len() as u64, ..Verification::default() };
    report.commands = vec![
        "KEYS meteorite:*          (or SCAN 0 MATCH meteorite:* COUNT 1000, repeated)".into(),
        "DBSIZE                    (every key in the database, meteorites or not)".into(),
        format!("HGETALL meteorite:{}", found_ids.iter().next().map_or("1", String::as_str)),
        "HLEN meteorite:<id>       (how many fields a landing has)".into(),
    ];

    let (count, signatures, expect): (Option<u64>, Option<String>, Vec<(String, usize)>) = redis::pipe()
        .cmd("HGET")
        .arg(scope.key("meta"))
        .arg("count")
        .cmd("HGET")
        .arg(scope.key("meta"))
        .arg("signatures")
        .cmd("HGETALL")
        .arg(scope.key("expect"))
        .query_async(&mut readers.system.clone())
        .await?;
    let Some(count) = count else {
        report.ok = false;
        return Ok(report); // nothing loaded through Bolide: counts only
    };
    report.expected = Some(count);
    let signatures: Vec<Vec<String>> =
        signatures.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    let expected_ids: BTreeSet<&str> = expect.iter().map(|(id, _)| id.as_str()).collect();
    report.extra_records = found_ids
        .iter()
        .filter(|id| !expected_ids.contains(id.as_str()))
        .take(REPORT_LIMIT)
        .cloned()
        .collect();
    let mut extra_count = found_ids.iter().filter(|id| !expected_ids.contains(id.as_str())).count();
    let mut problems = 0usize;
    for chunk in expect.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for (id, _) in chunk {
            pipe.cmd("HKEYS").arg(scope.record_key(id));
        }
        let fields: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        for ((id, signature), value) in chunk.iter().zip(fields) {
            let have: BTreeSet<String> =
                redis::from_redis_value::<Vec<String>>(value).unwrap_or_default().into_iter().collect();
            if have.is_empty() {
                problems += 1;
                if report.missing_records.len() < REPORT_LIMIT {
                    report.missing_records.push(id.clone());
                }
                continue;
            }
            let want: BTreeSet<String> =
                signatures.get(*signature).cloned().unwrap_or_default().into_iter().collect();
            let lacking: Vec<String> = want.difference(&have).cloned().collect();
            let surplus: Vec<String> = have.difference(&want).cloned().collect();
            if !lacking.is_empty() {
                problems += 1;
                if report.missing_fields.len() < REPORT_LIMIT {
                    report.missing_fields.push((id.clone(), lacking));
                }
            }
            if !surplus.is_empty() {
                problems += 1;
                if report.extra_fields.len() < REPORT_LIMIT {
                    report.extra_fields.push((id.clone(), surplus));
                }
            }
        }
    }
    extra_count += problems;
    report.ok = extra_count == 0 && report.found == count;
    Ok(report)
}
