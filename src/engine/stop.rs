//! Bounded shutdown: waits for threads that may never end (a worker in a
//! hung plugin) and for libjack closing a dead client (which can deadlock).

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

/// Ends the process if closing a dead client, or opening and activating the
/// new one, hangs: libjack can deadlock there when one of its threads died
/// holding a lock (jack2 issue #395; seen once in 30 restarts under load, and
/// once in a 600 s soak). A supervisor or session manager can restart a
/// process; nobody can revive a hung one. Disarmed when dropped.
pub(super) struct CloseWatchdog(#[allow(dead_code)] std::sync::mpsc::Sender<()>);

impl CloseWatchdog {
    pub(super) fn arm(limit: Duration, what: &'static str) -> CloseWatchdog {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("close-watchdog".into())
            .spawn(move || {
                if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                    log::error!(
                        "{what} hung for {limit:?} (a libjack deadlock); exiting with code 4 \
                         so it can be restarted"
                    );
                    // _exit: libjack's exit handlers would wait on the same lock.
                    // SAFETY: ends the process; nothing runs after it.
                    unsafe { libc::_exit(4) };
                }
            });
        if let Err(e) = spawned {
            log::warn!("no watchdog for closing the JACK client: {e}");
        }
        CloseWatchdog(tx)
    }
}
