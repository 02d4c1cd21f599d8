//! `biquad`: RBJ-cookbook second-order filter in direct form I.
//!
//! Coefficients are recomputed only on samples where cutoff, q or gain
//! differ from the previous sample (gliding or modulated), with polynomial
//! sines (no libm call), so a static filter costs five multiplies per sample.

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use crate::table::sin_cos_pi;

crate::module_type! {
    name: "biquad" | "biquad_filter",
    description: "RBJ biquad filter (lowpass/highpass/bandpass/notch/peak); \
                  gain in dB applies to peak only",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        MODE = ParamSpec::choice("mode", MODES, 0).with_aliases(&["filter_mode", "type"]),
        CUTOFF = shared::CUTOFF,
        Q = ParamSpec::new("q", 0.1, 20.0, 0.707, "", 10.0).with_aliases(&["resonance", "res"]),
        GAIN = ParamSpec::new("gain", -24.0, 24.0, 0.0, "dB", 10.0).with_aliases(&["gain_db"]),
    ],
    gate: false,
    build: |cx| Box::new(Biquad::new(cx.sample_rate)),
}

/// The filter responses, in `mode` order.
const MODES: &[&str] = &["lowpass", "highpass", "bandpass", "notch", "peak"];
/// `mode` value of the peak response (the only one that reads `gain`).
const PEAK: usize = 4;

/// Normalised coefficients (`a0 = 1`).
#[derive(Debug, Clone, Copy, Default)]
struct Coeffs {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
}

/// Biquad state.
pub struct Biquad {
    sr: f32,
    p: Params<{ param::COUNT }>,
    /// Parameter values the coefficients were computed for (NaN: stale).
    last: [f32; 3],
    /// `10^(gain/40)` for `last[2]` (peak mode only).
    amp: f32,
    /// True when `amp` was not computed for `last[2]`.
    amp_stale: bool,
    c: Coeffs,
    /// Direct form I memory: the last two inputs and outputs.
    z: State,
}

/// Direct form I memory of a biquad.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl State {
    /// One sample of `c` on input `x`. Direct form I keeps the
    /// sample-to-sample dependency short: only `a1·y1` and one subtraction
    /// wait for the previous output (transposed form II chains four
    /// operations), and it behaves well when coefficients move.
    #[inline(always)]
    fn tick(&mut self, c: &Coeffs, x: f32) -> f32 {
        let y = (((c.b0 * x + c.b1 * self.x1) + c.b2 * self.x2) - c.a2 * self.y2) - c.a1 * self.y1;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

impl Biquad {
    /// A filter at the parameter defaults (1 kHz Butterworth lowpass).
    pub fn new(sample_rate: f32) -> Self {
        Biquad {
            sr: sample_rate,
            p: Params::new(SPEC.params, sample_rate),
            last: [f32::NAN; 3],
            amp: 1.0,
            amp_stale: true,
            c: Coeffs::default(),
            z: State::default(),
        }
    }

    /// Recomputes the coefficients for cutoff `f` Hz, `q`, peak gain `g` dB.
    fn compute(&mut self, f: f32, q: f32, g: f32) {
        // The peak gain only matters (and costs a powf) in peak mode.
        let mode = self.p.index(param::MODE);
        if mode == PEAK && (g != self.last[2] || self.amp_stale) {
            let g = if g.is_nan() {
                0.0
            } else {
                g.clamp(-48.0, 48.0)
            };
            self.amp = 10f32.powf(g / 40.0);
            self.amp_stale = false;
        }
        self.last = [f, q, g];
        let f = if f.is_nan() {
            1000.0
        } else {
            f.clamp(10.0, 0.49 * self.sr)
        };
        let q = if q.is_nan() {
            0.707
        } else {
            q.clamp(0.1, 40.0)
        };
        // Half the angular frequency: w0/2 = π·f/sr.
        let (sh, ch) = sin_cos_pi(f / self.sr);
        let sn = 2.0 * sh * ch; // sin(w0)
        let omc = 2.0 * sh * sh; // 1 - cos(w0), accurate at low cutoffs
        let cs = 1.0 - omc;
        let alpha = sn / (2.0 * q);
        let (b0, b1, b2, a0, a1, a2) = match mode {
            0 => (
                0.5 * omc,
                omc,
                0.5 * omc,
                1.0 + alpha,
                -2.0 * cs,
                1.0 - alpha,
            ),
            1 => {
                let opc = 2.0 - omc;
                (
                    0.5 * opc,
                    -opc,
                    0.5 * opc,
                    1.0 + alpha,
                    -2.0 * cs,
                    1.0 - alpha,
                )
            }
            2 => (alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
            3 => (1.0, -2.0 * cs, 1.0, 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
            _ => {
                let a = self.amp;
                (
                    1.0 + alpha * a,
                    -2.0 * cs,
                    1.0 - alpha * a,
                    1.0 + alpha / a,
                    -2.0 * cs,
                    1.0 - alpha / a,
                )
            }
        };
        let inv = 1.0 / a0;
        self.c = Coeffs {
            b0: b0 * inv,
            b1: b1 * inv,
            b2: b2 * inv,
            a1: a1 * inv,
            a2: a2 * inv,
        };
    }
}

impl Module for Biquad {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn param_changed(&mut self, index: usize) {
        if index == param::MODE {
            // New response: recompute the coefficients on the next sample.
            self.last[0] = f32::NAN;
            self.amp_stale = true;
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        use param::{CUTOFF, GAIN, Q};
        let n = io.frames;
        let fm = io.modulation_of(CUTOFF);
        let qm = io.modulation_of(Q);
        let gm = io.modulation_of(GAIN);
        let x = &io.inputs[input::IN][..n];
        let out = &mut io.outputs[output::OUT][..n];
        let mut z = self.z;
        let still =
            self.p.still(&[CUTOFF, Q, GAIN]) && fm.is_none() && qm.is_none() && gm.is_none();
        if still {
            let p = [self.p.value(CUTOFF), self.p.value(Q), self.p.value(GAIN)];
            if p != self.last {
                self.compute(p[0], p[1], p[2]);
            }
            let c = self.c;
            for (o, &x) in out.iter_mut().zip(x) {
                *o = z.tick(&c, x);
            }
        } else {
            for i in 0..n {
                let f = self.p[CUTOFF].next() + fm.map_or(0.0, |m| m[i]);
                let q = self.p[Q].next() + qm.map_or(0.0, |m| m[i]);
                let g = self.p[GAIN].next() + gm.map_or(0.0, |m| m[i]);
                if [f, q, g] != self.last {
                    self.compute(f, q, g);
                }
                out[i] = z.tick(&self.c, x[i]);
            }
        }
        self.z = z;
    }

    fn reset(&mut self) {
        self.z = State::default();
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Biquad>(old) {
            self.p.carry_from(&o.p);
            self.z = o.z;
            // Coefficients follow from the carried positions on the next sample.
            self.last = [f32::NAN; 3];
            self.amp_stale = true;
        }
    }
}
