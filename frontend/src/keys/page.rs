//! The Keys page: the tree of the student's keys beside the selected key,
//! over a console, layout only (the [`hooks`](super::hooks) do the I/O).

use bolide_shared::pages;
use yew::prelude::*;

use super::filters::TreeFilters;
use super::hooks::{use_key_edit, use_key_value, use_refresh};
use super::key_panel::KeyPanel;
use super::tree_level::TreeLevel;
use crate::api::{Blob, KeyEdit, TreeQuery};
use crate::console::{use_console_session, TutorialOptions};
use crate::widgets::inline_code::inline_code;
use crate::widgets::terminal::ConsoleTerminal;

#[function_component(KeysPage)]
pub fn keys_page() -> Html {
    let query = use_state(TreeQuery::default);
    let selected_key = use_state(|| None::<Blob>);
    let offset = use_state(|| 0u64);
    let by_score = use_state(|| None::<(String, String)>);
    let (tick, bump) = use_refresh();
    let console = use_console_session(TutorialOptions::default());
    // Every line the console ran may have changed keys: read again.
    {
        let bump = bump.clone();
        use_effect_with(console.state.answered, move |_| bump.emit(()));
    }
    let on_done = {
        let (selected_key, bump) = (selected_key.clone(), bump.clone());
        Callback::from(move |edit: KeyEdit| {
            match edit {
                KeyEdit::Delete { .. } => selected_key.set(None),
                KeyEdit::Rename { new_key, .. } => selected_key.set(Some(new_key)),
                _ => {}
            }
            bump.emit(());
        })
    };
    let (on_edit, last_edit) = use_key_edit(on_done);
    let value = use_key_value((*selected_key).clone(), *offset, (*by_score).clone(), tick);
    let on_select = {
        let (selected_key, offset, by_score) = (selected_key.clone(), offset.clone(), by_score.clone());
        Callback::from(move |key: Blob| {
            offset.set(0);
            by_score.set(None);
            selected_key.set(Some(key));
        })
    };
    let on_by_score = {
        let (offset, by_score) = (offset.clone(), by_score.clone());
        Callback::from(move |range: Option<(String, String)>| {
            offset.set(0);
            by_score.set(range);
        })
    };
    let on_query = {
        let query = query.clone();
        Callback::from(move |next: TreeQuery| query.set(next))
    };
    let on_run = {
        let on_submit = console.on_submit.clone();
        Callback::from(move |line: String| on_submit.emit(vec![line]))
    };
    let on_offset = {
        let offset = offset.clone();
        Callback::from(move |next: u64| offset.set(next))
    };
    let on_close = {
        let selected_key = selected_key.clone();
        Callback::from(move |()| selected_key.set(None))
    };
    html! {
        <section class="keys-page">
            <header class="console-head">
                <h1>{ pages::KEYS.title }</h1>
                <p class="lead">{ inline_code(pages::KEYS.lead) }</p>
            </header>
            <TreeFilters query={(*query).clone()} on_change={on_query} />
            <div class="keys-layout">
                <nav class="keys-tree card" aria-labelledby="keys-tree-title">
                    // Heading the tree keeps the headings in order (a
                    // folder's cost has an h3), for screen readers' outline.
                    <h2 id="keys-tree-title" class="visually-hidden">{ "Your keys" }</h2>
                    <TreeLevel query={(*query).clone()} {tick} selected={(*selected_key).clone()} {on_select}
                        on_run={on_run.clone()} />
                </nav>
                if let Some(key) = (*selected_key).clone() {
                    <KeyPanel key_name={key} selected={value} {last_edit} {on_edit} on_run={on_run.clone()}
                        {on_offset} {on_close} by_score={(*by_score).clone()} {on_by_score} />
                } else {
                    <p class="muted keys-hint">{ "Pick a key to see its value." }</p>
                }
            </div>
            <div class="keys-console">
                <h2>{ "Console" }</h2>
                <ConsoleTerminal
                    entries={console.state.entries.clone()}
                    prompt={console.prompt.clone().map(AttrValue::from)}
                    on_submit={console.on_submit.clone()}
                    on_clear_screen={console.on_clear_screen.clone()}
                    on_typing={console.on_typing.clone()}
                />
            </div>
        </section>
    }
}
