//! JACK's notifications (server shutdown, xruns, connections, sample rate),
//! handled on JACK's notification thread: they only set atomics the control
//! thread reads.

use crate::rt::shared::Shared;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

/// Handles JACK's notifications (on JACK's notification thread).
pub struct Notifications {
    pub(super) shared: Arc<Shared>,
}

impl jack::NotificationHandler for Notifications {
    unsafe fn shutdown(&mut self, _status: jack::ClientStatus, _reason: &str) {
        // SAFETY: gettid has no preconditions.
        self.shared
            .shutdown_tid
            .store(unsafe { libc::gettid() }, Release);
        self.shared.server_gone.store(true, Release);
    }

    fn xrun(&mut self, _: &jack::Client) -> jack::Control {
        self.shared.stats.xruns.fetch_add(1, Relaxed);
        self.shared.epoch.fetch_add(1, Release);
        jack::Control::Continue
    }

    fn ports_connected(&mut self, _: &jack::Client, _: jack::PortId, _: jack::PortId, _: bool) {
        self.shared.connections_changed.store(true, Release);
    }

    fn sample_rate(&mut self, _: &jack::Client, srate: jack::Frames) -> jack::Control {
        self.shared.sample_rate.store(srate, Release);
        jack::Control::Continue
    }
}
