//! Engine acceptance: no fixed module ceiling. A patch of 65,536 modules loads, commits and
//! plays on a JACK dummy server (debug build, allocation guard armed); `/patch/create` past the
//! memory budget (`--max-graph-mib`) gets a `/fail` naming it.
//!
//! The debug build renders 65,536 modules at about 2 ns per module and sample (the dsp crate is
//! optimised in debug builds too), 6 to 10 times slower than real time at 48 kHz on the 2-core
//! CI machine. So the dummy server runs at 1 kHz with 256-frame periods: a period's render is
//! then about 30 ms of a 256 ms period, a margin of about 8 on one core, and the test asserts
//! only what comes out (the patch's tone), never how fast. (At 48 kHz a release build plays it:
//! `make bench`, section `bigpatch`.)

mod common;

use common::engine::*;
use common::osc::{s, Status};
use common::*;
use std::fmt::Write as _;
use std::time::Duration;

/// Modules of the big patch (the old ceiling was 4,096).
const MODULES: usize = 65_536;
/// The dummy server's sample rate (see above).
const RATE: u32 = 1_000;
/// The tone the patch plays, in Hz (below RATE / 2).
const TONE: f64 = 100.0;

/// A 100 Hz sine into `out`, beside vcas (the cheapest module) in 64 chains feeding nothing
/// audible.
fn big_patch() -> String {
    let mut t = format!("create out output\ncreate osc sine freq={TONE} gain=0.5\n");
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
fn a_patch_of_65536_modules_loads_and_plays() {
    let server = JackServer::start_with(RATE, 256, &[]);
    let patch = server.write_file("big.patch", &big_patch());
    // A loaded machine may stall a render for seconds: no failover for that.
    let (mut synth, osc) = start_synth(
        &server,
        &[
            "--patch",
            patch.to_str().unwrap(),
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
    // The control thread compiles the standby's copy of the patch after the start: give
    // `/status` longer than `OscClient::status` waits.
    let status = || {
        osc.send("/status", vec![]);
        let deadline = std::time::Instant::now() + Duration::from_secs(240);
        while let Some(m) = osc.recv(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            if m.addr == "/status.reply" {
                return Status::decode(&m).expect("status");
            }
        }
        panic!("no /status.reply within 240 s\n{}", synth.output());
    };
    wait_for(Duration::from_secs(240), "the big patch to play", || {
        (status().modules == MODULES as i32).then_some(())
    });
    // Its tone, at its level (a block torn by a late render shifts neither much).
    let rec = capture.take(4.0);
    let f = dominant_frequency(&rec[0], RATE);
    let a = peak(&rec[0]);
    let st = status();
    eprintln!(
        "65,536 modules: {f:.2} Hz, peak {a:.3}; dsp load {:.2} avg, {} underruns; {}",
        st.dsp_load_avg,
        st.underruns,
        rss(synth.pid())
    );
    assert!((f - TONE).abs() < 1.0, "dominant {f} Hz, not {TONE}");
    assert!((a - 0.5).abs() < 0.05, "peak {a}, not 0.5");
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
    let named = format!("largest: {created} × sine = ");
    assert!(why.contains(&named), "{why}");
    // The engine keeps answering.
    osc.status();
}

/// Resident memory of process `pid` (`VmRSS`, `RssAnon`), for the log.
fn rss(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("RssAnon"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}
