//! The measurements. Each starts its own jackd (and synth-jack or scsynth),
//! records its figures in the [`Ctx`], and stops what it started.

use crate::osc::{f, i, msg, num, s, show, tactive, tmax, tsum, tv, Osc, R};
use crate::procs::{
    proc_count, rss_kib, status_kib, strict_xruns, Jackd, Monitor, Recording, Scsynth, Synth,
    Xruns, RATE,
};
use crate::synthdef;
use crate::Ctx;
use rosc::{OscPacket, OscType};
use std::path::Path;
use std::time::{Duration, Instant};
use synth_jack::osc::StatusReply;

const SEC: Duration = Duration::from_secs(1);

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// A small deterministic random generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The `p`-th percentile (0..=100) of `v` by the nearest-rank method.
pub fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * w.len() as f64).ceil().max(1.0) as usize;
    w[rank.min(w.len()) - 1]
}

/// The median of `v`.
pub fn median(v: &[f64]) -> f64 {
    percentile(v, 50.0)
}

/// The voice patch: `n` × (saw → ladder → adsr → vca), summed into `output`.
/// `shift` changes the frequencies (a second patch with the same modules).
pub fn voices_patch(n: u32, shift: u32) -> String {
    let mut t = String::from("create out output\n");
    for v in 0..n {
        t += &format!(
            "create osc{v} saw freq={} gain=0.3\ncreate flt{v} ladder cutoff=1000 resonance=0.3\n\
             create env{v} adsr\ncreate amp{v} vca gain=0.1\n\
             connect osc{v} flt{v}\nconnect flt{v} env{v}\nconnect env{v} amp{v}\nconnect amp{v} out\n",
            55 + 5 * v + shift
        );
    }
    t
}

fn write_patch(dir: &Path, name: &str, text: &str) -> R<()> {
    let p = dir.join(format!("{name}.patch"));
    std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
}

/// Loads `name` from the patch directory and commits it; returns the /done.
fn load_commit(o: &mut Osc, name: &str) -> R<()> {
    o.done("/patch/load", vec![s(name)], 30 * SEC)?;
    o.done("/patch/commit", vec![], 30 * SEC)?;
    Ok(())
}

/// Opens the gates `env0..env{n-1}` (bundles of 256 messages).
fn gates_on(o: &mut Osc, n: u32) -> R<()> {
    let gates: Vec<OscPacket> = (0..n)
        .map(|v| msg(&format!("/gate/env{v}"), vec![i(1)]))
        .collect();
    o.send_bundled(gates, 256)?;
    o.sync(7, 10 * SEC)
}

/// synth-jack's `/status` (also resets the DSP load peak).
pub fn sj_status(o: &mut Osc) -> R<StatusReply> {
    let r = o.ask("/status", vec![], StatusReply::ADDR)?;
    StatusReply::decode(&r).map_err(|e| format!("{e}: {}", show(&r)))
}

// ---------------------------------------------------------------------------------------------
// a. Voices
// ---------------------------------------------------------------------------------------------

/// One trial of a voice count.
#[derive(Debug, Clone, Default)]
pub struct Trial {
    pub pass: bool,
    pub why: String,
    /// Average DSP load (fraction of a period for synth-jack, % for scsynth).
    pub load_avg: f64,
    /// Peak DSP load over the trial.
    pub load_peak: f64,
    /// The xruns during the trial, by kind.
    pub xruns: Xruns,
}

/// How a bisection went.
pub struct Found {
    pub count: u32,
    pub trial: Trial,
    pub confirmed: bool,
    pub trials: usize,
    pub cap_reached: bool,
    pub history: Vec<(u32, bool, f64)>,
    /// Median over every trial of 128 voices or more of load × 100 / voices.
    pub load_per_100: f64,
    /// How many trials that median is of.
    pub load_samples: usize,
}

/// Largest count `n <= cap` for which `trial(n, secs)` passes: doubling from
/// `start`, bisection to within 4%, then a 20 s confirmation (down 10% per
/// failed confirmation, 3 counts; if none holds, the bisection's count is
/// returned unconfirmed). A failed trial is repeated once before it
/// counts as a failure: on a shared machine a stray xrun must not decide.
pub fn search(
    start: u32,
    cap: u32,
    short: f64,
    long: f64,
    mut trial: impl FnMut(u32, f64) -> R<Trial>,
) -> R<Found> {
    let mut history = Vec::new();
    let mut per_voice = Vec::new();
    let mut trials = 0usize;
    let mut run = |n: u32, secs: f64, history: &mut Vec<(u32, bool, f64)>| -> R<Trial> {
        let mut t = trial(n, secs)?;
        trials += 1;
        eprintln!(
            "[bench]   {n} voices, {secs:.0} s: {} (load avg {:.3}, peak {:.3}) {}",
            if t.pass { "pass" } else { "FAIL" },
            t.load_avg,
            t.load_peak,
            t.why
        );
        if !t.pass {
            t = trial(n, secs)?;
            trials += 1;
            eprintln!(
                "[bench]   {n} voices, {secs:.0} s, again: {} (load avg {:.3}, peak {:.3}) {}",
                if t.pass { "pass" } else { "FAIL" },
                t.load_avg,
                t.load_peak,
                t.why
            );
        }
        history.push((n, t.pass, secs));
        if n >= 128 && t.load_avg.is_finite() {
            per_voice.push(t.load_avg * 100.0 / n as f64);
        }
        Ok(t)
    };
    let (mut lo, mut hi) = (0u32, cap + 1);
    let mut lo_trial = Trial::default();
    let mut n = start.min(cap);
    loop {
        let t = run(n, short, &mut history)?;
        if t.pass {
            lo = n;
            lo_trial = t;
            if n >= cap {
                break;
            }
            n = (2 * n).min(cap);
        } else {
            hi = n;
            if lo > 0 || n <= 1 {
                break;
            }
            n /= 2;
        }
    }
    while lo > 0 && hi - lo > (lo / 25).max(2) {
        let mid = lo + (hi - lo) / 2;
        let t = run(mid, short, &mut history)?;
        if t.pass {
            lo = mid;
            lo_trial = t;
        } else {
            hi = mid;
        }
    }
    // Confirm over `long`; on failure try 10% fewer, three counts at most.
    // If none holds, the short-trial result is reported, marked unconfirmed.
    let mut confirmed = false;
    let (mut count, mut trial_at) = (lo, lo_trial.clone());
    let mut c = lo;
    for _ in 0..3 {
        if c == 0 {
            break;
        }
        let t = run(c, long, &mut history)?;
        if t.pass {
            (count, trial_at, confirmed) = (c, t, true);
            break;
        }
        c = c * 9 / 10;
    }
    Ok(Found {
        count,
        trial: trial_at,
        confirmed,
        trials,
        cap_reached: count >= cap,
        load_per_100: median(&per_voice),
        load_samples: per_voice.len(),
        history,
    })
}

/// Watches a running trial every 250 ms for `secs`: fails at the first
/// underrun (`underruns`) or xrun that counts (see [`xruns_fail`]).
fn watch(
    secs: f64,
    jack: &Jackd,
    client: &str,
    mut poll: impl FnMut() -> R<(f64, f64, f64)>,
) -> R<Trial> {
    let x0 = jack.xruns(client);
    let (u0, _, _) = poll()?;
    let t0 = Instant::now();
    let mut peak: f64 = 0.0;
    loop {
        sleep_ms(250);
        let (u, avg, pk) = poll()?;
        peak = peak.max(pk);
        let x = jack.xruns(client).since(&x0);
        let du = u - u0;
        let done = t0.elapsed().as_secs_f64() >= secs;
        if du > 0.0 || xruns_fail(&x) || done {
            let pass = du == 0.0 && !xruns_fail(&x);
            let mut why = if pass {
                String::new()
            } else {
                format!(
                    "{du} underruns, {} overran after {:.1} s",
                    x.overran,
                    t0.elapsed().as_secs_f64()
                )
            };
            if x.driver_late + x.not_started > 0 {
                why += &format!(
                    " (scheduling xruns, not counted: driver late {}, client not started {})",
                    x.driver_late, x.not_started
                );
            }
            return Ok(Trial {
                pass,
                why,
                load_avg: avg,
                load_peak: peak,
                xruns: x,
            });
        }
    }
}

/// One trial of a search, for the notes: `512✓`, `1024✗(20 s)`.
fn hist_item((n, ok, secs): (u32, bool, f64)) -> String {
    format!(
        "{n}{}{}",
        if ok { "✓" } else { "✗" },
        if secs > 10.0 {
            format!("({secs:.0} s)")
        } else {
            String::new()
        }
    )
}

/// What the xruns of the confirming run were.
fn xrun_note(x: &Xruns, client: &str) -> String {
    format!(
        "{} xruns in the reported trial: {} of {client} overrunning its cycle, {} scheduling (driver woke late {}, a client not started {}){}",
        x.total(),
        x.overran,
        x.driver_late + x.not_started,
        x.driver_late,
        x.not_started,
        if strict_xruns() {
            "; BENCH_STRICT_XRUNS=1: every xrun fails a trial"
        } else {
            "; only overruns fail a trial"
        }
    )
}

/// True when these xruns fail a trial: with `BENCH_STRICT_XRUNS=1` any xrun,
/// else only the client under test overrunning its cycle.
fn xruns_fail(x: &Xruns) -> bool {
    if strict_xruns() {
        x.total() > 0
    } else {
        x.overran > 0
    }
}

fn sj_voice_trial(synth: &mut Synth, jack: &Jackd, dir: &Path, n: u32, secs: f64) -> R<Trial> {
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

/// scsynth's `/status.reply`: (synths, avg CPU %, peak CPU %).
fn sc_status(o: &mut Osc) -> R<(f64, f64, f64)> {
    let r = o.ask("/status", vec![], "/status.reply")?;
    let n = |k: usize| num(r.args.get(k)).unwrap_or(f64::NAN);
    Ok((n(2), n(5), n(6)))
}

fn sc_voice_trial(sc: &mut Scsynth, jack: &Jackd, n: u32, secs: f64) -> R<Trial> {
    let o = &mut sc.osc;
    o.send("/g_freeAll", vec![i(0)])?;
    o.sync(1, 10 * SEC)?;
    let news: Vec<OscPacket> = (0..n)
        .map(|v| {
            msg(
                "/s_new",
                vec![
                    s("voice"),
                    i(-1),
                    i(1),
                    i(0),
                    s("freq"),
                    f(55.0 + 5.0 * v as f32),
                ],
            )
        })
        .collect();
    o.send_bundled(news, 100)?;
    o.sync(2, 30 * SEC)?;
    std::thread::sleep(SEC);
    let (synths, _, _) = sc_status(o)?;
    if synths as u32 != n {
        return Err(format!("scsynth runs {synths} synths, not {n}"));
    }
    // scsynth renders in its JACK callback: an overload is an xrun, never an underrun.
    watch(secs, jack, "SuperCollider", || {
        let (_, avg, peak) = sc_status(o)?;
        Ok((0.0, avg / 100.0, peak / 100.0))
    })
}

/// a'. The same search with scsynth and an equivalent SynthDef.
pub fn voices_scsynth(ctx: &mut Ctx, periods: &[u32]) -> R<()> {
    // RLPF (2-pole, what the issue names) at every period; MoogFF (a 4-pole
    // ladder like ours) at the first period only, to keep `make bench` short.
    let mut runs: Vec<(bool, u32)> = periods.iter().map(|&p| (false, p)).collect();
    if let Some(&p) = periods.first() {
        runs.push((true, p));
    }
    let which = std::process::Command::new("scsynth")
        .arg("-v")
        .output()
        .map_err(|e| {
            format!("scsynth not found ({e}); bench/run.sh installs supercollider-server")
        })?;
    // "scsynth 3.13.0 (Built from ...)": name and version.
    let version = String::from_utf8_lossy(&which.stdout)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    for (moog, p) in runs {
        let def = synthdef::voice(moog);
        let (filter, key) = if moog {
            ("MoogFF", format!("scsynth.moog.p{p}"))
        } else {
            ("RLPF", format!("scsynth.p{p}"))
        };
        let tag = format!("{}{p}", if moog { "moog" } else { "sc" });
        let jack = Jackd::start(&ctx.dir, &tag, p)?;
        let mut sc = Scsynth::start(&jack, &ctx.dir, &tag)?;
        sc.osc
            .done("/d_recv", vec![OscType::Blob(def.clone())], 10 * SEC)
            .map_err(|e| format!("{e}; scsynth log: {}", sc.log_text()))?;
        let found = search(128, 16384, 5.0, 20.0, |n, secs| {
            sc_voice_trial(&mut sc, &jack, n, secs)
        })?;
        let hist: Vec<String> = found.history.iter().map(|h| hist_item(*h)).collect();
        ctx.put(
            &format!("{key}.count"),
            &format!("a. voices, scsynth ({filter}), {p} frames"),
            found.count as f64,
            "voices",
            &format!(
                "{version}, block 64; Saw → {filter} → ×EnvGen(adsr) → ×0.1, Out to 2 channels; {}; {}; no added latency (DSP in the JACK callback); {} trials: {}",
                if found.confirmed {
                    "20 s confirmed"
                } else {
                    "5 s trials only: every 20 s run failed (see the trials)"
                },
                xrun_note(&found.trial.xruns, "SuperCollider"),
                found.trials,
                hist.join(" ")
            ),
        );
        ctx.put(
            &format!("{key}.load_avg"),
            &format!("a. scsynth ({filter}) CPU at that count, {p} frames (avg)"),
            found.trial.load_avg,
            "of a period",
            "scsynth /status average CPU",
        );
        ctx.put(
            &format!("{key}.load_per_100"),
            &format!("a. CPU per 100 voices, scsynth ({filter}), {p} frames"),
            found.load_per_100,
            "of a period",
            &format!(
                "median over {} trials of ≥128 voices of average CPU × 100 / voices",
                found.load_samples
            ),
        );
        ctx.put(
            &format!("{key}.load_peak"),
            &format!("a. scsynth ({filter}) CPU at that count, {p} frames (peak)"),
            found.trial.load_peak,
            "of a period",
            "scsynth /status peak CPU",
        );
        drop(sc);
        drop(jack);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// b. Commit to switch
// ---------------------------------------------------------------------------------------------

const COMMITS: usize = 100;

/// The first frame after `t_send` that differs from the level playing then:
/// its time (cycle start + offset, jack_get_time µs) and the level before.
fn first_new_frame(rec: &Recording, t_send: u64) -> Option<(u64, f32)> {
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

// ---------------------------------------------------------------------------------------------
// c. OSC throughput
// ---------------------------------------------------------------------------------------------

/// Kernel UDP counters (RcvbufErrors) from /proc/net/snmp.
fn udp_rcvbuf_errors() -> f64 {
    let text = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Udp:")).collect();
    if lines.len() < 2 {
        return f64::NAN;
    }
    let names: Vec<&str> = lines[0].split_whitespace().collect();
    let vals: Vec<&str> = lines[1].split_whitespace().collect();
    names
        .iter()
        .position(|n| *n == "RcvbufErrors")
        .and_then(|k| vals.get(k))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

struct Rate {
    pass: bool,
    why: String,
    achieved: f64,
    sent: u64,
}

/// `/mod/osc/freq` at `rate` per second for `secs`, one message per datagram.
fn osc_rate(o: &mut Osc, rate: f64, secs: f64) -> R<Rate> {
    let template =
        rosc::encoder::encode(&msg("/mod/osc/freq", vec![f(0.0)])).map_err(|e| format!("{e:?}"))?;
    let value = |k: u64| 100.0 + (k % 4000) as f32 * 0.25;
    let t0 = o.telemetry()?;
    let udp0 = udp_rcvbuf_errors();
    let total = (rate * secs) as u64;
    let mut bytes = template.clone();
    let n = bytes.len();
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < total {
        let due = ((start.elapsed().as_secs_f64() * rate) as u64).min(total);
        while sent < due {
            bytes[n - 4..].copy_from_slice(&value(sent).to_be_bytes());
            o.send_raw(&bytes)?;
            sent += 1;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let took = start.elapsed().as_secs_f64();
    o.sync(9, 30 * SEC)?;
    let t1 = o.telemetry()?;
    let udp1 = udp_rcvbuf_errors();
    let dump = o.ask("/patch/dump", vec![], "/patch.dump")?;
    let text = match dump.args.first() {
        Some(OscType::String(t)) => t.clone(),
        _ => String::new(),
    };
    let last = value(total - 1);
    let freq: Option<f32> = text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("osc"))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("freq="))
                .and_then(|v| v.parse().ok())
        });
    let handled = tv(&t1, "osc.messages") - tv(&t0, "osc.messages");
    let lost = tsum(&t1, "lost_events") - tsum(&t0, "lost_events");
    let under = tv(&t1, "underruns") - tv(&t0, "underruns");
    let mut why = Vec::new();
    // Between the two /telemetry: the /mods, the /sync and the second /telemetry.
    if handled != sent as f64 + 2.0 {
        why.push(format!(
            "{} of {sent} messages reached the synth (kernel receive-buffer drops: {})",
            handled - 2.0,
            udp1 - udp0
        ));
    }
    if lost > 0.0 {
        let per = |k: &str| tv(&t1, k) - tv(&t0, k);
        why.push(format!(
            "{lost} lost events (slot0 {}, slot1 {}; slot {} plays)",
            per("slot0.lost_events"),
            per("slot1.lost_events"),
            tv(&t1, "active_slot")
        ));
    }
    if under > 0.0 {
        why.push(format!("{under} underruns"));
    }
    match freq {
        Some(v) if (v - last).abs() < 0.01 => {}
        other => why.push(format!("final freq {other:?}, last sent {last}")),
    }
    let achieved = sent as f64 / took;
    if achieved < 0.95 * rate {
        why.push(format!("the driver only sent {achieved:.0}/s"));
    }
    Ok(Rate {
        pass: why.is_empty(),
        why: why.join("; "),
        achieved,
        sent,
    })
}

/// c. Highest sustained `/mod` rate with nothing lost.
pub fn osc_throughput(ctx: &mut Ctx) -> R<()> {
    write_patch(
        &ctx.dir,
        "oscload",
        "create osc sine freq=440 gain=0.2\ncreate out output\nconnect osc out\n",
    )?;
    let jack = Jackd::start(&ctx.dir, "osc", 256)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "osc", &[])?;
    load_commit(&mut synth.osc, "oscload")?;
    sleep_ms(500);
    let mut best = 0.0;
    let mut best_note = String::new();
    let mut fail_note = String::from("every rate tried passed");
    for rate in [10_000.0, 20_000.0, 50_000.0, 100_000.0, 200_000.0] {
        let mut r = osc_rate(&mut synth.osc, rate, 5.0)?;
        if !r.pass {
            // Once more: a single noisy second must not decide.
            eprintln!("[bench]   {rate:.0}/s: FAIL ({}); again", r.why);
            sleep_ms(500);
            r = osc_rate(&mut synth.osc, rate, 5.0)?;
        }
        eprintln!(
            "[bench]   {rate:.0}/s: {} ({} sent at {:.0}/s) {}",
            if r.pass { "pass" } else { "FAIL" },
            r.sent,
            r.achieved,
            r.why
        );
        if !r.pass {
            fail_note = format!("{rate:.0}/s failed: {}", r.why);
            break;
        }
        best = rate;
        best_note = format!("{} messages in 5 s at {:.0}/s", r.sent, r.achieved);
        sleep_ms(500);
    }
    let rmem = std::fs::read_to_string("/proc/sys/net/core/rmem_max").unwrap_or_default();
    ctx.put(
        "osc.max_rate",
        "c. sustained /mod rate, none lost, no underrun",
        best,
        "msg/s",
        &format!(
            "one message per datagram, 5 s per rate, rates 10k/20k/50k/100k/200k in turn (a failed rate is tried twice); {best_note}; {fail_note}; net.core.rmem_max {}",
            rmem.trim()
        ),
    );
    drop(synth);
    drop(jack);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// d. Stall recovery
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// e, f, g. Callback cost, memory, added latency
// ---------------------------------------------------------------------------------------------

/// `port playback latency = [ a b ]` from `jack_lsp -l`.
fn playback_latency(lsp: &str) -> Option<(u32, u32)> {
    let l = lsp.lines().find(|l| l.contains("playback latency"))?;
    let inside = l.split('[').nth(1)?.split(']').next()?;
    let v: Vec<u32> = inside
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Some((*v.first()?, *v.get(1)?))
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

/// e, f, g: one synth at 256 frames.
pub fn runtime(ctx: &mut Ctx) -> R<()> {
    let p = 256u32;
    let jack = Jackd::start(&ctx.dir, "runtime", p)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "runtime", &[])?;
    let pid = synth.pid;
    sleep_ms(1500);
    let rss_idle = rss_kib(pid);
    let anon_idle = status_kib(pid, "RssAnon");
    let shm_idle = status_kib(pid, "RssShmem");
    let threads = proc_count(pid, "task");
    let fds = proc_count(pid, "fd");

    // g. Added latency and what JACK is told.
    let tel = synth.osc.telemetry()?;
    let lead = tv(&tel, "lead");
    let lead_frames = lead * tv(&tel, "period");
    let alone = playback_latency(&jack.lsp(&["-l", "synth-jack:out_1"]));
    jack.connect("synth-jack:out_1", "system:playback_1")?;
    sleep_ms(300);
    let wired = playback_latency(&jack.lsp(&["-l", "synth-jack:out_1"]));
    let system = playback_latency(&jack.lsp(&["-l", "system:playback_1"]));
    let sys_max = system.map(|s| s.1).unwrap_or(0) as f64;
    ctx.put(
        "runtime.added_latency_frames",
        "g. added latency (lead)",
        lead_frames,
        "frames",
        &format!(
            "{lead} periods of {p} frames = {:.2} ms at 48 kHz",
            lead_frames * 1000.0 / RATE as f64
        ),
    );
    let reported_ok = alone.map(|r| r.1 as f64) == Some(lead_frames)
        && wired.map(|r| r.1 as f64) == Some(lead_frames + sys_max);
    ctx.put(
        "runtime.reported_latency_frames",
        "g. playback latency JACK reports for synth-jack:out_1",
        alone.map(|r| r.1 as f64).unwrap_or(f64::NAN),
        "frames",
        &format!(
            "jack_lsp -l: unconnected {alone:?}, connected to system:playback_1 {wired:?} (system:playback_1 itself {system:?}); expected {lead_frames} and {} : {}",
            lead_frames + sys_max,
            if reported_ok { "reported" } else { "NOT REPORTED" }
        ),
    );

    // e. Callback cost over ~10 s with a 64-voice patch playing.
    write_patch(&ctx.dir, "voices64", &voices_patch(64, 0))?;
    write_patch(&ctx.dir, "voices64b", &voices_patch(64, 3))?;
    let o = &mut synth.osc;
    load_commit(o, "voices64")?;
    gates_on(o, 64)?;
    sleep_ms(1000);
    let a = o.telemetry()?;
    sleep_ms(10_000);
    let b = o.telemetry()?;
    let cycles = tv(&b, "cycles") - tv(&a, "cycles");
    let sum =
        tv(&b, "callback_ns_avg") * tv(&b, "cycles") - tv(&a, "callback_ns_avg") * tv(&a, "cycles");
    let avg = sum / cycles.max(1.0);
    let pns = p as f64 * 1e9 / RATE as f64;
    ctx.put(
        "runtime.callback_ns_avg",
        "e. process callback, 256 frames stereo (avg)",
        avg,
        "ns",
        &format!(
            "{cycles} cycles over 10 s with a 64-voice patch; {:.3}% of the period",
            avg / pns * 100.0
        ),
    );
    ctx.put(
        "runtime.callback_ns_max",
        "e. process callback, 256 frames stereo (worst)",
        tv(&b, "callback_ns_max"),
        "ns",
        &format!(
            "since start (includes the first cycles and one switch); {:.2}% of the period; {}",
            tv(&b, "callback_ns_max") / pns * 100.0,
            crate::procs::sched_note()
        ),
    );
    let rss_256 = rss_kib(pid);
    let anon_256 = status_kib(pid, "RssAnon");

    // f. 1,000 commits alternating two 256-module patches.
    let mut rss_at = Vec::new();
    let t0 = Instant::now();
    for k in 0..1000 {
        let name = if k % 2 == 0 { "voices64b" } else { "voices64" };
        load_commit(o, name)?;
        if k == 99 || k == 499 {
            rss_at.push((k + 1, rss_kib(pid)));
        }
    }
    let commit_secs = t0.elapsed().as_secs_f64();
    sleep_ms(500);
    let rss_1000 = rss_kib(pid);
    let anon_1000 = status_kib(pid, "RssAnon");
    let tel = o.telemetry()?;
    let threads_end = proc_count(pid, "task");
    let fds_end = proc_count(pid, "fd");
    ctx.put(
        "runtime.rss_idle_mib",
        "f. resident memory, idle",
        mib(rss_idle),
        "MiB",
        &format!(
            "VmRSS after start, empty patch; of which {:.1} MiB JACK shared memory (RssShmem: the server's segments every client maps) and {:.1} MiB synth-jack's own (RssAnon); {threads} threads, {fds} fds",
            mib(shm_idle),
            mib(anon_idle)
        ),
    );
    ctx.put(
        "runtime.rss_256_mib",
        "f. resident memory, 256-module patch",
        mib(rss_256),
        "MiB",
        &format!(
            "64 voices × (saw, ladder, adsr, vca) + output, playing; RssAnon {:.1} MiB",
            mib(anon_256)
        ),
    );
    let hist: Vec<String> = rss_at
        .iter()
        .map(|(k, r)| format!("{:.2} MiB after {k}", mib(*r)))
        .collect();
    ctx.put(
        "runtime.rss_1000_mib",
        "f. resident memory after 1,000 commits",
        mib(rss_1000),
        "MiB",
        &format!(
            "alternating two 256-module patches ({commit_secs:.0} s); RssAnon {:.1} MiB; {}; growth since the 100th commit {:.2} MiB; {} switches, {} underruns, {threads_end} threads, {fds_end} fds",
            mib(anon_1000),
            hist.join(", "),
            mib(rss_1000 - rss_at.first().map(|r| r.1).unwrap_or(rss_1000)),
            tv(&tel, "switches"),
            tv(&tel, "underruns"),
        ),
    );
    drop(synth);
    drop(jack);
    Ok(())
}
