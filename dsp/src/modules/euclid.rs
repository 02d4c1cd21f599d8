//! `euclid`: Euclidean rhythm, `k` hits spread as evenly as possible over
//! `n` steps (Bjorklund's algorithm, as tabled by Toussaint: (3,8) is
//! `x..x..x.`), rotated left by `rotation` steps. Steps like `seq`: `div`
//! a beat on the transport, or one per rising edge on `clock`.

use super::steps::Stepper;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;

/// Most steps in a pattern.
pub const MAX_STEPS: usize = 64;

crate::module_type! {
    name: "euclid" | "euclidean",
    description: "Euclidean rhythm: k hits over n steps, rotated left by rotation; out = gate \
                  on hit steps (open gatelen of a step), step = step index from 0",
    inputs: [CLOCK = "clock", RESET = "reset"],
    outputs: [OUT = "out" | "gate", STEP = "step"],
    params: [
        K = ParamSpec::new("k", 0.0, MAX_STEPS as f32, 3.0, "hits", 0.0)
            .with_aliases(&["hits", "fill"]),
        N = ParamSpec::new("n", 1.0, MAX_STEPS as f32, 8.0, "steps", 0.0)
            .with_aliases(&["steps", "length"]),
        ROTATION = ParamSpec::new("rotation", 0.0, (MAX_STEPS - 1) as f32, 0.0, "steps", 0.0)
            .with_aliases(&["rotate"]),
        DIV = ParamSpec::new("div", 0.0625, 64.0, 4.0, "/beat", 0.0).with_aliases(&["rate"]),
        GATELEN = ParamSpec::new("gatelen", 0.01, 0.95, 0.5, "", 0.0).with_aliases(&["gate_length"]),
        SWING = ParamSpec::new("swing", 0.0, 0.9, 0.0, "", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(Euclid::new(cx.sample_rate)),
}

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
    p: Params<{ param::COUNT }>,
    stepper: Stepper,
    k: usize,
    n: usize,
    rotation: usize,
    bits: u64,
}

impl Euclid {
    /// A pattern at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        let mut e = Euclid {
            p: Params::new(SPEC.params, sample_rate),
            stepper: Stepper::new(),
            k: 0,
            n: 1,
            rotation: 0,
            bits: 0,
        };
        for i in 0..param::COUNT {
            e.param_changed(i);
        }
        e
    }

    /// True when step count `c` is a hit.
    pub fn hit(&self, c: i64) -> bool {
        let n = self.n as i64;
        let i = (c + self.rotation as i64).rem_euclid(n);
        self.bits >> i & 1 == 1
    }
}

impl Module for Euclid {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn param_changed(&mut self, index: usize) {
        let value = self.p.value(index);
        match index {
            param::K => self.k = value as usize,
            param::N => self.n = (value as usize).clamp(1, MAX_STEPS),
            param::ROTATION => self.rotation = value as usize,
            param::DIV => self.stepper.grid.per_beat = value as f64,
            param::GATELEN => self.stepper.gatelen = value as f64,
            param::SWING => self.stepper.grid.swing = value as f64,
            _ => {}
        }
        self.bits = pattern(self.k, self.n);
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let t = *io.time;
        let clock = io.input_connected[input::CLOCK].then(|| &io.inputs[input::CLOCK][..n]);
        let reset = io.input_connected[input::RESET].then(|| &io.inputs[input::RESET][..n]);
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
