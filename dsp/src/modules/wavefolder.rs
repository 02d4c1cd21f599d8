//! `wavefolder`: triangle wavefolder: the driven signal is reflected back
//! each time it passes ±1, so louder input adds harmonics instead of
//! clipping; the output never leaves [−1, 1] (before the dry mix).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Mods};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::floor_f32;

/// Metadata of `wavefolder`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "wavefolder",
    aliases: &["folder", "fold"],
    description: "triangle wavefolder: y = fold(in*drive + bias) reflecting at +-1; \
                  out = (1-mix)*in + mix*y",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("drive", 0.0, 20.0, 2.0, "x", 5.0).with_aliases(&["gain"]),
        ParamSpec::new("bias", -1.0, 1.0, 0.0, "", 5.0).with_aliases(&["offset", "symmetry"]),
        ParamSpec::new("mix", 0.0, 1.0, 1.0, "", 5.0).with_aliases(&["wet"]),
    ],
    gate: false,
};

/// The `wavefolder` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Wavefolder::new(sr)),
};

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
            knobs: Knobs::new(&SPEC, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[0];
        let out = &mut io.outputs[0];
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

knob_module!(Wavefolder, SPEC);
