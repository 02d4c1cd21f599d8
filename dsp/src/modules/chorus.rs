//! `chorus`: a mono input through two modulated delay taps, one per output
//! channel, their sine LFOs a quarter cycle apart (stereo width from the
//! phase difference).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::line::Swept;
use crate::spec::ParamSpec;
use crate::table::sin_cycles;

crate::module_type! {
    name: "chorus" | "ensemble",
    description: "stereo chorus: each output = (1-mix)*in + mix*in delayed by \
                  delay + depth*sin(LFO), the right LFO a quarter cycle after the left",
    inputs: [IN = "in"],
    outputs: [LEFT = "left" | "l" | "out", RIGHT = "right" | "r"],
    params: [
        RATE = ParamSpec::new("rate", 0.01, 10.0, 0.6, "Hz", 20.0).with_aliases(&["speed"]),
        DEPTH = ParamSpec::new("depth", 0.0, 20.0, 2.5, "ms", 20.0),
        DELAY = ParamSpec::new("delay", 0.5, 50.0, 12.0, "ms", 20.0).with_aliases(&["time"]),
        MIX = shared::MIX,
    ],
    gate: false,
    build: |cx| Box::new(Chorus::new(cx.sample_rate)),
}

/// `chorus` state: 70 ms of line (the longest delay plus depth).
pub struct Chorus {
    sr: f32,
    knobs: Knobs<4>,
    sweep: Swept,
}

impl Chorus {
    /// A gentle stereo chorus.
    pub fn new(sample_rate: f32) -> Self {
        Chorus {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            sweep: Swept::new((0.071 * sample_rate) as usize + 2),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let [l, r] = io.outputs else {
            return;
        };
        let spms = self.sr / 1000.0;
        let n = io.frames;
        self.knobs.each(&m, n, |i, [rate, depth, delay, mix]| {
            let p = self.sweep.phase.step(rate, self.sr);
            let depth = sane(depth, 0.0, 20.0, 0.0) * spms;
            let base = sane(delay, 0.5, 50.0, 12.0) * spms;
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let dl = base + depth * sin_cycles(p);
            let dr = base + depth * sin_cycles(p + 0.25);
            let dry = (1.0 - mix) * x[i];
            l[i] = dry + mix * self.sweep.line.read(dl);
            r[i] = dry + mix * self.sweep.line.read(dr);
            self.sweep.line.write(x[i]);
        });
    }
}

knob_module!(Chorus, state = sweep);
