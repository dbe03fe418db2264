//! `/data`: the Meteorite Landings browser.
//!
//! A load panel ([`DataLoadPanel`]: upload, load from a URL or a preset,
//! generate, verify, reindex, delete), then the summary of what matches the
//! filters ([`DataSummary`]: count, mass and year ranges) and the table of
//! one page of landings ([`DataFilters`], [`DataTable`]), beside the record
//! panel ([`RecordPanel`], the hash of the clicked row, to edit or delete)
//! and a map of the page ([`LandingMap`]). The page owns the query (a
//! reducer, [`query`]) and the two fetches: the page of landings, and the
//! clicked landing. Every answer carries the Redis commands behind it, and
//! the page shows them: the lesson is Redis, not magic.
//!
//! The name search updates as the student types, 300 ms after the last
//! key; every page request gets a number, and an answer that is not the
//! latest request's is dropped, so a slow old answer never replaces a new
//! one.

pub mod filters;
pub mod landing_map;
pub mod load_panel;
pub mod query;
pub mod record_panel;
pub mod summary;
pub mod table;
pub mod verify_report;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::api::failure_message;
use crate::api::{self, LandingRecord, Page};
use crate::data::filters::DataFilters;
use crate::data::landing_map::LandingMap;
use crate::data::load_panel::DataLoadPanel;
use crate::data::record_panel::RecordPanel;
use crate::data::summary::DataSummary;
use crate::data::table::DataTable;
use query::{page_count, DataQuery, QueryUpdate};

/// Milliseconds of quiet typing before the name search is sent.
pub const SEARCH_DEBOUNCE_MS: u32 = 300;

/// The clicked landing, while it loads and once it has.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    Loading(String),
    Loaded(Rc<LandingRecord>),
    Failed(String, String),
}

#[function_component(DataPage)]
pub fn data_page() -> Html {
    let query = use_reducer(DataQuery::default);
    let search_text = use_state(String::new);
    let reload = use_state(|| 0u32);
    let page = use_state(|| None::<Rc<Page>>);
    let page_error = use_state(|| None::<String>);
    let loading = use_state(|| false);
    let selected = use_state(|| None::<Selected>);
    let latest_request = use_mut_ref(|| 0u64);
    let latest_record = use_mut_ref(|| 0u64);

    // The page of landings, whenever the query changes or a load happened.
    {
        let (page, page_error, loading, latest) =
            (page.clone(), page_error.clone(), loading.clone(), latest_request.clone());
        use_effect_with(((*query).clone(), *reload), move |(query, _)| {
            let ticket = next_ticket(&latest);
            let params = query.params();
            loading.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::data_page(&params).await;
                if *latest.borrow() != ticket {
                    return; // a newer request is on its way
                }
                loading.set(false);
                match result {
                    Ok(answer) => {
                        page.set(Some(Rc::new(answer)));
                        page_error.set(None);
                    }
                    Err(err) => page_error.set(Some(failure_message(&err))),
                }
            });
        });
    }

    // The name search, 300 ms after the last key.
    {
        let query = query.clone();
        use_effect_with((*search_text).clone(), move |text| {
            let text = text.clone();
            let timeout = (text != query.q).then(|| {
                Timeout::new(SEARCH_DEBOUNCE_MS, move || {
                    query.dispatch(QueryUpdate::new(move |q| {
                        q.q = text;
                        q.page = 1;
                    }))
                })
            });
            move || drop(timeout)
        });
    }

    let on_update = {
        let query = query.clone();
        Callback::from(move |update: QueryUpdate| query.dispatch(update))
    };
    let on_search = {
        let search_text = search_text.clone();
        Callback::from(move |text: String| search_text.set(text))
    };
    let on_sort = {
        let query = query.clone();
        Callback::from(move |key: String| {
            query.dispatch(QueryUpdate::new(move |q| *q = q.sorted_by(&key)));
        })
    };
    let on_select = {
        let (selected, latest) = (selected.clone(), latest_record.clone());
        Callback::from(move |id: String| select(&selected, &latest, id))
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
    let selected_id = match selected.as_ref() {
        Some(Selected::Loading(id) | Selected::Failed(id, _)) => Some(id.clone()),
        Some(Selected::Loaded(landing)) => Some(landing.id.clone()),
        None => None,
    };
    let page_commands = page.as_ref().map(|p| p.commands.clone()).unwrap_or_default();

    html! {
        <section class="data-page">
            <header class="data-head">
                <h1>{ "Meteorite data" }</h1>
                <p class="lead">
                    { "NASA's Meteorite Landings in your Redis: one hash per landing, " }
                    <code>{ "meteorite:<id>" }</code>
                    { ", with the file's own field names. Load a file (upload it, or give its URL) or generate a set, then browse \
                       it; every view shows the Redis commands behind it, to try in the console." }
                </p>
            </header>

            <DataLoadPanel on_loaded={on_loaded} />

            <section class="card data-browse" aria-labelledby="data-browse-title">
                <h2 id="data-browse-title">{ "Browse the landings" }</h2>
                <DataFilters
                    query={(*query).clone()}
                    search_text={AttrValue::from((*search_text).clone())}
                    on_search={on_search}
                    on_update={on_update}
                />
                <DataSummary
                    total={total}
                    shown={shown}
                    stats={page.as_ref().map(|p| p.stats).unwrap_or_default()}
                    sorted_by={AttrValue::from(format!("{} {}", query.sort, if query.descending { "↓" } else { "↑" }))}
                    loading={*loading}
                />
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
                    <aside class="data-aside">
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
                    </aside>
                </div>
            </section>
        </section>
    }
}

fn next_ticket(latest: &Rc<RefCell<u64>>) -> u64 {
    let mut latest = latest.borrow_mut();
    *latest = latest.wrapping_add(1);
    *latest
}

/// Opens the record panel on `id` and fetches its hash.
fn select(selected: &UseStateHandle<Option<Selected>>, latest: &Rc<RefCell<u64>>, id: String) {
    let ticket = next_ticket(latest);
    selected.set(Some(Selected::Loading(id.clone())));
    let (selected, latest) = (selected.clone(), latest.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let result = api::landing(&id).await;
        if *latest.borrow() != ticket {
            return;
        }
        selected.set(Some(match result {
            Ok(landing) => Selected::Loaded(Rc::new(landing)),
            Err(err) => Selected::Failed(id, failure_message(&err)),
        }));
    });
}
