//! `math`: arithmetic on two signals, then scale and offset:
//! `out = op(a, b)·scale + offset`, where `b` is the `b` input when
//! connected and the `value` parameter otherwise.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "math" | "arith",
    description: "out = op(a, b)*scale + offset; op add a+b, sub a-b, mul a*b, min, max, \
                  abs |a|; b is the b input when connected, else the value parameter",
    inputs: [A = "a" | "in", B = "b"],
    outputs: [OUT = "out"],
    params: [
        OP = ParamSpec::choice("op", &["add", "sub", "mul", "min", "max", "abs"], 0) .with_aliases(&["mode"]),
        VALUE = ParamSpec::new("value", -20000.0, 20000.0, 0.0, "", 5.0).with_aliases(&["constant"]),
        SCALE = ParamSpec::new("scale", -1000.0, 1000.0, 1.0, "", 5.0).with_aliases(&["gain"]),
        OFFSET = ParamSpec::new("offset", -20000.0, 20000.0, 0.0, "", 5.0),
    ],
    gate: false,
    build: |cx| Box::new(Math::new(cx.sample_rate)),
}

/// `op(a, b)` for operation index `op` (the order of the `op` choices).
#[inline]
pub fn apply(op: usize, a: f32, b: f32) -> f32 {
    match op {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a.min(b),
        4 => a.max(b),
        _ => a.abs(),
    }
}

/// `math` state: parameters only.
pub struct Math {
    knobs: Knobs<4>,
}

impl Math {
    /// `a + 0`.
    pub fn new(sample_rate: f32) -> Self {
        Math {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let a = io.inputs[input::A];
        let b_in = io.input_connected[input::B].then_some(io.inputs[input::B]);
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        self.knobs.each(&m, n, |i, [op, b, scale, offset]| {
            let b = b_in.map_or(b, |x| x[i]);
            out[i] = apply(op.max(0.0) as usize, a[i], b) * scale + offset;
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Math);
