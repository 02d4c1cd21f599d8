//! b. Commit to switch: `/patch/commit` to `/done` and to the first frame of the new patch.

use crate::osc::{s, R};
use crate::procs::{Jackd, Monitor, Recording, Synth, RATE};
use crate::Ctx;
use rosc::OscType;
use std::time::Duration;

use super::*;

pub(super) const COMMITS: usize = 100;

/// The first frame after `t_send` that differs from the level playing then:
/// its time (cycle start + offset, jack_get_time µs) and the level before.
pub(super) fn first_new_frame(rec: &Recording, t_send: u64) -> Option<(u64, f32)> {
    let c0 = rec
        .cycles
        .partition_point(|c| c.0 <= t_send)
        .saturating_sub(1);
    let (_, start0, _) = *rec.cycles.get(c0)?;
    let old = rec.samples[start0];
    for &(us, start, n) in &rec.cycles[c0..] {
        for k in 0..n {
            if (rec.samples[start + k] - old).abs() > 1e-4 {
                return Some((us + (k as u64 * 1_000_000) / RATE as u64, old));
            }
        }
    }
    None
}

/// b. Time from `/patch/commit` to `/done` and to the first frame of the new patch.
pub fn commit_to_switch(ctx: &mut Ctx, periods: &[u32]) -> R<()> {
    // Two DC levels: a sine at 0 Hz with phase 1/4 outputs its gain.
    write_patch(
        &ctx.dir,
        "dcA",
        "create a sine freq=0 phase=0.25 gain=0.25\ncreate out output\nconnect a out\n",
    )?;
    write_patch(
        &ctx.dir,
        "dcB",
        "create b sine freq=0 phase=0.25 gain=0.5\ncreate out output\nconnect b out\n",
    )?;
    for &p in periods {
        let jack = Jackd::start(&ctx.dir, &format!("commit{p}"), p)?;
        let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, &format!("commit{p}"), &[])?;
        let mon = Monitor::open(&jack, 60.0)?;
        mon.connect_from("synth-jack:out_1")?;
        let o = &mut synth.osc;
        let st = sj_status(o)?;
        load_commit(o, "dcA")?;
        sleep_ms(300);
        mon.record(true);
        sleep_ms(100);
        let mut rng = Rng::new(0x5eed + p as u64);
        let mut sent = Vec::with_capacity(COMMITS);
        for k in 0..COMMITS {
            let (name, want) = if k % 2 == 0 {
                ("dcB", 0.5f32)
            } else {
                ("dcA", 0.25f32)
            };
            o.done("/patch/load", vec![s(name)], 5 * SEC)?;
            // A random phase against the period.
            std::thread::sleep(Duration::from_micros(20_000 + rng.below(40_000)));
            let t_send = mon.now();
            o.send("/patch/commit", vec![])?;
            o.wait_for("/done /patch/commit", 10 * SEC, |m| {
                m.addr == "/done"
                    && matches!(m.args.first(), Some(OscType::String(x)) if x == "/patch/commit")
            })?;
            let t_done = mon.now();
            sent.push((t_send, t_done, want));
        }
        sleep_ms(200);
        mon.record(false);
        let rec = mon.finish()?;
        let xruns = sj_status(o)?.xruns;
        drop(synth);
        drop(jack);
        if rec.overflow > 0 {
            return Err(format!("capture overflowed ({} cycles)", rec.overflow));
        }
        let lag: Vec<f64> = rec
            .cycles
            .iter()
            .zip(&rec.nominal)
            .map(|(c, n)| c.0 as f64 - *n as f64)
            .collect();
        eprintln!(
            "[bench]   capture processed after the nominal cycle start: median {:.0} µs, max {:.0} µs",
            median(&lag),
            percentile(&lag, 100.0)
        );
        let mut done_ms = Vec::new();
        let mut frame_ms = Vec::new();
        let mut bad = 0;
        for &(t_send, t_done, want) in &sent {
            done_ms.push((t_done - t_send) as f64 / 1000.0);
            match first_new_frame(&rec, t_send) {
                Some((t, old)) if t >= t_send && (old - want).abs() > 0.1 => {
                    frame_ms.push((t - t_send) as f64 / 1000.0)
                }
                other => {
                    bad += 1;
                    let c0 = rec.cycles.partition_point(|c| c.0 <= t_send);
                    let near: Vec<(u64, f32)> = rec.cycles
                        [c0.saturating_sub(2)..(c0 + 3).min(rec.cycles.len())]
                        .iter()
                        .map(|c| (c.0, rec.samples[c.1]))
                        .collect();
                    eprintln!(
                        "[bench]   switch not found: sent at {t_send}, want {want}, found {other:?}; cycles near: {near:?}"
                    );
                }
            }
        }
        let pms = p as f64 * 1000.0 / RATE as f64;
        let lead = st.lead as f64;
        let fade = 10.0;
        let target_frame = (lead + 1.0) * pms;
        let target_done = target_frame + fade;
        let stats = |v: &[f64]| (median(v), percentile(v, 99.0), percentile(v, 100.0));
        let (d50, d99, dmax) = stats(&done_ms);
        let (f50, f99, fmax) = stats(&frame_ms);
        let sect = format!("commit.p{p}");
        let common = format!(
            "{COMMITS} commits alternating two patches, {p}-frame periods ({pms:.2} ms), lead {lead}; {xruns} xruns during the run"
        );
        ctx.put(
            &format!("{sect}.done_p50_ms"),
            &format!("b. commit → /done, {p} frames, p50"),
            d50,
            "ms",
            &format!("{:.2} periods", d50 / pms),
        );
        ctx.put(
            &format!("{sect}.done_p99_ms"),
            &format!("b. commit → /done, {p} frames, p99"),
            d99,
            "ms",
            &format!(
                "{:.2} periods; target ≤ (lead+1) periods + fade = {target_done:.1} ms: {}",
                d99 / pms,
                if d99 <= target_done { "met" } else { "MISSED" }
            ),
        );
        ctx.put(
            &format!("{sect}.done_max_ms"),
            &format!("b. commit → /done, {p} frames, max"),
            dmax,
            "ms",
            &format!("{:.2} periods; {common}", dmax / pms),
        );
        ctx.put(
            &format!("{sect}.frame_p50_ms"),
            &format!("b. commit → first new frame, {p} frames, p50"),
            f50,
            "ms",
            &format!("{:.2} periods", f50 / pms),
        );
        ctx.put(
            &format!("{sect}.frame_p99_ms"),
            &format!("b. commit → first new frame, {p} frames, p99"),
            f99,
            "ms",
            &format!(
                "{:.2} periods; against the same target without the fade, (lead+1) periods = {target_frame:.1} ms: {}",
                f99 / pms,
                if f99 <= target_frame {
                    "within".to_string()
                } else {
                    format!("over by {:.2} ms", f99 - target_frame)
                }
            ),
        );
        ctx.put(
            &format!("{sect}.frame_max_ms"),
            &format!("b. commit → first new frame, {p} frames, max"),
            fmax,
            "ms",
            &format!(
                "{:.2} periods; time the JACK cycle carrying the first sample of the new patch was processed (capture client after synth-jack) + its offset{}",
                fmax / pms,
                if bad > 0 {
                    format!("; {bad} switches NOT found in the capture")
                } else {
                    String::new()
                }
            ),
        );
    }
    Ok(())
}
