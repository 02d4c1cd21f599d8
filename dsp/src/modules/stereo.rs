//! `stereo`: mid/side width: `mid = (l+r)/2`, `side = (l−r)/2·width`,
//! `left = mid + side`, `right = mid − side` (0 = mono, 1 = unchanged,
//! above 1 wider).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "stereo" | "width" | "mid_side",
    description: "stereo width: side = (left-right)/2 * width, mid = (left+right)/2; \
                  0 = mono, 1 = unchanged, 2 = twice the side",
    inputs: [LEFT = "left" | "l" | "in", RIGHT = "right" | "r"],
    outputs: [LEFT = "left" | "l" | "out", RIGHT = "right" | "r"],
    params: [
        WIDTH = ParamSpec::new("width", 0.0, 2.0, 1.0, "", 5.0),
    ],
    gate: false,
    build: |cx| Box::new(Stereo::new(cx.sample_rate)),
}

/// `stereo` state: parameters only.
pub struct Stereo {
    knobs: Knobs<1>,
}

impl Stereo {
    /// Width 1 (unchanged).
    pub fn new(sample_rate: f32) -> Self {
        Stereo {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (l, r) = (io.inputs[input::LEFT], io.inputs[input::RIGHT]);
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

knob_module!(Stereo);
