//! `logic`: Boolean gates on gate signals: an input is true at 0.5 or above;
//! the output is 1 or 0.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Mods, TRIGGER_LEVEL};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};

/// Metadata of `logic`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "logic",
    aliases: &["gate_logic"],
    description: "logic gate: out = 1 when op(a, b) holds, else 0; inputs are true at 0.5 \
                  or above; not uses a only",
    inputs: &[PortSpec::aliased("a", &["in"]), PortSpec::new("b")],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::choice("op", &["and", "or", "xor", "not", "nand", "nor"], 0)
            .with_aliases(&["mode"]),
    ],
    gate: false,
};

/// The `logic` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Logic::new(sr)),
};

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
            knobs: Knobs::new(&SPEC, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (a, b) = (io.inputs[0], io.inputs[1]);
        let out = &mut io.outputs[0];
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

knob_module!(Logic, SPEC);
