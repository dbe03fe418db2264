//! The analysis jobs API's JSON shapes (`/api/jobs…`), shared by the API
//! server, the worker that computes results, and the browser app that
//! draws them.
//!
//! A job is one [`Analysis`] over the student's current meteorite data,
//! narrowed by optional [`JobParams`] filters. The API records it and
//! answers at once (`202`, status [`JobStatus::Queued`]); a separate worker
//! takes it from the queue in Redis, reports progress while running, and
//! stores an [`AnalysisResult`] that the API hands out until it expires.

pub mod results;

use serde::{Deserialize, Serialize};

pub use results::*;

/// The analyses a job can run (their API names are snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// Mean mass of the landings that have one (the course's first).
    AverageMass,
    /// Landings per hemisphere, N/S × E/W (the course's second).
    Hemispheres,
    /// Landings per `recclass` (the course's third).
    CountPerClass,
    /// Landings per year and per decade.
    PerYear,
    /// Fell (seen falling) vs found.
    FellFound,
    /// Masses in log-scale (powers of ten) bins.
    MassDistribution,
    /// The N heaviest landings.
    TopHeaviest,
    /// Landings per latitude/longitude cell, for a heat map.
    DensityGrid,
    /// Records with missing or suspicious values.
    DataQuality,
}

impl Analysis {
    /// Every analysis, in the order the UI offers them.
    pub const ALL: [Analysis; 9] = [
        Analysis::AverageMass,
        Analysis::Hemispheres,
        Analysis::CountPerClass,
        Analysis::PerYear,
        Analysis::FellFound,
        Analysis::MassDistribution,
        Analysis::TopHeaviest,
        Analysis::DensityGrid,
        Analysis::DataQuality,
    ];

    /// The API name (`count_per_class`).
    pub fn name(self) -> &'static str {
        match self {
            Analysis::AverageMass => "average_mass",
            Analysis::Hemispheres => "hemispheres",
            Analysis::CountPerClass => "count_per_class",
            Analysis::PerYear => "per_year",
            Analysis::FellFound => "fell_found",
            Analysis::MassDistribution => "mass_distribution",
            Analysis::TopHeaviest => "top_heaviest",
            Analysis::DensityGrid => "density_grid",
            Analysis::DataQuality => "data_quality",
        }
    }

    /// The analysis called `name`, if any.
    pub fn from_name(name: &str) -> Option<Analysis> {
        Analysis::ALL.into_iter().find(|analysis| analysis.name() == name)
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            Analysis::AverageMass => "Average mass",
            Analysis::Hemispheres => "Landings per hemisphere",
            Analysis::CountPerClass => "Count per class",
            Analysis::PerYear => "Landings per year",
            Analysis::FellFound => "Fell vs found",
            Analysis::MassDistribution => "Mass distribution",
            Analysis::TopHeaviest => "Heaviest landings",
            Analysis::DensityGrid => "Density grid",
            Analysis::DataQuality => "Data quality",
        }
    }
}

/// Optional filters (every analysis) and per-analysis options.
///
/// Filters narrow the landings first, the same way for every analysis:
/// `class` and `fall` match the stored `recclass`/`fall` exactly (case and
/// spaces included); the ranges are inclusive, and a landing without the
/// field — or whose value cannot be read as a year or a mass ≥ 0, the way
/// the data browser reads them — is left out when its range is given (a
/// range with one end leaves the other open).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fall: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_max: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mass_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mass_max: Option<f64>,
    /// `top_heaviest`: how many (default [`DEFAULT_TOP_N`], at most [`MAX_TOP_N`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `density_grid`: cell size in degrees (default [`DEFAULT_CELL_DEGREES`];
    /// one of [`CELL_DEGREES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_degrees: Option<f64>,
    /// A teaching aid, for any analysis: the job reports at most 10 % per
    /// `pace_ms` and is not done before 10 × `pace_ms`, so a student can
    /// watch it go from queued to running to succeeded (at most
    /// [`MAX_PACE_MS`]; the worker's `--job-pace-ms`, if slower, wins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pace_ms: Option<u32>,
}

pub const DEFAULT_TOP_N: u32 = 10;
/// The slowest pace a job may ask for: 10 steps of a second, so a paced
/// job holds a worker for at most about 10 s.
pub const MAX_PACE_MS: u32 = 1000;
pub const MAX_TOP_N: u32 = 1000;
pub const DEFAULT_CELL_DEGREES: f64 = 5.0;
/// Cell sizes that tile the globe exactly.
pub const CELL_DEGREES: [f64; 7] = [1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0];
/// Longest `class`/`fall` filter value.
pub const MAX_FILTER_LEN: usize = 200;

impl JobParams {
    /// Checks the params for `analysis`; the message names the parameter.
    pub fn validate(&self, analysis: Analysis) -> Result<(), String> {
        for (name, value) in [("class", &self.class), ("fall", &self.fall)] {
            if let Some(value) = value {
                if value.is_empty() || value.len() > MAX_FILTER_LEN {
                    return Err(format!("`{name}` must be 1 to {MAX_FILTER_LEN} bytes long"));
                }
            }
        }
        if let (Some(min), Some(max)) = (self.year_min, self.year_max) {
            if min > max {
                return Err(format!("`year_min` ({min}) is greater than `year_max` ({max})"));
            }
        }
        for (name, value) in [("mass_min", self.mass_min), ("mass_max", self.mass_max)] {
            if let Some(value) = value {
                if !value.is_finite() || value < 0.0 {
                    return Err(format!("`{name}` must be a finite number ≥ 0, not {value}"));
                }
            }
        }
        if let (Some(min), Some(max)) = (self.mass_min, self.mass_max) {
            if min > max {
                return Err(format!("`mass_min` ({min}) is greater than `mass_max` ({max})"));
            }
        }
        match (analysis, self.n) {
            (Analysis::TopHeaviest, Some(n)) if n == 0 || n > MAX_TOP_N => {
                return Err(format!("`n` must be between 1 and {MAX_TOP_N}, not {n}"));
            }
            (Analysis::TopHeaviest, _) | (_, None) => {}
            (_, Some(_)) => return Err(format!("`n` applies to top_heaviest only, not {}", analysis.name())),
        }
        if let Some(pace) = self.pace_ms.filter(|pace| *pace > MAX_PACE_MS) {
            return Err(format!(
                "`pace_ms` must be at most {MAX_PACE_MS} (10 steps of a second), not {pace}"
            ));
        }
        match (analysis, self.cell_degrees) {
            (Analysis::DensityGrid, Some(cell)) if !CELL_DEGREES.contains(&cell) => {
                return Err(format!("`cell_degrees` must be one of {CELL_DEGREES:?}, not {cell}"));
            }
            (Analysis::DensityGrid, _) | (_, None) => {}
            (_, Some(_)) => {
                return Err(format!("`cell_degrees` applies to density_grid only, not {}", analysis.name()))
            }
        }
        Ok(())
    }
}

/// `POST /api/jobs`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub analysis: Analysis,
    #[serde(default)]
    pub params: JobParams,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_name(name: &str) -> Option<JobStatus> {
        [JobStatus::Queued, JobStatus::Running, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled]
            .into_iter()
            .find(|status| status.name() == name)
    }

    /// Succeeded, failed or cancelled: nothing will change it any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled)
    }
}

/// A job as the API shows it (`POST`/`GET /api/jobs/{id}`, list items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub analysis: Analysis,
    pub params: JobParams,
    pub status: JobStatus,
    /// 0–100.
    pub progress: u8,
    /// Milliseconds since the Unix epoch.
    pub queued_at: u64,
    pub started_at: Option<u64>,
    pub finished_at: Option<u64>,
    /// The worker running (or that last ran) it.
    pub worker: Option<String>,
    /// How many times a worker has started it.
    pub attempts: u32,
    pub max_attempts: u32,
    /// Why it failed (or was cancelled).
    pub error: Option<String>,
    /// When the stored result expires (succeeded jobs).
    pub result_expires_at: Option<u64>,
    /// The Redis keys and commands that carry it (the lesson is the pattern).
    pub redis: JobRedis,
}

/// The Redis side of a job, for the UI to show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobRedis {
    /// The job's hash (`HGETALL` it in database 15).
    pub job_key: String,
    /// The queue it went through.
    pub queue_key: String,
    /// Its entry in the queue, if the queue names entries (a stream id).
    pub queue_entry: Option<String>,
    /// Where its result is kept.
    pub result_key: String,
    /// Commands a student can run (in database 15) to see it, with a note.
    pub commands: Vec<String>,
}

/// `GET /api/jobs`: the caller's jobs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    pub items: Vec<Job>,
    pub total: u64,
    pub page: usize,
    pub size: usize,
    /// Workers alive now (heartbeat seen recently).
    pub workers_alive: u32,
}

/// `GET /api/jobs/workers`: who is working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workers {
    pub alive: u32,
    pub workers: Vec<WorkerInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerInfo {
    /// `<host>:<pid>:<random>`.
    pub id: String,
    /// Last heartbeat, ms since the epoch.
    pub last_seen: u64,
    /// The job it is running, if any.
    pub job: Option<String>,
}

/// `GET /api/jobs/{id}/results`: the result fields at the top level
/// (e.g. `counts` for `count_per_class`), tagged by `analysis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResults {
    pub job_id: String,
    /// Landings that passed the filters (what the result is computed over).
    pub records: u64,
    /// ms since the epoch.
    pub computed_at: u64,
    #[serde(flatten)]
    pub result: AnalysisResult,
}
