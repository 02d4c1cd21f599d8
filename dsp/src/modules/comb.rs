//! `comb`: feedback comb filter, `y[n] = x[n] + feedback·lp(y[n−d])`, with
//! a one-pole damping lowpass in the loop (Freeverb style).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{ms_to_samples, sane, Knobs, Sweep, Mods};
use crate::modules::line::{DelayLine, Tap};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "comb" | "comb_filter",
    description: "feedback comb: y = in + feedback*lowpass(y delayed by time); \
                  out = (1-mix)*in + mix*y; peaks at multiples of 1000/time Hz",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        TIME = ParamSpec::new("time", 0.02, 1000.0, 10.0, "ms", 20.0).with_aliases(&["delay"]),
        FEEDBACK = ParamSpec::new("feedback", -0.99, 0.99, 0.7, "", 5.0).with_aliases(&["fb"]),
        DAMP = ParamSpec::new("damp", 0.0, 1.0, 0.0, "", 5.0),
        MIX = shared::MIX.with_default(1.0),
    ],
    gate: false,
    build: |cx| Box::new(Comb::new(cx.sample_rate)),
}

/// `comb` state; one second of line, allocated here.
pub struct Comb {
    sr: f32,
    knobs: Knobs<4>,
    line: DelayLine,
    /// Damping lowpass memory.
    lp: f32,
}

impl Comb {
    /// Bytes of its lines, for the memory budget.
    fn heap(&self) -> usize {
        self.line.bytes()
    }

    /// A comb at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Comb {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            line: DelayLine::new((sample_rate as usize).max(1) + 1),
            lp: 0.0,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        let (sr, max) = (self.sr, self.line.max_delay());
        let prep = |[t, fb, damp, mix]: [f32; 4]| {
            let mix = sane(mix, 0.0, 1.0, 1.0);
            (
                Tap::new(ms_to_samples(t, sr, 1.0), max),
                sane(fb, -0.99, 0.99, 0.0),
                1.0 - sane(damp, 0.0, 1.0, 0.0),
                1.0 - mix,
                mix,
            )
        };
        self.knobs
            .each_with(&m, n, prep, |i, (tap, fb, g, dry, wet)| {
                self.lp += g * (self.line.read_at(tap) - self.lp);
                let y = x[i] + fb * self.lp;
                self.line.write(y);
                out[i] = dry * x[i] + wet * y;
            });
    }

    fn clear(&mut self) {
        self.line.clear();
        self.lp = 0.0;
    }

    fn carry(&mut self, o: &Self) {
        self.line.carry_from(&o.line);
        self.lp = o.lp;
    }

    fn take(&mut self, o: &mut Self) {
        self.line.take_from(&mut o.line);
        self.lp = o.lp;
    }
}

knob_module!(Comb, take = take, heap = heap);
