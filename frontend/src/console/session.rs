//! The live console as a hook: its state ([`ConsoleState`]) and the I/O
//! that drives it, for any page that shows a terminal.
//!
//! The Console page shows it beside the code panel; a guide's page shows
//! it beside the step, so the guide's "Run" buttons can type into it and
//! the student sees the same console either way. The hook owns the two
//! effects that do I/O: start the next queued line when nothing runs, and
//! carry out a started line, sending it to `POST /api/console`, or, for a
//! tutorial word, to the guides API ([`tutorial::run`]). It also fetches
//! the help table `HELP`, Tab and the hints read, once per page, at the
//! first key typed into the console ([`help_table`] says why).
//!
//! Until the server has answered a line, the prompt is built from the health
//! check (`host:port>`, as redis-cli shows it when it connects); afterwards
//! it is the server's, which knows the database (`[2]`) and `MULTI`
//! (`(TX)`).

use bolide_shared::guides::GuideProgress;
use yew::prelude::*;

use super::state::{ConsoleAction, ConsoleState};
use super::tutorial;
use crate::api;
use crate::api::failure_message;
use crate::health::{ServerStatus, StatusContext};
use crate::widgets::terminal::help_table;

thread_local! {
    /// A help table fetch is under way (a second console starts none).
    static FETCHING_HELP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Fetches the console's help table unless it is here or on its way; a
/// failed fetch is tried again by the next console that appears.
fn fetch_help_table() {
    if help_table::get().is_some() || FETCHING_HELP.with(|fetching| fetching.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let result = api::help_table().await;
        FETCHING_HELP.with(|fetching| fetching.set(false));
        if let Ok(table) = result {
            help_table::set(table);
        }
    });
}

/// redis-cli's prompt when it has no connection.
const NOT_CONNECTED: &str = "not connected>";

/// What the page sets about the console's tutorial words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TutorialOptions {
    /// The guide the words drive; `None`: the remembered one.
    pub guide: Option<String>,
    /// Told the guide's new progress after a word moved it.
    pub on_moved: Callback<GuideProgress>,
}

/// A console: its state and what a terminal needs to show and drive it.
pub struct ConsoleSession {
    pub state: UseReducerHandle<ConsoleState>,
    /// The prompt for the next line; `None` while it is not known.
    pub prompt: Option<String>,
    /// Where students' programs connect, from the health check.
    pub host: String,
    pub port: u16,
    /// Runs lines, in order (a typed line, a paste, a guide's Run button).
    pub on_submit: Callback<Vec<String>>,
    /// Ctrl+L.
    pub on_clear_screen: Callback<()>,
    /// A key or paste in the input: the first fetches the help table.
    pub on_typing: Callback<()>,
}

#[hook]
pub fn use_console_session(tutorial: TutorialOptions) -> ConsoleSession {
    let status = use_context::<StatusContext>();
    let state = use_reducer(ConsoleState::default);

    // What the health check says about the prompt; `None` while unknown.
    let (health_prompt, host, port) = match status.as_deref() {
        Some(ServerStatus::Connected(health)) => (
            Some(format!("{}:{}>", health.redis.host, health.redis.port)),
            health.redis.host.clone(),
            health.redis.port,
        ),
        Some(ServerStatus::RedisDown(health)) => {
            (Some(NOT_CONNECTED.to_owned()), health.redis.host.clone(), health.redis.port)
        }
        Some(ServerStatus::BackendDown(_)) => (Some(NOT_CONNECTED.to_owned()), "127.0.0.1".to_owned(), 6379),
        Some(ServerStatus::Checking) | None => (None, "127.0.0.1".to_owned(), 6379),
    };
    let prompt = state.prompt.clone().or_else(|| health_prompt.clone());

    // Start the next line when nothing is running.
    {
        let dispatcher = state.dispatcher();
        let fallback_prompt = health_prompt.unwrap_or_else(|| NOT_CONNECTED.to_owned());
        let idle = !state.running();
        use_effect_with((idle, state.queue.len()), move |(idle, queued)| {
            if *idle && *queued > 0 {
                dispatcher.dispatch(ConsoleAction::Start { fallback_prompt });
            }
        });
    }
    // Send the started line, then hand the answer to the reducer.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.in_flight.clone(), move |in_flight| {
            if let Some((id, line)) = in_flight.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = api::console(&line).await.map_err(|error| failure_message(&error));
                    dispatcher.dispatch(ConsoleAction::Finished { id, result });
                });
            }
        });
    }
    // Carry out a tutorial word with the guides API.
    {
        let dispatcher = state.dispatcher();
        let TutorialOptions { guide, on_moved } = tutorial;
        use_effect_with(state.tutorial.clone(), move |word| {
            if let Some((id, word)) = word.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = tutorial::run(word, guide).await;
                    if let Ok(tutorial::TutorialOutcome { moved: Some(progress), .. }) = &result {
                        on_moved.emit(progress.clone());
                    }
                    let result = result.map(|outcome| outcome.text);
                    dispatcher.dispatch(ConsoleAction::TutorialDone { id, result });
                });
            }
        });
    }

    let on_submit = {
        let dispatcher = state.dispatcher();
        Callback::from(move |lines: Vec<String>| dispatcher.dispatch(ConsoleAction::Enqueue(lines)))
    };
    let on_clear_screen = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(ConsoleAction::Clear))
    };
    // HELP, Tab and the hints read the help table: fetched once per page,
    // when the student first types.
    let on_typing = Callback::from(|()| fetch_help_table());
    ConsoleSession { state, prompt, host, port, on_submit, on_clear_screen, on_typing }
}
