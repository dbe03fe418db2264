//! The panel beside the console: the last command as a Python script with
//! redis-py, and as a Rust program with the `redis` crate, each with what it
//! prints.
//!
//! The module this console serves teaches Python scripts; students meet the
//! same data twice, as redis-cli prints it and as their script receives it
//! (`b'Joe'`, `{b'name': b'Joe'}`, `True`). Showing both for the command
//! they just ran bridges the two. The snippets themselves come from
//! [`bolide_shared::snippets`]; this panel only wraps them in the set-up
//! lines (with the real host, port and database), so each block is a
//! complete program to copy and run.

use std::rc::Rc;

use bolide_shared::cli::Reply;
use bolide_shared::snippets::{self, Snippet};
use yew::prelude::*;

use crate::widgets::copy_button::CopyButton;

/// The command the panel shows: the last one that reached Redis (or `HELP`).
#[derive(Debug, Clone, PartialEq)]
pub struct LastCall {
    /// As typed, after redis-cli's unquoting, name first.
    pub args: Vec<String>,
    pub reply: Option<Reply>,
    /// Reply elements the server left out (the reply is incomplete).
    pub omitted: Option<u64>,
    /// The prompt the command ran at (it names the database).
    pub prompt: String,
}

/// Longer outputs are cut (the console's own output has the whole reply).
const MAX_OUTPUT_CHARS: usize = 3_000;

#[derive(Properties, PartialEq)]
pub struct CodePanelProps {
    pub last: Option<Rc<LastCall>>,
    /// Where students' programs connect (from the health check), used when
    /// the prompt does not say.
    pub host: AttrValue,
    pub port: u16,
}

/// Where a program connects: host, port and database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub db: u32,
}

impl Target {
    /// Reads `host:port[db](TX)>` as the console's prompt shows it; `None`
    /// for a prompt without an address (`not connected>`).
    pub fn from_prompt(prompt: &str) -> Option<Target> {
        let address = prompt.trim_end().trim_end_matches('>').trim_end_matches("(TX)");
        let (address, db) = match address.strip_suffix(']').and_then(|rest| rest.rsplit_once('[')) {
            Some((address, db)) => (address, db.parse().ok()?),
            None => (address, 0),
        };
        let (host, port) = address.rsplit_once(':')?;
        Some(Target { host: host.to_owned(), port: port.parse().ok()?, db })
    }
}

/// The Python block: imports, the connection, then the call and what it
/// prints (as a comment, so the block still runs when pasted).
pub fn python_text(snippet: &Snippet, target: &Target, omitted: bool) -> String {
    let mut out = format!(
        "import redis\n\nrd = redis.Redis(host={}, port={}, db={})\n",
        python_str(&target.host),
        target.port,
        target.db
    );
    match (&snippet.output, snippet.error) {
        (Some(_), false) if omitted => {
            out.push_str(&format!(
                "print({})\n# (a long reply: the console shows only part of it)",
                snippet.code
            ));
        }
        (Some(output), false) => {
            out.push_str(&format!("print({})\n{}", snippet.code, comment_lines("# ", &shorten(output))));
        }
        (Some(error), true) => {
            out.push_str(&format!("{}\n{}", snippet.code, comment_lines("# raises ", &shorten(error))));
        }
        (None, _) => out.push_str(&snippet.code),
    }
    out
}

/// The Rust block: a whole `main` with the `use` lines the call needs.
pub fn rust_text(snippet: &Snippet, target: &Target, omitted: bool) -> String {
    let mut out = String::from("use redis::Commands;\n");
    let collections: Vec<&str> =
        ["BTreeMap", "BTreeSet"].into_iter().filter(|name| snippet.code.contains(name)).collect();
    match collections.as_slice() {
        [] => {}
        [one] => out.push_str(&format!("use std::collections::{one};\n")),
        many => out.push_str(&format!("use std::collections::{{{}}};\n", many.join(", "))),
    }
    out.push_str(&format!(
        "\nfn main() -> redis::RedisResult<()> {{\n    let client = redis::Client::open(\"redis://{}:{}/{}\")?;\n    let mut con = client.get_connection()?;\n",
        target.host, target.port, target.db
    ));
    for line in snippet.code.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    match (&snippet.output, snippet.error) {
        (Some(_), false) if omitted => {
            out.push_str("    println!(\"{v:?}\"); // (a long reply: the console shows only part of it)\n");
        }
        (Some(output), false) => {
            out.push_str(&format!("    println!(\"{{v:?}}\"); // {}\n", shorten(output).replace('\n', " ")));
        }
        (Some(error), true) => {
            out.push_str(&format!("    // fails, and main returns {}\n", shorten(error).replace('\n', " ")));
        }
        (None, _) => {}
    }
    out.push_str("    Ok(())\n}");
    out
}

#[function_component(CodePanel)]
pub fn code_panel(props: &CodePanelProps) -> Html {
    let python_ref = use_node_ref();
    let rust_ref = use_node_ref();
    let fallback = Target { host: props.host.to_string(), port: props.port, db: 0 };
    let texts = use_memo((props.last.clone(), fallback), |(last, fallback)| {
        last.as_ref().map(|last| {
            let target = Target::from_prompt(&last.prompt).unwrap_or_else(|| fallback.clone());
            let omitted = last.omitted.is_some_and(|n| n > 0);
            let python = snippets::python(&last.args, last.reply.as_ref());
            let rust = snippets::rust(&last.args, last.reply.as_ref());
            (python_text(&python, &target, omitted), rust_text(&rust, &target, omitted))
        })
    });
    let body = match &*texts {
        None => html! {
            <p class="code-panel__empty muted">
                { "Run a command: the same call appears here in Python (redis-py) and in Rust (the redis crate), with what it prints." }
            </p>
        },
        Some((python, rust)) => html! {
            <>
                <section class="code-block">
                    <div class="code-block__head">
                        <h3>{ "Python · redis-py" }</h3>
                        <CopyButton text={AttrValue::from(python.clone())} label="Copy the Python code" fallback={python_ref.clone()} />
                    </div>
                    <pre class="code-python" ref={python_ref.clone()}>{ python.clone() }</pre>
                </section>
                <section class="code-block">
                    <div class="code-block__head">
                        <h3>{ "Rust · redis crate" }</h3>
                        <CopyButton text={AttrValue::from(rust.clone())} label="Copy the Rust code" fallback={rust_ref.clone()} />
                    </div>
                    <pre class="code-rust" ref={rust_ref.clone()}>{ rust.clone() }</pre>
                </section>
            </>
        },
    };
    html! {
        <aside class="code-panel" aria-label="The last command in a program">
            <h2 class="code-panel__title">{ "In a program" }</h2>
            { body }
        </aside>
    }
}

/// Each line of `text` after `prefix` (the first) or `# ` (the others).
fn comment_lines(prefix: &str, text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str("# ");
        } else {
            out.push_str(prefix);
        }
        out.push_str(line);
    }
    if out.is_empty() {
        out.push_str(prefix.trim_end());
    }
    out
}

/// At most [`MAX_OUTPUT_CHARS`] characters, with `…` when cut.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_OUTPUT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A Python string literal for the host (plain ASCII in practice).
fn python_str(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
