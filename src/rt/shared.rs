//! State shared by the callback, the workers and the control thread.

use super::command::{CallbackCmd, EngineEvent, WorkerCmd};
use super::ring::Ring;
use super::telemetry::{EngineStats, SlotStats};
use basedrop::{Handle, Shared as Rc, SharedCell};
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::*};
use std::thread::Thread;

/// Capacity of each worker's command queue (live `/mod` traffic goes here).
pub const WORKER_QUEUE: usize = 8192;
/// Places of each worker queue that live changes may not take: kept for
/// control commands (handover, start, stop, load, cancel).
pub const CONTROL_RESERVE: usize = 64;

/// The other one of the two slots (0 ↔ 1): the standby of the playing
/// slot, or the one a commit or failover switches to. There are exactly two.
pub const fn other_slot(slot: usize) -> usize {
    1 - slot
}

/// One of the two slots: a ring, a command queue and counters.
pub struct Slot {
    /// Rendered audio.
    pub ring: Ring,
    /// Commands for this slot's worker.
    pub cmds: ArrayQueue<WorkerCmd>,
    /// Timeline frame up to which the callback has read (or skipped) this slot.
    pub consumed: AtomicU64,
    /// Timeline frame up to which the worker has rendered.
    pub produced: AtomicU64,
    /// True while the worker renders.
    pub rendering: AtomicBool,
    /// True while a live worker thread serves this slot.
    pub alive: AtomicBool,
    /// Bumped each time a new worker thread takes the slot over, so a dying
    /// thread never marks its replacement dead.
    pub generation: AtomicU64,
    /// Patch version the worker holds.
    pub version: AtomicU32,
    /// Counters.
    pub stats: SlotStats,
    thread: SharedCell<Option<Thread>>,
}

impl Slot {
    /// Wakes the worker (lock-free, allocation-free).
    pub fn wake(&self) {
        if let Some(t) = &*self.thread.get() {
            t.unpark();
        }
    }

    /// Records the thread serving this slot (control side).
    pub fn set_thread(&self, handle: &Handle, t: Thread) {
        self.thread.set(Rc::new(handle, Some(t)));
    }

    /// Throws away every rendered block not yet played, counting them as
    /// `drops` (audio rendered and never heard: a worker replaced or
    /// restarted, a reconnect).
    pub fn discard(&self) {
        let n = self.ring.drain();
        self.stats.drops.fetch_add(n, Relaxed);
    }

    /// Ring occupancy in frames.
    pub fn buffered(&self) -> u64 {
        self.produced
            .load(Acquire)
            .saturating_sub(self.consumed.load(Acquire))
    }
}

/// Everything the real-time side shares.
pub struct Shared {
    /// Slots 0 and 1.
    pub slots: [Slot; 2],
    /// Engine counters.
    pub stats: EngineStats,
    /// Commands for the callback.
    pub callback_cmds: ArrayQueue<CallbackCmd>,
    /// Events for the control thread.
    pub events: ArrayQueue<EngineEvent>,
    /// JACK period in frames.
    pub period: AtomicU32,
    /// JACK sample rate.
    pub sample_rate: AtomicU32,
    /// Output channels.
    pub channels: usize,
    /// Periods a worker renders ahead of the callback.
    pub lead: u32,
    /// Cross-fade length in frames.
    pub fade_frames: AtomicU32,
    /// Timeline frame at the start of the last callback cycle.
    pub cycle_frame: AtomicU64,
    /// JACK time (µs) at the start of that cycle.
    pub cycle_usecs: AtomicU64,
    /// Timeline frame after the last callback cycle: where a new client
    /// continues the timeline when the old one could not be deactivated.
    pub next_frame: AtomicU64,
    /// Bumped on xruns and buffer-size changes so workers re-anchor.
    pub epoch: AtomicU64,
    /// Set by JACK's shutdown notification.
    pub server_gone: AtomicBool,
    /// Linux thread id of the libjack thread that reported the shutdown
    /// (0: none yet): closing the client cancels that thread, so the close
    /// waits until it has finished on its own (see `engine::stop`).
    pub shutdown_tid: std::sync::atomic::AtomicI32,
    /// Set by JACK's notification thread when a port of ours is connected or
    /// disconnected, so the connections are remembered at once, not at the
    /// next periodic look (a server lost right after a connect keeps it).
    pub connections_changed: AtomicBool,
    /// The JACK transport as the callback last read it, and the internal clock.
    pub transport: super::transport::TransportShared,
}

impl Shared {
    /// Fresh shared state. Allocates (control side only).
    pub fn new(
        handle: &Handle,
        channels: usize,
        lead: u32,
        period: u32,
        sample_rate: u32,
        fade_frames: u32,
    ) -> Shared {
        let slot = || Slot {
            ring: Ring::new(lead as usize + 3, channels),
            cmds: ArrayQueue::new(WORKER_QUEUE),
            consumed: AtomicU64::new(0),
            produced: AtomicU64::new(0),
            rendering: AtomicBool::new(false),
            alive: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            version: AtomicU32::new(0),
            stats: SlotStats {
                occupancy_min: AtomicU64::new(u64::MAX),
                ..Default::default()
            },
            thread: SharedCell::new(Rc::new(handle, None)),
        };
        Shared {
            slots: [slot(), slot()],
            stats: EngineStats::default(),
            callback_cmds: ArrayQueue::new(64),
            events: ArrayQueue::new(1024),
            period: AtomicU32::new(period),
            sample_rate: AtomicU32::new(sample_rate),
            channels,
            lead,
            fade_frames: AtomicU32::new(fade_frames),
            cycle_frame: AtomicU64::new(0),
            cycle_usecs: AtomicU64::new(0),
            next_frame: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            server_gone: AtomicBool::new(false),
            shutdown_tid: std::sync::atomic::AtomicI32::new(0),
            connections_changed: AtomicBool::new(false),
            transport: super::transport::TransportShared::new(120.0, 4.0, sample_rate as f64),
        }
    }

    /// Lead in frames at the current period.
    pub fn lead_frames(&self) -> u64 {
        self.lead as u64 * self.period.load(Relaxed) as u64
    }

    /// Posts an event for the control thread (dropped only if 1024 are unread).
    pub fn post(&self, e: EngineEvent) {
        let _ = self.events.push(e);
    }

    /// Estimated timeline frame now, from the last cycle's (frame, µs) pair.
    pub fn frame_now(&self, now_usecs: u64) -> u64 {
        loop {
            let f1 = self.cycle_frame.load(Acquire);
            let us = self.cycle_usecs.load(Acquire);
            let f2 = self.cycle_frame.load(Acquire);
            if f1 == f2 {
                let sr = self.sample_rate.load(Relaxed) as f64;
                let dt = now_usecs.saturating_sub(us) as f64 * 1e-6;
                return f1 + (dt * sr) as u64;
            }
        }
    }
}
