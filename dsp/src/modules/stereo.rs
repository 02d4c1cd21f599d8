//! `stereo`: mid/side width: `mid = (l+r)/2`, `side = (l−r)/2·width`,
//! `left = mid + side`, `right = mid − side` (0 = mono, 1 = unchanged,
//! above 1 wider).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Mods};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};

/// Metadata of `stereo`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "stereo",
    aliases: &["width", "mid_side"],
    description: "stereo width: side = (left-right)/2 * width, mid = (left+right)/2; \
                  0 = mono, 1 = unchanged, 2 = twice the side",
    inputs: &[
        PortSpec::aliased("left", &["l", "in"]),
        PortSpec::aliased("right", &["r"]),
    ],
    outputs: &[
        PortSpec::aliased("left", &["l", "out"]),
        PortSpec::aliased("right", &["r"]),
    ],
    params: &[ParamSpec::new("width", 0.0, 2.0, 1.0, "", 5.0)],
    gate: false,
};

/// The `stereo` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Stereo::new(sr)),
};

/// `stereo` state: parameters only.
pub struct Stereo {
    knobs: Knobs<1>,
}

impl Stereo {
    /// Width 1 (unchanged).
    pub fn new(sample_rate: f32) -> Self {
        Stereo {
            knobs: Knobs::new(&SPEC, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (l, r) = (io.inputs[0], io.inputs[1]);
        let [lo, ro] = io.outputs else {
            return;
        };
        let n = io.frames;
        self.knobs.each(&m, n, |i, [w]| {
            let mid = 0.5 * (l[i] + r[i]);
            let side = 0.5 * (l[i] - r[i]) * w;
            lo[i] = mid + side;
            ro[i] = mid - side;
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Stereo, SPEC);
