//! Editing a key's elements, by type: a hash's fields (set, remove), a
//! list (push and pop at either end, set by index), a set's members (add,
//! remove), a sorted set's scores (set, remove), a string's value. Each
//! button is one command (`HSET`, `LPUSH`, `ZADD`, …), which the panel then
//! shows as it ran.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{Blob, KeyEdit};
use bolide_shared::keys::End;

#[derive(Properties, PartialEq)]
pub struct ElementEditorProps {
    pub key_name: Blob,
    /// The key's type.
    pub kind: AttrValue,
    pub on_edit: Callback<KeyEdit>,
}

fn text_of(input: &NodeRef) -> String {
    input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

#[function_component(ElementEditor)]
pub fn element_editor(props: &ElementEditorProps) -> Html {
    let (first, second) = (use_node_ref(), use_node_ref());
    let problem = use_state(|| None::<String>);
    // A button: the edit made of the two inputs, or why it cannot be.
    let button = |label: &'static str,
                  class: &'static str,
                  make: fn(Blob, String, String) -> Result<KeyEdit, String>| {
        let (first, second, key, on_edit, problem) =
            (first.clone(), second.clone(), props.key_name.clone(), props.on_edit.clone(), problem.clone());
        let onclick =
            Callback::from(move |_: MouseEvent| match make(key.clone(), text_of(&first), text_of(&second)) {
                Ok(edit) => {
                    problem.set(None);
                    on_edit.emit(edit);
                }
                Err(why) => problem.set(Some(why)),
            });
        html! { <button type="button" class={class} {onclick}>{ label }</button> }
    };
    let input = |id: &'static str, label: &'static str, node: &NodeRef| {
        html! { <label>{ label }{ " " }<input id={id} type="text" ref={node.clone()} /></label> }
    };
    let body = match props.kind.as_str() {
        "hash" => html! { <>
            { input("keys-edit-field", "Field", &first) }{ input("keys-edit-value", "Value", &second) }
            { button("Set field (HSET)", "keys-hset", |key, f, v| Ok(KeyEdit::HashSet { key, field: f.as_str().into(), value: v.as_str().into() })) }
            { button("Remove field (HDEL)", "keys-hdel", |key, f, _| Ok(KeyEdit::HashDelete { key, field: f.as_str().into() })) }
        </> },
        "list" => html! { <>
            { input("keys-edit-value", "Value", &first) }{ input("keys-edit-index", "Index", &second) }
            { button("Push left (LPUSH)", "keys-lpush", |key, v, _| Ok(KeyEdit::ListPush { key, end: End::Left, value: v.as_str().into() })) }
            { button("Push right (RPUSH)", "keys-rpush", |key, v, _| Ok(KeyEdit::ListPush { key, end: End::Right, value: v.as_str().into() })) }
            { button("Pop left (LPOP)", "keys-lpop", |key, _, _| Ok(KeyEdit::ListPop { key, end: End::Left })) }
            { button("Pop right (RPOP)", "keys-rpop", |key, _, _| Ok(KeyEdit::ListPop { key, end: End::Right })) }
            { button("Set at index (LSET)", "keys-lset", |key, v, i| {
                let index = i.trim().parse::<i64>().map_err(|_| "the index is a whole number (-1 is the last)".to_owned())?;
                Ok(KeyEdit::ListSet { key, index, value: v.as_str().into() })
            }) }
        </> },
        "set" => html! { <>
            { input("keys-edit-member", "Member", &first) }
            { button("Add (SADD)", "keys-sadd", |key, m, _| Ok(KeyEdit::SetAdd { key, member: m.as_str().into() })) }
            { button("Remove (SREM)", "keys-srem", |key, m, _| Ok(KeyEdit::SetRemove { key, member: m.as_str().into() })) }
        </> },
        "zset" => html! { <>
            { input("keys-edit-member", "Member", &first) }{ input("keys-edit-score", "Score", &second) }
            { button("Set score (ZADD)", "keys-zadd", |key, m, s| {
                let score = s.trim().parse::<f64>().ok().filter(|s| s.is_finite()).ok_or("the score is a number".to_owned())?;
                Ok(KeyEdit::ZsetAdd { key, member: m.as_str().into(), score })
            }) }
            { button("Remove (ZREM)", "keys-zrem", |key, m, _| Ok(KeyEdit::ZsetRemove { key, member: m.as_str().into() })) }
        </> },
        "string" => html! { <>
            { input("keys-edit-value", "New value", &first) }
            { button("Set (SET)", "keys-set", |key, v, _| Ok(KeyEdit::StringSet { key, value: v.as_str().into() })) }
        </> },
        _ => return html! {},
    };
    html! {
        <div class="keys-editor">
            <h4>{ "Edit" }</h4>
            <div class="keys-editor__row">{ body }</div>
            if let Some(why) = &*problem { <p class="data-error" role="alert">{ why.clone() }</p> }
        </div>
    }
}
