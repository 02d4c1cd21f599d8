//! The JACK transport as the real-time side follows it.
//!
//! Each cycle the callback reads the transport (`jack_transport_query`,
//! real-time safe) and publishes one [`Snapshot`]: the timeline frame of the
//! cycle, the transport frame, rolling or not, and the tempo map. Workers
//! rendering ahead predict the musical time of the frames they render from
//! it ([`TransportShared::time_at`]): while rolling, transport frame =
//! snapshot frame + (timeline frame - snapshot timeline frame). So a block
//! plays in time with the transport; a start, stop or locate reaches the
//! audio `lead` periods later, when the worker renders past it.
//!
//! Tempo and meter come from a timebase master when one provides BBT. A
//! master's position is derived from the transport frame at its tempo
//! (beat = frame · bpm / (60 · rate), as `jack_transport` does); its ticks
//! are not read (they are accumulated per period and drift). Without a
//! master, the internal clock (`--bpm`, `/tempo`) runs, anchored so that a
//! tempo change keeps the beat position continuous. With
//! `--timebase-master`, synth-jack publishes that clock to JACK.
//!
//! Nothing here allocates or locks: the snapshot crosses threads through a
//! sequence lock of atomics (one writer: the process thread).

use dsp::Time;
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering::*};

/// Who provides tempo and meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Master {
    /// Nobody: the internal clock.
    Internal,
    /// Another JACK client.
    External,
    /// synth-jack itself (`--timebase-master`).
    Us,
}

impl Master {
    /// The name `/transport` reports.
    pub fn name(self) -> &'static str {
        match self {
            Master::Internal => "internal",
            Master::External => "external",
            Master::Us => "synth-jack",
        }
    }
}

/// The transport at the start of one callback cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Timeline frame of the cycle.
    pub t: u64,
    /// Transport state, position and tempo map at that frame.
    pub time: Time,
    /// Who sets the tempo.
    pub master: Master,
}

/// What the transport did in a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// Rolling (JACK's `Starting` counts as stopped).
    pub rolling: bool,
    /// Transport frame.
    pub frame: u64,
    /// Tempo and beats per bar, when a timebase master provides BBT.
    pub bbt: Option<(u64, u32)>,
}

/// The snapshot and the internal clock's settings, shared lock-free.
pub struct TransportShared {
    seq: AtomicU64,
    t: AtomicU64,
    frame: AtomicU64,
    anchor_frame: AtomicU64,
    anchor_beat: AtomicU64,
    bpm: AtomicU64,
    beats_per_bar: AtomicU64,
    rate: AtomicU64,
    /// Bit 0 rolling; bits 1-2 master.
    flags: AtomicU32,
    /// Internal clock tempo (f64 bits); `/tempo` writes it.
    pub internal_bpm: AtomicU64,
    /// Internal clock beats per bar (f64 bits).
    pub internal_bpb: AtomicU64,
    /// Bumped on every start, stop, relocation and tempo or meter change.
    pub changes: AtomicU64,
    /// Bumped each time JACK calls our timebase callback.
    pub timebase_calls: AtomicU64,
    /// Set once JACK accepted synth-jack as timebase master.
    pub master: AtomicBool,
}

fn f(x: &AtomicU64) -> f64 {
    f64::from_bits(x.load(Relaxed))
}

impl TransportShared {
    /// Stopped at frame 0, internal clock at `bpm` in `beats_per_bar`.
    pub fn new(bpm: f64, beats_per_bar: f64, sample_rate: f64) -> Self {
        let s = TransportShared {
            seq: AtomicU64::new(0),
            t: AtomicU64::new(0),
            frame: AtomicU64::new(0),
            anchor_frame: AtomicU64::new(0),
            anchor_beat: AtomicU64::new(0f64.to_bits()),
            bpm: AtomicU64::new(bpm.to_bits()),
            beats_per_bar: AtomicU64::new(beats_per_bar.to_bits()),
            rate: AtomicU64::new(sample_rate.to_bits()),
            flags: AtomicU32::new(0),
            internal_bpm: AtomicU64::new(bpm.to_bits()),
            internal_bpb: AtomicU64::new(beats_per_bar.to_bits()),
            changes: AtomicU64::new(0),
            timebase_calls: AtomicU64::new(0),
            master: AtomicBool::new(false),
        };
        let mut time = Time::new(sample_rate, bpm, beats_per_bar);
        time.rolling = false;
        s.publish(&Snapshot {
            t: 0,
            time,
            master: Master::Internal,
        });
        s
    }

    /// Sets the internal clock's tempo (control thread); the callback takes
    /// it up on its next cycle.
    pub fn set_tempo(&self, bpm: f64) {
        self.internal_bpm.store(bpm.to_bits(), Relaxed);
    }

    /// Publishes a snapshot (process thread only).
    pub fn publish(&self, s: &Snapshot) {
        self.seq.fetch_add(1, Relaxed);
        fence(Release);
        self.t.store(s.t, Relaxed);
        self.frame.store(s.time.frame, Relaxed);
        self.anchor_frame.store(s.time.anchor_frame, Relaxed);
        self.anchor_beat
            .store(s.time.anchor_beat.to_bits(), Relaxed);
        self.bpm.store(s.time.bpm.to_bits(), Relaxed);
        self.beats_per_bar
            .store(s.time.beats_per_bar.to_bits(), Relaxed);
        self.rate.store(s.time.sample_rate.to_bits(), Relaxed);
        let m = match s.master {
            Master::Internal => 0,
            Master::External => 1,
            Master::Us => 2,
        };
        self.flags.store(s.time.rolling as u32 | m << 1, Relaxed);
        self.seq.fetch_add(1, Release);
    }

    /// The latest snapshot (any thread; retries while a publish is under way).
    pub fn read(&self) -> Snapshot {
        loop {
            let s1 = self.seq.load(Acquire);
            if s1 & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let flags = self.flags.load(Relaxed);
            let snap = Snapshot {
                t: self.t.load(Relaxed),
                time: Time {
                    rolling: flags & 1 == 1,
                    frame: self.frame.load(Relaxed),
                    anchor_frame: self.anchor_frame.load(Relaxed),
                    anchor_beat: f(&self.anchor_beat),
                    bpm: f(&self.bpm),
                    beats_per_bar: f(&self.beats_per_bar),
                    sample_rate: f(&self.rate),
                },
                master: match flags >> 1 {
                    1 => Master::External,
                    2 => Master::Us,
                    _ => Master::Internal,
                },
            };
            fence(Acquire);
            if self.seq.load(Relaxed) == s1 {
                return snap;
            }
        }
    }

    /// Predicted musical time of timeline frame `timeline`.
    pub fn time_at(&self, timeline: u64) -> Time {
        let s = self.read();
        let mut time = s.time;
        if time.rolling {
            time.frame = (time.frame + timeline).saturating_sub(s.t);
        }
        time
    }
}

/// The callback's side: turns each cycle's reading into a snapshot.
pub struct Follower {
    /// The previous cycle's timeline frame and reading.
    last: Option<(u64, Reading)>,
    time: Time,
    master: Master,
    timebase_seen: u64,
    /// Rolling cycles in a row without a call of our timebase callback.
    quiet: u32,
}

impl Follower {
    /// Starts from what `shared` holds.
    pub fn new(shared: &TransportShared) -> Self {
        let s = shared.read();
        Follower {
            last: None,
            time: s.time,
            master: s.master,
            timebase_seen: shared.timebase_calls.load(Relaxed),
            quiet: 0,
        }
    }

    /// Takes in the transport at the start of the cycle at timeline `t` and
    /// publishes the snapshot.
    pub fn cycle(&mut self, shared: &TransportShared, t: u64, sample_rate: u32, r: Reading) {
        // JACK calls a master's timebase callback every rolling cycle (and
        // on relocation): silence while rolling means another client took over.
        let calls = shared.timebase_calls.load(Relaxed);
        if r.rolling && calls == self.timebase_seen {
            self.quiet = self.quiet.saturating_add(1);
        } else {
            self.quiet = 0;
        }
        self.timebase_seen = calls;
        let us = shared.master.load(Relaxed) && self.quiet < 8;
        let mut time = self.time;
        let mut changed = false;
        if let Some((last_t, last)) = self.last {
            let expected = if last.rolling {
                last.frame + t.saturating_sub(last_t)
            } else {
                last.frame
            };
            changed |= last.rolling != r.rolling || r.frame != expected;
        }
        let rate = sample_rate.max(1) as f64;
        let (master, bpm, bpb) = match r.bbt {
            Some((bpm_bits, bpb)) if !us => {
                (Master::External, f64::from_bits(bpm_bits), bpb as f64)
            }
            _ => (
                if us { Master::Us } else { Master::Internal },
                f(&shared.internal_bpm),
                f(&shared.internal_bpb),
            ),
        };
        let bpm = if bpm.is_finite() && bpm > 0.0 {
            bpm
        } else {
            time.bpm
        };
        let bpb = if bpb.is_finite() && bpb > 0.0 {
            bpb
        } else {
            time.beats_per_bar
        };
        if master == Master::External || self.last.is_none() {
            // The master's own rule (and the internal clock's until its
            // first tempo change): position from the frame at the tempo.
            time.anchor_frame = 0;
            time.anchor_beat = 0.0;
        } else if bpm != time.bpm || rate != time.sample_rate {
            // Keep the beat continuous across a tempo change.
            time.anchor_beat = time.beat_at(r.frame);
            time.anchor_frame = r.frame;
        }
        changed |= bpm != time.bpm || bpb != time.beats_per_bar || master != self.master;
        time.bpm = bpm;
        time.beats_per_bar = bpb;
        time.sample_rate = rate;
        time.rolling = r.rolling;
        time.frame = r.frame;
        self.time = time;
        self.master = master;
        self.last = Some((t, r));
        shared.publish(&Snapshot { t, time, master });
        if changed {
            shared.changes.fetch_add(1, Relaxed);
        }
    }
}

/// Reads the JACK transport (real-time safe, allocation-free).
pub fn query(client: &jack::Client) -> Reading {
    let mut pos = jack_sys::jack_position_t::default();
    // SAFETY: `client.raw()` is a live client; `pos` is a valid out-pointer.
    let state = unsafe { jack_sys::jack_transport_query(client.raw(), &mut pos) };
    let bbt =
        (pos.valid & jack_sys::JackPositionBBT != 0 && pos.beats_per_minute > 0.0).then(|| {
            (
                pos.beats_per_minute.to_bits(),
                pos.beats_per_bar.max(1.0) as u32,
            )
        });
    Reading {
        rolling: state == jack_sys::JackTransportRolling,
        frame: pos.frame as u64,
        bbt,
    }
}

/// Ticks per beat in the BBT synth-jack publishes as timebase master.
pub const TICKS_PER_BEAT: f64 = 1920.0;

/// JACK's timebase callback: fills in bar, beat and tick from the internal
/// clock's tempo map for the frame JACK asks about. `arg` is the engine's
/// [`TransportShared`], alive as long as the client.
unsafe extern "C" fn timebase(
    _state: jack_sys::jack_transport_state_t,
    _nframes: jack_sys::jack_nframes_t,
    pos: *mut jack_sys::jack_position_t,
    _new_pos: libc::c_int,
    arg: *mut libc::c_void,
) {
    // SAFETY: JACK passes the pointer given to `become_master`, and a valid `pos`.
    let (ts, pos) = unsafe { (&*(arg as *const TransportShared), &mut *pos) };
    // On JACK's process thread: allocation-free like the callback.
    super::guard::rt_guard(|| {
        ts.timebase_calls.fetch_add(1, Relaxed);
        let s = ts.read();
        let mut time = s.time;
        if s.master != Master::Us {
            // Not yet followed as master: the internal clock's settings.
            time.bpm = f(&ts.internal_bpm);
            time.beats_per_bar = f(&ts.internal_bpb);
        }
        fill_bbt(&time, pos);
    });
}

/// Writes the BBT fields of `pos` for its frame from `time`'s tempo map.
pub fn fill_bbt(time: &Time, pos: &mut jack_sys::jack_position_t) {
    let beat = time.beat_at(pos.frame as u64).max(0.0);
    let bpb = time.beats_per_bar;
    let bar = (beat / bpb).floor();
    let in_bar = beat - bar * bpb;
    let whole = in_bar.floor();
    pos.valid |= jack_sys::JackPositionBBT;
    pos.bar = bar as i32 + 1;
    pos.beat = whole as i32 + 1;
    pos.tick = ((in_bar - whole) * TICKS_PER_BEAT) as i32;
    pos.bar_start_tick = bar * bpb * TICKS_PER_BEAT;
    pos.beats_per_bar = bpb as f32;
    pos.beat_type = 4.0;
    pos.ticks_per_beat = TICKS_PER_BEAT;
    pos.beats_per_minute = time.bpm;
}

/// JACK refused to make synth-jack the timebase master (another client holds
/// the role); the code libjack returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MasterRefused(pub i32);

impl std::fmt::Display for MasterRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "JACK refused the timebase master role (code {}): another client holds it",
            self.0
        )
    }
}

impl std::error::Error for MasterRefused {}

/// Makes the client JACK's timebase master. `shared` must outlive the client.
pub fn become_master(client: &jack::Client, shared: &TransportShared) -> Result<(), MasterRefused> {
    // SAFETY: the callback only reads `shared` through atomics; the engine
    // keeps it alive (in an Arc) for as long as the client exists.
    let rc = unsafe {
        jack_sys::jack_set_timebase_callback(
            client.raw(),
            0,
            Some(timebase),
            shared as *const TransportShared as *mut libc::c_void,
        )
    };
    if rc == 0 {
        shared.master.store(true, Relaxed);
        Ok(())
    } else {
        Err(MasterRefused(rc))
    }
}
