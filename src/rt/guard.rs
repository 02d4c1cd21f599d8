//! The allocation guard of the real-time threads: the JACK callback, the
//! workers' render loop and the timebase callback run inside it.

/// Runs `f` with allocation forbidden in debug builds (aborts on violation).
#[inline]
pub fn rt_guard<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(debug_assertions)]
    {
        assert_no_alloc::assert_no_alloc(f)
    }
    #[cfg(not(debug_assertions))]
    {
        f()
    }
}

/// The global allocator of debug builds: `assert_no_alloc`'s checker, except
/// on a thread that is panicking. The panic machinery allocates (the message,
/// the payload box, the backtrace); under the checker that turned a panic
/// inside a module into an abort, where release builds fail over.
/// Debug builds only (`assert_no_alloc` has no checker in release builds).
#[cfg(debug_assertions)]
pub struct RtAlloc;

// SAFETY: every call goes to `System`, directly or through `AllocDisabler`,
// so memory from either is freed by the same allocator.
#[cfg(debug_assertions)]
unsafe impl std::alloc::GlobalAlloc for RtAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if std::thread::panicking() {
            std::alloc::System.alloc(layout)
        } else {
            assert_no_alloc::AllocDisabler.alloc(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if std::thread::panicking() {
            std::alloc::System.dealloc(ptr, layout)
        } else {
            assert_no_alloc::AllocDisabler.dealloc(ptr, layout)
        }
    }
}
