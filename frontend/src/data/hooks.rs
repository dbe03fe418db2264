//! The Data page's I/O, as hooks: the page of landings for a query
//! ([`use_landings_page`]), the filters that follow what is typed (name
//! and class, debounced: [`use_typed_filter`]), the classes to offer
//! ([`use_class_counts`]), the clicked landing ([`use_selected_landing`]),
//! the load panel's actions on the whole set ([`use_dataset_actions`]) and
//! the record panel's edit and delete ([`use_record_actions`]). The
//! components take what these return as props and callbacks.
//!
//! Every fetch whose answer can be overtaken (a page, a landing) takes a
//! ticket; an answer that is not the latest request's is dropped, so a
//! slow old answer never replaces a new one.
//!
//! A query the form can tell is wrong (a year that is not a number, a
//! range from 2000 to 1900) is not sent: the page shows why, and no table
//! — old rows beside an error would look like the answer to it. A request
//! the server refuses clears the table the same way.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use super::query::{resolve_class, DataQuery, QueryUpdate};
use crate::api::{
    self, failure_message, ApiError, ClassCount, FetchSource, LandingRecord, LoadReport, Page, Verification,
};

/// Milliseconds of quiet typing before the name search (or the class) is
/// sent.
pub const SEARCH_DEBOUNCE_MS: u32 = 300;

/// The clicked landing, while it loads and once it has.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    Loading(String),
    Loaded(Rc<LandingRecord>),
    Failed(String, String),
}

impl Selected {
    /// The landing's id, whatever its state.
    pub fn id(&self) -> &str {
        match self {
            Selected::Loading(id) | Selected::Failed(id, _) => id,
            Selected::Loaded(landing) => &landing.id,
        }
    }
}

/// One page of landings and how its request went.
#[derive(Debug, Clone, PartialEq)]
pub struct LandingsPage {
    /// The last page that came; kept while the next one loads, gone when
    /// the query is wrong or was refused.
    pub page: Option<Rc<Page>>,
    /// Why the query is wrong, or why the last request failed.
    pub error: Option<String>,
    pub loading: bool,
}

/// `GET /api/data` for `query`, again whenever it or `reload` changes.
#[hook]
pub fn use_landings_page(query: &DataQuery, reload: u32) -> LandingsPage {
    let page = use_state(|| None::<Rc<Page>>);
    let page_error = use_state(|| None::<String>);
    let loading = use_state(|| false);
    let latest_request = use_mut_ref(|| 0u64);
    {
        let (page, page_error, loading, latest) =
            (page.clone(), page_error.clone(), loading.clone(), latest_request.clone());
        use_effect_with((query.clone(), reload), move |(query, _)| {
            let ticket = next_ticket(&latest);
            if let Some(problem) = query.form_error() {
                // The ticket drops any answer still on its way.
                page.set(None);
                page_error.set(Some(problem));
                loading.set(false);
                return;
            }
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
                    Err(err) => {
                        page.set(None);
                        page_error.set(Some(failure_message(&err)));
                    }
                }
            });
        });
    }
    LandingsPage { page: (*page).clone(), error: (*page_error).clone(), loading: *loading }
}

/// The filters that follow what is typed rather than waiting for Enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedFilter {
    /// The name search (`q`).
    Name,
    /// The class, matched whatever the case ([`resolve_class`]).
    Class,
}

impl TypedFilter {
    /// What the query asks for now.
    fn current(self, query: &DataQuery) -> &str {
        match self {
            TypedFilter::Name => &query.q,
            TypedFilter::Class => &query.class,
        }
    }

    /// What the query should ask for when `text` is typed.
    fn wanted(self, text: &str, classes: &[ClassCount]) -> String {
        match self {
            TypedFilter::Name => text.to_owned(),
            TypedFilter::Class => resolve_class(text, classes),
        }
    }

    fn set(self, query: &mut DataQuery, value: String) {
        match self {
            TypedFilter::Name => query.q = value,
            TypedFilter::Class => query.class = value,
        }
    }
}

/// A filter box's text as typed, and its setter; the query follows it
/// [`SEARCH_DEBOUNCE_MS`] after the last key (back on page 1). `classes`
/// resolves a typed class; when they arrive after the typing, the class
/// is resolved again.
#[hook]
pub fn use_typed_filter(
    query: &UseReducerHandle<DataQuery>,
    filter: TypedFilter,
    classes: Rc<Vec<ClassCount>>,
) -> (String, Callback<String>) {
    let text = use_state(String::new);
    {
        let query = query.clone();
        use_effect_with(((*text).clone(), classes), move |(text, classes)| {
            let wanted = filter.wanted(text, classes);
            let timeout = (wanted != filter.current(&query)).then(|| {
                Timeout::new(SEARCH_DEBOUNCE_MS, move || {
                    query.dispatch(QueryUpdate::new(move |q| {
                        filter.set(q, wanted);
                        q.page = 1;
                    }))
                })
            });
            move || drop(timeout)
        });
    }
    let on_text = {
        let text = text.clone();
        Callback::from(move |typed: String| text.set(typed))
    };
    ((*text).clone(), on_text)
}

/// The loaded set's classes with their counts (`GET /api/data/classes`),
/// again whenever `reload` changes (a load, an edit). Empty until they
/// come; a failure keeps the last list (the filter still works as typed).
#[hook]
pub fn use_class_counts(reload: u32) -> Rc<Vec<ClassCount>> {
    let classes = use_state(|| Rc::new(Vec::<ClassCount>::new()));
    {
        let classes = classes.clone();
        use_effect_with(reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(answer) = api::data_classes().await {
                    classes.set(Rc::new(answer.classes));
                }
            });
        });
    }
    (*classes).clone()
}

/// The clicked landing: `selected` to show (and to set after an edit or
/// to clear), `select` to open one and fetch its hash.
pub struct SelectedLanding {
    pub selected: UseStateHandle<Option<Selected>>,
    pub select: Callback<String>,
}

#[hook]
pub fn use_selected_landing() -> SelectedLanding {
    let selected = use_state(|| None::<Selected>);
    let latest_record = use_mut_ref(|| 0u64);
    let select = {
        let (selected, latest) = (selected.clone(), latest_record.clone());
        Callback::from(move |id: String| {
            let ticket = next_ticket(&latest);
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
        })
    };
    SelectedLanding { selected, select }
}

/// What a load panel action is doing now.
#[derive(Debug, Clone, PartialEq)]
pub enum Busy {
    /// Bytes sent of the total (0 of 0 until the browser knows).
    Uploading {
        name: String,
        sent: f64,
        total: f64,
    },
    /// The server is downloading (and then loading) this.
    Fetching(String),
    Generating,
    Deleting,
    Verifying,
    Reindexing,
}

/// What the server is asked to download.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchTarget {
    Url(String),
    Preset { name: &'static str, label: &'static str },
}

impl FetchTarget {
    /// What the progress line names.
    fn label(&self) -> String {
        match self {
            FetchTarget::Url(url) => url.clone(),
            FetchTarget::Preset { label, .. } => (*label).to_owned(),
        }
    }
}

/// What the last action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Loaded(LoadReport),
    Deleted(LoadReport),
    /// Landings indexed by a reindex.
    Reindexed(u64),
    Rejected(String),
    Failed(String),
}

/// The load panel's state and its actions on the whole set.
pub struct DatasetActions {
    pub busy: Option<Busy>,
    pub outcome: Option<Outcome>,
    pub verification: Option<Verification>,
    /// Upload a file (JSON or CSV), with progress.
    pub upload: Callback<web_sys::File>,
    /// Have the server download a URL or a preset.
    pub fetch: Callback<FetchTarget>,
    /// Generate `(n, seed)` synthetic landings.
    pub generate: Callback<(u64, u64)>,
    pub delete: Callback<()>,
    pub verify: Callback<()>,
    pub reindex: Callback<()>,
    /// Show a message about input the panel could not send.
    pub refuse: Callback<String>,
}

/// Upload, fetch, generate, delete, verify and reindex the set;
/// `on_loaded` after the set changed.
#[hook]
pub fn use_dataset_actions(on_loaded: Callback<()>) -> DatasetActions {
    let busy = use_state(|| None::<Busy>);
    let outcome = use_state(|| None::<Outcome>);
    let verification = use_state(|| None::<Verification>);

    // Ends an action that changes the set.
    let finish = {
        let (busy, outcome, verification, on_loaded) =
            (busy.clone(), outcome.clone(), verification.clone(), on_loaded.clone());
        move |result: Result<LoadReport, ApiError>, deleted: bool| {
            busy.set(None);
            match result {
                Ok(report) => {
                    verification.set(None);
                    outcome.set(Some(if deleted {
                        Outcome::Deleted(report)
                    } else {
                        Outcome::Loaded(report)
                    }));
                    on_loaded.emit(());
                }
                Err(ApiError::Server { status: 400, message, .. }) => {
                    outcome.set(Some(Outcome::Rejected(message)))
                }
                // The file could not be downloaded (offline, or the server's
                // error status): nothing was loaded either.
                Err(ApiError::Server { status: 502, message, .. }) => {
                    outcome.set(Some(Outcome::Failed(format!("{message} (Nothing was changed.)"))))
                }
                Err(err) => outcome.set(Some(Outcome::Failed(failure_message(&err)))),
            }
        }
    };

    let upload = {
        let (busy, finish) = (busy.clone(), finish.clone());
        Callback::from(move |file: web_sys::File| {
            let name = file.name();
            busy.set(Some(Busy::Uploading { name: name.clone(), sent: 0.0, total: file.size() }));
            let progress = {
                let (busy, name) = (busy.clone(), name.clone());
                Callback::from(move |(sent, total): (f64, f64)| {
                    busy.set(Some(Busy::Uploading { name: name.clone(), sent, total }));
                })
            };
            let finish = finish.clone();
            wasm_bindgen_futures::spawn_local(async move {
                finish(api::upload_data(&file, progress).await, false);
            });
        })
    };
    let fetch = {
        let (busy, finish) = (busy.clone(), finish.clone());
        Callback::from(move |target: FetchTarget| {
            busy.set(Some(Busy::Fetching(target.label())));
            let finish = finish.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let source = match &target {
                    FetchTarget::Url(url) => FetchSource::Url(url),
                    FetchTarget::Preset { name, .. } => FetchSource::Preset(name),
                };
                finish(api::fetch_data(source).await, false);
            });
        })
    };
    let generate = {
        let (busy, finish) = (busy.clone(), finish.clone());
        Callback::from(move |(n, seed): (u64, u64)| {
            busy.set(Some(Busy::Generating));
            let finish = finish.clone();
            wasm_bindgen_futures::spawn_local(
                async move { finish(api::generate_data(n, seed).await, false) },
            );
        })
    };
    let delete = {
        let (busy, finish) = (busy.clone(), finish.clone());
        Callback::from(move |()| {
            busy.set(Some(Busy::Deleting));
            let finish = finish.clone();
            wasm_bindgen_futures::spawn_local(async move { finish(api::delete_data().await, true) });
        })
    };
    let reindex = {
        let (busy, outcome, verification) = (busy.clone(), outcome.clone(), verification.clone());
        Callback::from(move |()| {
            busy.set(Some(Busy::Reindexing));
            let (busy, outcome, verification, on_loaded) =
                (busy.clone(), outcome.clone(), verification.clone(), on_loaded.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::reindex_data().await;
                busy.set(None);
                match result {
                    Ok(indexed) => {
                        verification.set(None);
                        outcome.set(Some(Outcome::Reindexed(indexed)));
                        on_loaded.emit(());
                    }
                    Err(err) => outcome.set(Some(Outcome::Failed(failure_message(&err)))),
                }
            });
        })
    };
    let verify = {
        let (busy, outcome, verification) = (busy.clone(), outcome.clone(), verification.clone());
        Callback::from(move |()| {
            busy.set(Some(Busy::Verifying));
            let (busy, outcome, verification) = (busy.clone(), outcome.clone(), verification.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::verify_data().await;
                busy.set(None);
                match result {
                    Ok(report) => verification.set(Some(report)),
                    Err(err) => outcome.set(Some(Outcome::Failed(failure_message(&err)))),
                }
            });
        })
    };
    let refuse = {
        let outcome = outcome.clone();
        Callback::from(move |message: String| outcome.set(Some(Outcome::Failed(message))))
    };
    DatasetActions {
        busy: (*busy).clone(),
        outcome: (*outcome).clone(),
        verification: (*verification).clone(),
        upload,
        fetch,
        generate,
        delete,
        verify,
        reindex,
        refuse,
    }
}

/// What the record panel is doing with the record.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Viewing,
    /// The fields with the values as edited so far.
    Editing(Vec<(String, String)>),
    ConfirmingDelete,
    Saving,
    Deleting,
}

/// A save: the landing's id, the changed fields (what is sent), and the
/// whole draft (back into the form if the save fails).
pub struct Save {
    pub id: String,
    pub changed: Vec<(String, String)>,
    pub draft: Vec<(String, String)>,
}

/// The record panel's mode, what its last action said, and the two
/// actions that call the API.
pub struct RecordActions {
    pub mode: UseStateHandle<Mode>,
    /// What the last save or failed action said (commands run, or why not).
    pub last_run: UseStateHandle<Option<Result<Vec<String>, String>>>,
    /// `PATCH /api/data/{id}` with the changed fields.
    pub save: Callback<Save>,
    /// `DELETE /api/data/{id}`.
    pub delete: Callback<String>,
}

/// Edit and delete for the landing `id`; back to viewing whenever `id`
/// changes. `on_saved` gets the landing as saved, `on_deleted` its id.
#[hook]
pub fn use_record_actions(
    id: &str,
    on_saved: Callback<LandingRecord>,
    on_deleted: Callback<String>,
) -> RecordActions {
    let mode = use_state(|| Mode::Viewing);
    let last_run = use_state(|| None::<Result<Vec<String>, String>>);
    // Another landing: start again from viewing it.
    {
        let (mode, last_run) = (mode.clone(), last_run.clone());
        use_effect_with(id.to_owned(), move |_| {
            mode.set(Mode::Viewing);
            last_run.set(None);
        });
    }
    let save = {
        let (mode, last_run) = (mode.clone(), last_run.clone());
        Callback::from(move |Save { id, changed, draft }: Save| {
            mode.set(Mode::Saving);
            let (mode, last_run, on_saved) = (mode.clone(), last_run.clone(), on_saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_landing(&id, &changed).await {
                    Ok(landing) => {
                        last_run.set(Some(Ok(landing.commands.clone())));
                        mode.set(Mode::Viewing);
                        on_saved.emit(landing);
                    }
                    Err(err) => {
                        last_run.set(Some(Err(failure_message(&err))));
                        mode.set(Mode::Editing(draft));
                    }
                }
            });
        })
    };
    let delete = {
        let (mode, last_run) = (mode.clone(), last_run.clone());
        Callback::from(move |id: String| {
            mode.set(Mode::Deleting);
            let (mode, last_run, on_deleted) = (mode.clone(), last_run.clone(), on_deleted.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::delete_landing(&id).await {
                    Ok(_) => on_deleted.emit(id),
                    Err(err) => {
                        last_run.set(Some(Err(failure_message(&err))));
                        mode.set(Mode::Viewing);
                    }
                }
            });
        })
    };
    RecordActions { mode, last_run, save, delete }
}

fn next_ticket(latest: &Rc<RefCell<u64>>) -> u64 {
    let mut latest = latest.borrow_mut();
    *latest = latest.wrapping_add(1);
    *latest
}
