//! LV2 plugins across commits and failovers, live on a JACK dummy server
//! (needs Debian's `mda-lv2` and `lv2-examples`, installed by `make test`,
//! and a C compiler for the hanging test plugin): a delay's tail survives a
//! commit that adds a module elsewhere, such a commit instantiates nothing,
//! and `--quarantine-plugins` drops a plugin that hangs in `run()`.

mod common;

use common::engine::*;
use common::osc::{f, s};
use common::*;
use std::time::{Duration, Instant};

const DELAY: &str = "http://drobilla.net/plugins/mda/DubDelay";
const AMP: &str = "http://lv2plug.in/plugins/eg-amp";

/// A sine into a wet-only dub delay (0.28 s, feedback 0.99).
fn delay_patch() -> String {
    format!(
        "create osc sine freq=440 gain=0.3\n\
         create dly lv2 uri={DELAY} delay=0.3 feedback=0.95 fx_mix=1 output=0.5\n\
         create out output\nconnect osc dly.left_in\nconnect dly.left_out out.in1\n"
    )
}

/// RMS level of each 50 ms window of `x`.
fn envelope(x: &[f32], rate: u32) -> Vec<f64> {
    x.chunks_exact(rate as usize / 20).map(rms).collect()
}

#[test]
fn a_delay_tail_survives_a_commit_that_instantiates_nothing() {
    retry_disturbed(8, delay_tail);
}

fn delay_tail() -> Result<(), String> {
    let server = JackServer::start();
    let patch = server.write_file("delay.patch", &delay_patch());
    let (mut synth, osc) = start_synth(&server, &["--patch", patch.to_str().unwrap()]);
    let mut cap = Capture::start(&server, &OUTS[..1]);
    cap.wait_for_signal(1e-3, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("silence\n{}", synth.output()));
    let rate = cap.rate();
    // Fill the delay line, then stop the source: only the tail plays on.
    let _ = cap.take(1.0);
    let (created, _) = plugin_stats(&osc);
    assert_eq!(
        created, 1,
        "one instance for one plugin (none for the standby)"
    );
    let a = osc.status();
    let late = stat(&osc.telemetry(), "late_switches");
    live(&osc, "osc", "gain", 0.0);
    cap.clear();
    std::thread::sleep(Duration::from_millis(300));
    let before = plugin_stats(&osc).1["dly"];
    create(&osc, "lfo", "sine", &[("freq", 3.0), ("gain", 0.0)]);
    osc.commit();
    let switched = Instant::now();
    let (n, runs) = plugin_stats(&osc);
    assert_eq!(
        n, created,
        "a commit that keeps the plugin instantiates nothing"
    );
    assert!(runs["dly"] > before, "the instance restarted");
    let x = cap.take(1.5).remove(0);
    let b = osc.status();
    let env = envelope(&x, rate);
    eprintln!(
        "[test] tail envelope {env:.3?} (switch {:?} ago)",
        switched.elapsed()
    );
    // A starved new worker leaves the first frames after the switch to the
    // old graph, whose plugin has moved out: not judged.
    let late = stat(&osc.telemetry(), "late_switches") > late;
    let disturbed = b.underruns > a.underruns || b.xruns > a.xruns || late;
    let gap = longest_silence(&x, 1e-4);
    // The tail is 440 Hz repeats: no step larger than 1.5x that of a sine
    // at its peak (a cross-fade would drop it to nothing at the switch).
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let steady = peak * std::f32::consts::TAU * 440.0 / rate as f32;
    let step = max_step(&x);
    eprintln!("[test] largest step {step} (steady {steady})");
    if disturbed && (gap >= 16 || step > 1.5 * steady || env.iter().any(|&e| e < 0.01)) {
        return Err(format!(
            "{} underruns, {} xruns",
            b.underruns - a.underruns,
            b.xruns - a.xruns
        ));
    }
    assert!(gap < 16, "a gap of {gap} frames in the tail");
    assert!(
        step <= 1.5 * steady,
        "a step of {step} in the tail (steady {steady})"
    );
    assert!(
        env.iter().all(|&e| e > 0.01),
        "the tail stopped at the switch: {env:.3?}"
    );

    // A commit that adds a plugin instantiates exactly that one.
    osc.ok(
        "/patch/create",
        vec![s("amp"), s("lv2"), s("uri"), s(AMP), s("gain"), f(0.0)],
    );
    osc.commit();
    assert_eq!(
        plugin_stats(&osc).0,
        created + 1,
        "one new plugin, one instance"
    );
    assert!(synth.try_wait().is_none(), "{}", synth.output());
    Ok(())
}

/// A bundle directory holding the hanging test plugin, compiled from
/// tests/data/hang.lv2 into `dir` (an LV2_PATH entry).
fn hang_bundle(dir: &std::path::Path) -> String {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hang.lv2");
    let dir = dir.join("lv2");
    let bundle = dir.join("hang.lv2");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::copy(format!("{src}/manifest.ttl"), bundle.join("manifest.ttl")).unwrap();
    let st = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(bundle.join("hang.so"))
        .arg(format!("{src}/hang.c"))
        .status()
        .expect("a C compiler (cc)");
    assert!(st.success(), "cannot compile hang.c");
    format!("{}:/usr/lib/lv2", dir.display())
}

/// A sine on output 1, and through the hang plugin on output 2.
const HANG_PATCH: &str = "create osc sine freq=440 gain=0.25
create h lv2 uri=urn:synth-jack:test:hang
create out output
connect osc out.in1
connect osc h
connect h out.in2
";

/// `h` hangs in `run()`: the worker fails over, and the patch that plays
/// afterwards keeps `h` (a fresh instance, which passes the sine again)
/// unless `--quarantine-plugins` asked otherwise.
fn hang_fails_over(quarantine: bool) {
    let server = JackServer::start();
    let lv2_path = hang_bundle(server.scratch_dir());
    let patch = server.write_file("hang.patch", HANG_PATCH);
    let mut args = vec!["--patch", patch.to_str().unwrap()];
    if quarantine {
        args.push("--quarantine-plugins");
    }
    let (mut synth, osc) = start_synth_env(&server, &[("LV2_PATH", &lv2_path)], &args);
    let mut cap = Capture::start(&server, &OUTS);
    cap.wait_for_signal(1e-3, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("silence\n{}", synth.output()));
    let dump = || match osc.request("/patch/dump", vec![]).args.first() {
        Some(rosc::OscType::String(t)) => t.clone(),
        other => panic!("bad dump {other:?}"),
    };
    assert!(dump().contains("create h "), "{}", dump());
    live(&osc, "h", "hang", 1.0);
    wait_for(Duration::from_secs(20), "a failover", || {
        (osc.status().failovers >= 1).then_some(())
    });
    if quarantine {
        assert!(
            !dump().contains("create h "),
            "h was not dropped:\n{}",
            dump()
        );
        assert!(synth.stderr().contains("quarantined"), "{}", synth.output());
        // What plays afterwards is the patch without h: the sine, at once.
        cap.clear();
        let x = cap.take(1.0);
        let a = median_amplitude(&x[0], 440.0, cap.rate());
        assert!(
            (a - 0.25).abs() < 0.01,
            "the sine after the quarantine: {a}"
        );
    } else {
        assert!(
            dump().contains("create h "),
            "h was dropped without --quarantine-plugins"
        );
        assert!(
            !synth.stderr().contains("quarantined"),
            "{}",
            synth.output()
        );
        cap.clear();
        let x = cap.take(1.0);
        let a = median_amplitude(&x[1], 440.0, cap.rate());
        assert!((a - 0.25).abs() < 0.01, "the sine through a new h: {a}");
    }
    assert!(synth.try_wait().is_none(), "{}", synth.output());
    // A thread stuck in the plugin does not keep synth-jack from exiting.
    let (status, _) = synth.terminate();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", synth.output());
}

#[test]
fn quarantine_plugins_drops_a_plugin_that_hangs_in_run() {
    hang_fails_over(true);
}

#[test]
fn without_quarantine_a_hanging_plugin_stays_in_the_patch() {
    hang_fails_over(false);
}
