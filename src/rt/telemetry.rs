//! Lock-free counters written by real-time threads and read by others.

use dsp::graph::MAX_CHANNELS;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// Counters of one slot.
#[derive(Default)]
pub struct SlotStats {
    /// Frames rendered.
    pub frames: AtomicU64,
    /// Times the worker found itself behind the callback and re-anchored.
    pub late: AtomicU64,
    /// Blocks rendered and never played: found already past by the callback,
    /// thrown away when a worker was replaced or restarted (failover,
    /// reconnect, recovery), or held by the callback when its client closed.
    /// The outgoing slot's audio past a completed switch is replaced by design
    /// and not counted.
    pub drops: AtomicU64,
    /// Largest number of blocks rendered in one wake-up since the last reset.
    pub burst_max: AtomicU64,
    /// Blocks rendered in the current catch-up (since the worker was last idle).
    pub burst_last: AtomicU64,
    /// Render time per period as a fraction of the period, ×1e6 (last).
    pub load_last: AtomicU32,
    /// Peak of the same since it was last read by `take_load_peak`.
    pub load_peak: AtomicU32,
    /// Exponential average of the same.
    pub load_avg: AtomicU32,
    /// Re-anchors caused by xruns, buffer-size changes or restarts.
    pub reanchors: AtomicU64,
    /// Ring occupancy in blocks seen by the callback, summed (for the average).
    pub occupancy_sum: AtomicU64,
    /// Number of samples in `occupancy_sum`.
    pub occupancy_n: AtomicU64,
    /// Smallest occupancy seen since last reset.
    pub occupancy_min: AtomicU64,
    /// Events that arrived after their frame had been rendered (applied at once).
    pub late_events: AtomicU64,
    /// Events dropped because the worker's event list was full.
    pub lost_events: AtomicU64,
    /// Modules reset after producing NaN or infinity.
    pub nan_resets: AtomicU64,
    /// Instrument voices held or sounding (last block, every instrument).
    pub voices_busy: AtomicU64,
    /// Voice copies rendered in the last block.
    pub voices_rendered: AtomicU64,
    /// Held voices stolen by a new note (since the graph's instruments were built).
    pub voice_steals: AtomicU64,
    /// Notes dropped by `steal=none` instruments.
    pub notes_dropped: AtomicU64,
    /// Heartbeat: incremented every loop of the worker.
    pub heartbeat: AtomicU64,
    /// Callback cycles from the last re-anchor until the ring was back at lead.
    pub recovery_last: AtomicU64,
    /// Largest such recovery.
    pub recovery_max: AtomicU64,
    /// Longest carry-over at a handover on this worker (state moved from the
    /// playing graph into the new one), in nanoseconds.
    pub handover_ns_max: AtomicU64,
}

impl SlotStats {
    /// Records one render's load (fraction of a period).
    pub fn record_load(&self, fraction: f32) {
        let v = (fraction.clamp(0.0, 1000.0) * 1e6) as u32;
        self.load_last.store(v, Relaxed);
        self.load_peak.fetch_max(v, Relaxed);
        let avg = self.load_avg.load(Relaxed) as f32;
        self.load_avg
            .store((avg + (v as f32 - avg) * 0.05) as u32, Relaxed);
    }

    /// Records the ring occupancy the callback saw.
    pub fn record_occupancy(&self, blocks: u64) {
        self.occupancy_sum.fetch_add(blocks, Relaxed);
        self.occupancy_n.fetch_add(1, Relaxed);
        self.occupancy_min.fetch_min(blocks, Relaxed);
    }
}

/// Engine-wide counters.
#[derive(Default)]
pub struct EngineStats {
    /// Callback cycles in which the active ring had not enough audio.
    pub underruns: AtomicU64,
    /// JACK xrun notifications.
    pub xruns: AtomicU64,
    /// Completed slot switches (commits).
    pub switches: AtomicU64,
    /// Failovers to the other slot after a worker died or stalled.
    pub failovers: AtomicU64,
    /// Reconnections to a (restarted) JACK server.
    pub reconnects: AtomicU64,
    /// Commit-machine phases ended by their time bound (a lost event, a
    /// worker that died or hangs).
    pub recoveries: AtomicU64,
    /// Odd while the callback updates `active_slot`, `version`, `switches`
    /// and `failovers` (a seqlock), so a reader can see all four at once.
    pub switch_seq: AtomicU64,
    /// Slot the callback plays.
    pub active_slot: AtomicU32,
    /// Version of the patch the callback plays.
    pub version: AtomicU32,
    /// Callback cycles run.
    pub cycles: AtomicU64,
    /// Peak absolute sample per output channel (f32 bits), since last read.
    pub peaks: [AtomicU32; MAX_CHANNELS],
    /// Longest callback run in ns.
    pub callback_ns_max: AtomicU64,
    /// Sum of callback run times in ns.
    pub callback_ns_sum: AtomicU64,
    /// MIDI channel messages received on `midi_in`.
    pub midi_events: AtomicU64,
    /// Switches whose new graph delivered its first frame after the switch
    /// frame (a starved worker): the old graph played the frames between.
    pub late_switches: AtomicU64,
    /// Cycles of a cross-fade in which the incoming graph, already started,
    /// delivered less than the cycle (its frames there are faded from zero).
    pub fade_gaps: AtomicU64,
}

impl EngineStats {
    /// Reads and clears channel `c`'s peak.
    pub fn take_peak(&self, c: usize) -> f32 {
        f32::from_bits(self.peaks[c].swap(0, Relaxed))
    }
}
