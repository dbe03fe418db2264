//! Console commands Bolide answers itself and Redis does not have.
//!
//! redis-cli has `HELP` and `CLEAR` as built-ins, and students expect them
//! in a console that looks like redis-cli. Giving them table entries means
//! `lookup("help")`, hints and [`super::policy`] treat them like any other
//! command instead of special-casing names in several places. Kept apart
//! from the generated table so [`super::all`] is exactly Redis's.

use super::{CommandSpec, LegacyKeys};

/// Sorted by name, like the generated table.
pub(super) static BUILTINS: &[CommandSpec] = &[
    CommandSpec {
        name: "CLEAR",
        arity: 1,
        flags: &[],
        acl_categories: &[],
        legacy_keys: LegacyKeys { first: 0, last: 0, step: 0 },
        key_specs: &[],
        syntax: "",
        summary: "Clear the console screen (a Bolide console command, as in redis-cli)",
        complexity: "",
        since: "",
        group: "console",
    },
    CommandSpec {
        name: "HELP",
        arity: -1,
        flags: &[],
        acl_categories: &[],
        legacy_keys: LegacyKeys { first: 0, last: 0, step: 0 },
        key_specs: &[],
        syntax: "[@group|command [subcommand]]",
        summary: "Show help on a command or a group of commands (a Bolide console command, as in redis-cli)",
        complexity: "",
        since: "",
        group: "console",
    },
];
