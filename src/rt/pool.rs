//! The render-thread pool of a slot's worker: helpers that render bundles of
//! the playing graph beside the worker (`--threads N` gives N - 1 helpers).
//!
//! One dispatch per rendered stretch: the worker publishes the job and a
//! claim counter in one atomic word, wakes parked helpers, then claims and
//! renders bundles itself until none is left, and waits for the bundles the
//! helpers claimed. So a bundle no helper has started is taken back by the
//! worker, and a stalled helper delays only the bundle it holds. Helpers spin
//! briefly for the next dispatch, then park. Nothing here allocates, locks or
//! blocks on the render path (`unpark` and `sched_yield` never block).

use super::guard::rt_guard;
use dsp::graph::Runner;
use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::*;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use std::sync::Arc;
use std::thread::Thread;

/// Spins before a helper parks, or before a waiting worker starts yielding.
const SPINS: u32 = 2000;

/// The job of the current dispatch, with its lifetime erased.
type Job = *const (dyn Fn(usize) + Sync + 'static);

/// What the worker and its helpers share.
struct Inner {
    /// Dispatch number (high 32 bits), bundles (next 16), next unclaimed (low 16).
    state: AtomicU64,
    /// Bundles of this dispatch finished.
    done: AtomicU32,
    /// The job; written only while no bundle can be claimed.
    job: UnsafeCell<Option<Job>>,
    /// Per helper: parked (or about to park) waiting for a dispatch.
    sleeping: Vec<AtomicBool>,
    /// A bundle of this dispatch panicked; the worker re-raises it.
    panicked: AtomicBool,
    /// The module type that panicked (written before `panicked` is set).
    blame: UnsafeCell<&'static str>,
    quit: AtomicBool,
}

// SAFETY: `job` is written by the worker only between dispatches, when no
// helper can claim a bundle, and read by a helper only after it claimed one.
unsafe impl Sync for Inner {}
unsafe impl Send for Inner {}

fn pack(dispatch: u64, parts: u64, next: u64) -> u64 {
    (dispatch << 32) | (parts << 16) | next
}

fn parts_of(s: u64) -> u64 {
    (s >> 16) & 0xffff
}

fn next_of(s: u64) -> u64 {
    s & 0xffff
}

/// A worker's helpers. With none, bundles run on the worker alone.
pub struct Pool {
    inner: Arc<Inner>,
    threads: Vec<Thread>,
}

impl Pool {
    /// Starts `helpers` threads (control thread: allocates and spawns), each
    /// at real-time `priority` when given (the worker's own).
    pub fn new(helpers: usize, name: &str, priority: Option<i32>) -> Pool {
        let inner = Arc::new(Inner {
            state: AtomicU64::new(0),
            done: AtomicU32::new(0),
            job: UnsafeCell::new(None),
            sleeping: (0..helpers).map(|_| AtomicBool::new(false)).collect(),
            panicked: AtomicBool::new(false),
            blame: UnsafeCell::new(""),
            quit: AtomicBool::new(false),
        });
        let mut threads = Vec::with_capacity(helpers);
        for h in 0..helpers {
            let inner = inner.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{h}"))
                .spawn(move || {
                    if let Some(p) = priority {
                        crate::sched::acquire_rt(p, h);
                    }
                    dsp::denormal::flush_denormals_on_this_thread();
                    helper(&inner, h)
                });
            match spawned {
                Ok(t) => threads.push(t.thread().clone()),
                Err(e) => {
                    log::warn!("{name}: cannot start render helper {h}: {e}");
                    break;
                }
            }
        }
        Pool { inner, threads }
    }

    /// Helper threads running.
    pub fn helpers(&self) -> usize {
        self.threads.len()
    }

    /// Asks the helpers to park for good.
    fn wake_all(&self) {
        for t in &self.threads {
            t.unpark();
        }
    }
}

impl Drop for Pool {
    /// Helpers leave on their own (a stalled one when it wakes); never joined.
    fn drop(&mut self) {
        self.inner.quit.store(true, SeqCst);
        self.wake_all();
    }
}

impl Runner for Pool {
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        let inner = &*self.inner;
        if self.threads.is_empty() || parts <= 1 {
            (0..parts).for_each(job);
            return;
        }
        let parts = parts.min(0xffff) as u64;
        // SAFETY: no bundle is claimable now (the last dispatch was fully
        // claimed and finished), so no helper reads `job`; it is cleared
        // before this function returns, while `job` is still alive.
        unsafe {
            let erased: Job = std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Job>(job);
            *inner.job.get() = Some(erased);
        }
        inner.done.store(0, Relaxed);
        let dispatch = (inner.state.load(Relaxed) >> 32).wrapping_add(1) & 0xffff_ffff;
        inner.state.store(pack(dispatch, parts, 0), SeqCst);
        for (k, t) in self.threads.iter().enumerate() {
            if inner.sleeping[k].swap(false, SeqCst) {
                t.unpark();
            }
        }
        let mut mine = 0;
        while let Some(k) = claim(inner) {
            // A panic here is re-raised below, once the helpers are done with
            // `job` and the graph it renders (unwinding now would free both
            // under their feet).
            run_bundle(inner, job, k);
            mine += 1;
        }
        if mine < parts {
            inner.done.fetch_add(mine as u32, AcqRel);
            let mut spins = 0u32;
            while (inner.done.load(Acquire) as u64) < parts {
                spins += 1;
                if spins < SPINS {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
        // SAFETY: every bundle is finished; no helper reads `job` any more.
        unsafe { *inner.job.get() = None };
        if inner.panicked.swap(false, AcqRel) {
            // SAFETY: written before its bundle was counted in `done` (or by this thread).
            dsp::running::enter(unsafe { *inner.blame.get() });
            assert_no_alloc::permit_alloc(|| panic!("a render bundle panicked"));
        }
    }
}

/// Renders bundle `k`, catching a panic: the first thread to panic in a
/// dispatch records the module type to blame, and the worker re-raises it
/// after the dispatch.
fn run_bundle(inner: &Inner, job: &(dyn Fn(usize) + Sync), k: usize) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| job(k))) {
        // Allocated while panicking; freeing it under the allocation guard
        // would abort a debug build instead of failing over.
        assert_no_alloc::permit_alloc(|| drop(payload));
        if inner
            .panicked
            .compare_exchange(false, true, AcqRel, Acquire)
            .is_ok()
        {
            // SAFETY: only the thread that set `panicked` writes it; the
            // worker reads it after every bundle of the dispatch is done.
            unsafe { *inner.blame.get() = dsp::running::running() };
        }
    }
}

/// Claims the next bundle of the current dispatch, if one is left.
fn claim(inner: &Inner) -> Option<usize> {
    let mut s = inner.state.load(Acquire);
    loop {
        if next_of(s) >= parts_of(s) {
            return None;
        }
        match inner.state.compare_exchange_weak(s, s + 1, AcqRel, Acquire) {
            Ok(_) => return Some(next_of(s) as usize),
            Err(now) => s = now,
        }
    }
}

/// A helper's loop: claim and render bundles; between dispatches spin, then park.
fn helper(inner: &Inner, h: usize) {
    let mut spins = 0u32;
    let mut seen = u64::MAX;
    loop {
        if inner.quit.load(Acquire) {
            return;
        }
        if let Some(k) = claim(inner) {
            // SAFETY: a claimed bundle keeps its dispatch (and `job`) alive
            // until `done` counts it.
            let job = unsafe { (*inner.job.get()).expect("set while claimable") };
            // SAFETY: as above, `job` lives until `done` counts this bundle.
            rt_guard(|| run_bundle(inner, unsafe { &*job }, k));
            inner.done.fetch_add(1, AcqRel);
            spins = 0;
            continue;
        }
        let s = inner.state.load(Acquire);
        if s != seen {
            seen = s;
            spins = 0;
        }
        spins += 1;
        if spins < SPINS {
            std::hint::spin_loop();
            continue;
        }
        inner.sleeping[h].store(true, SeqCst);
        if inner.state.load(SeqCst) == seen && !inner.quit.load(SeqCst) {
            std::thread::park();
        }
        inner.sleeping[h].store(false, SeqCst);
        spins = 0;
    }
}
