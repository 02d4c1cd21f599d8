//! Field reliability, combined faults: the JACK server is stopped (SIGTERM) and started again
//! while a commit waits for its frame, while it switches, while the old slot reloads and while
//! a recording runs. After each the last committed patch plays at the right pitch, `/sync`
//! answers, and the next commit works.

mod common;

use common::engine::*;
use common::osc::*;
use common::*;
use rosc::OscType;
use std::time::Duration;

/// Stops the server with SIGTERM, starts it again at the same settings and waits for
/// synth-jack's ports.
fn restart(server: &mut JackServer, synth: &mut SynthProcess) {
    server.restart();
    synth.wait_for_ports(server, &OUTS, Duration::from_secs(30));
}

/// Sets the sine's frequency in the pending patch.
fn set_freq(osc: &OscClient, hz: f32) {
    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(hz)]);
}

/// A private server (synchronous mode, like the other restart tests) and synth-jack playing a
/// 440 Hz sine at amplitude 0.5.
fn sine_synth(args: &[&str]) -> (JackServer, SynthProcess, OscClient) {
    let server = JackServer::start_with(DEFAULT_RATE, DEFAULT_PERIOD, &["-S"]);
    let (synth, osc) = start_synth(&server, args);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    osc.commit();
    (server, synth, osc)
}

/// After a fault: the next commit switches, plays, and `/sync` answers.
fn next_commit_works(server: &JackServer, osc: &OscClient, hz: f32, when: &str) {
    set_freq(osc, hz);
    let before = osc.status().patch_version;
    let (_, v) = osc.commit();
    assert!(v > before, "{when}: version {v} after {before}");
    wait_plays(server, hz as f64, when);
    sync_within_a_second(osc, 99);
}

#[test]
fn a_restart_while_a_commit_waits_for_its_frame_keeps_it_scheduled() {
    let (mut server, mut synth, osc) = sine_synth(&[]);
    let v1 = osc.status().patch_version;
    set_freq(&osc, 550.0);
    osc.send_bundle(
        timetag(unix_now() + 30.0),
        vec![msg("/patch/commit", vec![])],
    );
    wait_for(Duration::from_secs(3), "the scheduled commit", || {
        (stat(&osc.telemetry(), "commits.pending") == 1.0).then_some(())
    });
    restart(&mut server, &mut synth);
    // The patch that played before plays again; the commit still waits for its frame (the
    // timeline stood still while the server was away, so that frame is still ahead).
    wait_plays(&server, 440.0, "after the restart");
    let t = osc.telemetry();
    assert_eq!(
        stat(&t, "commits.pending"),
        1.0,
        "the scheduled commit is gone"
    );
    let due = stat(&t, "commits.scheduled_in");
    assert!(due > 5.0, "the commit due in 30 s is now due in {due} s");
    assert_eq!(osc.status().patch_version, v1, "the commit switched early");
    // A later commit supersedes it, and plays.
    set_freq(&osc, 660.0);
    osc.send("/patch/commit", vec![]);
    let first = commit_reply(&osc, Duration::from_secs(10));
    assert_eq!(first.addr, "/fail", "{first:?}");
    assert!(
        matches!(&first.args[1], OscType::String(r) if r.contains("superseded")),
        "{first:?}"
    );
    let second = commit_reply(&osc, Duration::from_secs(10));
    assert_eq!(second.addr, "/done", "{second:?}");
    wait_plays(&server, 660.0, "after the superseding commit");
    sync_within_a_second(&osc, 1);
    next_commit_works(&server, &osc, 770.0, "the next commit");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}

#[test]
fn a_restart_just_before_a_switch_and_one_while_it_switches() {
    let (mut server, mut synth, osc) = sine_synth(&[]);
    // Timed a little ahead: the server is gone before its frame comes.
    set_freq(&osc, 550.0);
    osc.send_bundle(
        timetag(unix_now() + 0.3),
        vec![msg("/patch/commit", vec![])],
    );
    restart(&mut server, &mut synth);
    let r = commit_reply(&osc, Duration::from_secs(20));
    assert_eq!(r.addr, "/done", "{r:?}");
    wait_plays(&server, 550.0, "a commit timed across a restart");
    sync_within_a_second(&osc, 1);
    // Untimed, the server stopped right behind it: it switches before or after the restart.
    set_freq(&osc, 660.0);
    osc.send("/patch/commit", vec![]);
    restart(&mut server, &mut synth);
    let r = commit_reply(&osc, Duration::from_secs(20));
    assert_eq!(r.addr, "/done", "{r:?}");
    wait_plays(&server, 660.0, "a commit switching across a restart");
    sync_within_a_second(&osc, 2);
    next_commit_works(&server, &osc, 770.0, "the next commit");
    assert_eq!(stat(&osc.telemetry(), "reconnects"), 2.0);
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}

#[test]
fn a_restart_while_the_old_slot_reloads() {
    let server = JackServer::start_with(DEFAULT_RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &["--failover-ms", "5000"]);
    let mut server = server;
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(&osc, "f", "fault", &[]);
    connect(&osc, "osc1", "f");
    osc.commit();
    // The new patch drops the fault module. The old slot renders a little past the switch
    // frame before it is told to stop, and there a timed live change stalls it for 1.5 s: the
    // reload waits for it, and the server goes away meanwhile.
    osc.ok("/patch/delete", vec![s("f")]);
    set_freq(&osc, 550.0);
    let at = unix_now() + 0.5;
    osc.send_bundle(timetag(at), vec![msg("/patch/commit", vec![])]);
    osc.send_bundle(
        timetag(at + 0.003),
        vec![msg("/mod/f/stall_ms", vec![f(1500.0)])],
    );
    let r = commit_reply(&osc, Duration::from_secs(10));
    assert_eq!(r.addr, "/done", "{r:?}");
    restart(&mut server, &mut synth);
    wait_plays(&server, 550.0, "after a restart during the reload");
    sync_within_a_second(&osc, 1);
    next_commit_works(&server, &osc, 660.0, "the next commit");
    let t = osc.telemetry();
    assert_eq!(stat(&t, "failovers"), 0.0, "{t:?}");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}

#[test]
fn a_recording_continues_in_the_same_file_across_a_restart_at_the_same_rate() {
    let dir = TempDir::new("faults-rec");
    let rec_dir = dir.path().to_str().unwrap().to_string();
    let (mut server, mut synth, osc) = sine_synth(&["--record-dir", &rec_dir]);
    osc.ok("/record/start", vec![s("take")]);
    std::thread::sleep(Duration::from_millis(1500));
    restart(&mut server, &mut synth);
    wait_plays(&server, 440.0, "after the restart");
    next_commit_works(&server, &osc, 550.0, "a commit while recording");
    osc.ok("/record/stop", vec![]);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["take.wav".to_string()], "one file at one rate");
    let wav = hound::WavReader::open(dir.path().join("take.wav")).expect("a valid WAV");
    assert_eq!(wav.spec().sample_rate, DEFAULT_RATE);
    let frames = wav.duration() as usize;
    let x: Vec<f32> = wav
        .into_samples::<f32>()
        .step_by(2)
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(x.len(), frames);
    // 1.5 s before the restart at 440 Hz, at least two 0.5 s takes after it and 550 Hz at the
    // end: both sides of the restart are in it.
    let r = DEFAULT_RATE as usize;
    assert!(frames > 5 * r / 2, "{frames} frames");
    let head = dominant_frequency(&x[r / 2..r], DEFAULT_RATE);
    let tail = dominant_frequency(&x[frames - r / 2..], DEFAULT_RATE);
    assert!((head - 440.0).abs() < 1.0, "starts at {head} Hz");
    assert!((tail - 550.0).abs() < 1.0, "ends at {tail} Hz");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
