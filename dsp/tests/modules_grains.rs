//! Accuracy of `grains`: grain pitch (a 1 kHz buffer at pitch +12 plays
//! 2 kHz), grain count and spacing from `density`, grain length from
//! `size`, read position from `position`, spray and seeds.

mod common;

use common::*;
use dsp::{Graph, ParamArg, Patch, Registry, Sample};

const SR: f32 = 48_000.0;

/// A graph of one `grains` module `g` reading buffer `b` of `reg`.
fn grains(reg: &Registry, params: &[(&str, &str)]) -> Graph {
    let mut p = Patch::new();
    let mut args = vec![("buffer".to_string(), ParamArg::Text("b".into()))];
    args.extend(
        params
            .iter()
            .map(|(n, v)| (n.to_string(), ParamArg::Text(v.to_string()))),
    );
    p.create(reg, "g", "grains", &args).unwrap();
    Graph::compile(&p, reg, SR, 2).unwrap()
}

/// Frequency of the strongest spectral line of `x` (parabolic interpolation).
fn peak_freq(x: &[f32]) -> f64 {
    let n = 1 << 16;
    let p = spectrum(x, n);
    let k = (2..p.len() - 1)
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap();
    let (a, b, c) = (p[k - 1].ln(), p[k].ln(), p[k + 1].ln());
    let d = 0.5 * (a - c) / (a - 2.0 * b + c);
    (k as f64 + d) * SR as f64 / n as f64
}

#[test]
fn grain_pitch_scales_the_buffer_frequency() {
    let tone = Sample::new(1, SR, sine_wave(1000.0, 0.9, SR as f64, 96_000));
    let reg = registry_with(vec![("b", tone)]);
    for (pitch, want) in [("12", 2000.0), ("0", 1000.0), ("-12", 500.0)] {
        let mut g = grains(
            &reg,
            &[
                ("pitch", pitch),
                ("density", "20"),
                ("size", "100"),
                ("spray", "0"),
                ("position", "0.2"),
            ],
        );
        let x = render(&mut g, 72_000, 64);
        let got = peak_freq(&x[4800..]);
        let cents = 1200.0 * (got / want).log2();
        assert!(
            cents.abs() < 1.0,
            "pitch {pitch}: {got:.2} Hz, want {want} ({cents:+.3} cents)"
        );
    }
}

/// Frames where a grain starts: the output leaves silence (the window is 0
/// on a grain's first frame, so its second is the first non-zero one).
fn onsets(x: &[f32]) -> Vec<usize> {
    (1..x.len())
        .filter(|&i| x[i - 1] == 0.0 && x[i] != 0.0)
        .map(|i| i - 1)
        .collect()
}

#[test]
fn density_size_and_position_place_every_grain() {
    // Frame i of the buffer holds 1 + i/1000, so a grain's samples say where it reads.
    let n = 48_000;
    let ramp = Sample::new(1, SR, (0..n).map(|i| 1.0 + i as f32 / 1000.0).collect());
    let reg = registry_with(vec![("b", ramp)]);
    for (density, size, secs) in [(10.0, 20.0, 2.0), (100.0, 5.0, 1.0), (3.0, 200.0, 3.0)] {
        let (d, s) = (density.to_string(), size.to_string());
        let mut g = grains(
            &reg,
            &[
                ("density", &d),
                ("size", &s),
                ("spray", "0"),
                ("position", "0.25"),
                ("gain", "1"),
            ],
        );
        let x = render(&mut g, (secs * SR) as usize, 37);
        let starts = onsets(&x);
        let want = (density * secs) as usize;
        assert_eq!(starts.len(), want, "density {density}: grain count");
        let period = SR / density;
        let len = (size * SR / 1000.0) as usize;
        for (k, &at) in starts.iter().enumerate() {
            let ideal = k as f32 * period;
            assert!(
                (at as f32 - ideal).abs() <= 1.0,
                "density {density}: grain {k} at {at}, want {ideal}"
            );
            // Silent again exactly one grain length later.
            assert!(x[at + len - 1] != 0.0, "grain {k} ends early");
            assert_eq!(x[at + len], 0.0, "grain {k} lasts beyond {len} frames");
            // Its middle frame: the window is 1 there, reading position + len/2.
            let mid = len / 2;
            let want_v = 1.0 + (0.25 * n as f32 + mid as f32) / 1000.0;
            let v = x[at + mid];
            assert!(
                (v - want_v).abs() < 1e-3,
                "grain {k}: {v} at its middle, want {want_v}"
            );
        }
    }
}

#[test]
fn spray_scatters_grains_reproducibly_and_trig_starts_them() {
    let tone = Sample::new(1, SR, sine_wave(1000.0, 0.9, SR as f64, 48_000));
    let reg = registry_with(vec![("b", tone)]);
    let params = [("spray", "0.5"), ("density", "40"), ("size", "50")];
    let a = render(&mut grains(&reg, &params), 24_000, 64);
    let b = render(&mut grains(&reg, &params), 24_000, 64);
    assert_eq!(a, b, "the same patch renders the same grains");
    let still = render(
        &mut grains(&reg, &[("spray", "0"), params[1], params[2]]),
        24_000,
        64,
    );
    assert_ne!(a, still, "spray moves the grains");
    // A trig input replaces the internal clock: one grain per rising edge.
    let text = "create clk square freq=7 gain=1\n\
                create g grains buffer=b density=500 size=20 spray=0\n\
                connect clk g.trig\n";
    let (p, _) = Patch::parse(&reg, text).unwrap();
    let mut g = Graph::compile(&p, &reg, SR, 1).unwrap();
    let x = render(&mut g, 48_000, 64);
    assert_eq!(onsets(&x).len(), 7, "one grain per clock edge");
}
