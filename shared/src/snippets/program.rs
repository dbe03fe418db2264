//! A [`Snippet`] as a whole program to copy and run: the imports, the
//! connection (host, port and database as the console's prompt names
//! them), the call, and what it prints as a comment — so the block still
//! runs when pasted. The console's code panel shows these, and the tests
//! run the Python ones against a real Redis.

use super::Snippet;

/// Longer outputs are cut (the console's own output has the whole reply).
const MAX_OUTPUT_CHARS: usize = 3_000;

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
pub fn python_program(snippet: &Snippet, target: &Target, omitted: bool) -> String {
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
pub fn rust_program(snippet: &Snippet, target: &Target, omitted: bool) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_connects_calls_and_prints() {
        let target = Target::from_prompt("127.0.0.1:6390[2]>").expect("a prompt with an address");
        assert_eq!(target, Target { host: "127.0.0.1".into(), port: 6390, db: 2 });
        let args: [&[u8]; 3] = [b"SET", b"bin", b"\x00\xff"];
        let snippet = super::super::python(&args, Some(&crate::cli::Reply::Status("OK".into())));
        assert_eq!(
            python_program(&snippet, &target, false),
            "import redis\n\nrd = redis.Redis(host='127.0.0.1', port=6390, db=2)\nprint(rd.set('bin', b'\\x00\\xff'))\n# True"
        );
        let snippet = super::super::rust(&args, Some(&crate::cli::Reply::Status("OK".into())));
        let program = rust_program(&snippet, &target, false);
        assert!(program.contains("redis://127.0.0.1:6390/2"), "{program}");
        assert!(program.contains("    let _: () = con.set(\"bin\", b\"\\x00\\xff\")?;\n"), "{program}");
        assert_eq!(Target::from_prompt("not connected>"), None);
    }
}
