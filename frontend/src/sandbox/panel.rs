//! "Your sandbox": the code that opens it elsewhere (hidden until shown),
//! a new code, resuming another sandbox, and ending this one.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::hooks::{SandboxHandle, SandboxState};
use crate::widgets::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct SandboxPanelProps {
    /// The page's [`super::use_sandbox`]: the page reads the mode from the
    /// same answer, so `GET /api/sandbox` is asked once.
    pub sandbox: SandboxHandle,
}

#[function_component(SandboxPanel)]
pub fn sandbox_panel(props: &SandboxPanelProps) -> Html {
    let sandbox = &props.sandbox;
    let shown = use_state(|| false);
    let confirming = use_state(|| false);
    let code_input = use_node_ref();
    let info = match &sandbox.state {
        SandboxState::Loading | SandboxState::Local => return html! {},
        SandboxState::Failed(message) => {
            return html! { <section class="sandbox"><p class="warn">{ message.clone() }</p></section> }
        }
        SandboxState::NoSandbox => None,
        SandboxState::Shared(info) => Some(info.clone()),
    };
    let on_resume = {
        let (resume, input) = (sandbox.resume.clone(), code_input.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some(input) = input.cast::<HtmlInputElement>() {
                let code = input.value();
                if !code.trim().is_empty() {
                    resume.emit(code);
                    input.set_value("");
                }
            }
        })
    };
    let toggle = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(!*shown))
    };
    let rotate = sandbox.rotate.reform(|_: MouseEvent| ());
    let ask_end = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let keep = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let end = {
        let (end, confirming) = (sandbox.end.clone(), confirming.clone());
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            end.emit(());
        })
    };
    let idle = info.as_ref().map(|info| idle_text(info.idle_timeout_seconds));
    html! {
        <section class="sandbox" aria-labelledby="sandbox-title">
            <h2 id="sandbox-title">{ "Your sandbox" }</h2>
            if let Some(info) = &info {
                <p>
                    { "This Bolide is shared: your keys, data, jobs and guide progress live in a sandbox of your own. " }
                    { format!("It stays while you use it, and ends after {} without use.", idle.clone().unwrap_or_default()) }
                </p>
                if let Some(code) = &info.code {
                    <p class="sandbox-code">
                        { "To open it in another browser or on another device, enter its code there: " }
                        if *shown {
                            <code data-sandbox-code="">{ code.clone() }</code>
                            <CopyButton text={AttrValue::from(code.clone())} label="Copy the sandbox code" />
                        }
                        <button id="sandbox-show-code" type="button" onclick={toggle} aria-expanded={shown.to_string()}>
                            { if *shown { "Hide the code" } else { "Show the code" } }
                        </button>
                        <button id="sandbox-new-code" type="button" onclick={rotate} disabled={sandbox.busy}>{ "New code" }</button>
                    </p>
                    <p class="muted">{ "The code opens your sandbox to whoever has it: keep it to yourself. A new code makes the old one useless." }</p>
                }
            } else {
                <p>{ "This Bolide is shared: your first command, load or job starts a sandbox of your own." }</p>
            }
            <form class="sandbox-resume" onsubmit={on_resume}>
                <label for="sandbox-resume-code">{ "Open a sandbox you started elsewhere:" }</label>
                <input id="sandbox-resume-code" ref={code_input} autocomplete="off" spellcheck="false"
                       placeholder="XXXX-XXXX-XXXX" />
                <button type="submit" disabled={sandbox.busy}>{ "Open" }</button>
            </form>
            if info.is_some() {
                if *confirming {
                    <p class="sandbox-end" role="alert">
                        { "End your sandbox? Its keys, data, jobs and guide progress are deleted now, for good. " }
                        <button id="sandbox-end-confirm" type="button" class="danger" onclick={end} disabled={sandbox.busy}>{ "End it" }</button>
                        <button type="button" onclick={keep}>{ "Keep it" }</button>
                    </p>
                } else {
                    <p class="sandbox-end">
                        <button id="sandbox-end" type="button" class="danger" onclick={ask_end}>{ "End my sandbox" }</button>
                    </p>
                }
            }
            if let Some((ok, message)) = &sandbox.notice {
                <p class={if *ok { "ok" } else { "warn" }} role="status">{ message.clone() }</p>
            }
        </section>
    }
}

/// `7200` → "2 hours", `1800` → "30 minutes", `45` → "45 seconds".
fn idle_text(seconds: u64) -> String {
    let (amount, unit) = match seconds {
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{amount} {unit}{}", if amount == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::idle_text;

    #[test]
    fn idle_timeouts_read_as_people_say_them() {
        assert_eq!(idle_text(7200), "2 hours");
        assert_eq!(idle_text(3600), "1 hour");
        assert_eq!(idle_text(1800), "30 minutes");
        assert_eq!(idle_text(45), "45 seconds");
        assert_eq!(idle_text(90), "90 seconds");
    }
}
