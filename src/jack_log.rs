//! libjack's error and info lines, logged without letting a JACK thread be
//! cancelled inside Rust.
//!
//! When the server dies, libjack's process and notification threads log
//! their errors through these functions while our main thread closes the
//! client, which `pthread_cancel`s those threads. Writing a log line is a
//! cancellation point; a forced unwind through Rust frames (the `jack`
//! crate's handlers catch it) aborts the process ("FATAL: exception not
//! rethrown"). So cancellation is held off while Rust code runs; a pending
//! cancel takes effect at libjack's next cancellation point, in C++.

use std::ffi::{c_char, c_int, CStr};

/// glibc's `PTHREAD_CANCEL_DISABLE`.
const PTHREAD_CANCEL_DISABLE: c_int = 1;

extern "C" {
    fn pthread_setcancelstate(state: c_int, oldstate: *mut c_int) -> c_int;
}

/// Runs `f` with thread cancellation disabled, then restores the old state.
pub fn without_cancellation<R>(f: impl FnOnce() -> R) -> R {
    let mut old: c_int = 0;
    // SAFETY: sets this thread's cancel state; `old` is a valid out pointer.
    unsafe { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &mut old) };
    let r = f();
    // SAFETY: as above; restores what the caller had.
    unsafe { pthread_setcancelstate(old, std::ptr::null_mut()) };
    r
}

fn line(msg: *const c_char) -> String {
    if msg.is_null() {
        return String::new();
    }
    // SAFETY: libjack passes a NUL-terminated string valid for the call.
    unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned()
}

unsafe extern "C" fn error(msg: *const c_char) {
    without_cancellation(|| log::error!(target: "jack", "{}", line(msg)));
}

unsafe extern "C" fn info(msg: *const c_char) {
    without_cancellation(|| log::info!(target: "jack", "{}", line(msg)));
}

unsafe extern "C" fn silent(_: *const c_char) {}

/// Sends libjack's lines to `log` (target `jack`), or nowhere (`quiet`):
/// libjack reports a missing server with several lines per attempt, which
/// we say once, in our own words.
pub fn install(quiet: bool) {
    let logger = if quiet {
        jack::LoggerType::Custom {
            info: silent,
            error: silent,
        }
    } else {
        jack::LoggerType::Custom { info, error }
    };
    jack::set_logger(logger);
}
