//! `reverb`: stereo Freeverb (Jezar's algorithm): eight damped feedback combs
//! in parallel, then four allpasses in series, per channel; the right
//! channel's lines are 23 samples (at 44.1 kHz) longer, for stereo width.
//! Line lengths scale with the sample rate; memory is allocated once.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Metadata of `reverb`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "reverb",
    aliases: &["freeverb"],
    description: "stereo Freeverb; in2 defaults to in when unconnected; \
                  out = (1-mix)*dry + mix*wet",
    inputs: &[
        PortSpec::aliased("in", &["left", "l", "in1"]),
        PortSpec::aliased("in2", &["right", "r"]),
    ],
    outputs: &[
        PortSpec::aliased("left", &["l", "out"]),
        PortSpec::aliased("right", &["r"]),
    ],
    params: &[
        ParamSpec::new("size", 0.0, 1.0, 0.5, "", 20.0).with_aliases(&["room", "roomsize"]),
        ParamSpec::new("damping", 0.0, 1.0, 0.5, "", 20.0).with_aliases(&["damp"]),
        ParamSpec::new("mix", 0.0, 1.0, 0.3, "", 20.0).with_aliases(&["wet"]),
    ],
    gate: false,
};

/// The `reverb` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Reverb::new(sr)),
};

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
    size: Smoother,
    damping: Smoother,
    mix: Smoother,
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
            size: Smoother::new(0.5, SPEC.params[0].smoothing_ms, sample_rate),
            damping: Smoother::new(0.5, SPEC.params[1].smoothing_ms, sample_rate),
            mix: Smoother::new(0.3, SPEC.params[2].smoothing_ms, sample_rate),
            buf: vec![0.0; total].into_boxed_slice(),
            combs,
            stores: [0.0; 16],
            allpasses,
        }
    }
}

impl Module for Reverb {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.size.set(value),
            1 => self.damping.set(value),
            _ => self.mix.set(value),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.size.jump(value),
            1 => self.damping.jump(value),
            _ => self.mix.jump(value),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let sm = io.modulation_of(0);
        let dm = io.modulation_of(1);
        let mm = io.modulation_of(2);
        let in_l = &io.inputs[0][..n];
        let in_r = if io.input_connected[1] {
            &io.inputs[1][..n]
        } else {
            in_l
        };
        let (lo, ro) = io.outputs.split_at_mut(1);
        let (out_l, out_r) = (&mut lo[0][..n], &mut ro[0][..n]);
        let buf = &mut self.buf[..];
        for i in 0..n {
            let size = (self.size.next() + sm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let damp = (self.damping.next() + dm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let mix = (self.mix.next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
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
            self.size.carry_from(&o.size);
            self.damping.carry_from(&o.damping);
            self.mix.carry_from(&o.mix);
            if o.buf.len() == self.buf.len() {
                self.buf.copy_from_slice(&o.buf);
                self.combs = o.combs;
                self.allpasses = o.allpasses;
                self.stores = o.stores;
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
