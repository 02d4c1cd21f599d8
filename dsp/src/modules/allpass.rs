//! `allpass`: Schroeder allpass delay, `H(z) = (−g + z^−d) / (1 − g·z^−d)`:
//! flat magnitude, frequency-dependent phase (diffusers, reverbs, dispersion).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{ms_to_samples, sane, Knobs, Sweep, Mods};
use crate::modules::line::{DelayLine, Tap};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "allpass" | "allpass_delay",
    description: "Schroeder allpass: w = in + g*w(delayed by time), out = w(delayed) - g*w; \
                  unity gain at every frequency",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        TIME = ParamSpec::new("time", 0.02, 1000.0, 5.0, "ms", 20.0).with_aliases(&["delay"]),
        G = ParamSpec::new("g", -0.99, 0.99, 0.5, "", 5.0).with_aliases(&["feedback", "fb", "gain"]),
    ],
    gate: false,
    build: |cx| Box::new(Allpass::new(cx.sample_rate)),
}

/// `allpass` state; one second of line, allocated here.
pub struct Allpass {
    sr: f32,
    knobs: Knobs<2>,
    line: DelayLine,
}

impl Allpass {
    /// Bytes of its lines, for the memory budget.
    fn heap(&self) -> usize {
        self.line.bytes()
    }

    /// An allpass at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Allpass {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            line: DelayLine::new((sample_rate as usize).max(1) + 1),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        let (sr, max) = (self.sr, self.line.max_delay());
        let prep = |[t, g]: [f32; 2]| {
            (
                Tap::new(ms_to_samples(t, sr, 1.0), max),
                sane(g, -0.99, 0.99, 0.0),
            )
        };
        self.knobs.each_with(&m, n, prep, |i, (tap, g)| {
            let delayed = self.line.read_at(tap);
            let w = x[i] + g * delayed;
            self.line.write(w);
            out[i] = delayed - g * w;
        });
    }

    fn clear(&mut self) {
        self.line.clear();
    }

    fn carry(&mut self, o: &Self) {
        self.line.carry_from(&o.line);
    }

    fn take(&mut self, o: &mut Self) {
        self.line.take_from(&mut o.line);
    }
}

knob_module!(Allpass, take = take, heap = heap);
