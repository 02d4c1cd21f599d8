//! Accuracy of `wavetable`: no aliasing at 5 kHz (≤ −60 dB) at any morph
//! position, pitch within a cent, morph crossfading frames, and a buffer
//! shorter than one cycle read as one cycle; tables built once per buffer.

mod common;

use common::*;
use dsp::{Graph, ParamArg, Patch, Registry, Sample};

const SR: f32 = 48_000.0;
/// Samples per frame of a wavetable buffer.
const CYCLE: usize = 2048;

/// A wavetable graph `w` reading buffer `b` of `reg` at engine rate `sr`.
fn wavetable(reg: &Registry, sr: f32, params: &[(&str, f32)]) -> Graph {
    let mut p = Patch::new();
    let mut args = vec![("buffer".to_string(), ParamArg::Text("b".into()))];
    args.extend(
        params
            .iter()
            .map(|(n, v)| (n.to_string(), ParamArg::Number(*v))),
    );
    p.create(reg, "w", "wavetable", &args).unwrap();
    Graph::compile(&p, reg, sr, 1).unwrap()
}

/// Four naive (not band-limited) frames: saw, square, 25 % pulse, a folded sine.
fn harsh_frames() -> Vec<f32> {
    let shapes: [fn(f64) -> f64; 4] = [
        |t| 2.0 * t - 1.0,
        |t| if t < 0.5 { 1.0 } else { -1.0 },
        |t| if t < 0.25 { 1.0 } else { -0.33 },
        |t| (3.0 * (std::f64::consts::TAU * t).sin()).sin(),
    ];
    shapes
        .iter()
        .flat_map(|s| (0..CYCLE).map(move |i| s(i as f64 / CYCLE as f64) as f32))
        .collect()
}

#[test]
fn wavetable_does_not_alias_at_5khz() {
    let frames = harsh_frames();
    // The measure can fail: the raw saw frame read at 5 kHz aliases.
    let naive: Vec<f32> = (0..1 << 16)
        .map(|i| frames[((i as f64 * 5000.0 / SR as f64).fract() * CYCLE as f64) as usize])
        .collect();
    let naive_db = worst_alias_db(&naive, 5000.0, SR as f64);
    assert!(naive_db > -40.0, "naive table measured {naive_db:.1} dB");
    let reg = registry_with(vec![("b", Sample::new(1, SR, frames))]);
    for (sr, f) in [
        (48_000.0f32, 5000.0f64),
        (44_100.0, 5000.0),
        (48_000.0, 2345.0),
    ] {
        for morph in [0.0, 1.0 / 3.0, 0.5, 1.0] {
            let mut g = wavetable(&reg, sr, &[("freq", f as f32), ("morph", morph)]);
            let x = render(&mut g, 1 << 16, 64);
            let db = worst_alias_db(&x, f, sr as f64);
            assert!(
                db <= -60.0,
                "{f} Hz at {sr}, morph {morph:.2}: alias at {db:.1} dB"
            );
        }
    }
}

#[test]
fn pitch_is_within_a_cent_and_morph_crossfades_frames() {
    // Frame 0: a full-scale sine; frame 1: the same at half amplitude.
    let sine = |a: f64| {
        (0..CYCLE)
            .map(move |i| (a * (std::f64::consts::TAU * i as f64 / CYCLE as f64).sin()) as f32)
    };
    let reg = registry_with(vec![(
        "b",
        Sample::new(1, SR, sine(1.0).chain(sine(0.5)).collect()),
    )]);
    for f in [55.0f32, 440.0, 3520.0] {
        let mut g = wavetable(&reg, SR, &[("freq", f), ("gain", 1.0)]);
        let got = zero_cross_freq(&render(&mut g, 48_000, 64), SR as f64);
        let cents = 1200.0 * (got / f as f64).log2();
        assert!(cents.abs() < 1.0, "{f} Hz: {got:.3} ({cents:+.3} cents)");
    }
    for (morph, amp) in [(0.0, 1.0), (0.5, 0.75), (1.0, 0.5)] {
        let mut g = wavetable(
            &reg,
            SR,
            &[("freq", 100.0), ("morph", morph), ("gain", 1.0)],
        );
        let r = rms(&render(&mut g, 48_000, 64));
        let want = amp / 2f64.sqrt();
        assert!(
            (r - want).abs() < 1e-3,
            "morph {morph}: rms {r}, want {want}"
        );
    }
}

#[test]
fn a_short_buffer_is_one_cycle_and_no_buffer_is_silence() {
    let cycle: Vec<f32> = (0..100)
        .map(|i| (std::f64::consts::TAU * i as f64 / 100.0).sin() as f32)
        .collect();
    let reg = registry_with(vec![("b", Sample::new(1, SR, cycle))]);
    let mut g = wavetable(&reg, SR, &[("freq", 250.0), ("gain", 1.0)]);
    let x = render(&mut g, 48_000, 64);
    let got = zero_cross_freq(&x, SR as f64);
    assert!((got - 250.0).abs() < 0.01, "{got} Hz");
    assert!((rms(&x) - 0.5f64.sqrt()).abs() < 0.01, "rms {}", rms(&x));
    let reg = registry();
    let (p, _) = Patch::parse(&reg, "create w wavetable buffer=none freq=300\n").unwrap();
    let mut g = Graph::compile(&p, &reg, SR, 1).unwrap();
    assert!(render(&mut g, 4096, 64).iter().all(|&v| v == 0.0));
}

#[test]
fn a_second_compile_reuses_the_tables_and_a_new_buffer_rebuilds_them() {
    use std::sync::{Arc, Mutex};
    let handle = Box::leak(Box::new(basedrop::Collector::new())).handle();
    let load = |frames: Vec<f32>| basedrop::Shared::new(&handle, Sample::new(1, SR, frames));
    let first = load(harsh_frames());
    // A buffer store whose `b` can be replaced, as `/buffer/load b` does.
    let current = Arc::new(Mutex::new(first.clone()));
    let mut reg = Registry::standard();
    let c = current.clone();
    reg.set_samples(Arc::new(move |n: &str| {
        (n == "b").then(|| c.lock().unwrap().clone())
    }));
    let params = [("freq", 440.0), ("morph", 0.5)];
    assert_eq!(first.derived_builds(), 0);
    let a = render(&mut wavetable(&reg, SR, &params), 4096, 64);
    assert_eq!(first.derived_builds(), 1);
    // A commit compiles the patch again: same buffer, same tables, same sound.
    let b = render(&mut wavetable(&reg, SR, &params), 4096, 64);
    assert_eq!(
        first.derived_builds(),
        1,
        "the second compile rebuilt the tables"
    );
    assert_eq!(a, b);
    // Another rate needs no other tables (they are indexed by pitch / rate).
    wavetable(&reg, 44_100.0, &params);
    assert_eq!(first.derived_builds(), 1);
    // `b` replaced by another file: its tables are built from the new buffer.
    let second = load(harsh_frames().iter().map(|v| -0.5 * v).collect());
    *current.lock().unwrap() = second.clone();
    let c = render(&mut wavetable(&reg, SR, &params), 4096, 64);
    assert_eq!(second.derived_builds(), 1);
    assert_eq!(first.derived_builds(), 1);
    let scaled: Vec<f32> = a.iter().map(|v| -0.5 * v).collect();
    let worst = c
        .iter()
        .zip(&scaled)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-5, "the new buffer's tables: off by {worst}");
}
