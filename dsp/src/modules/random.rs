//! `random`: random voltages, a new value on each clock: stepped (held) or
//! smooth (a cosine glide from the previous value over one clock period).
//!
//! The clock is the `clock` input's rising edges when it is connected (the
//! glide then lasts the last measured interval between edges), else an
//! internal clock at `rate` Hz. Values are uniform in `offset ± depth`.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Edge, Knobs, Sweep, Mods};
use crate::modules::noise::XorShift;
use crate::spec::ParamSpec;
use crate::table::sin_cos_pi;

crate::module_type! {
    name: "random" | "rand" | "sh_random",
    description: "random values in offset +- depth, a new one per clock (clock input edges, \
                  else rate Hz); stepped holds, smooth glides (cosine) over one period",
    inputs: [CLOCK = "clock" | "trig"],
    outputs: [OUT = "out"],
    params: [
        MODE = ParamSpec::choice("mode", &["stepped", "smooth"], 0),
        RATE = ParamSpec::new("rate", 0.01, 1000.0, 2.0, "Hz", 0.0).with_aliases(&["freq"]),
        DEPTH = ParamSpec::new("depth", 0.0, 20000.0, 1.0, "", 5.0).with_aliases(&["amount"]),
        OFFSET = ParamSpec::new("offset", -20000.0, 20000.0, 0.0, "", 5.0),
    ],
    gate: false,
    build: |cx| Box::new(Random::new(cx.sample_rate)),
}

/// `random` state.
pub struct Random {
    sr: f32,
    knobs: Knobs<4>,
    rng: XorShift,
    edge: Edge,
    /// Internal clock phase in cycles, `[0, 1)`.
    phase: f64,
    /// Samples since the last external edge, and the last interval.
    since: u32,
    period: u32,
    /// Previous and current random values, in `[-1, 1)`.
    from: f32,
    to: f32,
}

impl Random {
    /// A 2 Hz stepped source.
    pub fn new(sample_rate: f32) -> Self {
        Random {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            rng: XorShift::from_seed(0),
            edge: Edge::default(),
            phase: 0.0,
            since: 0,
            period: 1,
            from: 0.0,
            to: 0.0,
        }
    }

    fn reseed(&mut self, seed: u64) {
        self.rng = XorShift::from_seed(seed);
    }

    fn step(&mut self) {
        self.from = self.to;
        self.to = self.rng.next_bipolar();
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let clock = io.input_connected[input::CLOCK].then_some(io.inputs[input::CLOCK]);
        let out = &mut io.outputs[output::OUT];
        // Nothing glides or is modulated: the parameters are read once.
        let fixed = self.knobs.steady(&m).then(|| self.knobs.tick(&m, 0));
        let (mut since, mut period, mut phase) = (self.since, self.period, self.phase);
        for i in 0..io.frames {
            let [mode, rate, depth, offset] = match fixed {
                Some(p) => p,
                None => self.knobs.tick(&m, i),
            };
            match clock {
                Some(c) => {
                    since = since.saturating_add(1);
                    if self.edge.rise(c[i]) {
                        period = since.max(1);
                        since = 0;
                        self.step();
                    }
                }
                None => {
                    let r = if rate.is_nan() {
                        0.0
                    } else {
                        rate.clamp(0.0, 0.5 * self.sr)
                    };
                    phase += r as f64 / self.sr as f64;
                    if phase >= 1.0 {
                        phase -= phase.floor();
                        self.step();
                    }
                }
            }
            let v = if mode >= 0.5 {
                // Position in the glide, 0..1.
                let t = match clock {
                    Some(_) => (since as f32 / period as f32).min(1.0),
                    None => phase as f32,
                };
                // Cosine glide: 0 at t = 0, 1 at t = 1, flat at both ends.
                let (_, c) = sin_cos_pi(0.5 * t);
                let w = 1.0 - c * c;
                self.from + (self.to - self.from) * w
            } else {
                self.to
            };
            out[i] = offset + depth * v;
        }
        (self.since, self.period, self.phase) = (since, period, phase);
    }

    fn clear(&mut self) {
        self.phase = 0.0;
        self.since = 0;
        self.period = 1;
        self.from = 0.0;
        self.to = 0.0;
        self.edge = Edge::default();
    }

    fn carry(&mut self, o: &Self) {
        self.rng = o.rng;
        self.edge = o.edge;
        self.phase = o.phase;
        self.since = o.since;
        self.period = o.period;
        self.from = o.from;
        self.to = o.to;
    }
}

knob_module!(Random, seed = reseed);
