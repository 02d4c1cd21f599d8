//! Engine acceptance: a stalled worker (the prior engine's death spiral) on a real JACK dummy
//! server, debug build (assert_no_alloc armed).
//!
//! A `fault` module in the playing patch makes its worker sleep 50 ms once per live change of
//! `stall_ms`. Afterwards the worker must jump to the present instead of making up the missed
//! time: at most `lead` blocks in its catch-up, only the block it was rendering when it stalled
//! dropped (it arrives too late to be played, and `drops` counts it), the ring back at lead within a
//! few periods, production at the callback's rate, no failover (50 ms < 150 ms), the sine
//! playing again, and no spinning (worker CPU stays low).
#![cfg(feature = "fault-injection")]

mod common;

use common::engine::*;
use common::osc::OscClient;
use common::*;
use std::collections::HashMap;
use std::time::Duration;

const RATE: u32 = 48_000;
const LEAD: f64 = 2.0;
/// Worker CPU while playing steadily, fraction of one core (a spinning worker takes ~100 %).
const CPU_LIMIT: f64 = 0.10;

/// sine 440 (gain 0.5) → fault f1; committed; returns the active slot.
fn play_sine_through_fault(osc: &OscClient) -> usize {
    create(osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(osc, "f1", "fault", &[]);
    connect(osc, "osc1", "f1");
    let (slot, _) = osc.commit();
    slot as usize
}

/// Worker threads' CPU over `window`, asserting each and their sum stay below CPU_LIMIT.
fn assert_workers_idle(synth: &SynthProcess, window: Duration, when: &str) -> f64 {
    let cpu = thread_cpu_fraction(synth.pid(), "worker-", window);
    assert_eq!(
        cpu.len(),
        2,
        "expected threads worker-0 and worker-1, found {cpu:?}"
    );
    let total: f64 = cpu.iter().map(|c| c.1).sum();
    eprintln!("{when}: worker CPU {cpu:?} (total {:.2} %)", total * 100.0);
    assert!(
        total < CPU_LIMIT,
        "{when}: workers use {:.1} % of a core ({cpu:?}); limit {} %",
        total * 100.0,
        CPU_LIMIT * 100.0
    );
    total
}

/// Frames the slots rendered vs frames the callback consumed between two snapshots.
fn production_ratio(t1: &HashMap<String, f64>, t2: &HashMap<String, f64>) -> f64 {
    let frames = |t: &HashMap<String, f64>| slot_stat(t, 0, "frames") + slot_stat(t, 1, "frames");
    let consumed = (stat(t2, "cycles") - stat(t1, "cycles")) * stat(t2, "period");
    (frames(t2) - frames(t1)) / consumed
}

/// Triggers one 50 ms stall and waits until the worker has noticed it was behind.
fn stall_once(osc: &OscClient, slot: usize, value: f32) {
    let late0 = slot_stat(&osc.telemetry(), slot, "late");
    live(osc, "f1", "stall_ms", value);
    wait_for(
        Duration::from_secs(5),
        "the stalled worker to run late",
        || (slot_stat(&osc.telemetry(), slot, "late") > late0).then_some(()),
    );
}

/// The counters every stall test checks afterwards.
fn check_after_stalls(osc: &OscClient, slot: usize, before: &HashMap<String, f64>, stalls: f64) {
    // Production follows the callback again: over the next second the worker renders what the
    // callback consumes, within 2 %.
    std::thread::sleep(Duration::from_millis(200));
    let t1 = osc.telemetry();
    std::thread::sleep(Duration::from_secs(1));
    let t2 = osc.telemetry();
    let ratio = production_ratio(&t1, &t2);
    eprintln!("after the stalls: {}", counter_deltas(before, &t2));
    eprintln!(
        "production / consumption over {} cycles: {ratio:.4}",
        stat(&t2, "cycles") - stat(&t1, "cycles")
    );
    // Each stall's block arrived too late to be played: one drop per stall, on that slot only.
    // Where JACK itself reported xruns (a loaded machine), other blocks may have come late too.
    let drops = |t: &HashMap<String, f64>, s| slot_stat(t, s, "drops");
    let dropped = drops(&t2, slot) - drops(before, slot);
    if stat(&t2, "xruns") > stat(before, "xruns") {
        assert!(dropped >= stalls, "drops on slot {slot}: {dropped}");
    } else {
        assert_eq!(dropped, stalls, "drops on slot {slot}");
    }
    assert_eq!(
        drops(&t2, 1 - slot),
        drops(before, 1 - slot),
        "drops on the standby"
    );
    let burst = slot_stat(&t2, slot, "burst_max");
    let recovery = slot_stat(&t2, slot, "recovery_max");
    let late = slot_stat(&t2, slot, "late") - slot_stat(before, slot, "late");
    eprintln!("burst_max {burst} (lead {LEAD}), recovery_max {recovery} periods, late +{late}");
    assert!(
        late >= stalls,
        "{stalls} stalls but the worker ran late only {late} times"
    );
    assert!(
        burst <= LEAD,
        "the worker rendered {burst} blocks in one catch-up (lead {LEAD})"
    );
    assert!(
        recovery <= 4.0,
        "the ring took {recovery} periods to get back to lead after a stall (limit 4)"
    );
    assert!(
        (ratio - 1.0).abs() <= 0.02,
        "the worker produced {ratio:.4}× what the callback consumed"
    );
    assert_eq!(
        stat(&t2, "failovers"),
        0.0,
        "a 50 ms stall must not fail over"
    );
    assert_eq!(active_slot(&t2), slot, "the playing slot changed");
    let st = osc.status();
    assert_eq!(st.failovers, 0, "{st:?}");
    assert!(
        st.underruns as f64 > stat(before, "underruns"),
        "a 50 ms stall with a {LEAD}-period lead must starve the callback (underruns {})",
        st.underruns
    );
}

/// After the stalls the sine plays cleanly again; the longest gap in `rec` (which spans the
/// stalls) is bounded (a 50 ms stall minus the lead, plus scheduling, well below 100 ms).
fn check_audio(rec: &[f32]) {
    let gap = longest_silence(rec, 1e-4);
    let tail = &rec[rec.len() - RATE as usize / 2..];
    let f = dominant_frequency(tail, RATE);
    let a = tone_amplitude(tail, 440.0, RATE);
    let tail_gap = longest_silence(tail, 1e-4);
    eprintln!(
        "audio: longest gap {gap} frames ({:.1} ms); afterwards {f:.3} Hz, amplitude {a:.4}, \
         longest gap {tail_gap}",
        gap as f64 * 1e3 / RATE as f64
    );
    assert!(
        gap < RATE as usize / 10,
        "a gap of {gap} frames: the audio did not resume promptly"
    );
    assert!((f - 440.0).abs() < 0.5, "after the stalls: {f} Hz");
    assert!((a - 0.5).abs() < 0.05, "after the stalls: amplitude {a}");
    assert!(tail_gap < 16, "after the stalls: {tail_gap} silent frames");
}

#[test]
fn a_50ms_stall_recovers_within_lead_dropping_only_its_late_block_without_spinning() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (synth, osc) = start_synth(&server, &[]);
    let slot = play_sine_through_fault(&osc);
    let mut capture = Capture::start(&server, &OUTS);
    // Steady playback: the workers sleep between periods.
    std::thread::sleep(Duration::from_millis(300));
    assert_workers_idle(&synth, Duration::from_secs(2), "steady playback");

    let before = osc.telemetry();
    let burst0 = slot_stat(&before, slot, "burst_max");
    eprintln!("before the stall: burst_max {burst0} (initial fill)");
    assert!(
        burst0 <= LEAD,
        "initial fill rendered {burst0} blocks at once"
    );

    capture.clear();
    stall_once(&osc, slot, 50.0);
    check_after_stalls(&osc, slot, &before, 1.0);
    check_audio(&capture.samples()[0]);
    drop(capture);
    drop(synth);
}

#[test]
fn repeated_stalls_do_not_spiral() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (synth, osc) = start_synth(&server, &[]);
    let slot = play_sine_through_fault(&osc);
    let mut capture = Capture::start(&server, &OUTS);
    std::thread::sleep(Duration::from_millis(300));
    let before = osc.telemetry();
    capture.clear();
    for k in 0..5 {
        // Alternate the value so every change is a change.
        stall_once(&osc, slot, if k % 2 == 0 { 50.0 } else { 51.0 });
        std::thread::sleep(Duration::from_millis(250));
    }
    check_after_stalls(&osc, slot, &before, 5.0);
    check_audio(&capture.samples()[0]);
    // No death spiral: the workers are back to sleeping between periods.
    assert_workers_idle(&synth, Duration::from_secs(2), "after 5 stalls");
    drop(capture);
    drop(synth);
}

/// A commit whose patch renders slower than real time (a `fault` with `load=20`: every block
/// takes twenty periods, so even a starved JACK cycle cannot wait for it) can never start
/// playing: after its switch timed out twice it is refused with a `/fail` naming the load, the
/// previous patch plays on, and the next commit is accepted.
#[test]
fn a_patch_too_heavy_for_the_cpu_is_refused_while_the_old_one_plays_on() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &[]);
    play_sine_through_fault(&osc);
    let version = osc.status().patch_version;
    create(&osc, "heavy", "fault", &[("load", 20.0)]);
    connect(&osc, "f1", "heavy");
    osc.send("/patch/commit", vec![]);
    let r = osc.expect("/fail", Duration::from_secs(60));
    let why = format!("{:?}", r.args);
    eprintln!("refused: {why}");
    assert!(why.contains("too heavy"), "{why}");
    assert_eq!(
        osc.status().patch_version,
        version,
        "the heavy patch was switched to"
    );

    let mut capture = Capture::start(&server, &OUTS);
    std::thread::sleep(Duration::from_millis(300));
    capture.clear();
    std::thread::sleep(Duration::from_secs(1));
    let rec = &capture.samples()[0];
    let a = tone_amplitude(&rec[rec.len() / 2..], 440.0, RATE);
    assert!((a - 0.5).abs() < 0.05, "the old patch: amplitude {a}");

    osc.ok("/patch/delete", vec![common::osc::s("heavy")]);
    osc.commit();
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
