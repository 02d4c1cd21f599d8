//! `clockdiv`: divides and multiplies a pulse train.
//!
//! Every `div`-th rising edge of `in` (the first one included) starts an
//! output cycle of `mult` pulses spread evenly over `div` input intervals
//! (the interval measured between the last two input edges). Each output
//! pulse is high for half its spacing. Until an interval has been measured,
//! the output follows the input pulse.

use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::time::Edge;

crate::module_type! {
    name: "clockdiv" | "divider",
    description: "clock divider/multiplier: mult pulses for every div pulses on `in`",
    inputs: [IN = "in" | "clock"],
    outputs: [OUT = "out"],
    params: [
        DIV = ParamSpec::new("div", 1.0, 64.0, 2.0, "", 0.0),
        MULT = ParamSpec::new("mult", 1.0, 16.0, 1.0, "", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(ClockDiv::new(cx.sample_rate)),
}

/// Divider state.
#[derive(Clone, Copy)]
pub struct ClockDiv {
    p: Params<{ param::COUNT }>,
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
    /// A divider at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        let mut d = ClockDiv::idle(Params::new(SPEC.params, sample_rate));
        for i in 0..param::COUNT {
            d.param_changed(i);
        }
        d
    }

    /// A divider with parameters `p` that has seen no input yet (dividing
    /// and multiplying by 1 until told its parameters).
    fn idle(p: Params<{ param::COUNT }>) -> Self {
        ClockDiv {
            p,
            div: 1,
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

impl Module for ClockDiv {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn param_changed(&mut self, index: usize) {
        let v = (self.p.value(index) as u64).max(1);
        match index {
            param::DIV => self.div = v,
            param::MULT => self.mult = v,
            _ => {}
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let x = &io.inputs[input::IN][..n];
        for (y, &x) in io.outputs[output::OUT][..n].iter_mut().zip(x) {
            *y = self.tick(x);
        }
    }

    fn reset(&mut self) {
        *self = ClockDiv {
            div: self.div,
            mult: self.mult,
            ..ClockDiv::idle(self.p)
        };
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<ClockDiv>(old) {
            let (p, div, mult) = (self.p, self.div, self.mult);
            *self = *o;
            self.p = p;
            self.div = div;
            self.mult = mult;
        }
    }
}
