//! A key's value as its type shows it: a string as the text, pretty JSON
//! when it parses, and its bytes (hex, and as redis-py returns them: `b'…'`
//! — the module's *bytes versus decoded strings*); a hash as a field/value
//! table; a list by index; a set; a sorted set by rank with scores; a
//! stream's entries.

use bolide_shared::keys::{base64_decode, Value};
use yew::prelude::*;

use crate::api::{Blob, KeyValue};

#[derive(Properties, PartialEq)]
pub struct ValueViewProps {
    pub value: std::rc::Rc<KeyValue>,
    /// A sorted set read by score: its rows have no rank to show.
    #[prop_or_default]
    pub by_score: bool,
}

/// Bytes as hex, 16 a line.
pub fn hex_dump(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|line| line.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bytes as Python writes a `bytes` value.
pub fn python_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

fn cell(blob: &Blob) -> Html {
    match blob {
        Blob::Text(text) => html! { { text.clone() } },
        Blob::Binary { .. } => {
            html! { <code class="keys-binary" title="not UTF-8">{ blob.display() }</code> }
        }
    }
}

#[function_component(ValueView)]
pub fn value_view(props: &ValueViewProps) -> Html {
    let value = &props.value;
    let (offset, by_score) = (value.offset, props.by_score);
    match (&value.value, value.kind.as_str()) {
        (Value::String(s), _) => {
            let bytes = base64_decode(&s.base64).unwrap_or_default();
            html! {
                <div class="keys-string">
                    if let Some(json) = &s.json {
                        <h4>{ "JSON (pretty-printed)" }</h4>
                        <pre class="keys-json">{ json.clone() }</pre>
                    }
                    if let Some(text) = &s.text {
                        <h4>{ "Decoded text (UTF-8)" }</h4>
                        <pre class="keys-text">{ text.clone() }</pre>
                    } else {
                        <p class="muted">{ "Not UTF-8: these bytes are no text, only bytes." }</p>
                    }
                    <h4>{ "Bytes, as redis-py returns them" }</h4>
                    <pre class="keys-bytes">{ python_bytes(&bytes) }</pre>
                    <details>
                        <summary>{ format!("Hex ({} bytes)", bytes.len()) }</summary>
                        <pre class="keys-hex">{ hex_dump(&bytes) }</pre>
                    </details>
                    if s.truncated > 0 {
                        <p class="muted">{ format!("… and {} more bytes not shown", s.truncated) }</p>
                    }
                </div>
            }
        }
        (Value::Stream(entries), _) => html! {
            <table class="keys-table">
                <thead><tr><th>{ "id" }</th><th>{ "fields" }</th></tr></thead>
                <tbody>{ for entries.iter().map(|e| html! {
                    <tr><td><code>{ e.id.clone() }</code></td><td>
                        { for e.fields.iter().map(|(f, v)| html! { <span class="keys-pair">{ cell(f) }{ " = " }{ cell(v) }</span> }) }
                    </td></tr>
                }) }</tbody>
            </table>
        },
        (Value::Pairs(pairs), kind) => {
            let (left, right) = if kind == "zset" { ("member", "score") } else { ("field", "value") };
            html! {
                <table class="keys-table">
                    <thead><tr>
                        if kind == "zset" && !by_score { <th>{ "rank" }</th> }
                        <th>{ left }</th><th>{ right }</th>
                    </tr></thead>
                    <tbody>{ for pairs.iter().enumerate().map(|(i, (a, b))| html! {
                        <tr data-field={a.display()}>
                            if kind == "zset" && !by_score { <td>{ offset + i as u64 }</td> }
                            <td>{ cell(a) }</td><td class="keys-cell-value">{ cell(b) }</td>
                        </tr>
                    }) }</tbody>
                </table>
            }
        }
        (Value::Items(items), kind) => html! {
            <table class="keys-table">
                <thead><tr>
                    if kind == "list" { <th>{ "index" }</th> }
                    <th>{ if kind == "list" { "value" } else { "member" } }</th>
                </tr></thead>
                <tbody>{ for items.iter().enumerate().map(|(i, item)| html! {
                    <tr>
                        if kind == "list" { <td>{ offset + i as u64 }</td> }
                        <td>{ cell(item) }</td>
                    </tr>
                }) }</tbody>
            </table>
        },
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;
    use crate::keys::tree_level::ttl_text;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn bytes_show_as_hex_and_as_python_bytes() {
        assert_eq!(python_bytes(b"Joe's\n\xff"), "b'Joe\\'s\\n\\xff'");
        assert_eq!(hex_dump(&[0, 0xff, 0x41]), "00 ff 41");
        assert_eq!(hex_dump(&[7; 17]).lines().count(), 2);
        assert_eq!(ttl_text(None), "no TTL");
        assert_eq!(ttl_text(Some(500_000)), "8 min");
        assert_eq!(ttl_text(Some(1_500)), "1 s");
    }
}
