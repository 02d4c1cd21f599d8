//! `sine`: a sine oscillator from a shared table, phase-continuous.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Metadata of `sine`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "sine",
    aliases: &["simple_sine"],
    description: "sine oscillator",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
        ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
        ParamSpec::new("phase", 0.0, 1.0, 0.0, "cycles", 0.0),
    ],
    gate: false,
};

/// The `sine` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Sine::new(sr)),
};

/// Sine oscillator state.
pub struct Sine {
    sample_rate: f32,
    /// Phase in cycles, `[0, 1)`; f64 keeps low frequencies exact over hours.
    phase: f64,
    freq: Smoother,
    gain: Smoother,
    phase_offset: f32,
}

impl Sine {
    /// A sine at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Sine {
            sample_rate,
            phase: 0.0,
            freq: Smoother::new(440.0, SPEC.params[0].smoothing_ms, sample_rate),
            gain: Smoother::new(0.5, SPEC.params[1].smoothing_ms, sample_rate),
            phase_offset: 0.0,
        }
    }
}

impl Module for Sine {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.freq.set(value),
            1 => self.gain.set(value),
            _ => self.phase_offset = value,
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.freq.jump(value),
            1 => self.gain.jump(value),
            _ => self.phase_offset = value,
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let inv_sr = 1.0 / self.sample_rate as f64;
        let fm = io.modulation_of(0);
        let gm = io.modulation_of(1);
        let out = &mut io.outputs[0];
        for i in 0..io.frames {
            let f = self.freq.next() + fm.map_or(0.0, |m| m[i]);
            let g = self.gain.next() + gm.map_or(0.0, |m| m[i]);
            let p = self.phase + self.phase_offset as f64;
            out[i] = g * crate::table::sin_cycles(p);
            self.phase += f as f64 * inv_sr;
            self.phase -= self.phase.floor();
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Sine>(old) {
            self.phase = o.phase;
            self.freq.carry_from(&o.freq);
            self.gain.carry_from(&o.gain);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
