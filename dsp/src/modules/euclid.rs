//! `euclid`: Euclidean rhythm, `k` hits spread as evenly as possible over
//! `n` steps (Bjorklund's algorithm, as tabled by Toussaint: (3,8) is
//! `x..x..x.`), rotated left by `rotation` steps. Steps like `seq`: `div`
//! a beat on the transport, or one per rising edge on `clock`.

use super::steps::Stepper;
use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Most steps in a pattern.
pub const MAX_STEPS: usize = 64;

/// Metadata of `euclid`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "euclid",
    aliases: &["euclidean"],
    description: "Euclidean rhythm: k hits over n steps, rotated left by rotation; out = gate \
                  on hit steps (open gatelen of a step), step = step index from 0",
    inputs: &[PortSpec::new("clock"), PortSpec::new("reset")],
    outputs: &[PortSpec::aliased("out", &["gate"]), PortSpec::new("step")],
    params: &[
        ParamSpec::new("k", 0.0, MAX_STEPS as f32, 3.0, "hits", 0.0)
            .with_aliases(&["hits", "fill"]),
        ParamSpec::new("n", 1.0, MAX_STEPS as f32, 8.0, "steps", 0.0)
            .with_aliases(&["steps", "length"]),
        ParamSpec::new("rotation", 0.0, (MAX_STEPS - 1) as f32, 0.0, "steps", 0.0)
            .with_aliases(&["rotate"]),
        ParamSpec::new("div", 0.0625, 64.0, 4.0, "/beat", 0.0).with_aliases(&["rate"]),
        ParamSpec::new("gatelen", 0.01, 0.95, 0.5, "", 0.0).with_aliases(&["gate_length"]),
        ParamSpec::new("swing", 0.0, 0.9, 0.0, "", 0.0),
    ],
    gate: false,
};

/// The `euclid` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |_| Box::new(Euclid::new()),
};

/// The Euclidean pattern of `k` hits over `n` steps (bit `i` = step `i`),
/// by Bjorklund's grouping: pair the leading groups with the remainder
/// groups until at most one remainder group is left. Allocation-free.
pub fn pattern(k: usize, n: usize) -> u64 {
    let n = n.clamp(1, MAX_STEPS);
    let k = k.min(n);
    // Groups as (bits, length); the first `head` are leading, the next `tail` remainder.
    let mut groups = [(0u64, 0u32); MAX_STEPS];
    for (i, g) in groups.iter_mut().enumerate().take(n) {
        *g = ((i < k) as u64, 1);
    }
    let (mut head, mut tail) = (k, n - k);
    while tail > 1 && head > 0 {
        let m = head.min(tail);
        for i in 0..m {
            let (b, l) = groups[head + i];
            groups[i].0 |= b << groups[i].1;
            groups[i].1 += l;
        }
        // Leftovers: the unpaired leading groups, or the unpaired remainder ones.
        let left = if head > m {
            m..head
        } else {
            head + m..head + tail
        };
        let count = left.len();
        for j in 0..count {
            groups[m + j] = groups[left.start + j];
        }
        (head, tail) = (m, count);
    }
    let mut bits = 0u64;
    let mut at = 0;
    for g in groups.iter().take(head + tail) {
        bits |= g.0 << at;
        at += g.1;
    }
    bits
}

/// Euclidean rhythm state.
pub struct Euclid {
    stepper: Stepper,
    k: usize,
    n: usize,
    rotation: usize,
    bits: u64,
}

impl Euclid {
    /// (3, 8), four steps a beat.
    pub fn new() -> Self {
        Euclid {
            stepper: Stepper::new(),
            k: 3,
            n: 8,
            rotation: 0,
            bits: pattern(3, 8),
        }
    }

    /// True when step count `c` is a hit.
    pub fn hit(&self, c: i64) -> bool {
        let n = self.n as i64;
        let i = (c + self.rotation as i64).rem_euclid(n);
        self.bits >> i & 1 == 1
    }
}

impl Default for Euclid {
    fn default() -> Self {
        Self::new()
    }
}

impl Module for Euclid {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.k = value as usize,
            1 => self.n = (value as usize).clamp(1, MAX_STEPS),
            2 => self.rotation = value as usize,
            3 => self.stepper.grid.per_beat = value as f64,
            4 => self.stepper.gatelen = value as f64,
            _ => self.stepper.grid.swing = value as f64,
        }
        self.bits = pattern(self.k, self.n);
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let t = *io.time;
        let clock = io.input_connected[0].then(|| &io.inputs[0][..n]);
        let reset = io.input_connected[1].then(|| &io.inputs[1][..n]);
        let [out, step] = &mut io.outputs[..2] else {
            return;
        };
        let mut stepper = self.stepper;
        let me = &*self;
        let len = me.n as i64;
        stepper.run(&t, n, clock, reset, |i, at| {
            let on = at.k >= 0 && at.open && me.hit(at.k);
            out[i] = if on { 1.0 } else { 0.0 };
            step[i] = at.k.max(0).rem_euclid(len) as f32;
        });
        self.stepper = stepper;
    }

    fn reset(&mut self) {
        self.stepper.reset();
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Euclid>(old) {
            self.stepper.carry_from(&o.stepper);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::pattern;

    fn text(k: usize, n: usize) -> String {
        let b = pattern(k, n);
        (0..n)
            .map(|i| if b >> i & 1 == 1 { 'x' } else { '.' })
            .collect()
    }

    #[test]
    fn small_cases() {
        assert_eq!(text(0, 4), "....");
        assert_eq!(text(4, 4), "xxxx");
        assert_eq!(text(1, 4), "x...");
        assert_eq!(text(2, 5), "x.x..");
    }
}
