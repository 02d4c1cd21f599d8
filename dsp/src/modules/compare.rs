//! `compare`: comparator with hysteresis: the gate output goes to 1 when
//! `in` rises above `threshold + hysteresis/2` and back to 0 when it falls
//! below `threshold − hysteresis/2`; `inv` is its complement.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "compare" | "comparator",
    description: "comparator: out = 1 while in > threshold (with hysteresis), else 0; \
                  inv = 1 - out",
    inputs: [IN = "in"],
    outputs: [OUT = "out" | "gate", INV = "inv"],
    params: [
        THRESHOLD = ParamSpec::new("threshold", -20000.0, 20000.0, 0.0, "", 0.0) .with_aliases(&["thresh", "level"]),
        HYSTERESIS = ParamSpec::new("hysteresis", 0.0, 10.0, 0.0, "", 0.0).with_aliases(&["hyst"]),
    ],
    gate: false,
    build: |cx| Box::new(Compare::new(cx.sample_rate)),
}

/// `compare` state.
pub struct Compare {
    knobs: Knobs<2>,
    high: bool,
}

impl Compare {
    /// A zero-crossing detector.
    pub fn new(sample_rate: f32) -> Self {
        Compare {
            knobs: Knobs::new(SPEC.params, sample_rate),
            high: false,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let [out, inv] = io.outputs else {
            return;
        };
        let n = io.frames;
        self.knobs.each(&m, n, |i, [t, h]| {
            let h = 0.5 * h.max(0.0);
            if self.high {
                // Stays high unless clearly below (NaN input keeps the state).
                self.high = x[i] >= t - h || x[i].is_nan();
            } else {
                self.high = x[i] > t + h;
            }
            let g = if self.high { 1.0 } else { 0.0 };
            out[i] = g;
            inv[i] = 1.0 - g;
        });
    }

    fn clear(&mut self) {
        self.high = false;
    }

    fn carry(&mut self, o: &Self) {
        self.high = o.high;
    }
}

knob_module!(Compare);
