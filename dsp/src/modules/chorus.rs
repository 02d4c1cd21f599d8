//! `chorus`: a mono input through two modulated delay taps, one per output
//! channel, their sine LFOs a quarter cycle apart (stereo width from the
//! phase difference).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::line::DelayLine;
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

/// A sine LFO phase in cycles, `[0, 1)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phase(pub f64);

impl Phase {
    /// Advances by `hz / sr` and returns the phase before the step.
    #[inline]
    pub fn step(&mut self, hz: f32, sr: f32) -> f64 {
        let p = self.0;
        let inc = if hz.is_finite() {
            hz as f64 / sr as f64
        } else {
            0.0
        };
        self.0 = p + inc;
        if !(0.0..1.0).contains(&self.0) {
            self.0 -= self.0.floor();
            if !(0.0..1.0).contains(&self.0) {
                self.0 = 0.0;
            }
        }
        p
    }
}

/// `chorus` state: 70 ms of line (the longest delay plus depth).
pub struct Chorus {
    sr: f32,
    knobs: Knobs<4>,
    line: DelayLine,
    phase: Phase,
}

impl Chorus {
    /// A gentle stereo chorus.
    pub fn new(sample_rate: f32) -> Self {
        Chorus {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            line: DelayLine::new((0.071 * sample_rate) as usize + 2),
            phase: Phase::default(),
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
            let p = self.phase.step(rate, self.sr);
            let depth = sane(depth, 0.0, 20.0, 0.0) * spms;
            let base = sane(delay, 0.5, 50.0, 12.0) * spms;
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let dl = base + depth * sin_cycles(p);
            let dr = base + depth * sin_cycles(p + 0.25);
            let dry = (1.0 - mix) * x[i];
            l[i] = dry + mix * self.line.read(dl);
            r[i] = dry + mix * self.line.read(dr);
            self.line.write(x[i]);
        });
    }

    fn clear(&mut self) {
        self.line.clear();
        self.phase = Phase::default();
    }

    fn carry(&mut self, o: &Self) {
        self.line.carry_from(&o.line);
        self.phase = o.phase;
    }

    fn take(&mut self, o: &mut Self) {
        self.line.take_from(&mut o.line);
        self.phase = o.phase;
    }
}

knob_module!(Chorus, take = take);
