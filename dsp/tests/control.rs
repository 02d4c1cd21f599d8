//! Behaviour tests of the control and logic module types: quantize, slew,
//! sh, math, compare, logic, xfade, switch, random, envfollow, ar.

mod common;
mod support;

use common::{drive, module, rms, sine_wave};
use dsp::modules::quantize::{SCALES, SCALE_MASKS};
use support::run1;

const SR: f32 = 48_000.0;

/// Quantizes each of `xs` with `params`.
fn quantize(params: &[(&str, f32)], xs: &[f32]) -> Vec<f32> {
    let mut m = module("quantize", SR, params);
    run1(&mut m, xs).remove(0)
}

#[test]
fn quantize_gives_exact_scale_degrees() {
    // C major: degrees stay, others go to the nearest degree, ties down.
    let x = [
        60.0, 61.0, 62.0, 63.0, 64.0, 65.4, 66.0, 66.6, 71.0, 71.6, -1.0, -13.2,
    ];
    let want = [
        60.0, 60.0, 62.0, 62.0, 64.0, 65.0, 65.0, 67.0, 71.0, 72.0, -1.0, -13.0,
    ];
    assert_eq!(quantize(&[("scale", 1.0)], &x), want);
    // Every scale and root: each output is an allowed note, the nearest one.
    let xs: Vec<f32> = (-240..=960).map(|k| k as f32 * 0.1).collect();
    for (s, &mask) in SCALE_MASKS.iter().enumerate() {
        for root in 0..12 {
            let y = quantize(&[("scale", s as f32), ("root", root as f32)], &xs);
            for (&x, &y) in xs.iter().zip(&y) {
                assert_eq!(y, y.round(), "{} root {root}: {x} -> {y}", SCALES[s]);
                let pc = (y as i32 - root).rem_euclid(12);
                assert!(
                    mask & (1 << pc) != 0,
                    "{} root {root}: {x} -> {y}",
                    SCALES[s]
                );
                // No allowed note is strictly closer.
                for n in (x.floor() as i32 - 12)..=(x.ceil() as i32 + 12) {
                    let ok = mask & (1 << (n - root).rem_euclid(12)) != 0;
                    assert!(
                        !ok || (n as f32 - x).abs() >= (y - x).abs(),
                        "{} root {root}: {x} -> {y}, {n} is closer",
                        SCALES[s]
                    );
                }
            }
        }
    }
    // Minor pentatonic on A: A C D E G.
    let y = quantize(
        &[("scale", 11.0), ("root", 9.0)],
        &[57.0, 58.0, 59.0, 61.5, 66.0],
    );
    assert_eq!(y, [57.0, 57.0, 60.0, 62.0, 67.0]);
    // Custom: root and fifth only.
    let custom = SCALES.len() as f32 - 1.0;
    let y = quantize(
        &[("scale", custom), ("mask", 129.0)],
        &[3.0, 4.0, 9.0, 10.0],
    );
    assert_eq!(y, [0.0, 7.0, 7.0, 12.0]);
}

#[test]
fn quantize_units() {
    // Hz: equal temperament around A4 = 440; C major keeps A, moves A# to A.
    let y = quantize(&[("unit", 2.0)], &[440.0, 466.16, 455.0, 1000.0]);
    assert_eq!(y[0], 440.0);
    assert_eq!(y[1], 440.0);
    assert_eq!(y[2], 440.0);
    assert!((y[3] - 987.7666).abs() < 1e-3, "{}", y[3]); // B5
                                                         // V/oct: 1 per octave, 0 = C; a quarter tone above D goes to D.
    let y = quantize(&[("unit", 1.0)], &[2.1 / 12.0, 1.0, -0.5]);
    assert!((y[0] - 2.0 / 12.0).abs() < 1e-6);
    assert_eq!(y[1], 1.0);
    assert!(
        (y[2] + 7.0 / 12.0).abs() < 1e-6,
        "F# goes down to F: {}",
        y[2]
    );
}

#[test]
fn slew_limits_rise_and_fall_separately() {
    let mut x = vec![1.0f32; 6000];
    x[5000..].fill(0.0);
    let mut m = module("slew", SR, &[("rise", 10.0), ("fall", 20.0)]);
    let y = run1(&mut m, &x).remove(0);
    // Rise: 1/480 per sample, so 1.0 after 480 samples.
    assert!((y[239] - 0.5).abs() < 1e-3, "{}", y[239]);
    assert!(y[477] < 1.0);
    assert_eq!(y[481], 1.0);
    assert!(y.windows(2).take(4999).all(|w| w[1] >= w[0]));
    // Fall: 1/960 per sample.
    assert!((y[5000 + 479] - 0.5).abs() < 2e-3, "{}", y[5479]);
    assert!(y[5000 + 955] > 0.0);
    // 0 ms: instant.
    let mut m = module("slew", SR, &[("rise", 0.0)]);
    assert_eq!(run1(&mut m, &x).remove(0)[0], 1.0);
}

#[test]
fn sh_holds_between_triggers() {
    let n = 1000;
    let ramp: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let trig: Vec<f32> = (0..n)
        .map(|i| if i % 100 < 10 { 1.0 } else { 0.0 })
        .collect();
    let mut m = module("sh", SR, &[]);
    let y = drive(&mut m, n, 37, &[Some(&ramp), Some(&trig)], &[]).remove(0);
    for (i, &v) in y.iter().enumerate() {
        assert_eq!(v, (i / 100 * 100) as f32, "at {i}");
    }
}

#[test]
fn math_operations() {
    let a = [3.0f32, -2.0, 0.5];
    let b = [1.0f32, 4.0, -0.5];
    let cases: [(f32, [f32; 3]); 6] = [
        (0.0, [4.0, 2.0, 0.0]),
        (1.0, [2.0, -6.0, 1.0]),
        (2.0, [3.0, -8.0, -0.25]),
        (3.0, [1.0, -2.0, -0.5]),
        (4.0, [3.0, 4.0, 0.5]),
        (5.0, [3.0, 2.0, 0.5]),
    ];
    for (op, want) in cases {
        let mut m = module("math", SR, &[("op", op)]);
        let y = drive(&mut m, 3, 3, &[Some(&a), Some(&b)], &[]).remove(0);
        assert_eq!(y, want, "op {op}");
    }
    // Scale and offset, b from the parameter when unconnected.
    let mut m = module(
        "math",
        SR,
        &[
            ("op", 2.0),
            ("value", 2.0),
            ("scale", 10.0),
            ("offset", 1.0),
        ],
    );
    let y = drive(&mut m, 3, 3, &[Some(&a), None], &[]).remove(0);
    assert_eq!(y, [61.0, -39.0, 11.0]);
}

#[test]
fn logic_truth_tables() {
    let a = [0.0f32, 0.0, 1.0, 1.0];
    let b = [0.0f32, 1.0, 0.0, 1.0];
    let tables: [(&str, [f32; 4]); 6] = [
        ("and", [0.0, 0.0, 0.0, 1.0]),
        ("or", [0.0, 1.0, 1.0, 1.0]),
        ("xor", [0.0, 1.0, 1.0, 0.0]),
        ("not", [1.0, 1.0, 0.0, 0.0]),
        ("nand", [1.0, 1.0, 1.0, 0.0]),
        ("nor", [1.0, 0.0, 0.0, 0.0]),
    ];
    for (k, (name, want)) in tables.iter().enumerate() {
        let mut m = module("logic", SR, &[("op", k as f32)]);
        let y = drive(&mut m, 4, 4, &[Some(&a), Some(&b)], &[]).remove(0);
        assert_eq!(&y, want, "{name}");
    }
    // The threshold is 0.5.
    let mut m = module("logic", SR, &[("op", 1.0)]);
    let y = drive(&mut m, 2, 2, &[Some(&[0.49, 0.5]), None], &[]).remove(0);
    assert_eq!(y, [0.0, 1.0]);
}

#[test]
fn compare_with_hysteresis() {
    let x = [0.0f32, 0.55, 0.65, 0.5, 0.45, 0.35, 0.5, 0.7];
    let mut m = module("compare", SR, &[("threshold", 0.5), ("hysteresis", 0.2)]);
    let y = drive(&mut m, x.len(), 3, &[Some(&x)], &[]);
    assert_eq!(y[0], [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
    assert_eq!(y[1], [1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn xfade_and_switch() {
    let a = [1.0f32; 4];
    let b = [3.0f32; 4];
    for (mix, lin, pow) in [
        (0.0f32, 1.0f32, 1.0f32),
        (0.5, 2.0, 2.828_427),
        (1.0, 3.0, 3.0),
    ] {
        let mut m = module("xfade", SR, &[("mix", mix)]);
        let y = drive(&mut m, 4, 4, &[Some(&a), Some(&b)], &[]).remove(0);
        assert_eq!(y[3], lin, "linear at {mix}");
        let mut m = module("xfade", SR, &[("mix", mix), ("curve", 1.0)]);
        let y = drive(&mut m, 4, 4, &[Some(&a), Some(&b)], &[]).remove(0);
        assert!((y[3] - pow).abs() < 1e-5, "equal power at {mix}: {}", y[3]);
    }
    let ins: Vec<Vec<f32>> = (0..8).map(|k| vec![k as f32 + 1.0; 8]).collect();
    let refs: Vec<Option<&[f32]>> = ins.iter().map(|v| Some(&v[..])).collect();
    for k in 0..8 {
        let mut m = module("switch", SR, &[("select", k as f32)]);
        let y = drive(&mut m, 8, 8, &refs, &[]).remove(0);
        assert_eq!(y, vec![k as f32 + 1.0; 8]);
    }
    // Audio-rate selection through modulation.
    let sel: Vec<f32> = (0..8).map(|i| (i % 3) as f32).collect();
    let mut m = module("switch", SR, &[]);
    let y = drive(&mut m, 8, 8, &refs, &[(0, &sel)]).remove(0);
    assert_eq!(y, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]);
}

#[test]
fn random_steps_on_the_clock_and_glides_when_smooth() {
    let n = 4800;
    let clock: Vec<f32> = (0..n)
        .map(|i| if i % 480 < 5 { 1.0 } else { 0.0 })
        .collect();
    let params = [("depth", 2.0f32), ("offset", 10.0)];
    let mut m = module("random", SR, &params);
    m.seed(42);
    let y = drive(&mut m, n, 64, &[Some(&clock)], &[]).remove(0);
    for i in 1..n {
        if i % 480 != 0 {
            assert_eq!(y[i], y[i - 1], "changed between clocks at {i}");
        }
        assert!((8.0..12.0).contains(&y[i]));
    }
    let distinct: std::collections::BTreeSet<u32> = y.iter().map(|v| v.to_bits()).collect();
    assert!(distinct.len() >= 9, "{} values", distinct.len());
    // Same seed, same values; another seed, others.
    let mut m2 = module("random", SR, &params);
    m2.seed(42);
    assert_eq!(drive(&mut m2, n, 37, &[Some(&clock)], &[]).remove(0), y);
    let mut m3 = module("random", SR, &params);
    m3.seed(43);
    assert_ne!(drive(&mut m3, n, 64, &[Some(&clock)], &[]).remove(0), y);
    // Smooth, internal 100 Hz clock: continuous, hitting each new value.
    let mut m = module("random", SR, &[("mode", 1.0), ("rate", 100.0)]);
    let y = drive(&mut m, n, 64, &[None], &[]).remove(0);
    let step = y
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(
        step < 2.0 * std::f32::consts::PI / 480.0,
        "largest step {step}"
    );
    assert!(y.iter().any(|&v| v.abs() > 0.3));
}

#[test]
fn envfollow_tracks_peak_and_rms() {
    let x = sine_wave(500.0, 0.5, SR as f64, 48_000);
    let mut m = module("envfollow", SR, &[("attack", 1.0), ("release", 500.0)]);
    let y = run1(&mut m, &x).remove(0);
    let tail = &y[24_000..];
    assert!(
        tail.iter().all(|&v| (0.47..=0.5).contains(&v)),
        "peak {}",
        rms(tail)
    );
    let mut m = module(
        "envfollow",
        SR,
        &[("attack", 50.0), ("release", 50.0), ("mode", 1.0)],
    );
    let y = run1(&mut m, &x).remove(0);
    let want = 0.5 / 2f32.sqrt();
    assert!(y[24_000..].iter().all(|&v| (v - want).abs() < 0.01 * want));
    // Silence: decays with the release.
    let mut x2 = x.clone();
    x2[24_000..].fill(0.0);
    let mut m = module("envfollow", SR, &[("release", 10.0)]);
    let y = run1(&mut m, &x2).remove(0);
    assert!(y[24_000 + 480 * 5] < 0.01 * y[23_999]);
}

#[test]
fn ar_segments_are_exact() {
    let n = 2000;
    let mut trig = vec![0.0f32; n];
    trig[100..110].fill(1.0);
    let mut m = module("ar", SR, &[("attack", 1.0), ("release", 10.0)]);
    let y = drive(&mut m, n, 37, &[Some(&trig), None], &[]);
    let env = &y[1];
    assert_eq!(env[100], 0.0);
    assert_eq!(env[148], 1.0);
    assert!(env[147] < 1.0 && env[149] < 1.0);
    assert!(env[100..=148].windows(2).all(|w| w[1] > w[0]));
    assert!(env[148..=628].windows(2).all(|w| w[1] < w[0]));
    assert_eq!(env[628], 0.0);
    assert!(env[627] > 0.0);
    assert_eq!(y[0], y[1], "no input: out is the envelope");
    // A gate-on event fires it too, and `in` is multiplied.
    let mut m = module("ar", SR, &[("attack", 0.0), ("release", 1.0)]);
    m.set_gate(true);
    let x = vec![0.5f32; 100];
    let y = drive(&mut m, 100, 64, &[None, Some(&x)], &[]);
    assert_eq!(y[1][0], 1.0);
    assert_eq!(y[0][0], 0.5);
    assert_eq!(y[1][48], 0.0);
}
