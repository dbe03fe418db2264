//! `/console`: a redis-cli in the browser, against the student's real Redis.
//!
//! The page is a terminal ([`ConsoleTerminal`]) beside a code panel
//! ([`CodePanel`]). Its state is one reducer ([`state`]): the command
//! blocks, the queue of lines to run, the line in flight, the prompt, and
//! the last reply. The page's only jobs are the two effects that do I/O:
//! start the next queued line when nothing runs, and send a started line to
//! `POST /api/console`, dispatching the answer back into the reducer.
//!
//! Until the server has answered a line, the prompt is built from the health
//! check (`host:port>`, as redis-cli shows it when it connects); afterwards
//! it is the server's, which knows the database (`[2]`) and `MULTI`
//! (`(TX)`).

pub mod history;
pub mod state;

use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::code_panel::CodePanel;
use crate::components::console_terminal::ConsoleTerminal;
use crate::health::{ServerStatus, StatusContext};
use state::{ConsoleAction, ConsoleState};

/// redis-cli's prompt when it has no connection.
const NOT_CONNECTED: &str = "not connected>";

/// The message shown in place of an output when a line could not be run.
pub fn failure_message(error: &ApiError) -> String {
    match error {
        ApiError::Unreachable(_) => {
            "Could not reach the Bolide server: the line was not run. Is Bolide still running?".to_owned()
        }
        ApiError::BadResponse(why) => {
            format!("The Bolide server sent an answer the page does not understand ({why}).")
        }
        ApiError::Server { message, .. } => message.clone(),
    }
}

#[function_component(ConsolePage)]
pub fn console_page() -> Html {
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
        let fallback_prompt = health_prompt.clone().unwrap_or_else(|| NOT_CONNECTED.to_owned());
        let idle = state.in_flight.is_none();
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

    let on_submit = {
        let dispatcher = state.dispatcher();
        Callback::from(move |lines: Vec<String>| dispatcher.dispatch(ConsoleAction::Enqueue(lines)))
    };
    let on_clear_screen = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(ConsoleAction::Clear))
    };

    html! {
        <section class="console-page">
            <header class="console-head">
                <h1>{ "Console" }</h1>
                <p class="lead">
                    { "Type Redis commands as in redis-cli; they run on your real Redis. " }
                    { "Beside each reply: the same call from a Python or Rust program." }
                </p>
            </header>
            <div class="console-layout">
                <ConsoleTerminal
                    entries={state.entries.clone()}
                    prompt={prompt.map(AttrValue::from)}
                    {on_submit}
                    {on_clear_screen}
                />
                <CodePanel last={state.last.clone()} host={AttrValue::from(host)} {port} />
            </div>
            <p id="console-keys" class="console-keys muted">
                <kbd>{ "Enter" }</kbd>{ " runs a line · " }
                <kbd>{ "↑" }</kbd>{ " " }<kbd>{ "↓" }</kbd>{ " history · " }
                <kbd>{ "Tab" }</kbd>{ " completes a command · " }
                <kbd>{ "Ctrl" }</kbd>{ "+" }<kbd>{ "L" }</kbd>{ " clears · " }
                <code>{ "HELP SET" }</code>{ ", " }<code>{ "HELP @hash" }</code>{ " explain commands" }
            </p>
        </section>
    }
}
