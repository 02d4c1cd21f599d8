//! `flanger`: a short delay swept by a sine LFO, with feedback, mixed with
//! the dry signal (comb notches that glide).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::chorus::Phase;
use crate::modules::knobs::{sane, Knobs, Mods};
use crate::modules::line::DelayLine;
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::sin_cycles;

/// Metadata of `flanger`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "flanger",
    aliases: &[],
    description: "flanger: y = line read at delay + depth*(1+sin(LFO))/2, line = in + \
                  feedback*y; out = (1-mix)*in + mix*y",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("rate", 0.01, 10.0, 0.2, "Hz", 20.0).with_aliases(&["speed"]),
        ParamSpec::new("depth", 0.0, 10.0, 2.0, "ms", 20.0),
        ParamSpec::new("delay", 0.05, 10.0, 0.5, "ms", 20.0).with_aliases(&["time"]),
        ParamSpec::new("feedback", -0.95, 0.95, 0.5, "", 5.0).with_aliases(&["fb"]),
        ParamSpec::new("mix", 0.0, 1.0, 0.5, "", 5.0).with_aliases(&["wet"]),
    ],
    gate: false,
};

/// The `flanger` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Flanger::new(sr)),
};

/// `flanger` state: 21 ms of line.
pub struct Flanger {
    sr: f32,
    knobs: Knobs<5>,
    line: DelayLine,
    phase: Phase,
}

impl Flanger {
    /// A flanger at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Flanger {
            sr: sample_rate,
            knobs: Knobs::new(&SPEC, sample_rate),
            line: DelayLine::new((0.021 * sample_rate) as usize + 2),
            phase: Phase::default(),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[0];
        let out = &mut io.outputs[0];
        let spms = self.sr / 1000.0;
        let n = io.frames;
        self.knobs.each(&m, n, |i, [rate, depth, delay, fb, mix]| {
            let p = self.phase.step(rate, self.sr);
            let depth = sane(depth, 0.0, 10.0, 0.0) * spms;
            let base = sane(delay, 0.05, 10.0, 0.5) * spms;
            let fb = sane(fb, -0.95, 0.95, 0.0);
            let mix = sane(mix, 0.0, 1.0, 0.5);
            let d = base + depth * 0.5 * (1.0 + sin_cycles(p));
            let y = self.line.read(d);
            self.line.write(x[i] + fb * y);
            out[i] = (1.0 - mix) * x[i] + mix * y;
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
}

knob_module!(Flanger, SPEC);
