//! `square`: band-limited pulse, the difference of two band-limited saws
//! offset by the pulse width (so it is alias-free exactly like `saw`).

use super::osc::OscCore;
use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::{phase_of, read_cycle_fixed, saw_tables, BandTables};
use std::any::Any;

/// Metadata of `square`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "square",
    aliases: &["pulse"],
    description: "band-limited pulse oscillator; width is the high fraction of \
                  the cycle; DC-free: levels 2-2*width and -2*width (±1 at width 0.5)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
        ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
        ParamSpec::new("width", 0.01, 0.99, 0.5, "", 5.0).with_aliases(&["pw", "duty"]),
    ],
    gate: false,
};

/// The `square` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Square::new(sr)),
};

/// Pulse oscillator state.
pub struct Square {
    core: OscCore,
    width: Smoother,
    tables: &'static BandTables,
}

impl Square {
    /// A square at the parameter defaults (builds the shared tables if needed).
    pub fn new(sample_rate: f32) -> Self {
        Square {
            core: OscCore::new(
                sample_rate,
                SPEC.params[0].smoothing_ms,
                SPEC.params[1].smoothing_ms,
            ),
            width: Smoother::new(0.5, SPEC.params[2].smoothing_ms, sample_rate),
            tables: saw_tables(),
        }
    }
}

impl Module for Square {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.set(value),
            1 => self.core.gain.set(value),
            _ => self.width.set(value),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.core.freq.jump(value),
            1 => self.core.gain.jump(value),
            _ => self.width.jump(value),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        // saw(p - w) - saw(p): 2 - 2w while p < w, -2w after.
        let pulse =
            |t: &_, p: u64, w: u64| read_cycle_fixed(t, p.wrapping_sub(w)) - read_cycle_fixed(t, p);
        if !self.width.is_moving() && io.modulation_of(2).is_none() {
            let w = phase_of(self.width.current.clamp(0.01, 0.99));
            self.core
                .run(io, self.tables, None, |t, p, _| pulse(t, p, w));
        } else {
            self.core
                .run(io, self.tables, Some((&mut self.width, 2)), |t, p, w| {
                    pulse(t, p, phase_of(w.clamp(0.01, 0.99)))
                });
        }
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Square>(old) {
            self.core.carry_from(&o.core);
            self.width.carry_from(&o.width);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
