//! One level of the keys tree: its folders (with how many keys each holds,
//! opened lazily: a folder's level is read when it is opened) and its keys
//! (type and TTL). A level shown while its pages are still being read says
//! so (`12+`), with a button to read more. An open folder offers what its
//! keys cost in memory ([`CostView`], measured on request).

use std::collections::BTreeSet;

use yew::prelude::*;

use super::cost_view::CostView;
use super::hooks::use_tree_level;
use crate::api::{Blob, CostTarget, TreeQuery};

#[derive(Properties, PartialEq)]
pub struct TreeLevelProps {
    /// The filters, and this level's prefix.
    pub query: TreeQuery,
    pub tick: u32,
    pub selected: Option<Blob>,
    pub on_select: Callback<Blob>,
    /// Runs a line in the page's console.
    pub on_run: Callback<String>,
}

/// A TTL as people read it.
pub fn ttl_text(ttl_ms: Option<i64>) -> String {
    match ttl_ms {
        None => "no TTL".to_owned(),
        Some(ms) if ms < 1_000 => format!("{ms} ms"),
        Some(ms) if ms < 120_000 => format!("{} s", ms / 1_000),
        Some(ms) if ms < 7_200_000 => format!("{} min", ms / 60_000),
        Some(ms) if ms < 172_800_000 => format!("{} h", ms / 3_600_000),
        Some(ms) => format!("{} d", ms / 86_400_000),
    }
}

#[function_component(TreeLevel)]
pub fn tree_level(props: &TreeLevelProps) -> Html {
    let state = use_tree_level(&props.query, props.tick);
    let open = use_state(BTreeSet::<Blob>::new);
    let Some(level) = state.level.clone() else {
        return match state.error {
            Some(message) => html! { <p class="data-error" role="alert">{ message }</p> },
            None => html! { <p class="muted keys-loading">{ "Reading…" }</p> },
        };
    };
    let prefix_len = props.query.prefix.as_ref().map(|p| p.display().chars().count()).unwrap_or(0);
    let plus = if level.done { "" } else { "+" };
    html! {
        <ul class="keys-level">
            { for level.folders.iter().map(|folder| {
                let is_open = open.contains(&folder.prefix);
                let toggle = {
                    let (open, prefix) = (open.clone(), folder.prefix.clone());
                    Callback::from(move |_: MouseEvent| {
                        let mut next = (*open).clone();
                        if !next.remove(&prefix) {
                            next.insert(prefix.clone());
                        }
                        open.set(next);
                    })
                };
                let mut inner = props.query.clone();
                inner.prefix = Some(folder.prefix.clone());
                html! {
                    <li class="keys-folder" data-prefix={folder.prefix.display()}>
                        <button type="button" class="keys-folder__toggle" aria-expanded={is_open.to_string()} onclick={toggle}>
                            <span class="keys-folder__icon">{ if is_open { "▾" } else { "▸" } }</span>
                            <span class="keys-folder__name">{ folder.name.display() }</span>
                            <span class="keys-count">{ format!("{}{plus}", folder.keys) }</span>
                        </button>
                        if is_open {
                            <CostView target={CostTarget::Prefix(folder.prefix.clone())} on_run={props.on_run.clone()} />
                            <TreeLevel query={inner} tick={props.tick} selected={props.selected.clone()}
                                on_select={props.on_select.clone()} on_run={props.on_run.clone()} />
                        }
                    </li>
                }
            }) }
            { for level.keys.iter().map(|entry| {
                let full = entry.key.display();
                let short: String = full.chars().skip(prefix_len).collect();
                let onclick = {
                    let (on_select, key) = (props.on_select.clone(), entry.key.clone());
                    Callback::from(move |_: MouseEvent| on_select.emit(key.clone()))
                };
                let selected = props.selected.as_ref() == Some(&entry.key);
                html! {
                    <li class={classes!("keys-key", selected.then_some("keys-key--selected"))} data-key={full.clone()}>
                        <button type="button" {onclick} title={full} aria-pressed={selected.to_string()}>
                            <span class={classes!("keys-type", format!("keys-type--{}", entry.kind))}>{ entry.kind.clone() }</span>
                            <span class="keys-key__name">{ short }</span>
                            if entry.ttl_ms.is_some() {
                                <span class="keys-ttl muted">{ ttl_text(entry.ttl_ms) }</span>
                            }
                        </button>
                    </li>
                }
            }) }
            if level.folders.is_empty() && level.keys.is_empty() {
                <li class="muted keys-empty">{ if level.done { "No keys here." } else { "None yet in the pages read." } }</li>
            }
            if !level.done {
                <li><button type="button" class="keys-more" onclick={state.more.reform(|_: MouseEvent| ())}>
                    { "Read more pages" }
                </button></li>
            }
        </ul>
    }
}
