//! a. The largest voice count synth-jack sustains per period, with one render thread and with
//! one per core (`--threads`, its default), and the scaling between them.

use crate::osc::R;
use crate::procs::{Jackd, Synth};
use crate::Ctx;
use std::path::Path;

use super::*;

pub(super) fn sj_voice_trial(
    synth: &mut Synth,
    jack: &Jackd,
    dir: &Path,
    n: u32,
    secs: f64,
) -> R<Trial> {
    let o = &mut synth.osc;
    // Silence first: the next switch never cross-fades two heavy patches.
    o.done("/patch/clear", vec![], 5 * SEC)?;
    o.done("/patch/commit", vec![], 30 * SEC)?;
    let name = format!("voices{n}");
    if !dir.join(format!("{name}.patch")).exists() {
        write_patch(dir, &name, &voices_patch(n, 0))?;
    }
    load_commit(o, &name)?;
    gates_on(o, n)?;
    std::thread::sleep(SEC);
    sj_status(o)?; // resets the load peak
    watch(secs, jack, "synth-jack", || {
        let st = sj_status(o)?;
        Ok((
            st.underruns as f64,
            st.dsp_load_avg as f64,
            st.dsp_load_peak as f64,
        ))
    })
}

/// Most voices a search tries (4 modules each: 32,769 modules; no patch cap).
const MAX_VOICES: u32 = 8192;

/// a. Largest voice count of synth-jack per period, on one thread and on every core.
pub fn voices_synth_jack(ctx: &mut Ctx, periods: &[u32]) -> R<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for &p in periods {
        let mut counts = Vec::new();
        for threads in [1, cores] {
            let count = voices_at(ctx, p, threads, cores)?;
            counts.push(count);
        }
        if let [one, all] = counts[..] {
            ctx.put(
                &format!("voices.p{p}.scaling"),
                &format!("a. voices, all {cores} threads / 1 thread, {p} frames"),
                all / one,
                "×",
                "target ≥ 1.8 on 2 cores",
            );
        }
    }
    Ok(())
}

/// One search at period `p` with `--threads threads`; returns the count (NaN if none).
fn voices_at(ctx: &mut Ctx, p: u32, threads: usize, cores: usize) -> R<f64> {
    let t = threads.to_string();
    let args = ["--threads", t.as_str()];
    let tag = format!("voices{p}t{threads}");
    let jack = Jackd::start(&ctx.dir, &tag, p)?;
    let bin = ctx.bin.clone();
    let dir = ctx.dir.clone();
    let mut synth = Some(Synth::start(&bin, &jack, &dir, &tag, &args)?);
    let lead = sj_status(&mut synth.as_mut().ok_or("no synth")?.osc)?.lead;
    let found = search(64, MAX_VOICES, 5.0, 20.0, |n, secs| {
        let first = match synth.as_mut() {
            Some(sy) => sj_voice_trial(sy, &jack, &dir, n, secs),
            None => Err("no synth".into()),
        };
        match first {
            Ok(t) => Ok(t),
            Err(e) => {
                // A synth that stopped answering is restarted once.
                let log = synth.as_ref().map(|s| s.log_text()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                eprintln!("[bench]   trial error ({e}); restarting synth-jack; log tail: {tail:?}");
                synth = None;
                let mut sy = Synth::start(&bin, &jack, &dir, &format!("{tag}b"), &args)?;
                let t = sj_voice_trial(&mut sy, &jack, &dir, n, secs);
                synth = Some(sy);
                t
            }
        }
    })?;
    let hist: Vec<String> = found.history.iter().map(|h| hist_item(*h)).collect();
    let key = if threads == 1 {
        format!("voices.t1.p{p}")
    } else {
        format!("voices.p{p}")
    };
    let who = if threads == 1 {
        "synth-jack 1 thread".to_string()
    } else {
        format!("synth-jack {threads} threads (all cores, the default)")
    };
    let note = format!(
            "--threads {threads} of {cores} cores; {}; lead {lead} periods; DSP load at that count avg {:.2} peak {:.2} of a period; {}; {} trials: {}{}",
            if found.confirmed {
                "20 s with 0 underruns"
            } else {
                "5 s trials only: every 20 s run failed (see the trials)"
            },
            found.trial.load_avg,
            found.trial.load_peak,
            xrun_note(&found.trial.xruns, "synth-jack"),
            found.trials,
            hist.join(" "),
            if found.cap_reached {
                " (the search's upper bound: CPU was not the limit)"
            } else {
                ""
            }
        );
    ctx.put(
        &format!("{key}.count"),
        &format!("a. voices, {who}, {p} frames"),
        found.count as f64,
        "voices",
        &note,
    );
    ctx.put(
        &format!("{key}.load_avg"),
        &format!("a. DSP load at that count, {who}, {p} frames (avg)"),
        found.trial.load_avg,
        "of a period",
        "worker render time / period, exponential average (slotN.load_avg)",
    );
    ctx.put(
            &format!("{key}.load_per_100"),
            &format!("a. DSP load per 100 voices, {who}, {p} frames"),
            found.load_per_100,
            "of a period",
            &format!(
                "median over {} trials of ≥128 voices of average load × 100 / voices: the cost of a voice, less sensitive to machine noise than the count",
                found.load_samples
            ),
        );
    ctx.put(
        &format!("{key}.load_peak"),
        &format!("a. DSP load at that count, {who}, {p} frames (peak)"),
        found.trial.load_peak,
        "of a period",
        "largest single period during the trial",
    );
    drop(synth);
    drop(jack);
    Ok(found.count as f64)
}
