//! `pingpong`: stereo delay whose echoes alternate between the channels:
//! the input (both channels summed) enters the left line, each line feeds
//! the other, and every echo is `feedback` times the one before.

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{ms_to_samples, sane, Knobs, Sweep, Mods};
use crate::modules::line::{DelayLine, Tap};
use crate::spec::ParamSpec;

/// Longest delay, in seconds.
const MAX_SECONDS: f32 = 2.0;

crate::module_type! {
    name: "pingpong" | "ping_pong",
    description: "ping-pong delay: echoes of left+right at time (left), 2*time (right), \
                  3*time (left) ..., each feedback times the last; out = (1-mix)*in + mix*echoes",
    inputs: [LEFT = "left" | "l" | "in", RIGHT = "right" | "r"],
    outputs: [LEFT = "left" | "l" | "out", RIGHT = "right" | "r"],
    params: [
        TIME = ParamSpec::new("time", 1.0, 2000.0, 375.0, "ms", 50.0).with_aliases(&["delay"]),
        FEEDBACK = ParamSpec::new("feedback", 0.0, 0.95, 0.5, "", 5.0).with_aliases(&["fb"]),
        MIX = shared::MIX.with_default(0.4),
    ],
    gate: false,
    build: |cx| Box::new(PingPong::new(cx.sample_rate)),
}

/// `pingpong` state: two lines of 2 seconds, allocated here.
pub struct PingPong {
    sr: f32,
    knobs: Knobs<3>,
    left: DelayLine,
    right: DelayLine,
}

impl PingPong {
    /// Bytes of its lines, for the memory budget.
    fn heap(&self) -> usize {
        self.left.bytes() + self.right.bytes()
    }

    /// A dotted-eighth echo at 120 BPM.
    pub fn new(sample_rate: f32) -> Self {
        let n = (MAX_SECONDS * sample_rate) as usize + 2;
        PingPong {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            left: DelayLine::new(n),
            right: DelayLine::new(n),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let (l, r) = (io.inputs[input::LEFT], io.inputs[input::RIGHT]);
        let [lo, ro] = io.outputs else {
            return;
        };
        let n = io.frames;
        let (sr, max) = (self.sr, self.left.max_delay());
        let prep = |[t, fb, mix]: [f32; 3]| {
            let mix = sane(mix, 0.0, 1.0, 0.4);
            (
                Tap::new(ms_to_samples(t, sr, 1.0), max),
                sane(fb, 0.0, 0.95, 0.0),
                1.0 - mix,
                mix,
            )
        };
        self.knobs.each_with(&m, n, prep, |i, (tap, fb, dry, wet)| {
            let yl = self.left.read_at(tap);
            let yr = self.right.read_at(tap);
            self.left.write(l[i] + r[i] + fb * yr);
            self.right.write(fb * yl);
            lo[i] = dry * l[i] + wet * yl;
            ro[i] = dry * r[i] + wet * yr;
        });
    }

    fn clear(&mut self) {
        self.left.clear();
        self.right.clear();
    }

    fn carry(&mut self, o: &Self) {
        self.left.carry_from(&o.left);
        self.right.carry_from(&o.right);
    }

    fn take(&mut self, o: &mut Self) {
        self.left.take_from(&mut o.left);
        self.right.take_from(&mut o.right);
    }
}

knob_module!(PingPong, take = take, heap = heap);
