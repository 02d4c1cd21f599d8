//! The oscillator behind `saw` and `triangle`: one band-limited wavetable set
//! read at the oscillator's phase. The two types differ only in their tables
//! (and their names), so each is a `module_type!` declaration that builds a
//! [`TableOsc`] with its tables.

use super::osc::{OscCore, OscParams};
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ModuleSpec;
use crate::table::{read_cycle_fixed, BandTables};

/// A wavetable oscillator, declared with exactly the shared `freq` and
/// `gain` parameters (in that order, as `FREQ` and `GAIN`).
pub struct TableOsc {
    spec: &'static ModuleSpec,
    p: Params<2>,
    core: OscCore,
    tables: &'static BandTables,
}

/// Parameter positions of every [`TableOsc`] type.
const OSC: OscParams = OscParams {
    freq: 0,
    gain: 1,
    extra: None,
};

impl TableOsc {
    /// An oscillator of type `spec` reading `tables`, at the parameter defaults.
    pub fn new(spec: &'static ModuleSpec, tables: &'static BandTables, sample_rate: f32) -> Self {
        debug_assert!(spec.params[OSC.freq].name == "freq" && spec.params[OSC.gain].name == "gain");
        TableOsc {
            spec,
            p: Params::new(spec.params, sample_rate),
            core: OscCore::new(sample_rate),
            tables,
        }
    }
}

impl Module for TableOsc {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        self.core
            .run(io, &mut self.p.0, OSC, self.tables, |t, p, _| {
                read_cycle_fixed(t, p)
            });
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<TableOsc>(old).filter(|o| o.spec.name == self.spec.name) {
            self.core.phase = o.core.phase;
            self.p.carry_from(&o.p);
        }
    }
}
