//! Bounded shutdown: waits for threads that may never end (a worker in a
//! hung plugin) and for libjack closing a dead client (which can deadlock).

use crate::rescue::Rescue;
use std::sync::Arc;
use std::time::Duration;

/// Longest shutdown waits for a worker to quit.
pub(super) const QUIT_BOUND: std::time::Duration = std::time::Duration::from_secs(2);

/// Joins `h` if it ends within `bound`; else leaves it (a worker stuck in a
/// hung plugin's `run()` never ends) and says so: the process exits anyway.
pub(super) fn join_within(h: std::thread::JoinHandle<()>, bound: std::time::Duration, what: &str) {
    let deadline = std::time::Instant::now() + bound;
    while !h.is_finished() {
        if std::time::Instant::now() > deadline {
            log::error!("a {what} thread did not stop within {bound:?} (a hung plugin?); exiting without it");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = h.join();
}

/// Longest wait for libjack's notification thread to finish its shutdown
/// path before the dead client is closed.
const NOTIFY_THREAD_BOUND: Duration = Duration::from_secs(1);

/// Waits (bounded) until the libjack thread `tid` that reported the server's
/// shutdown has ended. Closing the client cancels that thread
/// asynchronously; cancelled mid-way through its error path (inside malloc
/// or a log call) it would leave a lock held for good, which is how a
/// reconnect hung about once in 30 restarts under load.
pub(super) fn wait_notify_thread(tid: i32) {
    if tid <= 0 {
        return;
    }
    let task = format!("/proc/self/task/{tid}");
    let t0 = std::time::Instant::now();
    let deadline = t0 + NOTIFY_THREAD_BOUND;
    while std::path::Path::new(&task).exists() {
        if std::time::Instant::now() > deadline {
            log::debug!("libjack's notification thread still runs after {NOTIFY_THREAD_BOUND:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    log::debug!(
        "libjack's notification thread ended {:?} after the shutdown",
        t0.elapsed()
    );
}

/// Ends the process if closing a dead client, or opening and activating the
/// new one, hangs: libjack can deadlock there when one of its threads died
/// holding a lock (jack2 issue #395). With a [`Rescue`] the process replaces
/// itself with a fresh copy playing the last committed patch; without one
/// (or if that fails) it exits with code 4 for a supervisor to restart it.
/// Nobody can revive a hung process. Disarmed when dropped.
pub(super) struct CloseWatchdog(Arc<std::sync::atomic::AtomicBool>);

impl CloseWatchdog {
    pub(super) fn arm(
        limit: Duration,
        what: &'static str,
        rescue: Option<Arc<Rescue>>,
    ) -> CloseWatchdog {
        use std::sync::atomic::{AtomicBool, Ordering::Acquire};
        let disarmed = Arc::new(AtomicBool::new(false));
        let seen = disarmed.clone();
        // Prepared now: when it fires, a libjack thread cancelled inside
        // malloc or a logger may hold their locks, so it only sleeps, writes
        // and execs or exits (no channel, no allocation, no logger).
        let then = if rescue.is_some() {
            "restarting itself with the last committed patch"
        } else {
            "exiting with code 4 so it can be restarted"
        };
        let line =
            format!("[synth-jack ERROR] {what} hung for {limit:?} (a libjack deadlock); {then}\n");
        let spawned = std::thread::Builder::new()
            .name("close-watchdog".into())
            .spawn(move || {
                let ptrs = rescue.as_ref().map(|r| r.pointers());
                let deadline = std::time::Instant::now() + limit;
                while !seen.load(Acquire) {
                    if std::time::Instant::now() > deadline {
                        // SAFETY: writes a live buffer to stderr; `ptrs` come
                        // from this rescue; _exit skips libjack's exit
                        // handlers (they would wait on the same lock).
                        unsafe {
                            libc::write(2, line.as_ptr().cast(), line.len());
                            if let (Some(r), Some(p)) = (&rescue, &ptrs) {
                                r.exec(p);
                            }
                            libc::_exit(4);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        if let Err(e) = spawned {
            log::warn!("no watchdog for closing the JACK client: {e}");
        }
        CloseWatchdog(disarmed)
    }
}

impl Drop for CloseWatchdog {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}
