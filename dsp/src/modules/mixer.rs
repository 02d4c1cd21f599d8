//! `mixer`: eight inputs with their own gains, summed, times a master gain.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Number of mixer inputs.
const N: usize = 8;

/// Metadata of `mixer`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "mixer",
    aliases: &["mix"],
    description: "8-input mixer: out = gain * sum(gainN * inN)",
    inputs: &[
        PortSpec::aliased("in1", &["in"]),
        PortSpec::new("in2"),
        PortSpec::new("in3"),
        PortSpec::new("in4"),
        PortSpec::new("in5"),
        PortSpec::new("in6"),
        PortSpec::new("in7"),
        PortSpec::new("in8"),
    ],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("gain1", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain2", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain3", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain4", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain5", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain6", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain7", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain8", 0.0, 4.0, 1.0, "", 5.0),
        ParamSpec::new("gain", 0.0, 4.0, 1.0, "", 5.0).with_aliases(&["master", "level"]),
    ],
    gate: false,
};

/// The `mixer` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Mixer::new(sr)),
};

/// Mixer state: the nine smoothed gains.
pub struct Mixer {
    gains: [Smoother; N + 1],
}

impl Mixer {
    /// A mixer with every gain at 1.
    pub fn new(sample_rate: f32) -> Self {
        Mixer {
            gains: std::array::from_fn(|i| {
                Smoother::new(1.0, SPEC.params[i].smoothing_ms, sample_rate)
            }),
        }
    }
}

impl Module for Mixer {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        if let Some(g) = self.gains.get_mut(index) {
            g.set(value);
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        if let Some(g) = self.gains.get_mut(index) {
            g.jump(value);
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let mods: [Option<&[f32]>; N + 1] = std::array::from_fn(|j| io.modulation_of(j));
        let (inputs, connected) = (io.inputs, io.input_connected);
        let out = &mut io.outputs[0][..n];
        out.fill(0.0);
        // Each gain advances one step per sample whether or not its input is
        // connected, so results never depend on how blocks are split.
        for (j, g) in self.gains.iter_mut().enumerate() {
            let m = mods[j];
            let x = if j < N {
                connected[j].then(|| &inputs[j][..n])
            } else {
                None
            };
            let master = j == N;
            if !g.is_moving() && m.is_none() {
                let gv = g.current;
                if master {
                    out.iter_mut().for_each(|o| *o *= gv);
                } else if let Some(x) = x {
                    for (o, x) in out.iter_mut().zip(x) {
                        *o += x * gv;
                    }
                }
                continue;
            }
            for i in 0..n {
                let gv = g.next() + m.map_or(0.0, |m| m[i]);
                if master {
                    out[i] *= gv;
                } else if let Some(x) = x {
                    out[i] += x[i] * gv;
                }
            }
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Mixer>(old) {
            for (g, og) in self.gains.iter_mut().zip(&o.gains) {
                g.carry_from(og);
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
