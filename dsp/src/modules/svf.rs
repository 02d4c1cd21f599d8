//! `svf`: state-variable filter with simultaneous lowpass, bandpass,
//! highpass and notch outputs.
//!
//! The topology-preserving (trapezoidal, zero-delay-feedback) SVF of
//! Zavalishin and Simper: its state is the two integrators' charge, so
//! coefficients may change on every sample (audio-rate cutoff modulation)
//! without the blow-ups of direct-form biquads. The same core serves
//! `formant` and `eq`.

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;
use crate::table::tan_pi;

crate::module_type! {
    name: "svf" | "state_variable",
    description: "state-variable filter (trapezoidal, stable under audio-rate cutoff \
                  modulation): lp, bp (0 dB peak), hp and notch outputs at once",
    inputs: [IN = "in"],
    outputs: [LP = "lp" | "lowpass", BP = "bp" | "bandpass", HP = "hp" | "highpass", NOTCH = "notch" | "br"],
    params: [
        CUTOFF = shared::CUTOFF,
        Q = ParamSpec::new("q", 0.1, 40.0, 0.707, "", 10.0).with_aliases(&["resonance", "res"]),
    ],
    gate: false,
    build: |cx| Box::new(Svf::new(cx.sample_rate)),
}

/// Coefficients of the trapezoidal SVF for one cutoff and damping.
#[derive(Debug, Clone, Copy, Default)]
pub struct SvfCoeffs {
    /// Damping, `1/q`.
    pub k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
}

impl SvfCoeffs {
    /// Coefficients for integrator gain `g = tan(π·fc/sr)` and damping `k`.
    #[inline]
    pub fn from_gk(g: f32, k: f32) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        SvfCoeffs {
            k,
            a1,
            a2,
            a3: g * a2,
        }
    }

    /// Coefficients for `cutoff` Hz and `q` at `sr` (both clamped to what
    /// the filter can do: 10 Hz .. 0.49·sr, q 0.05 .. 100).
    #[inline]
    pub fn new(cutoff: f32, q: f32, sr: f32) -> Self {
        let f = sane(cutoff, 10.0, 0.49 * sr, 1000.0);
        let q = sane(q, 0.05, 100.0, 0.707);
        Self::from_gk(tan_pi(f / sr), 1.0 / q)
    }
}

/// The two integrators of a trapezoidal SVF.
#[derive(Debug, Clone, Copy, Default)]
pub struct SvfState {
    ic1: f32,
    ic2: f32,
}

impl SvfState {
    /// One sample: returns `(bandpass, lowpass)` before any mixing
    /// (`v1`, `v2` in Simper's notation; the bandpass peaks at gain `q`).
    #[inline(always)]
    pub fn tick(&mut self, c: &SvfCoeffs, v0: f32) -> (f32, f32) {
        let v3 = v0 - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        (v1, v2)
    }
}

/// `svf` state.
pub struct Svf {
    sr: f32,
    knobs: Knobs<2>,
    /// Cutoff and q the coefficients were computed for (NaN: stale).
    last: [f32; 2],
    c: SvfCoeffs,
    z: SvfState,
}

impl Svf {
    /// A 1 kHz Butterworth-damped filter.
    pub fn new(sample_rate: f32) -> Self {
        Svf {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            last: [f32::NAN; 2],
            c: SvfCoeffs::default(),
            z: SvfState::default(),
        }
    }

    #[inline]
    fn coeffs(&mut self, p: [f32; 2]) {
        if p != self.last {
            self.c = SvfCoeffs::new(p[0], p[1], self.sr);
            self.last = p;
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let [lp, bp, hp, notch] = io.outputs else {
            return;
        };
        let still = self.knobs.steady(&m);
        if still {
            let p = self.knobs.tick(&m, 0);
            self.coeffs(p);
        }
        let mut z = self.z;
        for i in 0..n {
            if !still {
                let p = self.knobs.tick(&m, i);
                self.coeffs(p);
            }
            let c = &self.c;
            let v0 = x[i];
            let (v1, v2) = z.tick(c, v0);
            let kv1 = c.k * v1;
            lp[i] = v2;
            bp[i] = kv1;
            hp[i] = v0 - kv1 - v2;
            notch[i] = v0 - kv1;
        }
        self.z = z;
    }

    fn clear(&mut self) {
        self.z = SvfState::default();
    }

    fn carry(&mut self, o: &Self) {
        self.z = o.z;
    }
}

knob_module!(Svf);
