//! `mixer`: eight inputs with their own gains, summed, times a master gain.

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};

/// Number of mixer inputs.
const N: usize = 8;

crate::module_type! {
    name: "mixer" | "mix",
    description: "8-input mixer: out = gain * sum(gainN * inN)",
    inputs: [
        IN1 = "in1" | "in",
        IN2 = "in2",
        IN3 = "in3",
        IN4 = "in4",
        IN5 = "in5",
        IN6 = "in6",
        IN7 = "in7",
        IN8 = "in8",
    ],
    outputs: [OUT = "out"],
    params: [
        GAIN1 = shared::LEVEL.named("gain1"),
        GAIN2 = shared::LEVEL.named("gain2"),
        GAIN3 = shared::LEVEL.named("gain3"),
        GAIN4 = shared::LEVEL.named("gain4"),
        GAIN5 = shared::LEVEL.named("gain5"),
        GAIN6 = shared::LEVEL.named("gain6"),
        GAIN7 = shared::LEVEL.named("gain7"),
        GAIN8 = shared::LEVEL.named("gain8"),
        GAIN = shared::LEVEL.with_aliases(&["master", "level"]),
    ],
    gate: false,
    build: |cx| Box::new(Mixer::new(cx.sample_rate)),
}

// Input k's gain is parameter GAIN1 + k; the master gain comes last.
const _: () = assert!(param::GAIN1 == 0 && param::GAIN8 == N - 1 && param::GAIN == N);
const _: () = assert!(input::IN1 == 0 && input::COUNT == N);

/// Mixer state: the nine smoothed gains.
pub struct Mixer {
    gains: Params<{ param::COUNT }>,
}

impl Mixer {
    /// A mixer at the parameter defaults (every gain 1).
    pub fn new(sample_rate: f32) -> Self {
        Mixer {
            gains: Params::new(SPEC.params, sample_rate),
        }
    }
}

/// `out = (0 + xs[0]·gs[0] + … + xs[K-1]·gs[K-1]) · master`, summed in
/// that order, for the first `K` inputs (each at least `out.len()` long).
#[inline(always)]
fn mix_static<const K: usize>(xs: &[&[f32]; N], gs: &[f32; N], master: f32, out: &mut [f32]) {
    let n = out.len();
    let xs: [&[f32]; K] = std::array::from_fn(|k| &xs[k][..n]);
    if master == 1.0 && gs[..K].iter().all(|&g| g == 1.0) {
        // Unity gains (the defaults): x·1 is x, so the same sums without
        // the products.
        for (i, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for x in &xs {
                acc += x[i];
            }
            *o = acc;
        }
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        let mut acc = 0.0;
        for k in 0..K {
            acc += xs[k][i] * gs[k];
        }
        *o = acc * master;
    }
}

impl Module for Mixer {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.gains.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let mods: [Option<&[f32]>; N + 1] = std::array::from_fn(|j| io.modulation_of(j));
        let (inputs, connected) = (io.inputs, io.input_connected);
        let out = &mut io.outputs[output::OUT][..n];
        if mods.iter().all(|m| m.is_none()) && self.gains.0.iter().all(|g| !g.is_moving()) {
            // No gain moves during this call: one pass over the connected
            // inputs (same sums, in the same order, as the loop below).
            let mut xs: [&[f32]; N] = [&[]; N];
            let mut gs = [0.0; N];
            let mut k = 0;
            for j in 0..N {
                if connected[j] {
                    xs[k] = &inputs[j][..n];
                    gs[k] = self.gains[j].current;
                    k += 1;
                }
            }
            let master = self.gains[param::GAIN].current;
            match k {
                0 => mix_static::<0>(&xs, &gs, master, out),
                1 => mix_static::<1>(&xs, &gs, master, out),
                2 => mix_static::<2>(&xs, &gs, master, out),
                3 => mix_static::<3>(&xs, &gs, master, out),
                4 => mix_static::<4>(&xs, &gs, master, out),
                5 => mix_static::<5>(&xs, &gs, master, out),
                6 => mix_static::<6>(&xs, &gs, master, out),
                7 => mix_static::<7>(&xs, &gs, master, out),
                _ => mix_static::<8>(&xs, &gs, master, out),
            }
            return;
        }
        out.fill(0.0);
        // Each gain advances one step per sample whether or not its input is
        // connected, so results never depend on how blocks are split.
        for (j, g) in self.gains.0.iter_mut().enumerate() {
            let m = mods[j];
            let x = if j < N {
                connected[j].then(|| &inputs[j][..n])
            } else {
                None
            };
            let master = j == N;
            if !g.is_moving() && m.is_none() {
                let gv = g.current;
                if master {
                    out.iter_mut().for_each(|o| *o *= gv);
                } else if let Some(x) = x {
                    for (o, x) in out.iter_mut().zip(x) {
                        *o += x * gv;
                    }
                }
                continue;
            }
            for i in 0..n {
                let gv = g.next() + m.map_or(0.0, |m| m[i]);
                if master {
                    out[i] *= gv;
                } else if let Some(x) = x {
                    out[i] += x[i] * gv;
                }
            }
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Mixer>(old) {
            self.gains.carry_from(&o.gains);
        }
    }
}
