//! End-to-end: the `synth-jack` binary on a private JACK server (dummy backend) plays a sine
//! patch; its outputs are captured in-process and analysed.

mod common;

use common::*;
use std::time::{Duration, Instant};

const ONSET_THRESHOLD: f32 = 1e-6;

#[test]
fn sine_patch_plays_440hz_on_both_outputs() {
    let server = JackServer::start();
    let patch = server.write_file("sine.patch", "create osc1 sine freq=440 gain=0.5\n");
    let mut synth = SynthProcess::spawn(
        &server,
        &["--patch", patch.to_str().unwrap(), "--osc-port", "0"],
    );
    let outs = ["synth-jack:out_1", "synth-jack:out_2"];
    synth.wait_for_ports(&server, &outs, SYNTH_READY_TIMEOUT);
    // --channels defaults to 2: exactly out_1 and out_2.
    assert_eq!(server.audio_outputs("^synth-jack:out_"), outs);

    let mut capture = Capture::start(&server, &outs);
    if capture
        .wait_for_signal(ONSET_THRESHOLD, Duration::from_secs(5))
        .is_none()
    {
        panic!(
            "synth-jack produced only silence for 5 s\n{}",
            synth.output()
        );
    }
    let rec = capture.take(2.0);
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited while playing\n{}",
        synth.output()
    );

    let rate = capture.rate();
    let expected_rms = 0.5 / 2f64.sqrt();
    // Largest sample-to-sample step of a clean 440 Hz sine at amplitude 0.5 (plus 10 %).
    let max_clean_step = (0.5 * std::f64::consts::TAU * 440.0 / rate as f64 * 1.1) as f32;
    for (port, samples) in outs.iter().zip(&rec) {
        // Each output from its own first sound on (both normally start together).
        let s = skip_leading_silence(samples, ONSET_THRESHOLD);
        assert!(
            s.len() >= rate as usize * 3 / 2,
            "{port}: only {} non-silent-led samples of {}",
            s.len(),
            samples.len()
        );
        let f = dominant_frequency(s, rate);
        let r = rms(s);
        let gap = longest_silence(s, ONSET_THRESHOLD);
        let step = max_step(s);
        eprintln!("{port}: f={f:.3} Hz rms={r:.5} longest_silence={gap} max_step={step:.5}");
        assert!(
            (f - 440.0).abs() <= 0.5,
            "{port}: frequency {f} Hz, want 440 ± 0.5"
        );
        assert!(
            (r - expected_rms).abs() <= 0.01 * expected_rms,
            "{port}: rms {r}, want {expected_rms:.4} ± 1 %"
        );
        // A 440 Hz sine never has more than ~1 consecutive sample below 1e-6; a dropped or
        // zeroed period (256 frames) would.
        assert!(
            gap < 16,
            "{port}: {gap} consecutive samples below {ONSET_THRESHOLD} after the onset"
        );
        // No clicks: no jump larger than the sine's own slope allows.
        assert!(
            step <= max_clean_step,
            "{port}: discontinuity, max step {step} > {max_clean_step}"
        );
    }
    assert_eq!(capture.dropped_cycles(), 0);

    // It stops on SIGTERM within the helper's grace period (no SIGKILL needed).
    drop(capture);
    let (status, killed) = synth.terminate();
    eprintln!("synth-jack after SIGTERM: {status:?}");
    assert!(
        !killed,
        "synth-jack ignored SIGTERM for {TERM_TIMEOUT:?}\n{}",
        synth.output()
    );
}

#[test]
fn exits_with_code_2_and_a_hint_when_no_jack_server_runs() {
    // A server name nobody runs. No JACK_NO_START_SERVER here: the binary itself must not
    // auto-start a server. To see an auto-start attempt, HOME gets a .jackdrc whose "server"
    // only leaves a marker file (libjack execs the .jackdrc command when it auto-starts).
    let absent = format!("synthjack-absent-{}", unique_suffix());
    let home = TempDir::new("synthjack-home");
    let marker = home.path().join("autostarted");
    let fake = home.write(
        "fake-jackd",
        &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    home.write(".jackdrc", &format!("{}\n", fake.display()));

    let start = Instant::now();
    let mut synth = SynthProcess::spawn_env(
        &[
            ("JACK_DEFAULT_SERVER", absent.as_str()),
            ("HOME", home.path().to_str().unwrap()),
        ],
        &["--osc-port", "0"],
    );
    let status = synth.wait_exit(Duration::from_secs(10));
    let elapsed = start.elapsed();
    // Anything that got started under that server name is ours: stop it by PID.
    let stray = pids_with_cmdline_containing(&absent);
    for &pid in &stray {
        eprintln!("killing stray process {pid} started for {absent}");
        kill_pid(pid);
    }

    let status = status.unwrap_or_else(|| {
        panic!(
            "synth-jack still running 10 s after start without a server\n{}",
            synth.output()
        )
    });
    let stderr = synth.stderr();
    assert_eq!(
        status.code(),
        Some(2),
        "exit status {status}, want code 2\n{}",
        synth.output()
    );
    assert!(
        stderr.lines().any(|l| l.contains("jackd")),
        "no line on stderr tells how to start a server (mentions `jackd`)\n{}",
        synth.output()
    );
    assert!(
        !marker.exists(),
        "synth-jack tried to auto-start a JACK server (use ClientOptions::NO_START_SERVER)"
    );
    assert!(
        stray.is_empty(),
        "processes were started for server {absent}: {stray:?}"
    );
    eprintln!("exited with {status} after {elapsed:?}; stderr:\n{stderr}");
}
