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
