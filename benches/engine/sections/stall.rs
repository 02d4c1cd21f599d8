//! d. Stall recovery after worker stalls.

use crate::osc::{f, tactive, tmax, tsum, tv, R};
use crate::procs::{Jackd, Synth, RATE};
use crate::Ctx;

use super::*;

/// d. Recovery after ten 50 ms worker stalls.
pub fn stall_recovery(ctx: &mut Ctx) -> R<()> {
    let modules = std::process::Command::new(&ctx.bin)
        .arg("modules")
        .output()
        .map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&modules.stdout).contains("fault") {
        return Err(format!(
            "{} was built without --features fault-injection",
            ctx.bin.display()
        ));
    }
    write_patch(
        &ctx.dir,
        "stall",
        "create osc sine freq=440 gain=0.2\ncreate f fault\ncreate out output\nconnect osc f\nconnect f out\n",
    )?;
    let jack = Jackd::start(&ctx.dir, "stall", 256)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "stall", &[])?;
    let o = &mut synth.osc;
    load_commit(o, "stall")?;
    sleep_ms(1000);
    let t0 = o.telemetry()?;
    let lead = tv(&t0, "lead");
    let mut per_stall = Vec::new();
    let mut recoveries = Vec::new();
    let mut prev = t0.clone();
    const STALLS: usize = 10;
    for _ in 0..STALLS {
        o.send("/mod/f/stall_ms", vec![f(0.0)])?;
        o.send("/mod/f/stall_ms", vec![f(50.0)])?;
        sleep_ms(700);
        let t = o.telemetry()?;
        per_stall.push(tv(&t, "underruns") - tv(&prev, "underruns"));
        recoveries.push(tactive(&t, "recovery_last"));
        prev = t;
    }
    let t1 = prev;
    let late = tsum(&t1, "late") - tsum(&t0, "late");
    let failovers = tv(&t1, "failovers") - tv(&t0, "failovers");
    let common = format!(
        "{STALLS} stalls of 50 ms (fault module), 256-frame periods, lead {lead}; {late} late re-anchors seen, {failovers} failovers"
    );
    ctx.put(
        "stall.recovery_max",
        "d. stall: periods until the ring is back at lead (max)",
        tmax(&t1, "recovery_max"),
        "periods",
        &format!("slotN.recovery_max; per stall: {recoveries:?}; {common}"),
    );
    ctx.put(
        "stall.burst_max",
        "d. stall: largest catch-up burst",
        tmax(&t1, "burst_max"),
        "blocks",
        &format!("slotN.burst_max (design bound: lead = {lead})"),
    );
    ctx.put(
        "stall.underruns_per_stall",
        "d. stall: underrun periods per 50 ms stall (max)",
        per_stall.iter().cloned().fold(0.0, f64::max),
        "periods",
        &format!(
            "per stall: {per_stall:?}; a 50 ms stall outlasts the {:.1} ms lead",
            lead * 256.0 * 1000.0 / RATE as f64
        ),
    );
    ctx.put(
        "stall.failovers",
        "d. stall: failovers",
        failovers,
        "",
        "50 ms < --failover-ms 150: the stalled worker must recover by itself",
    );
    drop(synth);
    drop(jack);
    Ok(())
}
