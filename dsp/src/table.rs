//! Shared lookup tables, built once on first use (on the control thread, when
//! the first module that needs them is constructed, or by [`init`] when a
//! graph is compiled), plus small fast math approximations used per sample.

use std::sync::OnceLock;

const SIN_BITS: u32 = 12;
const SIN_LEN: usize = 1 << SIN_BITS;

fn sin_table() -> &'static [f32; SIN_LEN + 1] {
    static T: OnceLock<Box<[f32; SIN_LEN + 1]>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Box::new([0.0f32; SIN_LEN + 1]);
        for (i, x) in t.iter_mut().enumerate() {
            *x = (i as f64 / SIN_LEN as f64 * std::f64::consts::TAU).sin() as f32;
        }
        t
    })
}

/// Builds the tables now, so the first `process` call never does.
pub fn init() {
    let _ = sin_table();
    let _ = tpt_table();
    let _ = saw_tables();
    let _ = triangle_tables();
}

/// `floor(x)` without a libm call (the baseline x86-64 target has no
/// `roundsd`, so `f64::floor` is a function call). Exact for |x| < 2^62.
#[inline]
pub fn floor_f64(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `floor(x)` for f32 without a libm call. Exact for |x| < 2^31.
#[inline]
pub fn floor_f32(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `sin(2π·p)` for a phase `p` in cycles (any value), by interpolated table
/// lookup: error below 3e-7, about 4× faster than `f32::sin`.
#[inline]
pub fn sin_cycles(p: f64) -> f32 {
    let t = sin_table();
    let x = (p - floor_f64(p)) * SIN_LEN as f64;
    let i = x as usize;
    let frac = (x - i as f64) as f32;
    let i = i & (SIN_LEN - 1);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}

/// `tan(π·x)` for `x` in `[0, 0.5)` (a bilinear-transform prewarp: pass
/// `cutoff / sample_rate`). Relative error below 2e-6; no libm call.
/// Arguments outside the range are clamped to `[0, 0.4999]`.
#[inline]
pub fn tan_pi(x: f32) -> f32 {
    let (s, c) = sin_cos_pi(x.min(0.4999));
    s / c
}

/// `(sin(π·x), cos(π·x))` for `x` in `[0, 0.5]`, each with relative error
/// below 1e-6 (so `tan = s / c` stays accurate near `x = 0.5`). Arguments
/// outside the range are clamped into it; no libm call.
#[inline]
pub fn sin_cos_pi(x: f32) -> (f32, f32) {
    let x = x.clamp(0.0, 0.5);
    // cos(πx) = sin(π(0.5 - x)): both from one polynomial, accurate
    // relative to the result even when it is tiny.
    (
        sin_poly(std::f32::consts::PI * x),
        sin_poly(std::f32::consts::PI * (0.5 - x)),
    )
}

const TPT_BITS: u32 = 12;
const TPT_LEN: usize = 1 << TPT_BITS;

/// `G(x) = g / (1 + g)` with `g = tan(π·x)`, sampled on `[0, 0.5]`.
fn tpt_table() -> &'static [f32; TPT_LEN + 2] {
    static T: OnceLock<Box<[f32; TPT_LEN + 2]>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Box::new([1.0f32; TPT_LEN + 2]);
        for (i, v) in t.iter_mut().enumerate().take(TPT_LEN + 1) {
            let a = std::f64::consts::PI * 0.5 * i as f64 / TPT_LEN as f64;
            // sin/(sin + cos) is tan/(1 + tan) without the pole at x = 0.5.
            *v = (a.sin() / (a.sin() + a.cos())) as f32;
        }
        t
    })
}

/// The gain `G = g / (1 + g)`, `g = tan(π·x)`, of a trapezoidal (TPT)
/// one-pole at `x = cutoff / sample_rate`, by interpolated table lookup:
/// absolute error below 1e-7 (0.01 cent of cutoff above 20 Hz at 48 kHz).
/// `G` is smooth and bounded on the whole range, unlike `g`. `x` is clamped
/// to `[0, 0.5]`.
#[inline]
pub fn tpt_gain(x: f32) -> f32 {
    let t = tpt_table();
    let p = x.clamp(0.0, 0.5) * (2 * TPT_LEN) as f32;
    let i = p as i32;
    let frac = p - i as f32;
    let i = (i as usize).min(TPT_LEN);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}

/// Odd Taylor-like minimax polynomial for `sin(a)`, `a` in `[0, π/2]`.
#[inline]
fn sin_poly(a: f32) -> f32 {
    let a2 = a * a;
    // Coefficients of the degree-11 Taylor series (error < 6e-9 on [0, π/2]).
    a * (1.0
        + a2 * (-1.666_666_7e-1
            + a2 * (8.333_333e-3
                + a2 * (-1.984_127e-4 + a2 * (2.755_731_9e-6 + a2 * -2.505_210_8e-8)))))
}

/// A fast `tanh`: a rational (continued-fraction) approximation, error below
/// 1e-4 everywhere (below 1e-5 for |x| < 3.5); odd, monotonic and bounded
/// by 1 in magnitude, so it is safe inside feedback loops.
#[inline]
pub fn tanh_fast(x: f32) -> f32 {
    let x = x.clamp(-4.97, 4.97);
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (17_325.0 + x2 * (378.0 + x2)));
    let den = 135_135.0 + x2 * (62_370.0 + x2 * (3_150.0 + x2 * 28.0));
    (num / den).clamp(-1.0, 1.0)
}

// ---------------------------------------------------------------------------
// Band-limited wavetables
// ---------------------------------------------------------------------------

/// Samples per wavetable cycle (a power of two).
pub const WAVE_LEN: usize = 2048;
/// Bands per octave of phase increment.
const BANDS_PER_OCTAVE: usize = 3;
/// Number of bands: increments from `1/WAVE_LEN` up to `0.5` (Nyquist).
pub const WAVE_BANDS: usize = 10 * BANDS_PER_OCTAVE + 1;

/// One band's single cycle, with a guard sample (`t[WAVE_LEN] == t[0]`) so
/// interpolation never wraps.
pub type WaveCycle = [f32; WAVE_LEN + 1];

/// A mip-mapped band-limited waveform: one cycle per band of phase
/// increment. Band `k` serves increments up to `2^(k/3) / WAVE_LEN` cycles
/// per sample and holds only the harmonics that stay strictly below Nyquist
/// at the top of the band, so reading it never aliases. Bands depend only on
/// the phase increment, so the tables serve every sample rate.
pub struct BandTables {
    bands: Box<[WaveCycle]>,
}

/// Mantissa bits of 2^(1/3) and 2^(2/3) as f32 (band thresholds inside an octave).
const M_THIRD: u32 = 0x0021_4518; // 1.2599211
const M_TWO_THIRDS: u32 = 0x004b_2ff5; // 1.587401

impl BandTables {
    /// Index of the band to use for phase increment `inc` (cycles per sample;
    /// its sign is ignored). Only integer and bit operations.
    #[inline]
    pub fn band_index(inc: f64) -> usize {
        let x = (inc.abs() * WAVE_LEN as f64) as f32;
        if x <= 1.0 || x.is_nan() {
            return 0;
        }
        let bits = x.to_bits();
        let e = ((bits >> 23) as usize).wrapping_sub(127);
        let m = bits & 0x007f_ffff;
        let step = if m == 0 {
            0
        } else if m <= M_THIRD {
            1
        } else if m <= M_TWO_THIRDS {
            2
        } else {
            3
        };
        (e * BANDS_PER_OCTAVE + step).min(WAVE_BANDS - 1)
    }

    /// The cycle to read for phase increment `inc`.
    #[inline]
    pub fn band(&self, inc: f64) -> &WaveCycle {
        &self.bands[Self::band_index(inc)]
    }

    /// The cycle of band `k` (clamped to the last band).
    #[inline]
    pub fn band_at(&self, k: usize) -> &WaveCycle {
        &self.bands[k.min(WAVE_BANDS - 1)]
    }

    /// Largest harmonic number stored in band `k`.
    pub fn harmonics(k: usize) -> usize {
        // Band k tops out at increment I = 2^(k/3)/WAVE_LEN; keep h·I < 0.5.
        let top = 2f64.powf(k as f64 / BANDS_PER_OCTAVE as f64) / WAVE_LEN as f64;
        let h = (0.5 / top * (1.0 - 1e-9)).ceil() as usize - 1;
        h.clamp(1, WAVE_LEN / 2 - 1)
    }

    /// Builds every band from Fourier amplitudes: `amp(h)` is the sine
    /// amplitude of harmonic `h`. Bands are built from the top (fewest
    /// harmonics) down, each adding its extra harmonics to the previous one.
    fn build(amp: impl Fn(usize) -> f64) -> BandTables {
        let mut sin = vec![0.0f64; WAVE_LEN];
        for (i, s) in sin.iter_mut().enumerate() {
            *s = (i as f64 / WAVE_LEN as f64 * std::f64::consts::TAU).sin();
        }
        let mut acc = vec![0.0f64; WAVE_LEN];
        let mut bands = vec![[0.0f32; WAVE_LEN + 1]; WAVE_BANDS].into_boxed_slice();
        let mut done = 0usize;
        for k in (0..WAVE_BANDS).rev() {
            let hmax = Self::harmonics(k);
            for h in done + 1..=hmax {
                let a = amp(h);
                if a == 0.0 {
                    continue;
                }
                for (n, v) in acc.iter_mut().enumerate() {
                    *v += a * sin[(h * n) & (WAVE_LEN - 1)];
                }
            }
            done = done.max(hmax);
            let b = &mut bands[k];
            for (d, s) in b.iter_mut().zip(acc.iter()) {
                *d = *s as f32;
            }
            b[WAVE_LEN] = b[0];
        }
        BandTables { bands }
    }
}

/// Reads a cycle at phase `p` in `[0, 1)` with linear interpolation.
#[inline]
pub fn read_cycle(t: &WaveCycle, p: f64) -> f32 {
    let x = p * WAVE_LEN as f64;
    let i = x as usize;
    let frac = (x - i as f64) as f32;
    let i = i & (WAVE_LEN - 1);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}

/// log2 of [`WAVE_LEN`].
const WAVE_BITS: u32 = 11;

/// One cycle as a 64-bit fixed-point phase (`2^64` = one cycle). Integer
/// phase wraps for free and is exact: 20 Hz is off by under 1e-12 cents.
pub const PHASE_ONE: f64 = 18_446_744_073_709_551_616.0;

/// Phase increment for `cycles` per sample (any sign; |cycles| ≤ 0.5 is exact).
#[inline]
pub fn phase_inc(cycles: f64) -> u64 {
    (cycles * PHASE_ONE) as i64 as u64
}

/// Fixed-point phase for a fraction of a cycle in `[0, 1]` (1 wraps to 0).
#[inline]
pub fn phase_of(cycles: f32) -> u64 {
    ((cycles as f64 * 4_294_967_296.0) as u64) << 32
}

/// Reads a cycle at fixed-point phase `p` with linear interpolation.
#[inline]
pub fn read_cycle_fixed(t: &WaveCycle, p: u64) -> f32 {
    let i = (p >> (64 - WAVE_BITS)) as usize;
    let frac = ((p >> (64 - WAVE_BITS - 24)) & 0x00FF_FFFF) as i32 as f32 * (1.0 / 16_777_216.0);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}

/// `sin(2π·p)` for a fixed-point phase (`2^64` = one cycle), by interpolated
/// table lookup (error below 3e-7).
#[inline]
pub fn sin_fixed(p: u64) -> f32 {
    sin_fixed_in(sin_table(), p)
}

/// The sine table, for loops that call [`sin_fixed_in`] many times (one
/// table look-up per call instead of one per sample).
#[inline]
pub fn sin_table_ref() -> &'static SinTable {
    sin_table()
}

/// The table behind [`sin_fixed`].
pub type SinTable = [f32; SIN_LEN + 1];

/// [`sin_fixed`] with the table passed in (same result).
#[inline(always)]
pub fn sin_fixed_in(t: &SinTable, p: u64) -> f32 {
    let i = (p >> (64 - SIN_BITS)) as usize;
    let frac = ((p >> (64 - SIN_BITS - 24)) & 0x00FF_FFFF) as i32 as f32 * (1.0 / 16_777_216.0);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}

/// Band-limited rising sawtooth, `2p - 1` for phase `p` in cycles (with
/// Gibbs ripple at the reset).
pub fn saw_tables() -> &'static BandTables {
    static T: OnceLock<BandTables> = OnceLock::new();
    T.get_or_init(|| BandTables::build(|h| -2.0 / (std::f64::consts::PI * h as f64)))
}

/// Band-limited triangle: 0 at phase 0, +1 at 1/4, 0 at 1/2, −1 at 3/4.
pub fn triangle_tables() -> &'static BandTables {
    static T: OnceLock<BandTables> = OnceLock::new();
    T.get_or_init(|| {
        BandTables::build(|h| {
            if h % 2 == 0 {
                0.0
            } else {
                let s = if (h / 2) % 2 == 0 { 1.0 } else { -1.0 };
                s * 8.0 / (std::f64::consts::PI * std::f64::consts::PI * (h * h) as f64)
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_thresholds() {
        assert_eq!(M_THIRD, 2f32.powf(1.0 / 3.0).to_bits() & 0x007f_ffff);
        assert_eq!(M_TWO_THIRDS, 2f32.powf(2.0 / 3.0).to_bits() & 0x007f_ffff);
        // The band chosen for any increment is the first whose top increment
        // is at least `inc`, and holds no harmonic at or above Nyquist.
        let top = |k: usize| 2f64.powf(k as f64 / 3.0) / WAVE_LEN as f64;
        let mut inc = 1e-5f64;
        while inc < 0.5 {
            let k = BandTables::band_index(inc);
            let h = BandTables::harmonics(k);
            assert!(h as f64 * inc < 0.5 + 1e-6, "inc {inc} band {k} h {h}");
            if k > 0 {
                assert!(inc <= top(k) * (1.0 + 1e-6), "inc {inc} above band {k}");
                assert!(
                    inc > top(k - 1) * (1.0 - 1e-6),
                    "inc {inc} could use band {}",
                    k - 1
                );
            }
            inc *= 1.001;
        }
    }

    #[test]
    fn fast_math() {
        let mut worst_tan = 0.0f64;
        let mut x = 0.0f32;
        while x < 0.49 {
            let exact = (std::f64::consts::PI * x as f64).tan();
            let e = ((tan_pi(x) as f64 - exact) / exact.max(1e-30)).abs();
            if x > 0.0 {
                worst_tan = worst_tan.max(e);
            }
            x += 0.0001;
        }
        assert!(worst_tan < 2e-6, "tan_pi rel error {worst_tan}");
        let mut worst_g = 0.0f64;
        let mut x = 0.0f32;
        while x <= 0.5 {
            let g = (std::f64::consts::PI * x as f64).tan();
            let want = if x >= 0.5 { 1.0 } else { g / (1.0 + g) };
            worst_g = worst_g.max((tpt_gain(x) as f64 - want).abs());
            x += 0.000_037;
        }
        assert!(worst_g < 2e-7, "tpt_gain error {worst_g}");
        let mut worst = 0.0f32;
        let mut prev = -1.0f32;
        let mut x = -8.0f32;
        while x < 8.0 {
            let y = tanh_fast(x);
            worst = worst.max((y - x.tanh()).abs());
            assert!(y >= prev && y.abs() <= 1.0);
            prev = y;
            x += 0.001;
        }
        assert!(worst < 1e-4, "tanh_fast error {worst}");
        for x in [-3.7f64, -1.0, -0.25, 0.0, 0.5, 1.0, 1e6 + 0.3, -1e6 - 0.3] {
            assert_eq!(floor_f64(x), x.floor());
            assert_eq!(floor_f32(x as f32), (x as f32).floor());
        }
    }

    #[test]
    fn tables_match_shapes() {
        // The richest saw band is close to the naive ramp away from the reset.
        let t = saw_tables().band_at(0);
        for n in (100..WAVE_LEN - 100).step_by(50) {
            let p = n as f64 / WAVE_LEN as f64;
            assert!((t[n] as f64 - (2.0 * p - 1.0)).abs() < 0.01, "saw at {p}");
        }
        let t = triangle_tables().band_at(0);
        for (n, want) in [
            (0, 0.0),
            (WAVE_LEN / 4, 1.0),
            (WAVE_LEN / 2, 0.0),
            (3 * WAVE_LEN / 4, -1.0),
        ] {
            assert!((t[n] - want).abs() < 0.01, "triangle at {n}: {}", t[n]);
        }
    }
}
