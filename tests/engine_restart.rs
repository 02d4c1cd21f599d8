//! Field reliability: the JACK server restarts, again and again, at other settings. After each
//! reconnect the same patch plays at the right pitch for the new sample rate, the period comes
//! from the server, connections are restored (to `system:playback_*` at once, to a client whose
//! ports appear later as soon as they do), and a running recording continues in a new file when
//! the rate changed.

mod common;

use common::engine::*;
use common::osc::s;
use common::*;
use std::time::Duration;

/// 440 Hz at amplitude 0.5 on `capture`'s first channel, at the server's rate.
fn assert_plays_440(capture: &mut Capture, rate: u32, when: &str) {
    assert!(
        capture
            .wait_for_signal(1e-3, Duration::from_secs(10))
            .is_some(),
        "{when}: only silence"
    );
    // At 96 kHz / 64 the server xruns on a VM and a take may miss cycles, which bends the
    // measured pitch: a few takes, one must be right (a patch built for the wrong rate never is).
    let mut seen = Vec::new();
    for _ in 0..5 {
        let rec = capture.take(1.0);
        let x = &rec[0];
        let f = dominant_frequency(x, rate);
        let a = tone_amplitude(x, 440.0, rate);
        eprintln!("{when}: {f:.3} Hz, amplitude {a:.4}");
        if (f - 440.0).abs() < 0.5 && (a - 0.5).abs() < 0.05 {
            return;
        }
        seen.push(format!("{f:.2} Hz/{a:.3}"));
    }
    panic!("{when}: never 440 Hz at 0.5 (rate {rate}): {seen:?}");
}

/// Waits until `port` is connected to `other` (synth-jack restores connections itself).
fn wait_connected(server: &JackServer, port: &str, other: &str, when: &str) {
    wait_for(
        Duration::from_secs(10),
        &format!("{when}: {port} -> {other} restored"),
        || {
            server
                .connections(port)
                .iter()
                .any(|c| c == other)
                .then_some(())
        },
    );
}

#[test]
fn three_restarts_at_other_settings_keep_pitch_connections_and_period() {
    let mut server = JackServer::start_with(48_000, 256, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    let (_, version) = osc.commit();
    {
        let mut capture = Capture::start(&server, &OUTS);
        assert_plays_440(&mut capture, 48_000, "48000/256");
    }
    // synth-jack remembers a connection as it is made (JACK notifies it), so a server lost
    // right after a connect still gets it back; its periodic look is once a second.
    server.connect(OUTS[0], "system:playback_1").unwrap();
    server.connect(OUTS[1], "system:playback_2").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut underruns_seen = Vec::new();
    // At 96 kHz / 64 a non-real-time dummy server on a VM xruns many of its 0.67 ms cycles
    // whoever its clients are; the underrun bound below is relative to the periods per second.
    for (rate, period) in [(44_100, 512), (48_000, 128), (96_000, 64)] {
        let when = format!("after a restart at {rate}/{period}");
        server.restart_with(rate, period);
        synth.wait_for_ports(&server, &OUTS, Duration::from_secs(20));
        wait_connected(&server, OUTS[0], "system:playback_1", &when);
        wait_connected(&server, OUTS[1], "system:playback_2", &when);
        // The in-test client appears after synth-jack is back: connected when it does.
        let mut capture = Capture::unconnected(&server, 2);
        wait_connected(&server, OUTS[0], "capture:in_1", &when);
        wait_connected(&server, OUTS[1], "capture:in_2", &when);
        assert_plays_440(&mut capture, rate, &when);
        // Before the fix every period underran; a loaded, non-real-time test machine may
        // starve the worker now and then (the take is then redone), but never most periods.
        let periods = rate / period;
        let new = retry_disturbed(5, || {
            let before = osc.status();
            let rec = capture.take(1.0);
            let after = osc.status();
            assert_eq!(
                (after.sample_rate as u32, after.buffer_size as u32),
                (rate, period),
                "{when}: {after:?}"
            );
            assert_eq!(after.patch_version, version, "{when}: {after:?}");
            let new = (after.underruns - before.underruns) as u32;
            eprintln!("{when}: {new} underruns in one second ({periods} periods)");
            let a = tone_amplitude(&rec[0], 440.0, rate);
            if new * 20 >= periods || (new > 0 && a <= 0.4) {
                return Err(format!("{new} underruns, amplitude {a:.3}"));
            }
            assert!(a > 0.4, "{when}: tone lost (amplitude {a:.3}, no underrun)");
            Ok(new)
        });
        underruns_seen.push(new);
    }
    let t = osc.telemetry();
    assert_eq!(stat(&t, "reconnects"), 3.0);
    assert!(synth.try_wait().is_none(), "synth-jack exited");
    eprintln!("underruns per measured second: {underruns_seen:?}");
}

#[test]
fn a_recording_continues_in_a_new_file_when_the_rate_changes() {
    let mut server = JackServer::start_with(48_000, 256, &["-S"]);
    let dir = TempDir::new("restart-rec");
    let rec_dir = dir.path().to_str().unwrap().to_string();
    let (mut synth, osc) = start_synth(&server, &["--record-dir", &rec_dir]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    osc.commit();
    osc.ok("/record/start", vec![s("take")]);
    std::thread::sleep(Duration::from_millis(1500));
    server.restart_with(44_100, 512);
    synth.wait_for_ports(&server, &OUTS, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    let r = osc.ok("/record/stop", vec![]);
    eprintln!("{r:?}");
    let first = hound::WavReader::open(dir.path().join("take.wav")).expect("first file valid");
    assert_eq!(first.spec().sample_rate, 48_000);
    assert!(first.duration() > 48_000, "{} frames", first.duration());
    let second =
        hound::WavReader::open(dir.path().join("take-44100.wav")).expect("second file valid");
    assert_eq!(second.spec().sample_rate, 44_100);
    let x: Vec<f32> = second
        .into_samples::<f32>()
        .step_by(2)
        .map(|v| v.unwrap())
        .collect();
    let tail = &x[x.len().saturating_sub(44_100)..];
    let f = dominant_frequency(tail, 44_100);
    assert!((f - 440.0).abs() < 0.5, "second file plays {f} Hz");
    assert!(synth.try_wait().is_none());
}

#[test]
fn a_patch_committed_at_44k_plays_on_after_a_restart_at_96k_that_puts_it_over_the_budget() {
    let mut server = JackServer::start_with(44_100, 256, &[]);
    // A delay holds 2 s: 0.5 MiB at 44.1 kHz, 1 MiB at 96 kHz. Ten fit in 8 MiB at 44.1 kHz only.
    let (mut synth, osc) = start_synth(&server, &["--max-graph-mib", "8"]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    for i in 0..10 {
        create(&osc, &format!("d{i}"), "delay", &[]);
    }
    let (_, version) = osc.commit();
    server.restart_with(96_000, 256);
    synth.wait_for_ports(&server, &OUTS, Duration::from_secs(20));
    let mut capture = Capture::start(&server, &OUTS);
    assert_plays_440(&mut capture, 96_000, "after the restart at 96 kHz");
    assert_eq!(osc.status().patch_version, version);
    // New edits are charged at the new rate: one more delay no longer fits.
    let r = osc.request("/patch/create", vec![s("d10"), s("delay")]);
    assert_eq!(r.addr, "/fail", "{r:?}");
    assert!(format!("{:?}", r.args).contains("10 × delay"), "{r:?}");
}
