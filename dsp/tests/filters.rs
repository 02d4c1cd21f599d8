//! Accuracy tests of the filter module types: svf, comb, allpass, formant, eq.

mod common;
mod support;

use common::{db, drive, module, rms, sine_wave};
use support::{gain_db, peak, run1};

const SR: f64 = 48_000.0;

/// Output index of each svf response.
const LP: usize = 0;
const BP: usize = 1;
const HP: usize = 2;
const NOTCH: usize = 3;

#[test]
fn svf_outputs_are_3db_down_at_cutoff() {
    for fc in [100.0f32, 1000.0, 5000.0, 12000.0] {
        let p = [("cutoff", fc), ("q", std::f32::consts::FRAC_1_SQRT_2)];
        let f = fc as f64;
        for (out, name) in [(LP, "lp"), (HP, "hp")] {
            let g = gain_db("svf", &p, out, f);
            assert!((g + 3.01).abs() < 0.05, "{name} at cutoff {fc}: {g:.3} dB");
        }
        // The band-pass peaks at 0 dB on the cutoff; its -3 dB edges sit at
        // fc·(sqrt(1 + 1/(4q²)) ± 1/(2q)).
        let g = gain_db("svf", &p, BP, f);
        assert!(g.abs() < 0.05, "bp at cutoff {fc}: {g:.3} dB");
        // (in the prewarped analog domain, mapped back by the bilinear transform).
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let s = (1.0 + 1.0 / (4.0 * q * q)).sqrt();
        let wc = (std::f64::consts::PI * f / SR).tan();
        for w in [wc * (s - 0.5 / q), wc * (s + 0.5 / q)] {
            let edge = w.atan() * SR / std::f64::consts::PI;
            if edge < 0.45 * SR {
                let g = gain_db("svf", &p, BP, edge);
                assert!(
                    (g + 3.01).abs() < 0.1,
                    "bp edge {edge:.1} (fc {fc}): {g:.3}"
                );
                // The notch is the complement: -3 dB where the band-pass is.
                let g = gain_db("svf", &p, NOTCH, edge);
                assert!(
                    (g + 3.01).abs() < 0.1,
                    "notch edge {edge:.1} (fc {fc}): {g:.3}"
                );
            }
        }
        let g = gain_db("svf", &p, NOTCH, f);
        assert!(g < -50.0, "notch at cutoff {fc}: {g:.1} dB");
    }
}

#[test]
fn svf_slopes_are_12db_per_octave() {
    let p = [("cutoff", 1000.0f32), ("q", 0.707)];
    // Passbands at 0 dB.
    assert!(gain_db("svf", &p, LP, 50.0).abs() < 0.05);
    assert!(gain_db("svf", &p, HP, 15_000.0).abs() < 0.3);
    // Two octaves out: about -24 dB (12 dB per octave).
    let lp = gain_db("svf", &p, LP, 4000.0);
    let hp = gain_db("svf", &p, HP, 250.0);
    assert!((-25.5..-23.0).contains(&lp), "lp two octaves up: {lp:.2}");
    assert!((-25.0..-23.5).contains(&hp), "hp two octaves down: {hp:.2}");
    // Resonance: q = 10 peaks the low-pass by 20 dB at the cutoff.
    let g = gain_db("svf", &[("cutoff", 1000.0), ("q", 10.0)], LP, 1000.0);
    assert!((g - 20.0).abs() < 0.1, "lp q=10 peak {g:.2}");
}

/// A deterministic white noise in [-a, a).
fn noise(n: usize, a: f32, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            a * (s as i32 as f32 / 2_147_483_648.0)
        })
        .collect()
}

#[test]
fn svf_is_stable_under_audio_rate_cutoff_modulation() {
    let n = 96_000;
    let x = noise(n, 0.5, 7);
    // Cutoff swings 10 kHz ± 9.99 kHz at 3 kHz with heavy resonance.
    let cutoff_mod: Vec<f32> = sine_wave(3000.0, 9990.0, SR, n);
    for q in [0.5f32, 5.0, 40.0] {
        let mut m = module("svf", SR as f32, &[("cutoff", 10_000.0), ("q", q)]);
        let y = drive(&mut m, n, 64, &[Some(&x)], &[(0, &cutoff_mod)]);
        for (k, o) in y.iter().enumerate() {
            assert!(o.iter().all(|v| v.is_finite()), "q {q} output {k}");
            // Bounded: a resonant peak of q at most, far from a blow-up.
            assert!(peak(o) < 2.0 * q.max(1.0), "q {q} output {k}: {}", peak(o));
        }
        // And it still filters: the low-pass of a held-down cutoff is darker.
        let mut low = module("svf", SR as f32, &[("cutoff", 200.0), ("q", 0.707)]);
        let y2 = run1(&mut low, &x);
        assert!(rms(&y2[LP]) < 0.2 * rms(&x), "q {q}");
    }
}

#[test]
fn comb_impulse_repeats_at_its_delay() {
    let mut x = vec![0.0f32; 2000];
    x[0] = 1.0;
    for fb in [0.7f32, -0.5] {
        let mut m = module("comb", SR as f32, &[("time", 10.0), ("feedback", fb)]);
        let y = run1(&mut m, &x);
        let d = 480;
        for k in 0..4 {
            let want = fb.powi(k as i32);
            assert!((y[0][k * d] - want).abs() < 1e-6, "fb {fb} echo {k}");
            assert_eq!(y[0][k * d + 1], 0.0);
        }
        assert_eq!(y[0][d - 1], 0.0);
    }
    // Damping lowers each echo's high end: the echo spreads over samples.
    let mut m = module("comb", SR as f32, &[("time", 10.0), ("damp", 0.5)]);
    let y = run1(&mut m, &x);
    assert!(y[0][480] < 0.7 && y[0][481] > 0.0);
}

#[test]
fn allpass_passes_every_frequency_at_unity() {
    for g in [0.5f32, -0.7, 0.9] {
        for f in [60.0, 440.0, 1234.0, 5000.0, 15000.0] {
            let d = gain_db("allpass", &[("time", 1.0), ("g", g)], 0, f);
            assert!(d.abs() < 0.05, "g {g} at {f} Hz: {d:.3} dB");
        }
    }
    // And it is not a wire: the impulse response is -g, then echoes.
    let mut x = vec![0.0f32; 200];
    x[0] = 1.0;
    let mut m = module("allpass", SR as f32, &[("time", 1.0), ("g", 0.5)]);
    let y = run1(&mut m, &x);
    assert_eq!(y[0][0], -0.5);
    assert!((y[0][48] - 0.75).abs() < 1e-6);
}

/// The frequency of the loudest response of `formant` on a 25 Hz grid.
fn formant_peak(params: &[(&str, f32)], lo: f64, hi: f64) -> f64 {
    let mut best = (f64::MIN, 0.0);
    let mut f = lo;
    while f <= hi {
        let g = gain_db("formant", params, 0, f);
        if g > best.0 {
            best = (g, f);
        }
        f += 25.0;
    }
    best.1
}

#[test]
fn formant_follows_the_vowel() {
    // First formants: a 600 Hz, i 250 Hz; second: a 1040 Hz, i 1750 Hz.
    let a = formant_peak(&[("vowel", 0.0)], 150.0, 900.0);
    let i = formant_peak(&[("vowel", 2.0)], 150.0, 900.0);
    assert!((a - 600.0).abs() <= 25.0, "a: F1 at {a}");
    assert!((i - 250.0).abs() <= 25.0, "i: F1 at {i}");
    let i2 = formant_peak(&[("vowel", 2.0)], 1300.0, 2100.0);
    assert!((i2 - 1750.0).abs() <= 50.0, "i: F2 at {i2}");
    // Half way from a to e, F1 lies between 600 and 400 Hz.
    let ae = formant_peak(&[("vowel", 0.5)], 150.0, 900.0);
    assert!((450.0..=550.0).contains(&ae), "a/e: F1 at {ae}");
    // An octave of shift doubles it.
    let up = formant_peak(&[("vowel", 0.0), ("shift", 12.0)], 900.0, 1500.0);
    assert!((up - 1200.0).abs() <= 50.0, "a + octave: F1 at {up}");
}

#[test]
fn eq_bands_reach_their_gains() {
    let flat: [(&str, f32); 0] = [];
    for f in [30.0, 200.0, 1000.0, 5000.0, 15000.0] {
        let g = gain_db("eq", &flat, 0, f);
        assert!(g.abs() < 0.01, "flat eq at {f}: {g:.4}");
    }
    let low = [("low", 12.0f32), ("low_freq", 200.0)];
    assert!((gain_db("eq", &low, 0, 25.0) - 12.0).abs() < 0.3);
    assert!(
        (gain_db("eq", &low, 0, 200.0) - 6.0).abs() < 0.3,
        "half gain at the corner"
    );
    assert!(gain_db("eq", &low, 0, 8000.0).abs() < 0.1);
    let high = [("high", -12.0f32), ("high_freq", 3000.0)];
    assert!((gain_db("eq", &high, 0, 20000.0) + 12.0).abs() < 0.3);
    assert!((gain_db("eq", &high, 0, 3000.0) + 6.0).abs() < 0.3);
    assert!(gain_db("eq", &high, 0, 100.0).abs() < 0.1);
    for (g, q) in [(9.0f32, 2.0f32), (-15.0, 0.7)] {
        let mid = [("mid", g), ("mid_freq", 1500.0), ("mid_q", q)];
        let at = gain_db("eq", &mid, 0, 1500.0);
        assert!((at - g as f64).abs() < 0.05, "mid {g} dB: {at:.3}");
        assert!(gain_db("eq", &mid, 0, 40.0).abs() < 0.2);
    }
    let _ = db(1.0);
}
