//! Tests of the integration-test helpers in `tests/common`: the analysis functions on synthetic
//! signals, the private JACK server's lifecycle and cleanup, and the in-process capture.

mod common;

use common::*;
use std::time::Duration;

const RATE: u32 = 48_000;

fn sine(freq: f64, amp: f64, phase: f64, rate: u32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            (amp * (std::f64::consts::TAU * freq * i as f64 / rate as f64 + phase).sin()) as f32
        })
        .collect()
}

/// Deterministic uniform noise in [-1, 1) (xorshift).
fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual}, expected {expected} ± {tol}"
    );
}

// ---------------------------------------------------------------------------------------------
// Analysis helpers
// ---------------------------------------------------------------------------------------------

#[test]
fn dominant_frequency_of_pure_sines_is_exact() {
    for (i, &f) in [440.0, 220.5, 1234.5, 27.5, 10_000.25, 3_520.0, 19_999.0]
        .iter()
        .enumerate()
    {
        let s = sine(f, 0.5, 0.3 + i as f64, RATE, RATE as usize);
        assert_close(dominant_frequency(&s, RATE), f, 0.01, &format!("{f} Hz"));
    }
    // Other rates, odd lengths.
    let s = sine(440.0, 0.5, 1.0, 44_100, 44_100 + 37);
    assert_close(
        dominant_frequency(&s, 44_100),
        440.0,
        0.01,
        "440 Hz @ 44.1k",
    );
}

#[test]
fn dominant_frequency_distinguishes_half_hertz() {
    // 440 vs 440.5 must not be confused (the e2e tolerance is ±0.5 Hz).
    let s = sine(440.5, 0.5, 0.0, RATE, RATE as usize);
    let f = dominant_frequency(&s, RATE);
    assert_close(f, 440.5, 0.01, "440.5 Hz");
    assert!((f - 440.0).abs() > 0.45);
}

#[test]
fn dominant_frequency_of_short_signal() {
    let s = sine(440.3, 0.5, 2.0, RATE, RATE as usize / 4);
    assert_close(
        dominant_frequency(&s, RATE),
        440.3,
        0.05,
        "0.25 s of 440.3 Hz",
    );
    let s = sine(1000.0, 0.1, 0.0, RATE, 4096);
    assert_close(
        dominant_frequency(&s, RATE),
        1000.0,
        0.5,
        "4096 samples of 1 kHz",
    );
}

#[test]
fn dominant_frequency_with_harmonics_noise_and_dc() {
    // Naive (aliasing) sawtooth at 110 Hz, plus noise at -20 dB and a DC offset.
    let n = RATE as usize;
    let noise = noise(n, 42);
    let s: Vec<f32> = (0..n)
        .map(|i| {
            let phase = (110.0 * i as f64 / RATE as f64).fract();
            (0.5 * (2.0 * phase - 1.0)) as f32 + 0.05 * noise[i] + 0.2
        })
        .collect();
    assert_close(dominant_frequency(&s, RATE), 110.0, 0.05, "sawtooth");
}

#[test]
fn dominant_frequency_picks_the_strongest_component() {
    let a = sine(440.0, 0.2, 0.0, RATE, RATE as usize);
    let b = sine(660.0, 0.5, 1.0, RATE, RATE as usize);
    let s: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    assert_close(
        dominant_frequency(&s, RATE),
        660.0,
        0.01,
        "440@0.2 + 660@0.5",
    );
}

#[test]
fn dominant_frequency_of_silence_or_dc_is_zero() {
    assert_eq!(dominant_frequency(&[0.0; 1000], RATE), 0.0);
    assert_eq!(dominant_frequency(&[0.25; 1000], RATE), 0.0);
}

#[test]
#[should_panic(expected = "at least 64 samples")]
fn dominant_frequency_rejects_tiny_input() {
    dominant_frequency(&[0.0; 10], RATE);
}

#[test]
fn rms_exact_values() {
    // Whole number of periods: 0.5 / sqrt(2).
    let s = sine(440.0, 0.5, 0.7, RATE, 12_000); // 110 periods
    assert_close(rms(&s), 0.5 / 2f64.sqrt(), 1e-6, "sine rms");
    assert_close(rms(&[0.25; 100]), 0.25, 1e-12, "dc rms");
    assert_close(rms(&[3.0, -4.0]), 12.5f64.sqrt(), 1e-12, "[3,-4]");
    assert_eq!(rms(&[]), 0.0);
    // 1 s of 440 Hz is not a whole number of periods but close enough for ±1 %.
    let s = sine(440.0, 0.5, 0.0, RATE, RATE as usize);
    assert_close(rms(&s), 0.353_553, 0.000_1, "1 s sine rms");
}

#[test]
fn peak_exact_values() {
    assert_eq!(peak(&[0.1, -0.7, 0.3]), 0.7);
    assert_eq!(peak(&[]), 0.0);
}

#[test]
fn longest_silence_exact_values() {
    assert_eq!(
        longest_silence(&[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0.5),
        3
    );
    assert_eq!(longest_silence(&[0.0, 0.0, 1.0, 0.0, 0.0], 0.5), 2);
    assert_eq!(longest_silence(&[0.0; 7], 0.5), 7);
    assert_eq!(longest_silence(&[1.0, -1.0, 1.0], 0.5), 0);
    assert_eq!(longest_silence(&[], 0.5), 0);
    // |x| == threshold is not silent; sign does not matter.
    assert_eq!(longest_silence(&[0.5, -0.5, -0.4, 0.4, 0.5], 0.5), 2);
}

#[test]
fn sine_has_no_silent_runs_but_a_dropped_period_is_found() {
    let mut s = sine(440.0, 0.5, 0.1, RATE, 2 * RATE as usize);
    assert!(longest_silence(&s, 1e-6) <= 1);
    assert!(max_step(&s) <= (0.5 * std::f64::consts::TAU * 440.0 / RATE as f64) as f32 * 1.0001);
    // Zero out one 256-frame period in the middle: found by both checks.
    s[30_000..30_256].iter_mut().for_each(|x| *x = 0.0);
    assert!(longest_silence(&s, 1e-6) >= 256);
    assert!(max_step(&s) > 0.05);
}

#[test]
fn max_step_exact_values() {
    assert_eq!(max_step(&[0.0, 0.5, -0.25, 0.0]), 0.75);
    assert_eq!(max_step(&[1.0]), 0.0);
    assert_eq!(max_step(&[]), 0.0);
    assert_eq!(max_step(&[0.25, 0.25, 0.25]), 0.0);
}

#[test]
fn first_nonsilent_and_skip_leading_silence() {
    let s = [0.0, 1e-7, -0.01, 0.0, 0.5];
    assert_eq!(first_nonsilent(&s, 1e-6), Some(2));
    assert_eq!(skip_leading_silence(&s, 1e-6), &[-0.01, 0.0, 0.5]);
    assert_eq!(first_nonsilent(&s, 0.1), Some(4));
    assert_eq!(first_nonsilent(&[0.0; 4], 1e-6), None);
    assert!(skip_leading_silence(&[0.0; 4], 1e-6).is_empty());
    assert_eq!(first_nonsilent(&[0.5], 0.5), Some(0));
}

#[test]
fn unique_suffixes_differ() {
    let a = unique_suffix();
    let b = unique_suffix();
    assert_ne!(a, b);
    assert!(a.starts_with(&format!("{}-", std::process::id())));
}

// ---------------------------------------------------------------------------------------------
// JackServer lifecycle
// ---------------------------------------------------------------------------------------------

fn assert_server_gone(name: &str, pid: u32, scratch: &std::path::Path) {
    assert!(!process_alive(pid), "jackd {name} (pid {pid}) still alive");
    assert_eq!(
        pids_with_cmdline_containing(name),
        Vec::<u32>::new(),
        "processes mentioning {name} left"
    );
    assert_eq!(
        shm_entries_for(name),
        Vec::<String>::new(),
        "/dev/shm entries of {name} left"
    );
    assert!(!scratch.exists(), "{} left", scratch.display());
}

#[test]
fn server_starts_accepts_clients_and_is_gone_after_drop() {
    let server = JackServer::start();
    let (name, pid) = (server.name().to_string(), server.pid());
    let scratch = server.scratch_dir().to_path_buf();
    assert!(name.starts_with("synthjack-test-"), "{name}");
    assert!(process_alive(pid));
    assert_eq!(pids_with_cmdline_containing(&name), vec![pid]);
    let shm = server.shm_entries();
    assert!(
        shm.iter().any(|e| e.starts_with(&format!("jack_{name}_"))),
        "no server socket for {name} in /dev/shm: {shm:?}"
    );
    assert_eq!((server.rate(), server.period()), (48_000, 256));

    // A second client on this server by name; the dummy driver's system ports are visible.
    let client = server.client("lifecycle-probe");
    assert_eq!(client.sample_rate(), 48_000);
    assert_eq!(client.buffer_size(), 256);
    assert!(server.port_exists("system:playback_1"));
    assert!(!server.port_exists("system:playback_99"));
    assert_eq!(
        server.audio_outputs("^system:"),
        vec!["system:capture_1", "system:capture_2"]
    );
    // Latencies as `jack_lsp -l` shows them for the dummy driver at -p 256.
    assert_eq!(
        server.port_latency("system:capture_1", jack::LatencyType::Capture),
        Some((256, 256))
    );
    assert_eq!(
        server.port_latency("system:playback_1", jack::LatencyType::Playback),
        Some((512, 512))
    );
    assert_eq!(
        server.port_latency("nope:x", jack::LatencyType::Playback),
        None
    );
    let lsp = server.jack_lsp(&["-l", "system:playback_1"]);
    assert!(lsp.contains("port playback latency = [ 512 512 ]"), "{lsp}");
    let lsp = server.jack_lsp(&[]);
    assert!(lsp.contains("system:playback_2"), "jack_lsp said: {lsp}");
    assert!(server
        .wait_for_ports(&["system:capture_1"], Duration::from_millis(100))
        .is_ok());
    assert!(server
        .wait_for_ports(&["nope:x"], Duration::from_millis(50))
        .is_err());
    drop(client);

    drop(server);
    assert_server_gone(&name, pid, &scratch);
}

#[test]
fn server_is_cleaned_up_when_the_test_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let server = JackServer::start();
        let _client = server.client("doomed");
        tx.send((
            server.name().to_string(),
            server.pid(),
            server.scratch_dir().to_path_buf(),
        ))
        .unwrap();
        panic!("deliberate panic with a running server");
    }));
    assert!(result.is_err());
    let (name, pid, scratch) = rx.recv().unwrap();
    assert!(!process_alive(pid), "jackd {name} survived a panic");
    assert_eq!(pids_with_cmdline_containing(&name), Vec::<u32>::new());
    assert_eq!(shm_entries_for(&name), Vec::<String>::new());
    // Kept for diagnostics after a panic; remove it ourselves.
    assert!(scratch.exists());
    std::fs::remove_dir_all(scratch).unwrap();
}

#[test]
fn server_with_other_rate_period_and_sync_mode() {
    let server = JackServer::start_with(44_100, 128, &["-S"]);
    assert_eq!(server.control().sample_rate(), 44_100);
    assert_eq!(server.control().buffer_size(), 128);
    let (name, pid) = (server.name().to_string(), server.pid());
    let scratch = server.scratch_dir().to_path_buf();
    drop(server);
    assert_server_gone(&name, pid, &scratch);
}

#[test]
fn second_server_on_the_same_thread_is_refused() {
    // libjack keeps one server's state per process: a second live server must be refused (a
    // panic, not a deadlock), and the first one must be unaffected.
    let a = JackServer::start();
    let r = std::panic::catch_unwind(JackServer::start);
    let payload = r.expect_err("second JackServer::start should panic");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("only one JackServer"), "{msg}");
    assert!(a.port_exists("system:playback_1"));
    let name = a.name().to_string();
    drop(a);
    // Sequential servers in one test are fine, and get new names.
    let b = JackServer::start();
    assert_ne!(b.name(), name);
    let _tone = ToneGenerator::start(&b, 440.0, 0.5);
    assert!(b.port_exists("tone:out"));
}

// ---------------------------------------------------------------------------------------------
// Capture
// ---------------------------------------------------------------------------------------------

#[test]
fn capture_records_a_440hz_sine_from_another_client() {
    let server = JackServer::start();
    let tone = ToneGenerator::start(&server, 440.0, 0.5);
    let mut capture = Capture::start(&server, &[tone.port()]);
    assert_eq!(capture.input_ports(), ["capture:in_1"]);
    assert_eq!(server.connections("tone:out"), vec!["capture:in_1"]);

    assert!(
        capture
            .wait_for_signal(1e-6, Duration::from_secs(5))
            .is_some(),
        "no signal captured"
    );
    let rec = capture.take(1.5);
    assert_eq!(rec.len(), 1);
    let s = &rec[0];
    assert_eq!(s.len(), 72_000);
    let f = dominant_frequency(s, capture.rate());
    let r = rms(s);
    assert_close(f, 440.0, 0.5, "captured frequency");
    assert_close(
        r,
        0.5 / 2f64.sqrt(),
        0.01 * 0.5 / 2f64.sqrt(),
        "captured rms",
    );
    // The capture is continuous: no dropped or repeated blocks.
    assert!(longest_silence(s, 1e-6) <= 1, "gap in capture");
    let ideal_step = (0.5 * std::f64::consts::TAU * 440.0 / 48_000.0) as f32;
    assert!(
        max_step(s) <= ideal_step * 1.001,
        "discontinuity in capture: max step {} > {ideal_step}",
        max_step(s)
    );
    assert_eq!(capture.dropped_cycles(), 0);
    eprintln!(
        "capture: f={f:.4} rms={r:.5} cycles={} discontinuities={}",
        capture.cycles(),
        capture.discontinuities()
    );
}

#[test]
fn capture_channels_are_sample_aligned_and_timed() {
    let server = JackServer::start();
    let tone = ToneGenerator::start(&server, 1000.0, 0.25);
    let mut capture = Capture::start(&server, &[tone.port(), tone.port(), "system:capture_1"]);
    assert_eq!(capture.channels(), 3);
    capture
        .wait_for_signal(1e-6, Duration::from_secs(5))
        .unwrap();
    let start = capture.pending_start_frame().expect("frames pending");
    let rec = capture.record_for(Duration::from_millis(500));
    assert_eq!(rec.iter().map(Vec::len).collect::<Vec<_>>(), [24_000; 3]);
    assert_eq!(rec[0], rec[1], "channels not aligned");
    assert_eq!(peak(&rec[2]), 0.0, "dummy capture port should be silent");
    assert_close(dominant_frequency(&rec[0], 48_000), 1000.0, 0.5, "1 kHz");
    // Frame times move forward consistently.
    let first = capture.first_frame_time().unwrap();
    assert!(start.wrapping_sub(first) < 48_000 * 10);
    let next = capture.pending_start_frame();
    if let Some(next) = next {
        assert!(next.wrapping_sub(start) >= 24_000);
    }
    // samples() drains what is left.
    std::thread::sleep(Duration::from_millis(50));
    let rest = capture.samples();
    assert!(!rest[0].is_empty());
    assert_eq!(capture.pending_frames(), 0);
}

// ---------------------------------------------------------------------------------------------
// Child process supervision (SynthProcess with a stand-in program)
// ---------------------------------------------------------------------------------------------

#[test]
fn child_process_is_stopped_with_sigterm_on_drop() {
    let child = SynthProcess::spawn_program("sleep", &[], &["30"]);
    let pid = child.pid();
    assert!(process_alive(pid));
    let start = std::time::Instant::now();
    drop(child);
    assert!(!process_alive(pid), "child {pid} survived drop");
    assert!(start.elapsed() < TERM_TIMEOUT, "needed SIGKILL");
}

#[test]
fn child_process_ignoring_sigterm_is_killed() {
    let mut child = SynthProcess::spawn_program(
        "sh",
        &[],
        &[
            "-c",
            "trap '' TERM; echo ready; while :; do sleep 0.05; done",
        ],
    );
    // Let the shell install its trap first.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !child.stdout().contains("ready") {
        assert!(std::time::Instant::now() < deadline, "child never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let start = std::time::Instant::now();
    let (status, killed) = child.terminate();
    assert!(killed, "a SIGTERM-ignoring child must need SIGKILL");
    assert!(start.elapsed() >= TERM_TIMEOUT);
    assert!(status.is_some());
    assert!(!process_alive(child.pid()));
}

#[test]
fn waiting_for_ports_of_a_child_that_exits_reports_its_output() {
    let server = JackServer::start();
    let mut child = SynthProcess::spawn_program(
        "sh",
        &[],
        &["-c", "echo hello-from-child; echo oops >&2; exit 3"],
    );
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        child.wait_for_ports(&server, &["synth-jack:out_1"], Duration::from_secs(5));
    }));
    let payload = r.expect_err("wait_for_ports should panic");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("exit status: 3"), "{msg}");
    assert!(
        msg.contains("hello-from-child") && msg.contains("oops"),
        "{msg}"
    );
    assert_eq!(child.try_wait().and_then(|s| s.code()), Some(3));
}
