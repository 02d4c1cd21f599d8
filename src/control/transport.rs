//! Musical time on the control thread: what `/transport` and `/status`
//! report, where the next bar or beat boundary falls on the engine's
//! timeline (quantized commits, `/at`), and driving the JACK transport.

use crate::engine::Engine;
use crate::rt::transport::{Master, Snapshot};
use std::sync::atomic::Ordering::*;

/// The transport as clients see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransportInfo {
    /// Rolling or stopped.
    pub rolling: bool,
    /// Tempo.
    pub bpm: f64,
    /// Beats in a bar.
    pub beats_per_bar: f64,
    /// Bar, from 1.
    pub bar: i64,
    /// Beat in the bar, from 1, with its fraction.
    pub beat: f64,
    /// Transport frame.
    pub frame: u64,
    /// Who sets the tempo: `internal`, `external` or `synth-jack`.
    pub master: &'static str,
}

impl TransportInfo {
    /// From a snapshot of the callback's.
    pub fn of(s: &Snapshot) -> TransportInfo {
        let (bar, beat) = s.time.bar_beat(s.time.beat());
        TransportInfo {
            rolling: s.time.rolling,
            bpm: s.time.bpm,
            beats_per_bar: s.time.beats_per_bar,
            bar,
            beat,
            frame: s.time.frame,
            master: s.master.name(),
        }
    }

    /// `rolling` or `stopped`.
    pub fn state(&self) -> &'static str {
        if self.rolling {
            "rolling"
        } else {
            "stopped"
        }
    }
}

/// A change quantized to the next multiple of `beats` beats (a bar is
/// `Quantum::Bar`, resolved with the meter in force when it is placed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantum {
    /// The next bar line.
    Bar,
    /// The next multiple of this many beats (1: the next beat).
    Beats(f64),
}

/// Where a quantized change lands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Landing {
    /// The transport is stopped: wait.
    Wait,
    /// On timeline frame `frame` (as the transport runs now), which is
    /// absolute beat `beats`, bar `bar`, beat `beat`.
    At {
        /// Timeline frame.
        frame: u64,
        /// Beat position from the transport's origin.
        beats: f64,
        /// Bar, from 1.
        bar: i64,
        /// Beat in the bar, from 1.
        beat: f64,
    },
}

/// Frames a boundary must lie beyond what the worker has rendered, so the
/// handover reaches it in time (two periods).
fn margin(engine: &Engine) -> u64 {
    2 * engine.shared().period.load(Relaxed).max(1) as u64
}

/// Timeline frame the playing worker has rendered up to.
pub fn rendered(engine: &Engine) -> u64 {
    let sh = engine.shared();
    let a = sh.stats.active_slot.load(Acquire) as usize & 1;
    sh.slots[a].produced.load(Acquire)
}

/// The first boundary of `q` that the engine can still switch on exactly.
pub fn next_boundary(engine: &Engine, q: Quantum) -> Landing {
    let sh = engine.shared();
    let snap = sh.transport.read();
    if !snap.time.rolling {
        return Landing::Wait;
    }
    let earliest = rendered(engine).max(snap.t) + margin(engine);
    let time = sh.transport.time_at(earliest);
    let step = match q {
        Quantum::Bar => time.beats_per_bar,
        Quantum::Beats(b) => b,
    };
    let mut k = (time.beat() / step).ceil();
    loop {
        let beat = k * step;
        let f = time.frame_of(beat).round();
        if f >= time.frame as f64 {
            let frame = earliest + (f as u64 - time.frame);
            let beats = beat;
            let (bar, beat) = time.bar_beat(beats);
            return Landing::At {
                frame,
                beats,
                bar,
                beat,
            };
        }
        k += 1.0;
    }
}

/// Timeline frame of absolute beat `beat` if the transport rolls and it
/// lies ahead of what is rendered (`Ok(None)`: stopped; `Err`: passed, by
/// that many beats).
pub fn frame_of_beat(engine: &Engine, beat: f64) -> Result<Option<u64>, f64> {
    let sh = engine.shared();
    let snap = sh.transport.read();
    if !snap.time.rolling {
        return Ok(None);
    }
    let now = rendered(engine).max(snap.t);
    let time = sh.transport.time_at(now);
    let f = time.frame_of(beat).round();
    if f < time.frame as f64 {
        return Err(time.beat() - beat);
    }
    Ok(Some(now + (f as u64 - time.frame)))
}

/// The transport now.
pub fn info(engine: &Engine) -> TransportInfo {
    TransportInfo::of(&engine.shared().transport.read())
}

/// Beat position at what the worker has rendered (for `/at +N`).
pub fn beat_now(engine: &Engine) -> f64 {
    let sh = engine.shared();
    let snap = sh.transport.read();
    sh.transport.time_at(rendered(engine).max(snap.t)).beat()
}

/// Why `/tempo` or `/transport` was refused: the `/fail` reason.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// A tempo outside [`crate::cli::BPM_RANGE`].
    TempoOutOfRange(f64),
    /// Another JACK client is the timebase master: the tempo is its to set.
    OtherMaster,
    /// No JACK client (between a server loss and the reconnect).
    NotConnected,
    /// A beat whose frame does not fit JACK's 32-bit frame counter.
    BeatOutOfRange(f64),
    /// JACK refused the request.
    Jack(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            TransportError::TempoOutOfRange(bpm) => {
                write!(f, "tempo {bpm} is out of range 1..999 BPM")
            }
            TransportError::OtherMaster => f.write_str(
                "another JACK client is the timebase master and sets the tempo; change it there",
            ),
            TransportError::NotConnected => f.write_str("not connected to JACK"),
            TransportError::BeatOutOfRange(beat) => {
                write!(f, "beat {beat} is outside the transport's frame range")
            }
            TransportError::Jack(e) => write!(f, "JACK transport: {e}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sets the internal clock's tempo; refused while another client is the
/// timebase master.
pub fn set_tempo(engine: &Engine, bpm: f64) -> Result<(), TransportError> {
    if !crate::cli::BPM_RANGE.contains(&bpm) {
        return Err(TransportError::TempoOutOfRange(bpm));
    }
    let sh = engine.shared();
    if sh.transport.read().master == Master::External {
        return Err(TransportError::OtherMaster);
    }
    sh.transport.set_tempo(bpm);
    Ok(())
}

/// What `/transport start|stop|locate` asks JACK for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Start rolling.
    Start,
    /// Stop.
    Stop,
    /// Jump to this beat position (the frame the current tempo gives).
    Locate(f64),
}

/// Asks the JACK transport to start, stop or relocate.
pub fn command(engine: &Engine, c: Command) -> Result<(), TransportError> {
    let client = engine.client().ok_or(TransportError::NotConnected)?;
    let t = client.transport();
    let r = match c {
        Command::Start => t.start(),
        Command::Stop => t.stop(),
        Command::Locate(beat) => {
            let time = engine.shared().transport.read().time;
            let f = time.frame_of(beat).round();
            if !(0.0..=u32::MAX as f64).contains(&f) {
                return Err(TransportError::BeatOutOfRange(beat));
            }
            t.locate(f as u32)
        }
    };
    r.map_err(|e| TransportError::Jack(format!("{e:?}")))
}
