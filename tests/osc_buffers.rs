//! Sample buffers against a running synth-jack: `/buffer/load` of a 44.1 kHz WAV (resampled to
//! 48 kHz) played by a `sampler` at rate 2 sounds at twice its pitch; `/buffer/list`,
//! `/buffer/free` (a buffer in use keeps playing until no graph uses it), patch files with
//! `buffer` lines, `/patch/dump`; and hostile requests (paths leading out of the sample directory,
//! missing, non-WAV, truncated and over-budget files) each get `/fail` while the engine plays on.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use rosc::OscType;
use std::path::Path;
use std::time::Duration;

/// Longest a load of a small file may take on a loaded machine.
const LOAD: Duration = Duration::from_secs(30);
/// RMS of a full-scale-0.5 sine.
const HALF_SINE_RMS: f64 = SINE_RMS;

/// Writes a 16-bit WAV of `channels` identical channels: a `freq` Hz sine of amplitude 0.5.
fn write_tone(path: &Path, rate: u32, channels: u16, freq: f64, frames: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for k in 0..frames {
        let v = 0.5 * (std::f64::consts::TAU * freq * k as f64 / rate as f64).sin();
        for _ in 0..channels {
            w.write_sample((v * 32767.0).round() as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A WAV header (16-bit mono, 48 kHz) whose data chunk claims `data_bytes`, with `body` after it.
fn wav_claiming(data_bytes: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36u32.wrapping_add(data_bytes)).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&48_000u32.to_le_bytes());
    v.extend_from_slice(&96_000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_bytes.to_le_bytes());
    v.extend_from_slice(body);
    v
}

/// Sends `/buffer/load name file` and waits for its answer (the one after `/done` or `/fail`).
fn load(osc: &OscClient, name: &str, file: &str) -> rosc::OscMessage {
    osc.send("/buffer/load", vec![s(name), s(file)]);
    loop {
        let m = osc
            .recv(LOAD)
            .unwrap_or_else(|| panic!("no answer to /buffer/load {name} {file}"));
        if m.addr == "/done" || m.addr == "/fail" {
            return m;
        }
    }
}

/// The `/fail` reason of loading `file`.
fn load_fails(osc: &OscClient, file: &str) -> String {
    let r = load(osc, "bad", file);
    assert_eq!(r.addr, "/fail", "loading {file} should fail: {r:?}");
    assert_eq!(r.args.first(), Some(&s("/buffer/load")), "{r:?}");
    match r.args.get(1) {
        Some(OscType::String(why)) => why.clone(),
        other => panic!("/fail without a reason: {other:?}"),
    }
}

#[test]
fn buffers_load_play_at_pitch_survive_free_and_refuse_hostile_files() {
    let server = JackServer::start();
    let samples = server.scratch_dir().join("samples");
    std::fs::create_dir_all(&samples).unwrap();
    // 2 s of 1 kHz at 44.1 kHz: a whole number of cycles, so it loops seamlessly.
    write_tone(&samples.join("tone.wav"), 44_100, 1, 1000.0, 88_200);
    std::fs::write(samples.join("text.wav"), "this is not a WAV file\n").unwrap();
    let mut cut = wav_claiming(96_000, &[0u8; 96_000]);
    cut.truncate(2_000);
    std::fs::write(samples.join("cut.wav"), cut).unwrap();
    std::fs::write(
        samples.join("huge.wav"),
        wav_claiming(0xFFFF_FFF0, &[0u8; 64]),
    )
    .unwrap();
    // 3 M stereo frames: 24 MiB as 32-bit floats, over the 16 MiB budget.
    write_tone(&samples.join("big.wav"), 48_000, 2, 100.0, 3_000_000);
    let outside = server.scratch_dir().join("outside.wav");
    write_tone(&outside, 48_000, 1, 1000.0, 4_800);
    std::os::unix::fs::symlink(&outside, samples.join("link.wav")).unwrap();

    let patch = server.write_file("start.patch", "create osc1 sine freq=440 gain=0.5\n");
    let synth = Synth::start(
        &server,
        &[
            "--sample-dir",
            samples.to_str().unwrap(),
            "--buffer-budget-mib",
            "16",
            "--patch",
            patch.to_str().unwrap(),
        ],
    );
    let osc = &synth.osc;
    wait_status(osc, Duration::from_secs(5), |st| st.patch_version == 1);
    let mut capture = Capture::start(&server, &OUTS);

    // Hostile requests: each refused with its reason, and the sine plays on.
    for (file, words) in [
        ("../outside.wav", &["sample directory"][..]),
        (outside.to_str().unwrap(), &["sample directory"]),
        ("link.wav", &["outside the sample directory"]),
        ("nope.wav", &["cannot open"]),
        ("text.wav", &["not a readable WAV"]),
        ("cut.wav", &["truncated"]),
        ("huge.wav", &["truncated"]),
        ("big.wav", &["budget"]),
    ] {
        let why = load_fails(osc, file);
        assert_mentions(&why, words);
    }
    let bad_name = osc.fails("/buffer/load", vec![s("../x"), s("tone.wav")]);
    assert_mentions(&bad_name, &["bad name"]);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        440.0,
        HALF_SINE_RMS,
        "after hostile loads",
    );
    synth_alive(&synth);

    // A real load: resampled from 44.1 to 48 kHz (2 s = 96000 frames), mono.
    let r = load(osc, "tone", "tone.wav");
    assert_eq!(
        r.args,
        vec![s("/buffer/load"), s("tone"), i(96_000), i(1)],
        "{r:?}"
    );
    let r = osc.ok("/buffer/list", vec![]);
    assert_eq!(r.args[1..], [s("tone"), i(96_000), i(1)], "{r:?}");

    // A sampler at rate 2 plays the 1 kHz file at 2 kHz on both sides.
    osc.ok("/patch/delete", vec![s("osc1")]);
    osc.ok(
        "/patch/create",
        vec![
            s("smp"),
            s("sampler"),
            s("buffer"),
            s("tone"),
            s("mode"),
            s("loop"),
            s("rate"),
            f(2.0),
        ],
    );
    osc.commit();
    let rec = listen_steady(&mut capture, osc, 0.1, 0.5);
    assert_tone(&rec, 2000.0, HALF_SINE_RMS, "sampler at rate 2");
    let text = dump(osc, false);
    assert!(
        text.contains("buffer tone tone.wav") && text.contains("buffer=tone"),
        "{text}"
    );

    // Freed by name, the buffer keeps playing in the graph that uses it...
    osc.ok("/buffer/free", vec![s("tone")]);
    let r = osc.ok("/buffer/list", vec![]);
    assert_eq!(r.args.len(), 1, "{r:?}");
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.4),
        2000.0,
        HALF_SINE_RMS,
        "freed buffer still in use",
    );
    assert!(!dump(osc, false).contains("buffer tone "), "line kept");
    // ...and a graph compiled without it is silent.
    osc.ok("/patch/set", vec![s("smp"), s("rate"), f(1.0)]);
    osc.commit();
    assert_silent(&listen(&mut capture, 0.1, 0.3), "no buffer loaded");

    // A patch file's `buffer` lines load with it; answered like /buffer/load.
    std::fs::create_dir_all(&synth.patch_dir).unwrap();
    std::fs::write(
        synth.patch_dir.join("kit.patch"),
        "buffer tone tone.wav\ncreate s sampler buffer=tone mode=loop pitch=-12 gain=1\n",
    )
    .unwrap();
    osc.ok("/patch/load", vec![s("kit")]);
    let r = osc.expect("/done", LOAD);
    assert_eq!(
        r.args,
        vec![s("/buffer/load"), s("tone"), i(96_000), i(1)],
        "{r:?}"
    );
    osc.commit();
    assert_tone(
        &listen_steady(&mut capture, osc, 0.1, 0.5),
        500.0,
        HALF_SINE_RMS,
        "patch-file buffer at pitch -12",
    );
}

fn synth_alive(synth: &Synth) {
    let st = synth.osc.status();
    assert!(st.sample_rate > 0.0, "{st:?}");
}
