//! State edits for `use_reducer`: an [`Edit`] is a change applied to the
//! state *as it is when the edit is dispatched*, not to the copy a callback
//! captured when it was made, so two quick edits (a debounced search and a
//! filter set meanwhile, two fields typed in a row) never undo each other.
//!
//! A state type opts in with a one-line [`yew::Reducible`] impl whose
//! `Action` is `Edit<Self>` and whose `reduce` is [`Edit::apply`].

use std::rc::Rc;

/// One change to a `T`.
pub struct Edit<T>(Box<dyn FnOnce(&mut T)>);

impl<T> Edit<T> {
    pub fn new(change: impl FnOnce(&mut T) + 'static) -> Self {
        Edit(Box::new(change))
    }
}

impl<T: Clone + PartialEq> Edit<T> {
    /// The state with the change made; `state` itself, not a new `Rc`,
    /// when the change leaves it as it was, so nothing re-renders.
    pub fn apply(self, state: Rc<T>) -> Rc<T> {
        let mut next = (*state).clone();
        (self.0)(&mut next);
        if next == *state {
            state
        } else {
            Rc::new(next)
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn an_edit_that_changes_nothing_keeps_the_same_state() {
        let state = Rc::new(vec![1, 2]);
        let same = Edit::new(|v: &mut Vec<i32>| v.sort()).apply(Rc::clone(&state));
        assert!(Rc::ptr_eq(&state, &same));
        let changed = Edit::new(|v: &mut Vec<i32>| v.push(3)).apply(Rc::clone(&state));
        assert_eq!(*changed, vec![1, 2, 3]);
        assert_eq!(*state, vec![1, 2]);
    }
}
