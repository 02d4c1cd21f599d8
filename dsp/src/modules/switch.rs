//! `switch`: passes one of eight inputs, chosen by the `select` parameter
//! (rounded; modulate it to switch at audio rate).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "switch" | "selector" | "mux",
    description: "selector: out = input number round(select) + 1 (select 0 = in1 .. 7 = in8)",
    inputs: [IN1 = "in1" | "in" | "a", IN2 = "in2" | "b", IN3 = "in3", IN4 = "in4", IN5 = "in5", IN6 = "in6", IN7 = "in7", IN8 = "in8"],
    outputs: [OUT = "out"],
    params: [
        SELECT = ParamSpec::new("select", 0.0, 7.0, 0.0, "", 0.0).with_aliases(&["sel", "index"]),
    ],
    gate: false,
    build: |cx| Box::new(Switch::new(cx.sample_rate)),
}

/// `switch` state: parameters only.
pub struct Switch {
    knobs: Knobs<1>,
}

impl Switch {
    /// Selecting `in1`.
    pub fn new(sample_rate: f32) -> Self {
        Switch {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let out = &mut io.outputs[output::OUT];
        let last = io.inputs.len() - 1;
        let n = io.frames;
        self.knobs.each(&m, n, |i, [sel]| {
            // `as` maps NaN to 0 and saturates.
            let k = ((sel + 0.5).max(0.0) as usize).min(last);
            out[i] = io.inputs[k][i];
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Switch);
