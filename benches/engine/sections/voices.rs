//! a. The largest voice count synth-jack sustains per period.

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

/// a. Largest voice count of synth-jack per period.
pub fn voices_synth_jack(ctx: &mut Ctx, periods: &[u32]) -> R<()> {
    for &p in periods {
        let jack = Jackd::start(&ctx.dir, &format!("voices{p}"), p)?;
        let bin = ctx.bin.clone();
        let dir = ctx.dir.clone();
        let mut synth = Some(Synth::start(&bin, &jack, &dir, &format!("voices{p}"), &[])?);
        let lead = sj_status(&mut synth.as_mut().ok_or("no synth")?.osc)?.lead;
        // 4 modules a voice plus the output: the 4096-module capacity allows 1023.
        let found = search(64, 1023, 5.0, 20.0, |n, secs| {
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
                    eprintln!(
                        "[bench]   trial error ({e}); restarting synth-jack; log tail: {tail:?}"
                    );
                    synth = None;
                    let mut sy = Synth::start(&bin, &jack, &dir, &format!("voices{p}b"), &[])?;
                    let t = sj_voice_trial(&mut sy, &jack, &dir, n, secs);
                    synth = Some(sy);
                    t
                }
            }
        })?;
        let hist: Vec<String> = found.history.iter().map(|h| hist_item(*h)).collect();
        let note = format!(
            "{}; lead {lead} periods; DSP load at that count avg {:.2} peak {:.2} of a period; {}; {} trials: {}{}",
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
                " (the patch capacity, 4096 modules, allows no more: CPU was not the limit)"
            } else {
                ""
            }
        );
        ctx.put(
            &format!("voices.p{p}.count"),
            &format!("a. voices, synth-jack, {p} frames"),
            found.count as f64,
            "voices",
            &note,
        );
        ctx.put(
            &format!("voices.p{p}.load_avg"),
            &format!("a. DSP load at that count, {p} frames (avg)"),
            found.trial.load_avg,
            "of a period",
            "worker render time / period, exponential average (slotN.load_avg)",
        );
        ctx.put(
            &format!("voices.p{p}.load_per_100"),
            &format!("a. DSP load per 100 voices, synth-jack, {p} frames"),
            found.load_per_100,
            "of a period",
            &format!(
                "median over {} trials of ≥128 voices of average load × 100 / voices: the cost of a voice, less sensitive to machine noise than the count",
                found.load_samples
            ),
        );
        ctx.put(
            &format!("voices.p{p}.load_peak"),
            &format!("a. DSP load at that count, {p} frames (peak)"),
            found.trial.load_peak,
            "of a period",
            "largest single period during the trial",
        );
        drop(synth);
        drop(jack);
    }
    Ok(())
}
