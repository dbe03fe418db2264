//! "Download JSON" and "Download CSV" for a result: the file is made in
//! the browser from the result already fetched (a `Blob` and an object
//! URL clicked through a temporary `<a download>`), so no second request
//! and nothing leaves the machine.

use std::rc::Rc;

use bolide_shared::jobs::JobResults;
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::jobs::export::{csv, file_stem, json};

/// How long the object URL outlives the click (the download has started
/// long before; then the memory is given back).
const REVOKE_AFTER_MS: u32 = 60_000;

#[derive(Properties, PartialEq)]
pub struct JobExportProps {
    pub results: Rc<JobResults>,
}

/// Makes the browser download `text` as `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    use wasm_bindgen_futures::js_sys::Array;
    let js_error = |err: wasm_bindgen::JsValue| format!("{err:?}");
    let document = web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
    let parts = Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let link = document
        .create_element("a")
        .map_err(js_error)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "not an <a> element".to_owned())?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    Timeout::new(REVOKE_AFTER_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

#[function_component(JobExport)]
pub fn job_export(props: &JobExportProps) -> Html {
    let error = use_state(|| None::<String>);
    let button = |kind: &'static str, mime: &'static str, make: fn(&JobResults) -> String| {
        let (results, error) = (props.results.clone(), error.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            let name = format!("{}.{kind}", file_stem(&results));
            error.set(download(&name, mime, &make(&results)).err());
        });
        html! {
            <button type="button" class={format!("job-export job-export--{kind}")} {onclick}
                title={format!("Download the result as {}", kind.to_uppercase())}>
                { format!("Download {}", kind.to_uppercase()) }
            </button>
        }
    };
    html! {
        <span class="job-export-buttons">
            { button("json", "application/json", json) }
            { button("csv", "text/csv;charset=utf-8", csv) }
            if let Some(message) = error.as_ref() {
                <span class="data-error" role="alert">{ format!("Download failed: {message}") }</span>
            }
        </span>
    }
}
