//! `sine`: a sine oscillator from a shared table, phase-continuous.

use super::osc::{OscCore, OscParams};
use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::{phase_of, saw_tables, sin_fixed};

crate::module_type! {
    name: "sine" | "simple_sine",
    description: "sine oscillator",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ,
        GAIN = shared::GAIN,
        PHASE = ParamSpec::new("phase", 0.0, 1.0, 0.0, "cycles", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(Sine::new(cx.sample_rate)),
}

/// Where the oscillator core finds its parameters.
const OSC: OscParams = OscParams {
    freq: param::FREQ,
    gain: param::GAIN,
    extra: None,
};

/// Sine oscillator state.
pub struct Sine {
    p: Params<{ param::COUNT }>,
    /// Phase (64-bit fixed point: exact over hours).
    core: OscCore,
}

impl Sine {
    /// A sine at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Sine {
            p: Params::new(SPEC.params, sample_rate),
            core: OscCore::new(sample_rate),
        }
    }
}

impl Module for Sine {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let off = phase_of(self.p.value(param::PHASE));
        // The band tables are not read; the core only needs some table set.
        self.core
            .run(io, &mut self.p.0, OSC, saw_tables(), |_, p, _| {
                sin_fixed(p.wrapping_add(off))
            });
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Sine>(old) {
            self.core.phase = o.core.phase;
            self.p.carry_from(&o.p);
        }
    }
}
