//! A shared-mode sandbox's Redis ACL user: its name and its rules.
//!
//! The user is the defense in depth behind every rewrite of key names: even
//! if a feature's rewriting had a bug, Redis itself refuses the sandbox any
//! key outside its namespace, any other database (`SELECT` is denied) and
//! Bolide's own keys.

use super::store::SandboxId;
use super::Owner;

/// The Redis ACL user of a session.
pub fn acl_user(id: &SandboxId) -> String {
    format!("bolide-s-{}", id.as_str())
}

/// The `ACL SETUSER` rules of a session's user: its own keys only, no
/// channels, ordinary data commands only.
///
/// Everything the console refuses is denied here too; `SORT` is allowed
/// because Redis itself denies its `BY`/`GET` patterns to a user without
/// access to every key. `KEYS`, `SCAN`, `RANDOMKEY` and `FLUSHDB` are denied:
/// ACL key patterns cannot narrow what they list or flush, so in shared mode
/// Bolide answers them itself, within the namespace.
pub fn acl_rules(owner: &Owner, password: &str) -> Vec<String> {
    let pattern = format!("~{}*", owner.data_prefix);
    let mut rules: Vec<String> =
        vec!["reset".into(), "on".into(), format!(">{password}"), pattern, "resetchannels".into()];
    rules.extend(
        [
            "+@all",
            "-@dangerous",
            "-@admin",
            "-@scripting",
            "-@pubsub",
            "-@blocking",
            "-@connection",
            "+ping",
            "+echo",
            "+command",
            "+sort",
            "+sort_ro",
            "-select",
            "-swapdb",
            "-move",
            "-migrate",
            "-keys",
            "-scan",
            "-randomkey",
            "-flushdb",
            "-flushall",
            "-wait",
        ]
        .iter()
        .map(|rule| rule.to_string()),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_rules_pin_the_namespace() {
        let id = SandboxId::parse("0123456789abcdef0123456789abcdef").expect("id");
        let rules = acl_rules(&Owner::for_session(id.as_str()), "pw");
        assert!(rules.contains(&"~{s:0123456789abcdef0123456789abcdef}:*".to_string()));
        assert!(rules.iter().any(|r| r == "-select"));
        assert_eq!(rules[0], "reset");
    }
}
