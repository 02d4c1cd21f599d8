//! A real external OSC client: liblo's `oscsend` (liblo-tools; `make test` installs it) sends
//! the reported sequence verbatim. `oscsend` does not listen for replies, so the test watches
//! with its own client: `/patch/dump pending` after each create, `/status` after each commit
//! (switch count, version, alternating slots), `/patch.switched` notifications, and at the end
//! the capture: three `simple_sine`s (440 Hz, gain 0.5 each) are one 440 Hz tone of amplitude
//! 1.5, RMS 3 × 0.3536.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use std::process::Command;
use std::time::Duration;

/// `oscsend localhost PORT <args>`; panics unless it exits 0.
fn oscsend(port: u16, args: &[&str]) {
    let out = Command::new("oscsend")
        .arg("localhost")
        .arg(port.to_string())
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run oscsend (liblo-tools; `make test-deps` installs it): {e}")
        });
    assert!(
        out.status.success(),
        "oscsend {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Complex amplitude of the 440 Hz component of channel 0 over the next 9600 frames (88 whole
/// periods), its phase referenced to JACK frame 0; and whether JACK skipped cycles meanwhile
/// (which would shift the reference).
fn phasor_440(capture: &mut Capture) -> ((f64, f64), bool) {
    let gaps = capture.discontinuities();
    capture.clear();
    while capture.pending_frames() == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = capture.pending_start_frame().expect("frame time") as u64;
    let rec = capture.take_frames(9600, Duration::from_secs(5));
    let (mut re, mut im) = (0.0, 0.0);
    for (k, &x) in rec[0].iter().enumerate() {
        // 440 Hz at 48 kHz: 11 cycles every 1200 frames, exactly.
        let cycles = ((start + k as u64) * 11 % 1200) as f64 / 1200.0;
        let (sin, cos) = (std::f64::consts::TAU * cycles).sin_cos();
        re += x as f64 * cos;
        im -= x as f64 * sin;
    }
    let n = rec[0].len() as f64;
    (
        (2.0 * re / n, 2.0 * im / n),
        capture.discontinuities() != gaps,
    )
}

fn abs(c: (f64, f64)) -> f64 {
    c.0.hypot(c.1)
}

#[test]
fn oscsend_creates_and_commits_three_sines() {
    // A whole attempt again (fresh server) if JACK skipped cycles during a measurement.
    for attempt in 1..=3 {
        if run_sequence() {
            return;
        }
        eprintln!("[test] attempt {attempt}: an xrun disturbed the measurement");
    }
    panic!("xruns in every attempt");
}

/// The sequence; false if an xrun made the phase measurement meaningless.
fn run_sequence() -> bool {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let watcher = synth.client();
    watcher.ok("/notify", vec![i(1)]);
    let mut capture = Capture::start(&server, &OUTS);
    let port = synth.port;

    let st = osc.status();
    assert_eq!(
        (st.active_slot, st.patch_version, st.switches),
        (0, 0, 0),
        "{st:?}"
    );
    let mut slot = st.active_slot;
    // The capture's first cycles may be irregular.
    listen(&mut capture, 0.0, 0.1);
    let (mut before, glitch) = phasor_440(&mut capture);
    assert!(abs(before) < 1e-6, "the empty patch is not silent");
    let mut glitches = glitch;
    for (k, id) in ["osc1", "osc2", "osc3"].into_iter().enumerate() {
        let n = k as i32 + 1;
        // The reported sequence, verbatim.
        oscsend(port, &["/patch/create", "ss", id, "simple_sine"]);
        // Wait until the create reached the pending patch.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !created(&dump(osc, true)).contains(&format!("create {id} sine")) {
            assert!(
                std::time::Instant::now() < deadline,
                "{id} never reached the pending patch:\n{}",
                dump(osc, true)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        oscsend(port, &["/patch/commit"]);
        // (Waits for the version too: /status may show a switch before its version, see
        // osc_live's status_is_consistent_while_commits_switch.)
        let st = wait_status(osc, Duration::from_secs(5), |st| {
            st.switches >= n && st.patch_version >= n
        });
        slot = 1 - slot;
        assert_eq!(
            (st.switches, st.patch_version, st.active_slot, st.modules),
            (n, n, slot, n),
            "after commit {n}: {st:?}"
        );
        let sw = watcher.expect("/patch.switched", REPLY);
        assert_eq!(sw.args, vec![i(slot), i(n)], "{sw:?}");

        // The commit added one 440 Hz sine of amplitude 0.5 (the cross-fade is long over).
        std::thread::sleep(Duration::from_millis(30));
        let (after, glitch) = phasor_440(&mut capture);
        glitches |= glitch;
        let added = abs((after.0 - before.0, after.1 - before.1));
        eprintln!(
            "commit {n}: 440 Hz amplitude {:.4} -> {:.4}, added {added:.4}",
            abs(before),
            abs(after)
        );
        if !glitches {
            assert!(
                (added - 0.5).abs() < 0.015,
                "commit {n} ({id}) added a 440 Hz component of amplitude {added:.4}, want 0.5"
            );
        }
        before = after;
    }
    let st = osc.status();
    assert_eq!(
        (st.switches, st.patch_version, st.active_slot),
        (3, 3, 1),
        "{st:?}"
    );
    assert_eq!((st.drops, st.failovers), (0, 0), "{st:?}");

    // All three play: the active patch has them, and the capture is their sum.
    let active = dump(osc, false);
    assert_eq!(
        created(&active),
        vec!["create osc1 sine", "create osc2 sine", "create osc3 sine"],
        "{active}"
    );
    let amplitude = abs(before);
    assert!(amplitude <= 1.5 + 0.01, "amplitude {amplitude}");
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.5),
        440.0,
        amplitude / 2f64.sqrt(),
        "three simple_sines",
    );
    // No /fail was sent to anyone watching, and no further switch happened.
    let extra = replies_within(&watcher, Duration::from_millis(200));
    assert!(extra.is_empty(), "{extra:?}");
    assert_eq!(osc.status().switches, 3);
    synth.assert_alive();
    !glitches
}
