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

/// `out = (0 + xs[0]·gs[0] + … + xs[K-1]·gs[K-1]) · master`, summed in
/// that order, for the first `K` inputs (each at least `out.len()` long).
#[inline(always)]
fn mix_static<const K: usize>(xs: &[&[f32]; N], gs: &[f32; N], master: f32, out: &mut [f32]) {
    let n = out.len();
    let xs: [&[f32]; K] = std::array::from_fn(|k| &xs[k][..n]);
    for (i, o) in out.iter_mut().enumerate() {
        let mut acc = 0.0;
        for k in 0..K {
            acc += xs[k][i] * gs[k];
        }
        *o = acc * master;
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
        if mods.iter().all(|m| m.is_none()) && self.gains.iter().all(|g| !g.is_moving()) {
            // No gain moves during this call: one pass over the connected
            // inputs (same sums, in the same order, as the loop below).
            let mut xs: [&[f32]; N] = [&[]; N];
            let mut gs = [0.0; N];
            let mut k = 0;
            for j in 0..N {
                if connected[j] {
                    xs[k] = &inputs[j][..n];
                    gs[k] = self.gains[j].current;
                    k += 1;
                }
            }
            let master = self.gains[N].current;
            match k {
                0 => mix_static::<0>(&xs, &gs, master, out),
                1 => mix_static::<1>(&xs, &gs, master, out),
                2 => mix_static::<2>(&xs, &gs, master, out),
                3 => mix_static::<3>(&xs, &gs, master, out),
                4 => mix_static::<4>(&xs, &gs, master, out),
                5 => mix_static::<5>(&xs, &gs, master, out),
                6 => mix_static::<6>(&xs, &gs, master, out),
                7 => mix_static::<7>(&xs, &gs, master, out),
                _ => mix_static::<8>(&xs, &gs, master, out),
            }
            return;
        }
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
