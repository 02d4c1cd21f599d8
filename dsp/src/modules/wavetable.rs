//! The oscillator behind `saw` and `triangle`: one band-limited wavetable set
//! read at the oscillator's phase. The two types differ only in their tables.

use super::osc::OscCore;
use crate::module::{same_type, Module, ProcessIo};
use crate::spec::{ModuleSpec, ParamSpec};
use crate::table::{read_cycle_fixed, BandTables};
use std::any::Any;

/// The parameters every wavetable oscillator has, in index order.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
    ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
];

/// A wavetable oscillator (params: [`PARAMS`]).
pub struct TableOsc {
    spec: &'static ModuleSpec,
    core: OscCore,
    tables: &'static BandTables,
}

impl TableOsc {
    /// An oscillator of type `spec` reading `tables`, at the parameter defaults.
    pub fn new(spec: &'static ModuleSpec, tables: &'static BandTables, sample_rate: f32) -> Self {
        TableOsc {
            spec,
            core: OscCore::new(
                sample_rate,
                spec.params[0].smoothing_ms,
                spec.params[1].smoothing_ms,
            ),
            tables,
        }
    }
}

impl Module for TableOsc {
    fn spec(&self) -> &'static ModuleSpec {
        self.spec
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
        if let Some(o) = same_type::<TableOsc>(old).filter(|o| o.spec.name == self.spec.name) {
            self.core.carry_from(&o.core);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
