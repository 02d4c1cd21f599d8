//! Engine acceptance: xruns caused by another JACK client (debug build, assert_no_alloc armed).
//!
//! The server runs in synchronous mode (`-S`), so a client that sleeps in its process callback
//! holds up the whole cycle and JACK reports xruns to every client. synth-jack must re-anchor
//! its workers (jump to the present, no catch-up burst beyond `lead`), drop nothing, and play
//! cleanly once the disturbance stops.

mod common;

use common::engine::*;
use common::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const RATE: u32 = 48_000;
const LEAD: f64 = 2.0;

/// A process callback that sleeps `nap` every `every`-th cycle while `on` is set (sleeping in a
/// real-time callback is the point: it is the misbehaving neighbour).
struct Sleeper {
    /// Cycles until the next nap.
    left: u64,
    every: u64,
    nap: Duration,
    on: Arc<AtomicBool>,
    naps: Arc<AtomicU64>,
}

impl jack::ProcessHandler for Sleeper {
    fn process(&mut self, _: &jack::Client, _: &jack::ProcessScope) -> jack::Control {
        self.left -= 1;
        if self.left == 0 {
            self.left = self.every;
        }
        if self.on.load(Ordering::Relaxed) && self.left == self.every {
            std::thread::sleep(self.nap);
            self.naps.fetch_add(1, Ordering::Relaxed);
        }
        jack::Control::Continue
    }
}

#[test]
fn xruns_from_another_client_reanchor_without_burst_or_drops() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    let (slot, _) = osc.commit();
    let slot = slot as usize;
    let mut capture = Capture::start(&server, &OUTS);
    std::thread::sleep(Duration::from_millis(300));
    let before = osc.telemetry();
    assert!(slot_stat(&before, slot, "burst_max") <= LEAD);

    // 30 ms naps every 50th cycle (~every 270 ms) for about 2 s.
    let on = Arc::new(AtomicBool::new(true));
    let naps = Arc::new(AtomicU64::new(0));
    let sleeper = server.client("sleeper").activate(
        (),
        Sleeper {
            left: 50,
            every: 50,
            nap: Duration::from_millis(30),
            on: on.clone(),
            naps: naps.clone(),
        },
    );
    wait_for(Duration::from_secs(20), "6 naps of the sleeper", || {
        (naps.load(Ordering::Relaxed) >= 6).then_some(())
    });
    on.store(false, Ordering::Relaxed);
    drop(sleeper);

    let after = osc.telemetry();
    let st = osc.status();
    eprintln!(
        "{} naps: {}",
        naps.load(Ordering::Relaxed),
        counter_deltas(&before, &after)
    );
    assert!(st.xruns > 0, "no xrun reported: {st:?}");
    let reanchors = slot_stat(&after, slot, "reanchors") - slot_stat(&before, slot, "reanchors");
    assert!(
        reanchors > 0.0,
        "the playing worker never re-anchored after {} xruns",
        st.xruns
    );
    let burst = slot_stat(&after, slot, "burst_max");
    eprintln!(
        "xruns {}, reanchors +{reanchors}, burst_max {burst}, late {}, recovery_max {}",
        st.xruns,
        slot_stat(&after, slot, "late"),
        slot_stat(&after, slot, "recovery_max")
    );
    assert!(
        burst <= LEAD,
        "{burst} blocks in one catch-up after xruns (lead {LEAD})"
    );
    for s in 0..2 {
        assert_eq!(
            slot_stat(&after, s, "drops"),
            0.0,
            "slot {s} dropped blocks"
        );
    }
    assert_eq!(st.drops, 0, "{st:?}");
    assert_eq!(st.failovers, 0, "{st:?}");

    // The disturbance is gone: clean 440 Hz, no gaps.
    let rec = capture.record_for(Duration::from_millis(800));
    let x = &rec[0];
    let f = dominant_frequency(x, RATE);
    let a = tone_amplitude(x, 440.0, RATE);
    let gap = longest_silence(x, 1e-4);
    eprintln!("afterwards: {f:.3} Hz, amplitude {a:.4}, longest gap {gap}");
    assert!((f - 440.0).abs() < 0.5, "{f} Hz after the xruns");
    assert!((a - 0.5).abs() < 0.05, "amplitude {a} after the xruns");
    assert!(gap < 16, "{gap} silent frames after the xruns");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
    drop(capture);
}
