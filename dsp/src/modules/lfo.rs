//! `lfo`: low-frequency oscillator for modulation: `offset + depth·wave`,
//! free-running at `rate` Hz or locked to a note value on the transport.

use super::noise::XorShift;
use super::osc::ZERO;
use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::{phase_inc, sin_fixed, sin_fixed_in, sin_table_ref};

crate::module_type! {
    name: "lfo",
    description: "low-frequency oscillator, out = offset + depth*wave (wave in -1..1; \
                  sh = a new random value every cycle); sync=1/4, 3/16... locks one cycle to \
                  that note value on the transport instead of rate",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        RATE = ParamSpec::new("rate", 0.01, 100.0, 1.0, "Hz", 5.0).with_aliases(&["freq", "frequency"]),
        DEPTH = ParamSpec::new("depth", -20000.0, 20000.0, 1.0, "", 5.0).with_aliases(&["amount"]),
        OFFSET = ParamSpec::new("offset", -20000.0, 20000.0, 0.0, "", 5.0),
        SHAPE = ParamSpec::choice(
            "shape",
            &["sine", "triangle", "square", "saw", "sh", "sample_and_hold"],
            0,
        )
        .with_aliases(&["wave", "waveform"]),
        SYNC = shared::SYNC,
    ],
    gate: false,
    build: |cx| Box::new(Lfo::new(cx.sample_rate)),
}

/// LFO state.
pub struct Lfo {
    inv_sr: f64,
    /// Phase, `2^64` = one cycle.
    phase: u64,
    p: Params<{ param::COUNT }>,
    rng: XorShift,
    /// Current sample-and-hold value.
    held: f32,
}

impl Lfo {
    /// An LFO at the parameter defaults (1 Hz sine, depth 1, offset 0).
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        let mut rng = XorShift::new_unique();
        let held = rng.next_bipolar();
        Lfo {
            inv_sr: 1.0 / sample_rate as f64,
            phase: 0,
            p: Params::new(SPEC.params, sample_rate),
            rng,
            held,
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
        let dm = io.modulation_of(param::DEPTH).unwrap_or(&ZERO[..n]);
        let om = io.modulation_of(param::OFFSET).unwrap_or(&ZERO[..n]);
        let inc = phase_inc((1.0 / (beats * t.frames_per_beat())).min(0.5));
        let out = &mut io.outputs[output::OUT][..n];
        let shape = self.p.index(param::SHAPE);
        let (depth, offset) = self.p.pair_mut(param::DEPTH, param::OFFSET);
        for i in 0..n {
            let p = if t.rolling {
                let c = t.beat_at(t.frame + i as u64) / beats;
                ((c - c.floor()) * 4_294_967_296.0) as u64 * 4_294_967_296
            } else {
                self.phase.wrapping_add(inc)
            };
            if p < self.phase && shape >= 4 {
                self.held = self.rng.next_bipolar();
            }
            self.phase = p;
            let w = if shape >= 4 { self.held } else { wave(shape, p) };
            out[i] = offset.next() + om[i] + (depth.next() + dm[i]) * w;
        }
    }
}

impl Module for Lfo {
    fn seed(&mut self, seed: u64) {
        self.rng = super::noise::XorShift::from_seed(seed);
        self.held = self.rng.next_bipolar();
    }

    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        use param::{DEPTH, OFFSET, RATE};
        if let Some(beats) = crate::time::sync_beats(self.p.index(param::SYNC)) {
            return self.process_synced(io, beats);
        }
        let n = io.frames;
        let rm = io.modulation_of(RATE).unwrap_or(&ZERO[..n]);
        let dm = io.modulation_of(DEPTH).unwrap_or(&ZERO[..n]);
        let om = io.modulation_of(OFFSET).unwrap_or(&ZERO[..n]);
        let out = &mut io.outputs[output::OUT][..n];
        let shape = self.p.index(param::SHAPE);
        let sh = shape >= 4;
        let still = self.p.still(&[RATE, DEPTH, OFFSET])
            && ![RATE, DEPTH, OFFSET].iter().any(|&i| io.modulated[i]);
        let mut rate = self.p[RATE];
        let (depth, offset) = self.p.pair_mut(DEPTH, OFFSET);
        if still {
            // Nothing moves during this call: hoist the parameters and the
            // increment (same arithmetic as the general loop below).
            let inc = Self::inc(rate.current, self.inv_sr);
            let (d, o) = (depth.current, offset.current);
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
            } else if shape == 0 {
                let t = sin_table_ref();
                run!(|p| sin_fixed_in(t, p));
            } else {
                run!(|p| wave(shape, p));
            }
            self.phase = p;
            return;
        }
        let mut p = self.phase;
        let mut last_r = f32::NAN;
        let mut inc = 0u64;
        for i in 0..n {
            let r = rate.next() + rm[i];
            if r != last_r {
                last_r = r;
                inc = Self::inc(r, self.inv_sr);
            }
            let d = depth.next() + dm[i];
            let o = offset.next() + om[i];
            let w = if sh { self.held } else { wave(shape, p) };
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
        self.p[RATE] = rate;
    }

    fn reset(&mut self) {
        self.phase = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Lfo>(old) {
            self.phase = o.phase;
            self.rng = o.rng;
            self.held = o.held;
            self.p.carry_from(&o.p);
        }
    }
}
