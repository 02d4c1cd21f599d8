//! Field reliability: an event the commit machine waits for is lost (the `fault` module's `lose`
//! makes control drop the worker's next `Switched` or `Stopped` on arrival). Every phase has a
//! bound: past it control replaces the worker it waited for, the commit is answered, the
//! committed patch plays, and the next commit works.

mod common;

use common::engine::*;
use common::osc::*;
use common::*;
use std::time::Duration;

/// A private server and synth-jack playing a 440 Hz sine through a `fault` module `f`.
fn faulty_sine() -> (JackServer, SynthProcess, OscClient) {
    let server = JackServer::start_with(DEFAULT_RATE, DEFAULT_PERIOD, &["-S"]);
    let (synth, osc) = start_synth(&server, &[]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(&osc, "f", "fault", &[]);
    connect(&osc, "osc1", "f");
    osc.commit();
    (server, synth, osc)
}

/// Arms `lose` on the playing worker: `/mod` is applied a few periods after control takes it.
fn arm_lose(osc: &OscClient, kind: f32) {
    live(osc, "f", "lose", kind);
    sync(osc, 7);
    std::thread::sleep(Duration::from_millis(300));
}

/// Commits the pending patch with the sine at `hz` and asserts `/done`.
fn commit_freq(osc: &OscClient, hz: f32) {
    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(hz)]);
    osc.send("/patch/commit", vec![]);
    let r = commit_reply(osc, Duration::from_secs(20));
    assert_eq!(r.addr, "/done", "{r:?}");
}

#[test]
fn a_lost_switch_event_is_bounded_and_the_commit_still_answered() {
    let (server, mut synth, osc) = faulty_sine();
    arm_lose(&osc, 1.0);
    // The switch happens but control never hears of it: past the bound it restarts what
    // plays and sends the commit again, which is then answered.
    commit_freq(&osc, 550.0);
    wait_plays(&server, 550.0, "after a lost switch event");
    sync_within_a_second(&osc, 1);
    assert_eq!(stat(&osc.telemetry(), "recoveries"), 1.0);
    commit_freq(&osc, 660.0);
    wait_plays(&server, 660.0, "the next commit");
    sync_within_a_second(&osc, 2);
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}

#[test]
fn a_lost_stop_event_is_bounded_and_a_commit_queued_behind_it_switches() {
    let (server, mut synth, osc) = faulty_sine();
    arm_lose(&osc, 2.0);
    // The old slot's `Stopped` is lost: control waits in "reloading", with the next commit
    // queued behind it, until the bound replaces that worker and reloads the standby.
    commit_freq(&osc, 550.0);
    commit_freq(&osc, 660.0);
    wait_plays(&server, 660.0, "a commit queued behind a lost stop event");
    sync_within_a_second(&osc, 1);
    assert_eq!(stat(&osc.telemetry(), "recoveries"), 1.0);
    commit_freq(&osc, 770.0);
    wait_plays(&server, 770.0, "the next commit");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
