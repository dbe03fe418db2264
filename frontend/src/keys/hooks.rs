//! The Keys page's I/O, as hooks: when to look again ([`use_refresh`]),
//! one level of the tree ([`use_tree_level`]), the selected key
//! ([`use_key_value`]), the edits ([`use_key_edit`]) and what keys cost
//! ([`use_key_cost`]). The components
//! take what these return as props and callbacks.
//!
//! The page follows what the console and the student's scripts do without
//! a reload: every open level and the open key are read again when the
//! window regains focus and every [`REFRESH_MS`]; an answer that is not
//! the latest request's is dropped, so a slow old answer never replaces a
//! new one.

use std::collections::BTreeMap;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api::{
    self, failure_message, Blob, CostTarget, EditResult, KeyCost, KeyEdit, KeyValue, RanCommand, TreeQuery,
};
use bolide_shared::keys::{Folder, KeyEntry};

/// How often open levels and the open key are read again.
pub const REFRESH_MS: u32 = 4_000;
/// Pages a level reads before it asks for a click (a page is one stretch
/// of `SCAN`; a big folder's counts grow as more pages are read).
pub const PAGES_PER_STEP: usize = 8;
/// Elements of a value per page.
pub const VALUE_PAGE: u64 = 100;

/// A number that grows when the page should read again: on focus, every
/// [`REFRESH_MS`], and when `bump` is called (after an edit or a console
/// line).
#[hook]
pub fn use_refresh() -> (u32, Callback<()>) {
    let tick = use_state(|| 0u32);
    let counter = use_mut_ref(|| 0u32);
    let bump = {
        let (tick, counter) = (tick.clone(), counter.clone());
        Callback::from(move |()| {
            let next = counter.borrow().wrapping_add(1);
            *counter.borrow_mut() = next;
            tick.set(next);
        })
    };
    {
        let bump = bump.clone();
        use_effect_with((), move |_| {
            let on_focus = {
                let bump = bump.clone();
                Closure::<dyn FnMut()>::new(move || bump.emit(()))
            };
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback("focus", on_focus.as_ref().unchecked_ref());
            }
            let interval = Interval::new(REFRESH_MS, move || {
                let visible = web_sys::window()
                    .and_then(|w| w.document())
                    .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
                if visible {
                    bump.emit(());
                }
            });
            move || {
                if let Some(window) = &window {
                    let _ = window
                        .remove_event_listener_with_callback("focus", on_focus.as_ref().unchecked_ref());
                }
                drop(on_focus);
                drop(interval);
            }
        });
    }
    (*tick, bump)
}

/// One level of the tree, its pages added up.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Level {
    pub folders: Vec<Folder>,
    pub keys: Vec<KeyEntry>,
    /// Every page was read (the counts are whole).
    pub done: bool,
    /// The commands of the first page.
    pub commands: Vec<RanCommand>,
}

/// What a tree level shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelState {
    pub level: Option<Rc<Level>>,
    pub error: Option<String>,
    /// Read more pages (a big folder).
    pub more: Callback<()>,
}

/// `GET /api/keys` for `prefix`, page after page (up to
/// [`PAGES_PER_STEP`] more per click of `more`), again on every `tick`.
#[hook]
pub fn use_tree_level(query: &TreeQuery, tick: u32) -> LevelState {
    let level = use_state(|| None::<Rc<Level>>);
    let error = use_state(|| None::<String>);
    let pages = use_state(|| PAGES_PER_STEP);
    let latest = use_mut_ref(|| 0u64);
    {
        let (level, error, latest) = (level.clone(), error.clone(), latest.clone());
        use_effect_with((query.clone(), tick, *pages), move |(query, _, pages)| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            let (query, pages) = (query.clone(), *pages);
            wasm_bindgen_futures::spawn_local(async move {
                let result = read_level(&query, pages).await;
                if *latest.borrow() != ticket {
                    return;
                }
                match result {
                    Ok(read) => {
                        if level.as_deref() != Some(&read) {
                            level.set(Some(Rc::new(read)));
                        }
                        error.set(None);
                    }
                    Err(message) => error.set(Some(message)),
                }
            });
        });
    }
    let more = {
        let pages = pages.clone();
        Callback::from(move |()| pages.set(*pages + PAGES_PER_STEP))
    };
    LevelState { level: (*level).clone(), error: (*error).clone(), more }
}

async fn read_level(query: &TreeQuery, pages: usize) -> Result<Level, String> {
    let mut folders: BTreeMap<Blob, Folder> = BTreeMap::new();
    let mut keys: BTreeMap<Blob, KeyEntry> = BTreeMap::new();
    let mut cursor = "0".to_owned();
    let mut commands = Vec::new();
    for page_number in 0..pages {
        let page = api::keys_page(query, &cursor).await.map_err(|err| failure_message(&err))?;
        if page_number == 0 {
            commands = page.commands.iter().filter(|c| c.cli.starts_with("SCAN")).cloned().collect();
        }
        for folder in page.folders {
            folders
                .entry(folder.prefix.clone())
                .and_modify(|known| known.keys += folder.keys)
                .or_insert(folder);
        }
        for key in page.keys {
            keys.insert(key.key.clone(), key);
        }
        cursor = page.cursor;
        if cursor == "0" {
            break;
        }
    }
    Ok(Level {
        folders: folders.into_values().collect(),
        keys: keys.into_values().collect(),
        done: cursor == "0",
        commands,
    })
}

/// The selected key as it was last read.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    Loading,
    Loaded(Rc<KeyValue>),
    /// Gone (deleted, expired) or unreadable: why.
    Failed(String),
}

/// `GET /api/keys/value` for `key` from `offset` (a sorted set by score
/// when `by_score` says so), again on every `tick`.
#[hook]
pub fn use_key_value(
    key: Option<Blob>,
    offset: u64,
    by_score: Option<(String, String)>,
    tick: u32,
) -> Option<Selected> {
    let selected = use_state(|| None::<Selected>);
    let latest = use_mut_ref(|| 0u64);
    {
        let (selected, latest) = (selected.clone(), latest.clone());
        use_effect_with((key, offset, by_score, tick), move |(key, offset, by_score, _)| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            match key.clone() {
                None => selected.set(None),
                Some(key) => {
                    let same_key = matches!(&*selected, Some(Selected::Loaded(v)) if v.key == key);
                    if !same_key {
                        selected.set(Some(Selected::Loading));
                    }
                    let (offset, by_score) = (*offset, by_score.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = api::key_value(&key, offset, VALUE_PAGE, by_score.as_ref()).await;
                        if *latest.borrow() != ticket {
                            return;
                        }
                        let next = match result {
                            Ok(value) => Selected::Loaded(Rc::new(value)),
                            Err(err) => Selected::Failed(failure_message(&err)),
                        };
                        if selected.as_ref() != Some(&next) {
                            selected.set(Some(next));
                        }
                    });
                }
            }
        });
    }
    (*selected).clone()
}

/// The last edit's outcome: the commands it ran, or why it was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ran(Vec<RanCommand>),
    Refused(String),
}

/// The edits: `run` sends one; `last` is how the last one went; `on_done`
/// hears of each that ran (to read again, or follow a rename).
#[hook]
pub fn use_key_edit(on_done: Callback<KeyEdit>) -> (Callback<KeyEdit>, Option<Outcome>) {
    let last = use_state(|| None::<Outcome>);
    let run = {
        let last = last.clone();
        Callback::from(move |edit: KeyEdit| {
            let (last, on_done) = (last.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::edit_key(&edit).await {
                    Ok(EditResult { commands }) => {
                        last.set(Some(Outcome::Ran(commands)));
                        on_done.emit(edit);
                    }
                    Err(err) => last.set(Some(Outcome::Refused(failure_message(&err)))),
                }
            });
        })
    };
    (run, (*last).clone())
}

/// What a cost measurement came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Cost {
    Measuring,
    Measured(Rc<KeyCost>),
    Failed(String),
}

/// `GET /api/keys/cost` for `target`: at once when `auto` (a hash: a few
/// commands), else when `measure` is called (a folder may be big). A new
/// target forgets the last figures; a late answer for an old one is dropped.
#[hook]
pub fn use_key_cost(target: CostTarget, auto: bool) -> (Option<Cost>, Callback<()>) {
    let cost = use_state(|| None::<Cost>);
    let latest = use_mut_ref(|| 0u64);
    let measure = {
        let (cost, latest, target) = (cost.clone(), latest.clone(), target.clone());
        Callback::from(move |()| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            cost.set(Some(Cost::Measuring));
            let (cost, latest, target) = (cost.clone(), latest.clone(), target.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::key_cost(&target).await;
                if *latest.borrow() != ticket {
                    return;
                }
                cost.set(Some(match result {
                    Ok(found) => Cost::Measured(Rc::new(found)),
                    Err(err) => Cost::Failed(failure_message(&err)),
                }));
            });
        })
    };
    {
        let (cost, latest, measure) = (cost.clone(), latest.clone(), measure.clone());
        use_effect_with(target, move |_| {
            *latest.borrow_mut() += 1;
            cost.set(None);
            if auto {
                measure.emit(());
            }
        });
    }
    ((*cost).clone(), measure)
}
