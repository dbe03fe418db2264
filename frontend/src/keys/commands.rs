//! The commands behind what the page shows: each as redis-cli takes it,
//! with a button that runs it in the console below, and the same call
//! with redis-py (written by the server: [`RanCommand::python`]).

use yew::prelude::*;

use crate::api::RanCommand;

#[derive(Properties, PartialEq)]
pub struct CommandListProps {
    pub commands: Vec<RanCommand>,
    pub title: AttrValue,
    /// Runs a line in the page's console.
    pub on_run: Callback<String>,
    /// Show at most this many (a page of the tree runs many `PTTL`s).
    #[prop_or(12)]
    pub max: usize,
}

#[function_component(CommandList)]
pub fn command_list(props: &CommandListProps) -> Html {
    if props.commands.is_empty() {
        return html! {};
    }
    let hidden = props.commands.len().saturating_sub(props.max);
    html! {
        <div class="keys-commands">
            <h3>{ props.title.clone() }</h3>
            <ul class="keys-command-list">
                { for props.commands.iter().take(props.max).map(|command| {
                    let onclick = {
                        let (on_run, line) = (props.on_run.clone(), command.cli.clone());
                        Callback::from(move |_: MouseEvent| on_run.emit(line.clone()))
                    };
                    html! {
                        <li>
                            <code class="keys-cli">{ command.cli.clone() }</code>
                            <button type="button" class="keys-run" {onclick}
                                title="Type this line into the console below and run it">{ "Run in console" }</button>
                            if let Some(reply) = &command.reply {
                                <pre class="keys-reply">{ bolide_shared::cli::format_reply(reply) }</pre>
                            }
                            <code class="keys-python muted">{ command.python.clone() }</code>
                        </li>
                    }
                }) }
            </ul>
            if hidden > 0 {
                <p class="muted">{ format!("… and {hidden} more") }</p>
            }
        </div>
    }
}
