//! SIGINT, SIGTERM and SIGHUP (the terminal closed) set a flag; the main loop
//! shuts down cleanly: recording finalized, client deactivated, exit 0.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set when SIGINT, SIGTERM or SIGHUP arrives.
pub static QUIT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    QUIT.store(true, Ordering::SeqCst);
}

/// Installs the handlers.
pub fn install() {
    let handler: extern "C" fn(libc::c_int) = on_signal;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        libc::signal(libc::SIGHUP, handler as libc::sighandler_t);
    }
}
