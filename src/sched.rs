//! Real-time scheduling for worker threads, through JACK's own helper.

/// Asks for SCHED_FIFO at `priority` for the calling thread; logs the outcome.
pub fn acquire_rt(priority: i32, slot: usize) {
    let Ok(lib) = jack::jack_sys::library() else {
        log::warn!("worker {slot}: libjack not loaded; normal priority");
        return;
    };
    // SAFETY: int jack_acquire_real_time_scheduling(jack_native_thread_t, int), from jack.h.
    let rc = unsafe {
        match lib.get::<unsafe extern "C" fn(libc::pthread_t, libc::c_int) -> libc::c_int>(
            b"jack_acquire_real_time_scheduling\0",
        ) {
            Ok(f) => f(libc::pthread_self(), priority),
            Err(_) => -1,
        }
    };
    if rc == 0 {
        log::info!("worker {slot}: real-time priority {priority}");
    } else {
        log::warn!(
            "worker {slot}: could not get real-time priority {priority} (rc {rc}); normal priority"
        );
    }
}

/// Lowers the calling thread to the lowest normal priority (nice 19), for bulk work such as
/// decoding a sample file: when the render threads run without real-time scheduling (a JACK
/// server started with `--no-realtime`), they then win the CPU from it.
pub fn background() {
    // SAFETY: gettid has no preconditions; setpriority on a thread id changes only that
    // thread on Linux.
    let rc = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19)
    };
    if rc != 0 {
        log::debug!("could not lower this thread's priority");
    }
}
