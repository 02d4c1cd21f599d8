//! `slew`: slew limiter with separate rise and fall times: the output moves
//! towards the input by at most `1/(rise·sr/1000)` per sample upwards and
//! `1/(fall·sr/1000)` downwards (a full unit step takes exactly `rise` ms).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "slew" | "slew_limiter" | "lag",
    description: "slew limiter: out follows in, rising at most 1 unit per `rise` ms and \
                  falling at most 1 unit per `fall` ms (0 = instant)",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        RISE = ParamSpec::new("rise", 0.0, 10000.0, 10.0, "ms/unit", 0.0).with_aliases(&["up"]),
        FALL = ParamSpec::new("fall", 0.0, 10000.0, 10.0, "ms/unit", 0.0).with_aliases(&["down"]),
    ],
    gate: false,
    build: |cx| Box::new(Slew::new(cx.sample_rate)),
}

/// Largest step per sample for `ms` milliseconds per unit at `sr`.
#[inline]
fn step(ms: f32, sr: f32) -> f32 {
    let s = sane(ms, 0.0, 1e7, 0.0) * 0.001 * sr;
    if s <= 1.0 {
        f32::INFINITY
    } else {
        1.0 / s
    }
}

/// `slew` state.
pub struct Slew {
    sr: f32,
    knobs: Knobs<2>,
    y: f32,
}

impl Slew {
    /// A slew limiter at 10 ms per unit both ways.
    pub fn new(sample_rate: f32) -> Self {
        Slew {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            y: 0.0,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let n = io.frames;
        self.knobs.each(&m, n, |i, [rise, fall]| {
            let d = x[i] - self.y;
            self.y += d.clamp(-step(fall, self.sr), step(rise, self.sr));
            out[i] = self.y;
        });
    }

    fn clear(&mut self) {
        self.y = 0.0;
    }

    fn carry(&mut self, o: &Self) {
        self.y = o.y;
    }
}

knob_module!(Slew);
