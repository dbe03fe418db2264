//! What each analysis answers: one documented JSON shape per analysis.
//!
//! Field names are part of the API: the UI draws them and students read
//! them, so they say their unit (`_g` for grams) and every count is over
//! the landings that passed the job's filters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One analysis's result, tagged by the analysis's API name
/// (`{"analysis": "count_per_class", "counts": {…}, …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "analysis", rename_all = "snake_case")]
pub enum AnalysisResult {
    AverageMass(AverageMass),
    Hemispheres(Hemispheres),
    CountPerClass(CountPerClass),
    PerYear(PerYear),
    FellFound(FellFound),
    MassDistribution(MassDistribution),
    TopHeaviest(TopHeaviest),
    DensityGrid(DensityGrid),
    DataQuality(DataQuality),
}

/// `average_mass`: the mean of `mass (g)` over landings that have a
/// numeric mass.
///
/// A mass is numeric when it reads as a finite number ≥ 0 (as the data
/// browser reads it); 0 counts (a missing mass is not a zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageMass {
    /// Landings with a numeric mass (the mean's denominator).
    pub with_mass: u64,
    /// Landings without one (left out).
    pub without_mass: u64,
    /// `None` when no landing has a mass.
    pub average_mass_g: Option<f64>,
    /// The sum (saturating at `f64::MAX`, which only absurd masses typed in
    /// the console reach; the average stays right).
    pub total_mass_g: f64,
    pub min_mass_g: Option<f64>,
    pub max_mass_g: Option<f64>,
}

/// `hemispheres`: as the course defines them, latitude > 0 is northern
/// (else southern) and longitude > 0 is eastern (else western). So the
/// equator is southern, the prime meridian western, and NASA's `(0, 0)`
/// "unknown place" placeholders count as southern-western, and are counted
/// on their own too ([`Hemispheres::at_zero_zero`]), so the page can say so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hemispheres {
    pub northern_eastern: u64,
    pub northern_western: u64,
    pub southern_eastern: u64,
    pub southern_western: u64,
    /// Landings without numeric `reclat`/`reclong` on Earth's map
    /// (latitude within ±90, longitude within ±180) (left out).
    pub without_coordinates: u64,
    /// Of `southern_western`, the landings at exactly `(0, 0)`: NASA's
    /// placeholder for an unknown place, not a landing in the Gulf of
    /// Guinea. (Absent from results stored before it was counted: 0.)
    #[serde(default)]
    pub at_zero_zero: u64,
}

/// `count_per_class`: landings per `recclass`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountPerClass {
    /// Class → number of landings (sorted by class name). A class is the
    /// stored value exactly (`L6` and `l6` are two classes).
    pub counts: BTreeMap<String, u64>,
    /// Landings without a `recclass` field.
    pub without_class: u64,
}

/// `per_year`: a histogram by year and by decade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerYear {
    /// Ascending by year; only years with landings. Future years are
    /// counted where they say (`data_quality` flags them).
    pub years: Vec<YearCount>,
    /// Ascending by decade (`1880` is 1880–1889); only decades with landings.
    pub decades: Vec<YearCount>,
    /// Landings without a readable year.
    pub without_year: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearCount {
    /// The year, or the decade's first year.
    pub year: i32,
    pub count: u64,
}

/// `fell_found`: landings by `fall` value (`Fell` and `Found` exactly as
/// NASA spells them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FellFound {
    /// Landings seen falling.
    pub fell: u64,
    /// Landings found later.
    pub found: u64,
    /// Any other `fall` value → count (none in NASA's file).
    pub other: BTreeMap<String, u64>,
    pub without_fall: u64,
}

/// `mass_distribution`: masses in powers-of-ten bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassDistribution {
    /// Ascending, contiguous from the lightest to the heaviest non-empty
    /// bin (empty bins between are included with count 0). A bin holds
    /// masses `lower_g ≤ m < upper_g`, with `lower_g` a power of ten
    /// (`0.01`, `1`, `1000`…) and `upper_g = 10 × lower_g`. Only at the ends
    /// of `f64`'s range (masses below `1e-323` g or from `1e308` g) is the
    /// bound clipped to 0 or `f64::MAX`, so every number stays finite.
    pub bins: Vec<MassBin>,
    /// Masses of exactly 0 g (no bin on a log scale).
    pub zero_mass: u64,
    pub without_mass: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MassBin {
    pub lower_g: f64,
    pub upper_g: f64,
    pub count: u64,
}

/// `top_heaviest`: the `n` heaviest landings, heaviest first (ties by id:
/// numeric ids by value, `2` before `10`, then any other ids as text).
/// Every numeric mass competes, 0 included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopHeaviest {
    pub n: u32,
    pub landings: Vec<HeavyLanding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeavyLanding {
    /// The record's id, from its key `meteorite:<id>`.
    pub id: String,
    pub name: Option<String>,
    pub recclass: Option<String>,
    pub mass_g: f64,
    /// The year as read from `year` (`None` when missing or unreadable).
    pub year: Option<i32>,
    pub fall: Option<String>,
}

/// `density_grid`: landings per `cell_degrees` × `cell_degrees` cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DensityGrid {
    pub cell_degrees: f64,
    /// Non-empty cells only, by latitude then longitude. A cell holds
    /// `lat ≤ reclat < lat + cell_degrees` (and likewise for longitude);
    /// latitude 90 and longitude 180 fall in the last cell. `(0, 0)`
    /// placeholders are counted like any place.
    pub cells: Vec<GridCell>,
    /// The largest cell count (for a colour scale; 0 when no cells).
    pub max_count: u64,
    /// As in [`Hemispheres::without_coordinates`].
    pub without_coordinates: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    /// South edge, degrees.
    pub lat: f64,
    /// West edge, degrees.
    pub long: f64,
    pub count: u64,
}

/// `data_quality`: records with missing or suspicious values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataQuality {
    /// Problem code → how many records have it (every code is present,
    /// 0 included). A record can have several problems.
    pub counts: BTreeMap<String, u64>,
    /// Up to [`QUALITY_EXAMPLES`] records per problem: those with the
    /// smallest ids (ordered as in [`TopHeaviest`]), grouped by problem in
    /// [`QUALITY_PROBLEMS`]' order.
    pub examples: Vec<QualityIssue>,
}

/// The problems `data_quality` looks for (code, description), each judged
/// with the same readers as the other analyses.
pub const QUALITY_PROBLEMS: [(&str, &str); 8] = [
    ("missing_mass", "no `mass (g)` field"),
    ("bad_mass", "`mass (g)` is not a number ≥ 0"),
    ("zero_mass", "`mass (g)` is 0"),
    ("missing_coordinates", "no `reclat` or no `reclong`"),
    ("bad_coordinates", "`reclat`/`reclong` unreadable or off Earth's map (|lat| > 90 or |long| > 180)"),
    ("zero_coordinates", "coordinates are exactly (0, 0), a placeholder"),
    ("missing_year", "no readable `year`"),
    ("future_year", "`year` is after the current year (UTC, when the job runs)"),
];

/// Examples kept per problem.
pub const QUALITY_EXAMPLES: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityIssue {
    pub id: String,
    pub name: Option<String>,
    /// A code of [`QUALITY_PROBLEMS`].
    pub problem: String,
    /// The offending value, when there is one (`"<reclat>, <reclong>"`
    /// for the coordinate problems).
    pub value: Option<String>,
}
