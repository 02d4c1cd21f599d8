//! Accuracy and stability tests of the filters: biquad responses in every
//! mode, ladder stability under audio-rate modulation and self-oscillation.

mod common;

use common::*;

// ---------------------------------------------------------------------------
// 4. Biquad
// ---------------------------------------------------------------------------

/// Steady-state gain in dB of a `mode` biquad at `f` Hz.
fn biquad_gain_db(mode: f32, cutoff: f32, q: f32, f: f32) -> f64 {
    let sr = 48_000.0;
    let mut g = graph(
        sr,
        1,
        &[
            ("src", "sine", &[("freq", f), ("gain", 1.0)]),
            (
                "flt",
                "biquad",
                &[("mode", mode), ("cutoff", cutoff), ("q", q)],
            ),
        ],
        &[("src", "flt.in")],
    );
    let settle = (sr * 0.25) as usize;
    let x = render(&mut g, settle + (sr * 0.5) as usize, 512);
    db(rms(&x[settle..]) / std::f64::consts::FRAC_1_SQRT_2)
}

#[test]
fn biquad_lowpass_response() {
    let mut report = Vec::new();
    for q in [0.5f32, 0.707, 1.0, 2.0, 5.0, 10.0] {
        let want = db(q as f64);
        for fc in [250.0f32, 1000.0, 5000.0] {
            let at = biquad_gain_db(0.0, fc, q, fc);
            assert!(
                (at - want).abs() <= 0.5,
                "q {q} fc {fc}: {at:.2} dB at cutoff, want {want:.2}"
            );
            report.push(format!("q{q}@{fc}: {at:.2}"));
        }
        // Asymptotic slope, an octave above 4x cutoff: -12 dB/octave.
        let fc = 250.0;
        let g4 = biquad_gain_db(0.0, fc, q, 4.0 * fc);
        let g8 = biquad_gain_db(0.0, fc, q, 8.0 * fc);
        let slope = g8 - g4;
        assert!(
            (slope + 12.0).abs() <= 1.0,
            "q {q}: slope {slope:.2} dB/octave"
        );
        report.push(format!("q{q} slope {slope:.2}"));
    }
    // Butterworth (q = 0.707): -3 dB at cutoff and -12 dB/octave already one
    // octave above it.
    let c = biquad_gain_db(0.0, 1000.0, 0.707, 1000.0);
    assert!((c + 3.0).abs() <= 0.5, "butterworth at cutoff {c:.2} dB");
    let g2 = biquad_gain_db(0.0, 250.0, 0.707, 500.0);
    let g4 = biquad_gain_db(0.0, 250.0, 0.707, 1000.0);
    assert!(
        ((g4 - g2) + 12.0).abs() <= 1.0,
        "butterworth 2x->4x {:.2}",
        g4 - g2
    );
    println!(
        "{}; butterworth 2x->4x {:.2} dB",
        report.join(", "),
        g4 - g2
    );
}

#[test]
fn biquad_other_modes() {
    // Highpass mirrors lowpass; bandpass peaks at 0 dB; notch kills the
    // centre; peak adds its gain at the centre.
    let hp = biquad_gain_db(1.0, 1000.0, 0.707, 1000.0);
    assert!((hp + 3.0).abs() < 0.5, "highpass at cutoff {hp}");
    assert!(biquad_gain_db(1.0, 1000.0, 0.707, 125.0) < -30.0);
    let bp = biquad_gain_db(2.0, 1000.0, 2.0, 1000.0);
    assert!(bp.abs() < 0.5, "bandpass centre {bp}");
    assert!(biquad_gain_db(2.0, 1000.0, 2.0, 4000.0) < -15.0);
    assert!(biquad_gain_db(3.0, 1000.0, 2.0, 1000.0) < -40.0);
    let sr = 48_000.0;
    let mut g = graph(
        sr,
        1,
        &[
            ("src", "sine", &[("freq", 2000.0), ("gain", 1.0)]),
            (
                "flt",
                "biquad",
                &[("mode", 4.0), ("cutoff", 2000.0), ("q", 1.0), ("gain", 9.0)],
            ),
        ],
        &[("src", "flt.in")],
    );
    let x = render(&mut g, 24_000, 512);
    let pk = db(rms(&x[12_000..]) / std::f64::consts::FRAC_1_SQRT_2);
    assert!((pk - 9.0).abs() < 0.3, "peak +9 dB measured {pk}");
}

#[test]
fn biquad_survives_audio_rate_cutoff_sweeps() {
    let sr = 48_000.0;
    let frames = 10 * 48_000;
    let input = sine_wave(220.0, 1.0, sr, frames);
    // Cutoff 3 kHz ± 2.95 kHz at 1.1 kHz: sweeps 50 Hz..5.95 kHz each cycle.
    let sweep = sine_wave(1100.0, 2950.0, sr, frames);
    let mut worst = 0.0f32;
    for q in [0.707f32, 5.0, 20.0] {
        for mode in [0.0f32, 1.0, 2.0, 4.0] {
            let mut m = module(
                "biquad",
                sr as f32,
                &[("cutoff", 3000.0), ("q", q), ("mode", mode), ("gain", 12.0)],
            );
            let y = drive(&mut m, frames, 64, &[Some(&input[..])], &[(1, &sweep[..])]).remove(0);
            let peak = y.iter().fold(0.0f32, |a, &v| {
                if v.is_finite() {
                    a.max(v.abs())
                } else {
                    f32::INFINITY
                }
            });
            assert!(
                peak.is_finite() && peak < 200.0,
                "q {q} mode {mode}: peak {peak}"
            );
            worst = worst.max(peak);
        }
    }
    // The same through the graph, with an LFO.
    let mut g = graph(
        sr as f32,
        1,
        &[
            ("src", "saw", &[("freq", 110.0), ("gain", 1.0)]),
            (
                "l",
                "lfo",
                &[("rate", 100.0), ("depth", 9000.0), ("offset", 9500.0)],
            ),
            ("flt", "biquad", &[("q", 10.0)]),
        ],
        &[("src", "flt.in"), ("l", "flt.cutoff")],
    );
    let y = render(&mut g, 48_000 * 2, 512);
    assert!(y.iter().all(|v| v.is_finite() && v.abs() < 100.0));
    assert_eq!(g.nan_resets(), 0);
    println!("biquad sweep worst peak {worst}");
}

// ---------------------------------------------------------------------------
// 5. Ladder
// ---------------------------------------------------------------------------

#[test]
fn ladder_is_stable_under_audio_rate_modulation() {
    let sr = 48_000.0;
    let frames = 10 * 48_000;
    let saw: Vec<f32> = (0..frames)
        .map(|i| ((i as f64 * 110.0 / sr).fract() * 2.0 - 1.0) as f32)
        .collect();
    // Cutoff 10 kHz ± 9.99 kHz at 3 kHz, and a square jumping 10 Hz <-> 20 kHz.
    let sweep = sine_wave(3000.0, 9990.0, sr, frames);
    let jumps: Vec<f32> = (0..frames)
        .map(|i| if (i / 7) % 2 == 0 { -990.0 } else { 19_000.0 })
        .collect();
    let mut worst = 0.0f32;
    for modbuf in [&sweep, &jumps] {
        for drive_v in [1.0f32, 10.0] {
            let mut m = module(
                "ladder",
                sr as f32,
                &[("cutoff", 1000.0), ("resonance", 1.0), ("drive", drive_v)],
            );
            let y = drive(&mut m, frames, 64, &[Some(&saw[..])], &[(0, &modbuf[..])]).remove(0);
            let peak = y.iter().fold(0.0f32, |a, &v| {
                if v.is_finite() {
                    a.max(v.abs())
                } else {
                    f32::INFINITY
                }
            });
            assert!(
                peak.is_finite() && peak < 4.0,
                "drive {drive_v}: peak {peak}"
            );
            worst = worst.max(peak);
        }
    }
    println!("ladder modulated worst peak {worst}");
}

#[test]
fn ladder_self_oscillates_bounded_and_filters() {
    let sr = 48_000.0f32;
    // A single click into a fully resonant ladder rings on, bounded.
    let mut m = module("ladder", sr, &[("cutoff", 1000.0), ("resonance", 1.0)]);
    let mut x = vec![0.0f32; 96_000];
    x[0] = 0.5;
    let y = drive(&mut m, x.len(), 64, &[Some(&x[..])], &[]).remove(0);
    let tail = &y[72_000..];
    let amp = tail.iter().fold(0.0f32, |a, &v| a.max(v.abs()));
    assert!(amp > 0.05 && amp < 2.0, "self-oscillation amplitude {amp}");
    let f = zero_cross_freq(tail, sr as f64);
    assert!((f / 1000.0 - 1.0).abs() < 0.1, "self-oscillation at {f} Hz");
    // Resonance 0: unity passband, about -24 dB/octave well above cutoff.
    let gain = |f: f64| {
        let mut m = module(
            "ladder",
            sr,
            &[("cutoff", 500.0), ("resonance", 0.0), ("drive", 1.0)],
        );
        let x = sine_wave(f, 0.05, sr as f64, 24_000);
        let y = drive(&mut m, x.len(), 64, &[Some(&x[..])], &[]).remove(0);
        db(rms(&y[12_000..]) / rms(&x[12_000..]))
    };
    assert!(gain(50.0).abs() < 0.5);
    let slope = gain(4000.0) - gain(2000.0);
    assert!((slope + 24.0).abs() < 3.0, "ladder slope {slope}");
}

/// The ladder's tight loop (parameters held still) gives the samples of its
/// general per-sample path (cutoff modulated by exact zeros), also when the
/// input reaches the clipper, whatever the block size.
#[test]
fn ladder_tight_loop_matches_the_general_path() {
    let sr = 48_000.0f32;
    let frames = 4800;
    let x: Vec<f32> = (0..frames)
        .map(|i| ((i as f64 * 110.0 / sr as f64).fract() * 2.0 - 1.0) as f32)
        .collect();
    let zeros = vec![0.0f32; frames];
    let settings: [&[(&str, f32)]; 2] = [
        &[("cutoff", 1000.0), ("resonance", 0.3)],
        &[("cutoff", 3000.0), ("resonance", 1.0), ("drive", 4.0)],
    ];
    for params in settings {
        for block in [1, 37, 64] {
            let mut still = module("ladder", sr, params);
            let mut general = module("ladder", sr, params);
            let a = drive(&mut still, frames, block, &[Some(&x[..])], &[]).remove(0);
            let b = drive(
                &mut general,
                frames,
                block,
                &[Some(&x[..])],
                &[(0, &zeros[..])],
            )
            .remove(0);
            assert!(a.iter().any(|v| v.abs() > 0.1), "{params:?}: silent");
            if let Some(i) = (0..frames).find(|&i| a[i] != b[i]) {
                panic!("{params:?} block {block}: sample {i}: {} vs {}", a[i], b[i]);
            }
        }
    }
}
