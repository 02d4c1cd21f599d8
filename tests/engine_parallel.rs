//! Engine acceptance: parallel rendering is bit-identical live. On a JACK dummy server, debug
//! build (allocation guard armed on the worker and its render helpers), the same patches played
//! with `--threads 1`, 2 and 4 give the same samples, bit for bit: voices (12 parts), chains
//! meeting at a mixer (4), voices sharing a modulator (5), feedback through delays (6), and an
//! instrument's voices playing a chord of 24 notes (two unison copies each, four notes stealing,
//! half of them released within the take): its sounding copies render in voice groups of four
//! on the render threads and their partial sums are added in group order.
//!
//! Each case starts from silence (a patch of only `out`) and begins at one timed frame: a timed
//! `/patch/commit` of the case's patch (fresh module ids, so nothing is carried over and every
//! module starts from its initial state), or timed `/note/on`s to a fresh instrument. Everything
//! after that frame is a function of the patch alone, so the engine's own recordings (what its
//! callback played, whatever other JACK clients do) are aligned on their first non-zero sample
//! and compared from there. A take disturbed by an underrun, a late render, a gap in the
//! cross-fade, a failover or a recorder overflow is taken again.

mod common;
mod parallel_patches;

use common::engine::*;
use common::osc::*;
use common::*;
use parallel_patches::*;
use rosc::{OscMessage, OscType};
use std::path::Path;
use std::time::Duration;

/// Frames compared per case (0.5 s at 48 kHz).
const FRAMES: usize = 24_000;

/// The silent starting point of every case.
const BASE: &str = "create out output\n";

/// A fresh 20-voice instrument `name` into `out` (two unison copies per note), idle (a new name
/// per chord, so no voice has played before).
fn instrument(name: &str) -> String {
    format!(
        "voice {name} count=20 unison=2 detune=8 mode=poly steal=oldest glide=0
  create osc saw gain=0.05
  create filt ladder cutoff=1800 resonance=0.3
  create env adsr attack=5 decay=200 sustain=0.6 release=40
  create amp vca
  connect note.freq osc.freq
  connect note.gate env.gate
  connect note.vel amp.cv
  connect osc filt
  connect filt env
  connect env amp
end
create out output
connect {name} out
"
    )
}

/// How a case begins at its timed frame.
enum Start {
    /// A timed commit of this patch file (in the patch directory).
    Commit(&'static str),
    /// Timed note-ons to a fresh instrument, committed first.
    Chord,
}

const CASES: [(&str, Start); 5] = [
    ("voices", Start::Commit("voices")),
    ("chains", Start::Commit("chains")),
    ("shared modulator", Start::Commit("shared")),
    ("feedback delay", Start::Commit("feedback")),
    ("instrument chord", Start::Chord),
];

/// The first `/done` or `/fail` (notifications skipped).
fn reply(osc: &OscClient) -> OscMessage {
    loop {
        let m = osc
            .recv(Duration::from_secs(30))
            .expect("no reply to the timed bundle");
        if m.addr == "/done" || m.addr == "/fail" {
            return m;
        }
    }
}

/// Counters of what tears a capture: underruns, drops, failovers, late renders or bundles,
/// late switches, gaps in a cross-fade. (Xruns alone change nothing: a worker skips frames only when it falls
/// behind, which counts as late.)
fn disturbances(osc: &OscClient) -> [f64; 6] {
    let st = osc.status();
    let t = osc.telemetry();
    [
        st.underruns as f64,
        st.drops as f64,
        st.failovers as f64,
        st.late as f64,
        stat(&t, "late_switches"),
        stat(&t, "fade_gaps"),
    ]
}

/// Plays one case from silence, recorded by the engine's own recorder (which writes exactly
/// what its callback played, whatever other JACK clients do), and returns `FRAMES` frames per
/// channel from the first non-zero sample, or why the recording was disturbed.
fn take_case(
    synth: &SynthProcess,
    osc: &OscClient,
    start: &Start,
    dir: &Path,
    attempt: &mut usize,
) -> Result<Vec<Vec<f32>>, String> {
    *attempt += 1;
    let base = match start {
        Start::Commit(_) => "base".to_string(),
        Start::Chord => {
            let name = format!("lead{attempt}");
            std::fs::write(dir.join(format!("{name}.patch")), instrument(&name)).expect("write");
            name
        }
    };
    osc.ok("/patch/load", vec![s(&base)]);
    osc.commit();
    sync(osc, 1);
    let before = disturbances(osc);
    let lost = synth.output().matches("frames lost").count();
    let r = osc.ok("/record/start", vec![s("take"), s("overwrite")]);
    let Some(OscType::String(path)) = r.args.get(1).cloned() else {
        panic!("no path in {r:?}");
    };
    let at = timetag(unix_now() + 0.3);
    match start {
        Start::Commit(name) => {
            osc.ok("/patch/load", vec![s(name)]);
            osc.send_bundle(at, vec![msg("/patch/commit", vec![])]);
            let r = reply(osc);
            assert_eq!(r.addr, "/done", "{r:?}");
        }
        Start::Chord => {
            // 24 notes on 20 voices (the last four steal); every other one lasts 100-320 ms.
            let notes = (0..24).map(|k| {
                let (note, vel) = (i(40 + 2 * k), i(60 + k));
                match k % 2 {
                    0 => msg("/note/on", vec![s(&base), note, vel]),
                    _ => msg("/note", vec![s(&base), note, vel, i(100 + 20 * k)]),
                }
            });
            osc.send_bundle(at, notes.collect());
        }
    }
    sync(osc, 2);
    std::thread::sleep(Duration::from_secs_f64(1.0 + FRAMES as f64 / 48_000.0));
    osc.ok("/record/stop", vec![]);
    let after = disturbances(osc);
    if after != before {
        return Err(format!("{before:?} -> {after:?}"));
    }
    if synth.output().matches("frames lost").count() != lost {
        return Err("the recorder lost frames".into());
    }
    let mut wav = hound::WavReader::open(&path).expect("recording");
    let channels = wav.spec().channels as usize;
    let samples: Vec<f32> = wav.samples::<f32>().map(|x| x.expect("sample")).collect();
    let Some(onset) = samples.iter().position(|&x| x != 0.0) else {
        return Err("silent recording".into());
    };
    let onset = onset / channels;
    let frames = samples.len() / channels;
    if frames < onset + FRAMES {
        return Err(format!("{frames} frames recorded, onset at {onset}"));
    }
    Ok((0..channels)
        .map(|c| {
            (onset..onset + FRAMES)
                .map(|k| samples[k * channels + c])
                .collect()
        })
        .collect())
}

/// Every case's recording with `--threads threads`.
fn play_cases(server: &JackServer, threads: &str) -> Vec<Vec<Vec<f32>>> {
    let dir = server.scratch_dir().join(format!("patches-{threads}"));
    std::fs::create_dir_all(&dir).expect("patch dir");
    std::fs::write(dir.join("base.patch"), BASE).expect("write patch");
    for (name, text) in all() {
        std::fs::write(dir.join(format!("{name}.patch")), text).expect("write patch");
    }
    let (mut synth, osc) = start_synth(
        server,
        &[
            "--threads",
            threads,
            "--patch-dir",
            dir.to_str().unwrap(),
            "--record-dir",
            dir.to_str().unwrap(),
        ],
    );
    let out = CASES
        .iter()
        .map(|(name, start)| {
            let mut attempt = 0;
            let rec = retry_disturbed(6, || take_case(&synth, &osc, start, &dir, &mut attempt));
            let level = rms(&rec[0]);
            eprintln!("--threads {threads}, {name}: rms {level:.4}");
            assert!(level > 1e-3, "{name}: nearly silent (rms {level})");
            rec
        })
        .collect();
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited\n{}",
        synth.output()
    );
    out
}

/// The first sample (channel, frame, a, b) whose bits differ.
fn first_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<(usize, usize, f32, f32)> {
    a.iter().zip(b).enumerate().find_map(|(c, (x, y))| {
        x.iter()
            .zip(y)
            .position(|(p, q)| p.to_bits() != q.to_bits())
            .map(|k| (c, k, x[k], y[k]))
    })
}

#[test]
fn one_two_and_four_render_threads_play_bit_identical_output() {
    let server = JackServer::start();
    let one = play_cases(&server, "1");
    for threads in ["2", "4"] {
        let other = play_cases(&server, threads);
        for ((name, _), (a, b)) in CASES.iter().zip(one.iter().zip(&other)) {
            if let Some((c, k, x, y)) = first_difference(a, b) {
                panic!(
                    "{name}: --threads {threads} differs from --threads 1 at channel {c}, \
                     frame {k} after the onset: {y:e} vs {x:e}"
                );
            }
        }
    }
}
