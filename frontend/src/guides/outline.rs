//! A guide's steps as a row of numbered buttons: where the student is,
//! which steps are done (✓), and a way to jump to any of them (skipping
//! ahead is allowed; the checks still tell what is done).

use bolide_shared::guides::GuideView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideOutlineProps {
    pub view: std::rc::Rc<GuideView>,
    pub current: usize,
    pub on_go: Callback<usize>,
}

#[function_component(GuideOutline)]
pub fn guide_outline(props: &GuideOutlineProps) -> Html {
    let completed = &props.view.progress.completed;
    html! {
        <nav class="guide-outline" aria-label="Steps">
            <ol>
                { for props.view.guide.steps.iter().enumerate().map(|(index, step)| {
                    let done = completed.contains(&index);
                    let current = index == props.current;
                    let onclick = {
                        let on_go = props.on_go.clone();
                        Callback::from(move |_: MouseEvent| on_go.emit(index))
                    };
                    let label = format!("Step {}: {}{}", index + 1, step.title, if done { " (done)" } else { "" });
                    html! {
                        <li class={classes!("guide-outline__step", done.then_some("guide-outline__step--done"), current.then_some("guide-outline__step--current"))}>
                            <button type="button" {onclick} title={label.clone()} aria-label={label}
                                aria-current={current.then_some("step")}>
                                { if done { "✓".to_owned() } else { (index + 1).to_string() } }
                            </button>
                        </li>
                    }
                }) }
            </ol>
        </nav>
    }
}
