//! A worker's death: which slot the thread serves (a thread-local record),
//! retiring the slot, and the panic hook that reports a dying worker to the
//! control thread at once.

use super::command::EngineEvent;
use super::shared::Shared;
use std::cell::{Cell, RefCell};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

thread_local! {
    /// The worker this thread serves: shared state, slot, generation.
    static CURRENT: RefCell<Option<(Arc<Shared>, usize, u64)>> = const { RefCell::new(None) };
    /// Set once this thread's death has been reported.
    static REPORTED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the slot idle and dead, unless a newer worker already serves it.
pub(super) fn retire(shared: &Shared, slot: usize, generation: u64) {
    let s = &shared.slots[slot];
    if s.generation.load(Acquire) == generation {
        s.rendering.store(false, Release);
        s.alive.store(false, Release);
    }
}

/// On a worker thread: marks its slot dead and tells the control thread,
/// once. Elsewhere: nothing.
pub(super) fn report_death() {
    if REPORTED.with(|r| r.replace(true)) {
        return;
    }
    CURRENT.with(|c| {
        if let Ok(c) = c.try_borrow() {
            if let Some((shared, slot, generation)) = c.as_ref() {
                retire(shared, *slot, *generation);
                shared.post(EngineEvent::Died {
                    slot: *slot,
                    module: dsp::running::running(),
                });
            }
        }
    });
}

/// Installs (once per process) a panic hook that reports a dying worker
/// before the previous hook runs: printing a backtrace takes about 100 ms,
/// which would otherwise delay the failover by many periods.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report_death();
            previous(info);
        }));
    });
}

/// Records which worker this thread serves (shared state, slot,
/// generation), or that it serves none any more.
pub(super) fn serving(worker: Option<(Arc<Shared>, usize, u64)>) {
    CURRENT.with(|c| *c.borrow_mut() = worker);
}
