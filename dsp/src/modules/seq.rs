//! `seq`: step sequencer of up to 64 steps, each with a value, a gate and a
//! probability.
//!
//! Without a `clock` input it steps `div` times a beat on the transport
//! grid: step `k` starts on the exact (rounded) frame of beat `k / div`, and
//! which step plays is a function of the transport position, so a relocation
//! jumps to the matching step and a stopped transport holds the value with
//! the gate closed. With a `clock` input it advances on each rising edge
//! there instead (and `reset` makes the next edge step 1); it then counts
//! pulses, so a relocation does not realign it. A step's value and
//! gate change on the step's first frame. Probability and the `random`
//! direction draw from a hash of the module id and the step count, so they
//! repeat identically live, offline and after a relocation.

use super::steps::Stepper;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::time::{chance, hash};

/// Most steps.
pub const MAX_STEPS: usize = 64;

/// Parameters before the per-step ones (`length`, `div`, `direction`,
/// `gatelen`, `swing`, at these indices), then `v1..v64`, `g1..g64`, `p1..p64`.
const FIXED: usize = 5;
const LENGTH: usize = 0;
const DIV: usize = 1;
const DIRECTION: usize = 2;
const GATELEN: usize = 3;
const SWING: usize = 4;
/// Number of parameters.
const COUNT: usize = FIXED + 3 * MAX_STEPS;

macro_rules! seq_params {
    ($($n:literal)*) => {
        &[
            ParamSpec::new("length", 1.0, MAX_STEPS as f32, 16.0, "steps", 0.0)
                .with_aliases(&["steps"]),
            ParamSpec::new("div", 0.0625, 64.0, 4.0, "/beat", 0.0).with_aliases(&["rate"]),
            ParamSpec::choice("direction", &["forward", "backward", "pingpong", "random"], 0)
                .with_aliases(&["dir"]),
            ParamSpec::new("gatelen", 0.01, 0.95, 0.5, "", 0.0).with_aliases(&["gate_length"]),
            ParamSpec::new("swing", 0.0, 0.9, 0.0, "", 0.0),
            $(ParamSpec::new(concat!("v", $n), -20000.0, 20000.0, 0.0, "", 0.0),)*
            $(ParamSpec::new(concat!("g", $n), 0.0, 1.0, 1.0, "", 0.0),)*
            $(ParamSpec::new(concat!("p", $n), 0.0, 1.0, 1.0, "", 0.0),)*
        ]
    };
}

/// Metadata of `seq`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "seq",
    aliases: &["sequencer"],
    description: "step sequencer: vN = value, gN = gate on/off, pN = probability of step N \
                  (N = 1..64); steps div times a beat on the transport, or on each clock pulse; \
                  out = value, gate = gate (open gatelen of a step), step = step index from 0",
    inputs: &[PortSpec::new("clock"), PortSpec::new("reset")],
    outputs: &[
        PortSpec::aliased("out", &["value", "cv"]),
        PortSpec::new("gate"),
        PortSpec::new("step"),
    ],
    params: seq_params!(
        1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
        33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61
        62 63 64
    ),
    gate: false,
    buffer: false,
};

/// The `seq` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |cx| Box::new(Seq::new(cx.sample_rate)),
};

/// Sequencer state.
pub struct Seq {
    p: Params<COUNT>,
    stepper: Stepper,
    length: usize,
    direction: usize,
    value: [f32; MAX_STEPS],
    gate: [bool; MAX_STEPS],
    prob: [f32; MAX_STEPS],
    seed: u64,
}

impl Seq {
    /// A sequencer at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        let mut s = Seq {
            p: Params::new(SPEC.params, sample_rate),
            stepper: Stepper::new(),
            length: 16,
            direction: 0,
            value: [0.0; MAX_STEPS],
            gate: [true; MAX_STEPS],
            prob: [1.0; MAX_STEPS],
            seed: 0,
        };
        for i in 0..COUNT {
            s.param_changed(i);
        }
        s
    }

    /// The step (from 0) that step count `k` plays.
    pub fn index(&self, k: i64) -> usize {
        let len = self.length.max(1) as i64;
        let i = match self.direction {
            1 => len - 1 - k.rem_euclid(len),
            2 if len > 1 => {
                let m = k.rem_euclid(2 * len - 2);
                if m < len {
                    m
                } else {
                    2 * len - 2 - m
                }
            }
            3 => (hash(self.seed ^ 0x5eed, k) % len as u64) as i64,
            _ => k.rem_euclid(len),
        };
        i as usize
    }
}

impl Module for Seq {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn param_changed(&mut self, index: usize) {
        let value = self.p.value(index);
        match index {
            LENGTH => self.length = (value as usize).clamp(1, MAX_STEPS),
            DIV => self.stepper.grid.per_beat = value as f64,
            DIRECTION => self.direction = value as usize,
            GATELEN => self.stepper.gatelen = value as f64,
            SWING => self.stepper.grid.swing = value as f64,
            i if i < FIXED + MAX_STEPS => self.value[i - FIXED] = value,
            i if i < FIXED + 2 * MAX_STEPS => self.gate[i - FIXED - MAX_STEPS] = value > 0.5,
            i if i < FIXED + 3 * MAX_STEPS => self.prob[i - FIXED - 2 * MAX_STEPS] = value,
            _ => {}
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let t = *io.time;
        let clock = io.input_connected[0].then(|| &io.inputs[0][..n]);
        let reset = io.input_connected[1].then(|| &io.inputs[1][..n]);
        let [out, gate, step] = &mut io.outputs[..3] else {
            return;
        };
        let mut stepper = self.stepper;
        let me = &*self;
        stepper.run(&t, n, clock, reset, |i, at| {
            if at.k < 0 {
                out[i] = me.value[0];
                gate[i] = 0.0;
                step[i] = 0.0;
                return;
            }
            let s = me.index(at.k);
            out[i] = me.value[s];
            let on = at.open && me.gate[s] && chance(me.seed, at.k) < me.prob[s];
            gate[i] = if on { 1.0 } else { 0.0 };
            step[i] = s as f32;
        });
        self.stepper = stepper;
    }

    fn reset(&mut self) {
        self.stepper.reset();
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Seq>(old) {
            self.stepper.carry_from(&o.stepper);
        }
    }
}
