//! Accuracy tests of the effect module types: limiter, compressor, chorus,
//! flanger, phaser, wavefolder, stereo, pingpong.

mod common;
mod support;

use common::{db, drive, module, rms, sine_wave};
use dsp::modules::compressor::static_curve;
use support::{gain_db, peak, run1};

const SR: f32 = 48_000.0;

#[test]
fn limiter_never_exceeds_its_ceiling() {
    let n = 24_000;
    for ceiling in [-1.0f32, -6.0, -20.0] {
        let ceil = 10f32.powf(ceiling / 20.0);
        for la in [0.1f32, 1.0, 5.0, 20.0] {
            let mut m = module(
                "limiter",
                SR,
                &[("ceiling", ceiling), ("lookahead", la), ("release", 20.0)],
            );
            // A sweep of levels (-20 .. +40 dB re the ceiling) and
            // frequencies, with abrupt level jumps, the channels differing.
            for (k, &f) in [30.0, 440.0, 3000.0, 11_000.0, 19_000.0].iter().enumerate() {
                for step in 0..7 {
                    let amp = ceil as f64 * 10f64.powf((step as f64 * 10.0 - 20.0) / 20.0);
                    let l = sine_wave(f, amp, SR as f64, n);
                    let r = sine_wave(f * 1.5, amp * 0.7, SR as f64, n);
                    let y = drive(&mut m, n, 37 + k * 7, &[Some(&l), Some(&r)], &[]);
                    for o in &y {
                        let p = peak(o);
                        assert!(
                            p <= ceil,
                            "ceiling {ceiling} la {la} f {f} step {step}: {p}"
                        );
                    }
                }
            }
            // Impulses out of silence: the hardest case for the lookahead.
            let mut x = vec![0.0f32; 4800];
            for i in (100..4800).step_by(331) {
                x[i] = 8.0 * if i % 2 == 0 { 1.0 } else { -1.0 };
            }
            let y = drive(&mut m, 4800, 64, &[Some(&x), None], &[]);
            assert!(peak(&y[0]) <= ceil);
            assert!(peak(&y[0]) > 0.9 * ceil, "impulses reach the ceiling");
        }
    }
}

#[test]
fn limiter_passes_quiet_signals_delayed() {
    let x = sine_wave(440.0, 0.5, SR as f64, 4800);
    let mut m = module("limiter", SR, &[("ceiling", -1.0), ("lookahead", 5.0)]);
    let y = drive(&mut m, 4800, 64, &[Some(&x), None], &[]);
    // 5 ms = 240 samples of delay, gain exactly 1.
    assert!(y[0][..240].iter().all(|&v| v == 0.0));
    for i in 240..4800 {
        assert_eq!(y[0][i], x[i - 240], "at {i}");
    }
    // A loud sine settles at the ceiling.
    let x = sine_wave(440.0, 4.0, SR as f64, 48_000);
    let mut m = module("limiter", SR, &[("ceiling", -6.0)]);
    let y = run1(&mut m, &x);
    let p = peak(&y[0][24_000..]);
    assert!((db(p as f64) + 6.0).abs() < 0.5, "{}", db(p as f64));
}

/// Steady-state gain change in dB of a compressor on `x` (last quarter).
fn comp_gain(params: &[(&str, f32)], x: &[f32]) -> f64 {
    let mut m = module("compressor", SR, params);
    let y = run1(&mut m, x);
    let q = x.len() * 3 / 4;
    db(rms(&y[0][q..]) / rms(&x[q..]))
}

#[test]
fn compressor_follows_its_static_curve() {
    for (t, ratio, knee) in [
        (-20.0f32, 4.0f32, 6.0f32),
        (-30.0, 10.0, 12.0),
        (-12.0, 2.0, 0.0),
    ] {
        let params = [
            ("threshold", t),
            ("ratio", ratio),
            ("knee", knee),
            ("attack", 5.0),
            ("release", 50.0),
        ];
        for level in (-48..=0).step_by(3) {
            let level = level as f32;
            let want = (static_curve(level, t, ratio, knee) - level) as f64;
            // DC at the level, and a 1 kHz sine whose RMS is the level.
            let a = 10f32.powf(level / 20.0);
            let dc = vec![a; 24_000];
            let g = comp_gain(&params, &dc);
            assert!(
                (g - want).abs() < 0.5,
                "dc t {t} r {ratio} k {knee} at {level}: {g:.2} vs {want:.2}"
            );
            let s = sine_wave(1000.0, a as f64 * 2f64.sqrt(), SR as f64, 24_000);
            let g = comp_gain(&params, &s);
            assert!(
                (g - want).abs() < 0.5,
                "sine t {t} r {ratio} k {knee} at {level}: {g:.2} vs {want:.2}"
            );
        }
    }
    // Makeup adds its gain.
    let dc = vec![0.01f32; 24_000];
    assert!((comp_gain(&[("makeup", 6.0)], &dc) - 6.0).abs() < 0.01);
}

#[test]
fn compressor_static_curve_is_continuous_through_the_knee() {
    for knee in [0.0f32, 6.0, 12.0] {
        let mut last = static_curve(-60.0, -20.0, 4.0, knee);
        let mut x = -60.0f32;
        while x < 0.0 {
            x += 0.01;
            let y = static_curve(x, -20.0, 4.0, knee);
            assert!(y > last && y - last < 0.0101, "knee {knee} at {x}");
            last = y;
        }
    }
}

#[test]
fn compressor_sidechain_ducks_the_input() {
    let n = 24_000;
    let x = sine_wave(440.0, 0.02, SR as f64, n);
    let key = sine_wave(60.0, 0.9, SR as f64, n);
    let params = [("threshold", -30.0f32), ("ratio", 10.0)];
    let mut m = module("compressor", SR, &params);
    let y = drive(&mut m, n, 64, &[Some(&x), Some(&key)], &[]);
    let g = db(rms(&y[0][12_000..]) / rms(&x[12_000..]));
    assert!(g < -15.0, "ducked by {g:.1} dB");
    // The gr output reports it.
    assert!(
        (y[1][n - 1] as f64 - g).abs() < 1.5,
        "gr {} vs {g}",
        y[1][n - 1]
    );
    // Without the key the quiet input (-37 dB RMS, below the knee) passes untouched.
    let mut m = module("compressor", SR, &params);
    let y = drive(&mut m, n, 64, &[Some(&x), None], &[]);
    assert!(db(rms(&y[0][12_000..]) / rms(&x[12_000..])).abs() < 0.01);
}

#[test]
fn chorus_and_flanger_are_modulated_delays() {
    let x = sine_wave(300.0, 0.5, SR as f64, 9600);
    // Dry only: the input.
    for kind in ["chorus", "flanger"] {
        let mut m = module(kind, SR, &[("mix", 0.0)]);
        assert_eq!(run1(&mut m, &x)[0], x, "{kind}");
    }
    // Wet, no depth: an exact delay (chorus 12 ms; flanger 0.5 ms, no feedback).
    let mut m = module("chorus", SR, &[("mix", 1.0), ("depth", 0.0)]);
    let y = run1(&mut m, &x);
    for (c, ch) in y.iter().enumerate() {
        assert!((576..9600).all(|i| ch[i] == x[i - 576]), "chorus ch {c}");
    }
    let mut m = module(
        "flanger",
        SR,
        &[("mix", 1.0), ("depth", 0.0), ("feedback", 0.0)],
    );
    let y = run1(&mut m, &x);
    assert!((24..9600).all(|i| y[0][i] == x[i - 24]));
    // With depth the two chorus channels differ (stereo), and stay bounded.
    let mut m = module("chorus", SR, &[("mix", 0.5), ("depth", 5.0), ("rate", 2.0)]);
    let y = run1(&mut m, &x);
    assert!(y[0] != y[1]);
    assert!(peak(&y[0]) <= 0.5 + 1e-6);
    // The flanger's feedback comb: a notch-and-peak pattern that moves.
    let mut m = module(
        "flanger",
        SR,
        &[("feedback", 0.9), ("rate", 1.0), ("mix", 0.5)],
    );
    let y = run1(&mut m, &x);
    let (a, b) = (rms(&y[0][2400..4800]), rms(&y[0][7200..9600]));
    assert!(
        (db(a / b)).abs() > 0.5,
        "flanging changes the level: {a} {b}"
    );
}

#[test]
fn phaser_is_allpass_when_wet_and_notches_when_mixed() {
    // Wet only, no sweep, no feedback: the chain is an allpass.
    for f in [100.0, 600.0, 3000.0] {
        let p = [("mix", 1.0f32), ("depth", 0.0), ("feedback", 0.0)];
        let g = gain_db("phaser", &p, 0, f);
        assert!(g.abs() < 0.05, "at {f}: {g:.3}");
    }
    // Half mixed: 4 stages put a notch where the phase is -540°... search one.
    let p = [
        ("mix", 0.5f32),
        ("depth", 0.0),
        ("feedback", 0.0),
        ("freq", 600.0),
    ];
    let deepest = (1..80)
        .map(|k| gain_db("phaser", &p, 0, k as f64 * 50.0))
        .fold(0.0, f64::min);
    assert!(deepest < -20.0, "deepest {deepest:.1} dB");
}

#[test]
fn wavefolder_folds_and_stays_bounded() {
    let x: Vec<f32> = (0..4000).map(|i| (i as f32 - 2000.0) / 100.0).collect();
    let mut m = module("wavefolder", SR, &[("drive", 1.0)]);
    let y = run1(&mut m, &x).remove(0);
    for (&x, &y) in x.iter().zip(&y) {
        assert!(y.abs() <= 1.0);
        if x.abs() <= 1.0 {
            assert!((y - x).abs() < 1e-6, "identity inside: {x} -> {y}");
        }
    }
    let y = run1(&mut m, &[1.5, 2.0, 3.0, -1.5]).remove(0);
    let want = [0.5, 0.0, -1.0, -0.5];
    assert!(
        y.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
        "{y:?}"
    );
    // More drive, more harmonics: the folded sine has more zero crossings.
    let s = sine_wave(100.0, 1.0, SR as f64, 4800);
    let crossings = |v: &[f32]| {
        v.windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count()
    };
    let mut m = module("wavefolder", SR, &[("drive", 5.0)]);
    let y = run1(&mut m, &s).remove(0);
    assert!(crossings(&y) > 3 * crossings(&s));
}

#[test]
fn stereo_width() {
    let l = [1.0f32, 0.5];
    let r = [0.0f32, 0.5];
    for (w, wl, wr) in [
        (0.0f32, [0.5f32, 0.5], [0.5f32, 0.5]),
        (1.0, l, r),
        (2.0, [1.5, 0.5], [-0.5, 0.5]),
    ] {
        let mut m = module("stereo", SR, &[("width", w)]);
        let y = drive(&mut m, 2, 2, &[Some(&l), Some(&r)], &[]);
        assert_eq!(y[0], wl, "width {w}");
        assert_eq!(y[1], wr, "width {w}");
    }
}

#[test]
fn pingpong_echoes_alternate() {
    let n = 4 * 4800 + 10;
    let mut x = vec![0.0f32; n];
    x[0] = 1.0;
    let mut m = module(
        "pingpong",
        SR,
        &[("time", 100.0), ("feedback", 0.5), ("mix", 1.0)],
    );
    let y = drive(&mut m, n, 64, &[Some(&x), None], &[]);
    let (l, r) = (&y[0], &y[1]);
    // Left at 100 ms, right at 200, left at 300, right at 400; halving.
    assert_eq!(l[4800], 1.0);
    assert_eq!(r[9600], 0.5);
    assert_eq!(l[14_400], 0.25);
    assert_eq!(r[19_200], 0.125);
    let energy = |v: &[f32]| v.iter().filter(|x| **x != 0.0).count();
    assert_eq!(energy(l), 2);
    assert_eq!(energy(r), 2);
}

#[test]
fn example_patches_of_these_types_play() {
    use dsp::render::render_graph;
    use dsp::{Graph, Patch, Registry};
    let reg = Registry::standard();
    for name in ["pluck-chorus-pingpong", "vowel-drone"] {
        let path = format!("{}/../examples/{name}.patch", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let p = Patch::parse(&reg, &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .0;
        let mut g = Graph::compile(&p, &reg, SR, 2).unwrap();
        let out = render_graph(&mut g, &[], 96_000, 64);
        for ch in &out {
            assert!(ch.iter().all(|v| v.is_finite() && v.abs() <= 1.0), "{name}");
            assert!(
                rms(&ch[48_000..]) > 0.02,
                "{name} is too quiet: {}",
                rms(ch)
            );
        }
        assert_eq!(g.nan_resets(), 0, "{name}");
    }
}
