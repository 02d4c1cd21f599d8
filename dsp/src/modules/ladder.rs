//! `ladder`: resonant 4-pole lowpass after the Moog ladder, as a
//! zero-delay-feedback (TPT, Zavalishin) filter.
//!
//! Four trapezoidal one-pole stages with global feedback `k`, solved exactly
//! (no unit delay in the loop, so tuning and resonance hold up to Nyquist).
//! A soft clipper (cubic, tanh-like: slope 1 at 0, flat at ±1) sits at the
//! ladder's input, fed with the linear ZDF solution; the stages only ever
//! see a signal within ±1, so the filter stays bounded with audio-rate
//! cutoff modulation at full resonance, where it self-oscillates. The input
//! is scaled by `1 + k`, keeping the passband gain at 1 as resonance rises.
//!
//! For speed the update is written in state-space form, `s' = M·s + m·u`;
//! while the coefficients hold still the feedback term is carried from one
//! sample to the next, so the sample-to-sample dependency chain is about a
//! dozen floating-point operations. Coefficients are recomputed only on
//! samples where cutoff or resonance differ from the previous sample, from
//! a prewarp table (no `tan` call).

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother, MAX_BLOCK};
use crate::spec::ParamSpec;
use crate::table::tpt_gain;

crate::module_type! {
    name: "ladder" | "moog" | "ladder_filter",
    description: "resonant 24 dB/octave ladder lowpass (zero-delay feedback, soft-clipped \
                  input, drive = input gain); self-oscillates near resonance 1",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        CUTOFF = shared::CUTOFF,
        RESONANCE = ParamSpec::new("resonance", 0.0, 1.0, 0.3, "", 10.0).with_aliases(&["res", "q"]),
        DRIVE = ParamSpec::new("drive", 0.0, 10.0, 1.0, "", 10.0),
    ],
    gate: false,
    build: |cx| Box::new(Ladder::new(cx.sample_rate)),
}

/// Feedback gain at resonance 1 (4 is the self-oscillation threshold).
const K_MAX: f32 = 4.2;
/// Input of the soft clipper is limited to ±1.5, where `x - A3·x³` is flat at ±1.
const CLIP: f32 = 1.5;
/// Cubic coefficient of the soft clipper.
const A3: f32 = 4.0 / 27.0;

/// Coefficients derived from cutoff and resonance.
#[derive(Debug, Clone, Copy, Default)]
struct Coeffs {
    /// Input gain `(1 + k) / (1 + k·G⁴)`.
    xc: f32,
    /// Feedback weights on the states: the feedback term is `wk·s`
    /// (`k / (1 + k·G⁴)` times the states' share of stage 4's output).
    wk: [f32; 4],
    /// State transition: diagonal `d`, sub-diagonals `e1..e3`.
    d: f32,
    e: [f32; 3],
    /// Input weights of the state update.
    m: [f32; 4],
    /// `wk·M`: next sample's feedback from this sample's states (valid
    /// when `Ladder::vq_valid`).
    v: [f32; 4],
    /// `wk·m`, and `A3` times it.
    q: f32,
    qa: f32,
    /// `v·M` and `v·m`: the feedback term's state part `v·s` computed from
    /// the previous sample's state and clipper output, so it does not wait
    /// for the state update (valid with `v`).
    w: [f32; 4],
    r: f32,
}

/// The running part of a ladder, copied into registers for each block.
#[derive(Debug, Clone, Copy)]
struct Core {
    inv_sr: f32,
    /// Cutoff and resonance the coefficients were computed for (NaN: none).
    last: [f32; 2],
    c: Coeffs,
    /// Whether `c.v`, `c.q`, `c.qa` match the other coefficients.
    vq_valid: bool,
    /// True on the sample the coefficients were replaced.
    fresh: bool,
    /// Trapezoidal integrator states of the four stages.
    s: [f32; 4],
    /// Feedback term `wk·s` for the current sample, when `t_valid`.
    t: f32,
    t_valid: bool,
    /// The state and clipper output of the previous sample, valid (for the
    /// current coefficients) when `prev_valid`.
    s_prev: [f32; 4],
    u_prev: f32,
    prev_valid: bool,
}

/// Ladder state.
pub struct Ladder {
    p: Params<{ param::COUNT }>,
    core: Core,
}

static ZERO: [f32; MAX_BLOCK] = [0.0; MAX_BLOCK];

impl Core {
    /// Coefficients for cutoff `f` Hz and resonance `r`, except `v`/`q`.
    #[inline]
    fn coeffs(f: f32, r: f32, inv_sr: f32) -> Coeffs {
        let x = if f.is_nan() { 0.0 } else { f * inv_sr };
        // G = g/(1+g), g = tan(π f/sr); β = 1/(1+g) = 1 - G.
        let g1 = tpt_gain(x.clamp(1.0e-5, 0.49));
        let beta = 1.0 - g1;
        let r = if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) };
        let k = K_MAX * r;
        let g2 = g1 * g1;
        let g3 = g2 * g1;
        let g4 = g2 * g2;
        let inv_den = 1.0 / (1.0 + k * g4);
        let kb = k * inv_den * beta;
        let b2 = 2.0 * beta;
        Coeffs {
            xc: (1.0 + k) * inv_den,
            wk: [g3 * kb, g2 * kb, g1 * kb, kb],
            d: b2 - 1.0,
            e: [g1 * b2, g2 * b2, g3 * b2],
            m: [2.0 * g1, 2.0 * g2, 2.0 * g3, 2.0 * g4],
            v: [0.0; 4],
            q: 0.0,
            qa: 0.0,
            w: [0.0; 4],
            r: 0.0,
        }
    }

    /// Takes new coefficients (from [`Core::coeffs`]); `last` is the caller's.
    #[inline]
    fn set_coeffs(&mut self, c: Coeffs) {
        self.c = c;
        self.fresh = true;
        self.vq_valid = false;
        self.t_valid = false;
        self.prev_valid = false;
    }

    /// The coefficients that carry the feedback term from sample to sample.
    #[inline]
    fn compute_vq(&mut self) {
        let c = &mut self.c;
        let (wk, d, e, m) = (c.wk, c.d, c.e, c.m);
        c.v = [
            wk[0] * d + wk[1] * e[0] + wk[2] * e[1] + wk[3] * e[2],
            wk[1] * d + wk[2] * e[0] + wk[3] * e[1],
            wk[2] * d + wk[3] * e[0],
            wk[3] * d,
        ];
        c.q = wk[0] * m[0] + wk[1] * m[1] + wk[2] * m[2] + wk[3] * m[3];
        c.qa = c.q * A3;
        let v = c.v;
        c.w = [
            v[0] * d + v[1] * e[0] + v[2] * e[1] + v[3] * e[2],
            v[1] * d + v[2] * e[0] + v[3] * e[1],
            v[2] * d + v[3] * e[0],
            v[3] * d,
        ];
        c.r = v[0] * m[0] + v[1] * m[1] + v[2] * m[2] + v[3] * m[3];
        self.vq_valid = true;
    }

    /// True when the tight loop may run for cutoff `f` and resonance `r`.
    #[inline]
    fn settled(&self, f: f32, r: f32) -> bool {
        [f, r] == self.last && self.vq_valid && self.t_valid
    }

    /// One sample with the feedback term carried from the previous sample
    /// (`t` and `v`/`q` valid); `xin` is the input times drive.
    #[inline(always)]
    fn tick(&mut self, xin: f32) -> f32 {
        let c = &self.c;
        let s = &self.s;
        // Linear ZDF solution at the clipper's input, then the clipper.
        let ul = xin * c.xc - self.t;
        // The clamp is the identity inside ±CLIP, the usual case: testing
        // with a (well predicted) branch keeps the two min/max operations
        // off the sample-to-sample dependency chain. Same result either way.
        let x = if ul.abs() <= CLIP {
            ul
        } else {
            ul.clamp(-CLIP, CLIP)
        };
        let x2 = x * x;
        let u = x - (A3 * x) * x2;
        // Next sample's feedback: wk·(M·s + m·u), arranged so that only
        // three operations follow the clipper's square.
        let p = if self.prev_valid {
            Self::state_term(&c.w, &self.s_prev, c.r, self.u_prev)
        } else {
            c.v[0] * s[0] + c.v[1] * s[1] + c.v[2] * s[2] + c.v[3] * s[3]
        };
        self.t = (p + c.q * x) - (c.qa * x) * x2;
        self.s_prev = self.s;
        self.u_prev = u;
        self.prev_valid = true;
        self.update(u)
    }

    /// `v·s` as `(v·M)·s_prev + (v·m)·u_prev`, with the clipper output
    /// added last: the state update is off the sample-to-sample
    /// dependency chain.
    #[inline(always)]
    fn state_term(w: &[f32; 4], sp: &[f32; 4], r: f32, up: f32) -> f32 {
        ((w[0] * sp[0] + w[1] * sp[1]) + (w[2] * sp[2] + w[3] * sp[3])) + r * up
    }

    /// [`Core::tick`] on `x[i] * d` into `out[i]`, for every `i`, once
    /// [`Core::settled`]. The same arithmetic in the same order, so the
    /// same samples (up to the sign of a zero state).
    #[inline(always)]
    fn run_settled(&mut self, x: &[f32], d: f32, out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            self.run_settled_sse(x, d, out);
        }
        #[cfg(not(target_arch = "x86_64"))]
        for (o, &x) in out.iter_mut().zip(x) {
            *o = self.tick(x * d);
        }
    }

    /// [`Core::run_settled`] in SSE registers, the state kept as one vector
    /// in reverse order (`[s3, s2, s1, s0]`, so stage 4 sits in lane 0):
    /// the state update as column products summed pairwise, the same terms
    /// in the same order as [`Core::update`] plus exact zeros, and
    /// [`Core::state_term`] as one product and a pairwise horizontal sum
    /// (the same additions). Same samples as [`Core::tick`] (up to the sign
    /// of a zero state); nothing loop-carried is spilled.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn run_settled_sse(&mut self, x: &[f32], d: f32, out: &mut [f32]) {
        use std::arch::x86_64::*;
        let (x, out) = match (x.split_first(), out.split_first_mut()) {
            (Some((&x0, x)), Some((o0, out))) if !self.prev_valid => {
                *o0 = self.tick(x0 * d);
                (x, out)
            }
            _ => (x, out),
        };
        let c = self.c;
        let (q, qa, r) = (c.q, c.qa, c.r);
        // The scaled input `(x·drive)·xc`, off the loop's dependency chain.
        let mut xs = [0.0f32; MAX_BLOCK];
        let xs = &mut xs[..x.len().min(MAX_BLOCK)];
        for (s, &xi) in xs.iter_mut().zip(x) {
            *s = (xi * d) * c.xc;
        }
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline; unaligned
        // loads and stores go through `loadu`/`storeu` on a `[f32; 4]`.
        unsafe {
            let rev = |a: [f32; 4]| _mm_setr_ps(a[3], a[2], a[1], a[0]);
            // Column j: the weights of s_j in (n3, n2, n1, n0).
            let col0 = _mm_setr_ps(c.e[2], c.e[1], c.e[0], c.d);
            let col1 = _mm_setr_ps(c.e[1], c.e[0], c.d, 0.0);
            let col2 = _mm_setr_ps(c.e[0], c.d, 0.0, 0.0);
            let col3 = _mm_setr_ps(c.d, 0.0, 0.0, 0.0);
            let mv = rev(c.m);
            let wv = rev(c.w);
            let mut s = rev(self.s);
            let mut sp = rev(self.s_prev);
            let mut t = self.t;
            let mut up = self.u_prev;
            for (o, &xi) in out.iter_mut().zip(xs.iter()) {
                let ul = xi - t;
                let xk = if ul.abs() <= CLIP {
                    ul
                } else {
                    ul.clamp(-CLIP, CLIP)
                };
                let x2 = xk * xk;
                let u = xk - (A3 * xk) * x2;
                // state_term: ((a0 + a1) + (a2 + a3)) + r·up, a = w·sp.
                let a = _mm_mul_ps(wv, sp);
                let pairs = _mm_add_ps(a, _mm_shuffle_ps::<0xB1>(a, a));
                let sum = _mm_add_ss(pairs, _mm_movehl_ps(pairs, pairs));
                let p = _mm_cvtss_f32(sum) + r * up;
                t = (p + q * xk) - (qa * xk) * x2;
                // update: ((col0·s0 + col1·s1) + (col2·s2 + col3·s3)) + m·u.
                let lo = _mm_add_ps(
                    _mm_mul_ps(col0, _mm_shuffle_ps::<0xFF>(s, s)),
                    _mm_mul_ps(col1, _mm_shuffle_ps::<0xAA>(s, s)),
                );
                let hi = _mm_add_ps(
                    _mm_mul_ps(col2, _mm_shuffle_ps::<0x55>(s, s)),
                    _mm_mul_ps(col3, s),
                );
                let n = _mm_add_ps(_mm_add_ps(lo, hi), _mm_mul_ps(mv, _mm_set1_ps(u)));
                *o = 0.5 * _mm_cvtss_f32(_mm_add_ss(n, s));
                sp = s;
                up = u;
                s = n;
            }
            let unrev = |v: __m128| {
                let mut a = [0.0f32; 4];
                _mm_storeu_ps(a.as_mut_ptr(), _mm_shuffle_ps::<0x1B>(v, v));
                a
            };
            self.s = unrev(s);
            self.s_prev = unrev(sp);
            self.t = t;
            self.u_prev = up;
        }
    }

    /// The state update `s' = M·s + m·u`; returns stage 4's output. Row 4
    /// is summed pairwise (a shorter dependency chain), as the SSE loop does.
    #[inline(always)]
    fn update(&mut self, u: f32) -> f32 {
        let c = &self.c;
        let [s0, s1, s2, s3] = self.s;
        let n0 = c.d * s0 + c.m[0] * u;
        let n1 = c.e[0] * s0 + c.d * s1 + c.m[1] * u;
        let n2 = c.e[1] * s0 + c.e[0] * s1 + c.d * s2 + c.m[2] * u;
        let n3 = ((c.e[2] * s0 + c.e[1] * s1) + (c.e[0] * s2 + c.d * s3)) + c.m[3] * u;
        self.s = [n0, n1, n2, n3];
        // Stage 4's output y4, from s4' = 2·y4 - s4.
        0.5 * (n3 + s3)
    }

    /// One sample in general: coefficients for `f`, `r` (recomputed if they
    /// changed), the feedback term computed afresh when it cannot be
    /// carried. Every path through `process` gives the same samples.
    #[inline(always)]
    fn step(&mut self, f: f32, r: f32, xin: f32) -> f32 {
        if [f, r] != self.last {
            self.set_coeffs(Self::coeffs(f, r, self.inv_sr));
            self.last = [f, r];
        }
        self.step_with_coeffs(xin)
    }

    /// [`Core::step`] once the coefficients for this sample are in place.
    #[inline(always)]
    fn step_with_coeffs(&mut self, xin: f32) -> f32 {
        // On the first sample after a change the feedback term is computed
        // directly; from the second on, it is carried.
        if !self.vq_valid && !self.fresh {
            self.compute_vq();
        }
        self.fresh = false;
        if !self.t_valid {
            let (w, s) = (&self.c.wk, &self.s);
            self.t = w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + w[3] * s[3];
        }
        if self.vq_valid {
            self.t_valid = true;
            self.tick(xin)
        } else {
            self.t_valid = false;
            self.prev_valid = false;
            let ul = xin * self.c.xc - self.t;
            let x = ul.clamp(-CLIP, CLIP);
            let u = x - (A3 * x) * (x * x);
            self.update(u)
        }
    }
}

impl Ladder {
    /// A ladder at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Ladder {
            p: Params::new(SPEC.params, sample_rate),
            core: Core {
                inv_sr: 1.0 / sample_rate,
                last: [f32::NAN; 2],
                c: Coeffs::default(),
                vq_valid: false,
                fresh: false,
                s: [0.0; 4],
                t: 0.0,
                t_valid: false,
                s_prev: [0.0; 4],
                u_prev: 0.0,
                prev_valid: false,
            },
        }
    }
}

impl Module for Ladder {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        use param::{CUTOFF, DRIVE, RESONANCE};
        let n = io.frames;
        let fm = io.modulation_of(CUTOFF);
        let rm = io.modulation_of(RESONANCE);
        let dm = io.modulation_of(DRIVE);
        let x = &io.inputs[input::IN][..n];
        let out = &mut io.outputs[output::OUT][..n];
        let still = self.p.still(&[CUTOFF, RESONANCE, DRIVE])
            && fm.is_none()
            && rm.is_none()
            && dm.is_none();
        let mut core = self.core;
        if still {
            // General steps until the coefficients and the carried feedback
            // term are settled, then the tight loop (same arithmetic).
            let (f, r, d) = (
                self.p.value(CUTOFF),
                self.p.value(RESONANCE),
                self.p.value(DRIVE),
            );
            let mut i = 0;
            while i < n && !core.settled(f, r) {
                out[i] = core.step(f, r, x[i] * d);
                i += 1;
            }
            core.run_settled(&x[i..], d, &mut out[i..]);
        } else {
            let (fm, rm, dm) = (
                fm.unwrap_or(&ZERO[..n]),
                rm.unwrap_or(&ZERO[..n]),
                dm.unwrap_or(&ZERO[..n]),
            );
            for i in 0..n {
                let f = self.p[CUTOFF].next() + fm[i];
                let r = self.p[RESONANCE].next() + rm[i];
                let d = self.p[DRIVE].next() + dm[i];
                out[i] = core.step(f, r, x[i] * d);
            }
        }
        self.core = core;
    }

    fn reset(&mut self) {
        self.core.s = [0.0; 4];
        self.core.t = 0.0;
        self.core.t_valid = false;
        self.core.prev_valid = false;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Ladder>(old) {
            self.p.carry_from(&o.p);
            // Same sample rate, so the cached coefficients are valid here too.
            self.core = o.core;
        }
    }
}
