//! The subcommands that need no JACK server: `render` and `modules`.

mod parallel_patches;

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_synth-jack"))
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("synth-jack-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn render_writes_the_patch_as_wav_with_events() {
    let patch = tmp("tone.patch");
    std::fs::write(&patch, "create osc1 sine freq=1000 gain=0.5\n").expect("write");
    let events = tmp("tone.events");
    // Silence from 0.5 s on: gain 0 with 5 ms smoothing.
    std::fs::write(&events, "0.5 set osc1 gain 0\n").expect("write");
    let out = tmp("tone.wav");
    let st = bin()
        .args(["render", "--patch"])
        .arg(&patch)
        .arg("--events")
        .arg(&events)
        .args(["--seconds", "1", "--rate", "44100", "--channels", "2"])
        .arg(&out)
        .status()
        .expect("run");
    assert!(st.success());
    let mut r = hound::WavReader::open(&out).expect("wav");
    let spec = r.spec();
    assert_eq!((spec.channels, spec.sample_rate), (2, 44100));
    let xs: Vec<f32> = r.samples::<f32>().map(|s| s.expect("sample")).collect();
    assert_eq!(xs.len(), 2 * 44100);
    let left: Vec<f32> = xs.iter().step_by(2).copied().collect();
    let first = &left[..22050];
    let crossings = first
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count();
    assert!(
        (499..=501).contains(&crossings),
        "{crossings} cycles in 0.5 s"
    );
    let peak = first.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!((peak - 0.5).abs() < 0.01, "peak {peak}");
    assert!(
        left[24000..].iter().all(|x| x.abs() < 1e-3),
        "silent after the event"
    );
}

#[test]
fn render_reports_bad_input_with_the_file_and_line() {
    let patch = tmp("bad.patch");
    std::fs::write(&patch, "create a sine\nconnect a nowhere\n").expect("write");
    let o = bin()
        .args(["render", "--patch"])
        .arg(&patch)
        .arg(tmp("bad.wav"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.patch") && err.contains("line 2") && err.contains("nowhere"),
        "{err}"
    );
    let o = bin()
        .args(["render", "--patch", "/nonexistent/x.patch"])
        .arg(tmp("x.wav"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
}

#[test]
fn modules_lists_every_type_with_parameters() {
    let o = bin().arg("modules").output().expect("run");
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for t in [
        "sine",
        "saw",
        "square",
        "triangle",
        "noise",
        "lfo",
        "adsr",
        "vca",
        "biquad",
        "ladder",
        "mixer",
        "pan",
        "delay",
        "distortion",
        "reverb",
        "output",
    ] {
        assert!(text.lines().any(|l| l.starts_with(t)), "{t} missing");
    }
    assert!(text.contains("simple_sine"), "prior engine alias listed");
    assert!(text.contains("cutoff"));
}

#[test]
fn every_example_patch_renders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("examples") {
        let p = e.expect("entry").path();
        if p.extension().and_then(|x| x.to_str()) != Some("patch") {
            continue;
        }
        let out = tmp(&format!(
            "{}.wav",
            p.file_stem().and_then(|s| s.to_str()).unwrap_or("x")
        ));
        let st = bin()
            .args(["render", "--seconds", "0.5", "--sample-dir"])
            .arg(p.with_file_name("samples"))
            .arg("--patch")
            .arg(&p)
            .arg(&out)
            .status()
            .expect("run");
        assert!(st.success(), "{}", p.display());
        n += 1;
    }
    assert!(n >= 5, "examples found: {n}");
}

#[test]
fn render_output_is_bit_identical_on_one_two_and_four_threads() {
    for (name, text) in parallel_patches::all() {
        let patch = tmp(&format!("par-{name}.patch"));
        std::fs::write(&patch, text).expect("write");
        let wavs: Vec<Vec<u8>> = ["1", "2", "4"]
            .iter()
            .map(|threads| {
                let out = tmp(&format!("par-{name}-{threads}.wav"));
                let st = bin()
                    .args([
                        "render",
                        "--seconds",
                        "0.5",
                        "--threads",
                        threads,
                        "--patch",
                    ])
                    .arg(&patch)
                    .arg(&out)
                    .status()
                    .expect("run");
                assert!(st.success(), "{name} --threads {threads}");
                std::fs::read(&out).expect("wav")
            })
            .collect();
        let samples: Vec<f32> = hound::WavReader::open(tmp(&format!("par-{name}-1.wav")))
            .expect("wav")
            .samples::<f32>()
            .map(|x| x.expect("sample"))
            .collect();
        assert!(samples.iter().any(|x| x.abs() > 0.01), "{name}: silent");
        assert!(wavs[1] == wavs[0], "{name}: --threads 2 differs from 1");
        assert!(wavs[2] == wavs[0], "{name}: --threads 4 differs from 1");
    }
}

/// Renders `examples/NAME.patch` with the example samples: each channel, `secs` seconds at 48 kHz.
fn render_example(name: &str, secs: f64) -> Vec<Vec<f32>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let out = tmp(&format!("{name}-with-samples.wav"));
    let st = bin()
        .args(["render", "--seconds", &secs.to_string(), "--sample-dir"])
        .arg(root.join("samples"))
        .arg("--patch")
        .arg(root.join(format!("{name}.patch")))
        .arg(&out)
        .status()
        .expect("run");
    assert!(st.success(), "{name}");
    let mut r = hound::WavReader::open(&out).expect("wav");
    let xs: Vec<f32> = r.samples::<f32>().map(|s| s.expect("sample")).collect();
    (0..2)
        .map(|c| xs.iter().skip(c).step_by(2).copied().collect())
        .collect()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

#[test]
fn the_sampled_examples_play_their_samples() {
    // The drum loop keeps looping (every quarter second of the bar sounds;
    // the bar repeats every 2 s) and the limiter after the compressor holds -1 dB.
    let drums = render_example("drum-loop", 4.5);
    let ceiling = 10f32.powf(-1.0 / 20.0);
    for ch in &drums {
        assert!(ch.iter().all(|v| v.is_finite() && v.abs() <= ceiling));
        for k in 0..18 {
            let r = rms(&ch[k * 12_000..(k + 1) * 12_000]);
            assert!(r > 0.02, "drum-loop: quarter {k} is silent ({r})");
        }
        let (a, b) = (&ch[24_000..120_000], &ch[120_000..216_000]);
        let diff: Vec<f32> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        assert!(rms(&diff) < 0.1 * rms(a), "drum-loop: bars differ");
    }
    // The granular pad sounds on both sides, never clips.
    let pad = render_example("granular-pad", 3.0);
    for ch in &pad {
        assert!(ch.iter().all(|v| v.is_finite() && v.abs() < 1.0));
        let r = rms(&ch[48_000..]);
        assert!(r > 0.03, "granular-pad too quiet: {r}");
    }
}
