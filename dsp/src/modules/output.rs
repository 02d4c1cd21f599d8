//! `output`: whatever reaches its inputs becomes the patch's output.

use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, PortSpec};
use std::any::Any;

/// Metadata of `output`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "output",
    aliases: &["out", "dac"],
    description: "patch output; in1 alone plays on every channel, otherwise inN goes to channel N",
    inputs: &[
        PortSpec::aliased("in1", &["in", "left", "l"]),
        PortSpec::aliased("in2", &["right", "r"]),
        PortSpec::new("in3"),
        PortSpec::new("in4"),
        PortSpec::new("in5"),
        PortSpec::new("in6"),
        PortSpec::new("in7"),
        PortSpec::new("in8"),
    ],
    outputs: &[],
    params: &[],
    gate: false,
};

/// The `output` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |_| Box::new(Output),
};

/// The graph reads this module's inputs directly; it has no state.
pub struct Output;

impl Module for Output {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }
    fn set_param(&mut self, _index: usize, _value: f32) {}
    fn process(&mut self, _io: &mut ProcessIo) {}
    fn reset(&mut self) {}
    fn carry_from(&mut self, old: &dyn Module) {
        let _ = same_type::<Output>(old);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
