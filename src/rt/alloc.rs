//! The process's memory: the global allocator and memory locking.
//!
//! Rendering must never take a page fault. Buffers are allocated on the
//! control thread (graphs, rings, the recorder); zeroed allocations are
//! written once there, so their pages exist before a worker touches them
//! (the system allocator's `calloc` would hand out untouched pages, faulted
//! in later, on the worker, in release builds). When the system allows it
//! the whole process is also locked in memory ([`lock_memory`]).

use std::alloc::{GlobalAlloc, Layout, System};

/// The global allocator. Debug builds: `assert_no_alloc`'s checker (aborts
/// on allocation inside the real-time guard), except on a thread that is
/// panicking: the panic machinery allocates (message, payload, backtrace),
/// and under the checker a panic inside a module would abort instead of
/// failing over. Both builds: zeroed memory is written, never left to
/// first-touch page faults.
pub struct RtAlloc;

// SAFETY: every call ends in `System` (directly or through `AllocDisabler`,
// which forwards to it), so memory from either path is freed by the same
// allocator.
unsafe impl GlobalAlloc for RtAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(debug_assertions)]
        if !std::thread::panicking() {
            return assert_no_alloc::AllocDisabler.alloc(layout);
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.alloc(layout);
        if !p.is_null() {
            // Writing every byte maps every page now, on this thread.
            std::ptr::write_bytes(p, 0, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(debug_assertions)]
        if !std::thread::panicking() {
            return assert_no_alloc::AllocDisabler.dealloc(ptr, layout);
        }
        System.dealloc(ptr, layout)
    }
}

/// Locks the process's memory, present and future (`mlockall`), when the
/// memory-lock limit is unlimited (root, or the `audio` group's limits).
/// Under a finite limit locking future memory would turn a large patch into
/// failed allocations, so nothing is locked then. Logs one line either way.
pub fn lock_memory() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct we pass.
    let unlimited = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } == 0
        && lim.rlim_cur == libc::RLIM_INFINITY;
    if !unlimited {
        log::info!(
            "memory not locked: the memory-lock limit is {} KiB (see `ulimit -l`); \
             buffers are pre-touched instead",
            lim.rlim_cur / 1024
        );
        return;
    }
    // SAFETY: plain system call without pointers.
    if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) } == 0 {
        log::info!("memory locked (mlockall)");
    } else {
        log::info!(
            "memory not locked: mlockall failed ({}); buffers are pre-touched instead",
            std::io::Error::last_os_error()
        );
    }
}

/// How many of the pages of `[p, p + len)` are resident (`mincore`).
#[cfg(test)]
fn resident_pages(p: *mut u8, len: usize) -> usize {
    let mut v = vec![0u8; len.div_ceil(4096)];
    // SAFETY: `p` is page-aligned and `len` bytes are mapped; `v` has a byte per page.
    let r = unsafe { libc::mincore(p.cast(), len, v.as_mut_ptr()) };
    assert_eq!(r, 0, "mincore: {}", std::io::Error::last_os_error());
    v.iter().filter(|&&b| b & 1 == 1).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zeroed allocation is resident at once: nothing is left to a first
    /// touch on a worker. (The system allocator's `calloc` leaves a fresh
    /// mapping of this size untouched.)
    #[test]
    fn zeroed_memory_is_resident_when_allocated() {
        const SIZE: usize = 16 << 20;
        // The alignment a `vec![0.0; n]` asks for (a larger one makes `System` memset too).
        let layout = Layout::from_size_align(SIZE, 16).unwrap();
        // SAFETY: a valid layout; freed below with the same layout.
        let p = unsafe { RtAlloc.alloc_zeroed(layout) };
        assert!(!p.is_null());
        // The whole pages inside the allocation.
        let skip = p.align_offset(4096);
        let len = (SIZE - skip) / 4096 * 4096;
        // SAFETY: `skip` < 4096 < SIZE.
        let resident = resident_pages(unsafe { p.add(skip) }, len);
        // SAFETY: allocated above, `SIZE` bytes.
        let first = unsafe { *p };
        unsafe { RtAlloc.dealloc(p, layout) };
        assert_eq!(first, 0);
        assert_eq!(resident, len / 4096, "pages left to a first touch");
    }
}
