//! `pluck`: a Karplus–Strong plucked string. A trigger (or gate-on) feeds
//! one period of white noise into a delay loop of exactly `sr/freq`
//! samples: the line (linearly interpolated) plus a symmetric 3-tap lowpass
//! whose delay is exactly one sample, so the pitch is exact and the partials
//! harmonic. The loop gain is set so the fundamental falls by 60 dB in
//! `decay` seconds; higher partials fall faster, more so with `damp`.

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Edge, Knobs, Mods, Sweep};
use crate::modules::line::{DelayLine, Tap};
use crate::modules::noise::XorShift;
use crate::spec::ParamSpec;

crate::module_type! {
    name: "pluck" | "karplus" | "string",
    description: "Karplus-Strong plucked string, plucked by trig rising through 0.5 or a gate-on; \
                  pitch freq (20 Hz to sr/3), fundamental down 60 dB after decay seconds, \
                  damp darkens the tone as it rings (less so where a long decay at a high \
                  pitch needs it)",
    inputs: [TRIG = "trig" | "gate" | "clock"],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ.with_default(220.0),
        DECAY = ParamSpec::new("decay", 0.01, 30.0, 2.0, "s", 0.0).with_aliases(&["t60"]),
        DAMP = ParamSpec::new("damp", 0.0, 1.0, 0.5, "", 5.0).with_aliases(&["damping"]),
        GAIN = shared::GAIN,
    ],
    gate: true,
    build: |cx| Box::new(Pluck::new(cx.sample_rate)),
}

/// Lowest pitch, which sets the length of the line.
const MIN_FREQ: f32 = 20.0;

/// `pluck` state: the loop and the noise burst.
pub struct Pluck {
    sr: f32,
    knobs: Knobs<{ param::COUNT }>,
    line: DelayLine,
    /// The last two line outputs, for the loop filter.
    r1: f32,
    r2: f32,
    edge: Edge,
    /// A gate-on event waiting for the next sample.
    pending: bool,
    /// Noise samples left in the running burst.
    burst: u32,
    rng: XorShift,
}

/// What the loop needs for one pitch, decay and damping.
#[derive(Clone, Copy)]
struct Loop {
    tap: Tap,
    /// Loop filter `[b, 1-2b, b]`.
    b: f32,
    /// Loop gain.
    g: f32,
    gain: f32,
    /// One period, in whole samples (the burst length).
    period: u32,
}

impl Loop {
    fn new([f, decay, damp, gain]: [f32; 4], sr: f32, max: f32) -> Loop {
        let f = sane(f, MIN_FREQ, sr / 3.0, 220.0) as f64;
        let sr64 = sr as f64;
        let period = sr64 / f;
        // The filter adds one sample to the line's delay.
        let d = period - 1.0;
        let w = std::f64::consts::TAU * f / sr64;
        let decay = sane(decay, 0.01, 30.0, 2.0) as f64;
        // Per trip round the loop the fundamental keeps `keep` (60 dB down
        // after `decay`·f trips). The filter may not lose more than that
        // at the fundamental: at high pitches with long decays `damp` is
        // limited so the decay holds.
        let keep = 10f64.powf(-3.0 / (decay * f));
        let b_max = 0.999 * (1.0 - keep) / (2.0 * (1.0 - w.cos())).max(1e-12);
        let b = (0.25 * sane(damp, 0.0, 1.0, 0.5) as f64).min(b_max);
        let h_filter = (1.0 - 2.0 * b) + 2.0 * b * w.cos();
        let frac = d - d.floor();
        let h_interp =
            ((1.0 - frac).powi(2) + frac * frac + 2.0 * frac * (1.0 - frac) * w.cos()).sqrt();
        let g = keep / (h_filter * h_interp).max(1e-6);
        Loop {
            tap: Tap::new(d as f32, max),
            b: b as f32,
            g: g.min(0.99999) as f32,
            gain,
            period: period.round() as u32,
        }
    }
}

impl Pluck {
    /// Bytes of its lines, for the memory budget.
    fn heap(&self) -> usize {
        self.line.bytes()
    }

    /// A silent string at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Pluck {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            line: DelayLine::new((sample_rate / MIN_FREQ) as usize + 2),
            r1: 0.0,
            r2: 0.0,
            edge: Edge::default(),
            pending: false,
            burst: 0,
            rng: XorShift::from_seed(0x5eed),
        }
    }

    fn gate(&mut self, on: bool) {
        self.pending |= on;
    }

    fn seed(&mut self, seed: u64) {
        self.rng = XorShift::from_seed(seed);
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let trig = io.inputs[input::TRIG];
        let out = &mut io.outputs[output::OUT];
        let (sr, max) = (self.sr, self.line.max_delay());
        let prep = |p: [f32; 4]| Loop::new(p, sr, max);
        self.knobs.each_with(&m, io.frames, prep, |i, lp| {
            let rose = self.edge.rise(trig[i]);
            if std::mem::take(&mut self.pending) || rose {
                self.burst = lp.period;
            }
            let exc = if self.burst > 0 {
                self.burst -= 1;
                self.rng.next_bipolar()
            } else {
                0.0
            };
            let r = self.line.read_at(lp.tap);
            let filtered = lp.b * (r + self.r2) + (1.0 - 2.0 * lp.b) * self.r1;
            self.r2 = self.r1;
            self.r1 = r;
            let y = exc + lp.g * filtered;
            self.line.write(y);
            out[i] = lp.gain * y;
        });
    }

    fn clear(&mut self) {
        self.line.clear();
        self.r1 = 0.0;
        self.r2 = 0.0;
        self.burst = 0;
        self.edge = Edge::default();
    }

    fn carry(&mut self, o: &Self) {
        self.line.carry_from(&o.line);
        self.r1 = o.r1;
        self.r2 = o.r2;
        self.edge = o.edge;
        self.pending = o.pending;
        self.burst = o.burst;
        self.rng = o.rng;
    }
}

knob_module!(Pluck, gate = gate, seed = seed, heap = heap);
