//! Engine acceptance: losing the JACK server. By default synth-jack waits for a server of the
//! same name to come back and plays the same patch again; with `--no-reconnect` it exits with
//! code 3.

mod common;

use common::engine::*;
use common::*;
use std::time::Duration;

const RATE: u32 = 48_000;

/// 440 Hz at amplitude 0.5, cleanly, on out_1 (after its onset).
fn assert_plays_440(server: &JackServer, when: &str) {
    let mut capture = Capture::start(server, &OUTS);
    assert!(
        capture
            .wait_for_signal(1e-3, Duration::from_secs(10))
            .is_some(),
        "{when}: only silence"
    );
    let rec = capture.take(1.0);
    let x = &rec[0];
    let f = dominant_frequency(x, RATE);
    let a = tone_amplitude(x, 440.0, RATE);
    let gap = longest_silence(x, 1e-4);
    eprintln!("{when}: {f:.3} Hz, amplitude {a:.4}, longest gap {gap}");
    assert!((f - 440.0).abs() < 0.5, "{when}: {f} Hz");
    assert!((a - 0.5).abs() < 0.05, "{when}: amplitude {a}");
    assert!(gap < 16, "{when}: {gap} silent frames");
    // Closed here, before the server can go away under it.
}

#[test]
fn reconnects_to_a_restarted_server_and_plays_the_same_patch() {
    let mut server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    let (_, version) = osc.commit();
    assert_plays_440(&server, "before the restart");

    let old_pid = server.pid();
    let status = server.restart();
    eprintln!(
        "jackd {old_pid} stopped ({status:?}); restarted as {}",
        server.pid()
    );
    assert_ne!(server.pid(), old_pid);
    synth.wait_for_ports(&server, &OUTS, Duration::from_secs(20));
    assert_plays_440(&server, "after the restart");

    assert!(synth.try_wait().is_none(), "synth-jack exited");
    let st = osc.status();
    assert_eq!(st.patch_version, version, "{st:?}");
    assert_eq!(st.modules, 1, "{st:?}");
    // What the worker had rendered ahead when the server went away was never played: the
    // drops counter says so.
    assert!(st.drops >= 1, "the unplayed lead is not counted: {st:?}");
    assert_eq!(st.failovers, 0, "{st:?}");
    let log = synth.stderr();
    assert!(log.contains("reconnected"), "no reconnect logged:\n{log}");
}

#[test]
fn exits_with_code_3_on_server_loss_with_no_reconnect() {
    let mut server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &["--no-reconnect"]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    osc.commit();
    server.stop();
    let status = synth.wait_exit(Duration::from_secs(10)).unwrap_or_else(|| {
        panic!(
            "synth-jack still runs 10 s after losing the server\n{}",
            synth.output()
        )
    });
    assert_eq!(status.code(), Some(3), "{status}\n{}", synth.output());
}
