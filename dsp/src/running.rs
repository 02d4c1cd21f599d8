//! Which module type a thread is processing right now, so a panic inside a
//! module can be blamed on its type (the engine's panic hook reads it).

use std::cell::Cell;

thread_local! {
    static RUNNING: Cell<&'static str> = const { Cell::new("") };
}

/// Marks `kind` as running on this thread; returns what ran before, for
/// [`leave`]. A panic skips the `leave`, so the panicking type stays marked.
#[inline]
pub fn enter(kind: &'static str) -> &'static str {
    RUNNING.with(|r| r.replace(kind))
}

/// Restores what [`enter`] returned.
#[inline]
pub fn leave(previous: &'static str) {
    RUNNING.with(|r| r.set(previous));
}

/// The module type this thread is processing ("" outside any module).
pub fn running() -> &'static str {
    RUNNING.with(|r| r.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_leaves_its_module_marked() {
        let outer = enter("instrument");
        let r = std::panic::catch_unwind(|| {
            let prev = enter("delay");
            if running() == "delay" {
                panic!("in delay");
            }
            leave(prev);
        });
        assert!(r.is_err());
        assert_eq!(running(), "delay");
        leave(outer);
        assert_eq!(running(), "");
    }
}
