//! Fixed-size messages that cross the real-time boundary through lock-free
//! queues. Graphs travel as `basedrop::Owned`, so dropping one on a real-time
//! thread only queues it for the collector thread.
//!
//! The commit protocol they carry (also in docs/architecture.md), with the
//! control thread's phase on the left:
//!
//! ```text
//! Idle      control ── Handover{graph, to: B, at} ──▶ worker A (playing)
//! Switching worker A, at block boundary F: copies its state into graph,
//!           ── Start{graph, start: F} ──▶ worker B, ── Switch{to: B, at: F} ──▶ callback
//!           callback cross-fades (or cuts) A → B at F, then posts Switched{slot: B, from: A}
//!           (always before ── Stop ──▶ worker A, so control sees Switched first)
//! Reloading worker A retires its graph, posts Stopped{slot: A}
//!           control ── Load{committed graph} ──▶ worker A (the new standby)
//! Idle      the next queued commit, if any, is sent
//! ```
//!
//! Failover: `Died` (or a lag past `--failover-ms`) makes control send
//! `Failover{to}` to the callback, which fades the standby in.

use basedrop::Owned;
use dsp::{Event, Graph};

/// What [`WorkerCmd::Handover`] asks of the playing worker: at the block
/// boundary `at` (or the next one), copy the running state into `graph` and
/// start slot `to` with it from that frame. The worker keeps it until then.
pub struct Handover {
    /// The new graph.
    pub graph: Owned<Graph>,
    /// The slot that will play it.
    pub to: usize,
    /// Timeline frame of the switch; `None` for the next block boundary.
    pub at: Option<u64>,
    /// Its patch version.
    pub version: u32,
    /// Switch on the first frame of this transport beat instead of `at`
    /// (found while rendering, so xruns and relocations in between are
    /// taken into account; never while the transport is stopped).
    pub beat: Option<f64>,
    /// Cut at the switch frame instead of cross-fading: the new graph
    /// plays what the old one would have (`Patch::heard_the_same`), and
    /// the old one loses the state moved out of it at that frame.
    pub cut: bool,
}

/// To a worker.
pub enum WorkerCmd {
    /// Hold this graph, without rendering, ready for a failover.
    Load {
        /// The graph.
        graph: Owned<Graph>,
        /// Its patch version.
        version: u32,
    },
    /// Render from timeline frame `start`, with `graph` or the loaded one.
    Start {
        /// A new graph, or `None` to play the loaded one.
        graph: Option<Owned<Graph>>,
        /// Timeline frame of the first sample.
        start: u64,
        /// Patch version.
        version: u32,
    },
    /// At the block boundary `at` (or the next one), copy the running state into
    /// `graph` and start slot `to` with it from that frame.
    Handover(Handover),
    /// Drop the pending handover of patch `version` if its frame has not
    /// come (a scheduled commit superseded or cancelled).
    Cancel {
        /// The handover's patch version.
        version: u32,
    },
    /// Stop rendering and retire the graph.
    Stop,
    /// Apply `event` at timeline frame `frame` (at once if that has passed).
    Event {
        /// Timeline frame.
        frame: u64,
        /// What to apply.
        event: Event,
    },
    /// Leave the thread.
    Quit,
}

/// To the process callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackCmd {
    /// Cross-fade to `to`, whose stream starts at timeline frame `at`.
    Switch {
        /// Incoming slot.
        to: usize,
        /// Its patch version.
        version: u32,
        /// First frame of its stream.
        at: u64,
        /// Cut to it at `at` instead of cross-fading.
        cut: bool,
    },
    /// The active worker is gone: fade in `to` as soon as it has audio.
    Failover {
        /// Incoming slot.
        to: usize,
        /// Its patch version.
        version: u32,
    },
}

/// From real-time threads to the control thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineEvent {
    /// The callback finished a switch; `slot` now plays `version`.
    Switched {
        /// New active slot.
        slot: usize,
        /// Patch version.
        version: u32,
        /// Slot that stopped playing.
        from: usize,
        /// True when it was a failover.
        failover: bool,
    },
    /// A worker stopped rendering and retired its graph.
    Stopped {
        /// Its slot.
        slot: usize,
    },
    /// A worker dropped the pending handover of `version` (after `Cancel`).
    Cancelled {
        /// Its patch version.
        version: u32,
    },
    /// A worker panicked and its thread ended.
    Died {
        /// Its slot.
        slot: usize,
        /// Type of the module that was processing ("" if none was).
        module: &'static str,
    },
}
