//! `clock`: pulses locked to the transport, plus beat and bar phase ramps.
//!
//! Pulse `k` rises on the frame nearest to beat `(k + swing·[k odd]) / div +
//! offset` (the exact frame of the tempo, rounded), so pulses never drift
//! however long it runs. Everything is computed from the transport position
//! of each frame: a relocation makes the clock jump, a stopped transport
//! holds the ramps and keeps the pulse low.

use crate::module::{Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::time::{Cursor, Grid};

crate::module_type! {
    name: "clock",
    description: "transport-locked clock: out = pulse every 1/div beat (high for `width` of \
                  it), beat and bar = phase ramps 0..1; silent while the transport is stopped",
    inputs: [],
    outputs: [OUT = "out" | "pulse", BEAT = "beat", BAR = "bar"],
    params: [
        DIV = ParamSpec::new("div", 0.0625, 64.0, 1.0, "/beat", 0.0).with_aliases(&["rate"]),
        SWING = ParamSpec::new("swing", 0.0, 0.9, 0.0, "", 0.0),
        OFFSET = ParamSpec::new("offset", -64.0, 64.0, 0.0, "beats", 0.0),
        WIDTH = ParamSpec::new("width", 0.0, 1.0, 0.5, "", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(Clock::new(cx.sample_rate)),
}

/// Clock state: only its parameters (its output is a function of time).
pub struct Clock {
    p: Params<{ param::COUNT }>,
    grid: Grid,
}

impl Clock {
    /// A clock at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        let mut c = Clock {
            p: Params::new(SPEC.params, sample_rate),
            grid: Grid::new(1.0),
        };
        for i in 0..param::COUNT {
            c.param_changed(i);
        }
        c
    }
}

/// Fractional part in `[0, 1)`.
#[inline]
fn frac(x: f64) -> f32 {
    (x - x.floor()) as f32
}

impl Module for Clock {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn param_changed(&mut self, index: usize) {
        let v = self.p.value(index) as f64;
        match index {
            param::DIV => self.grid.per_beat = v,
            param::SWING => self.grid.swing = v,
            param::OFFSET => self.grid.offset = v,
            _ => {}
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let t = *io.time;
        let [out, beat, bar] = &mut io.outputs[..3] else {
            return;
        };
        if !t.rolling {
            let b = t.beat();
            out[..n].fill(0.0);
            beat[..n].fill(frac(b));
            bar[..n].fill(frac(b / t.beats_per_bar));
            return;
        }
        let mut c: Cursor = self.grid.cursor(&t, t.frame);
        for i in 0..n {
            let f = t.frame + i as u64;
            c.step(&self.grid, &t, f);
            let width = self.p.value(param::WIDTH) as f64;
            let high = ((c.len() as f64 * width).round() as i64).max(1);
            out[i] = if (f as i64 - c.start) < high {
                1.0
            } else {
                0.0
            };
            let b = t.beat_at(f);
            beat[i] = frac(b);
            bar[i] = frac(b / t.beats_per_bar);
        }
    }

    fn reset(&mut self) {}

    /// Nothing runs on: the output is a function of the transport position.
    fn carry_from(&mut self, _old: &dyn Module) {}
}
