//! Accuracy tests of the synthesis sources: `fm` (sidebands at the Bessel
//! levels, pitch, feedback harmonics), `supersaw` (voices where declared,
//! no aliasing) and `pluck` (pitch within a cent, monotone decay at the
//! declared rate, trigger and gate alike).

mod common;

use common::*;
use dsp::modules::supersaw::{CENTRE, SPREAD, VOICES};
use dsp::EventKind;
use support::signal::{peak_frequency_near, power_at};

const SR: f32 = 48_000.0;

/// Power in the main lobe (±6 bins) around `f` of a Blackman-Harris spectrum
/// `p` of `n` points: independent of where `f` falls between bins.
fn lobe_power(p: &[f64], f: f64, sr: f64, n: usize) -> f64 {
    let k = (f * n as f64 / sr).round() as usize;
    p[k - 6..=k + 6].iter().sum()
}

/// Bessel function of the first kind `J_k(x)`, from its power series.
fn bessel_j(k: u32, x: f64) -> f64 {
    let mut term = (x / 2.0).powi(k as i32) / (1..=k).map(f64::from).product::<f64>();
    let mut sum = 0.0;
    for m in 0..30 {
        sum += term;
        term *= -(x * x / 4.0) / ((m + 1) as f64 * (m + 1 + k) as f64);
    }
    sum
}

// ---------------------------------------------------------------------------
// fm
// ---------------------------------------------------------------------------

#[test]
fn fm_sidebands_have_bessel_levels() {
    let n = 1 << 16;
    let (fc, fmod) = (6000.0f64, 750.0f64);
    for index in [0.5f32, 1.0, 2.4] {
        let mut g = graph(
            SR,
            1,
            &[
                ("m", "fm", &[("freq", fmod as f32), ("gain", 1.0)]),
                (
                    "c",
                    "fm",
                    &[("freq", fc as f32), ("index", index), ("gain", 1.0)],
                ),
            ],
            &[("m.out", "c.pm")],
        );
        let x = render(&mut g, n, 256);
        let p = spectrum(&x, n);
        let total: f64 = (-4i32..=4)
            .map(|k| lobe_power(&p, fc + k as f64 * fmod, SR as f64, n))
            .sum();
        let want_total: f64 = (-4i32..=4)
            .map(|k| bessel_j(k.unsigned_abs(), index as f64).powi(2))
            .sum();
        for k in -3i32..=3 {
            let got = lobe_power(&p, fc + k as f64 * fmod, SR as f64, n) / total;
            let want = bessel_j(k.unsigned_abs(), index as f64).powi(2) / want_total;
            if want < 1e-6 {
                continue;
            }
            let err = 10.0 * (got / want).log10();
            assert!(
                err.abs() < 0.1,
                "index {index}, sideband {k}: {err:+.3} dB off J_{k}({index})^2"
            );
        }
    }
}

#[test]
fn fm_ratio_sets_pitch_within_a_cent() {
    for (f, ratio) in [(440.0f32, 2.0f32), (440.0, 0.5), (1000.0, 3.0), (55.0, 1.0)] {
        let mut g = graph(SR, 1, &[("o", "fm", &[("freq", f), ("ratio", ratio)])], &[]);
        let x = render(&mut g, SR as usize, 128);
        let want = (f * ratio) as f64;
        let cents = 1200.0 * (zero_cross_freq(&x, SR as f64) / want).log2();
        assert!(cents.abs() < 1.0, "{f} Hz x {ratio}: {cents:+.4} cents");
    }
}

#[test]
fn fm_feedback_adds_harmonics_only() {
    let f = 1000.0;
    let plain = osc("fm", f, SR, 1 << 16);
    let mut g = graph(
        SR,
        1,
        &[("o", "fm", &[("freq", f), ("feedback", 0.9), ("gain", 1.0)])],
        &[],
    );
    let x = render(&mut g, 1 << 16, 64);
    assert!(x.iter().all(|v| v.abs() <= 1.0));
    let n = 1 << 16;
    let second = |x: &[f32]| {
        let p = spectrum(x, n);
        10.0 * (lobe_power(&p, 2.0 * f as f64, SR as f64, n)
            / lobe_power(&p, f as f64, SR as f64, n))
        .log10()
    };
    assert!(second(&plain) < -80.0, "a plain operator is a sine");
    let h2 = second(&x);
    assert!(h2 > -20.0, "feedback 0.9: 2nd harmonic at {h2:.1} dB");
    // Feedback FM has a DC offset: a harmonic (the 0th), not an alias.
    let mean = x.iter().sum::<f32>() / x.len() as f32;
    let ac: Vec<f32> = x.iter().map(|v| v - mean).collect();
    let alias = worst_alias_db(&ac, f as f64, SR as f64);
    assert!(
        alias < -60.0,
        "feedback: inharmonic component at {alias:.1} dB"
    );
}

// ---------------------------------------------------------------------------
// supersaw
// ---------------------------------------------------------------------------

/// Frequency of each saw for `freq` and `detune` cents.
fn voice_freqs(freq: f64, detune: f64) -> Vec<f64> {
    SPREAD
        .iter()
        .map(|s| freq * (*s as f64 * detune / 1200.0).exp2())
        .collect()
}

/// dB, relative to the centre saw's fundamental, of the strongest component
/// that is no harmonic of any of the saws.
fn worst_inharmonic_db(x: &[f32], freqs: &[f64], sr: f64) -> f64 {
    let n = 1 << 16;
    let p = spectrum(x, n);
    let bin = sr / n as f64;
    let guard = 8.0 * bin;
    let harmonic = |f: f64| {
        freqs.iter().any(|&f0| {
            let h = (f / f0).round();
            h >= 1.0 && (f - h * f0).abs() <= guard
        })
    };
    let worst = p
        .iter()
        .enumerate()
        .filter(|(k, _)| !harmonic(*k as f64 * bin))
        .map(|(_, &v)| v)
        .fold(0.0, f64::max);
    10.0 * (worst / lobe_power(&p, freqs[CENTRE], sr, n)).log10()
}

#[test]
fn supersaw_does_not_alias_at_5khz() {
    let (f, detune) = (5000.0, 25.0);
    let freqs = voice_freqs(f, detune);
    // The measure can fail: seven naive saws alias far above -60 dB.
    let naive: Vec<f32> = (0..1 << 16)
        .map(|i| {
            freqs
                .iter()
                .map(|fk| (2.0 * (i as f64 * fk / SR as f64).fract() - 1.0) as f32 / 7.0)
                .sum()
        })
        .collect();
    let naive_db = worst_inharmonic_db(&naive, &freqs, SR as f64);
    assert!(naive_db > -40.0, "naive supersaw measured {naive_db:.1} dB");
    for (sr, f) in [
        (48_000.0f32, 5000.0f64),
        (44_100.0, 5000.0),
        (48_000.0, 2345.0),
    ] {
        let mut g = graph(
            sr,
            1,
            &[(
                "o",
                "supersaw",
                &[("freq", f as f32), ("detune", detune as f32)],
            )],
            &[],
        );
        let x = render(&mut g, 1 << 16, 64);
        let db = worst_inharmonic_db(&x, &voice_freqs(f, detune), sr as f64);
        assert!(db <= -60.0, "supersaw {f} Hz at {sr}: alias at {db:.1} dB");
    }
}

#[test]
fn supersaw_voices_sit_at_their_detune_and_mix() {
    let (f, detune, mix) = (2000.0f64, 60.0f64, 0.4f64);
    let n = 1 << 16;
    let mut g = graph(
        SR,
        1,
        &[(
            "o",
            "supersaw",
            &[
                ("freq", f as f32),
                ("detune", detune as f32),
                ("mix", mix as f32),
            ],
        )],
        &[],
    );
    let p = spectrum(&render(&mut g, n, 100), n);
    let freqs = voice_freqs(f, detune);
    let centre = lobe_power(&p, freqs[CENTRE], SR as f64, n);
    for (k, fk) in freqs.iter().enumerate().filter(|(k, _)| *k != CENTRE) {
        let rel = 10.0 * (lobe_power(&p, *fk, SR as f64, n) / centre).log10();
        let want = 20.0 * mix.log10();
        assert!(
            (rel - want).abs() < 0.5,
            "saw {k} at {fk:.2} Hz: {rel:.2} dB, want {want:.2}"
        );
    }
    assert_eq!(freqs.len(), VOICES);
}

// ---------------------------------------------------------------------------
// pluck
// ---------------------------------------------------------------------------

/// One pluck at frame 0 (a gate-on), rendered for `secs`.
fn pluck(sr: f32, params: &[(&str, f32)], secs: f32) -> Vec<f32> {
    let mut g = graph(sr, 1, &[("p", "pluck", params)], &[]);
    let on = [ev(0, "p", EventKind::Gate(true))];
    render_ch(&mut g, (sr * secs) as usize, 256, &on).remove(0)
}

#[test]
fn pluck_fundamental_is_within_one_cent() {
    let mut worst = 0.0f64;
    for sr in [44_100.0f32, 48_000.0] {
        for f in [55.0f32, 110.0, 220.0, 329.63, 440.0, 987.77, 2000.0] {
            for damp in [0.0f32, 0.5, 1.0] {
                let x = pluck(sr, &[("freq", f), ("decay", 8.0), ("damp", damp)], 1.2);
                let got = peak_frequency_near(&x[(sr * 0.2) as usize..], sr as u32, f as f64, 40.0);
                let cents = 1200.0 * (got / f as f64).log2();
                assert!(
                    cents.abs() < 1.0,
                    "{f} Hz at {sr}, damp {damp}: {got:.3} Hz ({cents:+.3} cents)"
                );
                worst = worst.max(cents.abs());
            }
        }
    }
    println!("worst pluck pitch error {worst:.4} cents");
}

#[test]
fn pluck_decays_monotonically_at_the_declared_rate() {
    let sr = 48_000.0f32;
    for (f, decay, damp) in [
        (220.0f32, 1.0f32, 0.5f32),
        (440.0, 2.5, 1.0),
        (110.0, 0.5, 0.0),
    ] {
        let x = pluck(sr, &[("freq", f), ("decay", decay), ("damp", damp)], decay);
        // Level over whole periods, ten windows per `decay`, after the
        // burst: always falling.
        let win = ((decay * f / 10.0).ceil() * sr / f) as usize;
        let levels: Vec<f64> = x[win..].chunks_exact(win).map(rms).collect();
        assert!(levels.len() >= 4);
        for (k, w) in levels.windows(2).enumerate() {
            assert!(w[1] < w[0], "{f} Hz: level rose in window {k}: {levels:?}");
        }
        // The fundamental falls 60 dB per `decay` seconds (within 5%).
        let span = (0.1 * sr) as usize;
        let (t1, t2) = (
            (0.1 * sr) as usize,
            (0.1 * sr) as usize + (0.5 * decay * sr) as usize,
        );
        let p1 = power_at(&x[t1..t1 + span], sr as u32, f as f64);
        let p2 = power_at(&x[t2..t2 + span], sr as u32, f as f64);
        let rate = 10.0 * (p1 / p2).log10() / ((t2 - t1) as f64 / sr as f64);
        let want = 60.0 / decay as f64;
        assert!(
            (rate / want - 1.0).abs() < 0.05,
            "{f} Hz, decay {decay} s: fundamental falls {rate:.2} dB/s, want {want:.2}"
        );
    }
}

#[test]
fn pluck_trig_input_and_gate_pluck_alike() {
    let (at, total) = (1000usize, 20_000usize);
    let params = [("freq", 330.0f32)];
    let mut u = module("pluck", SR, &params);
    let mut by_gate = drive(&mut u, at, 64, &[None], &[]).remove(0);
    u.m.set_gate(true);
    by_gate.extend(drive(&mut u, total - at, 64, &[None], &[]).remove(0));
    let trig: Vec<f32> = (0..total)
        .map(|i| if i >= at { 1.0 } else { 0.0 })
        .collect();
    let mut u = module("pluck", SR, &params);
    let by_trig = drive(&mut u, total, 64, &[Some(&trig)], &[]).remove(0);
    assert!(
        by_gate[..at].iter().all(|&v| v == 0.0),
        "sound before the pluck"
    );
    assert!(rms(&by_gate[at..at + 5000]) > 0.05, "the pluck is silent");
    assert_eq!(
        by_gate, by_trig,
        "a trigger and a gate-on pluck differently"
    );
}

#[test]
fn example_patches_of_these_types_play() {
    use dsp::render::render_graph;
    use dsp::{Graph, Patch, Registry};
    let reg = Registry::standard();
    for (name, kind) in [("fm-bell", "fm"), ("pluck-chorus-pingpong", "pluck")] {
        let path = format!("{}/../examples/{name}.patch", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let p = Patch::parse(&reg, &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .0;
        assert!(text.contains(&format!(" {kind} ")), "{name} uses no {kind}");
        let mut g = Graph::compile(&p, &reg, SR, 2).unwrap();
        let out = render_graph(&mut g, &[], 4 * SR as usize, 64);
        for ch in &out {
            assert!(ch.iter().all(|v| v.is_finite() && v.abs() <= 1.0), "{name}");
            let r = rms(&ch[SR as usize..]);
            assert!(r > 0.02, "{name} is too quiet: {r}");
        }
        assert_eq!(g.nan_resets(), 0, "{name}");
    }
}
