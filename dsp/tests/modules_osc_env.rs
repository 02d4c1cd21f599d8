//! Accuracy tests of the oscillators (pitch within a cent, phase
//! continuity, no aliasing) and of the ADSR envelope (sample-exact segments
//! and gates, retrigger from the current level).

mod common;

use common::*;
use dsp::{EventKind, Graph};

// ---------------------------------------------------------------------------
// 1. Oscillator pitch and phase continuity
// ---------------------------------------------------------------------------

#[test]
fn oscillators_are_within_one_cent() {
    let mut worst: (f64, &str, f32, f32) = (0.0, "", 0.0, 0.0);
    for kind in ["sine", "saw", "square", "triangle"] {
        for sr in [44_100.0f32, 48_000.0] {
            for f in [20.0f32, 100.0, 1000.0, 5000.0, 10_000.0] {
                let secs = if f < 50.0 { 3.0 } else { 1.0 };
                let x = osc(kind, f, sr, (sr * secs) as usize);
                let got = zero_cross_freq(&x, sr as f64);
                let cents = 1200.0 * (got / f as f64).log2();
                assert!(
                    cents.abs() < 1.0,
                    "{kind} {f} Hz at {sr}: measured {got} Hz ({cents:+.4} cents)"
                );
                if cents.abs() > worst.0.abs() {
                    worst = (cents, kind, f, sr);
                }
            }
        }
    }
    println!(
        "worst pitch error: {:+.5} cents ({} {} Hz at {})",
        worst.0, worst.1, worst.2, worst.3
    );
}

#[test]
fn oscillators_are_block_size_invariant() {
    for kind in ["sine", "saw", "square", "triangle"] {
        let renders: Vec<Vec<f32>> = [1usize, 37, 64, 1000]
            .iter()
            .map(|&b| {
                let mut g = graph(48_000.0, 1, &[("o", kind, &[("freq", 1234.5)])], &[]);
                render(&mut g, 9_000, b)
            })
            .collect();
        for r in &renders[1..] {
            assert_eq!(r, &renders[0], "{kind}: blocks change the output");
        }
        // Phase continuity: no step larger than the waveform allows.
        let x = &renders[0];
        assert!(x.iter().all(|v| v.is_finite() && v.abs() < 0.6));
    }
}

// ---------------------------------------------------------------------------
// 2. Aliasing
// ---------------------------------------------------------------------------

#[test]
fn saw_and_square_do_not_alias() {
    // The measurement must be able to fail: a naive saw aliases badly.
    let sr = 48_000.0;
    let naive: Vec<f32> = (0..1 << 16)
        .map(|i| {
            let p = (i as f64 * 5000.0 / sr).fract();
            (2.0 * p - 1.0) as f32
        })
        .collect();
    let naive_db = worst_alias_db(&naive, 5000.0, sr);
    assert!(naive_db > -40.0, "naive saw measured {naive_db} dB");

    let mut report = Vec::new();
    for kind in ["saw", "square", "triangle"] {
        for (sr, f) in [
            (48_000.0f32, 5000.0f32),
            (48_000.0, 1234.5),
            (48_000.0, 3100.0),
            (48_000.0, 7000.0),
            (48_000.0, 11_000.0),
            (44_100.0, 5000.0),
            (44_100.0, 2987.0),
        ] {
            let x = osc(kind, f, sr, 1 << 16);
            let a = worst_alias_db(&x, f as f64, sr as f64);
            assert!(a < -40.0, "{kind} {f} Hz at {sr}: alias at {a:.1} dB");
            report.push(format!("{kind} {f}@{sr}: {a:.1} dB"));
        }
    }
    println!("naive saw 5k@48k: {naive_db:.1} dB; {}", report.join(", "));
}

// ---------------------------------------------------------------------------
// 3. ADSR
// ---------------------------------------------------------------------------

fn env_graph(a: f32, d: f32, s: f32, r: f32) -> Graph {
    graph(
        48_000.0,
        1,
        &[(
            "env",
            "adsr",
            &[("attack", a), ("decay", d), ("sustain", s), ("release", r)],
        )],
        &[],
    )
}

#[test]
fn adsr_segment_lengths_are_exact() {
    let sr = 48_000.0f64;
    for (a, d, s, r) in [
        (10.0f32, 100.0f32, 0.5f32, 200.0f32),
        (1.0, 7.3, 0.25, 33.3),
        (250.0, 5.0, 0.9, 1000.0),
    ] {
        let na = (a as f64 * sr / 1000.0).round() as usize;
        let nd = (d as f64 * sr / 1000.0).round() as usize;
        let nr = (r as f64 * sr / 1000.0).round() as usize;
        let on = 1000usize;
        let off = on + na + nd + 5000;
        let mut g = env_graph(a, d, s, r);
        let events = [
            ev(on as u32, "env", EventKind::Gate(true)),
            ev(off as u32, "env", EventKind::Gate(false)),
        ];
        let x = render_ch(&mut g, off + nr + 2000, 256, &events).remove(0);
        // Silent until the gate, rising right after it.
        assert!(x[..=on].iter().all(|&v| v == 0.0), "output before the gate");
        assert!(x[on + 1] > 0.0);
        // Attack: reaches 1 after exactly na samples, linearly.
        let peak = x.iter().position(|&v| v >= 1.0).unwrap();
        assert!(
            (peak as i64 - (on + na) as i64).abs() <= 1,
            "attack {a} ms: peak at +{} samples, want {na}",
            peak - on
        );
        let step = 1.0 / na as f32;
        for i in on + 1..on + na {
            assert!(
                (x[i] - x[i - 1] - step).abs() < 1e-5,
                "attack not linear at {i}"
            );
        }
        // Decay: lands on sustain after exactly nd samples, never below it.
        let sus_at = (peak..off).find(|&i| (x[i] - s).abs() < 1e-6).unwrap();
        assert!(
            (sus_at as i64 - (on + na + nd) as i64).abs() <= 1,
            "decay {d} ms: sustain at +{} samples after the peak, want {nd}",
            sus_at - peak
        );
        assert!(x[peak..off].iter().all(|&v| v >= s - 1e-6));
        assert!(x[sus_at..off].iter().all(|&v| (v - s).abs() < 1e-6));
        // Release: from sustain to exactly 0 after nr samples, monotonic.
        assert_eq!(x[off], s, "release starts at the current level");
        let zero_at = (off..x.len()).find(|&i| x[i] == 0.0).unwrap();
        assert!(
            (zero_at as i64 - (off + nr) as i64).abs() <= 1,
            "release {r} ms: zero at +{} samples, want {nr}",
            zero_at - off
        );
        assert!(x[zero_at - 2] > 0.0, "release ended early");
        assert!(x[off..zero_at].windows(2).all(|w| w[1] <= w[0]));
        assert!(x[zero_at..].iter().all(|&v| v == 0.0));
    }
}

#[test]
fn adsr_gate_offsets_are_sample_exact() {
    // Gates anywhere inside a process call, including 0 and the last frame.
    for &block in &[1usize, 37, 64, 256, 1000] {
        for &offset in &[0usize, 1, 36, 63, 64, 65, 100, 255, 999] {
            let mut g = env_graph(2.0, 50.0, 0.5, 10.0);
            let at = 3 * block + offset % block;
            let x = render_ch(
                &mut g,
                at + 500,
                block,
                &[ev(at as u32, "env", EventKind::Gate(true))],
            )
            .remove(0);
            let first = x.iter().position(|&v| v > 0.0).unwrap();
            assert_eq!(first, at + 1, "block {block}, gate at {at}");
        }
    }
}

#[test]
fn adsr_retrigger_starts_from_current_level() {
    let (a, d, s, r) = (10.0f32, 50.0f32, 0.6f32, 300.0f32);
    let na = 480usize;
    let on = 100usize;
    let off = on + 8000;
    for retrig in [off + 3000, off + 7, on + 480 + 600 /* during decay */] {
        let mut g = env_graph(a, d, s, r);
        let mut events = vec![ev(on as u32, "env", EventKind::Gate(true))];
        if retrig > off {
            events.push(ev(off as u32, "env", EventKind::Gate(false)));
        }
        events.push(ev(retrig as u32, "env", EventKind::Gate(true)));
        let x = render_ch(&mut g, retrig + 6000, 64, &events).remove(0);
        let level = x[retrig - 1];
        assert!(level > 0.05 && level < 1.0, "level at retrigger {level}");
        // The retrigger sample continues from where the envelope was; the
        // next steps are attack steps from that level.
        let step = (1.0 - x[retrig]) / na as f32;
        assert!(
            (x[retrig] - level).abs() <= step + 2e-3,
            "jump at retrigger"
        );
        for i in retrig + 1..retrig + na {
            assert!(
                (x[i] - x[i - 1] - step).abs() < 1e-5,
                "attack from {level} not linear"
            );
        }
        let peak = (retrig..x.len()).find(|&i| x[i] >= 1.0).unwrap();
        assert!((peak as i64 - (retrig + na) as i64).abs() <= 1);
        // No step anywhere bigger than one full attack step.
        let max_step = x
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step <= 1.0 / na as f32 + 1e-5, "max step {max_step}");
    }
}

#[test]
fn adsr_multiplies_its_input() {
    let mut g = graph(
        48_000.0,
        1,
        &[
            ("o", "saw", &[("freq", 100.0), ("gain", 1.0)]),
            ("env", "adsr", &[("attack", 0.0)]),
        ],
        &[("o", "env.in")],
    );
    let x = render_ch(&mut g, 4000, 64, &[ev(0, "env", EventKind::Gate(true))]).remove(0);
    let mut o = graph(
        48_000.0,
        1,
        &[("o", "saw", &[("freq", 100.0), ("gain", 1.0)])],
        &[],
    );
    let y = render(&mut o, 4000, 64);
    // Attack 0: envelope is 1 at once, then decays towards 0.7.
    assert!((x[0] - y[0]).abs() < 1e-6);
    assert!(x.iter().zip(&y).all(|(a, b)| a.abs() <= b.abs() + 1e-6));
    assert!(rms(&x[3000..]) > 0.5 * rms(&y[3000..]));
}

/// Holding (idle, then sustaining from the middle of a block) an envelope
/// multiplies its input by the held level exactly: 0 before the gate,
/// `sustain × input` sample for sample once the decay has landed.
#[test]
fn adsr_holding_multiplies_its_input_by_the_level() {
    let saw = ("o", "saw", &[("freq", 100.0), ("gain", 1.0)][..]);
    let env = &[("attack", 0.0), ("decay", 1.0), ("sustain", 0.5)][..];
    let mut g = graph(
        48_000.0,
        1,
        &[saw, ("env", "adsr", env)],
        &[("o", "env.in")],
    );
    let x = render_ch(&mut g, 4000, 64, &[ev(100, "env", EventKind::Gate(true))]).remove(0);
    let y = render(&mut graph(48_000.0, 1, &[saw], &[]), 4000, 64);
    assert!(x[..100].iter().all(|v| *v == 0.0));
    assert!(y[..100].iter().any(|v| *v != 0.0));
    // The 1 ms decay (48 samples) lands at 148, inside the block 128..192.
    for i in 150..4000 {
        assert_eq!(x[i].to_bits(), (0.5 * y[i]).to_bits(), "sample {i}");
    }
}
