//! Acceptance tests of the built-in module types: pitch accuracy, aliasing,
//! envelope timing, filter responses and stability, real-time safety (no
//! allocation), block-size invariance and state carry-over.

use dsp::module::Block;
use dsp::{Event, EventKind, Graph, Module, Name, ParamArg, Patch, ProcessIo, Registry, MAX_BLOCK};

// assert_no_alloc checks in debug builds (CI runs the tests in debug); its
// default `disable_release` feature turns it into a no-op in release.
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A module declaration for [`graph`]: id, type, parameters.
type Decl<'a> = (&'a str, &'a str, &'a [(&'a str, f32)]);

/// Compiles a patch of `mods` and `conns` (`"a.out" -> "b.in"`).
fn graph(sr: f32, channels: usize, mods: &[Decl], conns: &[(&str, &str)]) -> Graph {
    let reg = Registry::standard();
    let mut p = Patch::new();
    for (id, kind, params) in mods {
        let params: Vec<(String, ParamArg)> = params
            .iter()
            .map(|(n, v)| (n.to_string(), ParamArg::Number(*v)))
            .collect();
        p.create(&reg, id, kind, &params).unwrap();
    }
    for (a, b) in conns {
        p.connect(&reg, a, b).unwrap();
    }
    Graph::compile(&p, &reg, sr, channels).unwrap()
}

/// Renders `frames` frames of channel 0 in calls of `block` frames.
fn render(g: &mut Graph, frames: usize, block: usize) -> Vec<f32> {
    render_ch(g, frames, block, &[]).remove(0)
}

/// Renders every channel in calls of `block` frames; `events` carry
/// absolute frame offsets and are delivered to the call containing them.
fn render_ch(g: &mut Graph, frames: usize, block: usize, events: &[Event]) -> Vec<Vec<f32>> {
    let ch = g.channels();
    let mut out = vec![vec![0.0f32; frames]; ch];
    let mut pos = 0;
    let mut local = Vec::new();
    while pos < frames {
        let n = block.min(frames - pos);
        local.clear();
        for e in events {
            let at = e.offset as usize;
            if at >= pos && at < pos + n {
                let mut e = *e;
                e.offset = (at - pos) as u32;
                local.push(e);
            }
        }
        let mut bufs: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[pos..pos + n]).collect();
        g.process(&mut bufs, &local);
        pos += n;
    }
    out
}

/// Renders one oscillator of `kind` at `freq`.
fn osc(kind: &str, freq: f32, sr: f32, frames: usize) -> Vec<f32> {
    let mut g = graph(sr, 1, &[("o", kind, &[("freq", freq), ("gain", 1.0)])], &[]);
    render(&mut g, frames, 512)
}

/// Builds a module directly with its spec defaults, then `params`.
fn module(kind: &str, sr: f32, params: &[(&str, f32)]) -> Box<dyn Module> {
    let reg = Registry::standard();
    let t = reg.find(kind).unwrap();
    let mut m = (t.build)(sr);
    for (i, p) in t.spec.params.iter().enumerate() {
        m.set_param_now(i, p.default);
    }
    for (name, v) in params {
        let i = t.spec.param_index(name).unwrap();
        m.set_param_now(i, t.spec.params[i].clamp(*v).0);
    }
    m
}

/// Drives a module directly: `inputs[k]` feeds input k (None: unconnected),
/// `mods` is (param index, buffer). Returns every output, `frames` long.
fn drive(
    m: &mut dyn Module,
    frames: usize,
    block: usize,
    inputs: &[Option<&[f32]>],
    mods: &[(usize, &[f32])],
) -> Vec<Vec<f32>> {
    let spec = m.spec();
    let ni = spec.inputs.len();
    let no = spec.outputs.len();
    let np = spec.params.len();
    let mut ib: Vec<Block> = vec![[0.0; MAX_BLOCK]; ni];
    let mut ob: Vec<Block> = vec![[0.0; MAX_BLOCK]; no];
    let mut mb: Vec<Block> = vec![[0.0; MAX_BLOCK]; np];
    let connected: Vec<bool> = (0..ni)
        .map(|k| inputs.get(k).is_some_and(|x| x.is_some()))
        .collect();
    let mut modulated = vec![false; np];
    for (p, _) in mods {
        modulated[*p] = true;
    }
    let mut out = vec![vec![0.0f32; frames]; no];
    let mut pos = 0;
    while pos < frames {
        let n = block.min(frames - pos).min(MAX_BLOCK);
        for (k, b) in ib.iter_mut().enumerate() {
            if let Some(Some(x)) = inputs.get(k) {
                b[..n].copy_from_slice(&x[pos..pos + n]);
            }
        }
        for (p, buf) in mods {
            mb[*p][..n].copy_from_slice(&buf[pos..pos + n]);
        }
        let refs: Vec<&Block> = ib.iter().collect();
        let mut io = ProcessIo {
            frames: n,
            inputs: &refs,
            input_connected: &connected,
            outputs: &mut ob,
            modulation: &mb,
            modulated: &modulated,
            time: &dsp::time::Time::new(48000.0, 120.0, 4.0),
        };
        m.process(&mut io);
        for (k, o) in out.iter_mut().enumerate() {
            o[pos..pos + n].copy_from_slice(&ob[k][..n]);
        }
        pos += n;
    }
    out
}

fn sine_wave(freq: f64, amp: f64, sr: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| (amp * (std::f64::consts::TAU * freq * i as f64 / sr).sin()) as f32)
        .collect()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Frequency from upward zero crossings, linearly interpolated.
fn zero_cross_freq(x: &[f32], sr: f64) -> f64 {
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0usize;
    for i in 1..x.len() {
        let (a, b) = (x[i - 1] as f64, x[i] as f64);
        if a < 0.0 && b >= 0.0 {
            let t = (i - 1) as f64 + a / (a - b);
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    let first = first.expect("no zero crossing");
    assert!(count >= 10, "too few cycles ({count})");
    count as f64 * sr / (last - first)
}

/// In-place iterative radix-2 complex FFT.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    assert!(n.is_power_of_two());
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -std::f64::consts::TAU / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Blackman-Harris-windowed power spectrum (bins 0..=n/2) of `x[..n]`.
fn spectrum(x: &[f32], n: usize) -> Vec<f64> {
    let (a0, a1, a2, a3) = (0.35875, 0.48829, 0.14128, 0.01168);
    let mut re: Vec<f64> = (0..n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let w = a0 - a1 * t.cos() + a2 * (2.0 * t).cos() - a3 * (3.0 * t).cos();
            x[i] as f64 * w
        })
        .collect();
    let mut im = vec![0.0; n];
    fft(&mut re, &mut im);
    (0..=n / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect()
}

/// Level in dB, relative to the fundamental, of the strongest spectral
/// component that is not a harmonic of `f0` (nor within the window's main
/// lobe of one).
fn worst_alias_db(x: &[f32], f0: f64, sr: f64) -> f64 {
    let n = 1 << 16;
    let p = spectrum(x, n);
    let bin = sr / n as f64;
    let guard = 8.0; // Blackman-Harris main lobe is ±4 bins
    let fund = (((f0 / bin) - guard) as usize..=((f0 / bin) + guard) as usize)
        .map(|k| p[k])
        .fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for (k, &v) in p.iter().enumerate() {
        let f = k as f64 * bin;
        let h = (f / f0).round();
        if h >= 1.0 && (f - h * f0).abs() <= guard * bin {
            continue;
        }
        worst = worst.max(v);
    }
    10.0 * (worst / fund).log10()
}

fn ev(offset: u32, module: &str, kind: EventKind) -> Event {
    Event {
        offset,
        module: Name::new(module).unwrap(),
        kind,
    }
}

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
            let y = drive(&mut *m, frames, 64, &[Some(&input[..])], &[(1, &sweep[..])]).remove(0);
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
            let y = drive(&mut *m, frames, 64, &[Some(&saw[..])], &[(0, &modbuf[..])]).remove(0);
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
    let y = drive(&mut *m, x.len(), 64, &[Some(&x[..])], &[]).remove(0);
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
        let y = drive(&mut *m, x.len(), 64, &[Some(&x[..])], &[]).remove(0);
        db(rms(&y[12_000..]) / rms(&x[12_000..]))
    };
    assert!(gain(50.0).abs() < 0.5);
    let slope = gain(4000.0) - gain(2000.0);
    assert!((slope + 24.0).abs() < 3.0, "ladder slope {slope}");
}

// ---------------------------------------------------------------------------
// 6. Real-time safety, block-size invariance, carry-over — every module type
// ---------------------------------------------------------------------------

/// A patch around one module of `kind`: a saw feeds every input, an LFO
/// modulates every continuous parameter, and a second saw every gate-less
/// choice-free audio path; returns the graph.
fn harness(kind: &str, sr: f32) -> Graph {
    let reg = Registry::standard();
    let t = reg.find(kind).unwrap();
    let mut p = Patch::new();
    p.create(
        &reg,
        "src",
        "saw",
        &[("freq".into(), ParamArg::Number(220.0))],
    )
    .unwrap();
    p.create(
        &reg,
        "mod",
        "lfo",
        &[
            ("rate".into(), ParamArg::Number(3.0)),
            ("depth".into(), ParamArg::Number(0.1)),
        ],
    )
    .unwrap();
    p.create(&reg, "m", kind, &[]).unwrap();
    for port in t.spec.inputs {
        p.connect(&reg, "src.out", &format!("m.{}", port.name))
            .unwrap();
    }
    for par in t.spec.params {
        if let dsp::ParamKind::Continuous = par.kind {
            p.connect(&reg, "mod.out", &format!("m.{}", par.name))
                .unwrap();
        }
    }
    Graph::compile(&p, &reg, sr, 2).unwrap()
}

/// Events for the harness: gates, and every parameter set to a value within
/// range, at fixed absolute frames.
fn harness_events(kind: &str) -> Vec<Event> {
    let reg = Registry::standard();
    let t = reg.find(kind).unwrap();
    let mut events = Vec::new();
    for k in 0..8u32 {
        let at = 500 + k * 1700;
        events.push(ev(at, "m", EventKind::Gate(k % 2 == 0)));
        for (i, p) in t.spec.params.iter().enumerate() {
            let frac = [0.2f32, 0.8, 0.5, 0.0][k as usize % 4];
            let v = p.min + (p.max - p.min) * frac;
            let v = p.clamp(v).0;
            events.push(ev(
                at + 3 * i as u32,
                "m",
                EventKind::Param {
                    index: i as u16,
                    value: v,
                },
            ));
        }
    }
    events.sort_by_key(|e| e.offset);
    events
}

#[test]
fn no_module_allocates_while_processing() {
    for t in Registry::standard().types() {
        let kind = t.spec.name;
        let mut g = harness(kind, 48_000.0);
        let events = harness_events(kind);
        let mut l = vec![0.0f32; 64];
        let mut r = vec![0.0f32; 64];
        let mut local: Vec<Event> = Vec::with_capacity(events.len());
        assert_no_alloc::assert_no_alloc(|| {
            let mut e = 0;
            for b in 0..10_000usize {
                let start = b * 64;
                local.clear();
                while e < events.len() && (events[e].offset as usize) < start + 64 {
                    let mut x = events[e];
                    x.offset -= start as u32;
                    local.push(x);
                    e += 1;
                }
                g.process(&mut [&mut l[..], &mut r[..]], &local);
            }
        });
        assert_eq!(g.nan_resets(), 0, "{kind} produced non-finite output");
    }
}

/// Bit-identical output whatever the split into process calls (1, 37, 64
/// or 500 frames), with parameter and gate events and audio-rate modulation.
#[test]
fn every_module_is_block_size_invariant() {
    for t in Registry::standard().types() {
        let kind = t.spec.name;
        let events = harness_events(kind);
        // One template so random generators start from the same state.
        let template = harness(kind, 48_000.0);
        let renders: Vec<Vec<Vec<f32>>> = [1usize, 37, 64, 500]
            .iter()
            .map(|&b| {
                let mut g = harness(kind, 48_000.0);
                g.carry_from(&template);
                render_ch(&mut g, 16_000, b, &events)
            })
            .collect();
        for (k, r) in renders.iter().enumerate().skip(1) {
            for (c, (a, b)) in r.iter().zip(&renders[0]).enumerate() {
                if let Some(i) = (0..a.len()).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                    panic!(
                        "{kind}: render {k} channel {c} differs at {i}: {} vs {}",
                        a[i], b[i]
                    );
                }
            }
        }
        assert!(renders[0].iter().flatten().all(|v| v.is_finite()), "{kind}");
    }
}

#[test]
fn every_module_carries_its_state() {
    for t in Registry::standard().types() {
        let kind = t.spec.name;
        let events = harness_events(kind);
        let mut a = harness(kind, 48_000.0);
        let head = render_ch(&mut a, 7_000, 64, &events[..]);
        let _ = head;
        // Later events only, shifted to the rebuilt graph's time base.
        let later: Vec<Event> = events
            .iter()
            .filter(|e| e.offset >= 7_000 && matches!(e.kind, EventKind::Gate(_)))
            .map(|e| {
                let mut e = *e;
                e.offset -= 7_000;
                e
            })
            .collect();
        let mut b = harness(kind, 48_000.0);
        // Bring b's parameter targets to where a's are, then take a's state.
        for e in events.iter().filter(|e| e.offset < 7_000) {
            if let EventKind::Param { .. } = e.kind {
                b.apply(e);
            }
        }
        b.carry_from(&a);
        let xa = render_ch(&mut a, 9_000, 64, &later);
        let xb = render_ch(&mut b, 9_000, 64, &later);
        for (c, (p, q)) in xa.iter().zip(&xb).enumerate() {
            if let Some(i) = (0..p.len()).find(|&i| p[i] != q[i]) {
                panic!(
                    "{kind}: carried graph differs on channel {c} at {i}: {} vs {}",
                    p[i], q[i]
                );
            }
        }
    }
}

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
        let y = drive(&mut *m, frames, 64, &[Some(&x[..])], &[]).remove(0);
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
    let y = drive(&mut *m, 600, 64, &[Some(&x[..])], &[]).remove(0);
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
    let mut y = drive(&mut *m, 24_000, 64, &[Some(&x[..24_000])], &[]).remove(0);
    m.set_param(0, 262.0);
    y.extend(drive(&mut *m, 24_000, 64, &[Some(&x[24_000..])], &[]).remove(0));
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
        let o = drive(&mut *m, x.len(), 64, &[Some(&x[..])], &[]);
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
    let o = drive(&mut *m, x.len(), 64, &[Some(&x[..])], &[(0, &sweep[..])]);
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
        let o = drive(&mut *m, frames, 64, &[Some(&x[..]), None], &[]);
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
    let o = drive(&mut *m, 256, 64, &[Some(&l[..]), Some(&r[..])], &[]);
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
                let y = drive(&mut *m, x.len(), 64, &[Some(x)], &[]).remove(0);
                assert!(
                    y.iter().all(|v| v.is_finite() && v.abs() <= 1.0),
                    "mode {mode} drive {drive_v}"
                );
            }
        }
    }
    // Soft at drive 1 is tanh; bitcrush at drive 1 keeps 16 bits, at 100 one.
    let mut m = module("distortion", sr, &[("mode", 0.0), ("drive", 1.0)]);
    let y = drive(&mut *m, quiet.len(), 64, &[Some(&quiet[..])], &[]).remove(0);
    assert!(y
        .iter()
        .zip(&quiet)
        .all(|(a, b)| (a - b.tanh()).abs() < 1e-4));
    let mut m = module("distortion", sr, &[("mode", 3.0), ("drive", 1.0)]);
    let y = drive(&mut *m, quiet.len(), 64, &[Some(&quiet[..])], &[]).remove(0);
    assert!(y
        .iter()
        .zip(&quiet)
        .all(|(a, b)| (a - b).abs() <= 1.0 / 65_536.0 + 1e-7));
    let mut m = module("distortion", sr, &[("mode", 3.0), ("drive", 100.0)]);
    let y = drive(&mut *m, loud.len(), 64, &[Some(&loud[..])], &[]).remove(0);
    assert!(y.iter().all(|&v| v == -1.0 || v == 0.0 || v == 1.0));
    // Fold keeps small signals and folds big ones back.
    let mut m = module("distortion", sr, &[("mode", 2.0), ("drive", 1.0)]);
    let y = drive(&mut *m, 3, 3, &[Some(&[0.5f32, 1.5, 2.0][..])], &[]).remove(0);
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
    let y = drive(&mut *m, 128, 64, &[Some(&a[..]), None, Some(&b[..])], &[]).remove(0);
    assert!(
        y.iter().all(|&v| (v - 0.5 * (0.5 + 0.25)).abs() < 1e-6),
        "{}",
        y[0]
    );

    let x = vec![0.5f32; 128];
    let cv = vec![0.25f32; 128];
    let mut m = module("vca", sr, &[("gain", 2.0)]);
    let y = drive(&mut *m, 128, 64, &[Some(&x[..]), Some(&cv[..])], &[]).remove(0);
    assert!(y.iter().all(|&v| (v - 0.25).abs() < 1e-6));
    let y = drive(&mut *m, 128, 64, &[Some(&x[..]), None], &[]).remove(0);
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
        let y = drive(&mut *m, 48_000, 64, &[], &[]).remove(0);
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

#[test]
fn aliases_resolve() {
    let reg = Registry::standard();
    for (kind, names) in [
        ("sine", &["frequency", "freq"][..]),
        ("saw", &["frequency"]),
        ("square", &["frequency", "width"]),
        ("triangle", &["frequency"]),
        (
            "biquad_filter",
            &[
                "filter_mode",
                "freq",
                "frequency",
                "resonance",
                "cutoff",
                "q",
                "gain",
            ],
        ),
        ("pan", &["pan", "pos"]),
        ("lfo", &["rate", "depth", "offset", "shape"]),
        ("adsr", &["attack", "decay", "sustain", "release"]),
        ("ladder", &["cutoff", "resonance", "drive"]),
        ("delay", &["time", "feedback", "mix"]),
        ("distortion", &["drive", "mode", "mix"]),
        ("reverb", &["size", "damping", "mix"]),
        ("noise", &["color", "gain"]),
        ("vca", &["gain"]),
        ("mixer", &["gain1", "gain8", "gain"]),
    ] {
        let t = reg.find(kind).unwrap_or_else(|| panic!("type {kind}"));
        for n in names {
            assert!(t.spec.param_index(n).is_some(), "{kind}.{n}");
        }
    }
    let pan = reg.find("pan").unwrap().spec;
    assert_eq!(pan.output_index("l"), Some(0));
    assert_eq!(pan.output_index("r"), Some(1));
    let rv = reg.find("reverb").unwrap().spec;
    assert_eq!(rv.input_index("left"), Some(0));
    assert_eq!(rv.input_index("r"), Some(1));
    let lfo = reg.find("lfo").unwrap().spec;
    let shape = &lfo.params[lfo.param_index("shape").unwrap()];
    assert_eq!(shape.parse_value("sh"), Some(4.0));
    assert_eq!(shape.parse_value("sample_and_hold"), Some(5.0));
    let noise = reg.find("noise").unwrap().spec;
    assert_eq!(noise.params[0].parse_value("pink"), Some(1.0));
    let bq = reg.find("biquad").unwrap().spec;
    assert_eq!(bq.params[0].parse_value("notch"), Some(3.0));
    // Every module and parameter is documented and every default in range.
    for t in reg.types() {
        assert!(!t.spec.description.is_empty());
        for p in t.spec.params {
            assert!(
                p.min <= p.default && p.default <= p.max,
                "{}.{}",
                t.spec.name,
                p.name
            );
        }
    }
}
