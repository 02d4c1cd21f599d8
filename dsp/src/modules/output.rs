//! `output`: whatever reaches its inputs becomes the patch's output.

use crate::module::{Module, ProcessIo, Smoother};

crate::module_type! {
    name: "output" | "out" | "dac",
    description: "patch output; in1 alone plays on every channel, otherwise inN goes to channel N",
    inputs: [
        IN1 = "in1" | "in" | "left" | "l",
        IN2 = "in2" | "right" | "r",
        IN3 = "in3",
        IN4 = "in4",
        IN5 = "in5",
        IN6 = "in6",
        IN7 = "in7",
        IN8 = "in8",
    ],
    outputs: [],
    params: [],
    gate: false,
    build: |_| Box::new(Output),
}

/// The graph reads this module's inputs directly; it has no state.
pub struct Output;

impl Module for Output {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn process(&mut self, _io: &mut ProcessIo) {}
    fn reset(&mut self) {}
    fn carry_from(&mut self, _old: &dyn Module) {}
}
