//! `grains`: granular synthesis from a sample buffer (`buffer=NAME`, see
//! [`crate::sample`]). Grains start `density` times a second (or on each
//! rising edge of `trig` when it is connected), each `size` ms long under a
//! Hann window, reading the buffer from `position` (a fraction of its
//! length) plus a random offset of up to ±`spray`, at `2^(pitch/12)` times
//! the buffer's speed. Overlapping grains add up (about `density · size`
//! of them at once), so `gain` sets the level.
//!
//! At most [`MAX_GRAINS`] play at once; a grain due while all are busy is
//! skipped. The random offsets come from a generator seeded from the
//! module's id, so a patch renders the same every time. Without a buffer
//! (none named, or not loaded) it is silent.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Edge, Knobs, Mods, Sweep};
use crate::modules::noise::XorShift;
use crate::modules::shared;
use crate::sample::{split, Sample, SampleRef};
use crate::spec::ParamSpec;
use crate::table::sin_cycles;

crate::module_type! {
    name: "grains" | "granular",
    description: "granular player (buffer=NAME): density grains/s (or one per trig edge), each \
                  size ms under a Hann window from position ± spray (fractions of the buffer), \
                  pitched 2^(pitch/12); overlapping grains add",
    inputs: [TRIG = "trig"],
    outputs: [LEFT = "out" | "left", RIGHT = "right"],
    params: [
        DENSITY = ParamSpec::new("density", 0.1, 500.0, 20.0, "grains/s", 5.0)
            .with_aliases(&["rate"]),
        SIZE = ParamSpec::new("size", 1.0, 2000.0, 100.0, "ms", 5.0),
        POSITION = ParamSpec::new("position", 0.0, 1.0, 0.5, "of length", 5.0)
            .with_aliases(&["pos"]),
        SPRAY = ParamSpec::new("spray", 0.0, 1.0, 0.05, "of length", 5.0)
            .with_aliases(&["jitter"]),
        PITCH = ParamSpec::new("pitch", -48.0, 48.0, 0.0, "semitones", 5.0),
        GAIN = shared::LEVEL.with_default(0.5),
    ],
    gate: false,
    buffer: true,
    build: |cx| Box::new(Grains::new(cx.sample_rate)),
}

/// Most grains sounding at once.
pub const MAX_GRAINS: usize = 64;

/// One sounding grain.
#[derive(Clone, Copy, Default)]
struct Grain {
    /// Read position in buffer frames.
    pos: f64,
    /// Buffer frames per output frame.
    speed: f64,
    /// Frames played, of `len`.
    age: u32,
    len: u32,
    /// `1 / len`: the window's phase step per frame.
    step: f64,
}

/// `grains` state: a fixed pool of grains (nothing is allocated while it plays).
pub struct Grains {
    sr: f32,
    knobs: Knobs<{ param::COUNT }>,
    buffer: Option<SampleRef>,
    rng: XorShift,
    edge: Edge,
    /// Internal clock in grains: a grain starts each time it reaches 1.
    clock: f64,
    grains: [Grain; MAX_GRAINS],
    /// How many of `grains` are sounding (the first `live`).
    live: usize,
}

impl Grains {
    /// A granulator without a buffer; its first grain starts at once.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Grains {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            buffer: None,
            rng: XorShift::from_seed(0x9a17),
            edge: Edge::default(),
            clock: 1.0,
            grains: [Grain::default(); MAX_GRAINS],
            live: 0,
        }
    }

    fn seed(&mut self, seed: u64) {
        self.rng = XorShift::from_seed(seed);
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let trig = io.inputs[input::TRIG];
        let external = io.input_connected[input::TRIG];
        let [left, right] = io.outputs else {
            return;
        };
        let buf = self.buffer.as_deref().filter(|b| b.frames() > 0);
        let (sr, n) = (self.sr as f64, buf.map_or(0, |b| b.frames()) as f64);
        let ratio = buf.map_or(1.0, |b| b.rate() as f64 / sr);
        for i in 0..io.frames {
            let p = self.knobs.tick(&m, i);
            let due = if external {
                self.edge.rise(trig[i])
            } else {
                self.clock += sane(p[param::DENSITY], 0.1, 500.0, 20.0) as f64 / sr;
                let due = self.clock >= 1.0;
                if due {
                    self.clock = (self.clock - 1.0).min(1.0);
                }
                due
            };
            if due {
                // Drawn on every grain, buffer or not, so the sequence of
                // offsets does not depend on when a buffer arrives.
                let r = self.rng.next_bipolar() as f64;
                if buf.is_some() && self.live < MAX_GRAINS {
                    self.grains[self.live] = Grain::start(p, r, n, ratio, sr);
                    self.live += 1;
                }
            }
            let (l, r) = match buf {
                Some(b) => mix(&mut self.grains, &mut self.live, b, n),
                None => (0.0, 0.0),
            };
            let gain = sane(p[param::GAIN], 0.0, 4.0, 0.5);
            left[i] = gain * l;
            right[i] = gain * r;
        }
    }

    fn clear(&mut self) {
        self.edge = Edge::default();
        self.clock = 1.0;
        self.live = 0;
    }

    fn carry(&mut self, o: &Self) {
        self.rng = o.rng;
        self.edge = o.edge;
        self.clock = o.clock;
        self.grains = o.grains;
        self.live = o.live;
    }
}

impl Grain {
    /// A grain for parameter values `p`, random offset `r` in `[-1, 1)`,
    /// a buffer of `n` frames at `ratio` times the engine's rate.
    fn start(p: [f32; param::COUNT], r: f64, n: f64, ratio: f64, sr: f64) -> Grain {
        use param::*;
        let at = sane(p[POSITION], 0.0, 1.0, 0.5) as f64 + r * sane(p[SPRAY], 0.0, 1.0, 0.0) as f64;
        let len = (sane(p[SIZE], 1.0, 2000.0, 100.0) as f64 * sr / 1000.0).max(2.0) as u32;
        Grain {
            pos: ((at - at.floor()) * n).min(n - 1.0),
            speed: (sane(p[PITCH], -48.0, 48.0, 0.0) as f64 / 12.0).exp2() * ratio,
            age: 0,
            len,
            step: 1.0 / len as f64,
        }
    }
}

/// The sum of every sounding grain at this frame; advances them and
/// retires those that ended.
#[inline]
fn mix(grains: &mut [Grain; MAX_GRAINS], live: &mut usize, b: &Sample, n: f64) -> (f32, f32) {
    let (mut l, mut r) = (0.0f32, 0.0f32);
    let stereo = b.channels() > 1;
    let mut k = 0;
    while k < *live {
        let g = &mut grains[k];
        let s = sin_cycles(g.age as f64 * g.step * 0.5);
        let w = s * s;
        let (i, t) = split(g.pos);
        let x = w * b.cubic_at(0, i, t);
        l += x;
        // A mono buffer feeds both sides: read it once.
        r += if stereo { w * b.cubic_at(1, i, t) } else { x };
        g.age += 1;
        g.pos += g.speed;
        if g.pos >= n {
            g.pos -= n;
        }
        if g.age >= g.len {
            *live -= 1;
            grains[k] = grains[*live];
        } else {
            k += 1;
        }
    }
    (l, r)
}

knob_module!(Grains, seed = seed, buffer = buffer);
