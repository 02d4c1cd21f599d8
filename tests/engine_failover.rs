//! Engine acceptance: a worker that panics is replaced without a long gap. Debug build with the
//! allocation guard armed: the `fault` module panics for real (a formatted message, allocating),
//! and the engine's allocator lets only the panicking thread allocate, so the panic fails over
//! instead of aborting.
//!
//! sine 440 → fault f1 plays; `/mod/f1/panic 1` panics the playing worker once. The other slot
//! must take over with the committed patch within 3 periods of silence, exactly one failover is
//! counted, the log and a `/failover … panic fault` notification name the module type, a new
//! standby worker exists, and the next commit works.
#![cfg(feature = "fault-injection")]

mod common;

use common::engine::*;
use common::osc::{OscClient, Status};
use common::*;
use std::time::Duration;

const RATE: u32 = 48_000;
const PERIOD: usize = 256;

/// Why a measurement is void: the synth underran or saw an xrun, or the capture client missed
/// cycles (a loaded, non-real-time test machine starved someone), since `before`.
fn disturbance(osc: &OscClient, capture: &Capture, before: &Status) -> Option<String> {
    let st = osc.status();
    let (u, x) = (st.underruns - before.underruns, st.xruns - before.xruns);
    let missed = capture.dropped_cycles();
    (u > 0 || x > 0 || missed > 0)
        .then(|| format!("{u} underruns, {x} xruns, {missed} missed capture cycles"))
}

/// The whole scenario; `backtrace` is the synth's RUST_BACKTRACE. `Err` when the machine
/// disturbed a measurement (it is then redone from the start).
fn panic_fails_over(backtrace: &str) -> Result<(), String> {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth_env(&server, &[("RUST_BACKTRACE", backtrace)], &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(&osc, "f1", "fault", &[]);
    connect(&osc, "osc1", "f1");
    let (slot, v) = osc.commit();
    let slot = slot as usize;
    let mut capture = Capture::start(&server, &OUTS);
    std::thread::sleep(Duration::from_millis(300));
    let before = osc.telemetry();
    let before_st = osc.status();
    assert_eq!(stat(&before, "failovers"), 0.0);
    let watcher = OscClient::for_synth(&synth);
    watcher.ok("/notify", vec![rosc::OscType::Int(1)]);

    capture.clear();
    std::thread::sleep(Duration::from_millis(200));
    live(&osc, "f1", "panic", 1.0);
    let t = wait_for(Duration::from_secs(10), "the failover", || {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(status) = synth.try_wait() {
            panic!(
                "synth-jack died ({status}) instead of failing over\n{}",
                synth.output()
            );
        }
        let t = osc.telemetry();
        (stat(&t, "failovers") >= 1.0).then_some(t)
    });
    std::thread::sleep(Duration::from_millis(500));
    let rec = capture.samples();
    let after = osc.telemetry();
    eprintln!("failover: {}", counter_deltas(&before, &after));
    assert!(
        synth.try_wait().is_none(),
        "synth-jack died with the worker\n{}",
        synth.output()
    );
    assert!(
        synth.stderr().contains("panicked"),
        "the worker never panicked (fault module not armed?)"
    );
    assert!(
        synth.stderr().contains("panic in a module of type `fault`"),
        "the log does not name the module type\n{}",
        synth.stderr()
    );
    let note = watcher.expect("/failover", Duration::from_secs(5));
    let s = |x: &str| rosc::OscType::String(x.into());
    assert_eq!(
        note.args[2..],
        [s("panic"), s("fault")],
        "/failover names the cause: {note:?}"
    );

    // The gap: the longest run of near-silence in the recording (a 0.5 amplitude sine is below
    // 1e-3 for a sample or two at its zero crossings; a missing period is 256 frames).
    let x = &rec[0];
    let gap = longest_silence(x, 1e-3);
    eprintln!(
        "longest gap {gap} frames ({:.2} periods); recording {} frames",
        gap as f64 / PERIOD as f64,
        x.len()
    );
    let tail = &x[x.len() - RATE as usize / 4..];
    let f = dominant_frequency(tail, RATE);
    let a = tone_amplitude(tail, 440.0, RATE);
    let clean = gap <= 3 * PERIOD && (f - 440.0).abs() < 0.5 && (a - 0.5).abs() < 0.05;
    if let Some(why) = disturbance(&osc, &capture, &before_st).filter(|_| !clean) {
        return Err(format!("{why}; gap {gap}, tail {f:.2} Hz at {a:.3}"));
    }
    assert!(
        gap <= 3 * PERIOD,
        "{gap} frames of silence at the failover (limit 3 periods = {})",
        3 * PERIOD
    );
    // It did play before and plays after.
    assert!((f - 440.0).abs() < 0.5, "after the failover: {f} Hz");
    assert!((a - 0.5).abs() < 0.05, "after the failover: amplitude {a}");
    let head = &x[..RATE as usize / 10];
    assert!((tone_amplitude(head, 440.0, RATE) - 0.5).abs() < 0.05);

    // Exactly one failover, to the other slot; both slots have a live worker again.
    let st = osc.status();
    assert_eq!(st.failovers, 1, "{st:?}");
    assert_eq!(stat(&t, "failovers"), 1.0);
    assert_eq!(active_slot(&after), 1 - slot, "the other slot plays");
    assert_eq!(st.patch_version, v, "the committed patch plays on");
    for s in 0..2 {
        assert_eq!(slot_stat(&after, s, "alive"), 1.0, "slot {s} has no worker");
    }
    // What the dead worker had rendered ahead was never played: counted, and no more than
    // its ring holds (lead + 3 blocks).
    let dropped = slot_stat(&after, slot, "drops");
    let ring = stat(&after, "lead") + 3.0;
    eprintln!("dropped {dropped} blocks of the failed slot (ring of {ring})");
    assert!(dropped <= ring, "{dropped} drops on slot {slot}");
    assert_eq!(slot_stat(&after, 1 - slot, "rendering"), 1.0);
    assert_eq!(slot_stat(&after, slot, "rendering"), 0.0);

    // The next commit works: both oscillators heard, on the new standby's slot.
    create(&osc, "osc2", "sine", &[("freq", 660.0), ("gain", 0.25)]);
    let (slot2, v2) = osc.commit();
    assert_eq!((slot2 as usize, v2), (slot, v + 1));
    let before_st = osc.status();
    let rec = capture.record_for(Duration::from_millis(500));
    let a440 = tone_amplitude(&rec[0], 440.0, RATE);
    let a660 = tone_amplitude(&rec[0], 660.0, RATE);
    let clean = (a440 - 0.5).abs() < 0.05 && (a660 - 0.25).abs() < 0.025;
    if let Some(why) = disturbance(&osc, &capture, &before_st).filter(|_| !clean) {
        return Err(format!(
            "{why}; after the commit 440 Hz {a440:.3}, 660 Hz {a660:.3}"
        ));
    }
    eprintln!("after the commit: 440 Hz {a440:.4}, 660 Hz {a660:.4}");
    assert!((a440 - 0.5).abs() < 0.05, "440 Hz at {a440}");
    assert!((a660 - 0.25).abs() < 0.025, "660 Hz at {a660}");
    let st = osc.status();
    assert_eq!((st.failovers, st.switches), (1, 2), "{st:?}");
    drop(capture);
    Ok(())
}

/// The failover mechanism itself, with the panic hook printing no backtrace.
#[test]
fn a_panicking_worker_fails_over_within_three_periods() {
    retry_disturbed(3, || panic_fails_over("0"));
}

/// The same with RUST_BACKTRACE=1 (the harness default for every synth process, and common on
/// development machines): the dying worker's panic hook must not delay the failover.
#[test]
fn failover_does_not_wait_for_the_panic_hook() {
    retry_disturbed(3, || panic_fails_over("1"));
}
