//! The console command table: every Redis command and subcommand Bolide
//! knows, what it looks like, which of its arguments are keys, and (in
//! [`policy`](mod@policy)) what Bolide's console does with it.
//!
//! # Why a table, and why here
//!
//! The browser app needs it for `HELP`, hints and completion; the server
//! needs it to decide whether a command may run and, in shared mode, which
//! arguments are keys to put in the student's namespace. Both compile this
//! crate, so they cannot disagree about a command. The app does not link
//! the table itself, which would make it a third heavier: it gets the part
//! `HELP`, hints and completion read from the server, built from this
//! table ([`help::HelpTable`]), and recognises commands by [`names`] alone.
//!
//! The data comes from a real Redis rather than from hand-written lists:
//! `tools/gen-commands/gen_commands.py` starts a throw-away `redis-server`,
//! reads `COMMAND` and `COMMAND DOCS`, and writes `generated.rs`, which
//! is committed and reviewed (its header names the Redis version, also in
//! [`REDIS_VERSION`]). What Bolide *allows* is a decision, not data, so
//! it lives in the hand-written [`policy`](mod@policy) module, which the
//! generator never touches.
//!
//! Everything is `&'static` data in sorted slices: nothing is built at
//! start-up (this matters for the wasm app's first paint), and lookups are
//! binary searches that allocate nothing (a name sent again right after
//! is not searched again: [`resolve`] remembers the last one).
//!
//! # Names
//!
//! A subcommand is named the way a student types it, `"CONFIG GET"` (Redis
//! itself says `config|get`). Names in the table are upper case; every
//! lookup is ASCII case-insensitive. Containers (`CONFIG`, `CLIENT`,
//! `XINFO`, ...) have their own entry, like in Redis, and their subcommands
//! sort right after them.
//!
//! # Which arguments are keys
//!
//! [`CommandSpec::key_positions`] follows Redis 7's key specs exactly as the
//! server does (`COMMAND GETKEYS` gives the same positions); see its doc
//! for the few commands where key specs cannot tell.

mod builtins;
#[rustfmt::skip]
mod generated;
pub mod help;
pub mod policy;

use std::cell::Cell;

pub use generated::REDIS_VERSION;
pub use policy::{check_args, decide, policy, Databases, Decision, Mode, Policy, Refusal};

/// One command or subcommand, as Redis describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// Upper case; a subcommand is `"CONTAINER SUB"`, e.g. `"CONFIG GET"`.
    pub name: &'static str,
    /// Redis's signed arity, counting the command name (and the subcommand
    /// name, for subcommands): `n > 0` means exactly `n` words, `-n` means
    /// at least `n`. See [`CommandSpec::accepts_argc`].
    pub arity: i32,
    /// Command flags as `COMMAND` lists them (lower case, e.g. `"write"`,
    /// `"denyoom"`, `"blocking"`, `"movablekeys"`).
    pub flags: &'static [&'static str],
    /// ACL categories without the `@` (e.g. `"write"`, `"string"`,
    /// `"dangerous"`).
    pub acl_categories: &'static [&'static str],
    /// The pre-7.0 key range (`first`, `last`, `step` of `COMMAND`). Kept
    /// for reference; [`CommandSpec::key_positions`] uses the key specs.
    pub legacy_keys: LegacyKeys,
    /// Redis 7 key specs, in Redis's order.
    pub key_specs: &'static [KeySpec],
    /// The arguments as redis-cli's `HELP` and hints show them, without the
    /// command name: `"key value [NX|XX] [GET] [EX seconds|...]"`. Empty for
    /// commands without arguments. See [`CommandSpec::usage`].
    pub syntax: &'static str,
    /// One line, from `COMMAND DOCS`.
    pub summary: &'static str,
    /// Time complexity, from `COMMAND DOCS` (empty for a few commands).
    pub complexity: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    /// The `COMMAND DOCS` group (`"string"`, `"sorted-set"`, ...); see
    /// [`groups`]. Bolide's own console commands use `"console"`.
    pub group: &'static str,
}

/// `COMMAND`'s legacy first/last/step key positions (`0, 0, 0`: no keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyKeys {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

/// A Redis 7 key spec: where to start looking for keys, then how to find
/// them from there. Positions count from the command name at index 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// Redis's note, when it has one (often why the flags are what they are).
    pub notes: &'static str,
    /// Key-spec flags as Redis spells them: `"RO"`, `"RW"`, `"OW"`, `"RM"`,
    /// `"access"`, `"update"`, `"insert"`, `"delete"`, `"not_key"`,
    /// `"incomplete"`, `"variable_flags"`.
    pub flags: &'static [&'static str],
    pub begin_search: BeginSearch,
    pub find_keys: FindKeys,
}

/// Where the search for a key spec's keys begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index { pos: i32 },
    /// Just after `keyword` (case-insensitive), searching from `startfrom`
    /// (negative: from the end, backwards).
    Keyword { keyword: &'static str, startfrom: i32 },
    /// Redis cannot tell from the arguments' positions alone.
    Unknown,
}

/// How to find the keys once the search has begun at `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys from `first` to `first + lastkey` (negative `lastkey`: counted
    /// from the end; with `limit > 0`, only the first `1/limit` of what is
    /// left, as in `XREAD ... STREAMS k1 k2 id1 id2`), every `keystep`.
    Range { lastkey: i32, keystep: i32, limit: i32 },
    /// The number of keys is the argument at `first + keynumidx`; keys start
    /// at `first + firstkey`, every `keystep`.
    Keynum { keynumidx: i32, firstkey: i32, keystep: i32 },
    /// Redis cannot tell from the arguments' positions alone.
    Unknown,
}

/// Why [`CommandSpec::key_positions`] could not list the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySearchError {
    /// The arguments do not fit the command's arity or key specs (missing
    /// arguments, a `numkeys` that is not a number or exceeds the
    /// arguments, ...).
    /// Redis would reject such a command before touching any key.
    Malformed,
    /// The key specs cannot name every key this command may touch
    /// (`SORT`/`SORT_RO` with a `BY`/`GET` pattern, `MIGRATE`; any spec
    /// Redis marks `unknown` or `incomplete`).
    Unknown,
}

impl CommandSpec {
    /// Whether Redis accepts `argc` words (command name included).
    pub fn accepts_argc(&self, argc: usize) -> bool {
        let arity = i64::from(self.arity);
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Where this entry sits in [`all`], told from its address (the table
    /// is one static slice), so code that runs per command can find what
    /// it keeps per entry without searching by name again. `None` for a
    /// [`builtins`] entry or a copy of an entry.
    pub fn index(&self) -> Option<usize> {
        let table = all();
        let offset = (self as *const CommandSpec as usize).checked_sub(table.as_ptr() as usize)?;
        let size = std::mem::size_of::<CommandSpec>();
        if size == 0 || offset % size != 0 {
            return None;
        }
        let index = offset / size;
        table.get(index).filter(|entry| std::ptr::eq(*entry, self)).map(|_| index)
    }

    /// What `decide` says of this entry, decided once per table entry the
    /// first time any is asked and then read by [`Self::index`]: for what
    /// code running per command asks several times (its policy, its cost
    /// rule), where deciding compares names, flags and groups. `cache` is
    /// the caller's own `static`, one per `decide`.
    pub fn per_entry<T: Copy>(
        &self,
        cache: &'static std::sync::OnceLock<Vec<T>>,
        decide: fn(&CommandSpec) -> T,
    ) -> T {
        self.index()
            .and_then(|index| cache.get_or_init(|| all().iter().map(decide).collect()).get(index).copied())
            .unwrap_or_else(|| decide(self))
    }

    /// Whether `COMMAND` lists `flag` (ASCII case-insensitive).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    /// Whether the command is in ACL category `category` (with or without
    /// the `@`, ASCII case-insensitive).
    pub fn in_category(&self, category: &str) -> bool {
        let category = category.strip_prefix('@').unwrap_or(category);
        self.acl_categories.iter().any(|c| c.eq_ignore_ascii_case(category))
    }

    /// Whether this is a subcommand (`"CONFIG GET"`).
    pub fn is_subcommand(&self) -> bool {
        self.name.contains(' ')
    }

    /// The container's name for a subcommand (`"CONFIG"` for
    /// `"CONFIG GET"`), the name itself otherwise.
    pub fn command_name(&self) -> &'static str {
        match self.name.split_once(' ') {
            Some((container, _)) => container,
            None => self.name,
        }
    }

    /// Whether this is a container with subcommands (`CONFIG`, `XINFO`, ...).
    pub fn is_container(&self) -> bool {
        // Asked of every command a client sends ([`policy::decide`]).
        static CONTAINERS: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
        self.per_entry(&CONTAINERS, |spec| !spec.subcommands().is_empty())
    }

    /// The subcommands of a container, sorted; empty for other commands.
    pub fn subcommands(&self) -> &'static [CommandSpec] {
        if self.is_subcommand() {
            return &[];
        }
        let table = all();
        let index = match self.index() {
            Some(index) => index,
            None => match table.binary_search_by(|c| c.name.cmp(self.name)) {
                Ok(index) => index,
                Err(_) => return &[],
            },
        };
        let rest = table.get(index + 1..).unwrap_or(&[]);
        let count = rest
            .iter()
            .take_while(|c| c.name.strip_prefix(self.name).is_some_and(|tail| tail.starts_with(' ')))
            .count();
        rest.get(..count).unwrap_or(&[])
    }

    /// `"SET key value [NX|XX] ..."`: the name and the syntax line, as
    /// redis-cli's `HELP SET` prints it.
    pub fn usage(&self) -> String {
        if self.syntax.is_empty() {
            self.name.to_owned()
        } else {
            format!("{} {}", self.name, self.syntax)
        }
    }

    /// The indexes in `args` that are key names, in the order Redis's key
    /// specs find them: the same positions `COMMAND GETKEYS` returns.
    ///
    /// `args` is the whole command as typed: `args[0]` is the command name
    /// (and `args[1]` the subcommand name, for subcommands). Commands
    /// without keys give an empty list.
    ///
    /// This follows Redis's own key-spec walk (`getKeysUsingKeySpecs`),
    /// with two refinements where Redis falls back to per-command code:
    /// a `numkeys` of 0 contributes no keys (as `EVAL s 0` does in Redis),
    /// and `SORT`'s `STORE destination` is found the way Redis's `SORT`
    /// finds it (the last `STORE` wins). `SORT`/`SORT_RO` with a `BY` or
    /// `GET` pattern that names keys (contains `*`) and `MIGRATE` give
    /// [`KeySearchError::Unknown`].
    pub fn key_positions<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Vec<usize>, KeySearchError> {
        if !self.accepts_argc(args.len()) {
            return Err(KeySearchError::Malformed);
        }
        // Where Redis 7.0's key specs differ from what its own parser does
        // (a repeated STORE: the parser stores into the last one), the keys
        // are found the parser's way. Every STORE destination is a key, so
        // none can escape a namespace.
        // For SORT, what the key specs say (as `COMMAND GETKEYS` reads it)
        // and what the parser does are united: prefixing a destination Redis
        // then ignores is harmless, missing the one it uses would not be.
        // For GEORADIUS*, the parser's reading alone: a key spec there can
        // name an option keyword as a key, and prefixing it would change
        // the command (the ACL check, which reads the specs, then refuses
        // what is left unprefixed).
        match self.name {
            "SORT" => return sort_key_positions(args, true),
            "SORT_RO" => return sort_key_positions(args, false),
            "GEORADIUS" => return Ok(georadius_key_positions(args, 6)),
            "GEORADIUSBYMEMBER" => return Ok(georadius_key_positions(args, 5)),
            _ => {}
        }
        self.key_positions_from_specs(args)
    }

    /// Whether [`Self::key_positions`] follows from the number of arguments
    /// (and `numkeys` arguments) alone, never from what other arguments
    /// say: no key spec begins with a keyword search, and the command is
    /// not one whose keys its own parser finds (`SORT`, `GEORADIUS`…).
    /// Then keys rewritten in place (a namespace's prefix added) are where
    /// they were found, and need not be searched for again.
    pub fn keys_found_by_position(&self) -> bool {
        !matches!(self.name, "SORT" | "SORT_RO" | "GEORADIUS" | "GEORADIUSBYMEMBER")
            && self.key_specs.iter().all(|spec| matches!(spec.begin_search, BeginSearch::Index { .. }))
    }

    /// Key positions as Redis's key specs describe them.
    fn key_positions_from_specs<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Vec<usize>, KeySearchError> {
        // The shape of most commands a client sends (`GET key`, `SET key
        // value`, `HSET key …`): one spec, one key at a fixed place. The
        // walk below gives the same, searching and growing its list.
        if let [KeySpec {
            flags,
            begin_search: BeginSearch::Index { pos },
            find_keys: FindKeys::Range { lastkey: 0, keystep, .. },
            ..
        }] = self.key_specs
        {
            if !flags.contains(&"incomplete") {
                return match usize::try_from(*pos) {
                    Ok(at) if at >= 1 && at < args.len() && *keystep >= 1 => Ok(vec![at]),
                    _ => Err(KeySearchError::Malformed),
                };
            }
        }
        let argc = i64::try_from(args.len()).map_err(|_| KeySearchError::Malformed)?;
        let mut keys = Vec::new();
        for spec in self.key_specs {
            if spec.flags.contains(&"incomplete") {
                return Err(KeySearchError::Unknown);
            }
            let first = match spec.begin_search {
                BeginSearch::Index { pos } => i64::from(pos),
                BeginSearch::Keyword { keyword, startfrom } => {
                    match find_keyword(args, keyword, i64::from(startfrom)) {
                        Some(at) => at + 1,
                        None => continue, // an optional keyword that is absent
                    }
                }
                BeginSearch::Unknown => return Err(KeySearchError::Unknown),
            };
            let (first, last, step) = match spec.find_keys {
                FindKeys::Range { lastkey, keystep, limit } => {
                    let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
                    let last = if lastkey >= 0 {
                        first + lastkey
                    } else if limit == 0 {
                        argc + lastkey
                    } else {
                        first + ((argc - first) / limit + lastkey)
                    };
                    (first, last, i64::from(keystep))
                }
                FindKeys::Keynum { keynumidx, firstkey, keystep } => {
                    let at = first + i64::from(keynumidx);
                    let numkeys = usize::try_from(at)
                        .ok()
                        .and_then(|at| args.get(at))
                        .and_then(|arg| parse_redis_int(arg.as_ref()))
                        .ok_or(KeySearchError::Malformed)?;
                    if numkeys < 0 {
                        return Err(KeySearchError::Malformed);
                    }
                    if numkeys == 0 {
                        continue;
                    }
                    let first = first + i64::from(firstkey);
                    (first, first + numkeys - 1, i64::from(keystep))
                }
                FindKeys::Unknown => return Err(KeySearchError::Unknown),
            };
            if first < 1 || last >= argc || last < first || step < 1 {
                return Err(KeySearchError::Malformed);
            }
            let mut i = first;
            while i <= last {
                keys.push(usize::try_from(i).map_err(|_| KeySearchError::Malformed)?);
                i += step;
            }
        }
        Ok(keys)
    }
}

/// Redis's keyword search: from `startfrom` (negative: `argc + startfrom`,
/// going backwards) for `keyword`, never at index 0.
fn find_keyword<A: AsRef<[u8]>>(args: &[A], keyword: &str, startfrom: i64) -> Option<i64> {
    let argc = i64::try_from(args.len()).ok()?;
    let (start, end, forward) =
        if startfrom >= 0 { (startfrom, argc - 1, true) } else { (argc + startfrom, 0, false) };
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            break;
        }
        let arg = usize::try_from(i).ok().and_then(|i| args.get(i))?;
        if arg.as_ref().eq_ignore_ascii_case(keyword.as_bytes()) {
            return Some(i);
        }
        i += if forward { 1 } else { -1 };
    }
    None
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]`, walked the way Redis's `sortGetKeys` does.
fn sort_key_positions<A: AsRef<[u8]>>(args: &[A], can_store: bool) -> Result<Vec<usize>, KeySearchError> {
    if args.len() < 2 {
        return Err(KeySearchError::Malformed);
    }
    let mut keys = vec![1];
    // As `COMMAND GETKEYS` reads it: LIMIT takes two words, BY and GET one,
    // and the word after the last STORE is the destination.
    let mut i = 2;
    let mut spec_store = None;
    while i < args.len() {
        let word = args.get(i).map(AsRef::as_ref).unwrap_or_default();
        let next = args.get(i + 1).map(AsRef::as_ref);
        if word.eq_ignore_ascii_case(b"LIMIT") {
            i += 2;
        } else if word.eq_ignore_ascii_case(b"BY") || word.eq_ignore_ascii_case(b"GET") {
            if next.is_some_and(pattern_names_keys) {
                return Err(KeySearchError::Unknown);
            }
            i += 1;
        } else if word.eq_ignore_ascii_case(b"STORE") && next.is_some() && can_store {
            spec_store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(spec_store);
    // As Redis's sortCommandGeneric parses it: each option consumes its own
    // arguments, and every STORE takes the next word, whatever it is.
    let mut i = 2;
    while i < args.len() {
        let word = args.get(i).map(AsRef::as_ref).unwrap_or_default();
        let left = args.len() - i - 1;
        let next = args.get(i + 1).map(AsRef::as_ref);
        if word.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            i += 2;
        } else if word.eq_ignore_ascii_case(b"STORE") && can_store && left >= 1 {
            keys.push(i + 1);
            i += 1;
        } else if (word.eq_ignore_ascii_case(b"BY") || word.eq_ignore_ascii_case(b"GET")) && left >= 1 {
            if next.is_some_and(pattern_names_keys) {
                return Err(KeySearchError::Unknown);
            }
            i += 1;
        }
        i += 1;
    }
    keys.sort_unstable();
    keys.dedup();
    Ok(keys)
}

/// `GEORADIUS key lon lat radius unit [options]` (options from 6) and
/// `GEORADIUSBYMEMBER key member radius unit [options]` (from 5), as
/// Redis's georadiusGeneric reads them: `COUNT n`, `STORE key` and
/// `STOREDIST key` take an argument, and every destination is a key.
fn georadius_key_positions<A: AsRef<[u8]>>(args: &[A], options_from: usize) -> Vec<usize> {
    let mut keys = vec![1];
    let mut i = options_from;
    while i < args.len() {
        let word = args.get(i).map(AsRef::as_ref).unwrap_or_default();
        let has_next = i + 1 < args.len();
        if word.eq_ignore_ascii_case(b"COUNT") && has_next {
            i += 1;
        } else if (word.eq_ignore_ascii_case(b"STORE") || word.eq_ignore_ascii_case(b"STOREDIST")) && has_next
        {
            keys.push(i + 1);
            i += 1;
        }
        i += 1;
    }
    keys
}

/// Whether a `SORT ... BY/GET` pattern makes Redis read other keys: it
/// does exactly when the pattern contains `*` (`BY nosort` and `GET #`
/// read none).
pub(crate) fn pattern_names_keys(pattern: &[u8]) -> bool {
    pattern.contains(&b'*')
}

/// Redis's strict integer parsing (`string2ll`): optional `-`, digits, no
/// `+`, no spaces, no leading zeros, fits in an `i64`.
pub(crate) fn parse_redis_int(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits.first() == Some(&b'0'))
        || (negative && digits == b"0")
    {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative { value.checked_sub(d)? } else { value.checked_add(d)? };
    }
    Some(value)
}

/// Every Redis command and subcommand, sorted by name (byte order, which
/// puts a container's subcommands right after it). Bolide's own console
/// commands (`HELP`, `CLEAR`) are in [`builtins`], not here.
pub fn all() -> &'static [CommandSpec] {
    generated::COMMANDS
}

/// Bolide's own console commands, which Redis does not have: `HELP` and
/// `CLEAR` (redis-cli's built-ins). [`lookup`] and [`resolve`] find them too.
pub fn builtins() -> &'static [CommandSpec] {
    builtins::BUILTINS
}

/// The command groups `HELP @group` accepts (`COMMAND DOCS` names:
/// `"generic"`, `"string"`, `"sorted-set"`, ...), sorted.
pub fn groups() -> &'static [&'static str] {
    generated::GROUPS
}

/// The commands and subcommands of `group` (with or without `@`, ASCII
/// case-insensitive), in table order.
pub fn in_group(group: &str) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    let group = group.strip_prefix('@').unwrap_or(group);
    all().iter().filter(move |c| c.group.eq_ignore_ascii_case(group))
}

/// The command named `name` (ASCII case-insensitive): `"get"`, `"CONFIG"`,
/// or a subcommand by its table name, `"config get"`. Also finds
/// [`builtins`]. To find the command a typed argument list means, use
/// [`resolve`].
pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    find(all(), &[name.as_bytes()]).or_else(|| find(builtins(), &[name.as_bytes()]))
}

/// The subcommand `sub` of container `name` (`lookup_sub("config", "get")`),
/// ASCII case-insensitive.
pub fn lookup_sub(name: &str, sub: &str) -> Option<&'static CommandSpec> {
    if name.contains(' ') || sub.contains(' ') {
        return None;
    }
    find(all(), &[name.as_bytes(), b" ", sub.as_bytes()])
}

/// The command a typed argument list runs, the way Redis picks it:
/// `args[0]` names the command; for a container, `args[1]` names the
/// subcommand when it is one (`["config", "get", "maxmemory"]` gives
/// `CONFIG GET`). When `args[1]` is missing or not a subcommand, the
/// container itself is returned; Redis answers that with an arity or
/// "unknown subcommand" error, and so does [`decide`].
///
/// `None` for an empty list or an unknown command (Redis: `ERR unknown
/// command ...`, see [`policy::unknown_command_error`]).
pub fn resolve<A: AsRef<[u8]>>(args: &[A]) -> Option<&'static CommandSpec> {
    // [`names`] is in [`all`]'s order: the index found is the entry's.
    match resolve_at(args)? {
        Resolved::Table(index) => all().get(index),
        Resolved::Builtin(spec) => Some(spec),
    }
}

/// Where [`resolve_at`] found a command.
enum Resolved {
    /// At this index of [`names`] (and [`all`]).
    Table(usize),
    /// Among the [`builtins`].
    Builtin(&'static CommandSpec),
}

/// Every command and subcommand's name, in [`all`]'s order. For code that
/// must recognise a command and needs nothing else of the table (the
/// browser app's snippets): these are a few KB, where the whole table,
/// with its docs and key specs, is most of the app's data.
pub fn names() -> &'static [&'static str] {
    generated::NAMES
}

/// The table name of the command a typed argument list runs (`"CONFIG
/// GET"` for `["config", "get", "x"]`), found the way [`resolve`] finds
/// it, from [`names`] alone.
pub fn resolve_name<A: AsRef<[u8]>>(args: &[A]) -> Option<&'static str> {
    match resolve_at(args)? {
        Resolved::Table(index) => names().get(index).copied(),
        Resolved::Builtin(spec) => Some(spec.name),
    }
}

/// [`resolve_name`]'s search, from [`names`] alone: one binary search for
/// a plain command, two for a container's subcommand.
fn resolve_at<A: AsRef<[u8]>>(args: &[A]) -> Option<Resolved> {
    let name = args.first()?.as_ref();
    if name.contains(&b' ') {
        return None; // one word with a space is not "CONTAINER SUB"
    }
    let names = names();
    let Some(index) = find_command_name(names, name) else {
        return find(builtins(), &[name]).map(Resolved::Builtin);
    };
    let command = names.get(index).copied()?;
    // A container's subcommands sort right after it.
    let is_container = names
        .get(index + 1)
        .is_some_and(|next| next.strip_prefix(command).is_some_and(|tail| tail.starts_with(' ')));
    if let Some(sub) = args.get(1).map(AsRef::as_ref) {
        if !sub.contains(&b' ') && is_container {
            if let Some(sub) = find_name(names, &[name, b" ", sub]) {
                return Some(Resolved::Table(sub));
            }
        }
    }
    Some(Resolved::Table(index))
}

/// [`find_name`] of one command's name, remembering the last one found
/// (see [`LastFound`]).
fn find_command_name(names: &[&str], name: &[u8]) -> Option<usize> {
    if let Some(last) = LAST_FOUND.with(Cell::get).filter(|last| last.name() == name) {
        return Some(last.index);
    }
    let index = find_name(names, &[name])?;
    if let Some(found) = LastFound::of(name, index) {
        LAST_FOUND.with(|last| last.set(Some(found)));
    }
    Some(index)
}

/// The command name this thread found last, exactly as it was sent, and
/// where: a pipelining client sends one command many times in a row (a
/// batch of `SET`s, of `HSET`s), and the same name is then told by
/// comparing a few bytes instead of by a binary search of the table.
#[derive(Debug, Clone, Copy)]
struct LastFound {
    bytes: [u8; 16],
    len: usize,
    index: usize,
}

impl LastFound {
    /// `None` for a name too long to remember.
    fn of(name: &[u8], index: usize) -> Option<Self> {
        let mut bytes = [0; 16];
        bytes.get_mut(..name.len())?.copy_from_slice(name);
        Some(Self { bytes, len: name.len(), index })
    }

    fn name(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

std::thread_local! {
    static LAST_FOUND: Cell<Option<LastFound>> = const { Cell::new(None) };
}

/// [`find`] over [`names`]: the index of the name made of `parts`.
fn find_name(names: &[&str], parts: &[&[u8]]) -> Option<usize> {
    let wanted = UpperName::of(parts)?;
    names.binary_search_by(|name| name.as_bytes().cmp(wanted.as_bytes())).ok()
}

/// Binary search for the name made of `parts` concatenated, upper-cased
/// once (table names are upper case), allocating nothing.
fn find(table: &'static [CommandSpec], parts: &[&[u8]]) -> Option<&'static CommandSpec> {
    let wanted = UpperName::of(parts)?;
    table.binary_search_by(|c| c.name.as_bytes().cmp(wanted.as_bytes())).ok().and_then(|i| table.get(i))
}

/// Bytes in the longest name a command (or `CONTAINER SUB`) can have; no
/// name in the table is longer (a test checks), so a longer one names none.
const MAX_NAME_BYTES: usize = 64;

/// A name to look up, upper-cased once on the stack: every command a
/// client sends is looked up, and a binary search compares the name it
/// looks for about ten times (upper-casing it in each comparison cost
/// more than the search).
struct UpperName {
    buf: [u8; MAX_NAME_BYTES],
    len: usize,
}

impl UpperName {
    /// `parts` concatenated and upper-cased; `None` if longer than any name.
    fn of(parts: &[&[u8]]) -> Option<Self> {
        let mut name = Self { buf: [0; MAX_NAME_BYTES], len: 0 };
        for part in parts {
            let end = name.len + part.len();
            let room = name.buf.get_mut(name.len..end)?;
            room.copy_from_slice(part);
            room.make_ascii_uppercase();
            name.len = end;
        }
        Some(name)
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> &'static CommandSpec {
        lookup(name).unwrap_or_else(|| panic!("{name} is in the table"))
    }

    fn keys(args: &[&str]) -> Result<Vec<usize>, KeySearchError> {
        let spec = resolve(args).unwrap_or_else(|| panic!("{args:?} resolves"));
        spec.key_positions(args)
    }

    #[test]
    fn keys_found_by_position_stay_put_when_renamed() {
        for args in [
            &["SET", "k", "v"][..],
            &["MSET", "a", "1", "b", "2"],
            &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
            &["LMPOP", "2", "a", "b", "LEFT"],
            &["EVAL", "return 1", "1", "k", "arg"],
            &["LMOVE", "a", "b", "LEFT", "RIGHT"],
        ] {
            let spec = resolve(args).expect("known");
            assert!(spec.keys_found_by_position(), "{args:?}");
            let found = spec.key_positions(args).expect("keys");
            let mut renamed: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            for &at in &found {
                renamed[at] = format!("{{s:ab}}:{}", renamed[at]);
            }
            assert_eq!(spec.key_positions(&renamed), Ok(found), "{args:?}");
        }
        // Keys found after a keyword, or by the command's own parser.
        for name in ["XREAD", "XREADGROUP", "SORT", "SORT_RO", "GEORADIUS", "GEORADIUSBYMEMBER", "MIGRATE"] {
            assert!(!spec(name).keys_found_by_position(), "{name}");
        }
    }

    #[test]
    fn table_is_sorted_unique_and_upper_case() {
        for pair in all().windows(2) {
            assert!(pair[0].name < pair[1].name, "{} then {}", pair[0].name, pair[1].name);
        }
        for pair in builtins().windows(2) {
            assert!(pair[0].name < pair[1].name);
        }
        for c in all().iter().chain(builtins()) {
            assert_eq!(c.name, c.name.to_ascii_uppercase());
            assert!(c.name.len() <= MAX_NAME_BYTES, "{} is longer than a looked-up name may be", c.name);
            assert!(!c.group.is_empty(), "{} has a group", c.name);
            assert!(!c.summary.is_empty(), "{} has a summary", c.name);
        }
        for b in builtins() {
            assert!(lookup(b.name).is_some_and(|c| c.group == "console"));
            assert!(all().iter().all(|c| c.name != b.name), "{} is not Redis's", b.name);
        }
        assert!(all().len() > 300, "commands and subcommands: {}", all().len());
        assert_eq!(REDIS_VERSION.split('.').next(), Some("7"));
    }

    #[test]
    fn lookup_is_case_insensitive() {
        for name in ["get", "GET", "Get", "gEt"] {
            assert_eq!(lookup(name).map(|c| c.name), Some("GET"));
        }
        assert_eq!(lookup("config get").map(|c| c.name), Some("CONFIG GET"));
        assert_eq!(lookup("sort_ro").map(|c| c.name), Some("SORT_RO"));
        assert_eq!(lookup("restore-asking").map(|c| c.name), Some("RESTORE-ASKING"));
        assert_eq!(lookup_sub("Config", "GET").map(|c| c.name), Some("CONFIG GET"));
        assert_eq!(lookup_sub("client", "no-evict").map(|c| c.name), Some("CLIENT NO-EVICT"));
        assert_eq!(lookup_sub("xinfo", "stream").map(|c| c.name), Some("XINFO STREAM"));
        assert_eq!(lookup_sub("object", "encoding").map(|c| c.name), Some("OBJECT ENCODING"));
        assert_eq!(lookup("help").map(|c| c.name), Some("HELP"));
        assert!(lookup("nosuchcommand").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("config|get").is_none());
        assert!(lookup(&"get".repeat(30)).is_none(), "longer than any name");
        // Found again from the last name found, as sent.
        for (args, name) in [
            (["set", "k"], "SET"),
            (["set", "k"], "SET"),
            (["SET", "k"], "SET"),
            (["get", "k"], "GET"),
            (["set", "k"], "SET"),
        ] {
            assert_eq!(resolve(&args).map(|c| c.name), Some(name));
        }
        assert!(resolve(&["nosuch"]).is_none());
        assert_eq!(resolve(&["config", "get", "x"]).map(|c| c.name), Some("CONFIG GET"));
        assert_eq!(resolve(&["config", "set", "x", "y"]).map(|c| c.name), Some("CONFIG SET"));
        assert!(resolve(&["config".repeat(20), "get".into()]).is_none());
        assert!(lookup_sub("config", "nosuch").is_none());
        assert!(lookup_sub("get", "x").is_none());
        assert!(lookup_sub("config get", "x").is_none());
    }

    #[test]
    fn resolve_picks_subcommands_like_redis() {
        let name = |args: &[&str]| resolve(args).map(|c| c.name);
        assert_eq!(name(&["config", "get", "maxmemory"]), Some("CONFIG GET"));
        assert_eq!(name(&["CONFIG"]), Some("CONFIG"));
        assert_eq!(name(&["config", "nosuch"]), Some("CONFIG"));
        assert_eq!(name(&["get", "config"]), Some("GET"));
        assert_eq!(name(&["config get", "x"]), None);
        assert_eq!(name(&["nosuch"]), None);
        assert_eq!(name(&["clear"]), Some("CLEAR"));
        assert_eq!(name(&[]), None);
        let bytes: Vec<Vec<u8>> = vec![b"xinfo".to_vec(), b"STREAM".to_vec(), b"s".to_vec()];
        assert_eq!(resolve(&bytes).map(|c| c.name), Some("XINFO STREAM"));
    }

    #[test]
    fn index_is_the_entrys_place_in_the_table() {
        for (i, spec) in all().iter().enumerate() {
            assert_eq!(spec.index(), Some(i), "{}", spec.name);
        }
        let copy = all()[0].clone();
        assert_eq!(copy.index(), None);
        assert!(builtins().iter().all(|spec| spec.index().is_none()));
    }

    #[test]
    fn names_are_the_tables_and_resolve_alike() {
        let table: Vec<&str> = all().iter().map(|c| c.name).collect();
        assert_eq!(names(), table.as_slice());
        let mut lines: Vec<String> = RECORDED_GETKEYS.iter().map(|(line, _)| (*line).to_owned()).collect();
        for name in names() {
            lines.push(name.to_ascii_lowercase());
            lines.push(format!("{name} nosuch"));
        }
        lines.extend(
            [
                "help",
                "clear x",
                "config",
                "config nosuch",
                "nosuch get",
                "\"config get\" x",
                "xinfo stream s",
            ]
            .map(String::from),
        );
        for line in &lines {
            let args: Vec<&str> = line.split(' ').collect();
            assert_eq!(resolve_name(&args), resolve(&args).map(|c| c.name), "{line}");
        }
        assert_eq!(resolve_name(&["config get", "x"]), None);
        assert_eq!(resolve_name::<&str>(&[]), None);
    }

    #[test]
    fn containers_and_subcommands() {
        let config = spec("CONFIG");
        assert!(config.is_container());
        let subs: Vec<_> = config.subcommands().iter().map(|c| c.name).collect();
        assert!(subs.contains(&"CONFIG GET") && subs.contains(&"CONFIG SET"), "{subs:?}");
        assert!(subs.iter().all(|s| s.starts_with("CONFIG ")));
        assert_eq!(spec("CONFIG GET").command_name(), "CONFIG");
        assert!(spec("CONFIG GET").is_subcommand());
        assert!(!spec("CONFIG GET").is_container());
        assert!(!spec("GET").is_container());
        assert!(spec("GET").subcommands().is_empty());
        for name in [
            "ACL", "CLIENT", "CLUSTER", "COMMAND", "FUNCTION", "MEMORY", "OBJECT", "SCRIPT", "XGROUP",
            "XINFO",
        ] {
            assert!(spec(name).is_container(), "{name}");
        }
    }

    #[test]
    fn fields_are_as_redis_says() {
        let set = spec("SET");
        assert_eq!(set.arity, -3);
        assert!(set.has_flag("write") && set.has_flag("DENYOOM"));
        assert!(set.in_category("@string") && set.in_category("write"));
        assert!(!set.in_category("dangerous"));
        assert_eq!(
            set.syntax,
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"
        );
        assert_eq!(set.usage(), format!("SET {}", set.syntax));
        assert_eq!(set.summary, "Set the string value of a key");
        assert_eq!(set.complexity, "O(1)");
        assert_eq!(set.since, "1.0.0");
        assert_eq!(set.group, "string");
        assert_eq!(set.legacy_keys, LegacyKeys { first: 1, last: 1, step: 1 });
        assert!(set.accepts_argc(3) && set.accepts_argc(9) && !set.accepts_argc(2));
        assert!(spec("GET").accepts_argc(2) && !spec("GET").accepts_argc(3));
        assert_eq!(spec("MSET").syntax, "key value [key value ...]");
        assert_eq!(spec("CONFIG GET").syntax, "parameter [parameter ...]");
        assert_eq!(spec("CONFIG GET").arity, -3);
        assert_eq!(spec("PING").usage(), "PING [message]");
        assert_eq!(spec("MULTI").usage(), "MULTI");
        assert_eq!(spec("ZADD").group, "sorted-set");
        assert!(spec("BLPOP").has_flag("blocking"));
        assert!(spec("FLUSHALL").in_category("dangerous"));
        assert!(spec("CONFIG SET").in_category("admin"));
    }

    #[test]
    fn groups_cover_the_table() {
        let groups = groups();
        assert!(groups.windows(2).all(|w| w[0] < w[1]));
        for g in ["generic", "string", "list", "set", "sorted-set", "hash", "stream", "server"] {
            assert!(groups.contains(&g), "{g}");
        }
        for c in all() {
            assert!(groups.contains(&c.group), "{}: {}", c.name, c.group);
        }
        let strings: Vec<_> = in_group("@STRING").map(|c| c.name).collect();
        assert!(strings.contains(&"SET") && strings.contains(&"GET"));
        assert!(!strings.contains(&"HSET"));
        assert!(in_group("sorted-set").any(|c| c.name == "ZADD"));
    }

    // Key positions below were checked against `COMMAND GETKEYS` on Redis
    // 7.0.15 (indexes into the full argument list, command name at 0).
    #[test]
    fn key_positions_match_command_getkeys() {
        assert_eq!(keys(&["SET", "k", "v"]), Ok(vec![1]));
        assert_eq!(keys(&["SET", "k", "v", "GET", "EX", "10"]), Ok(vec![1]));
        assert_eq!(keys(&["GET", "k"]), Ok(vec![1]));
        // MSET: range to the end, step 2.
        assert_eq!(keys(&["MSET", "a", "1", "b", "2", "c", "3"]), Ok(vec![1, 3, 5]));
        assert_eq!(keys(&["MGET", "a", "b", "c"]), Ok(vec![1, 2, 3]));
        assert_eq!(keys(&["DEL", "a", "b"]), Ok(vec![1, 2]));
        // ZUNIONSTORE: destination, then numkeys keys.
        assert_eq!(keys(&["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"]), Ok(vec![1, 3, 4]));
        assert_eq!(keys(&["ZUNION", "2", "a", "b"]), Ok(vec![2, 3]));
        assert_eq!(keys(&["LMPOP", "2", "a", "b", "LEFT"]), Ok(vec![2, 3]));
        // XREAD: after the STREAMS keyword, the first half of what is left.
        assert_eq!(keys(&["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"]), Ok(vec![4, 5]));
        assert_eq!(keys(&["xread", "streams", "a", "b", "c"]), Ok(vec![2]));
        assert_eq!(keys(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">", ">"]), Ok(vec![5, 6]));
        assert_eq!(keys(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), Ok(vec![1, 2]));
        // BITOP: the destination, then every source.
        assert_eq!(keys(&["BITOP", "AND", "dest", "a", "b", "c"]), Ok(vec![2, 3, 4, 5]));
        // EVAL: numkeys keys after the script; 0 keys is fine.
        assert_eq!(keys(&["EVAL", "return 1", "2", "k1", "k2", "a1"]), Ok(vec![3, 4]));
        assert_eq!(keys(&["EVAL", "return 1", "0"]), Ok(vec![]));
        assert_eq!(keys(&["COPY", "a", "b", "DB", "2"]), Ok(vec![1, 2]));
        assert_eq!(keys(&["GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"]), Ok(vec![1, 7]));
        assert_eq!(keys(&["OBJECT", "ENCODING", "k"]), Ok(vec![2]));
        assert_eq!(keys(&["XINFO", "STREAM", "s"]), Ok(vec![2]));
        assert_eq!(keys(&["SORT", "k", "BY", "nosort", "STORE", "dst"]), Ok(vec![1, 5]));
        // What COMMAND GETKEYS says (4) and what SORT's parser uses (3).
        assert_eq!(keys(&["SORT", "k", "STORE", "STORE", "x"]), Ok(vec![1, 3, 4]));
        assert_eq!(keys(&["SORT", "l", "STORE", "a", "STORE", "b"]), Ok(vec![1, 3, 5]));
        assert_eq!(keys(&["SORT", "l", "STORE", "GET", "STORE", "x"]), Ok(vec![1, 3, 5]));
        assert_eq!(keys(&["SORT_RO", "l", "STORE", "d"]), Ok(vec![1]));
        assert_eq!(
            keys(&["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "a", "STORE", "b"]),
            Ok(vec![1, 7, 9])
        );
        assert_eq!(
            keys(&["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "STOREDIST", "STOREDIST", "b"]),
            Ok(vec![1, 7, 9])
        );
        assert_eq!(keys(&["SORT", "k", "LIMIT", "0", "10", "ALPHA"]), Ok(vec![1]));
        assert_eq!(keys(&["PING"]), Ok(vec![]));
        assert_eq!(keys(&["KEYS", "*"]), Ok(vec![]));
    }

    #[test]
    fn key_positions_refuse_to_guess() {
        assert_eq!(keys(&["GET"]), Err(KeySearchError::Malformed));
        assert_eq!(keys(&["SET", "k"]), Err(KeySearchError::Malformed));
        assert_eq!(keys(&["ZUNIONSTORE", "d", "x", "a"]), Err(KeySearchError::Malformed));
        assert_eq!(keys(&["ZUNIONSTORE", "d", "5", "a"]), Err(KeySearchError::Malformed));
        assert_eq!(keys(&["ZUNIONSTORE", "d", "-1", "a"]), Err(KeySearchError::Malformed));
        assert_eq!(keys(&["SORT", "k", "BY", "w_*"]), Err(KeySearchError::Unknown));
        assert_eq!(keys(&["SORT_RO", "k", "GET", "o_*->f"]), Err(KeySearchError::Unknown));
        assert_eq!(
            keys(&["MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"]),
            Err(KeySearchError::Unknown)
        );
    }

    #[test]
    fn key_specs_are_generated() {
        let xread = spec("XREAD");
        assert_eq!(
            xread.key_specs[0].begin_search,
            BeginSearch::Keyword { keyword: "STREAMS", startfrom: 1 }
        );
        assert_eq!(xread.key_specs[0].find_keys, FindKeys::Range { lastkey: -1, keystep: 1, limit: 2 });
        let mset = spec("MSET");
        assert_eq!(mset.key_specs[0].find_keys, FindKeys::Range { lastkey: -1, keystep: 2, limit: 0 });
        let eval = spec("EVAL");
        assert_eq!(eval.key_specs[0].begin_search, BeginSearch::Index { pos: 2 });
        assert_eq!(eval.key_specs[0].find_keys, FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 });
    }

    /// `COMMAND GETKEYS` on Redis 7.0.15 for each line (`None`: Redis
    /// refused to list keys), as positions in the full argument list.
    const RECORDED_GETKEYS: &[(&str, Option<&[usize]>)] = &[
        ("SET k v", Some(&[1])),
        ("SET k v GET EX 10", Some(&[1])),
        ("GET k", Some(&[1])),
        ("MSET a 1 b 2 c 3", Some(&[1, 3, 5])),
        ("MSETNX a 1 b 2", Some(&[1, 3])),
        ("MGET a b c", Some(&[1, 2, 3])),
        ("DEL a b c", Some(&[1, 2, 3])),
        ("EXISTS a b", Some(&[1, 2])),
        ("UNLINK a", Some(&[1])),
        ("TOUCH a b", Some(&[1, 2])),
        ("RENAME a b", Some(&[1, 2])),
        ("RENAMENX a b", Some(&[1, 2])),
        ("COPY a b DB 2 REPLACE", Some(&[1, 2])),
        ("MOVE a 2", Some(&[1])),
        ("SMOVE a b m", Some(&[1, 2])),
        ("LMOVE src dst LEFT RIGHT", Some(&[1, 2])),
        ("RPOPLPUSH a b", Some(&[1, 2])),
        ("BLMOVE a b LEFT LEFT 0", Some(&[1, 2])),
        ("BLPOP a b c 0", Some(&[1, 2, 3])),
        ("BRPOP a 0", Some(&[1])),
        ("BZPOPMIN a b 0", Some(&[1, 2])),
        ("BLMPOP 0 2 a b LEFT COUNT 2", Some(&[3, 4])),
        ("BZMPOP 1 1 a MIN", Some(&[3])),
        ("LMPOP 2 a b LEFT", Some(&[2, 3])),
        ("ZMPOP 3 a b c MAX COUNT 1", Some(&[2, 3, 4])),
        ("ZUNIONSTORE dst 2 a b WEIGHTS 1 2", Some(&[1, 3, 4])),
        ("ZINTERSTORE dst 1 a", Some(&[1, 3])),
        ("ZDIFFSTORE dst 2 a b", Some(&[1, 3, 4])),
        ("ZUNION 2 a b WITHSCORES", Some(&[2, 3])),
        ("ZINTER 3 a b c", Some(&[2, 3, 4])),
        ("ZDIFF 1 a", Some(&[2])),
        ("ZINTERCARD 2 a b LIMIT 1", Some(&[2, 3])),
        ("SINTERCARD 2 a b", Some(&[2, 3])),
        ("ZRANGESTORE dst src 0 -1", Some(&[1, 2])),
        ("SUNIONSTORE dst a b", Some(&[1, 2, 3])),
        ("SINTERSTORE dst a", Some(&[1, 2])),
        ("SDIFFSTORE dst a b c", Some(&[1, 2, 3, 4])),
        ("BITOP AND dest a b c", Some(&[2, 3, 4, 5])),
        ("BITOP NOT dest a", Some(&[2, 3])),
        ("BITCOUNT k 0 1", Some(&[1])),
        ("PFCOUNT a b", Some(&[1, 2])),
        ("PFMERGE dst a b", Some(&[1, 2, 3])),
        ("GEORADIUS k 0 0 1 km STORE d", Some(&[1, 7])),
        ("GEORADIUS k 0 0 1 km STOREDIST d", Some(&[1, 7])),
        ("GEORADIUSBYMEMBER k m 1 km STORE d", Some(&[1, 6])),
        ("GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km", Some(&[1, 2])),
        ("XREAD COUNT 2 STREAMS s1 s2 0 0", Some(&[4, 5])),
        ("XREAD STREAMS a b c", Some(&[2])),
        ("XREADGROUP GROUP g c STREAMS s1 s2 x x", Some(&[5, 6])),
        ("XREADGROUP GROUP g c COUNT 1 NOACK STREAMS s x", Some(&[8])),
        ("XADD s * f v", Some(&[1])),
        ("XRANGE s - +", Some(&[1])),
        ("XINFO STREAM s", Some(&[2])),
        ("XINFO GROUPS s", Some(&[2])),
        ("XINFO CONSUMERS s g", Some(&[2])),
        ("XGROUP CREATE s g $", Some(&[2])),
        ("XGROUP SETID s g 0", Some(&[2])),
        ("XCLAIM s g c 0 1-1", Some(&[1])),
        ("XAUTOCLAIM s g c 0 0", Some(&[1])),
        ("EVAL x 2 k1 k2 a1", Some(&[3, 4])),
        ("EVAL x 0", Some(&[])),
        ("EVAL_RO x 1 k", Some(&[3])),
        ("EVALSHA abc 1 k a", Some(&[3])),
        ("FCALL f 2 a b c", Some(&[3, 4])),
        ("FCALL_RO f 0", Some(&[])),
        ("OBJECT ENCODING k", Some(&[2])),
        ("OBJECT FREQ k", Some(&[2])),
        ("MEMORY USAGE k SAMPLES 5", Some(&[2])),
        ("SORT k", Some(&[1])),
        ("SORT k BY nosort STORE dst", Some(&[1, 5])),
        ("SORT k STORE STORE x", Some(&[1, 3, 4])), // GETKEYS says 4; the parser stores into 3
        ("SORT k LIMIT 0 10 STORE d ALPHA", Some(&[1, 6])),
        ("SORT_RO k ALPHA", Some(&[1])),
        ("LCS a b", Some(&[1, 2])),
        ("GETEX k PERSIST", Some(&[1])),
        ("GETDEL k", Some(&[1])),
        ("HSET h f v", Some(&[1])),
        ("HGETALL h", Some(&[1])),
        ("LPUSH l a b", Some(&[1])),
        ("WATCH a b", Some(&[1, 2])),
        ("DUMP k", Some(&[1])),
        ("RESTORE k 0 x", Some(&[1])),
        ("EXPIRE k 10", Some(&[1])),
        ("SETRANGE k 0 v", Some(&[1])),
        ("BITFIELD k GET u8 0", Some(&[1])),
        ("BITFIELD_RO k GET u8 0", Some(&[1])),
        ("ZUNIONSTORE d x a", None),
        ("ZUNIONSTORE d 5 a", None),
        ("GET", None),
        ("SET k", None),
    ];

    #[test]
    fn key_positions_match_recorded_getkeys() {
        for (line, expected) in RECORDED_GETKEYS {
            let args: Vec<&str> = line.split(' ').collect();
            let got = resolve(&args).map(|c| c.key_positions(&args));
            match expected {
                Some(positions) => assert_eq!(got, Some(Ok(positions.to_vec())), "{line}"),
                None => assert!(matches!(got, Some(Err(_))), "{line}: {got:?}"),
            }
        }
    }

    #[test]
    fn redis_integers() {
        assert_eq!(parse_redis_int(b"0"), Some(0));
        assert_eq!(parse_redis_int(b"15"), Some(15));
        assert_eq!(parse_redis_int(b"-3"), Some(-3));
        assert_eq!(parse_redis_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_redis_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b""[..], b"-", b"01", b"+1", b" 1", b"1 ", b"-0", b"1.0", b"x", b"9223372036854775808"] {
            assert_eq!(parse_redis_int(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
