//! `wavefolder`: triangle wavefolder: the driven signal is reflected back
//! each time it passes ±1, so louder input adds harmonics instead of
//! clipping; the output never leaves [−1, 1] (before the dry mix).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;
use crate::table::floor_f32;

crate::module_type! {
    name: "wavefolder" | "folder" | "fold",
    description: "triangle wavefolder: y = fold(in*drive + bias) reflecting at +-1; \
                  out = (1-mix)*in + mix*y",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        DRIVE = ParamSpec::new("drive", 0.0, 20.0, 2.0, "x", 5.0).with_aliases(&["gain"]),
        BIAS = ParamSpec::new("bias", -1.0, 1.0, 0.0, "", 5.0).with_aliases(&["offset", "symmetry"]),
        MIX = shared::MIX.with_default(1.0),
    ],
    gate: false,
    build: |cx| Box::new(Wavefolder::new(cx.sample_rate)),
}

/// `v` folded into [−1, 1]: the identity there, reflected at each boundary.
#[inline]
pub fn fold(v: f32) -> f32 {
    // Period 4: t in [0, 1) maps −1 → 0, 1 → 0.5.
    let t = (v + 1.0) * 0.25;
    let t = t - floor_f32(t.clamp(-1e6, 1e6));
    (1.0 - 4.0 * (t - 0.5).abs()).clamp(-1.0, 1.0)
}

/// `wavefolder` state: parameters only.
pub struct Wavefolder {
    knobs: Knobs<3>,
}

impl Wavefolder {
    /// A folder with drive 2.
    pub fn new(sample_rate: f32) -> Self {
        Wavefolder {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        self.knobs.each(&m, n, |i, [drive, bias, mix]| {
            let mix = sane(mix, 0.0, 1.0, 1.0);
            let y = fold(x[i] * drive + bias);
            out[i] = (1.0 - mix) * x[i] + mix * y;
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Wavefolder);
