//! `pan`: equal-power mono-to-stereo panner.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::sin_cos_pi;
use std::any::Any;

/// Metadata of `pan`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "pan",
    aliases: &["panner"],
    description: "equal-power panner: left = in*cos(θ), right = in*sin(θ), θ = (pos+1)·π/4",
    inputs: &[PortSpec::new("in")],
    outputs: &[
        PortSpec::aliased("left", &["l"]),
        PortSpec::aliased("right", &["r"]),
    ],
    params: &[ParamSpec::new("pos", -1.0, 1.0, 0.0, "", 5.0).with_aliases(&["pan", "position"])],
    gate: false,
};

/// The `pan` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Pan::new(sr)),
};

/// Panner state.
pub struct Pan {
    pos: Smoother,
    /// Last position given to [`gains`] in the static path, and its result.
    cached: Option<(f32, f32, f32)>,
}

impl Pan {
    /// A centred panner.
    pub fn new(sample_rate: f32) -> Self {
        Pan {
            pos: Smoother::new(0.0, SPEC.params[0].smoothing_ms, sample_rate),
            cached: None,
        }
    }
}

/// Left and right gains for position `p` in `[-1, 1]`: `cos θ`, `sin θ`.
#[inline]
fn gains(p: f32) -> (f32, f32) {
    let p = if p.is_nan() { 0.0 } else { p.clamp(-1.0, 1.0) };
    // θ = π·x with x = (p + 1)/4 in [0, 1/2].
    let (s, c) = sin_cos_pi((p + 1.0) * 0.25);
    (c, s)
}

impl Module for Pan {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, _index: usize, value: f32) {
        self.pos.set(value);
    }

    fn set_param_now(&mut self, _index: usize, value: f32) {
        self.pos.jump(value);
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let pm = io.modulation_of(0);
        let x = &io.inputs[0][..n];
        let (lo, ro) = io.outputs.split_at_mut(1);
        let (l, r) = (&mut lo[0][..n], &mut ro[0][..n]);
        if !self.pos.is_moving() && pm.is_none() {
            let p = self.pos.current;
            let (gl, gr) = match self.cached {
                Some((c, gl, gr)) if c.to_bits() == p.to_bits() => (gl, gr),
                _ => {
                    let (gl, gr) = gains(p);
                    self.cached = Some((p, gl, gr));
                    (gl, gr)
                }
            };
            for i in 0..n {
                l[i] = x[i] * gl;
                r[i] = x[i] * gr;
            }
            return;
        }
        let mut last = f32::NAN;
        let (mut gl, mut gr) = (0.0, 0.0);
        for i in 0..n {
            let p = self.pos.next() + pm.map_or(0.0, |m| m[i]);
            if p != last {
                last = p;
                (gl, gr) = gains(p);
            }
            l[i] = x[i] * gl;
            r[i] = x[i] * gr;
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Pan>(old) {
            self.pos.carry_from(&o.pos);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
