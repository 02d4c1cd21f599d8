//! `phaser`: a chain of first-order (trapezoidal) allpasses whose corner
//! frequency a sine LFO sweeps, with feedback, mixed with the dry signal.

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::line::Phase;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;
use crate::table::{sin_cycles, tpt_gain};

/// Most allpass stages.
const MAX_STAGES: usize = 12;

crate::module_type! {
    name: "phaser",
    description: "phaser: stages first-order allpasses at freq*2^(2*depth*sin(LFO)) Hz \
                  (depth 1 = +-2 octaves), feedback from the last stage; \
                  out = (1-mix)*in + mix*chain",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        STAGES = ParamSpec::choice("stages", &["2", "4", "6", "8", "12"], 1),
        RATE = ParamSpec::new("rate", 0.01, 10.0, 0.4, "Hz", 20.0).with_aliases(&["speed"]),
        DEPTH = ParamSpec::new("depth", 0.0, 1.0, 0.7, "", 20.0),
        FREQ = ParamSpec::new("freq", 50.0, 5000.0, 600.0, "Hz", 20.0).with_aliases(&["cutoff"]),
        FEEDBACK = ParamSpec::new("feedback", -0.95, 0.95, 0.4, "", 5.0).with_aliases(&["fb"]),
        MIX = shared::MIX,
    ],
    gate: false,
    build: |cx| Box::new(Phaser::new(cx.sample_rate)),
}

/// `phaser` state.
pub struct Phaser {
    sr: f32,
    knobs: Knobs<6>,
    phase: Phase,
    /// Integrator state of each allpass.
    s: [f32; MAX_STAGES],
    /// Last output of the chain, fed back.
    last: f32,
}

impl Phaser {
    /// A 4-stage phaser.
    pub fn new(sample_rate: f32) -> Self {
        Phaser {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            phase: Phase::default(),
            s: [0.0; MAX_STAGES],
            last: 0.0,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        for i in 0..io.frames {
            let [stages, rate, depth, freq, fb, mix] = self.knobs.tick(&m, i);
            let n = [2, 4, 6, 8, 12][(stages.max(0.0) as usize).min(4)];
            let p = self.phase.step(rate, self.sr);
            let depth = sane(depth, 0.0, 1.0, 0.0);
            let f = sane(freq, 10.0, 20000.0, 600.0) * (2.0 * depth * sin_cycles(p)).exp2();
            let g = tpt_gain(f / self.sr);
            let fb = sane(fb, -0.95, 0.95, 0.0);
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let mut y = x[i] + fb * self.last;
            for s in &mut self.s[..n] {
                // Trapezoidal one-pole lowpass; allpass = 2·lp − in.
                let v = (y - *s) * g;
                let lp = v + *s;
                *s = lp + v;
                y = 2.0 * lp - y;
            }
            self.last = y;
            out[i] = (1.0 - mix) * x[i] + mix * y;
        }
    }

    fn clear(&mut self) {
        self.s = [0.0; MAX_STAGES];
        self.last = 0.0;
        self.phase = Phase::default();
    }

    fn carry(&mut self, o: &Self) {
        self.s = o.s;
        self.last = o.last;
        self.phase = o.phase;
    }
}

knob_module!(Phaser);
