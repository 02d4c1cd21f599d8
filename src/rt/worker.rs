//! A slot's worker thread: owns the slot's graph and renders it into the
//! slot's ring, paced by what the callback has consumed.
//!
//! Pacing rule: render only while a free block exists and the rendered
//! timeline is less than `lead` periods ahead of the callback. A worker that
//! finds itself behind jumps to the present instead of making up missed time,
//! so after any stall it renders at most `lead` blocks and then follows the
//! callback again (the prior engine's catch-up spiral cannot happen).

use super::command::{CallbackCmd, EngineEvent, Handover, WorkerCmd};
use super::death;
pub use super::death::install_panic_hook;
use super::guard::rt_guard;
use super::shared::Shared;
use super::timed::TimedEvents;
use basedrop::Owned;
use dsp::graph::MAX_CHANNELS;
use dsp::{Event, Graph};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most timed events a worker holds at once; more are counted as lost.
pub const EVENT_CAPACITY: usize = 4096;

/// Longest a worker sleeps when nobody wakes it.
const IDLE_WAIT: Duration = Duration::from_millis(20);

/// The state a worker thread owns.
pub struct Worker {
    slot: usize,
    shared: Arc<Shared>,
    graph: Option<Owned<Graph>>,
    version: u32,
    rendering: bool,
    produced: u64,
    epoch: u64,
    /// Timed events by frame (capacity fixed at EVENT_CAPACITY).
    events: TimedEvents,
    /// This block's events with offsets (capacity fixed).
    block_events: Vec<Event>,
    handover: Option<Handover>,
    /// Just started: being behind is not lateness.
    fresh: bool,
    /// Callback cycle count when the worker last found itself behind.
    behind_since: Option<u64>,
    /// Render helpers (none: the worker renders alone).
    pool: super::pool::Pool,
}

impl Worker {
    /// A worker for `slot`, rendering with `pool`'s helpers. Allocates its
    /// event lists here, never later.
    pub fn new(slot: usize, shared: Arc<Shared>, pool: super::pool::Pool) -> Worker {
        Worker {
            slot,
            epoch: shared.epoch.load(Relaxed),
            shared,
            graph: None,
            version: 0,
            rendering: false,
            produced: 0,
            events: TimedEvents::with_capacity(EVENT_CAPACITY),
            block_events: Vec::with_capacity(EVENT_CAPACITY),
            handover: None,
            fresh: false,
            behind_since: None,
            pool,
        }
    }

    /// Runs until `Quit`. A panic inside is caught: the slot is marked dead
    /// and the control thread is told (by the panic hook, before any
    /// backtrace is printed), so it can fail over at once.
    pub fn run(mut self) {
        let shared = self.shared.clone();
        let slot = self.slot;
        let generation = shared.slots[slot].generation.load(Acquire);
        shared.slots[slot].alive.store(true, Release);
        death::serving(Some((shared.clone(), slot, generation)));
        // Denormals flushed for good: each block then only reads the mode.
        dsp::denormal::flush_denormals_on_this_thread();
        let result = catch_unwind(AssertUnwindSafe(|| self.main_loop()));
        if result.is_err() {
            death::report_death();
        } else {
            death::retire(&shared, slot, generation);
        }
        death::serving(None);
    }

    fn main_loop(&mut self) {
        let generation = self.shared.slots[self.slot].generation.load(Acquire);
        loop {
            let quit = rt_guard(|| self.step());
            // A replaced worker (stalled past its bound) leaves when it wakes.
            if quit || self.shared.slots[self.slot].generation.load(Acquire) != generation {
                return;
            }
            std::thread::park_timeout(IDLE_WAIT);
        }
    }

    /// One wake-up: apply commands, then render what the pacing rule allows.
    /// Real-time: no allocation (checked in debug builds), no lock, no I/O.
    fn step(&mut self) -> bool {
        let shared = self.shared.clone();
        let s = &shared.slots[self.slot];
        s.stats.heartbeat.fetch_add(1, Relaxed);
        loop {
            while let Some(cmd) = s.cmds.pop() {
                if self.command(cmd) {
                    return true;
                }
            }
            // Commands that arrived while rendering are handled first.
            if !self.rendering || !self.render_ahead() {
                return false;
            }
        }
    }

    fn command(&mut self, cmd: WorkerCmd) -> bool {
        let s = &self.shared.slots[self.slot];
        match cmd {
            WorkerCmd::Load { graph, version } => {
                if self.rendering {
                    // Never replace what plays; the control side orders
                    // reloads after `Stopped`, so this is a stale command.
                    return false;
                }
                self.graph = Some(graph);
                self.version = version;
                s.version.store(version, Release);
            }
            WorkerCmd::Start {
                graph,
                start,
                version,
            } => {
                if let Some(g) = graph {
                    self.graph = Some(g);
                }
                self.version = version;
                s.version.store(version, Release);
                // Normally empty (the slot was stopped); after a reconnect or a
                // recovery it holds the old stream's unplayed audio.
                s.discard();
                // A new stream: a handover prepared for the old one is void
                // (the control side sends it again if it still matters).
                self.handover = None;
                // Timed events before the start belonged to the previous graph.
                self.events.drop_before(start);
                self.produced = start;
                s.produced.store(start, Release);
                // Render ahead at once, without waiting for the callback.
                s.consumed
                    .fetch_max(start.saturating_sub(self.shared.lead_frames()), Release);
                self.rendering = true;
                self.fresh = true;
                self.epoch = self.shared.epoch.load(Relaxed);
                s.rendering.store(true, Release);
            }
            WorkerCmd::Handover(h) => {
                self.handover = Some(h);
                if !self.rendering {
                    // Nothing plays here: hand over at once, from the present.
                    self.produced = self.shared.cycle_frame.load(Acquire);
                    self.try_handover();
                }
            }
            WorkerCmd::Cancel { version } => {
                if self.handover.as_ref().is_some_and(|h| h.version == version) {
                    // The graph goes to the collector thread.
                    self.handover = None;
                    self.shared.post(EngineEvent::Cancelled { version });
                }
            }
            WorkerCmd::Stop => {
                self.handover = None;
                self.rendering = false;
                s.rendering.store(false, Release);
                if self.shared.stats.active_slot.load(Acquire) as usize == self.slot {
                    // Stopped while it still plays (a recovery): lost audio.
                    s.discard();
                } else {
                    // Past a completed switch: replaced by the new patch.
                    s.ring.drain();
                }
                self.graph = None;
                self.shared.post(EngineEvent::Stopped { slot: self.slot });
            }
            WorkerCmd::Event { frame, event } => self.queue_event(frame, event),
            WorkerCmd::Quit => return true,
        }
        false
    }

    fn queue_event(&mut self, frame: u64, event: Event) {
        if frame == 0 {
            // Immediate: between two blocks is exactly "now" for this worker.
            // An idle standby ignores it: it is rebuilt from the committed
            // patch (which records live changes) before it plays.
            if self.rendering {
                if let Some(g) = self.graph.as_mut() {
                    g.apply(&event);
                }
            }
            return;
        }
        if !self.rendering {
            // Only future events matter to a standby.
            let now = self.shared.cycle_frame.load(Acquire);
            self.events.drop_before(now);
        }
        // O(log n); equal frames keep arrival order.
        if !self.events.push(frame, event) {
            self.shared.slots[self.slot]
                .stats
                .lost_events
                .fetch_add(1, Relaxed);
        }
    }

    /// Renders up to the lead. True if it stopped early for a command.
    fn render_ahead(&mut self) -> bool {
        let shared = self.shared.clone();
        let s = &shared.slots[self.slot];
        let period = shared.period.load(Relaxed).max(1) as u64;
        let lead = shared.lead_frames().max(period);
        let consumed = s.consumed.load(Acquire);
        let epoch = shared.epoch.load(Relaxed);
        if epoch != self.epoch {
            self.epoch = epoch;
            s.stats.reanchors.fetch_add(1, Relaxed);
        }
        if self.produced < consumed {
            // Behind the callback: skip to the present, never make up time.
            if !self.fresh {
                s.stats.late.fetch_add(1, Relaxed);
                self.behind_since = Some(shared.stats.cycles.load(Relaxed));
            }
            self.produced = consumed + skip_ahead(s.stats.load_avg.load(Relaxed), period, lead);
        }
        self.fresh = false;
        let mut burst = 0;
        let mut interrupted = false;
        while self.produced < consumed + lead {
            // A queued Stop must cancel a pending handover before it fires.
            if self.handover.is_some() && !s.cmds.is_empty() {
                interrupted = true;
                break;
            }
            if self.try_handover() {
                continue;
            }
            let mut frames = period;
            if let Some(at) = self.handover.as_ref().and_then(|h| h.at) {
                if at > self.produced && at < self.produced + frames {
                    frames = at - self.produced;
                }
            }
            if !self.render_block(frames as usize) {
                break;
            }
            burst += 1;
        }
        if burst > 0 {
            s.stats.burst_last.store(burst, Relaxed);
            s.stats.burst_max.fetch_max(burst, Relaxed);
        }
        if self.produced >= consumed + lead {
            if let Some(since) = self.behind_since.take() {
                let periods = shared.stats.cycles.load(Relaxed).saturating_sub(since);
                s.stats.recovery_last.store(periods, Relaxed);
                s.stats.recovery_max.fetch_max(periods, Relaxed);
            }
        }
        interrupted
    }

    /// For a handover on a beat: the frame where that beat falls, from the
    /// musical time of what is rendered next (never due while stopped; at
    /// once if a relocation jumped past it).
    fn place_on_beat(&mut self) {
        let Some(h) = self.handover.as_mut() else {
            return;
        };
        let Some(beat) = h.beat else {
            return;
        };
        let time = self.shared.transport.time_at(self.produced);
        h.at = Some(if time.rolling {
            let ahead = (time.frame_of(beat).round() - time.frame as f64).max(0.0);
            self.produced + ahead as u64
        } else {
            u64::MAX
        });
    }

    /// Performs a pending handover if its frame has come. True if it did.
    fn try_handover(&mut self) -> bool {
        self.place_on_beat();
        let due = match &self.handover {
            Some(h) => h.at.is_none_or(|at| at <= self.produced),
            None => return false,
        };
        if !due {
            return false;
        }
        let Some(mut h) = self.handover.take() else {
            return false;
        };
        let t0 = Instant::now();
        if let Some(old) = self.graph.as_mut() {
            // Moves delay and reverb memory and plugin instances; what the
            // old graph renders from here on is heard only during a
            // cross-fade (never after a cut), without what moved.
            h.graph.take_from(old);
        }
        self.shared.slots[self.slot]
            .stats
            .handover_ns_max
            .fetch_max(t0.elapsed().as_nanos() as u64, Relaxed);
        let start = self.produced;
        let target = &self.shared.slots[h.to];
        match target.cmds.push(WorkerCmd::Start {
            graph: Some(h.graph),
            start,
            version: h.version,
        }) {
            Ok(()) => {
                target.wake();
                let _ = self.shared.callback_cmds.push(CallbackCmd::Switch {
                    to: h.to,
                    version: h.version,
                    at: start,
                    cut: h.cut,
                });
                true
            }
            Err(WorkerCmd::Start {
                graph: Some(graph), ..
            }) => {
                // Target queue full: keep it and try again next block.
                self.handover = Some(Handover {
                    graph,
                    to: h.to,
                    at: Some(start),
                    version: h.version,
                    beat: None,
                    cut: h.cut,
                });
                false
            }
            Err(_) => false,
        }
    }

    /// Renders one block of `frames` frames into a free buffer and queues it.
    fn render_block(&mut self, frames: usize) -> bool {
        let shared = self.shared.clone();
        let s = &shared.slots[self.slot];
        let Some(block) = s.ring.free.pop() else {
            return false;
        };
        // If the graph panics, unwinding must not free the block on this thread (debug builds
        // abort on that under assert_no_alloc; release builds would lose a ring block): the
        // guard puts it back on the free queue.
        let mut guard = Recycle {
            ring: &s.ring,
            block: Some(block),
        };
        let block = guard.block.as_mut().expect("just set");
        let start = self.produced;
        let end = start + frames as u64;
        self.block_events.clear();
        while let Some((f, mut e)) = self.events.pop_before(end) {
            if f < start && f != 0 {
                s.stats.late_events.fetch_add(1, Relaxed);
            }
            e.offset = f.saturating_sub(start) as u32;
            self.block_events.push(e);
        }
        let t0 = Instant::now();
        {
            let mut outs: [&mut [f32]; MAX_CHANNELS] = Default::default();
            let ch = block.channel_count();
            block.channels_mut(frames, &mut outs);
            match self.graph.as_mut() {
                Some(g) => {
                    g.set_time(shared.transport.time_at(start));
                    g.process_with(&mut outs[..ch], &self.block_events, &mut self.pool)
                }
                None => outs[..ch].iter_mut().for_each(|c| c.fill(0.0)),
            }
        }
        let sr = shared.sample_rate.load(Relaxed).max(1) as f32;
        s.stats
            .record_load(t0.elapsed().as_secs_f32() / (frames as f32 / sr));
        if let Some(g) = self.graph.as_ref() {
            s.stats.nan_resets.store(g.nan_resets(), Relaxed);
            let v = g.voice_stats();
            s.stats.voices_busy.store(v.busy, Relaxed);
            s.stats.voices_rendered.store(v.rendered, Relaxed);
            s.stats.voice_steals.store(v.stolen, Relaxed);
            s.stats.notes_dropped.store(v.dropped, Relaxed);
        }
        block.start = start;
        block.frames = frames;
        block.version = self.version;
        let block = guard.block.take().expect("still held");
        if let Err(b) = s.ring.filled.push(block) {
            // Cannot happen: filled holds every block. Counted, never silent.
            s.stats.drops.fetch_add(1, Relaxed);
            s.ring.recycle(b);
            return false;
        }
        self.produced = end;
        s.produced.store(end, Release);
        s.stats.frames.fetch_add(frames as u64, Relaxed);
        true
    }
}

/// Frames past the present a worker that fell behind resumes at: none while
/// its blocks render within a period on average (a one-off stall is not a
/// slow graph), else the periods a block takes, rounded up, within the lead,
/// so a graph slower than real time plays with gaps instead of never landing
/// a block.
fn skip_ahead(load_avg_millionths: u32, period: u64, lead: u64) -> u64 {
    let periods = match load_avg_millionths / 1_000_000 {
        0 => 0,
        whole => whole as u64 + 1,
    };
    (periods * period).min(lead.saturating_sub(period))
}

/// Holds a block taken from a ring; returns it to the free queue if dropped
/// while still holding it (a panic while rendering).
struct Recycle<'a> {
    ring: &'a super::ring::Ring,
    block: Option<Box<super::ring::Block>>,
}

impl Drop for Recycle<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            self.ring.recycle(b);
        }
    }
}
