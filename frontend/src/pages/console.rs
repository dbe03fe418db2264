//! `/console`: the redis-cli-style command console.

use yew::prelude::*;

use crate::components::upcoming::Upcoming;

#[function_component(ConsolePage)]
pub fn console_page() -> Html {
    html! {
        <Upcoming
            title="Console"
            lead="Type Redis commands and see exactly what redis-cli would print, against a real Redis."
            plans={vec![
                "SET, GET, HSET, HGETALL, KEYS… with redis-cli-faithful replies".into(),
                "history, Tab completion, argument hints and HELP for every command".into(),
                "the same call in Python (redis-py) and Rust beside each reply".into(),
            ]}
        />
    }
}
