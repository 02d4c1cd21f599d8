//! `lfo`: low-frequency oscillator for modulation: `offset + depth·wave`.

use super::noise::XorShift;
use super::osc::ZERO;
use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::{phase_inc, sin_fixed, sin_fixed_in, sin_table_ref};
use std::any::Any;

/// Metadata of `lfo`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "lfo",
    aliases: &[],
    description: "low-frequency oscillator, out = offset + depth*wave (wave in -1..1; \
                  sh = a new random value every cycle); sync=1/4, 3/16... locks one cycle to \
                  that note value on the transport instead of rate",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("rate", 0.01, 100.0, 1.0, "Hz", 5.0).with_aliases(&["freq", "frequency"]),
        ParamSpec::new("depth", -20000.0, 20000.0, 1.0, "", 5.0).with_aliases(&["amount"]),
        ParamSpec::new("offset", -20000.0, 20000.0, 0.0, "", 5.0),
        ParamSpec::choice(
            "shape",
            &["sine", "triangle", "square", "saw", "sh", "sample_and_hold"],
            0,
        )
        .with_aliases(&["wave", "waveform"]),
        ParamSpec::choice("sync", crate::time::SYNC_CHOICES, 0),
    ],
    gate: false,
};

/// The `lfo` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Lfo::new(sr)),
};

/// LFO state.
pub struct Lfo {
    inv_sr: f64,
    /// Phase, `2^64` = one cycle.
    phase: u64,
    rate: Smoother,
    depth: Smoother,
    offset: Smoother,
    shape: usize,
    rng: XorShift,
    /// Current sample-and-hold value.
    held: f32,
    /// Cycle length in beats when tempo-synced.
    sync: Option<f64>,
}

impl Lfo {
    /// A 1 Hz sine LFO, depth 1, offset 0.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        let mut rng = XorShift::new_unique();
        let held = rng.next_bipolar();
        Lfo {
            inv_sr: 1.0 / sample_rate as f64,
            phase: 0,
            rate: Smoother::new(1.0, SPEC.params[0].smoothing_ms, sample_rate),
            depth: Smoother::new(1.0, SPEC.params[1].smoothing_ms, sample_rate),
            offset: Smoother::new(0.0, SPEC.params[2].smoothing_ms, sample_rate),
            shape: 0,
            rng,
            held,
            sync: None,
        }
    }
}

impl Lfo {
    /// Phase increment for rate `r` Hz.
    #[inline]
    fn inc(r: f32, inv_sr: f64) -> u64 {
        let mut c = (r as f64 * inv_sr).clamp(-0.5, 0.5);
        if c.is_nan() {
            c = 0.0;
        }
        phase_inc(c)
    }
}

/// The waveform, in `[-1, 1]`, at phase `p` for the non-random shapes.
#[inline]
fn wave(shape: usize, p: u64) -> f32 {
    // Phase as a fraction of a cycle, 24 bits.
    let x = (p >> 40) as f32 * (1.0 / 16_777_216.0);
    match shape {
        0 => sin_fixed(p),
        1 => {
            if x < 0.25 {
                4.0 * x
            } else if x < 0.75 {
                2.0 - 4.0 * x
            } else {
                4.0 * x - 4.0
            }
        }
        2 => {
            if x < 0.5 {
                1.0
            } else {
                -1.0
            }
        }
        _ => 2.0 * x - 1.0,
    }
}

impl Lfo {
    /// Tempo-synced: while the transport rolls, the phase is the transport
    /// position in cycles of `beats` (so it jumps with a relocation);
    /// stopped, it runs on at the tempo's rate.
    fn process_synced(&mut self, io: &mut ProcessIo, beats: f64) {
        let n = io.frames;
        let t = *io.time;
        let dm = io.modulation_of(1).unwrap_or(&ZERO[..n]);
        let om = io.modulation_of(2).unwrap_or(&ZERO[..n]);
        let inc = phase_inc((1.0 / (beats * t.frames_per_beat())).min(0.5));
        let out = &mut io.outputs[0][..n];
        for i in 0..n {
            let p = if t.rolling {
                let c = t.beat_at(t.frame + i as u64) / beats;
                ((c - c.floor()) * 4_294_967_296.0) as u64 * 4_294_967_296
            } else {
                self.phase.wrapping_add(inc)
            };
            if p < self.phase && self.shape >= 4 {
                self.held = self.rng.next_bipolar();
            }
            self.phase = p;
            let w = if self.shape >= 4 {
                self.held
            } else {
                wave(self.shape, p)
            };
            out[i] = self.offset.next() + om[i] + (self.depth.next() + dm[i]) * w;
        }
    }
}

impl Module for Lfo {
    fn seed(&mut self, seed: u64) {
        self.rng = super::noise::XorShift::from_seed(seed);
        self.held = self.rng.next_bipolar();
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.rate.set(value),
            1 => self.depth.set(value),
            2 => self.offset.set(value),
            3 => self.shape = value as usize,
            _ => self.sync = crate::time::sync_beats(value as usize),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.rate.jump(value),
            1 => self.depth.jump(value),
            2 => self.offset.jump(value),
            3 => self.shape = value as usize,
            _ => self.sync = crate::time::sync_beats(value as usize),
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        if let Some(beats) = self.sync {
            return self.process_synced(io, beats);
        }
        let n = io.frames;
        let rm = io.modulation_of(0).unwrap_or(&ZERO[..n]);
        let dm = io.modulation_of(1).unwrap_or(&ZERO[..n]);
        let om = io.modulation_of(2).unwrap_or(&ZERO[..n]);
        let out = &mut io.outputs[0][..n];
        let sh = self.shape >= 4;
        let still = !self.rate.is_moving()
            && !self.depth.is_moving()
            && !self.offset.is_moving()
            && !io.modulated.iter().take(3).any(|&m| m);
        if still {
            // Nothing moves during this call: hoist the parameters and the
            // increment (same arithmetic as the general loop below).
            let inc = Self::inc(self.rate.current, self.inv_sr);
            let (d, o) = (self.depth.current, self.offset.current);
            let back = (inc as i64) < 0;
            let mut p = self.phase;
            macro_rules! run {
                ($w:expr) => {
                    for y in out.iter_mut() {
                        *y = o + d * $w(p);
                        let (q, carry) = p.overflowing_add(inc);
                        if carry != back {
                            self.held = self.rng.next_bipolar();
                        }
                        p = q;
                    }
                };
            }
            if sh {
                for y in out.iter_mut() {
                    *y = o + d * self.held;
                    let (q, carry) = p.overflowing_add(inc);
                    if carry != back {
                        self.held = self.rng.next_bipolar();
                    }
                    p = q;
                }
            } else if self.shape == 0 {
                let t = sin_table_ref();
                run!(|p| sin_fixed_in(t, p));
            } else {
                let shape = self.shape;
                run!(|p| wave(shape, p));
            }
            self.phase = p;
            return;
        }
        let mut p = self.phase;
        let mut last_r = f32::NAN;
        let mut inc = 0u64;
        for i in 0..n {
            let r = self.rate.next() + rm[i];
            if r != last_r {
                last_r = r;
                inc = Self::inc(r, self.inv_sr);
            }
            let d = self.depth.next() + dm[i];
            let o = self.offset.next() + om[i];
            let w = if sh { self.held } else { wave(self.shape, p) };
            out[i] = o + d * w;
            // A carry out of the add is a wrap for a forward increment, its
            // absence one for a backward (negative) increment.
            let (q, carry) = p.overflowing_add(inc);
            if carry != ((inc as i64) < 0) {
                self.held = self.rng.next_bipolar();
            }
            p = q;
        }
        self.phase = p;
    }

    fn reset(&mut self) {
        self.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Lfo>(old) {
            self.phase = o.phase;
            self.rng = o.rng;
            self.held = o.held;
            self.rate.carry_from(&o.rate);
            self.depth.carry_from(&o.depth);
            self.offset.carry_from(&o.offset);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
