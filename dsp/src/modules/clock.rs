//! `clock`: pulses locked to the transport, plus beat and bar phase ramps.
//!
//! Pulse `k` rises on the frame nearest to beat `(k + swing·[k odd]) / div +
//! offset` (the exact frame of the tempo, rounded), so pulses never drift
//! however long it runs. Everything is computed from the transport position
//! of each frame: a relocation makes the clock jump, a stopped transport
//! holds the ramps and keeps the pulse low.

use crate::module::{Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::time::{Cursor, Grid};
use std::any::Any;

/// Metadata of `clock`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "clock",
    aliases: &[],
    description: "transport-locked clock: out = pulse every 1/div beat (high for `width` of \
                  it), beat and bar = phase ramps 0..1; silent while the transport is stopped",
    inputs: &[],
    outputs: &[
        PortSpec::aliased("out", &["pulse"]),
        PortSpec::new("beat"),
        PortSpec::new("bar"),
    ],
    params: &[
        ParamSpec::new("div", 0.0625, 64.0, 1.0, "/beat", 0.0).with_aliases(&["rate"]),
        ParamSpec::new("swing", 0.0, 0.9, 0.0, "", 0.0),
        ParamSpec::new("offset", -64.0, 64.0, 0.0, "beats", 0.0),
        ParamSpec::new("width", 0.0, 1.0, 0.5, "", 0.0),
    ],
    gate: false,
};

/// The `clock` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |_| Box::new(Clock::new()),
};

/// Clock state: only its parameters (its output is a function of time).
pub struct Clock {
    grid: Grid,
    width: f64,
}

impl Clock {
    /// One pulse a beat, half a beat wide.
    pub fn new() -> Self {
        Clock {
            grid: Grid::new(1.0),
            width: 0.5,
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Fractional part in `[0, 1)`.
#[inline]
fn frac(x: f64) -> f32 {
    (x - x.floor()) as f32
}

impl Module for Clock {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        let v = value as f64;
        match index {
            0 => self.grid.per_beat = v,
            1 => self.grid.swing = v,
            2 => self.grid.offset = v,
            _ => self.width = v,
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
            let high = ((c.len() as f64 * self.width).round() as i64).max(1);
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}
