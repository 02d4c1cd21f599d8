//! i. Carry-over at a switch: a patch of 300 delays and 50 reverbs, then commits that each add
//! one module. Every delay and reverb carries over, so the playing worker moves all their
//! memory into the new graph at the switch frame: its carry-over time (`slotN.handover_us_max`)
//! and the worst block render around the switch, against half a period.

use crate::osc::{s, tmax, tv, R};
use crate::procs::{Jackd, Synth, RATE};
use crate::Ctx;

use super::*;

/// Delays and reverbs of the patch: 50 chains of six delays into one reverb.
const CHAINS: usize = 50;
const DELAYS_PER_CHAIN: usize = 6;
/// Commits measured (each adds one module).
const COMMITS: usize = 10;
const PERIOD: u32 = 256;

fn patch() -> String {
    let mut t = String::from("create out output\ncreate src saw freq=110 gain=0.01\n");
    for c in 0..CHAINS {
        let mut prev = "src".to_string();
        for k in 0..DELAYS_PER_CHAIN {
            let d = format!("d{c}_{k}");
            t += &format!("create {d} delay time={} feedback=0.3\n", 100 + 37 * k + c);
            t += &format!("connect {prev} {d}\n");
            prev = d;
        }
        t += &format!("create rv{c} reverb size=0.8\nconnect {prev} rv{c}\nconnect rv{c} out\n");
    }
    t
}

/// i. The playing worker's carry-over time and the worst render around 10 switches.
pub fn carry_over(ctx: &mut Ctx) -> R<()> {
    write_patch(&ctx.dir, "carry", &patch())?;
    let jack = Jackd::start(&ctx.dir, "carry", PERIOD)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "carry", &[])?;
    let o = &mut synth.osc;
    load_commit(o, "carry")?;
    sleep_ms(1000);
    // The same windows without a switch: what rendering this patch costs anyway.
    let mut steady = Vec::new();
    for _ in 0..COMMITS {
        sj_status(o)?;
        sleep_ms(300);
        steady.push(sj_status(o)?.dsp_load_peak as f64);
    }
    let t0 = o.telemetry()?;
    let mut peaks = Vec::new();
    for k in 0..COMMITS {
        sj_status(o)?; // resets the load peak
        o.done(
            "/patch/create",
            vec![s(&format!("x{k}")), s("sine")],
            5 * SEC,
        )?;
        o.done("/patch/commit", vec![], 30 * SEC)?;
        sleep_ms(300);
        peaks.push(sj_status(o)?.dsp_load_peak as f64);
    }
    let t1 = o.telemetry()?;
    drop(synth);
    drop(jack);
    let pms = PERIOD as f64 * 1000.0 / RATE as f64;
    let half = pms / 2.0;
    let handover_ms = tmax(&t1, "handover_us_max") / 1000.0;
    let render_ms = peaks.iter().cloned().fold(0.0, f64::max) * pms;
    let steady_ms = steady.iter().cloned().fold(0.0, f64::max) * pms;
    let worst = handover_ms.max(render_ms);
    let underruns = tv(&t1, "underruns") - tv(&t0, "underruns");
    let xruns = tv(&t1, "xruns") - tv(&t0, "xruns");
    let common = format!(
        "{} delays and {CHAINS} reverbs, {COMMITS} commits adding one module, {PERIOD}-frame periods ({pms:.2} ms); {underruns} underruns, {xruns} xruns meanwhile",
        CHAINS * DELAYS_PER_CHAIN
    );
    ctx.put(
        "carryover.handover_max_ms",
        "i. carry-over at a switch: state moved on the worker (max)",
        handover_ms,
        "ms",
        &format!("slotN.handover_us_max; {common}"),
    );
    ctx.put(
        "carryover.render_max_ms",
        "i. carry-over: worst block render around a switch",
        render_ms,
        "ms",
        &format!(
            "/status DSP load peak × period after each switch: {:?}",
            peaks
                .iter()
                .map(|p| format!("{:.2}", p * pms))
                .collect::<Vec<_>>()
        ),
    );
    ctx.put(
        "carryover.steady_render_max_ms",
        "i. carry-over: worst block render of the same patch without a switch",
        steady_ms,
        "ms",
        &format!(
            "the same {COMMITS} windows of 300 ms without a commit: {:?}",
            steady
                .iter()
                .map(|p| format!("{:.2}", p * pms))
                .collect::<Vec<_>>()
        ),
    );
    ctx.put(
        "carryover.worst_ms",
        "i. carry-over: the worker's worst time at a switch",
        worst,
        "ms",
        &format!(
            "max of the two above; target below half a period ({half:.2} ms): {}; the switch adds {:.2} ms to the patch's own worst render",
            if worst < half { "met" } else { "MISSED" },
            worst - steady_ms
        ),
    );
    Ok(())
}
