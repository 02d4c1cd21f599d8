//! The render-thread pool of a slot's worker: helpers that render bundles of
//! the playing graph beside the worker (`--threads N` gives N - 1 helpers).
//!
//! One dispatch per rendered stretch: the worker publishes the job and a
//! claim counter in one atomic word, wakes parked helpers, then claims and
//! renders bundles itself until none is left, and waits for the bundles the
//! helpers claimed. So a bundle no helper has started is taken back by the
//! worker, and a stalled helper delays only the bundle it holds. A helper
//! counts its finished bundles once, when none is left to claim.
//!
//! A period is several dispatches (one per 64-frame block) with the graph's
//! tail rendered by the worker alone between them, so a helper spins for the
//! next dispatch for an eighth of the last dispatch's time (at least
//! [`MIN_SPIN_NS`], at most [`MAX_SPIN_NS`]): long enough to outlast the
//! tail, so only the first dispatch of a period pays for waking it. Then it
//! parks. The claim word, the finished count and each helper's sleeping flag
//! have a cache line each. Nothing here allocates, locks or blocks on the
//! render path (`unpark` and `sched_yield` never block; `Instant::now` reads
//! the clock without a system call).

use super::guard::rt_guard;
use dsp::graph::Runner;
use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::*;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use std::sync::Arc;
use std::thread::Thread;
use std::time::Instant;

/// Spins before a waiting worker starts yielding.
const SPINS: u32 = 2000;

/// Shortest time a helper spins for the next dispatch before it parks.
const MIN_SPIN_NS: u32 = 50_000;

/// Longest time a helper spins for the next dispatch before it parks.
const MAX_SPIN_NS: u32 = 1_000_000;

/// Spins between two readings of the clock while a helper waits.
const SPINS_PER_CHECK: u32 = 64;

/// The job of the current dispatch, with its lifetime erased.
type Job = *const (dyn Fn(usize) + Sync + 'static);

/// A value on cache lines of its own (two on CPUs that fetch lines in
/// pairs), so threads writing neighbouring values do not slow each other.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What a thread reads to claim a bundle, written by the worker per dispatch.
struct Claims {
    /// Dispatch number (high 32 bits), bundles (next 16), next unclaimed (low 16).
    state: AtomicU64,
    /// The job; written only while no bundle can be claimed.
    job: UnsafeCell<Option<Job>>,
    /// How long helpers spin for the next dispatch, in ns.
    spin_ns: AtomicU32,
}

/// What the worker and its helpers share.
struct Inner {
    claims: Padded<Claims>,
    /// Bundles of this dispatch finished.
    done: Padded<AtomicU32>,
    /// Per helper: parked (or about to park) waiting for a dispatch.
    sleeping: Vec<Padded<AtomicBool>>,
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
            claims: Padded(Claims {
                state: AtomicU64::new(0),
                job: UnsafeCell::new(None),
                spin_ns: AtomicU32::new(MIN_SPIN_NS),
            }),
            done: Padded(AtomicU32::new(0)),
            sleeping: (0..helpers)
                .map(|_| Padded(AtomicBool::new(false)))
                .collect(),
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
        let start = Instant::now();
        let claims = &*inner.claims;
        // SAFETY: no bundle is claimable now (the last dispatch was fully
        // claimed and finished), so no helper reads `job`; it is cleared
        // before this function returns, while `job` is still alive.
        unsafe {
            let erased: Job = std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Job>(job);
            *claims.job.get() = Some(erased);
        }
        inner.done.store(0, Relaxed);
        let dispatch = (claims.state.load(Relaxed) >> 32).wrapping_add(1) & 0xffff_ffff;
        claims.state.store(pack(dispatch, parts, 0), SeqCst);
        for (k, t) in self.threads.iter().enumerate() {
            if inner.sleeping[k].swap(false, SeqCst) {
                t.unpark();
            }
        }
        let mut mine = 0;
        while let Some(k) = claim(claims) {
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
        unsafe { *claims.job.get() = None };
        let took = start.elapsed().as_nanos().min(u32::MAX as u128) as u32;
        let spin = (took / 8).clamp(MIN_SPIN_NS, MAX_SPIN_NS);
        claims.spin_ns.store(spin, Relaxed);
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
fn claim(claims: &Claims) -> Option<usize> {
    let mut s = claims.state.load(Acquire);
    loop {
        if next_of(s) >= parts_of(s) {
            return None;
        }
        match claims
            .state
            .compare_exchange_weak(s, s + 1, AcqRel, Acquire)
        {
            Ok(_) => return Some(next_of(s) as usize),
            Err(now) => s = now,
        }
    }
}

/// A helper's loop: claim and render bundles, counting them in `done` when
/// none is left; between dispatches spin (see the module doc), then park.
fn helper(inner: &Inner, h: usize) {
    let claims = &*inner.claims;
    let mut finished = 0u32;
    let mut seen = u64::MAX;
    let mut idle_since: Option<Instant> = None;
    let mut spins = 0u32;
    loop {
        if let Some(k) = claim(claims) {
            // SAFETY: a claimed bundle keeps its dispatch (and `job`) alive
            // until `done` counts it.
            let job = unsafe { (*claims.job.get()).expect("set while claimable") };
            // SAFETY: as above, `job` lives until `done` counts this bundle.
            rt_guard(|| run_bundle(inner, unsafe { &*job }, k));
            finished += 1;
            continue;
        }
        if finished > 0 {
            // After this, `job` may be gone: the worker may return.
            inner.done.fetch_add(std::mem::take(&mut finished), AcqRel);
        }
        if inner.quit.load(Acquire) {
            return;
        }
        let s = claims.state.load(Acquire);
        if s != seen {
            seen = s;
            idle_since = None;
        }
        spins += 1;
        if spins < SPINS_PER_CHECK {
            std::hint::spin_loop();
            continue;
        }
        spins = 0;
        let now = Instant::now();
        let since = *idle_since.get_or_insert(now);
        if now.duration_since(since).as_nanos() < claims.spin_ns.load(Relaxed) as u128 {
            continue;
        }
        inner.sleeping[h].store(true, SeqCst);
        if claims.state.load(SeqCst) == seen && !inner.quit.load(SeqCst) {
            std::thread::park();
        }
        inner.sleeping[h].store(false, SeqCst);
        idle_since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// Waits up to 20 s (a loaded machine) for `cond`; whether it came true.
    fn eventually(cond: impl Fn() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        cond()
    }

    #[test]
    fn every_bundle_runs_exactly_once_per_dispatch_on_any_helper_count() {
        let runs: Vec<AtomicU32> = (0..300).map(|_| AtomicU32::new(0)).collect();
        for helpers in [0, 1, 3] {
            let mut pool = Pool::new(helpers, "test", None);
            for round in 0..200 {
                let parts = [0, 1, 2, 7, 64, 300][round % 6];
                // Counted after some work: `run` must wait for every bundle.
                pool.run(parts, &|k| {
                    (0..500).for_each(|_| std::hint::spin_loop());
                    runs[k].fetch_add(1, Relaxed);
                });
                for (k, r) in runs.iter().enumerate() {
                    let want = u32::from(k < parts);
                    assert_eq!(
                        r.swap(0, Relaxed),
                        want,
                        "{helpers} helpers, part {k} of {parts}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_idle_helper_parks_and_the_next_dispatch_wakes_it() {
        let mut pool = Pool::new(1, "test", None);
        pool.run(2, &|_| {});
        let inner = pool.inner.clone();
        assert!(
            eventually(|| inner.sleeping[0].load(SeqCst)),
            "helper never parked"
        );
        // Each part waits for the other to start: only two threads finish both.
        let started = AtomicUsize::new(0);
        let met = AtomicUsize::new(0);
        pool.run(2, &|_| {
            started.fetch_add(1, SeqCst);
            let until = Instant::now() + Duration::from_secs(20);
            while started.load(SeqCst) < 2 && Instant::now() < until {
                std::hint::spin_loop();
            }
            if started.load(SeqCst) == 2 {
                met.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(met.load(SeqCst), 2, "the parked helper was not woken");
    }
}
