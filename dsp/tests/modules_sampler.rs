//! Accuracy of the buffer-reading module types: `sampler` pitch (a 1 kHz
//! buffer at rate 2 plays 2 kHz), sample-exact positions after a trigger,
//! loop points, one-shot end; and how patches name buffers.

mod common;

use common::*;
use dsp::{EventKind, Graph, ParamArg, Patch, Registry, Sample};

const SR: f32 = 48_000.0;

/// A mono buffer whose frame `i` holds the value `i`.
fn ramp(frames: usize) -> Sample {
    Sample::new(1, SR, (0..frames).map(|i| i as f32).collect())
}

/// A graph of one sampler `s` reading buffer `b` of `reg`, with `params`.
fn sampler(reg: &Registry, params: &[(&str, &str)]) -> Graph {
    let mut p = Patch::new();
    let mut args = vec![("buffer".to_string(), ParamArg::Text("b".into()))];
    args.extend(
        params
            .iter()
            .map(|(n, v)| (n.to_string(), ParamArg::Text(v.to_string()))),
    );
    p.create(reg, "s", "sampler", &args).unwrap();
    Graph::compile(&p, reg, SR, 2).unwrap()
}

#[test]
fn rate_and_pitch_scale_the_frequency() {
    let tone = Sample::new(1, SR, sine_wave(1000.0, 0.9, SR as f64, 96_000));
    let reg = registry_with(vec![("b", tone)]);
    for (rate, pitch, want) in [
        ("2", "0", 2000.0),
        ("1", "12", 2000.0),
        ("1", "-12", 500.0),
        ("0.5", "0", 500.0),
        ("1", "7", 1000.0 * 2f64.powf(7.0 / 12.0)),
    ] {
        let mut g = sampler(&reg, &[("rate", rate), ("pitch", pitch), ("mode", "loop")]);
        let x = render(&mut g, 24_000, 64);
        let got = zero_cross_freq(&x, SR as f64);
        let cents = 1200.0 * (got / want).log2();
        assert!(
            cents.abs() < 1.0,
            "rate {rate} pitch {pitch}: {got} Hz, want {want} ({cents:+.3} cents)"
        );
    }
}

#[test]
fn a_trigger_plays_from_start_sample_exactly_and_a_oneshot_ends() {
    let reg = registry_with(vec![("b", ramp(1000))]);
    let mut g = sampler(&reg, &[("start", "0.1"), ("interp", "linear")]);
    let gate = [ev(300, "s", EventKind::Gate(true))];
    let out = render_ch(&mut g, 2000, 37, &gate);
    assert!(
        out[0][..300].iter().all(|&v| v == 0.0),
        "silent before the trigger"
    );
    for k in 0..900 {
        assert_eq!(
            out[0][300 + k],
            (100 + k) as f32,
            "frame {k} after the trigger"
        );
        assert_eq!(
            out[1][300 + k],
            out[0][300 + k],
            "mono feeds the right side"
        );
    }
    assert!(out[0][1200..].iter().all(|&v| v == 0.0), "stops at the end");
}

#[test]
fn loops_wrap_between_the_loop_points_and_rate_steps_fractionally() {
    let reg = registry_with(vec![("b", ramp(1000))]);
    let mut g = sampler(
        &reg,
        &[
            ("mode", "loop"),
            ("loop_start", "0.25"),
            ("loop_end", "0.5"),
            ("rate", "0.5"),
            ("interp", "linear"),
        ],
    );
    let x = render(&mut g, 3000, 64);
    // From 0 at half speed: frame k reads k/2 until 500, then 250..500 again.
    for (k, &v) in x.iter().enumerate() {
        let mut pos = k as f64 * 0.5;
        if pos >= 500.0 {
            pos = 250.0 + (pos - 500.0) % 250.0;
        }
        assert!((v as f64 - pos).abs() < 1e-3, "frame {k}: {v}, want {pos}");
    }
}

#[test]
fn reverse_playback_and_a_trigger_input() {
    let reg = registry_with(vec![("b", ramp(1000))]);
    let mut p = Patch::new();
    let words = |s: &str| ParamArg::Text(s.into());
    p.create(
        &reg,
        "s",
        "sampler",
        &[
            ("buffer".into(), words("b")),
            ("rate".into(), words("-1")),
            ("start".into(), words("0.5")),
            ("interp".into(), words("none")),
        ],
    )
    .unwrap();
    p.create(
        &reg,
        "clk",
        "square",
        &[("freq".into(), words("10")), ("gain".into(), words("1"))],
    )
    .unwrap();
    p.connect(&reg, "clk.out", "s.trig").unwrap();
    let mut g = Graph::compile(&p, &reg, SR, 1).unwrap();
    let x = render(&mut g, 4800, 64);
    let first = x
        .iter()
        .position(|&v| v != 0.0)
        .expect("the clock triggers it");
    for k in 0..400 {
        assert_eq!(x[first + k], (500 - k) as f32, "backwards from start");
    }
}

#[test]
fn patches_name_buffers_and_only_buffer_types_take_one() {
    let reg = registry();
    let text = "buffer b kick.wav\ncreate s sampler buffer=b rate=2\n";
    let (p, _) = Patch::parse(&reg, text).unwrap();
    assert_eq!(p.buffers.len(), 1);
    assert_eq!(p.module("s").unwrap().buffer.as_deref(), Some("b"));
    let back = p.to_text(&reg);
    assert!(back.starts_with("buffer b kick.wav\n"), "{back}");
    assert!(back.contains("buffer=b"), "{back}");
    assert_eq!(Patch::parse(&reg, &back).unwrap().0, p);
    let err = Patch::parse(&reg, "create o sine buffer=b\n").unwrap_err();
    assert!(err.to_string().contains("no parameter 'buffer'"), "{err}");
    let err = Patch::parse(&reg, "create s sampler buffer=../x\n").unwrap_err();
    assert!(err.to_string().contains("bad value"), "{err}");
    assert!(Patch::parse(&reg, "buffer ../x x.wav\n").is_err());
    // A name that is not loaded plays silence.
    let (p, _) = Patch::parse(&reg, "create s sampler buffer=none mode=loop\n").unwrap();
    let mut g = Graph::compile(&p, &reg, SR, 1).unwrap();
    assert!(render(&mut g, 512, 64).iter().all(|&v| v == 0.0));
}
