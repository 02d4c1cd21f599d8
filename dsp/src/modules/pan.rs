//! `pan`: equal-power mono-to-stereo panner.

use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::sin_cos_pi;

crate::module_type! {
    name: "pan" | "panner",
    description: "equal-power panner: left = in*cos(θ), right = in*sin(θ), θ = (pos+1)·π/4",
    inputs: [IN = "in"],
    outputs: [LEFT = "left" | "l", RIGHT = "right" | "r"],
    params: [POS = ParamSpec::new("pos", -1.0, 1.0, 0.0, "", 5.0).with_aliases(&["pan", "position"])],
    gate: false,
    build: |cx| Box::new(Pan::new(cx.sample_rate)),
}

/// Panner state.
pub struct Pan {
    p: Params<{ param::COUNT }>,
    /// Last position given to [`gains`] in the static path, and its result.
    cached: Option<(f32, f32, f32)>,
}

impl Pan {
    /// A panner at the parameter defaults (centred).
    pub fn new(sample_rate: f32) -> Self {
        Pan {
            p: Params::new(SPEC.params, sample_rate),
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
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let pm = io.modulation_of(param::POS);
        let x = &io.inputs[input::IN][..n];
        let (lo, ro) = io.outputs.split_at_mut(output::RIGHT);
        let (l, r) = (&mut lo[output::LEFT][..n], &mut ro[0][..n]);
        let pos = &mut self.p[param::POS];
        if !pos.is_moving() && pm.is_none() {
            let p = pos.current;
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
            let p = pos.next() + pm.map_or(0.0, |m| m[i]);
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
            self.p.carry_from(&o.p);
        }
    }
}
