//! SIGINT, SIGTERM and SIGHUP each shut synth-jack down cleanly while it records: exit code 0,
//! the JACK client gone from the server, and the recording a valid WAV whose header counts every
//! frame in the file.

mod common;
mod osc_support;

use common::engine::wait_for;
use common::osc::*;
use common::*;
use osc_support::*;
use std::time::Duration;

/// Records for a while, sends `signal`, checks the exit and the file.
fn shuts_down_cleanly_on(signal: libc::c_int, name: &str) {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let r = synth.osc.ok("/record/start", vec![s(name)]);
    let path = synth.record_dir.join(format!("{name}.wav"));
    assert_eq!(r.args[1], s(path.to_str().unwrap()), "{r:?}");
    // Wait until audio has reached the disk (in a temporary file renamed when finalized).
    let dir = synth.record_dir.clone();
    wait_for(Duration::from_secs(20), "recorded audio", || {
        std::thread::sleep(Duration::from_millis(100));
        let written: u64 = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        (written > 200_000).then_some(())
    });
    synth.assert_alive();
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(synth.process.pid() as i32, signal) }, 0);
    let status = synth
        .process
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no exit after {name}\n{}", synth.process.output()));
    assert_eq!(
        status.code(),
        Some(0),
        "{name}: {status}\n{}",
        synth.process.output()
    );
    assert!(
        server.ports("synth-jack:").is_empty(),
        "{name}: the client's ports are still registered"
    );
    let reader = hound::WavReader::open(&path).expect("a readable WAV");
    let frames = reader.duration() as u64;
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(frames >= 24_000, "{name}: only {frames} frames recorded");
    // Two f32 channels; what is left is the header (44 bytes, or 68 with hound's extensible
    // format chunk). A header that missed the last writes leaves more.
    let header = len - frames * 2 * 4;
    assert!(
        (44..=80).contains(&header),
        "{name}: the header counts {frames} frames of a {len}-byte file"
    );
}

#[test]
fn sigint_shuts_down_cleanly() {
    shuts_down_cleanly_on(libc::SIGINT, "sigint");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    shuts_down_cleanly_on(libc::SIGTERM, "sigterm");
}

#[test]
fn sighup_shuts_down_cleanly() {
    shuts_down_cleanly_on(libc::SIGHUP, "sighup");
}
