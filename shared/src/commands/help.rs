//! redis-cli's interactive help, from the command table: `HELP`, Tab
//! completion and the grey argument hints.
//!
//! # Why reimplement redis-cli's help instead of inventing a nicer one
//!
//! Students learn Redis here and then use `redis-cli` on their own machine,
//! in tutorials and in the exam room. When `HELP SET` prints the same block
//! in both places, and Tab and the hints behave the same way, what they
//! learn in the browser carries over. So the three functions here follow
//! redis-cli 7.0's `cliOutputHelp`, `completionCallback` and
//! `hintsCallback`, fed by the same data redis-cli uses (the syntax,
//! summary, since and group of each command, which the table generator
//! reads from `COMMAND DOCS`).
//!
//! Both the browser and the server answer with [`HelpTable`]'s methods, so
//! `HELP` answers the same whichever side handles it, and nothing here
//! touches the network. The server reads the table compiled in
//! ([`HelpTable::compiled`], behind the free functions [`help_text`],
//! [`complete`] and [`hint`]); the browser app gets the same table as JSON
//! from `GET /api/commands/help` once, so the command docs (most of the
//! command table's bytes) are not part of the app's first download.
//!
//! # Where Bolide deliberately differs
//!
//! - The output is plain text: redis-cli's `\r\n` become `\n`, its ANSI
//!   colours are left out (the page styles the text itself), and there is
//!   no trailing newline (the console adds its own line breaks).
//! - A command Bolide's console refuses, or runs only on the student's own
//!   machine, gets one more line, `  bolide: ...`, saying so and why: the
//!   help should not describe a command the console will then reject
//!   without warning.
//! - Where redis-cli prints nothing at all (`HELP nosuchcommand`,
//!   `HELP @nosuchgroup`), Bolide says what went wrong and what to try: an
//!   empty answer teaches nothing.
//! - Bare `HELP` describes Bolide's console (its `quit` and `:set hints`
//!   lines would not work here) and lists the groups.
//! - Tab completion keeps the case the student is typing in (`se` Tab gives
//!   `set`), as newer redis-cli versions do; redis-cli 7.0 always completes
//!   in upper case.
//! - Hints find subcommands the way redis-cli 7.0 does (`CONFIG GET`), and
//!   Bolide's own console commands (`HELP`, `CLEAR`) have hints too.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::policy::{policy, Policy};
use super::{all, builtins, groups, CommandSpec, REDIS_VERSION};
use crate::cli::split_args;

/// The group of Bolide's own console commands (`HELP`, `CLEAR`); `HELP
/// @console` lists them.
const CONSOLE_GROUP: &str = "console";

/// What `HELP`, completion and hints read of one command: the fields
/// redis-cli's help uses, and Bolide's `bolide:` note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpEntry {
    /// As in the command table: upper case, `"CONFIG GET"` for a subcommand.
    pub name: String,
    /// The arguments, without the name (see [`CommandSpec::syntax`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub syntax: String,
    pub summary: String,
    /// Empty for Bolide's own console commands.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub since: String,
    pub group: String,
    /// What follows `  bolide: ` for a command the console refuses or runs
    /// only on the student's own machine (`refused — scripting is ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bolide: Option<String>,
}

/// Everything `HELP`, Tab completion and the hints need, apart from the
/// rest of the command table (key specs, flags, categories), which only
/// the server reads.
///
/// # Why a table of its own
///
/// The command docs are most of the command table's bytes, and the browser
/// app needs them only once the console is used. So the server builds this
/// table once from the compiled-in command table ([`HelpTable::compiled`])
/// and serves it as JSON (`GET /api/commands/help`); the browser app
/// fetches it when a console appears and keeps it, so completion, hints
/// and `HELP` then work without the network. Both sides answer with the
/// same methods on the same data, so `HELP` reads the same whichever side
/// handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpTable {
    /// The Redis version the command table was generated from.
    pub redis_version: String,
    /// The `COMMAND DOCS` groups, sorted, without Bolide's `console`.
    pub groups: Vec<String>,
    /// Every command `HELP` knows, sorted by name: Redis's and Bolide's
    /// console commands merged.
    pub commands: Vec<HelpEntry>,
}

static COMPILED: LazyLock<HelpTable> = LazyLock::new(HelpTable::build);

/// [`HelpTable::help_text`] on the compiled-in table (the server's side).
///
/// ```
/// use bolide_shared::commands::help::help_text;
///
/// let text = help_text(&[b"get".to_vec()]);
/// assert_eq!(
///     text,
///     "\n  GET key\n  summary: Get the value of a key\n  since: 1.0.0\n  group: string"
/// );
/// let eval = help_text(&[b"EVAL".to_vec()]);
/// assert!(eval.ends_with("  bolide: refused — scripting is disabled in Bolide's console"));
/// ```
pub fn help_text(args: &[Vec<u8>]) -> String {
    HelpTable::compiled().help_text(args)
}

/// [`HelpTable::complete`] on the compiled-in table.
///
/// ```
/// use bolide_shared::commands::help::complete;
///
/// assert_eq!(complete("hgetal"), ["hgetall"]);
/// assert_eq!(complete("HGETAL"), ["HGETALL"]);
/// assert!(complete("help @ha").contains(&"help @hash".to_string()));
/// assert!(complete("").is_empty());
/// ```
pub fn complete(line: &str) -> Vec<String> {
    HelpTable::compiled().complete(line)
}

/// [`HelpTable::hint`] on the compiled-in table.
///
/// ```
/// use bolide_shared::commands::help::hint;
///
/// assert_eq!(hint("get").as_deref(), Some(" key"));
/// assert_eq!(hint("hset h ").as_deref(), Some("field value [field value ...]"));
/// assert_eq!(hint("config get").as_deref(), Some(" parameter [parameter ...]"));
/// assert_eq!(hint("get k"), None);
/// ```
pub fn hint(line: &str) -> Option<String> {
    HelpTable::compiled().hint(line)
}

impl HelpTable {
    /// The table built from the compiled-in command table and
    /// [`policy`], once. The browser app never calls this (it would
    /// compile the whole command table in); it fetches the same table from
    /// the server.
    pub fn compiled() -> &'static HelpTable {
        &COMPILED
    }

    fn build() -> HelpTable {
        HelpTable {
            redis_version: REDIS_VERSION.to_owned(),
            groups: groups().iter().map(|g| (*g).to_owned()).collect(),
            commands: entries()
                .map(|spec| HelpEntry {
                    name: spec.name.to_owned(),
                    syntax: spec.syntax.to_owned(),
                    summary: spec.summary.to_owned(),
                    since: spec.since.to_owned(),
                    group: spec.group.to_owned(),
                    bolide: bolide_note(spec),
                })
                .collect(),
        }
    }

    /// Puts the commands in name order, as every lookup expects: a table
    /// that came over the network is sorted before use, so a wrong order
    /// cannot make lookups miss.
    pub fn sorted(mut self) -> HelpTable {
        self.commands.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// What redis-cli 7.0 prints for `HELP` followed by `args` (the words
    /// after `HELP`, already split like any console line), as plain text
    /// with `\n` line breaks and no trailing newline.
    ///
    /// - `HELP` alone: how to use help, and the list of groups.
    /// - `HELP SET`, `HELP set`, `HELP CONFIG GET`: every command whose name
    ///   starts with these words, so `HELP CONFIG` lists `CONFIG` and all its
    ///   subcommands. Each block is redis-cli's:
    ///
    ///   ```text
    ///
    ///     SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|...]
    ///     summary: Set the string value of a key
    ///     since: 1.0.0
    ///     group: string
    ///   ```
    ///
    ///   (the output starts with an empty line, as redis-cli's does).
    /// - `HELP @hash`: every command of the group, without the `group:` line.
    ///
    /// Refused and local-only commands get a `  bolide: ...` line with the
    /// reason. Unknown commands and groups get a one-line explanation where
    /// redis-cli prints nothing.
    pub fn help_text(&self, args: &[Vec<u8>]) -> String {
        let words: Vec<String> = args.iter().map(|arg| String::from_utf8_lossy(arg).into_owned()).collect();
        let Some(first) = words.first() else {
            return self.generic_help();
        };
        let mut out = String::new();
        if let Some(group) = first.strip_prefix('@').and_then(|typed| self.known_group(typed)) {
            for entry in self.commands.iter().filter(|entry| entry.group == group) {
                push_command_help(&mut out, entry, false);
            }
        } else {
            for entry in &self.commands {
                let name: Vec<&str> = entry.name.split(' ').collect();
                let matches = words.len() <= name.len()
                    && words.iter().zip(&name).all(|(word, part)| word.eq_ignore_ascii_case(part));
                if matches {
                    push_command_help(&mut out, entry, true);
                }
            }
        }
        if out.is_empty() {
            return self.no_help(&words);
        }
        // redis-cli ends with one more empty line; the console adds its own.
        while out.ends_with('\n') {
            out.pop();
        }
        out
    }

    /// The command names (and, after `HELP `, the `@group`s) that complete
    /// `line`, for the Tab key: each is the whole new line, as redis-cli's
    /// completion offers it.
    ///
    /// Like redis-cli, the typed text is matched case-insensitively against
    /// the start of every command name, subcommands included (`config g`
    /// completes to `config get`); after `help ` the groups are offered
    /// first, then the commands. The completion is in lower case when the
    /// word being completed starts with a lower-case letter, upper case
    /// otherwise (group names are always lower case, as `HELP` spells
    /// them). A blank line completes to nothing, so Tab can move the focus
    /// on instead.
    pub fn complete(&self, line: &str) -> Vec<String> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        let (start, with_groups) = match line.get(..5) {
            Some(head) if head.eq_ignore_ascii_case("help ") => {
                let rest = &line[5..];
                (line.len() - rest.trim_start_matches(is_c_space).len(), true)
            }
            _ => (0, false),
        };
        let (before, word) = line.split_at(start);
        let lower = word.chars().find(char::is_ascii_alphabetic).is_some_and(|c| c.is_ascii_lowercase());
        let mut out = Vec::new();
        if with_groups {
            for group in self.all_groups() {
                if starts_with_ignore_case(&format!("@{group}"), word) {
                    out.push(format!("{before}@{group}"));
                }
            }
        }
        for entry in &self.commands {
            if starts_with_ignore_case(&entry.name, word) {
                let name = if lower { entry.name.to_ascii_lowercase() } else { entry.name.clone() };
                out.push(format!("{before}{name}"));
            }
        }
        out
    }

    /// The grey hint redis-cli shows after the cursor while a line is
    /// typed: the command's syntax without the arguments already typed,
    /// e.g. `" value [NX|XX] ..."` for `SET k`.
    ///
    /// This is redis-cli 7.0's `hintsCallback`: the line is split as
    /// redis-cli splits it; the first word (or the first two, for a
    /// subcommand such as `CONFIG GET`) names the command; then one word of
    /// the syntax is dropped for each argument typed after it, stopping at
    /// the first optional part (`[`), so `SET k v NX` still shows `[NX|XX]
    /// [GET] ...`. The hint starts with a space unless the line already
    /// ends with whitespace.
    ///
    /// `None` when there is nothing to show: an empty line, an unknown
    /// command, a line that does not split (an open quote), or nothing left
    /// to hint.
    pub fn hint(&self, line: &str) -> Option<String> {
        let args = split_args(line).ok()?;
        let first = args.first().map(|arg| String::from_utf8_lossy(arg))?;
        let sub = args.get(1).map(|arg| String::from_utf8_lossy(arg));
        let subcommand = sub
            .as_deref()
            .filter(|sub| !first.contains(' ') && !sub.contains(' '))
            .and_then(|sub| self.lookup(&[first.as_bytes(), b" ", sub.as_bytes()]));
        let (entry, consumed) = match subcommand {
            Some(entry) => (entry, 2),
            None => (self.lookup(&[first.as_bytes()])?, 1),
        };
        let mut hint = entry.syntax.as_str();
        let mut to_remove = args.len() - consumed;
        while to_remove > 0 && !hint.is_empty() {
            if hint.starts_with('[') {
                break;
            }
            if hint.starts_with(' ') {
                to_remove -= 1;
            }
            hint = hint.get(1..).unwrap_or_default();
        }
        if hint.trim().is_empty() {
            return None;
        }
        let ends_with_space = line.bytes().last().is_some_and(|byte| is_c_space(char::from(byte)));
        Some(if ends_with_space { hint.to_owned() } else { format!(" {hint}") })
    }

    /// The command named by `parts` concatenated (ASCII case-insensitive),
    /// by binary search, allocating nothing.
    fn lookup(&self, parts: &[&[u8]]) -> Option<&HelpEntry> {
        let wanted = || parts.iter().flat_map(|p| p.iter()).map(u8::to_ascii_uppercase);
        let found = self.commands.binary_search_by(|entry| entry.name.bytes().cmp(wanted()));
        found.ok().and_then(|i| self.commands.get(i))
    }

    /// Redis's groups, then Bolide's `console`.
    fn all_groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(String::as_str).chain([CONSOLE_GROUP])
    }

    /// The table's spelling of a group name typed after `@`, if it is one.
    fn known_group(&self, typed: &str) -> Option<&str> {
        self.all_groups().find(|group| group.eq_ignore_ascii_case(typed))
    }

    /// Bare `HELP`: redis-cli's text, adapted to Bolide's console.
    fn generic_help(&self) -> String {
        let mut out = format!(
            "Bolide console: redis-cli {} in your browser\n\
             To get help about Redis commands type:\n\
             \x20     \"help @<group>\" to get a list of commands in <group>\n\
             \x20     \"help <command>\" for help on <command>\n\
             \x20     \"help <tab>\" to get a list of possible help topics\n\
             \x20     \"clear\" to clear the screen\n\
             \n\
             Groups:",
            self.redis_version
        );
        for group in self.all_groups() {
            out.push_str(" @");
            out.push_str(group);
        }
        out.push_str("\n\nTab completes command names; ↑ and ↓ walk through your history.");
        out
    }

    /// Where redis-cli prints nothing: say why, and what to try.
    fn no_help(&self, words: &[String]) -> String {
        let topic = words.join(" ");
        if let Some(group) = topic.strip_prefix('@') {
            let list: Vec<String> = self.all_groups().map(|g| format!("@{g}")).collect();
            format!("No help for \"@{group}\": there is no such group. The groups are {}.", list.join(" "))
        } else {
            format!(
                "No help for \"{topic}\": Redis {} has no such command. \
                 Try HELP @<group> (HELP lists the groups), or type the start of a name and press Tab.",
                self.redis_version
            )
        }
    }
}

/// Every command `HELP` knows, in name order: Redis's table and Bolide's
/// console commands merged (both are sorted).
fn entries() -> impl Iterator<Item = &'static CommandSpec> {
    let mut redis = all().iter().peekable();
    let mut console = builtins().iter().peekable();
    std::iter::from_fn(move || match (redis.peek(), console.peek()) {
        (Some(r), Some(c)) if c.name < r.name => console.next(),
        (Some(_), _) => redis.next(),
        (None, _) => console.next(),
    })
}

/// Appends one command's block, as redis-cli's `cliOutputCommandHelp`.
fn push_command_help(out: &mut String, entry: &HelpEntry, with_group: bool) {
    // redis-cli prints the name, a space and the syntax even when the
    // syntax is empty.
    push_line(out, &["\n  ", &entry.name, " ", &entry.syntax]);
    push_line(out, &["  summary: ", &entry.summary]);
    if !entry.since.is_empty() {
        push_line(out, &["  since: ", &entry.since]);
    }
    if with_group {
        push_line(out, &["  group: ", &entry.group]);
    }
    if let Some(note) = &entry.bolide {
        push_line(out, &["  bolide: ", note]);
    }
}

/// The parts, then a line break.
fn push_line(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
    out.push('\n');
}

/// The note after `  bolide: ` for a command the console refuses or runs
/// only on the student's own machine. Containers (`CONFIG` alone) get none:
/// the policy refuses them only until a subcommand is given, and their
/// subcommands are listed right after them with their own lines.
fn bolide_note(spec: &CommandSpec) -> Option<String> {
    if spec.is_container() {
        return None;
    }
    match policy(spec) {
        Policy::Refused { reason } => Some(format!("refused — {reason}")),
        Policy::LocalOnly { reason } => Some(format!("refused on a shared server — {reason}")),
        Policy::Allowed | Policy::Emulated | Policy::EmulatedInShared => None,
    }
}

/// ASCII case-insensitive `name.starts_with(prefix)`.
fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len() && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// C's `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(line: &str) -> String {
        let args = split_args(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        help_text(&args)
    }

    // Recorded from redis-cli 7.0.15 (`echo 'HELP SET' | redis-cli`), with
    // the ANSI colours removed and `\r\n` turned into `\n`.
    const RECORDED_HELP_SET: &str = "\n  SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]\n  summary: Set the string value of a key\n  since: 1.0.0\n  group: string\n\n";
    const RECORDED_HELP_GET: &str =
        "\n  GET key\n  summary: Get the value of a key\n  since: 1.0.0\n  group: string\n\n";
    const RECORDED_HELP_HSET: &str = "\n  HSET key field value [field value ...]\n  summary: Set the string value of a hash field\n  since: 2.0.0\n  group: hash\n\n";
    const RECORDED_HELP_CONFIG_GET: &str = "\n  CONFIG GET parameter [parameter ...]\n  summary: Get the values of configuration parameters\n  since: 2.0.0\n  group: server\n\n";

    /// redis-cli's output as Bolide returns it.
    fn plain(recorded: &str) -> &str {
        recorded.trim_end_matches('\n')
    }

    #[test]
    fn command_help_matches_redis_cli() {
        assert_eq!(help("SET"), plain(RECORDED_HELP_SET));
        assert_eq!(help("set"), plain(RECORDED_HELP_SET));
        assert_eq!(help("GET"), plain(RECORDED_HELP_GET));
        assert_eq!(help("hset"), plain(RECORDED_HELP_HSET));
        // CONFIG GET only works on the student's own machine, which Bolide
        // adds after redis-cli's block.
        let config_get = format!(
            "{}\n  bolide: refused on a shared server — the shared server's configuration is private; \
             CONFIG GET works when Bolide runs on your own machine",
            plain(RECORDED_HELP_CONFIG_GET)
        );
        assert_eq!(help("CONFIG GET"), config_get);
        assert_eq!(help("config get"), config_get);
    }

    #[test]
    fn a_container_lists_itself_and_its_subcommands() {
        let text = help("config");
        // Recorded: the container's line ends with the space before its
        // (empty) syntax.
        assert!(text.starts_with("\n  CONFIG \n  summary: A container for server configuration commands\n  since: 2.0.0\n  group: server\n\n  CONFIG GET parameter"), "{text}");
        assert!(text.contains("\n  CONFIG HELP \n  summary: Show helpful text about the different subcommands\n  since: 5.0.0\n  group: server\n"));
        assert!(text.contains("\n  CONFIG SET parameter value [parameter value ...]\n"));
        // Too many words match nothing, as in redis-cli.
        assert!(help("config get maxmemory").starts_with("No help for \"config get maxmemory\""));
    }

    #[test]
    fn group_help_lists_the_group_without_group_lines() {
        let text = help("@hash");
        assert!(text.starts_with("\n  HDEL key field [field ...]\n  summary: Delete one or more hash fields\n  since: 2.0.0\n\n  HEXISTS key field\n"), "{text}");
        assert!(!text.contains("group:"));
        assert!(text.contains("\n  HGETALL key\n"));
        assert!(!text.contains("HELP"));
        assert!(!text.ends_with('\n'));
        assert_eq!(help("@HASH"), text);
        let strings = help("@string");
        assert!(strings.contains("\n  SET key value") && strings.contains("\n  GET key\n"));
        assert!(!strings.contains("HSET"));
    }

    #[test]
    fn refused_and_local_only_commands_say_so() {
        assert!(help("EVAL")
            .ends_with("  group: scripting\n  bolide: refused — scripting is disabled in Bolide's console"));
        assert!(help("FLUSHALL").contains("\n  bolide: refused — FLUSHALL would erase every database"));
        assert!(help("INFO").ends_with("\n  bolide: refused on a shared server — INFO describes the whole shared server; it works when Bolide runs on your own machine"));
        assert!(help("BLPOP").contains("bolide: refused — blocking commands"));
        assert!(!help("GET").contains("bolide:"));
        assert!(!help("MULTI").contains("bolide:"));
        // The container line stays as redis-cli prints it; the refused
        // subcommand has its own line.
        let config = help("CONFIG");
        assert!(config.starts_with("\n  CONFIG \n  summary: A container for server configuration commands\n  since: 2.0.0\n  group: server\n\n"));
        assert!(config.contains("  CONFIG SET parameter value [parameter value ...]\n  summary: Set configuration parameters to the given values\n  since: 2.0.0\n  group: server\n  bolide: refused — changing the server's configuration could break Bolide"));
        let scripting = help("@scripting");
        assert!(scripting.contains("\n  EVAL script numkeys [key [key ...]] [arg [arg ...]]\n  summary: Execute a Lua script server side\n  since: 2.6.0\n  bolide: refused — scripting"));
    }

    #[test]
    fn console_commands_have_help() {
        let text = help("help");
        assert!(text.starts_with("\n  HELP [@group|command [subcommand]]\n  summary: Show help"), "{text}");
        assert!(text.contains("\n  group: console"));
        assert!(!text.contains("since:"));
        let console = help("@console");
        assert!(console.contains("\n  CLEAR \n") && console.contains("\n  HELP [@group"));
    }

    #[test]
    fn bare_help_lists_the_groups() {
        let text = help_text(&[]);
        assert!(text.starts_with("Bolide console: redis-cli 7.0.15 in your browser\nTo get help about Redis commands type:\n      \"help @<group>\" to get a list of commands in <group>\n"), "{text}");
        assert!(text.contains("Groups: @bitmap @cluster @connection @generic @geo @hash @hyperloglog @list @pubsub @scripting @server @set @sorted-set @stream @string @transactions @console\n"));
        assert!(!text.ends_with('\n'));
    }

    #[test]
    fn unknown_topics_are_explained() {
        assert_eq!(
            help("nosuch"),
            "No help for \"nosuch\": Redis 7.0.15 has no such command. Try HELP @<group> (HELP lists the groups), or type the start of a name and press Tab."
        );
        assert!(help("@nosuch")
            .starts_with("No help for \"@nosuch\": there is no such group. The groups are @bitmap "));
        // Non-UTF-8 and odd arguments do not panic.
        assert!(help_text(&[vec![0xff, b'@']]).starts_with("No help for"));
        assert!(help_text(&[b"@".to_vec()]).starts_with("No help for \"@\""));
        assert!(help_text(&[Vec::new()]).starts_with("No help for"));
    }

    #[test]
    fn completion_matches_redis_cli_in_the_typed_case() {
        assert_eq!(complete("hgetal"), ["hgetall"]);
        assert_eq!(complete("HGetal"), ["HGETALL"]);
        let se = complete("se");
        assert_eq!(se.first().map(String::as_str), Some("select"));
        assert!(se.contains(&"set".to_owned()) && se.contains(&"setex".to_owned()));
        assert!(se.iter().all(|c| c.starts_with("se")));
        assert_eq!(complete("SE").first().map(String::as_str), Some("SELECT"));
        // Subcommands are whole names, as in redis-cli.
        assert_eq!(complete("config g"), ["config get"]);
        assert!(complete("CONFIG ").contains(&"CONFIG SET".to_owned()));
        // Console commands complete too.
        assert_eq!(complete("cle"), ["clear"]);
        assert!(complete("hel").contains(&"help".to_owned()));
        assert!(complete("zzz").is_empty());
        assert!(complete("").is_empty() && complete("   ").is_empty());
        // A completed word completes to itself (and its longer names).
        assert_eq!(complete("get").first().map(String::as_str), Some("get"));
    }

    #[test]
    fn completion_after_help_offers_groups_first() {
        let topics = complete("help ");
        assert_eq!(topics.first().map(String::as_str), Some("help @bitmap"));
        assert!(topics.contains(&"help @console".to_owned()));
        assert!(topics.contains(&"help SET".to_owned()));
        assert_eq!(complete("help @ha"), ["help @hash"]);
        assert_eq!(complete("HELP @HA"), ["HELP @hash"]);
        assert_eq!(complete("help   hgetal"), ["help   hgetall"]);
        assert_eq!(complete("Help HGETAL"), ["Help HGETALL"]);
        // `@` outside HELP is not a group.
        assert!(complete("@ha").is_empty());
    }

    // Recorded from redis-cli 7.0.15 in a terminal (the grey text after
    // each line), with `hints` on, its default.
    #[test]
    fn hints_match_redis_cli() {
        let set_rest = "[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]";
        assert_eq!(hint("set"), Some(format!(" key value {set_rest}")));
        assert_eq!(hint("set "), Some(format!("key value {set_rest}")));
        assert_eq!(hint("set k"), Some(format!(" value {set_rest}")));
        assert_eq!(hint("set k "), Some(format!("value {set_rest}")));
        assert_eq!(hint("set k v"), Some(format!(" {set_rest}")));
        assert_eq!(hint("set k v n"), Some(format!(" {set_rest}")));
        assert_eq!(hint("SET k v NX"), Some(format!(" {set_rest}")));
        assert_eq!(hint("Get").as_deref(), Some(" key"));
        assert_eq!(hint("get ").as_deref(), Some("key"));
        assert_eq!(hint("get k"), None); // redis-cli shows a lone space
        assert_eq!(hint("hset h f v").as_deref(), Some(" [field value ...]"));
        assert_eq!(hint("hset h f v f2").as_deref(), Some(" [field value ...]"));
        assert_eq!(
            hint("xadd s").as_deref(),
            Some(" [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]")
        );
        assert_eq!(hint("config get").as_deref(), Some(" parameter [parameter ...]"));
        assert_eq!(hint("config get ").as_deref(), Some("parameter [parameter ...]"));
        assert_eq!(hint("config get a").as_deref(), Some(" [parameter ...]"));
        assert_eq!(hint("config set a b ").as_deref(), Some("[parameter value ...]"));
        assert_eq!(hint("config"), None);
        assert_eq!(hint("config xx "), None);
    }

    #[test]
    fn hints_for_console_commands_and_odd_lines() {
        assert_eq!(hint("help").as_deref(), Some(" [@group|command [subcommand]]"));
        assert_eq!(hint(""), None);
        assert_eq!(hint("   "), None);
        assert_eq!(hint("nosuch"), None);
        assert_eq!(hint("get \"k"), None); // does not split: no hint
        assert_eq!(hint("\"set\" k").as_deref(), Some(" value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"));
        assert_eq!(hint("get\t").as_deref(), Some("key"));
        assert_eq!(hint("ping").as_deref(), Some(" [message]"));
        assert_eq!(hint("multi"), None);
    }

    /// The browser's table is the server's, through JSON: every answer
    /// must be the same as from the compiled-in one.
    #[test]
    fn the_table_from_json_answers_exactly_as_the_compiled_one() {
        let compiled = HelpTable::compiled();
        let json = serde_json::to_string(compiled).expect("serialize");
        let fetched: HelpTable = serde_json::from_str::<HelpTable>(&json).expect("parse").sorted();
        assert_eq!(&fetched, compiled);
        let mut lines: Vec<String> = vec![String::new(), "help ".into(), "HELP @".into(), "\"set\" k".into()];
        for entry in &compiled.commands {
            let name = entry.name.to_ascii_lowercase();
            lines.push(name.clone());
            lines.push(format!("{name} "));
            lines.push(format!("{name} a b"));
            lines.push(format!("help {}", &name[..name.len().min(3)]));
            lines.push(name[..name.len().min(2)].to_owned());
            lines.push(format!("help {name}"));
        }
        for group in compiled.all_groups() {
            lines.push(format!("help @{group}"));
        }
        for line in &lines {
            assert_eq!(fetched.complete(line), complete(line), "complete {line:?}");
            assert_eq!(fetched.hint(line), hint(line), "hint {line:?}");
            let args = split_args(line).expect("splits");
            let topics = args.get(1..).unwrap_or_default();
            assert_eq!(fetched.help_text(topics), help_text(topics), "help {line:?}");
        }
        // A table that arrives out of order is put back in order.
        let mut shuffled = compiled.clone();
        shuffled.commands.reverse();
        assert_eq!(&shuffled.sorted(), compiled);
    }

    #[test]
    fn entries_merge_the_console_commands_in_order() {
        let names: Vec<&str> = entries().map(|c| c.name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(names.len(), all().len() + builtins().len());
        assert!(names.contains(&"HELP") && names.contains(&"CLEAR"));
    }
}
