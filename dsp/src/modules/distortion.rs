//! `distortion`: waveshaper with soft clip, hard clip, wavefolding and bit
//! crushing, blended with the dry signal.

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::{floor_f32, tanh_fast};

crate::module_type! {
    name: "distortion" | "dist" | "waveshaper",
    description: "distortion: soft = tanh(drive*in), hard = clip(drive*in), fold = \
                  triangle-fold(drive*in), bitcrush = in quantised to 16 bits at drive 1 \
                  down to 1 bit at drive 100; out = (1-mix)*in + mix*shaped, within ±1",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        DRIVE = ParamSpec::new("drive", 1.0, 100.0, 2.0, "", 5.0).with_aliases(&["gain", "amount"]),
        MODE = ParamSpec::choice("mode", &["soft", "hard", "fold", "bitcrush"], 0)
            .with_aliases(&["type", "shape"]),
        MIX = shared::MIX.with_default(1.0),
    ],
    gate: false,
    build: |cx| Box::new(Distortion::new(cx.sample_rate)),
}

/// Distortion state.
pub struct Distortion {
    p: Params<{ param::COUNT }>,
    /// Drive the bitcrush step was computed for, and the step count per unit.
    crush_for: f32,
    levels: f32,
}

impl Distortion {
    /// A distortion at the parameter defaults (soft clipping at drive 2, fully wet).
    pub fn new(sample_rate: f32) -> Self {
        Distortion {
            p: Params::new(SPEC.params, sample_rate),
            crush_for: f32::NAN,
            levels: 1.0,
        }
    }
}

/// Folds `v` back into `[-1, 1]` like a triangle wave (`fold(1) = 1`, `fold(2) = 0`).
#[inline]
fn fold(v: f32) -> f32 {
    let t = (v + 1.0) * 0.25;
    let t = t - floor_f32(t);
    1.0 - 4.0 * (t - 0.5).abs()
}

impl Module for Distortion {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let dm = io.modulation_of(param::DRIVE);
        let mm = io.modulation_of(param::MIX);
        let x = &io.inputs[input::IN][..n];
        let out = &mut io.outputs[output::OUT][..n];
        let mode = self.p.index(param::MODE);
        let (drive, mixer) = self.p.pair_mut(param::DRIVE, param::MIX);
        for i in 0..n {
            let d = (drive.next() + dm.map_or(0.0, |m| m[i])).clamp(1.0, 100.0);
            let mix = (mixer.next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            // Non-finite input stays non-finite so the graph resets upstream.
            let xi = x[i];
            let y = match mode {
                0 => tanh_fast(d * xi),
                1 => (d * xi).clamp(-1.0, 1.0),
                2 => {
                    // Keep huge inputs in the exact range of floor_f32.
                    fold((d * xi).clamp(-1.0e6, 1.0e6))
                }
                _ => {
                    if d != self.crush_for {
                        self.crush_for = d;
                        let bits = 16.0 - 15.0 * (d - 1.0) / 99.0;
                        self.levels = 2f32.powf(bits - 1.0);
                    }
                    let q = self.levels;
                    let v = xi.clamp(-1.0, 1.0) * q;
                    (floor_f32(v + 0.5) / q).clamp(-1.0, 1.0)
                }
            };
            let y = if xi.is_finite() { y } else { xi };
            out[i] = xi * (1.0 - mix) + y * mix;
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Distortion>(old) {
            self.p.carry_from(&o.p);
        }
    }
}
