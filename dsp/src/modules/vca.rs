//! `vca`: voltage-controlled amplifier, `out = in·gain·cv` (`cv` when connected).

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Metadata of `vca`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "vca",
    aliases: &["amp"],
    description: "amplifier: out = in*gain, times cv when cv is connected",
    inputs: &[PortSpec::new("in"), PortSpec::new("cv")],
    outputs: &[PortSpec::new("out")],
    params: &[ParamSpec::new("gain", 0.0, 4.0, 1.0, "", 5.0).with_aliases(&["amp", "level"])],
    gate: false,
};

/// The `vca` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Vca::new(sr)),
};

/// Amplifier state (only the smoothed gain).
pub struct Vca {
    gain: Smoother,
}

impl Vca {
    /// A unity-gain VCA.
    pub fn new(sample_rate: f32) -> Self {
        Vca {
            gain: Smoother::new(1.0, SPEC.params[0].smoothing_ms, sample_rate),
        }
    }
}

impl Module for Vca {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, _index: usize, value: f32) {
        self.gain.set(value);
    }

    fn set_param_now(&mut self, _index: usize, value: f32) {
        self.gain.jump(value);
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let gm = io.modulation_of(0);
        let x = &io.inputs[0][..n];
        let cv = io.input_connected[1].then(|| &io.inputs[1][..n]);
        let out = &mut io.outputs[0][..n];
        if !self.gain.is_moving() && gm.is_none() {
            let g = self.gain.current;
            match cv {
                Some(cv) => {
                    for ((o, x), c) in out.iter_mut().zip(x).zip(cv) {
                        *o = x * g * c;
                    }
                }
                None => {
                    for (o, x) in out.iter_mut().zip(x) {
                        *o = x * g;
                    }
                }
            }
            return;
        }
        for i in 0..n {
            let g = self.gain.next() + gm.map_or(0.0, |m| m[i]);
            out[i] = x[i] * g * cv.map_or(1.0, |c| c[i]);
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Vca>(old) {
            self.gain.carry_from(&o.gain);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
