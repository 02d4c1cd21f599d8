//! `logic`: Boolean gates on gate signals: an input is true at 0.5 or above;
//! the output is 1 or 0.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods, TRIGGER_LEVEL};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "logic" | "gate_logic",
    description: "logic gate: out = 1 when op(a, b) holds, else 0; inputs are true at 0.5 \
                  or above; not uses a only",
    inputs: [A = "a" | "in", B = "b"],
    outputs: [OUT = "out"],
    params: [
        OP = ParamSpec::choice("op", &["and", "or", "xor", "not", "nand", "nor"], 0) .with_aliases(&["mode"]),
    ],
    gate: false,
    build: |cx| Box::new(Logic::new(cx.sample_rate)),
}

/// The truth of operation `op` (the order of the `op` choices) on `a`, `b`.
#[inline]
pub fn truth(op: usize, a: bool, b: bool) -> bool {
    match op {
        0 => a && b,
        1 => a || b,
        2 => a ^ b,
        3 => !a,
        4 => !(a && b),
        _ => !(a || b),
    }
}

/// `logic` state: parameters only.
pub struct Logic {
    knobs: Knobs<1>,
}

impl Logic {
    /// An AND gate.
    pub fn new(sample_rate: f32) -> Self {
        Logic {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (a, b) = (io.inputs[input::A], io.inputs[input::B]);
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        self.knobs.each(&m, n, |i, [op]| {
            let t = truth(
                op.max(0.0) as usize,
                a[i] >= TRIGGER_LEVEL,
                b[i] >= TRIGGER_LEVEL,
            );
            out[i] = if t { 1.0 } else { 0.0 };
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Logic);
