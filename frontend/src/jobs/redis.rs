//! The Redis side of a job: the hash that holds its state, the queue it
//! went through and its entry there, the key of its result, and commands
//! to look at all of them from the console or `redis-cli`.
//!
//! This is the lesson of the page: the API wrote a hash and queued an
//! entry, a worker took it, updated the hash and stored a result, and the
//! page merely reads them back. Every key and command has a copy button;
//! the console cannot select Bolide's database, so the page says how to
//! reach it with `redis-cli`.

use bolide_shared::jobs::JobRedis;
use yew::prelude::*;

use crate::health::{ServerStatus, StatusContext};
use crate::widgets::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct JobRedisProps {
    pub redis: JobRedis,
}

/// One `name: key [Copy]` line.
fn key_row(name: &'static str, what: &'static str, key: &str) -> Html {
    html! {
        <tr>
            <th scope="row" title={what}>{ name }</th>
            <td><code class="job-redis__key">{ key.to_owned() }</code></td>
            <td><CopyButton text={AttrValue::from(key.to_owned())} label={format!("Copy the {name}")} /></td>
        </tr>
    }
}

#[function_component(JobRedisPanel)]
pub fn job_redis_panel(props: &JobRedisProps) -> Html {
    let redis = &props.redis;
    let all_commands = redis.commands.join("\n");
    let port = match use_context::<StatusContext>().as_deref() {
        Some(ServerStatus::Connected(health) | ServerStatus::RedisDown(health)) => health.redis.port,
        _ => 6379,
    };
    let cli = format!("redis-cli -p {port} -n 15");
    html! {
        <section class="job-redis" aria-labelledby="job-redis-title">
            <h3 id="job-redis-title">{ "In Redis" }</h3>
            <p class="muted">
                { "Bolide keeps its own keys in database 15, out of the console's reach (so a " }
                <code>{ "FLUSHDB" }</code>{ " there cannot lose a job). Look at them from a terminal: " }
                <code>{ cli.clone() }</code>
            </p>
            <table class="job-redis__keys">
                <tbody>
                    { key_row("job hash", "status, progress, timestamps, worker, attempts", &redis.job_key) }
                    { key_row("queue", "where the job waited for a worker", &redis.queue_key) }
                    if let Some(entry) = &redis.queue_entry {
                        { key_row("queue entry", "the job's entry in the queue (a stream id)", entry) }
                    }
                    { key_row("result", "the result, kept until it expires", &redis.result_key) }
                </tbody>
            </table>
            if !redis.commands.is_empty() {
                <div class="code-block__head">
                    <h3>{ "Commands to see it yourself" }</h3>
                    <CopyButton text={AttrValue::from(all_commands.clone())} label="Copy every command" />
                </div>
                <ul class="job-redis__commands">
                    { for redis.commands.iter().map(|command| html! {
                        <li>
                            <code>{ command.clone() }</code>
                            <CopyButton text={AttrValue::from(command.clone())} label="Copy the command" />
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
