//! `ar`: attack-release envelope fired by a trigger: a linear rise from the
//! current level to 1 over exactly `round(attack·sr/1000)` samples, then a
//! linear fall to 0 over exactly `round(release·sr/1000)` samples. A new
//! trigger restarts the attack from wherever the envelope is.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Edge, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "ar" | "ar_env" | "decay_env",
    description: "attack-release envelope, fired by trig rising through 0.5 or a gate-on; \
                  out = in*env when in is connected, else env; env = the envelope",
    inputs: [TRIG = "trig" | "gate" | "clock", IN = "in"],
    outputs: [OUT = "out", ENV = "env"],
    params: [
        ATTACK = ParamSpec::new("attack", 0.0, 10000.0, 5.0, "ms", 0.0).with_aliases(&["a"]),
        RELEASE = ParamSpec::new("release", 0.0, 10000.0, 200.0, "ms", 0.0).with_aliases(&["r", "decay"]),
    ],
    gate: true,
    build: |cx| Box::new(Ar::new(cx.sample_rate)),
}

/// `ar` state.
pub struct Ar {
    sr: f32,
    knobs: Knobs<2>,
    edge: Edge,
    /// A gate-on event waiting for the next sample.
    pending: bool,
    level: f32,
    /// Per-sample change of the running segment (0: idle).
    slope: f32,
    /// Samples left in the running segment.
    left: u32,
    /// True during the attack.
    attack: bool,
}

impl Ar {
    /// An idle envelope.
    pub fn new(sample_rate: f32) -> Self {
        Ar {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            edge: Edge::default(),
            pending: false,
            level: 0.0,
            slope: 0.0,
            left: 0,
            attack: false,
        }
    }

    fn gate(&mut self, on: bool) {
        self.pending |= on;
    }

    /// Samples in `ms` (rounded, NaN and negatives 0).
    fn samples(&self, ms: f32) -> u32 {
        crate::modules::knobs::segment_frames(ms, self.sr)
    }

    /// Starts a segment from the current level to `to` over `n` samples.
    fn segment(&mut self, to: f32, n: u32) {
        self.left = n;
        self.slope = if n == 0 {
            0.0
        } else {
            (to - self.level) / n as f32
        };
        if n == 0 {
            self.level = to;
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let trig = io.inputs[input::TRIG];
        let x = io.input_connected[input::IN].then_some(io.inputs[input::IN]);
        let [out, env] = io.outputs else {
            return;
        };
        for i in 0..io.frames {
            let [a, r] = self.knobs.tick(&m, i);
            let rose = self.edge.rise(trig[i]);
            if std::mem::take(&mut self.pending) || rose {
                self.attack = true;
                self.segment(1.0, self.samples(a));
            }
            if self.left == 0 && self.attack {
                self.attack = false;
                self.segment(0.0, self.samples(r));
            }
            let e = self.level;
            if self.left > 0 {
                self.left -= 1;
                self.level = if self.left == 0 {
                    if self.attack {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    self.level + self.slope
                };
            }
            env[i] = e;
            out[i] = x.map_or(e, |x| x[i] * e);
        }
    }

    fn clear(&mut self) {
        self.level = 0.0;
        self.left = 0;
        self.attack = false;
        self.edge = Edge::default();
    }

    fn carry(&mut self, o: &Self) {
        self.edge = o.edge;
        self.pending = o.pending;
        self.level = o.level;
        self.slope = o.slope;
        self.left = o.left;
        self.attack = o.attack;
    }
}

knob_module!(Ar, gate = gate);
