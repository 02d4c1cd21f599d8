//! The JACK process callback. It never renders a patch: it copies one period
//! per channel from the active slot's ring (and during a switch also from the
//! incoming slot's, cross-fading the two), writes the ports, counts underruns,
//! and wakes the workers. Allocation-free, lock-free; debug builds abort on
//! any allocation here.

use super::command::{CallbackCmd, EngineEvent, WorkerCmd};
use super::guard::rt_guard;
use super::record_tap::RecordTap;
use super::ring::{Block, MAX_PERIOD};
use super::shared::Shared;
use dsp::graph::MAX_CHANNELS;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::Instant;

/// Frames over which an underrun fades the last sample to silence.
const UNDERRUN_FADE: usize = 64;

/// Reads one slot's stream on the timeline.
#[derive(Default)]
struct Reader {
    current: Option<Box<Block>>,
}

/// Which frames of a period a read produced, relative to the period start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    from: usize,
    to: usize,
}

impl Reader {
    /// Copies the slot's audio for timeline `[t, t + n)` into `out` (planar,
    /// `MAX_PERIOD` per channel), dropping blocks that lie in the past.
    fn read(&mut self, shared: &Shared, slot: usize, t: u64, n: usize, out: &mut [f32]) -> Span {
        let ring = &shared.slots[slot].ring;
        let mut span = Span { from: 0, to: 0 };
        let mut pos = 0usize;
        while pos < n {
            let b = match self.current.take() {
                Some(b) => b,
                None => match ring.filled.pop() {
                    Some(b) => b,
                    None => break,
                },
            };
            let now = t + pos as u64;
            if b.end() <= now {
                // Rendered too late to be heard.
                shared.slots[slot].stats.drops.fetch_add(1, Relaxed);
                ring.recycle(b);
                continue;
            }
            if b.start > now {
                if pos == 0 && span.to == 0 && b.start < t + n as u64 {
                    // The stream begins inside this period (a switch frame):
                    // silence before it, never stale scratch contents.
                    pos = (b.start - t) as usize;
                    span.from = pos;
                    for c in 0..b.channel_count() {
                        out[c * MAX_PERIOD..c * MAX_PERIOD + pos].fill(0.0);
                    }
                    self.current = Some(b);
                    continue;
                }
                self.current = Some(b);
                break;
            }
            let off = (now - b.start) as usize;
            let k = (b.frames - off).min(n - pos);
            for c in 0..b.channel_count() {
                out[c * MAX_PERIOD + pos..c * MAX_PERIOD + pos + k]
                    .copy_from_slice(&b.channel(c)[off..off + k]);
            }
            pos += k;
            span.to = pos;
            if off + k == b.frames {
                ring.recycle(b);
            } else {
                self.current = Some(b);
            }
        }
        if span.to == 0 {
            span.from = 0;
        }
        span
    }

    /// Gives back the block being read; `lost`: its unread rest counts as dropped.
    fn release(&mut self, shared: &Shared, slot: usize, lost: bool) {
        if let Some(b) = self.current.take() {
            if lost {
                shared.slots[slot].stats.drops.fetch_add(1, Relaxed);
            }
            shared.slots[slot].ring.recycle(b);
        }
    }
}

/// A switch in progress.
#[derive(Clone, Copy)]
struct Incoming {
    slot: usize,
    version: u32,
    /// Timeline frame where the fade began, once it has.
    fade_start: Option<u64>,
    failover: bool,
    /// The switch frame (a commit's; a failover starts at once).
    at: u64,
    /// Cut at the switch frame instead of cross-fading.
    cut: bool,
}

/// The process handler's state; everything is preallocated in `new`.
pub struct Callback {
    shared: Arc<Shared>,
    ports: Vec<jack::Port<jack::AudioOut>>,
    t: u64,
    readers: [Reader; 2],
    scratch: [Vec<f32>; 2],
    active: usize,
    incoming: Option<Incoming>,
    last: [f32; MAX_CHANNELS],
    record: RecordTap,
    /// The MIDI input, unless `--no-midi`.
    midi: Option<super::midi::MidiInput>,
    transport: super::transport::Follower,
}

impl Callback {
    /// A callback playing slot `active`, continuing the timeline at `t`.
    pub fn new(
        shared: Arc<Shared>,
        ports: Vec<jack::Port<jack::AudioOut>>,
        active: usize,
        t: u64,
        record: RecordTap,
    ) -> Callback {
        let ch = shared.channels;
        let transport = super::transport::Follower::new(&shared.transport);
        Callback {
            shared,
            ports,
            t,
            readers: Default::default(),
            scratch: [vec![0.0; ch * MAX_PERIOD], vec![0.0; ch * MAX_PERIOD]],
            active,
            incoming: None,
            last: [0.0; MAX_CHANNELS],
            transport,
            record,
            midi: None,
        }
    }

    /// Reads MIDI from `port` each cycle (see [`super::midi`]).
    pub fn with_midi(mut self, port: jack::Port<jack::MidiIn>) -> Callback {
        self.midi = Some(super::midi::MidiInput::new(port));
        self
    }

    /// Returns blocks it holds to their rings and gives back the ports
    /// (when the client is torn down, e.g. to reconnect).
    pub fn into_parts(mut self) -> (Vec<jack::Port<jack::AudioOut>>, u64, usize) {
        for s in 0..2 {
            self.readers[s].release(&self.shared, s, true);
        }
        (std::mem::take(&mut self.ports), self.t, self.active)
    }

    fn commands(&mut self) {
        while let Some(cmd) = self.shared.callback_cmds.pop() {
            let (to, version, failover, at, cut) = match cmd {
                CallbackCmd::Switch {
                    to,
                    version,
                    at,
                    cut,
                } => (to, version, false, at, cut),
                CallbackCmd::Failover { to, version } => (to, version, true, 0, false),
            };
            if to == self.active && !failover {
                continue;
            }
            self.incoming = Some(Incoming {
                slot: to,
                version,
                fade_start: None,
                failover,
                at,
                cut,
            });
        }
    }

    /// One JACK cycle of `n` frames. Writes `outs` (one slice per port).
    pub fn cycle(&mut self, n: usize, usecs: u64, outs: &mut [&mut [f32]]) {
        let started = Instant::now();
        let sh = self.shared.clone();
        let t = self.t;
        let n = n.min(MAX_PERIOD);
        sh.cycle_usecs.store(usecs, Release);
        sh.cycle_frame.store(t, Release);
        self.commands();

        let a = self.active;
        let slot_a = &sh.slots[a];
        let period = sh.period.load(Relaxed).max(1) as u64;
        slot_a
            .stats
            .record_occupancy(slot_a.produced.load(Acquire).saturating_sub(t) / period);
        let span_a = self.readers[a].read(&sh, a, t, n, &mut self.scratch[a]);
        let playing = slot_a.rendering.load(Acquire) || span_a.to > 0;
        if span_a.to < n && playing && self.incoming.is_none_or(|i| !i.failover) {
            sh.stats.underruns.fetch_add(1, Relaxed);
        }
        let ch = sh.channels.min(outs.len());
        // Active slot (faded out past what it delivered).
        for (c, out) in outs.iter_mut().enumerate().take(ch) {
            let src = &self.scratch[a][c * MAX_PERIOD..c * MAX_PERIOD + n];
            let out = &mut out[..n];
            out[..span_a.to].copy_from_slice(&src[..span_a.to]);
            let mut last = if span_a.to > 0 {
                src[span_a.to - 1]
            } else {
                self.last[c]
            };
            for (i, o) in out[span_a.to..].iter_mut().enumerate() {
                let g = 1.0 - (i + 1) as f32 / UNDERRUN_FADE as f32;
                *o = if g > 0.0 { last * g } else { 0.0 };
            }
            if span_a.to < n {
                last = 0.0;
            }
            self.last[c] = last;
        }
        slot_a.consumed.store(t + n as u64, Release);

        if let Some(mut inc) = self.incoming {
            let b = inc.slot;
            let span_b = self.readers[b].read(&sh, b, t, n, &mut self.scratch[b]);
            sh.slots[b].consumed.fetch_max(t + n as u64, Release);
            if span_b.to > span_b.from && inc.fade_start.is_none() {
                let fs = t + span_b.from as u64;
                inc.fade_start = Some(fs);
                if !inc.failover && fs > inc.at {
                    sh.stats.late_switches.fetch_add(1, Relaxed);
                }
            }
            if let Some(fs) = inc.fade_start {
                if span_b.to < n {
                    sh.stats.fade_gaps.fetch_add(1, Relaxed);
                }
                let fade = if inc.cut {
                    1.0
                } else {
                    sh.fade_frames.load(Relaxed).max(1) as f32
                };
                for (c, out) in outs.iter_mut().enumerate().take(ch) {
                    let src = &self.scratch[b][c * MAX_PERIOD..c * MAX_PERIOD + n];
                    let out = &mut out[..n];
                    for i in 0..n {
                        let f = t + i as u64;
                        if f < fs {
                            continue;
                        }
                        let g = (((f - fs) as f32 + 1.0) / fade).min(1.0);
                        let x = if i >= span_b.from && i < span_b.to {
                            src[i]
                        } else {
                            0.0
                        };
                        out[i] = out[i] * (1.0 - g) + x * g;
                    }
                    if span_b.to == n {
                        self.last[c] = src[n - 1];
                    }
                }
                let done = t + n as u64 >= fs + fade as u64;
                if done {
                    self.finish_switch(inc);
                    self.incoming = None;
                } else {
                    self.incoming = Some(inc);
                }
            } else {
                self.incoming = Some(inc);
            }
        }

        for (c, out) in outs.iter().enumerate().take(ch.min(MAX_CHANNELS)) {
            let peak = out[..n].iter().fold(0.0f32, |m, x| m.max(x.abs()));
            sh.stats.peaks[c].fetch_max(peak.to_bits(), Relaxed);
        }
        self.record.push(outs, n);
        for s in &sh.slots {
            if s.rendering.load(Relaxed) {
                s.wake();
            }
        }
        self.t = t + n as u64;
        sh.next_frame.store(self.t, Release);
        sh.stats.cycles.fetch_add(1, Relaxed);
        let ns = started.elapsed().as_nanos() as u64;
        sh.stats.callback_ns_sum.fetch_add(ns, Relaxed);
        sh.stats.callback_ns_max.fetch_max(ns, Relaxed);
    }

    fn finish_switch(&mut self, inc: Incoming) {
        let sh = &self.shared;
        let old = self.active;
        // After a failover the failed slot's rest was meant to play.
        self.readers[old].release(sh, old, inc.failover);
        self.active = inc.slot;
        sh.stats.switch_seq.fetch_add(1, AcqRel);
        sh.stats.active_slot.store(inc.slot as u32, Release);
        sh.stats.version.store(inc.version, Release);
        if inc.failover {
            sh.stats.failovers.fetch_add(1, Release);
        } else {
            sh.stats.switches.fetch_add(1, Release);
        }
        sh.stats.switch_seq.fetch_add(1, Release);
        // Switched must be posted before the old worker can post Stopped:
        // control waits for Stopped only after it has seen Switched.
        sh.post(EngineEvent::Switched {
            slot: inc.slot,
            version: inc.version,
            from: old,
            failover: inc.failover,
        });
        if !inc.failover {
            // After a failover, control replaces or stops the failed worker itself.
            let _ = sh.slots[old].cmds.push(WorkerCmd::Stop);
            sh.slots[old].wake();
        }
    }
}

impl Drop for Callback {
    /// Blocks held by the readers go back to their rings, also when the
    /// client could not be deactivated (server lost): a lost block would
    /// shrink the ring for good.
    fn drop(&mut self) {
        for s in 0..2 {
            self.readers[s].release(&self.shared, s, true);
        }
    }
}

impl jack::ProcessHandler for Callback {
    fn process(&mut self, client: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        rt_guard(|| {
            let n = ps.n_frames() as usize;
            let sh = &self.shared;
            let rate = sh.sample_rate.load(Relaxed);
            let reading = super::transport::query(client);
            self.transport.cycle(&sh.transport, self.t, rate, reading);
            let usecs = ps.cycle_times().map(|c| c.current_usecs).unwrap_or(0);
            if let Some(m) = &self.midi {
                m.forward(ps, &self.shared, self.t);
            }
            // Moving the Vec out and back allocates nothing.
            let mut ports = std::mem::take(&mut self.ports);
            {
                let mut outs: [&mut [f32]; MAX_CHANNELS] = Default::default();
                let k = ports.len().min(MAX_CHANNELS);
                for (o, p) in outs.iter_mut().zip(ports.iter_mut()) {
                    *o = p.as_mut_slice(ps);
                }
                self.cycle(n, usecs, &mut outs[..k]);
            }
            self.ports = ports;
        });
        jack::Control::Continue
    }

    fn buffer_size(&mut self, _: &jack::Client, size: jack::Frames) -> jack::Control {
        // Blocks hold MAX_PERIOD frames and reads are frame-exact, so a new
        // size needs no reallocation: publish it and let workers re-anchor.
        self.shared
            .period
            .store(size.min(MAX_PERIOD as u32), Release);
        self.shared.epoch.fetch_add(1, Release);
        jack::Control::Continue
    }
}
