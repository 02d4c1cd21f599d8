//! OSC file and process addresses against a running synth-jack: `/patch/save`, `/patch/load`,
//! `/record/start`, `/record/stop`, `/quit`; names that would leave their directory, missing and
//! broken files.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use rosc::OscType;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Names of the entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Names that must never be accepted as file names, with a word the reason must contain.
fn bad_names() -> Vec<(OscType, &'static str)> {
    vec![
        (s("../x"), "bad name"),
        (s("../../etc/passwd"), "bad name"),
        (s("a/b"), "bad name"),
        (s("/tmp/x"), "bad name"),
        (s(".."), "bad name"),
        (s("."), "bad name"),
        (s("x.patch"), "bad name"),
        (s(""), "bad name"),
        (s(&"n".repeat(65)), "bad name"),
        (s("sp ace"), "bad name"),
        (i(1), "argument 1"),
    ]
}

#[test]
fn save_and_load_round_trip_and_refuse_bad_names_and_files() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let dir = synth.patch_dir.clone();
    let mut capture = Capture::start(&server, &OUTS);

    // Save writes the playing patch with its live changes.
    osc.send("/mod/osc1/freq", vec![f(550.0)]);
    sync_clean(osc, 1);
    let r = osc.ok("/patch/save", vec![s("song")]);
    assert_eq!(r.args, vec![s("/patch/save"), s("song")], "{r:?}");
    let file = dir.join("song.patch");
    let text = std::fs::read_to_string(&file).expect("saved file");
    assert!(
        text.contains("create osc1 sine") && text.contains("freq=550"),
        "{text}"
    );
    assert_eq!(entries(&dir), vec!["song.patch"], "temporary files left");

    // Saving again replaces the file by a rename (a new inode), never rewriting it in place.
    let ino = std::fs::metadata(&file).unwrap().ino();
    osc.send("/mod/osc1/gain", vec![f(0.25)]);
    sync_clean(osc, 2);
    osc.ok("/patch/save", vec![s("song")]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("gain=0.25"), "{text}");
    assert_ne!(
        std::fs::metadata(&file).unwrap().ino(),
        ino,
        "save rewrote the file in place instead of renaming a temporary file over it"
    );
    assert_eq!(entries(&dir), vec!["song.patch"], "temporary files left");

    // Silence, then load the saved patch: pending only until committed.
    osc.ok("/patch/clear", vec![]);
    commit_checked(osc);
    assert_silent(&listen(&mut capture, 0.05, 0.3), "cleared");
    let r = osc.ok("/patch/load", vec![s("song")]);
    assert_eq!(r.args, vec![s("/patch/load"), s("song")], "{r:?}");
    assert_eq!(created(&dump(osc, true)), vec!["create osc1 sine"]);
    assert_silent(&listen(&mut capture, 0.0, 0.2), "loaded, not committed");
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        550.0,
        SINE_RMS / 2.0,
        "loaded song",
    );

    // A file written by hand into the patch directory.
    std::fs::write(
        dir.join("hand-made_1.patch"),
        "# comment\ncreate a sine freq=330 gain=0.5\ncreate out output\nconnect a out.in1\n",
    )
    .unwrap();
    osc.ok("/patch/load", vec![s("hand-made_1")]);
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        330.0,
        SINE_RMS,
        "hand-made patch",
    );

    // Refusals: missing and broken files, bad names, bad arguments. The pending patch stays.
    let pending = dump(osc, true);
    let reason = osc.fails("/patch/load", vec![s("missing")]);
    assert_mentions(&reason, &["missing", "No such file"]);
    std::fs::write(
        dir.join("broken.patch"),
        "create a sine\ncreate b sinus\nconnect a b\n",
    )
    .unwrap();
    let reason = osc.fails("/patch/load", vec![s("broken")]);
    assert_mentions(&reason, &["broken", "line 2", "sinus"]);
    std::fs::write(dir.join("binary.patch"), [0xffu8, 0xfe, 0x00, 0x80]).unwrap();
    let reason = osc.fails("/patch/load", vec![s("binary")]);
    assert_mentions(&reason, &["binary"]);
    std::fs::create_dir(dir.join("adir.patch")).unwrap();
    let reason = osc.fails("/patch/load", vec![s("adir")]);
    assert_mentions(&reason, &["adir"]);
    // A file just outside the directory, reachable only by escaping it.
    std::fs::write(dir.parent().unwrap().join("x.patch"), "create evil noise\n").unwrap();
    for addr in ["/patch/load", "/patch/save"] {
        for (name, word) in bad_names() {
            let reason = osc.fails(addr, vec![name.clone()]);
            eprintln!("{addr} {name:?}: {reason}");
            assert_mentions(&reason, &[word]);
        }
        let reason = osc.fails(addr, vec![]);
        assert_mentions(&reason, &["expected 1 argument, got 0"]);
        let reason = osc.fails(addr, vec![s("a"), s("b")]);
        assert_mentions(&reason, &["expected 1 argument, got 2"]);
    }
    assert_eq!(
        dump(osc, true),
        pending,
        "a refused load changed the pending patch"
    );
    assert!(!dump(osc, true).contains("evil"));
    // No save went anywhere: the directory and its parent hold only what the test wrote.
    assert_eq!(
        entries(&dir),
        vec![
            "adir.patch",
            "binary.patch",
            "broken.patch",
            "hand-made_1.patch",
            "song.patch"
        ]
    );
    let parent: Vec<String> = entries(dir.parent().unwrap())
        .into_iter()
        .filter(|n| n.ends_with(".patch") || n == "x" || n == "b")
        .collect();
    assert_eq!(parent, vec!["start.patch", "x.patch"]);
    assert_eq!(
        std::fs::read_to_string(dir.parent().unwrap().join("x.patch")).unwrap(),
        "create evil noise\n"
    );
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.3),
        330.0,
        SINE_RMS,
        "after refusals",
    );
    synth.assert_alive();
}

#[test]
fn record_writes_a_wav_of_what_plays() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let dir = synth.record_dir.clone();
    assert!(!dir.exists(), "the record directory should not exist yet");

    let reason = osc.fails("/record/stop", vec![]);
    assert_mentions(&reason, &["no recording"]);

    // Recorded again (up to 3 times) if an xrun or underrun put a glitch into what played.
    let mut attempt = 0;
    let path = loop {
        attempt += 1;
        let name = format!("take{attempt}");
        let before = osc.status();
        let t0 = Instant::now();
        let r = osc.ok("/record/start", vec![s(&name)]);
        let t1 = Instant::now();
        let path = dir.join(format!("{name}.wav"));
        assert_eq!(
            r.args,
            vec![s("/record/start"), s(path.to_str().unwrap())],
            "{r:?}"
        );
        let reason = osc.fails("/record/start", vec![s("other")]);
        assert_mentions(&reason, &["already"]);
        std::thread::sleep(Duration::from_millis(1500));
        let t2 = Instant::now();
        let r = osc.ok("/record/stop", vec![]);
        let t3 = Instant::now();
        let frames = match r.args.as_slice() {
            [_, OscType::String(p), OscType::Int(n)] => {
                assert_eq!(Path::new(p), path, "{r:?}");
                *n as u64
            }
            _ => panic!("bad /done /record/stop: {r:?}"),
        };
        // Frames recorded ≈ time between the start and the stop (± a few periods).
        let rate = 48_000.0;
        let slack = 2048.0;
        let min = (t2 - t1).as_secs_f64() * rate - slack;
        let max = (t3 - t0).as_secs_f64() * rate + slack;
        eprintln!("recorded {frames} frames; expected {min:.0} ..= {max:.0}");
        assert!(
            (min..=max).contains(&(frames as f64)),
            "recorded {frames} frames, expected {min:.0} ..= {max:.0}"
        );

        let mut reader = hound::WavReader::open(&path).expect("a readable WAV");
        let spec = reader.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 48_000, 32),
            "{spec:?}"
        );
        assert_eq!(spec.sample_format, hound::SampleFormat::Float);
        assert_eq!(
            reader.duration() as u64,
            frames,
            "WAV length != reported frames"
        );
        let samples: Vec<f32> = reader.samples::<f32>().map(|x| x.unwrap()).collect();
        let chans: Vec<Vec<f32>> = (0..2)
            .map(|c| samples.iter().skip(c).step_by(2).copied().collect())
            .collect();
        let after = osc.status();
        if (after.xruns, after.underruns) != (before.xruns, before.underruns) && attempt < 3 {
            eprintln!("[test] xrun or underrun during the recording; recording again");
            continue;
        }
        assert_tone(&chans, 440.0, SINE_RMS, "recording");
        for (c, x) in chans.iter().enumerate() {
            let gap = longest_silence(x, 1e-6);
            let step = max_step(x);
            assert!(
                gap < 16,
                "channel {c}: {gap} silent samples in the recording"
            );
            assert!(
                step < 0.04,
                "channel {c}: discontinuity {step} in the recording"
            );
        }
        break path;
    };
    let takes = entries(&dir).len();
    assert_eq!(takes, attempt, "{:?}", entries(&dir));
    eprintln!("recorded {}", path.display());

    // Without a name: rec-<unix seconds>.wav, then -2... when taken.
    let mut paths = Vec::new();
    for _ in 0..2 {
        let r = osc.ok("/record/start", vec![]);
        let p = match r.args.get(1) {
            Some(OscType::String(p)) => p.clone(),
            _ => panic!("{r:?}"),
        };
        let r = osc.ok("/record/stop", vec![]);
        assert_eq!(r.args.get(1), Some(&s(&p)));
        paths.push(p);
    }
    assert_ne!(
        paths[0], paths[1],
        "the second recording overwrote the first"
    );
    for p in &paths {
        let p = Path::new(p);
        assert_eq!(p.parent(), Some(dir.as_path()));
        let name = p.file_name().unwrap().to_string_lossy();
        let stem = name.strip_suffix(".wav").expect(".wav");
        let digits = stem.strip_prefix("rec-").expect("rec-");
        assert!(
            digits
                .split('-')
                .all(|d| d.chars().all(|c| c.is_ascii_digit())),
            "{name}"
        );
        assert!(p.exists(), "{} missing", p.display());
    }

    // Bad names start nothing and write nothing outside the directory.
    for (name, word) in bad_names() {
        let reason = osc.fails("/record/start", vec![name.clone()]);
        eprintln!("/record/start {name:?}: {reason}");
        assert_mentions(&reason, &[word]);
        let reason = osc.fails("/record/stop", vec![]);
        assert_mentions(&reason, &["no recording"]);
    }
    let reason = osc.fails("/record/start", vec![s("a"), s("b")]);
    assert_mentions(&reason, &["must be the word `overwrite`"]);
    let reason = osc.fails("/record/start", vec![s("a"), s("overwrite"), s("c")]);
    assert_mentions(&reason, &["expected 0 to 2 arguments, got 3"]);
    let reason = osc.fails("/record/stop", vec![s("take1")]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    assert_eq!(entries(&dir).len(), takes + 2, "{:?}", entries(&dir));
    let parent: Vec<String> = entries(dir.parent().unwrap())
        .into_iter()
        .filter(|n| n.ends_with(".wav"))
        .collect();
    assert!(
        parent.is_empty(),
        "recordings outside the directory: {parent:?}"
    );
    assert_eq!(osc.status().drops, 0);
    synth.assert_alive();
}

#[test]
fn quit_replies_and_exits_cleanly() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine\n");

    let reason = synth.osc.fails("/quit", vec![i(0)]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    std::thread::sleep(Duration::from_millis(300));
    synth.assert_alive();
    assert_eq!(synth.osc.status().patch_version, 1);

    let r = synth.osc.ok("/quit", vec![]);
    assert_eq!(r.args, vec![s("/quit")]);
    let status = synth
        .process
        .wait_exit(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after /quit\n{}", synth.process.output()));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status}\n{}",
        synth.process.output()
    );
    // Its ports are gone.
    assert!(
        !server.port_exists(OUTS[0]),
        "synth-jack:out_1 still registered"
    );
}
