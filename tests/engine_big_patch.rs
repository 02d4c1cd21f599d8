//! Engine acceptance: no fixed module ceiling. A patch over the old 4,096-module cap loads,
//! commits and plays on a JACK dummy server with two render threads (65,536 modules compile
//! and render in dsp/tests/patch/capacity.rs; a debug build cannot play them in real time);
//! `/patch/create` past the memory budget (`--max-graph-mib`) gets a `/fail` naming it.

mod common;

use common::engine::*;
use common::osc::s;
use common::*;
use std::fmt::Write as _;
use std::time::Duration;

/// Modules of the big patch (the old ceiling was 4,096).
const MODULES: usize = 4_608;

/// A 440 Hz sine into `out`, beside vcas in 64 chains feeding nothing audible.
fn big_patch() -> String {
    let mut t = String::from("create out output\ncreate osc sine freq=440 gain=0.5\n");
    for k in 0..MODULES - 2 {
        writeln!(t, "create g{k} vca").unwrap();
    }
    t.push_str("connect osc out\n");
    for k in 64..MODULES - 2 {
        writeln!(t, "connect g{} g{k}", k - 64).unwrap();
    }
    t
}

#[test]
fn a_patch_over_the_old_module_ceiling_loads_and_plays() {
    let server = JackServer::start();
    let patch = server.write_file("big.patch", &big_patch());
    // A debug build renders this slower than real time: no failover for that.
    let (mut synth, osc) = start_synth(
        &server,
        &[
            "--patch",
            patch.to_str().unwrap(),
            "--threads",
            "2",
            "--failover-ms",
            "600000",
        ],
    );
    let mut capture = Capture::start(&server, &OUTS);
    if capture
        .wait_for_signal(0.1, Duration::from_secs(240))
        .is_none()
    {
        panic!("the big patch stayed silent\n{}", synth.output());
    }
    wait_for(Duration::from_secs(240), "the big patch to play", || {
        let st = osc.status();
        (st.modules == MODULES as i32).then_some(())
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited\n{}",
        synth.output()
    );
}

#[test]
fn create_past_the_memory_budget_fails_naming_it() {
    let server = JackServer::start();
    let (_synth, osc) = start_synth(&server, &["--max-graph-mib", "1"]);
    let mut created = 0;
    let why = loop {
        let r = osc.request("/patch/create", vec![s(&format!("o{created}")), s("sine")]);
        if r.addr == "/fail" {
            break format!("{:?}", r.args);
        }
        assert_eq!(r.addr, "/done", "{r:?}");
        created += 1;
        assert!(created < 10_000, "1 MiB held {created} sines");
    };
    eprintln!("refused after {created} sines: {why}");
    assert!(created > 100, "only {created} sines fit in 1 MiB");
    assert!(why.contains("memory budget"), "{why}");
    assert!(why.contains("--max-graph-mib"), "{why}");
    // The engine keeps answering.
    osc.status();
}
