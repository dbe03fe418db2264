//! The analyses a job runs over the student's meteorite data.
//!
//! [`compute`] is what a worker calls: it validates the params, reads the
//! student's current `meteorite:*` hashes ([`read`]: `SCAN` + pipelined
//! `HMGET` of only the fields needed), passes each record through the job's
//! [`filters`], and feeds those that pass to the analysis's
//! [`Accumulator`]. Each analysis is one small file holding a pure
//! accumulator — no Redis, no I/O — so its edge cases (a missing mass, a
//! `(0, 0)` place, latitude 90, a future year) are unit-tested directly,
//! and `backend/tests/jobs_analyses.rs` checks every one against a
//! reference computed independently over generated data in a real Redis.
//!
//! [`compute_cached`] is the same over a worker's [`RecordCache`]: the
//! records stay in the worker's memory between jobs, kept exact by Redis's
//! own invalidation messages (`CLIENT TRACKING`, see [`cache`]), so a job
//! over unchanged data costs a `PING` instead of a read of every hash.
//!
//! Why one pass with accumulators rather than loading the records and then
//! computing: memory stays at one batch of replies plus the accumulator
//! (a few hundred classes, a few hundred years, one grid) whatever the
//! size of the dataset, and decoding overlaps Redis's work on the next
//! batch. The results the accumulators produce never depend on the order
//! `SCAN` returns keys in (ties and examples are ordered by id), so the same
//! data always gives the same JSON.

mod average_mass;
mod cache;
mod count_per_class;
mod data_quality;
mod density_grid;
mod fell_found;
mod filters;
mod hemispheres;
mod mass_distribution;
mod per_year;
mod read;
mod record;
mod top_heaviest;

use bolide_shared::jobs::{Analysis, AnalysisResult, JobParams, DEFAULT_CELL_DEGREES, DEFAULT_TOP_N};
use tokio::sync::watch;

pub use self::cache::{CacheLimits, RecordCache, OVERSIZED_RETRY};

use self::average_mass::AverageMassAccumulator;
use self::count_per_class::CountPerClassAccumulator;
use self::data_quality::{current_year_utc, DataQualityAccumulator};
use self::density_grid::DensityGridAccumulator;
use self::fell_found::FellFoundAccumulator;
use self::filters::Filters;
use self::hemispheres::HemispheresAccumulator;
use self::mass_distribution::MassDistributionAccumulator;
use self::per_year::PerYearAccumulator;
use self::record::{Field, RecordView};
use self::top_heaviest::TopHeaviestAccumulator;
use crate::redis_conn::Connection;
use crate::sandbox::Owner;

/// Why an analysis could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The job's params do not fit the analysis; the message names the
    /// parameter (the job fails at once: retrying cannot help).
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// Redis refused or dropped a request (retrying may help).
    #[error("Redis error while reading the landings: {0}")]
    Redis(#[from] redis::RedisError),
    /// A task reading a batch of records ended without an answer (it
    /// panicked or the runtime is shutting down).
    #[error("reading the landings was interrupted: {0}")]
    Interrupted(#[from] tokio::task::JoinError),
}

/// One analysis, as a fold over the records that passed the filters.
pub(crate) trait Accumulator {
    /// The fields it reads (only these are fetched from Redis, with the
    /// filters' own).
    fn fields() -> &'static [Field];
    /// Takes one record into account.
    fn add(&mut self, record: &RecordView<'_>);
    /// The result over every record added.
    fn finish(self) -> AnalysisResult;
}

/// Runs `analysis` over `scope`'s current records (`data` is connected to
/// database 0), narrowed by `params`' filters, reporting progress 0–100 on
/// `progress`. Returns how many landings passed the filters, and the result.
pub async fn compute(
    data: &mut Connection,
    scope: &Owner,
    analysis: Analysis,
    params: &JobParams,
    progress: &watch::Sender<u8>,
) -> Result<(u64, AnalysisResult), AnalysisError> {
    run_analysis(Source::Redis(data), scope, analysis, params, progress).await
}

/// [`compute`] over `cache`: the same validation, filters and result, from
/// records the worker keeps in memory and brings up to date with what
/// Redis reports changed (a cold read the first time, or after anything
/// that makes the cache untrustworthy).
pub async fn compute_cached(
    cache: &RecordCache,
    scope: &Owner,
    analysis: Analysis,
    params: &JobParams,
    progress: &watch::Sender<u8>,
) -> Result<(u64, AnalysisResult), AnalysisError> {
    run_analysis(Source::Cache(cache), scope, analysis, params, progress).await
}

/// Validates `params` and runs `analysis` over the records of `source`.
async fn run_analysis(
    source: Source<'_>,
    scope: &Owner,
    analysis: Analysis,
    params: &JobParams,
    progress: &watch::Sender<u8>,
) -> Result<(u64, AnalysisResult), AnalysisError> {
    params.validate(analysis).map_err(AnalysisError::InvalidParams)?;
    let filters = Filters::new(params);
    let job = Job { source, scope, filters: &filters, progress };
    match analysis {
        Analysis::AverageMass => job.run(AverageMassAccumulator::default()).await,
        Analysis::Hemispheres => job.run(HemispheresAccumulator::default()).await,
        Analysis::CountPerClass => job.run(CountPerClassAccumulator::default()).await,
        Analysis::PerYear => job.run(PerYearAccumulator::default()).await,
        Analysis::FellFound => job.run(FellFoundAccumulator::default()).await,
        Analysis::MassDistribution => job.run(MassDistributionAccumulator::default()).await,
        Analysis::TopHeaviest => {
            job.run(TopHeaviestAccumulator::new(params.n.unwrap_or(DEFAULT_TOP_N))).await
        }
        Analysis::DensityGrid => {
            job.run(DensityGridAccumulator::new(params.cell_degrees.unwrap_or(DEFAULT_CELL_DEGREES))).await
        }
        Analysis::DataQuality => job.run(DataQualityAccumulator::new(current_year_utc())).await,
    }
}

/// Where the records come from.
enum Source<'a> {
    /// Read afresh from Redis.
    Redis(&'a mut Connection),
    /// A worker's cache, brought up to date first.
    Cache(&'a RecordCache),
}

/// What every analysis runs against.
struct Job<'a> {
    source: Source<'a>,
    scope: &'a Owner,
    filters: &'a Filters<'a>,
    progress: &'a watch::Sender<u8>,
}

impl Job<'_> {
    /// Feeds every record that passes the filters to `accumulator`.
    async fn run<A: Accumulator>(self, mut accumulator: A) -> Result<(u64, AnalysisResult), AnalysisError> {
        let mut fields: Vec<Field> = A::fields().to_vec();
        fields.extend(self.filters.fields());
        fields.sort_unstable();
        fields.dedup();
        let mut passed: u64 = 0;
        let visit = |record: &RecordView<'_>| {
            if self.filters.accepts(record) {
                passed += 1;
                accumulator.add(record);
            }
        };
        match self.source {
            Source::Redis(data) => {
                read::for_each_record(data, self.scope, &fields, self.progress, visit).await?
            }
            Source::Cache(cache) => cache.for_each_record(self.scope, &fields, self.progress, visit).await?,
        }
        Ok((passed, accumulator.finish()))
    }
}
