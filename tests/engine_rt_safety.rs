//! Engine acceptance: real-time safety under load, debug build. The binary's debug build runs
//! the process callback and the workers' render path under `assert_no_alloc`, which aborts the
//! process on any allocation there. A 64-voice patch plays for a few seconds while 2,000 live
//! `/mod` and `/gate` messages and several commits arrive; the process must survive, nothing may
//! be dropped or lost, and underruns stay rare.

mod common;

use common::engine::*;
use common::osc::{f, i, osc_port, s, OscClient};
use common::*;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const RATE: u32 = 48_000;
/// Sine voices (7 mixers of 8) and enveloped saw voices (one mixer of 8).
const SINES: usize = 56;
const PLUCKS: usize = 8;
const MESSAGES: usize = 2000;

/// The patch: 56 sines into mixers m0..m6, 8 saws through envelopes into m7, the eight mixers
/// into `master`, into `out`.
fn patch_text() -> String {
    let mut p = String::new();
    for k in 0..SINES {
        writeln!(
            p,
            "create v{k} sine freq={} gain=0.01",
            110.0 + 7.0 * k as f32
        )
        .unwrap();
        writeln!(p, "connect v{k} m{}.in{}", k / 8, k % 8 + 1).unwrap();
    }
    for k in 0..PLUCKS {
        writeln!(
            p,
            "create e{k} saw freq={} gain=0.05",
            220.0 + 30.0 * k as f32
        )
        .unwrap();
        writeln!(
            p,
            "create a{k} adsr attack=2 decay=50 sustain=0.5 release=50"
        )
        .unwrap();
        writeln!(p, "connect e{k} a{k}.in").unwrap();
        writeln!(p, "connect a{k} m7.in{}", k + 1).unwrap();
    }
    for m in 0..8 {
        writeln!(p, "create m{m} mixer").unwrap();
        writeln!(p, "connect m{m} master.in{}", m + 1).unwrap();
    }
    p.push_str("create master mixer gain=1\ncreate out output\nconnect master out.in1\n");
    // `create` lines must come before the connections that name them.
    let (creates, connects): (Vec<&str>, Vec<&str>) =
        p.lines().partition(|l| l.starts_with("create"));
    let mut text = creates.join("\n");
    text.push('\n');
    text.push_str(&connects.join("\n"));
    text.push('\n');
    text
}

#[test]
fn sixty_four_voices_with_live_traffic_and_commits_never_allocate_on_rt_threads() {
    let server = JackServer::start_with(RATE, DEFAULT_PERIOD, &["-S"]);
    let patch = server.write_file("voices.patch", &patch_text());
    let (mut synth, osc) = start_synth(&server, &["--patch", patch.to_str().unwrap()]);
    let mut capture = Capture::start(&server, &OUTS);
    // The patch file is committed at start.
    let st = wait_for(Duration::from_secs(10), "the patch to play", || {
        let st = osc.status();
        (st.patch_version == 1).then_some(st)
    });
    assert_eq!(st.modules as usize, SINES + 2 * PLUCKS + 10, "{st:?}");
    std::thread::sleep(Duration::from_millis(500));
    let before = osc.telemetry();
    eprintln!(
        "load with {} voices: avg {:.1} %, peak {:.1} % of a period",
        SINES + PLUCKS,
        slot_stat(&before, active_slot(&before), "load_avg") * 100.0,
        slot_stat(&before, active_slot(&before), "load_peak") * 100.0
    );

    // Live traffic from its own socket (its /fail replies, if any, are counted there).
    let port = osc_port(&synth, Duration::from_secs(5));
    let traffic = std::thread::spawn(move || {
        let c = OscClient::new(port);
        let start = Instant::now();
        for n in 0..MESSAGES {
            let k = n % SINES;
            match n % 5 {
                0 | 1 => c.send(
                    &format!("/mod/v{k}/freq"),
                    vec![f(110.0 + 7.0 * k as f32 + (n % 13) as f32)],
                ),
                2 => c.send(
                    &format!("/mod/v{k}/gain"),
                    vec![f(0.005 + 0.001 * (n % 7) as f32)],
                ),
                3 => c.send(
                    &format!("/gate/a{}", n % PLUCKS),
                    vec![i((n / 5 % 2) as i32)],
                ),
                _ => c.send(
                    &format!("/mod/m{}/gain{}", n % 8, n % 8 + 1),
                    vec![f(0.8 + 0.02 * (n % 10) as f32)],
                ),
            }
            // ~1,000 messages a second: 2,000 in about 2 s.
            let due = start + Duration::from_micros(1000 * (n as u64 + 1));
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        }
        let mut fails = Vec::new();
        while let Some(m) = c.recv(Duration::from_millis(300)) {
            fails.push(m);
        }
        fails
    });

    // Meanwhile: commits that change, add and remove modules.
    let mut commits = 0;
    for k in 0..4 {
        std::thread::sleep(Duration::from_millis(300));
        if k % 2 == 0 {
            osc.ok("/patch/set", vec![s("master"), s("gain"), f(0.9)]);
            create(&osc, "x", "sine", &[("freq", 1000.0), ("gain", 0.0)]);
        } else {
            osc.ok("/patch/set", vec![s("master"), s("gain"), f(1.0)]);
            osc.ok("/patch/delete", vec![s("x")]);
        }
        osc.commit();
        commits += 1;
    }
    let fails = traffic.join().expect("traffic thread");
    assert!(fails.is_empty(), "replies to live messages: {fails:?}");
    sync(&osc, 7);
    let after = osc.telemetry();
    let st = osc.status();
    eprintln!(
        "{} messages, {commits} commits: {}",
        MESSAGES,
        counter_deltas(&before, &after)
    );

    assert!(
        synth.try_wait().is_none(),
        "synth-jack died (an allocation on a real-time thread aborts the debug build)\n{}",
        synth.output()
    );
    assert!(
        !synth.stderr().contains("memory allocation"),
        "{}",
        synth.output()
    );
    // `drops` counts blocks the callback found already past, which an xrun
    // or an underrun (a starved non-RT server, not this code) causes.
    let disturbed = stat(&after, "xruns") > stat(&before, "xruns")
        || stat(&after, "underruns") > stat(&before, "underruns");
    for sl in 0..2 {
        assert!(
            disturbed || slot_stat(&after, sl, "drops") == 0.0,
            "slot {sl} dropped blocks in an undisturbed run"
        );
        assert_eq!(
            slot_stat(&after, sl, "lost_events"),
            0.0,
            "slot {sl} lost events"
        );
    }
    assert!(disturbed || st.drops == 0, "{st:?}");
    assert_eq!(st.failovers, 0, "{st:?}");
    assert_eq!(st.switches, 1 + commits, "{st:?}");
    let handled = stat(&after, "osc.messages") - stat(&before, "osc.messages");
    assert!(
        handled >= MESSAGES as f64,
        "only {handled} messages handled"
    );
    let cycles = stat(&after, "cycles") - stat(&before, "cycles");
    let underruns = stat(&after, "underruns") - stat(&before, "underruns");
    eprintln!("underruns {underruns} in {cycles} cycles");
    assert!(
        underruns <= (cycles / 100.0).max(2.0),
        "{underruns} underruns in {cycles} cycles"
    );

    // The live changes were applied: silence every voice but v0, set it to 440 Hz.
    for k in 1..SINES {
        live(&osc, &format!("v{k}"), "gain", 0.0);
    }
    for k in 0..PLUCKS {
        osc.send(&format!("/gate/a{k}"), vec![i(0)]);
    }
    live(&osc, "v0", "freq", 440.0);
    live(&osc, "v0", "gain", 0.5);
    live(&osc, "m0", "gain1", 1.0);
    sync(&osc, 8);
    std::thread::sleep(Duration::from_millis(400));
    let rec = capture.record_for(Duration::from_millis(500));
    let fr = dominant_frequency(&rec[0], RATE);
    let a = tone_amplitude(&rec[0], 440.0, RATE);
    eprintln!("finally: {fr:.3} Hz at {a:.4}");
    assert!((fr - 440.0).abs() < 0.5, "{fr} Hz");
    assert!(a > 0.3, "440 Hz at only {a}");
    assert!(
        synth.try_wait().is_none(),
        "synth-jack died\n{}",
        synth.output()
    );
    drop(capture);
}
