//! `distortion`: waveshaper with soft clip, hard clip, wavefolding and bit
//! crushing, blended with the dry signal.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::{floor_f32, tanh_fast};
use std::any::Any;

/// Metadata of `distortion`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "distortion",
    aliases: &["dist", "waveshaper"],
    description: "distortion: soft = tanh(drive*in), hard = clip(drive*in), fold = \
                  triangle-fold(drive*in), bitcrush = in quantised to 16 bits at drive 1 \
                  down to 1 bit at drive 100; out = (1-mix)*in + mix*shaped, within ±1",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("drive", 1.0, 100.0, 2.0, "", 5.0).with_aliases(&["gain", "amount"]),
        ParamSpec::choice("mode", &["soft", "hard", "fold", "bitcrush"], 0)
            .with_aliases(&["type", "shape"]),
        ParamSpec::new("mix", 0.0, 1.0, 1.0, "", 5.0).with_aliases(&["wet"]),
    ],
    gate: false,
};

/// The `distortion` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Distortion::new(sr)),
};

/// Distortion state.
pub struct Distortion {
    drive: Smoother,
    mode: usize,
    mix: Smoother,
    /// Drive the bitcrush step was computed for, and the step count per unit.
    crush_for: f32,
    levels: f32,
}

impl Distortion {
    /// Soft clipping at drive 2, fully wet.
    pub fn new(sample_rate: f32) -> Self {
        Distortion {
            drive: Smoother::new(2.0, SPEC.params[0].smoothing_ms, sample_rate),
            mode: 0,
            mix: Smoother::new(1.0, SPEC.params[2].smoothing_ms, sample_rate),
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
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.drive.set(value),
            1 => self.mode = value as usize,
            _ => self.mix.set(value),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.drive.jump(value),
            1 => self.mode = value as usize,
            _ => self.mix.jump(value),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let dm = io.modulation_of(0);
        let mm = io.modulation_of(2);
        let x = &io.inputs[0][..n];
        let out = &mut io.outputs[0][..n];
        for i in 0..n {
            let d = (self.drive.next() + dm.map_or(0.0, |m| m[i])).clamp(1.0, 100.0);
            let mix = (self.mix.next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            // Non-finite input stays non-finite so the graph resets upstream.
            let xi = x[i];
            let y = match self.mode {
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
            self.drive.carry_from(&o.drive);
            self.mix.carry_from(&o.mix);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
