//! `clockdiv`: divides and multiplies a pulse train.
//!
//! Every `div`-th rising edge of `in` (the first one included) starts an
//! output cycle of `mult` pulses spread evenly over `div` input intervals
//! (the interval measured between the last two input edges). Each output
//! pulse is high for half its spacing. Until an interval has been measured,
//! the output follows the input pulse.

use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::time::Edge;
use std::any::Any;

/// Metadata of `clockdiv`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "clockdiv",
    aliases: &["divider"],
    description: "clock divider/multiplier: mult pulses for every div pulses on `in`",
    inputs: &[PortSpec::aliased("in", &["clock"])],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("div", 1.0, 64.0, 2.0, "", 0.0),
        ParamSpec::new("mult", 1.0, 16.0, 1.0, "", 0.0),
    ],
    gate: false,
};

/// The `clockdiv` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |_| Box::new(ClockDiv::new()),
};

/// Divider state.
#[derive(Clone, Copy)]
pub struct ClockDiv {
    div: u64,
    mult: u64,
    edge: Edge,
    /// Input edges seen.
    count: u64,
    /// Frames since the last input edge (`None` before the first).
    since: Option<u64>,
    /// Frames between the last two input edges.
    interval: Option<u64>,
    /// Output pulses left in this cycle, frames to the next, its spacing.
    left: u64,
    next_in: u64,
    spacing: u64,
    /// Frames the output stays high.
    high: u64,
    /// Following the input (no interval measured when the cycle began).
    follow: bool,
}

impl ClockDiv {
    /// Divide by 2.
    pub fn new() -> Self {
        ClockDiv {
            div: 2,
            mult: 1,
            edge: Edge::default(),
            count: 0,
            since: None,
            interval: None,
            left: 0,
            next_in: 0,
            spacing: 0,
            high: 0,
            follow: false,
        }
    }

    /// One input sample in, one output sample out.
    #[inline]
    fn tick(&mut self, x: f32) -> f32 {
        if self.edge.rising(x) {
            if let Some(s) = self.since {
                self.interval = Some(s.max(1));
            }
            self.since = Some(0);
            if self.count.is_multiple_of(self.div) {
                match self.interval {
                    Some(iv) => {
                        self.spacing = (iv * self.div / self.mult).max(1);
                        self.left = self.mult;
                        self.next_in = 0;
                        self.follow = false;
                    }
                    None => self.follow = true,
                }
            } else {
                self.follow = false;
            }
            self.count += 1;
        }
        if self.left > 0 && self.next_in == 0 {
            self.high = (self.spacing / 2).max(1);
            self.left -= 1;
            self.next_in = self.spacing;
        }
        let y = if self.high > 0 || (self.follow && x > 0.5) {
            1.0
        } else {
            0.0
        };
        self.high = self.high.saturating_sub(1);
        self.next_in = self.next_in.saturating_sub(1);
        self.since = self.since.map(|s| s.saturating_add(1));
        y
    }
}

impl Default for ClockDiv {
    fn default() -> Self {
        Self::new()
    }
}

impl Module for ClockDiv {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.div = (value as u64).max(1),
            _ => self.mult = (value as u64).max(1),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let x = &io.inputs[0][..n];
        for (y, &x) in io.outputs[0][..n].iter_mut().zip(x) {
            *y = self.tick(x);
        }
    }

    fn reset(&mut self) {
        let (div, mult) = (self.div, self.mult);
        *self = ClockDiv::new();
        self.div = div;
        self.mult = mult;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<ClockDiv>(old) {
            let (div, mult) = (self.div, self.mult);
            *self = *o;
            self.div = div;
            self.mult = mult;
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
