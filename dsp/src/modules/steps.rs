//! What `seq` and `euclid` share: which step each frame belongs to, driven
//! by the transport (own division) or by pulses on a `clock` input.

use crate::time::{Edge, Grid, Time};

/// A step in progress at one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Step count: the grid's tick index, or clock pulses counted from 0.
    pub k: i64,
    /// True while the step's gate window is open (and time runs).
    pub open: bool,
}

/// Steps on the transport grid (`div` steps a beat) or, when the `clock`
/// input is connected, one step per rising edge there (`reset` makes the
/// next edge the first step again).
#[derive(Debug, Clone, Copy)]
pub struct Stepper {
    /// Own division (and swing) when no clock is connected.
    pub grid: Grid,
    /// Fraction of a step the gate stays open.
    pub gatelen: f64,
    clock: Edge,
    reset: Edge,
    /// Last step counted from the clock input (-1: none yet).
    k: i64,
    /// Frames since the last clock edge.
    since: i64,
    /// Frames between the last two clock edges.
    interval: i64,
}

impl Stepper {
    /// Four steps a beat, gates half a step long.
    pub fn new() -> Self {
        Stepper {
            grid: Grid::new(4.0),
            gatelen: 0.5,
            clock: Edge::default(),
            reset: Edge::default(),
            k: -1,
            since: i64::MAX / 2,
            interval: 0,
        }
    }

    /// Calls `f(frame index, step)` for each of `n` frames. `clock` and
    /// `reset` are the inputs when connected.
    pub fn run(
        &mut self,
        t: &Time,
        n: usize,
        clock: Option<&[f32]>,
        reset: Option<&[f32]>,
        mut f: impl FnMut(usize, At),
    ) {
        if let Some(clock) = clock {
            if self.interval == 0 {
                self.interval = (t.frames_per_beat() / self.grid.per_beat).round() as i64;
            }
            for (i, &x) in clock.iter().enumerate().take(n) {
                if reset.is_some_and(|r| self.reset.rising(r[i])) {
                    self.k = -1;
                }
                if self.clock.rising(x) {
                    if self.since < i64::MAX / 4 {
                        self.interval = self.since.max(1);
                    }
                    self.k += 1;
                    self.since = 0;
                }
                let open = self.k >= 0 && (self.since as f64) < self.gatelen * self.interval as f64;
                f(i, At { k: self.k, open });
                self.since = self.since.saturating_add(1);
            }
            return;
        }
        let mut c = self.grid.cursor(t, t.frame);
        if !t.rolling {
            for i in 0..n {
                f(
                    i,
                    At {
                        k: c.k,
                        open: false,
                    },
                );
            }
            return;
        }
        for i in 0..n {
            let frame = t.frame + i as u64;
            c.step(&self.grid, t, frame);
            let open = ((frame as i64 - c.start) as f64) < self.gatelen * c.len() as f64;
            f(i, At { k: c.k, open });
        }
    }

    /// Takes over the clock-input count from `old`.
    pub fn carry_from(&mut self, old: &Stepper) {
        self.clock = old.clock;
        self.reset = old.reset;
        self.k = old.k;
        self.since = old.since;
        self.interval = old.interval;
    }

    /// Forgets the clock-input count.
    pub fn reset(&mut self) {
        let grid = self.grid;
        let gatelen = self.gatelen;
        *self = Stepper::new();
        self.grid = grid;
        self.gatelen = gatelen;
    }
}

impl Default for Stepper {
    fn default() -> Self {
        Self::new()
    }
}
