//! The console's help table ([`HelpTable`]: what `HELP`, Tab completion and
//! the hints read), kept for the life of the page once the console has
//! fetched it (`GET /api/commands/help`, see
//! `crate::console::session`: widgets call no API themselves).
//!
//! # Why fetched, not compiled in, and at the first key
//!
//! The command docs are the largest part of the command table, and the app
//! needs them only once a student types into a console: compiled in, every
//! page's first visit would download them, and fetched when a console
//! appears, so would every visit to a page with a console (`/console`,
//! `/keys`, a guide: 9.6 KB of brotli; issue #17). So the first key (or
//! paste) typed into a console asks the server for them — the table is
//! here a round trip later, before a person types the next key — and from
//! then on completion, hints and `HELP` work without the network, with the
//! same methods the server answers `HELP` with. Until the table is here,
//! the hints show nothing, a Tab completes once it arrives ([`when_here`])
//! and `HELP` goes to the server, which answers it the same (a line run
//! from a page's button types no key).

use std::cell::RefCell;
use std::rc::Rc;

use bolide_shared::commands::help::HelpTable;
use yew::prelude::*;

thread_local! {
    static TABLE: RefCell<Option<Rc<HelpTable>>> = const { RefCell::new(None) };
    /// Consoles waiting for the table, told when it arrives.
    static WAITING: RefCell<Vec<Callback<Rc<HelpTable>>>> = const { RefCell::new(Vec::new()) };
}

/// The table, once it has arrived.
pub fn get() -> Option<Rc<HelpTable>> {
    TABLE.with(|table| table.borrow().clone())
}

/// Keeps `table` for the page and tells the waiting consoles.
pub fn set(table: HelpTable) {
    let table = Rc::new(table);
    TABLE.with(|slot| *slot.borrow_mut() = Some(table.clone()));
    for waiting in WAITING.with(|waiting| std::mem::take(&mut *waiting.borrow_mut())) {
        waiting.emit(table.clone());
    }
}

/// Calls `then` with the table: now if it is here, else when it arrives.
pub fn when_here(then: Callback<Rc<HelpTable>>) {
    match get() {
        Some(table) => then.emit(table),
        None => WAITING.with(|waiting| waiting.borrow_mut().push(then)),
    }
}

/// [`HelpTable::complete`], or nothing while the table is not here.
pub fn complete(line: &str) -> Vec<String> {
    get().map(|table| table.complete(line)).unwrap_or_default()
}

/// [`HelpTable::hint`], or none while the table is not here.
pub fn hint(line: &str) -> Option<String> {
    get().and_then(|table| table.hint(line))
}

/// [`HelpTable::help_text`]; `None` while the table is not here (the
/// server answers `HELP` then).
pub fn help_text(args: &[Vec<u8>]) -> Option<String> {
    get().map(|table| table.help_text(args))
}

/// The table for a component that draws with it: `None` until it has
/// arrived, and the component renders again when it does.
#[hook]
pub fn use_help_table() -> Option<Rc<HelpTable>> {
    let table = use_state(get);
    {
        let table = table.clone();
        use_effect_with((), move |_| {
            if table.is_none() {
                let setter = table.setter();
                when_here(Callback::from(move |arrived| setter.set(Some(arrived))));
            }
        });
    }
    (*table).clone()
}
