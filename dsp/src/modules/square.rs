//! `square`: band-limited pulse, the difference of two band-limited saws
//! offset by the pulse width (so it is alias-free exactly like `saw`).

use super::osc::{OscCore, OscParams};
use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::{phase_of, read_cycle_fixed, saw_tables, BandTables};

crate::module_type! {
    name: "square" | "pulse",
    description: "band-limited pulse oscillator; width is the high fraction of \
                  the cycle; DC-free: levels 2-2*width and -2*width (±1 at width 0.5)",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ,
        GAIN = shared::GAIN,
        WIDTH = ParamSpec::new("width", 0.01, 0.99, 0.5, "", 5.0).with_aliases(&["pw", "duty"]),
    ],
    gate: false,
    build: |cx| Box::new(Square::new(cx.sample_rate)),
}

/// Pulse oscillator state.
pub struct Square {
    p: Params<{ param::COUNT }>,
    core: OscCore,
    tables: &'static BandTables,
}

impl Square {
    /// A square at the parameter defaults (builds the shared tables if needed).
    pub fn new(sample_rate: f32) -> Self {
        Square {
            p: Params::new(SPEC.params, sample_rate),
            core: OscCore::new(sample_rate),
            tables: saw_tables(),
        }
    }
}

impl Module for Square {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        // saw(p - w) - saw(p): 2 - 2w while p < w, -2w after.
        let pulse =
            |t: &_, p: u64, w: u64| read_cycle_fixed(t, p.wrapping_sub(w)) - read_cycle_fixed(t, p);
        let mut osc = OscParams {
            freq: param::FREQ,
            gain: param::GAIN,
            extra: None,
        };
        if !self.p[param::WIDTH].is_moving() && io.modulation_of(param::WIDTH).is_none() {
            let w = phase_of(self.p.value(param::WIDTH).clamp(0.01, 0.99));
            self.core
                .run(io, &mut self.p.0, osc, self.tables, |t, p, _| {
                    pulse(t, p, w)
                });
        } else {
            osc.extra = Some(param::WIDTH);
            self.core
                .run(io, &mut self.p.0, osc, self.tables, |t, p, w| {
                    pulse(t, p, phase_of(w.clamp(0.01, 0.99)))
                });
        }
    }

    fn reset(&mut self) {
        self.core.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Square>(old) {
            self.core.phase = o.core.phase;
            self.p.carry_from(&o.p);
        }
    }
}
