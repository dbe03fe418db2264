//! The panel beside the console: the last command as a Python script with
//! redis-py, and as a Rust program with the `redis` crate, each with what it
//! prints.
//!
//! The module this console serves teaches Python scripts; students meet the
//! same data twice, as redis-cli prints it and as their script receives it
//! (`b'Joe'`, `{b'name': b'Joe'}`, `True`). Showing both for the command
//! they just ran bridges the two. The snippets themselves come from
//! [`bolide_shared::snippets`], which also wraps them in the set-up lines
//! (with the real host, port and database: [`python_program`],
//! [`rust_program`]), so each block is a complete program to copy and run
//! — the tests run the Python ones.

use std::rc::Rc;

use bolide_shared::cli::Reply;
use bolide_shared::pages;
use bolide_shared::snippets::{self, python_program, rust_program, Target};
use yew::prelude::*;

use crate::widgets::copy_button::CopyButton;

/// The command the panel shows: the last one that reached Redis (or `HELP`).
#[derive(Debug, Clone, PartialEq)]
pub struct LastCall {
    /// As typed, after redis-cli's unquoting, name first: bytes, as Redis
    /// got them (`"\x00\xff"` is two bytes that are not UTF-8, which the
    /// snippets write as `b'\x00\xff'`).
    pub args: Vec<Vec<u8>>,
    pub reply: Option<Reply>,
    /// Reply elements the server left out (the reply is incomplete).
    pub omitted: Option<u64>,
    /// The prompt the command ran at (it names the database).
    pub prompt: String,
}

#[derive(Properties, PartialEq)]
pub struct CodePanelProps {
    pub last: Option<Rc<LastCall>>,
    /// Where students' programs connect (from the health check), used when
    /// the prompt does not say.
    pub host: AttrValue,
    pub port: u16,
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
            (python_program(&python, &target, omitted), rust_program(&rust, &target, omitted))
        })
    });
    let body = match &*texts {
        None => html! {
            <p class="code-panel__empty muted">{ pages::CODE_PANEL_EMPTY }</p>
        },
        Some((python, rust)) => html! {
            <>
                <section class="code-block">
                    <div class="code-block__head">
                        <h3>{ "Python · redis-py" }</h3>
                        <CopyButton text={AttrValue::from(python.clone())} label={pages::COPY_PYTHON} fallback={python_ref.clone()} />
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
            <h2 class="code-panel__title">{ pages::CODE_PANEL_TITLE }</h2>
            { body }
        </aside>
    }
}
