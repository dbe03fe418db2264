//! `per_year`'s result: a histogram by year or by decade (a toggle; the
//! result carries both), with the numbers under it.

use std::rc::Rc;

use bolide_shared::jobs::PerYear;
use yew::prelude::*;

use crate::jobs::series::year_columns;
use crate::widgets::charts::histogram::ChartHistogram;
use crate::widgets::charts::numbers::ChartNumbers;
use crate::widgets::charts::scale::thousands;
use crate::widgets::charts::Bar;

#[derive(Properties, PartialEq)]
pub struct JobPerYearProps {
    pub result: PerYear,
}

#[function_component(JobPerYear)]
pub fn job_per_year(props: &JobPerYearProps) -> Html {
    let by_decade = use_state(|| false);
    let (counts, width, unit) =
        if *by_decade { (&props.result.decades, 10, "decade") } else { (&props.result.years, 1, "year") };
    let columns = Rc::new(year_columns(counts, width));
    let mut rows: Vec<Bar> =
        columns.iter().map(|column| Bar::new(column.label.clone(), column.value)).collect();
    if props.result.without_year > 0 {
        rows.push(Bar::muted("no readable year", props.result.without_year));
    }
    let toggle = |decade: bool, label: &'static str| {
        let by_decade = by_decade.clone();
        let pressed = *by_decade == decade;
        html! {
            <button type="button" class={classes!("job-toggle", pressed.then_some("job-toggle--on"))}
                id={format!("per-year-{}", if decade { "decade" } else { "year" })}
                aria-pressed={pressed.to_string()} onclick={Callback::from(move |_: MouseEvent| by_decade.set(decade))}>
                { label }
            </button>
        }
    };
    html! {
        <>
            <div class="job-toggles" role="group" aria-label="Bin size">
                { toggle(false, "per year") }
                { toggle(true, "per decade") }
            </div>
            <ChartHistogram id="chart-per-year" columns={columns} x_title={unit}
                y_title="landings" label={format!("Landings per {unit}")} />
            if props.result.without_year > 0 {
                <p class="muted">{ format!("{} landings have no readable year and are not drawn.",
                    thousands(props.result.without_year)) }</p>
            }
            <ChartNumbers rows={Rc::new(rows)} heading={unit} />
        </>
    }
}
