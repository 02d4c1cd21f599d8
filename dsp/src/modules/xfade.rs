//! `xfade`: crossfader between two signals, linear or equal-power.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;
use crate::table::sin_cos_pi;

crate::module_type! {
    name: "xfade" | "crossfade" | "crossfader",
    description: "crossfader: mix 0 = a, 1 = b; linear: a*(1-mix) + b*mix; equal_power: \
                  a*cos(mix*pi/2) + b*sin(mix*pi/2)",
    inputs: [A = "a", B = "b"],
    outputs: [OUT = "out"],
    params: [
        MIX = ParamSpec::new("mix", 0.0, 1.0, 0.5, "", 5.0).with_aliases(&["fade", "position"]),
        CURVE = ParamSpec::choice("curve", &["linear", "equal_power"], 0),
    ],
    gate: false,
    build: |cx| Box::new(Xfade::new(cx.sample_rate)),
}

/// `xfade` state: parameters only.
pub struct Xfade {
    knobs: Knobs<2>,
}

impl Xfade {
    /// A linear crossfader at the middle.
    pub fn new(sample_rate: f32) -> Self {
        Xfade {
            knobs: Knobs::new(SPEC.params, sample_rate),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (a, b) = (io.inputs[input::A], io.inputs[input::B]);
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        self.knobs.each(&m, n, |i, [mix, curve]| {
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let (ga, gb) = if curve >= 0.5 {
                let (s, c) = sin_cos_pi(0.5 * mix);
                (c, s)
            } else {
                (1.0 - mix, mix)
            };
            out[i] = a[i] * ga + b[i] * gb;
        });
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Xfade);
