//! A console line, as any bytes a browser could send, through what the
//! server does with it in shared mode: tokenize (`split_args_bytes`),
//! resolve, `decide`, and rewrite the keys into the session's namespace.
//!
//! Nothing may panic, and when a command is forwarded and rewritten:
//! - the argument count and every non-key argument are unchanged;
//! - every key position, found again on the rewritten arguments, holds a
//!   namespaced key whose stripped name is the original argument;
//! - no argument but those keys carries the session's prefix.

#![no_main]

use bolide::console::namespace::Namespace;
use bolide_shared::cli::split_args_bytes;
use bolide_shared::commands::{decide, resolve, Decision, Mode};
use libfuzzer_sys::fuzz_target;

const SESSION: &str = "0123456789abcdef0123456789abcdef";

fuzz_target!(|line: &[u8]| {
    let Ok(args) = split_args_bytes(line) else {
        return;
    };
    let resolved = resolve(&args);
    let Decision::Forward(spec) = decide(&args, Mode::Shared) else {
        return;
    };
    assert_eq!(resolved, Some(spec), "decide forwards the command resolve names");
    let ns = Namespace::for_session(SESSION);
    let before = spec.key_positions(&args);
    let mut rewritten = args.clone();
    if ns.rewrite(spec, &mut rewritten).is_err() {
        assert!(before.is_err(), "rewrite fails exactly when the keys are unknown");
        assert_eq!(rewritten, args, "a refused rewrite changes nothing");
        return;
    }
    let Ok(before) = before else {
        panic!("rewrite succeeded where key_positions failed");
    };
    assert_eq!(rewritten.len(), args.len());
    let after = spec.key_positions(&rewritten).expect("the rewritten command's keys are known");
    for &i in &after {
        let key = &rewritten[i];
        assert!(key.starts_with(ns.prefix()), "key {i} is outside the namespace");
        assert_eq!(ns.strip(key), Some(args[i].as_slice()), "key {i} strips back to the original");
    }
    for (i, (old, new)) in args.iter().zip(&rewritten).enumerate() {
        if before.contains(&i) {
            assert_eq!(new, &ns.add(old));
        } else {
            assert_eq!(new, old, "argument {i} is not a key and is unchanged");
        }
    }
});
