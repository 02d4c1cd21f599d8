//! `sine`: a sine oscillator from a shared table, phase-continuous.

use super::osc::OscCore;
use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::{phase_of, saw_tables, sin_fixed};
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
    /// Phase (64-bit fixed point: exact over hours), frequency and gain.
    core: OscCore,
    /// Phase offset, fixed point.
    phase_offset: u64,
}

impl Sine {
    /// A sine at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Sine {
            core: OscCore::new(
                sample_rate,
                SPEC.params[0].smoothing_ms,
                SPEC.params[1].smoothing_ms,
            ),
            phase_offset: 0,
        }
    }
}

impl Module for Sine {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.set(value),
            1 => self.core.gain.set(value),
            _ => self.phase_offset = phase_of(value),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.jump(value),
            1 => self.core.gain.jump(value),
            _ => self.phase_offset = phase_of(value),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let off = self.phase_offset;
        // The band tables are not read; the core only needs some table set.
        self.core.run(io, saw_tables(), None, |_, p, _| {
            sin_fixed(p.wrapping_add(off))
        });
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Sine>(old) {
            self.core.carry_from(&o.core);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
