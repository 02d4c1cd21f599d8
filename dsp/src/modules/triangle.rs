//! `triangle`: band-limited triangle from its own mip-mapped wavetables.

use super::osc::OscCore;
use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::{read_cycle_fixed, triangle_tables, BandTables};
use std::any::Any;

/// Metadata of `triangle`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "triangle",
    aliases: &["tri"],
    description: "band-limited triangle oscillator (alias-free wavetables)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
        ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
    ],
    gate: false,
};

/// The `triangle` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Triangle::new(sr)),
};

/// Triangle oscillator state.
pub struct Triangle {
    core: OscCore,
    tables: &'static BandTables,
}

impl Triangle {
    /// A triangle at the parameter defaults (builds the shared tables if needed).
    pub fn new(sample_rate: f32) -> Self {
        Triangle {
            core: OscCore::new(
                sample_rate,
                SPEC.params[0].smoothing_ms,
                SPEC.params[1].smoothing_ms,
            ),
            tables: triangle_tables(),
        }
    }
}

impl Module for Triangle {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.set(value),
            _ => self.core.gain.set(value),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.jump(value),
            _ => self.core.gain.jump(value),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        self.core
            .run(io, self.tables, None, |t, p, _| read_cycle_fixed(t, p));
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Triangle>(old) {
            self.core.carry_from(&o.core);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
