//! `flanger`: a short delay swept by a sine LFO, with feedback, mixed with
//! the dry signal (comb notches that glide).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::line::Swept;
use crate::spec::ParamSpec;
use crate::table::sin_cycles;

crate::module_type! {
    name: "flanger",
    description: "flanger: y = line read at delay + depth*(1+sin(LFO))/2, line = in + \
                  feedback*y; out = (1-mix)*in + mix*y",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        RATE = ParamSpec::new("rate", 0.01, 10.0, 0.2, "Hz", 20.0).with_aliases(&["speed"]),
        DEPTH = ParamSpec::new("depth", 0.0, 10.0, 2.0, "ms", 20.0),
        DELAY = ParamSpec::new("delay", 0.05, 10.0, 0.5, "ms", 20.0).with_aliases(&["time"]),
        FEEDBACK = ParamSpec::new("feedback", -0.95, 0.95, 0.5, "", 5.0).with_aliases(&["fb"]),
        MIX = shared::MIX,
    ],
    gate: false,
    build: |cx| Box::new(Flanger::new(cx.sample_rate)),
}

/// `flanger` state: 21 ms of line.
pub struct Flanger {
    sr: f32,
    knobs: Knobs<5>,
    sweep: Swept,
}

impl Flanger {
    /// A flanger at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Flanger {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            sweep: Swept::new((0.021 * sample_rate) as usize + 2),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let spms = self.sr / 1000.0;
        let n = io.frames;
        self.knobs.each(&m, n, |i, [rate, depth, delay, fb, mix]| {
            let p = self.sweep.phase.step(rate, self.sr);
            let depth = sane(depth, 0.0, 10.0, 0.0) * spms;
            let base = sane(delay, 0.05, 10.0, 0.5) * spms;
            let fb = sane(fb, -0.95, 0.95, 0.0);
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let d = base + depth * 0.5 * (1.0 + sin_cycles(p));
            let y = self.sweep.line.read(d);
            self.sweep.line.write(x[i] + fb * y);
            out[i] = (1.0 - mix) * x[i] + mix * y;
        });
    }
}

knob_module!(Flanger, state = sweep);
