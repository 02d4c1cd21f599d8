//! `sampler`: plays a sample buffer (`buffer=NAME`, see [`crate::sample`]).
//! A trigger (`trig` rising through 0.5, or a gate-on) restarts playback at
//! `start`; it then advances `rate · 2^(pitch/12)` buffer frames per output
//! frame (negative rates play backwards). `oneshot` stops at either end of
//! the buffer; `loop` wraps between `loop_start` and `loop_end` (entered
//! from wherever playback starts), starts
//! playing as soon as the module exists, and stops on a gate-off. Without a
//! buffer (none named, or not loaded) it is silent.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Edge, Knobs, Mods, Sweep};
use crate::modules::shared;
use crate::sample::{split, Sample, SampleRef};
use crate::spec::ParamSpec;

/// Playback modes (`mode`).
pub const MODES: &[&str] = &["oneshot", "loop"];
/// Interpolation between buffer frames (`interp`).
pub const INTERPS: &[&str] = &["cubic", "linear", "none"];

crate::module_type! {
    name: "sampler" | "sample",
    description: "sample-buffer player (buffer=NAME): trig or gate-on restarts at start; \
                  speed rate*2^(pitch/12); oneshot or loop between loop_start and loop_end",
    inputs: [TRIG = "trig" | "gate"],
    outputs: [LEFT = "out" | "left", RIGHT = "right"],
    params: [
        RATE = ParamSpec::new("rate", -4.0, 4.0, 1.0, "x", 5.0).with_aliases(&["speed"]),
        PITCH = ParamSpec::new("pitch", -48.0, 48.0, 0.0, "semitones", 5.0),
        START = ParamSpec::new("start", 0.0, 1.0, 0.0, "of length", 0.0),
        LOOP_START = ParamSpec::new("loop_start", 0.0, 1.0, 0.0, "of length", 0.0),
        LOOP_END = ParamSpec::new("loop_end", 0.0, 1.0, 1.0, "of length", 0.0),
        MODE = ParamSpec::choice("mode", MODES, 0),
        INTERP = ParamSpec::choice("interp", INTERPS, 0),
        GAIN = shared::LEVEL,
    ],
    gate: true,
    buffer: true,
    build: |cx| Box::new(Sampler::new(cx.sample_rate)),
}

/// `sampler` state.
pub struct Sampler {
    sr: f32,
    knobs: Knobs<8>,
    buffer: Option<SampleRef>,
    edge: Edge,
    /// A gate-on waiting for the next sample.
    pending: bool,
    /// Position in buffer frames.
    pos: f64,
    playing: bool,
    /// False until the first sample (when a `loop` starts by itself).
    started: bool,
}

impl Sampler {
    /// A stopped sampler without a buffer.
    pub fn new(sample_rate: f32) -> Self {
        Sampler {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            buffer: None,
            edge: Edge::default(),
            pending: false,
            pos: 0.0,
            playing: false,
            started: false,
        }
    }

    fn gate(&mut self, on: bool) {
        if on {
            self.pending = true;
        } else if self.knobs.index(param::MODE) == 1 {
            self.playing = false;
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let trig = io.inputs[input::TRIG];
        let [left, right] = io.outputs else {
            return;
        };
        let Some(buf) = self.buffer.as_deref() else {
            for i in 0..io.frames {
                self.knobs.tick(&m, i);
                self.edge.rise(trig[i]);
                left[i] = 0.0;
                right[i] = 0.0;
            }
            self.pending = false;
            return;
        };
        let n = buf.frames() as f64;
        let ratio = (buf.rate() / self.sr) as f64;
        if !self.started {
            self.started = true;
            self.playing = self.knobs.index(param::MODE) == 1;
            self.pos = (sane(self.knobs.value(param::START), 0.0, 1.0, 0.0) as f64 * n).round();
        }
        let (mut pos, mut playing, mut pending) = (self.pos, self.playing, self.pending);
        let edge = &mut self.edge;
        // One frame of playback with the parameters `f`. A macro, not a
        // closure: the compiler did not inline a closure this size into
        // both loops below, and the call per frame cost more than the rest.
        macro_rules! play {
            ($i:expr, $f:expr) => {{
                let (i, f): (usize, &Frame) = ($i, $f);
                if edge.rise(trig[i]) || std::mem::take(&mut pending) {
                    pos = f.start;
                    playing = true;
                }
                if !playing || !pos.is_finite() {
                    playing = false;
                    left[i] = 0.0;
                    right[i] = 0.0;
                } else {
                    (left[i], right[i]) = f.read(buf, pos);
                    pos += f.speed;
                    if f.looped {
                        let len = f.loop_end - f.loop_start;
                        if f.speed > 0.0 && pos >= f.loop_end {
                            pos = f.loop_start + (pos - f.loop_end) % len;
                        } else if f.speed < 0.0 && pos < f.loop_start {
                            pos = f.loop_end - (f.loop_start - pos) % len;
                        }
                    } else if pos >= n || pos < 0.0 {
                        playing = false;
                    }
                }
            }};
        }
        // As `Sweep::each_with`: parameters read once when nothing moves.
        if self.knobs.steady(&m) {
            let f = Frame::of(self.knobs.tick(&m, 0), n, ratio);
            for i in 0..io.frames {
                play!(i, &f);
            }
        } else {
            for i in 0..io.frames {
                let f = Frame::of(self.knobs.tick(&m, i), n, ratio);
                play!(i, &f);
            }
        }
        (self.pos, self.playing, self.pending) = (pos, playing, pending);
    }

    fn clear(&mut self) {
        self.edge = Edge::default();
        self.pending = false;
        self.pos = 0.0;
        self.playing = false;
        self.started = false;
    }

    fn carry(&mut self, o: &Self) {
        self.edge = o.edge;
        self.pending = o.pending;
        self.pos = o.pos;
        self.playing = o.playing;
        self.started = o.started;
    }
}

/// The parameters of one frame, in buffer frames.
#[derive(Clone, Copy)]
struct Frame {
    speed: f64,
    start: f64,
    loop_start: f64,
    loop_end: f64,
    looped: bool,
    interp: usize,
    gain: f32,
}

impl Frame {
    fn of(p: [f32; 8], n: f64, ratio: f64) -> Frame {
        use param::*;
        let rate = sane(p[RATE], -4.0, 4.0, 1.0) as f64;
        let pitch = sane(p[PITCH], -48.0, 48.0, 0.0) as f64;
        // Positions fall on whole frames, so a trigger plays sample-exactly.
        let frac = |k: usize, d: f32| (sane(p[k], 0.0, 1.0, d) as f64 * n).round();
        let (mut ls, mut le) = (frac(LOOP_START, 0.0), frac(LOOP_END, 1.0));
        if le - ls < 1.0 {
            (ls, le) = (0.0, n.max(1.0));
        }
        Frame {
            speed: rate * (pitch / 12.0).exp2() * ratio,
            start: frac(START, 0.0).min((n - 1.0).max(0.0)),
            loop_start: ls,
            loop_end: le,
            looped: sane(p[MODE], 0.0, 1.0, 0.0).round() == 1.0,
            interp: sane(p[INTERP], 0.0, 2.0, 0.0).round() as usize,
            gain: sane(p[GAIN], 0.0, 4.0, 1.0),
        }
    }

    /// Both channels at `pos` (a mono buffer read once for both).
    #[inline(always)]
    fn read(&self, buf: &Sample, pos: f64) -> (f32, f32) {
        let (i, t) = split(pos);
        let l = self.gain * self.one(buf, 0, i, t, pos);
        let r = if buf.channels() == 1 {
            l
        } else {
            self.gain * self.one(buf, 1, i, t, pos)
        };
        (l, r)
    }

    /// Channel `ch` at `pos`, split into frame `i` and fraction `t`.
    #[inline(always)]
    fn one(&self, buf: &Sample, ch: usize, i: isize, t: f32, pos: f64) -> f32 {
        match self.interp {
            0 => buf.cubic_at(ch, i, t),
            1 => buf.linear_at(ch, i, t),
            _ => buf.at(ch, pos as isize),
        }
    }
}

knob_module!(Sampler, gate = gate, buffer = buffer);
