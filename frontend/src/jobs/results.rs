//! A succeeded job's result, drawn as the analysis calls for: bars for
//! counts by category, histograms for years and masses, a heat map for
//! the density grid, a number for the average, tables for the heaviest
//! landings and the data-quality problems — each with its numbers, and
//! buttons to download the result as JSON or CSV.

use std::rc::Rc;

use bolide_shared::jobs::{AnalysisResult, AverageMass, JobResults, QUALITY_PROBLEMS};
use yew::prelude::*;

use crate::jobs::download::JobExport;
use crate::jobs::heaviest::JobHeaviest;
use crate::jobs::per_year::JobPerYear;
use crate::jobs::quality::JobQuality;
use crate::jobs::series::{
    busiest_cells, class_bars, classes_by_count, fell_found_bars, hemisphere_bars, mass_columns, mass_ticks,
    TOP_CLASSES,
};
use crate::jobs::timing::clock;
use crate::widgets::charts::bars::ChartBars;
use crate::widgets::charts::histogram::ChartHistogram;
use crate::widgets::charts::number::ChartNumber;
use crate::widgets::charts::numbers::ChartNumbers;
use crate::widgets::charts::quadrants::ChartQuadrants;
use crate::widgets::charts::scale::{mass, thousands};
use crate::widgets::charts::world::ChartWorld;
use crate::widgets::charts::Bar;

/// Busiest cells listed under the heat map.
const TOP_CELLS: usize = 20;

#[derive(Properties, PartialEq)]
pub struct JobResultsProps {
    pub results: Rc<JobResults>,
}

fn average_mass(result: &AverageMass) -> Html {
    let grams = |value: Option<f64>| value.map_or_else(|| "—".to_owned(), |g| format!("{} ({g} g)", mass(g)));
    let headline = result.average_mass_g.map_or_else(|| "no mass".to_owned(), mass);
    let caption = match result.average_mass_g {
        Some(g) => {
            format!("average mass: {g:.3} g over {} landings with a mass", thousands(result.with_mass))
        }
        None => "No landing that passed the filters has a mass.".to_owned(),
    };
    let facts: Vec<(AttrValue, AttrValue)> = vec![
        ("landings with a mass".into(), thousands(result.with_mass).into()),
        ("without one (left out)".into(), thousands(result.without_mass).into()),
        ("total mass".into(), format!("{} ({} g)", mass(result.total_mass_g), result.total_mass_g).into()),
        ("lightest".into(), grams(result.min_mass_g).into()),
        ("heaviest".into(), grams(result.max_mass_g).into()),
    ];
    html! { <ChartNumber headline={headline} caption={caption} facts={facts} /> }
}

fn chart(result: &AnalysisResult) -> Html {
    match result {
        AnalysisResult::AverageMass(result) => average_mass(result),
        AnalysisResult::Hemispheres(result) => html! {
            <>
                <ChartQuadrants result={result.clone()} />
                <ChartNumbers rows={Rc::new(hemisphere_bars(result))} heading="hemisphere" />
                if result.at_zero_zero > 0 {
                    <p class="muted jobs-zero-zero">{ format!(
                        "South-West includes {} at exactly (0, 0): NASA's placeholder for an unknown place, \
                         not landings in the Gulf of Guinea (the exercise's rule counts them there; \
                         the Data quality analysis lists them).",
                        match result.at_zero_zero {
                            1 => "1 landing".to_owned(),
                            n => format!("{} landings", thousands(n)),
                        }
                    ) }</p>
                }
            </>
        },
        AnalysisResult::CountPerClass(result) => {
            let mut all = classes_by_count(&result.counts);
            if result.without_class > 0 {
                all.push(Bar::muted("no recclass field", result.without_class));
            }
            let shown = class_bars(&result.counts, TOP_CLASSES);
            let label =
                format!("Landings per class: the {TOP_CLASSES} biggest classes, then the others together");
            html! {
                <>
                    <ChartBars id="chart-count-per-class" bars={Rc::new(shown)} label={label} unit="landings" />
                    <ChartNumbers rows={Rc::new(all)} heading="class" />
                </>
            }
        }
        AnalysisResult::PerYear(result) => html! { <JobPerYear result={result.clone()} /> },
        AnalysisResult::FellFound(result) => {
            let bars = Rc::new(fell_found_bars(result));
            html! {
                <>
                    <ChartBars id="chart-fell-found" bars={bars.clone()} label="Landings seen falling, and found" unit="landings" />
                    <ChartNumbers rows={bars} heading="fall" />
                </>
            }
        }
        AnalysisResult::MassDistribution(result) => {
            let columns = mass_columns(result);
            let ticks = Rc::new(mass_ticks(&columns));
            let mut rows: Vec<Bar> = columns.iter().map(|c| Bar::new(c.label.clone(), c.value)).collect();
            rows.push(Bar::muted("exactly 0 g (no place on a log scale)", result.zero_mass));
            rows.push(Bar::muted("no mass", result.without_mass));
            html! {
                <>
                    <ChartHistogram id="chart-mass-distribution" columns={Rc::new(columns)} x_ticks={ticks}
                        x_title="mass (log scale: each bin is ten times the one before)" y_title="landings"
                        label="Landings per mass bin, on a log scale" />
                    <ChartNumbers rows={Rc::new(rows)} heading="mass" />
                </>
            }
        }
        AnalysisResult::TopHeaviest(result) => html! { <JobHeaviest result={result.clone()} /> },
        AnalysisResult::DensityGrid(result) => {
            let total: u64 = result.cells.iter().map(|cell| cell.count).sum();
            html! {
                <>
                    <ChartWorld grid={Rc::new(result.clone())} />
                    if result.without_coordinates > 0 {
                        <p class="muted">{ format!("{} landings have no coordinates and are not drawn.",
                            thousands(result.without_coordinates)) }</p>
                    }
                    <ChartNumbers rows={Rc::new(busiest_cells(result, TOP_CELLS))}
                        heading={format!("the {TOP_CELLS} busiest cells")} total={total} />
                </>
            }
        }
        AnalysisResult::DataQuality(result) => {
            let bars: Vec<Bar> = QUALITY_PROBLEMS
                .iter()
                .map(|(code, _)| Bar::new(*code, result.counts.get(*code).copied().unwrap_or(0)))
                .collect();
            html! {
                <>
                    <ChartBars id="chart-data-quality-bars" bars={Rc::new(bars)}
                        label="Records per problem" unit="records (one record can have several problems)" />
                    <JobQuality result={result.clone()} />
                </>
            }
        }
    }
}

#[function_component(JobResultsView)]
pub fn job_results_view(props: &JobResultsProps) -> Html {
    let results = &props.results;
    html! {
        <div class="job-results" data-analysis={crate::jobs::export::analysis_of(&results.result).name()}>
            <div class="job-results__head">
                <p class="muted">
                    { format!("Over {} landing{} that passed the filters · computed {}",
                        thousands(results.records), if results.records == 1 { "" } else { "s" }, clock(results.computed_at)) }
                </p>
                <JobExport results={results.clone()} />
            </div>
            { chart(&results.result) }
        </div>
    }
}
