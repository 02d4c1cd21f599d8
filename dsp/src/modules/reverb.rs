//! `reverb`: stereo Freeverb (Jezar's algorithm): eight damped feedback combs
//! in parallel, then four allpasses in series, per channel; the right
//! channel's lines are 23 samples (at 44.1 kHz) longer, for stereo width.
//! Line lengths scale with the sample rate; memory is allocated once.

use super::shared;
use crate::module::{same_type, same_type_mut, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "reverb" | "freeverb",
    description: "stereo Freeverb; in2 defaults to in when unconnected; \
                  out = (1-mix)*dry + mix*wet",
    inputs: [IN = "in" | "left" | "l" | "in1", IN2 = "in2" | "right" | "r"],
    outputs: [LEFT = "left" | "l" | "out", RIGHT = "right" | "r"],
    params: [
        SIZE = ParamSpec::new("size", 0.0, 1.0, 0.5, "", 20.0).with_aliases(&["room", "roomsize"]),
        DAMPING = ParamSpec::new("damping", 0.0, 1.0, 0.5, "", 20.0).with_aliases(&["damp"]),
        MIX = shared::MIX.with_default(0.3).with_smoothing(20.0),
    ],
    gate: false,
    build: |cx| Box::new(Reverb::new(cx.sample_rate)),
}

/// Comb lengths at 44.1 kHz.
const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
/// Allpass lengths at 44.1 kHz.
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
/// Extra length of the right channel's lines at 44.1 kHz.
const SPREAD: usize = 23;
/// Input gain into the combs.
const FIXED_GAIN: f32 = 0.015;
/// Wet output gain (Freeverb's `scalewet` at its default wet level).
const WET_GAIN: f32 = 1.0;
/// Allpass feedback.
const AP_FEEDBACK: f32 = 0.5;

/// One delay line inside the shared buffer.
#[derive(Debug, Clone, Copy, Default)]
struct Line {
    start: usize,
    len: usize,
    pos: usize,
}

/// Reverb state; every line lives in one buffer allocated in the constructor.
pub struct Reverb {
    p: Params<{ param::COUNT }>,
    buf: Box<[f32]>,
    /// Combs: left 0..8, right 8..16.
    combs: [Line; 16],
    /// Comb lowpass states.
    stores: [f32; 16],
    /// Allpasses: left 0..4, right 4..8.
    allpasses: [Line; 8],
}

impl Reverb {
    /// A reverb at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        let scale = |n: usize| ((n as f64 * sample_rate as f64 / 44_100.0).round() as usize).max(1);
        let mut total = 0;
        let mut line = |n: usize| {
            let l = Line {
                start: total,
                len: scale(n),
                pos: 0,
            };
            total += l.len;
            l
        };
        let combs: [Line; 16] = std::array::from_fn(|i| line(COMBS[i % 8] + SPREAD * (i / 8)));
        let allpasses: [Line; 8] =
            std::array::from_fn(|i| line(ALLPASSES[i % 4] + SPREAD * (i / 4)));
        Reverb {
            p: Params::new(SPEC.params, sample_rate),
            buf: vec![0.0; total].into_boxed_slice(),
            combs,
            stores: [0.0; 16],
            allpasses,
        }
    }
}

impl Module for Reverb {
    fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.buf)
    }
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        use param::{DAMPING, MIX, SIZE};
        let n = io.frames;
        let sm = io.modulation_of(SIZE);
        let dm = io.modulation_of(DAMPING);
        let mm = io.modulation_of(MIX);
        let in_l = &io.inputs[input::IN][..n];
        let in_r = if io.input_connected[input::IN2] {
            &io.inputs[input::IN2][..n]
        } else {
            in_l
        };
        let (lo, ro) = io.outputs.split_at_mut(output::RIGHT);
        let (out_l, out_r) = (&mut lo[output::LEFT][..n], &mut ro[0][..n]);
        let buf = &mut self.buf[..];
        for i in 0..n {
            let size = (self.p[SIZE].next() + sm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let damp = (self.p[DAMPING].next() + dm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let mix = (self.p[MIX].next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let feedback = size * 0.28 + 0.7;
            let damp1 = damp * 0.4;
            let damp2 = 1.0 - damp1;
            let input = (in_l[i] + in_r[i]) * FIXED_GAIN;
            let mut wet = [0.0f32; 2];
            for (c, (line, store)) in self
                .combs
                .iter_mut()
                .zip(self.stores.iter_mut())
                .enumerate()
            {
                let at = line.start + line.pos;
                let o = buf[at];
                *store = o * damp2 + *store * damp1;
                buf[at] = input + *store * feedback;
                line.pos += 1;
                if line.pos == line.len {
                    line.pos = 0;
                }
                wet[c / 8] += o;
            }
            for (a, line) in self.allpasses.iter_mut().enumerate() {
                let ch = a / 4;
                let at = line.start + line.pos;
                let b = buf[at];
                let x = wet[ch];
                buf[at] = x + b * AP_FEEDBACK;
                wet[ch] = b - x;
                line.pos += 1;
                if line.pos == line.len {
                    line.pos = 0;
                }
            }
            out_l[i] = in_l[i] * (1.0 - mix) + wet[0] * WET_GAIN * mix;
            out_r[i] = in_r[i] * (1.0 - mix) + wet[1] * WET_GAIN * mix;
        }
    }

    fn reset(&mut self) {
        self.buf.fill(0.0);
        self.stores = [0.0; 16];
        for l in self.combs.iter_mut().chain(self.allpasses.iter_mut()) {
            l.pos = 0;
        }
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Reverb>(old) {
            self.p.carry_from(&o.p);
            if o.buf.len() == self.buf.len() {
                self.buf.copy_from_slice(&o.buf);
                self.combs = o.combs;
                self.allpasses = o.allpasses;
                self.stores = o.stores;
            }
        }
    }

    fn take_from(&mut self, old: &mut dyn Module) {
        if let Some(o) = same_type_mut::<Reverb>(old) {
            self.p.carry_from(&o.p);
            if o.buf.len() == self.buf.len() {
                std::mem::swap(&mut self.buf, &mut o.buf);
                self.combs = o.combs;
                self.allpasses = o.allpasses;
                self.stores = o.stores;
            }
        }
    }
}
