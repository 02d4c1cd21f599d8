//! Engine acceptance: parallel rendering (`--threads`) on a JACK dummy server, debug build
//! (allocation guard armed on the worker and its render helpers). A `fault` module stalling
//! whichever thread renders its bundle delays blocks past `--failover-ms`: the engine fails
//! over, never deadlocks, and plays the patch again.
#![cfg(feature = "fault-injection")]

mod common;

use common::engine::*;
use common::*;
use std::time::Duration;

const RATE: u32 = 48_000;

#[test]
fn a_stalled_render_helper_delays_blocks_and_failover_recovers() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &[]);
    let (mut synth, osc) = start_synth(&server, &["--threads", "2"]);
    // Four chains sine -> fault meeting at the output: four bundles for two threads.
    create(&osc, "out", "output", &[]);
    for k in 0..4 {
        create(
            &osc,
            &format!("osc{k}"),
            "sine",
            &[("freq", 440.0), ("gain", 0.1)],
        );
        create(&osc, &format!("f{k}"), "fault", &[]);
        connect(&osc, &format!("osc{k}"), &format!("f{k}"));
        connect(&osc, &format!("f{k}"), "out");
    }
    osc.commit();
    let mut capture = Capture::start(&server, &OUTS);
    assert!(
        capture
            .wait_for_signal(0.01, Duration::from_secs(20))
            .is_some(),
        "silent before the stall\n{}",
        synth.output()
    );
    let failovers = osc.status().failovers;
    for k in 0..4 {
        live(&osc, &format!("f{k}"), "stall_ms", 1000.0);
    }
    wait_for(Duration::from_secs(30), "a failover", || {
        (osc.status().failovers > failovers).then_some(())
    });
    // Playing again: a clean 440 Hz tone at the summed amplitude.
    wait_for(Duration::from_secs(30), "the tone to return", || {
        capture.clear();
        let rec = capture.take(0.5);
        let f = dominant_frequency(&rec[0], RATE);
        let a = tone_amplitude(&rec[0], 440.0, RATE);
        eprintln!("after the failover: {f:.2} Hz, amplitude {a:.3}");
        ((f - 440.0).abs() < 1.0 && (a - 0.4).abs() < 0.05).then_some(())
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited\n{}",
        synth.output()
    );
    osc.status();
}

#[test]
fn a_panic_in_any_render_thread_fails_over_in_a_debug_build() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &[]);
    let (mut synth, osc) = start_synth(&server, &["--threads", "2"]);
    // Four chains sine -> fault meeting at the output: the worker and its helper each render
    // some of the four bundles, so over a few rounds both threads panic in a module.
    create(&osc, "out", "output", &[]);
    for k in 0..4 {
        create(
            &osc,
            &format!("osc{k}"),
            "sine",
            &[("freq", 440.0), ("gain", 0.1)],
        );
        create(&osc, &format!("f{k}"), "fault", &[]);
        connect(&osc, &format!("osc{k}"), &format!("f{k}"));
        connect(&osc, &format!("f{k}"), "out");
    }
    osc.commit();
    for round in 0..6 {
        let failovers = osc.status().failovers;
        // One module panics in one round, all four in the next.
        let armed = if round % 2 == 0 { 1 } else { 4 };
        for k in 0..armed {
            live(&osc, &format!("f{k}"), "panic", 1.0);
        }
        wait_for(Duration::from_secs(30), "a failover", || {
            assert!(
                synth.try_wait().is_none(),
                "synth-jack died in round {round}\n{}",
                synth.output()
            );
            (osc.status().failovers > failovers).then_some(())
        });
    }
    let log = synth.stderr();
    assert!(
        log.contains("type `fault`"),
        "the module type is not named:\n{log}"
    );
    let t = osc.telemetry();
    eprintln!(
        "{} failovers, {} recoveries; a helper panicked: {}",
        stat(&t, "failovers"),
        stat(&t, "recoveries"),
        log.contains("thread 'render-")
    );
    let mut capture = Capture::start(&server, &OUTS);
    wait_for(Duration::from_secs(30), "the tone to return", || {
        capture.clear();
        let rec = capture.take(0.5);
        let f = dominant_frequency(&rec[0], RATE);
        let a = tone_amplitude(&rec[0], 440.0, RATE);
        ((f - 440.0).abs() < 1.0 && (a - 0.4).abs() < 0.05).then_some(())
    });
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
