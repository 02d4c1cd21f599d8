//! Engine acceptance: JACK buffer size changes while playing (256 → 512 → 128), debug build
//! (assert_no_alloc armed: the change must not make the callback or a worker allocate).

mod common;

use common::engine::*;
use common::*;
use std::time::Duration;

const RATE: u32 = 48_000;
const LEAD: f64 = 2.0;

#[test]
fn buffer_size_changes_keep_the_sine_playing() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, osc) = start_synth(&server, &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    let (slot, _) = osc.commit();
    let slot = slot as usize;
    let mut capture = Capture::start(&server, &OUTS);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(osc.status().buffer_size, 256);

    for size in [512u32, 128] {
        let before = osc.telemetry();
        capture.clear();
        server
            .control()
            .set_buffer_size(size)
            .unwrap_or_else(|e| panic!("jack_set_buffer_size({size}): {e:?}"));
        assert_eq!(server.control().buffer_size(), size);
        let st = wait_for(
            Duration::from_secs(5),
            "status to show the new size",
            || {
                let st = osc.status();
                (st.buffer_size == size as i32).then_some(st)
            },
        );
        // Let it settle, then record at the new size.
        std::thread::sleep(Duration::from_millis(200));
        let across = capture.samples();
        let rec = capture.record_for(Duration::from_secs(1));
        let after = osc.telemetry();
        let x = &rec[0];
        let f = dominant_frequency(x, RATE);
        let a = tone_amplitude(x, 440.0, RATE);
        let gap = longest_silence(x, 1e-4);
        let gap_across = longest_silence(&across[0], 1e-4);
        eprintln!(
            "{size} frames: {f:.3} Hz, amplitude {a:.4}, longest gap {gap} (across the change \
             {gap_across}); {}",
            counter_deltas(&before, &after)
        );
        assert_eq!(st.buffer_size, size as i32, "{st:?}");
        assert_eq!(stat(&after, "period"), size as f64);
        assert!((f - 440.0).abs() <= 0.5, "at {size} frames: {f} Hz");
        assert!((a - 0.5).abs() < 0.05, "at {size} frames: amplitude {a}");
        assert!(gap < 16, "at {size} frames: {gap} silent frames");
        // Across the change itself a short interruption is tolerable, a long one is not.
        assert!(
            gap_across < RATE as usize / 10,
            "the change to {size} frames silenced {gap_across} frames"
        );
        let reanchors =
            slot_stat(&after, slot, "reanchors") - slot_stat(&before, slot, "reanchors");
        assert!(reanchors > 0.0, "the worker did not re-anchor at {size}");
        assert!(slot_stat(&after, slot, "burst_max") <= LEAD);
        for s in 0..2 {
            assert_eq!(
                slot_stat(&after, s, "drops"),
                0.0,
                "slot {s} dropped blocks"
            );
        }
        assert_eq!(active_slot(&after), slot);
    }
    let st = osc.status();
    assert_eq!((st.drops, st.failovers), (0, 0), "{st:?}");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
    drop(capture);
}
