//! The console page's logic, run in headless Chromium by wasm-bindgen-test:
//! the reducer (queue, local commands, answers, failures), the history, the
//! paste splitting, and the code panel's text.

use std::rc::Rc;

use bolide_frontend::api::failure_message;
use bolide_frontend::api::ApiError;
use bolide_frontend::console::state::{classify, ConsoleAction, ConsoleState, LocalLine, MAX_ENTRIES};
use bolide_frontend::console::tutorial::TutorialWord;
use bolide_frontend::widgets::terminal::entry::EntryStatus;
use bolide_frontend::widgets::terminal::input::{split_paste, utf16_to_byte};
use bolide_frontend::widgets::terminal::{help_table, history};
use bolide_shared::api::ConsoleResponse;
use bolide_shared::cli::Reply;
use bolide_shared::commands::help::HelpTable;
use bolide_shared::snippets::{self, python_program, rust_program, Target};
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

const PROMPT: &str = "127.0.0.1:6379>";

fn reduce(state: Rc<ConsoleState>, action: ConsoleAction) -> Rc<ConsoleState> {
    state.reduce(action)
}

fn start(state: Rc<ConsoleState>) -> Rc<ConsoleState> {
    reduce(state, ConsoleAction::Start { fallback_prompt: PROMPT.to_owned() })
}

fn answer(output: &str, prompt: &str, args: &[&str], reply: Reply) -> ConsoleResponse {
    ConsoleResponse {
        output: output.to_owned(),
        prompt: prompt.to_owned(),
        error: matches!(reply, Reply::Error(_)),
        reply: Some(reply),
        command: args.first().map(|name| name.to_ascii_uppercase()),
        args: args.iter().map(|arg| arg.to_string()).collect(),
        clear: false,
        omitted: None,
        omitted_bytes: None,
    }
}

#[wasm_bindgen_test]
fn lines_run_one_at_a_time_in_order() {
    let state = Rc::new(ConsoleState::default());
    let state =
        reduce(state, ConsoleAction::Enqueue(vec!["SET a 1".into(), "SELECT 2".into(), "GET a".into()]));
    assert!(state.busy());
    let state = start(state);
    let (id, line) = state.in_flight.clone().expect("the first line runs");
    assert_eq!(line, "SET a 1");
    assert_eq!(state.entries.len(), 1);
    assert_eq!(state.entries[0].prompt, PROMPT);
    assert_eq!(state.entries[0].status, EntryStatus::Running);
    // Nothing else starts while a line runs.
    let state = start(state);
    assert_eq!(state.entries.len(), 1);
    assert_eq!(state.queue.len(), 2);

    let ok = answer("OK", PROMPT, &["SET", "a", "1"], Reply::Status("OK".into()));
    let state = reduce(state, ConsoleAction::Finished { id, result: Ok(ok) });
    assert!(state.in_flight.is_none());
    assert_eq!(state.entries[0].status, EntryStatus::Done { output: "OK".into(), error: false });
    let last = state.last.clone().expect("the code panel's command");
    assert_eq!(last.args, [b"SET".to_vec(), b"a".to_vec(), b"1".to_vec()]);

    // The next line gets the prompt the server sent back.
    let state = start(state);
    let (id, _) = state.in_flight.clone().expect("the second line runs");
    let selected = answer("OK", "127.0.0.1:6379[2]>", &["SELECT", "2"], Reply::Status("OK".into()));
    let state = reduce(state, ConsoleAction::Finished { id, result: Ok(selected) });
    let state = start(state);
    assert_eq!(state.entries[2].prompt, "127.0.0.1:6379[2]>");
    assert_eq!(state.prompt_or(PROMPT), "127.0.0.1:6379[2]>");
}

#[wasm_bindgen_test]
fn help_clear_and_blank_lines_are_answered_locally() {
    assert_eq!(classify(""), LocalLine::Blank);
    assert_eq!(classify("   "), LocalLine::Blank);
    assert_eq!(classify("clear"), LocalLine::Clear);
    assert_eq!(classify("CLEAR now"), LocalLine::Remote);
    assert!(matches!(classify("help set"), LocalLine::Help(_)));
    assert_eq!(classify("GET \"open"), LocalLine::Remote);

    // Before the help table has arrived, HELP goes to the server (which
    // answers it from the same table). This is the only test that sets it.
    assert!(help_table::get().is_none());
    let state = reduce(Rc::new(ConsoleState::default()), ConsoleAction::Enqueue(vec!["HELP GET".into()]));
    let state = start(state);
    assert_eq!(state.in_flight.as_ref().map(|(_, line)| line.as_str()), Some("HELP GET"));
    assert!(help_table::complete("hgetal").is_empty() && help_table::hint("get").is_none());

    // A Tab pressed before it is here waits for it (`help_table::when_here`).
    let told = Rc::new(std::cell::Cell::new(false));
    let waiting = told.clone();
    help_table::when_here(yew::Callback::from(move |_| waiting.set(true)));
    assert!(!told.get(), "told before the table arrived");

    // The table as the server sends it, through JSON.
    let json = serde_json::to_string(HelpTable::compiled()).expect("serialize");
    help_table::set(serde_json::from_str::<HelpTable>(&json).expect("parse").sorted());
    assert!(told.get(), "the waiting Tab is told when the table arrives");
    assert_eq!(help_table::complete("hgetal"), ["hgetall"]);
    assert_eq!(help_table::hint("get").as_deref(), Some(" key"));

    let state = Rc::new(ConsoleState::default());
    let state = reduce(state, ConsoleAction::Enqueue(vec!["".into(), "HELP GET".into(), "CLEAR".into()]));
    let state = start(state);
    assert!(state.in_flight.is_none());
    assert_eq!(state.entries[0].status, EntryStatus::Done { output: String::new(), error: false });
    let state = start(state);
    match &state.entries[1].status {
        EntryStatus::Done { output, error: false } => {
            assert!(output.contains("  GET key\n  summary: Get the value of a key"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        state.last.as_ref().map(|last| last.args.clone()),
        Some(vec![b"HELP".to_vec(), b"GET".to_vec()])
    );
    let state = start(state);
    assert!(state.entries.is_empty());
    assert!(!state.busy());
}

#[wasm_bindgen_test]
fn a_failure_is_a_plain_message_and_stops_the_paste() {
    let state = Rc::new(ConsoleState::default());
    let state = reduce(state, ConsoleAction::Enqueue(vec!["GET a".into(), "GET b".into(), "GET c".into()]));
    let state = start(state);
    let (id, _) = state.in_flight.clone().expect("running");
    let message = failure_message(&ApiError::Server {
        status: 429,
        code: "rate_limited".into(),
        message: "Too many commands: wait a second".into(),
    });
    let state = reduce(state, ConsoleAction::Finished { id, result: Err(message) });
    assert_eq!(
        state.entries[0].status,
        EntryStatus::Failed("Too many commands: wait a second\n(2 more pasted lines were not run)".into())
    );
    assert!(!state.busy());
    assert!(failure_message(&ApiError::Unreachable("TypeError".into()))
        .starts_with("Could not reach the Bolide server"));
}

#[wasm_bindgen_test]
fn tutorial_words_take_their_turn_and_never_reach_redis() {
    assert_eq!(classify("TUTORIAL"), LocalLine::Tutorial(TutorialWord::Resume));
    assert_eq!(classify(" next "), LocalLine::Tutorial(TutorialWord::Next));
    assert_eq!(classify("t2"), LocalLine::Tutorial(TutorialWord::Go(2)));
    assert_eq!(classify("NEXT 2"), LocalLine::Remote);
    assert_eq!(classify("GET tutorial"), LocalLine::Remote);
    assert_eq!(classify("TUTORIAL Hashes"), LocalLine::Tutorial(TutorialWord::Open("hashes".into())));
    assert_eq!(classify("answer 2"), LocalLine::Tutorial(TutorialWord::Answer(2)));
    assert_eq!(
        classify("ANSWER 99999999999999999999999"),
        LocalLine::Tutorial(TutorialWord::Answer(usize::MAX))
    );
    assert_eq!(classify("ANSWER two"), LocalLine::Remote, "not a word of ours: Redis says unknown command");
    assert_eq!(classify("TUTORIAL a b"), LocalLine::Remote);

    let state = Rc::new(ConsoleState::default());
    let state = reduce(state, ConsoleAction::Enqueue(vec!["SET a 1".into(), "NEXT".into(), "GET a".into()]));
    let state = start(state);
    let (id, _) = state.in_flight.clone().expect("SET runs first");
    let ok = answer("OK", PROMPT, &["SET", "a", "1"], Reply::Status("OK".into()));
    let state = reduce(state, ConsoleAction::Finished { id, result: Ok(ok) });
    assert_eq!(state.answered, 1);

    // NEXT is carried out by the page, not sent: nothing is in flight, and
    // GET waits for it.
    let state = start(state);
    assert!(state.in_flight.is_none());
    let (id, word) = state.tutorial.clone().expect("NEXT is being carried out");
    assert_eq!(word, TutorialWord::Next);
    assert_eq!(state.entries[1].status, EntryStatus::Running);
    assert!(state.busy());
    let state = start(state);
    assert_eq!(state.entries.len(), 2, "GET waits for NEXT");

    let state =
        reduce(state, ConsoleAction::TutorialDone { id, result: Ok("Redis basics · step 2 of 6".into()) });
    assert!(state.tutorial.is_none());
    assert_eq!(
        state.entries[1].status,
        EntryStatus::Done { output: "Redis basics · step 2 of 6".into(), error: false }
    );
    assert_eq!(state.answered, 1, "a tutorial word is not a Redis answer");
    let state = start(state);
    assert_eq!(state.in_flight.clone().map(|(_, line)| line).as_deref(), Some("GET a"));

    // A word that could not be carried out says why.
    let state = reduce(state, ConsoleAction::Enqueue(vec!["PREV".into()]));
    let (id, _) = state.in_flight.clone().expect("GET still runs");
    let state = reduce(
        state,
        ConsoleAction::Finished {
            id,
            result: Ok(answer("\"1\"", PROMPT, &["GET", "a"], Reply::Bulk(b"1".to_vec()))),
        },
    );
    let state = start(state);
    let (id, _) = state.tutorial.clone().expect("PREV");
    let state = reduce(
        state,
        ConsoleAction::TutorialDone { id, result: Err("Could not reach the Bolide server".into()) },
    );
    assert_eq!(state.entries[3].status, EntryStatus::Failed("Could not reach the Bolide server".into()));
    assert!(!state.busy());
}

#[wasm_bindgen_test]
fn help_tutorial_explains_the_words() {
    let state = Rc::new(ConsoleState::default());
    let state = reduce(state, ConsoleAction::Enqueue(vec!["help tutorial".into()]));
    let state = start(state);
    match &state.entries[0].status {
        EntryStatus::Done { output, error: false } => {
            for word in ["TUTORIAL", "NEXT", "PREV", "T<n>", "not sent to Redis"] {
                assert!(output.contains(word), "{word} in {output}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn the_screen_keeps_a_bounded_scrollback_and_clears() {
    let mut state = Rc::new(ConsoleState::default());
    state = reduce(state, ConsoleAction::Enqueue(vec![String::new(); MAX_ENTRIES + 5]));
    for _ in 0..MAX_ENTRIES + 5 {
        state = start(state);
    }
    assert_eq!(state.entries.len(), MAX_ENTRIES);
    let ids: Vec<u64> = state.entries.iter().map(|entry| entry.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    state = reduce(state, ConsoleAction::Clear);
    assert!(state.entries.is_empty());
    // A server-side CLEAR clears too.
    state = reduce(state, ConsoleAction::Enqueue(vec!["clear x".into()]));
    state = start(state);
    let (id, _) = state.in_flight.clone().expect("running");
    let mut cleared = answer("", PROMPT, &[], Reply::Nil);
    cleared.clear = true;
    cleared.reply = None;
    state = reduce(state, ConsoleAction::Finished { id, result: Ok(cleared) });
    assert!(state.entries.is_empty());
}

#[wasm_bindgen_test]
fn history_skips_blanks_and_repeats_and_is_bounded() {
    let mut lines = Vec::new();
    assert!(history::push(&mut lines, "GET a"));
    assert!(!history::push(&mut lines, "GET a"));
    assert!(!history::push(&mut lines, "   "));
    assert!(history::push(&mut lines, "GET b"));
    assert!(history::push(&mut lines, "GET a"));
    assert_eq!(lines, ["GET a", "GET b", "GET a"]);
    for i in 0..history::MAX_LINES + 10 {
        history::push(&mut lines, &format!("SET k {i}"));
    }
    assert_eq!(lines.len(), history::MAX_LINES);
    assert_eq!(lines.last().map(String::as_str), Some(format!("SET k {}", history::MAX_LINES + 9).as_str()));

    history::save(&lines);
    assert_eq!(history::load(), lines);
    history::save(&[]);
    assert!(history::load().is_empty());
}

#[wasm_bindgen_test]
fn pastes_run_each_complete_line() {
    let (lines, rest) = split_paste("", 0, 0, "SET a 1\r\nGET a\n\nINCR a\nGET");
    assert_eq!(lines, ["SET a 1", "GET a", "INCR a"]);
    assert_eq!(rest, "GET");
    // Pasted in the middle of what was typed, replacing the selection.
    let (lines, rest) = split_paste("HGET k XX f", 7, 9, "a\nb");
    assert_eq!(lines, ["HGET k a"]);
    assert_eq!(rest, "b f");
    let (lines, rest) = split_paste("x", 1, 1, "\n");
    assert_eq!((lines, rest.as_str()), (vec!["x".to_owned()], ""));
    assert_eq!(utf16_to_byte("naïve😀x", 3), 4);
    assert_eq!(utf16_to_byte("naïve😀x", 7), 10);
    assert_eq!(utf16_to_byte("ab", 10), 2);
}

#[wasm_bindgen_test]
fn prompts_name_the_programs_target() {
    let target = |host: &str, port, db| Target { host: host.into(), port, db };
    assert_eq!(Target::from_prompt("127.0.0.1:6379>"), Some(target("127.0.0.1", 6379, 0)));
    assert_eq!(Target::from_prompt("127.0.0.1:40123[2]>"), Some(target("127.0.0.1", 40123, 2)));
    assert_eq!(Target::from_prompt("127.0.0.1:40123[2](TX)>"), Some(target("127.0.0.1", 40123, 2)));
    assert_eq!(Target::from_prompt("::1:6379>"), Some(target("::1", 6379, 0)));
    assert_eq!(Target::from_prompt("not connected>"), None);
}

#[wasm_bindgen_test]
fn the_code_panel_shows_whole_programs() {
    let target = Target { host: "127.0.0.1".into(), port: 40123, db: 0 };
    let args: Vec<String> = ["HGETALL", "k2"].map(String::from).into();
    let reply = Reply::Array(vec![Reply::Bulk(b"name".to_vec()), Reply::Bulk(b"Joe".to_vec())]);
    let python = python_program(&snippets::python(&args, Some(&reply)), &target, false);
    assert_eq!(
        python,
        "import redis\n\nrd = redis.Redis(host='127.0.0.1', port=40123, db=0)\nprint(rd.hgetall('k2'))\n# {b'name': b'Joe'}"
    );
    let rust = rust_program(&snippets::rust(&args, Some(&reply)), &target, false);
    assert_eq!(
        rust,
        "use redis::Commands;\nuse std::collections::BTreeMap;\n\nfn main() -> redis::RedisResult<()> {\n    \
         let client = redis::Client::open(\"redis://127.0.0.1:40123/0\")?;\n    let mut con = client.get_connection()?;\n    \
         let v: BTreeMap<String, String> = con.hgetall(\"k2\")?;\n    println!(\"{v:?}\"); // {\"name\": \"Joe\"}\n    Ok(())\n}"
    );

    let error = Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into());
    let args: Vec<String> = ["GET", "k2"].map(String::from).into();
    let python = python_program(&snippets::python(&args, Some(&error)), &target, false);
    assert!(python.ends_with(
        "rd.get('k2')\n# raises redis.exceptions.ResponseError: WRONGTYPE Operation against a key holding the wrong kind of value"
    ));
    let rust = rust_program(&snippets::rust(&args, Some(&error)), &target, false);
    assert!(rust.contains("    // fails, and main returns Error: \"WRONGTYPE\": Operation against"));

    // A reply the server shortened is not printed as if it were complete.
    let keys = Reply::Array(vec![Reply::Bulk(b"a".to_vec())]);
    let args: Vec<String> = ["KEYS", "*"].map(String::from).into();
    let python = python_program(&snippets::python(&args, Some(&keys)), &target, true);
    assert!(python.ends_with("print(rd.keys('*'))\n# (a long reply: the console shows only part of it)"));
}
