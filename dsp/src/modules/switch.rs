//! `switch`: passes one of eight inputs, chosen by the `select` parameter
//! (rounded; modulate it to switch at audio rate).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Mods};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};

/// Metadata of `switch`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "switch",
    aliases: &["selector", "mux"],
    description: "selector: out = input number round(select) + 1 (select 0 = in1 .. 7 = in8)",
    inputs: &[
        PortSpec::aliased("in1", &["in", "a"]),
        PortSpec::aliased("in2", &["b"]),
        PortSpec::new("in3"),
        PortSpec::new("in4"),
        PortSpec::new("in5"),
        PortSpec::new("in6"),
        PortSpec::new("in7"),
        PortSpec::new("in8"),
    ],
    outputs: &[PortSpec::new("out")],
    params: &[ParamSpec::new("select", 0.0, 7.0, 0.0, "", 0.0).with_aliases(&["sel", "index"])],
    gate: false,
};

/// The `switch` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Switch::new(sr)),
};

/// `switch` state: parameters only.
pub struct Switch {
    knobs: Knobs<1>,
}

impl Switch {
    /// Selecting `in1`.
    pub fn new(sample_rate: f32) -> Self {
        Switch {
            knobs: Knobs::new(&SPEC, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let out = &mut io.outputs[0];
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

knob_module!(Switch, SPEC);
