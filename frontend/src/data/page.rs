//! The Data page: the load panel, then the filters, the summary and the
//! table of one page of landings beside the record panel and the map.
//! Layout over the query ([`DataQuery`]) and the [`hooks`](super::hooks),
//! which do the fetches.

use std::rc::Rc;

use bolide_shared::pages;
use yew::prelude::*;

use super::filters::DataFilters;
use super::hooks::{
    use_class_counts, use_landings_page, use_selected_landing, use_typed_filter, LandingsPage, Selected,
    SelectedLanding, TypedFilter,
};
use super::landing_map::LandingMap;
use super::load_panel::DataLoadPanel;
use super::query::{page_count, DataQuery, QueryUpdate};
use super::record_panel::RecordPanel;
use super::summary::DataSummary;
use super::table::DataTable;
use crate::api::LandingRecord;
use crate::widgets::charts::scale::thousands;
use crate::widgets::inline_code::inline_code;

#[function_component(DataPage)]
pub fn data_page() -> Html {
    let query = use_reducer(DataQuery::default);
    let reload = use_state(|| 0u32);
    let LandingsPage { page, error: page_error, loading } = use_landings_page(&query, *reload);
    let classes = use_class_counts(*reload);
    let (search_text, on_search) = use_typed_filter(&query, TypedFilter::Name, classes.clone());
    let (class_text, on_class) = use_typed_filter(&query, TypedFilter::Class, classes.clone());
    let SelectedLanding { selected, select: on_select } = use_selected_landing();

    let on_update = {
        let query = query.clone();
        Callback::from(move |update: QueryUpdate| query.dispatch(update))
    };
    let on_sort = {
        let query = query.clone();
        Callback::from(move |key: String| {
            query.dispatch(QueryUpdate::new(move |q| *q = q.sorted_by(&key)));
        })
    };
    let on_close = {
        let selected = selected.clone();
        Callback::from(move |_| selected.set(None))
    };
    // An edit or a delete from the record panel: the page is read again,
    // as the table's rows, the summary and the map may all have changed.
    let on_saved = {
        let (selected, reload) = (selected.clone(), reload.clone());
        Callback::from(move |landing: LandingRecord| {
            selected.set(Some(Selected::Loaded(Rc::new(landing))));
            reload.set(reload.wrapping_add(1));
        })
    };
    let on_deleted = {
        let (selected, reload) = (selected.clone(), reload.clone());
        Callback::from(move |_: String| {
            selected.set(None);
            reload.set(reload.wrapping_add(1));
        })
    };
    let on_loaded = {
        let (reload, query, selected) = (reload.clone(), query.clone(), selected.clone());
        Callback::from(move |_: ()| {
            selected.set(None);
            query.dispatch(QueryUpdate::new(|q| q.page = 1));
            reload.set(reload.wrapping_add(1));
        })
    };
    let go_to = |delta: i64| {
        let query = query.clone();
        Callback::from(move |_: MouseEvent| {
            query.dispatch(QueryUpdate::new(move |q| q.page = q.page.saturating_add_signed(delta).max(1)));
        })
    };

    let total = page.as_ref().map_or(0, |p| p.total);
    let pages = page_count(total, query.size);
    let shown = page.as_ref().map_or(0, |p| p.items.len());
    let selected_id = selected.as_ref().map(|current| current.id().to_owned());
    let page_commands = page.as_ref().map(|p| p.commands.clone()).unwrap_or_default();

    html! {
        <section class="data-page">
            <header class="data-head">
                <h1>{ pages::DATA.title }</h1>
                <p class="lead">{ inline_code(pages::DATA.lead) }</p>
            </header>

            <DataLoadPanel on_loaded={on_loaded} />

            <section class="card data-browse" aria-labelledby="data-browse-title">
                <h2 id="data-browse-title">{ "Browse the landings" }</h2>
                <DataFilters
                    query={(*query).clone()}
                    search_text={AttrValue::from(search_text)}
                    on_search={on_search}
                    class_text={AttrValue::from(class_text)}
                    on_class={on_class}
                    classes={classes}
                    on_update={on_update}
                />
                if page_error.is_none() {
                    <DataSummary
                        total={total}
                        shown={shown}
                        stats={page.as_ref().map(|p| p.stats).unwrap_or_default()}
                        sorted_by={AttrValue::from(format!("{} {}", query.sort, if query.descending { "↓" } else { "↑" }))}
                        loading={loading}
                    />
                }
                if let Some(count) = page.as_ref().and_then(|p| p.reindexed) {
                    <p class="load-report data-reindexed" role="status">
                        { format!(
                            "Another client (a script of yours, the console) had changed the meteorite:* hashes, so Bolide \
                             indexed them again: {} landings.",
                            thousands(count)
                        ) }
                    </p>
                }
                if let Some(message) = page_error.as_ref() {
                    <p class="data-error" role="alert">{ message.clone() }</p>
                }
                <div class="data-layout">
                    <div class="data-main">
                        {
                            match page.as_ref() {
                                Some(p) => html! {
                                    <DataTable
                                        items={p.clone()}
                                        sort={AttrValue::from(query.sort.clone())}
                                        descending={query.descending}
                                        selected={selected_id.clone().map(AttrValue::from)}
                                        on_sort={on_sort}
                                        on_select={on_select.clone()}
                                    />
                                },
                                // The error above says why there is no table.
                                None if page_error.is_some() => html! {},
                                None => html! { <p class="muted">{ "Loading the first page…" }</p> },
                            }
                        }
                        <nav class="data-pager" aria-label="Pages">
                            <button type="button" class="data-prev" disabled={query.page <= 1} onclick={go_to(-1)}>
                                { "← Previous" }
                            </button>
                            <span class="data-page-of">{ format!("page {} of {pages}", query.page) }</span>
                            <button type="button" class="data-next" disabled={query.page >= pages} onclick={go_to(1)}>
                                { "Next →" }
                            </button>
                        </nav>
                        if !page_commands.is_empty() {
                            <details class="data-commands">
                                <summary>{ "The Redis commands behind this page" }</summary>
                                <pre class="command-list">{ page_commands.join("\n") }</pre>
                            </details>
                        }
                    </div>
                    <div class="data-aside">
                        if let Some(current) = selected.as_ref() {
                            <RecordPanel
                                selected={current.clone()}
                                page_commands={page_commands.clone()}
                                on_close={on_close}
                                on_saved={on_saved}
                                on_deleted={on_deleted}
                            />
                        }
                        if let Some(p) = page.as_ref() {
                            <LandingMap items={p.clone()} selected={selected_id.map(AttrValue::from)} on_select={on_select} />
                        }
                    </div>
                </div>
            </section>
        </section>
    }
}
