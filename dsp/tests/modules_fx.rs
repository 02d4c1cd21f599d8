//! Accuracy tests of the processors and utilities: delay timing and
//! glides, equal-power pan, noise spectra, reverb, distortion bounds,
//! mixer, vca and lfo.

mod common;

use common::*;

// ---------------------------------------------------------------------------
// 7. Delay, pan, noise, reverb, distortion, mixer, vca, lfo
// ---------------------------------------------------------------------------

#[test]
fn delay_impulse_arrives_exactly() {
    for (sr, ms) in [
        (48_000.0f32, 10.0f32),
        (44_100.0, 250.0),
        (48_000.0, 2000.0),
        (48_000.0, 0.5),
    ] {
        let d = (ms as f64 * sr as f64 / 1000.0).round() as usize;
        let mut m = module(
            "delay",
            sr,
            &[("time", ms), ("feedback", 0.5), ("mix", 1.0)],
        );
        let frames = 2 * d + 100;
        let mut x = vec![0.0f32; frames];
        x[0] = 1.0;
        let y = drive(&mut m, frames, 64, &[Some(&x[..])], &[]).remove(0);
        for (i, &v) in y.iter().enumerate() {
            // Echo k arrives k·d samples late, scaled by feedback^(k-1).
            let want = if i > 0 && i % d == 0 {
                0.5f32.powi((i / d) as i32 - 1)
            } else {
                0.0
            };
            assert!(
                (v - want).abs() < 1e-6,
                "{ms} ms at {sr}: y[{i}] = {v}, want {want}"
            );
        }
    }
    // A fractional delay splits the impulse between neighbours.
    let mut m = module(
        "delay",
        48_000.0,
        &[("time", 10.01), ("feedback", 0.0), ("mix", 1.0)],
    );
    let mut x = vec![0.0f32; 600];
    x[0] = 1.0;
    let y = drive(&mut m, 600, 64, &[Some(&x[..])], &[]).remove(0);
    let centroid: f64 = y
        .iter()
        .enumerate()
        .map(|(i, &v)| i as f64 * v as f64)
        .sum::<f64>()
        / y.iter().map(|&v| v as f64).sum::<f64>();
    assert!((centroid - 480.48).abs() < 0.01, "centroid {centroid}");
}

#[test]
fn delay_time_changes_do_not_click() {
    let sr = 48_000.0;
    let x = sine_wave(200.0, 1.0, sr, 48_000);
    let mut m = module(
        "delay",
        sr as f32,
        &[("time", 250.0), ("feedback", 0.0), ("mix", 1.0)],
    );
    let mut y = drive(&mut m, 24_000, 64, &[Some(&x[..24_000])], &[]).remove(0);
    m.m.set_param(dsp::modules::delay::param::TIME, 262.0);
    y.extend(drive(&mut m, 24_000, 64, &[Some(&x[24_000..])], &[]).remove(0));
    let natural = (std::f64::consts::TAU * 200.0 / sr) as f32;
    let max_step = y[13_000..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(max_step < 1.5 * natural, "step {max_step} vs {natural}");
}

#[test]
fn pan_is_equal_power() {
    let sr = 48_000.0f32;
    let x = sine_wave(330.0, 0.8, sr as f64, 4096);
    for pos in [-1.0f32, -0.5, 0.0, 0.3, 1.0] {
        let mut m = module("pan", sr, &[("pos", pos)]);
        let o = drive(&mut m, x.len(), 64, &[Some(&x[..])], &[]);
        for i in 0..x.len() {
            let p = o[0][i] * o[0][i] + o[1][i] * o[1][i];
            assert!((p - x[i] * x[i]).abs() < 1e-5, "pos {pos}");
        }
        if pos == -1.0 {
            assert!(o[1].iter().all(|v| v.abs() < 1e-6));
        }
        if pos == 1.0 {
            assert!(o[0].iter().all(|v| v.abs() < 1e-6));
        }
    }
    // Also while the position is swept at audio rate.
    let sweep = sine_wave(700.0, 1.0, sr as f64, 4096);
    let mut m = module("pan", sr, &[]);
    let o = drive(&mut m, x.len(), 64, &[Some(&x[..])], &[(0, &sweep[..])]);
    for i in 0..x.len() {
        assert!((o[0][i].powi(2) + o[1][i].powi(2) - x[i] * x[i]).abs() < 1e-5);
    }
}

/// Average power spectrum (Hann-windowed segments of 4096).
fn noise_psd(x: &[f32]) -> Vec<f64> {
    let n = 4096;
    let mut acc = vec![0.0; n / 2 + 1];
    let segs = x.len() / n;
    for s in 0..segs {
        let mut re: Vec<f64> = (0..n)
            .map(|i| {
                let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos();
                x[s * n + i] as f64 * w
            })
            .collect();
        let mut im = vec![0.0; n];
        fft(&mut re, &mut im);
        for k in 0..=n / 2 {
            acc[k] += re[k] * re[k] + im[k] * im[k];
        }
    }
    acc
}

/// Mean power per bin in the band `[lo, hi)` Hz, in dB.
fn band_db(psd: &[f64], sr: f64, lo: f64, hi: f64) -> f64 {
    let bin = sr / ((psd.len() - 1) * 2) as f64;
    let (a, b) = ((lo / bin) as usize, (hi / bin) as usize);
    10.0 * (psd[a..b].iter().sum::<f64>() / (b - a) as f64).log10()
}

#[test]
fn noise_white_is_flat_and_pink_falls_3db_per_octave() {
    let sr = 48_000.0f32;
    let frames = 4096 * 96;
    let mut g = graph(sr, 1, &[("n", "noise", &[("gain", 1.0)])], &[]);
    let w = render(&mut g, frames, 512);
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / frames as f64;
    assert!(mean.abs() < 0.01, "white mean {mean}");
    assert!(w.iter().all(|v| v.abs() <= 1.0));
    let psd = noise_psd(&w);
    let lo = band_db(&psd, sr as f64, 200.0, 400.0);
    let hi = band_db(&psd, sr as f64, 12_000.0, 20_000.0);
    assert!(
        (lo - hi).abs() < 1.0,
        "white not flat: {lo:.2} vs {hi:.2} dB"
    );

    let mut g = graph(
        sr,
        1,
        &[("n", "noise", &[("gain", 1.0), ("color", 1.0)])],
        &[],
    );
    let p = render(&mut g, frames, 512);
    let mean = p.iter().map(|&v| v as f64).sum::<f64>() / frames as f64;
    assert!(mean.abs() < 0.1, "pink mean {mean}");
    let psd = noise_psd(&p);
    // Least-squares slope of the per-bin level over seven octave bands
    // (100 Hz .. 12.8 kHz): -3 dB/octave; every band close to the line.
    let octaves: Vec<f64> = (0..7)
        .map(|k| {
            let f = 100.0 * 2f64.powi(k);
            band_db(&psd, sr as f64, f, 2.0 * f)
        })
        .collect();
    let n = octaves.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = octaves.iter().sum::<f64>() / n;
    let sxy: f64 = octaves
        .iter()
        .enumerate()
        .map(|(k, y)| (k as f64 - mx) * (y - my))
        .sum();
    let sxx: f64 = (0..octaves.len()).map(|k| (k as f64 - mx).powi(2)).sum();
    let slope = sxy / sxx;
    assert!(
        (slope + 3.0).abs() < 0.3,
        "pink slope {slope:.2} dB/octave ({octaves:?})"
    );
    for (k, y) in octaves.iter().enumerate() {
        let fit = my + slope * (k as f64 - mx);
        assert!(
            (y - fit).abs() < 1.0,
            "pink octave {k} off the line: {octaves:?}"
        );
    }
    println!(
        "pink slope {slope:.2} dB/octave, rms white {:.3} pink {:.3}",
        rms(&w),
        rms(&p)
    );
}

#[test]
fn reverb_is_finite_decays_and_is_stereo() {
    let sr = 48_000.0f32;
    // (size, damping, least decay in dB from the first to the last half second)
    for (size, damping, want) in [(0.5f32, 0.5f32, 60.0), (1.0, 0.0, 20.0), (0.0, 1.0, 80.0)] {
        let mut m = module(
            "reverb",
            sr,
            &[("size", size), ("damping", damping), ("mix", 1.0)],
        );
        let frames = 48_000 * 6;
        let mut x = vec![0.0f32; frames];
        x[0] = 1.0;
        let o = drive(&mut m, frames, 64, &[Some(&x[..]), None], &[]);
        assert!(o.iter().flatten().all(|v| v.is_finite()));
        let early = rms(&o[0][..24_000]);
        let late = rms(&o[0][frames - 24_000..]);
        assert!(early > 1e-3, "no reverb output");
        let decay = -db(late / early);
        println!("reverb size {size} damping {damping}: {decay:.1} dB over 5.5 s");
        assert!(decay > want, "size {size}: decays only {decay:.1} dB");
        let diff = o[0]
            .iter()
            .zip(&o[1])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff > 1e-3, "left and right identical");
    }
    // A separate right input reaches the right channel's dry path.
    let mut m = module("reverb", sr, &[("mix", 0.0)]);
    let l = vec![1.0f32; 256];
    let r = vec![-1.0f32; 256];
    let o = drive(&mut m, 256, 64, &[Some(&l[..]), Some(&r[..])], &[]);
    assert!(o[0].iter().all(|&v| v == 1.0) && o[1].iter().all(|&v| v == -1.0));
}

#[test]
fn distortion_modes_are_bounded() {
    let sr = 48_000.0f32;
    let loud = sine_wave(110.0, 20.0, sr as f64, 9600);
    let quiet = sine_wave(110.0, 0.3, sr as f64, 9600);
    for mode in 0..4 {
        for drive_v in [1.0f32, 2.0, 37.0, 100.0] {
            for x in [&loud, &quiet] {
                let mut m = module(
                    "distortion",
                    sr,
                    &[("mode", mode as f32), ("drive", drive_v), ("mix", 1.0)],
                );
                let y = drive(&mut m, x.len(), 64, &[Some(x)], &[]).remove(0);
                assert!(
                    y.iter().all(|v| v.is_finite() && v.abs() <= 1.0),
                    "mode {mode} drive {drive_v}"
                );
            }
        }
    }
    // Soft at drive 1 is tanh; bitcrush at drive 1 keeps 16 bits, at 100 one.
    let mut m = module("distortion", sr, &[("mode", 0.0), ("drive", 1.0)]);
    let y = drive(&mut m, quiet.len(), 64, &[Some(&quiet[..])], &[]).remove(0);
    assert!(y
        .iter()
        .zip(&quiet)
        .all(|(a, b)| (a - b.tanh()).abs() < 1e-4));
    let mut m = module("distortion", sr, &[("mode", 3.0), ("drive", 1.0)]);
    let y = drive(&mut m, quiet.len(), 64, &[Some(&quiet[..])], &[]).remove(0);
    assert!(y
        .iter()
        .zip(&quiet)
        .all(|(a, b)| (a - b).abs() <= 1.0 / 65_536.0 + 1e-7));
    let mut m = module("distortion", sr, &[("mode", 3.0), ("drive", 100.0)]);
    let y = drive(&mut m, loud.len(), 64, &[Some(&loud[..])], &[]).remove(0);
    assert!(y.iter().all(|&v| v == -1.0 || v == 0.0 || v == 1.0));
    // Fold keeps small signals and folds big ones back.
    let mut m = module("distortion", sr, &[("mode", 2.0), ("drive", 1.0)]);
    let y = drive(&mut m, 3, 3, &[Some(&[0.5f32, 1.5, 2.0][..])], &[]).remove(0);
    assert!((y[0] - 0.5).abs() < 1e-6 && (y[1] - 0.5).abs() < 1e-6 && y[2].abs() < 1e-6);
}

#[test]
fn mixer_vca_and_lfo() {
    let sr = 48_000.0f32;
    let a = vec![0.25f32; 128];
    let b = vec![0.5f32; 128];
    let mut m = module(
        "mixer",
        sr,
        &[("gain1", 2.0), ("gain3", 0.5), ("gain", 0.5)],
    );
    let y = drive(&mut m, 128, 64, &[Some(&a[..]), None, Some(&b[..])], &[]).remove(0);
    assert!(
        y.iter().all(|&v| (v - 0.5 * (0.5 + 0.25)).abs() < 1e-6),
        "{}",
        y[0]
    );

    let x = vec![0.5f32; 128];
    let cv = vec![0.25f32; 128];
    let mut m = module("vca", sr, &[("gain", 2.0)]);
    let y = drive(&mut m, 128, 64, &[Some(&x[..]), Some(&cv[..])], &[]).remove(0);
    assert!(y.iter().all(|&v| (v - 0.25).abs() < 1e-6));
    let y = drive(&mut m, 128, 64, &[Some(&x[..]), None], &[]).remove(0);
    assert!(y.iter().all(|&v| (v - 1.0).abs() < 1e-6));

    for shape in 0..6 {
        let mut m = module(
            "lfo",
            sr,
            &[
                ("rate", 50.0),
                ("depth", 2.0),
                ("offset", 10.0),
                ("shape", shape as f32),
            ],
        );
        let y = drive(&mut m, 48_000, 64, &[], &[]).remove(0);
        let (lo, hi) = y
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(
            lo >= 8.0 - 1e-4 && hi <= 12.0 + 1e-4,
            "shape {shape}: {lo}..{hi}"
        );
        if shape < 4 {
            assert!(hi - lo > 3.9, "shape {shape}: {lo}..{hi}");
            let centred: Vec<f32> = y.iter().map(|v| v - 10.0 + 1e-3).collect();
            let f = zero_cross_freq(&centred, sr as f64);
            assert!((f - 50.0).abs() < 0.05, "shape {shape}: {f} Hz");
        } else {
            // Sample and hold: 50 distinct levels per second, constant between.
            let changes = y.windows(2).filter(|w| w[0] != w[1]).count();
            assert!((48..=50).contains(&changes), "sh changes {changes}");
        }
    }
}

/// Mixer and vca skip their products at unity gain, random reads its
/// parameters once when none moves; the samples must be exactly those of
/// their general path (forced here by a parameter modulated by zero), for
/// every block size.
#[test]
fn shortcuts_give_the_general_paths_samples() {
    let reg = registry();
    let graph = |subject: &str, modulated: &str| {
        let text = format!(
            "create a saw freq=110\ncreate b sine freq=330 gain=0.7\n\
             create z lfo depth=0 offset=0\ncreate out output\n{subject}connect m out\n{modulated}"
        );
        let (p, _) = dsp::Patch::parse(&reg, &text).unwrap();
        dsp::Graph::compile(&p, &reg, 48_000.0, 1).unwrap()
    };
    let mixer = "create m mixer\nconnect a m.in1\nconnect b m.in2\nconnect a m.in3\n";
    let vca = "create m vca\nconnect a m.in\nconnect b m.cv\n";
    let stepped = "create m random\nconnect b m.clock\n";
    let smooth = "create m random mode=1\nconnect b m.clock\n";
    let free = "create m random mode=1 rate=40\n";
    for (subject, param) in [
        (mixer, "gain2"),
        (vca, "gain"),
        (stepped, "depth"),
        (smooth, "depth"),
        (free, "offset"),
    ] {
        for block in [64, 37] {
            let fast = render(&mut graph(subject, ""), 4096, block);
            let general = render(
                &mut graph(subject, &format!("connect z m.{param}\n")),
                4096,
                block,
            );
            assert!(fast.iter().any(|&v| v != 0.0));
            let same = fast
                .iter()
                .zip(&general)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "{subject}: block {block}");
        }
    }
}
