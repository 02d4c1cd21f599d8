//! `make soak`: SOAK_SECONDS (default 600) of commits every 2 s alternating
//! two patches, 1,000 `/mod` a second and random gates, and the JACK server
//! stopped (SIGTERM) and started again every SOAK_RESTART_SECONDS (default
//! 60; 0: never); then PASS/FAIL lines for drops outside the restarts,
//! failovers, lost events, failed requests, unanswered commits, reconnects,
//! memory growth after the first minute (and the first restart), and thread
//! or fd leaks, and the underruns around the restarts and elsewhere.

use crate::osc::{f, i, s, show, tsum, tv, R};
use crate::procs::{proc_count, rss_kib, Jackd, Synth};
use crate::sections::Rng;
use crate::Ctx;
use rosc::OscType;
use std::time::{Duration, Instant};

const VOICES: u32 = 8;

/// Two patches with the same oscillators, envelopes and VCAs (the /mod and
/// /gate targets) and different filters.
fn patch(b: bool) -> String {
    let mut t = String::from("create out output\n");
    for v in 0..VOICES {
        let filter = if b {
            format!(
                "create flt{v} biquad mode=lowpass cutoff={}\n",
                800 + 100 * v
            )
        } else {
            format!(
                "create flt{v} ladder cutoff={} resonance=0.3\n",
                900 + 100 * v
            )
        };
        t += &format!(
            "create osc{v} saw freq={} gain=0.3\n{filter}create env{v} adsr\ncreate amp{v} vca gain=0.1\n\
             connect osc{v} flt{v}\nconnect flt{v} env{v}\nconnect env{v} amp{v}\nconnect amp{v} out\n",
            110 + 20 * v
        );
    }
    if b {
        t += "create echo delay\nconnect amp0 echo\nconnect echo out\n";
    }
    t
}

/// Seconds the counters of a restart window take after the server is back.
const SETTLE_SECONDS: f64 = 2.0;

/// Counters that a restart moves, summed over the restart windows.
#[derive(Default)]
struct AroundRestarts {
    underruns: f64,
    drops: f64,
    xruns: f64,
    failovers: f64,
}

struct Snap {
    rss: f64,
    threads: usize,
    fds: usize,
}

fn snap(pid: u32) -> Snap {
    Snap {
        rss: rss_kib(pid),
        threads: proc_count(pid, "task"),
        fds: proc_count(pid, "fd"),
    }
}

/// Runs the soak test; exit code 0 when every check passed.
pub fn run(ctx: &Ctx) -> i32 {
    let secs: f64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600.0);
    match soak(ctx, secs) {
        Ok(true) => {
            println!("soak: PASS");
            0
        }
        Ok(false) => {
            println!("soak: FAIL");
            1
        }
        Err(e) => {
            println!("FAIL soak could not run: {e}");
            1
        }
    }
}

fn soak(ctx: &Ctx, secs: f64) -> R<bool> {
    let every: f64 = std::env::var("SOAK_RESTART_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60.0);
    // After the first minute, and after the first restart has settled.
    let first_minute = if every > 0.0 && every <= 60.0 {
        every + 10.0
    } else {
        60.0
    };
    let baseline_at = if secs >= first_minute + 30.0 {
        first_minute
    } else {
        secs * 2.0 / 3.0
    };
    if secs < 90.0 {
        eprintln!(
            "[soak] SOAK_SECONDS={secs}: memory baseline at {baseline_at:.0} s instead of {first_minute:.0} s"
        );
    }
    for (name, b) in [("soakA", false), ("soakB", true)] {
        let p = ctx.dir.join(format!("{name}.patch"));
        std::fs::write(&p, patch(b)).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let mut jack = Jackd::start(&ctx.dir, "soak", 256)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "soak", &[])?;
    let pid = synth.pid;
    {
        let o = &mut synth.osc;
        o.done("/patch/load", vec![s("soakA")], Duration::from_secs(10))?;
        o.done("/patch/commit", vec![], Duration::from_secs(10))?;
    }
    let mut rng = Rng::new(0xc0ffee);
    let start = Instant::now();
    let (mut mods, mut gates, mut commits, mut commit_done, mut loads_done) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut fails: Vec<String> = Vec::new();
    let mut next_commit = 2.0;
    let mut next_report = 10.0;
    let mut next_gate = 0.0;
    let mut base: Option<Snap> = None;
    let mut died = false;
    let mut next_restart = if every > 0.0 { every } else { f64::INFINITY };
    let mut restarts = 0u32;
    let mut around = AroundRestarts::default();
    eprintln!(
        "[soak] {secs:.0} s: commit every 2 s, 1,000 /mod per second, random gates, a server restart every {every:.0} s"
    );
    loop {
        let t = start.elapsed().as_secs_f64();
        if t >= secs {
            break;
        }
        let o = &mut synth.osc;
        // 1,000 /mod a second, evenly spread.
        let due = (t * 1000.0) as u64;
        while mods < due {
            let v = rng.below(VOICES as u64);
            match rng.below(3) {
                0 => o.send(
                    &format!("/mod/osc{v}/freq"),
                    vec![f(55.0 + rng.below(2000) as f32)],
                )?,
                1 => o.send(
                    &format!("/mod/amp{v}/gain"),
                    vec![f(rng.below(200) as f32 / 1000.0)],
                )?,
                _ => o.send(
                    &format!("/mod/env{v}/sustain"),
                    vec![f(0.2 + rng.below(70) as f32 / 100.0)],
                )?,
            }
            mods += 1;
        }
        if t >= next_restart {
            next_restart += every;
            let before = synth.osc.telemetry()?;
            drop(jack);
            jack = Jackd::start(&ctx.dir, "soak", 256)?;
            // synth-jack answers once it has reconnected (OSC waits meanwhile).
            let mut back = false;
            for _ in 0..10 {
                let tel = synth.osc.telemetry()?;
                if tv(&tel, "reconnects") > tv(&before, "reconnects") {
                    back = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            if !back {
                return Err(format!("no reconnect after restart {}", restarts + 1));
            }
            std::thread::sleep(Duration::from_secs_f64(SETTLE_SECONDS));
            let after = synth.osc.telemetry()?;
            restarts += 1;
            around.underruns += tv(&after, "underruns") - tv(&before, "underruns");
            around.drops += tsum(&after, "drops") - tsum(&before, "drops");
            around.xruns += tv(&after, "xruns") - tv(&before, "xruns");
            around.failovers += tv(&after, "failovers") - tv(&before, "failovers");
            // The /mod traffic resumes at its rate; what the restart missed is not sent.
            mods = (start.elapsed().as_secs_f64() * 1000.0) as u64;
            eprintln!(
                "[soak] {t:4.0} s: server restart {restarts}: {} underruns, {} drops, {} failovers around it",
                tv(&after, "underruns") - tv(&before, "underruns"),
                tsum(&after, "drops") - tsum(&before, "drops"),
                tv(&after, "failovers") - tv(&before, "failovers"),
            );
            continue;
        }
        if t >= next_gate {
            let v = rng.below(VOICES as u64);
            o.send(&format!("/gate/env{v}"), vec![i(rng.below(2) as i32)])?;
            gates += 1;
            next_gate = t + 0.01 + rng.below(90) as f64 / 1000.0;
        }
        if t >= next_commit {
            let name = if commits % 2 == 0 { "soakB" } else { "soakA" };
            o.send("/patch/load", vec![s(name)])?;
            o.send("/patch/commit", vec![])?;
            commits += 1;
            next_commit += 2.0;
        }
        // Replies, including those a /telemetry request skipped over.
        let mut replies = std::mem::take(&mut o.skipped);
        while let Some(m) = o.try_recv() {
            replies.push(m);
        }
        for m in replies {
            let what = match m.args.first() {
                Some(OscType::String(x)) => x.as_str(),
                _ => "",
            };
            match (m.addr.as_str(), what) {
                ("/done", "/patch/commit") => commit_done += 1,
                ("/done", "/patch/load") => loads_done += 1,
                ("/fail", _) if fails.len() < 20 => fails.push(show(&m)),
                _ => {}
            }
        }
        if base.is_none() && t >= baseline_at {
            let b = snap(pid);
            eprintln!(
                "[soak] baseline at {t:.0} s: {:.2} MiB resident, {} threads, {} fds",
                b.rss / 1024.0,
                b.threads,
                b.fds
            );
            base = Some(b);
        }
        if t >= next_report {
            next_report += 10.0;
            if !synth.alive() {
                died = true;
                break;
            }
            let tel = synth.osc.telemetry()?;
            eprintln!(
                "[soak] {t:4.0} s: {:.2} MiB, switches {}, underruns {}, xruns {}, failovers {}, drops {}, {mods} /mod, {commits} commits ({commit_done} done)",
                rss_kib(pid) / 1024.0,
                tv(&tel, "switches"),
                tv(&tel, "underruns"),
                tv(&tel, "xruns"),
                tv(&tel, "failovers"),
                tsum(&tel, "drops"),
            );
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    // Let the last commit finish, then read everything.
    let mut tel = None;
    if !died && synth.alive() {
        let o = &mut synth.osc;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut skipped = std::mem::take(&mut o.skipped);
        while (commit_done < commits || loads_done < commits) && Instant::now() < deadline {
            let next = if skipped.is_empty() {
                o.recv(Duration::from_millis(100))
            } else {
                Some(skipped.remove(0))
            };
            if let Some(m) = next {
                match (m.addr.as_str(), m.args.first()) {
                    ("/done", Some(OscType::String(x))) if x == "/patch/commit" => commit_done += 1,
                    ("/done", Some(OscType::String(x))) if x == "/patch/load" => loads_done += 1,
                    ("/fail", _) if fails.len() < 20 => fails.push(show(&m)),
                    _ => {}
                }
            }
        }
        o.sync(1, Duration::from_secs(10))?;
        tel = Some(o.telemetry()?);
    } else {
        died = true;
    }
    let end = snap(pid);
    let alive = !died;
    drop(synth);
    drop(jack);

    let mut ok = true;
    let mut check = |pass: bool, what: String| {
        println!("{} {what}", if pass { "PASS" } else { "FAIL" });
        ok &= pass;
    };
    check(alive, "synth-jack ran to the end".into());
    let Some(tel) = tel else {
        return Ok(false);
    };
    let drops = tsum(&tel, "drops") - around.drops;
    let failovers = tv(&tel, "failovers");
    let lost = tsum(&tel, "lost_events");
    check(
        drops == 0.0,
        format!(
            "drops outside the restarts {drops} (around them: {}, the unplayed lead of each)",
            around.drops
        ),
    );
    check(
        failovers == 0.0,
        format!(
            "failovers {failovers} ({} around the restarts)",
            around.failovers
        ),
    );
    check(
        tv(&tel, "reconnects") == restarts as f64,
        format!(
            "reconnects {} of {restarts} restarts",
            tv(&tel, "reconnects")
        ),
    );
    check(lost == 0.0, format!("lost events {lost}"));
    check(
        fails.is_empty(),
        format!("failed requests {}: {fails:?}", fails.len()),
    );
    check(
        commit_done == commits && loads_done == commits,
        format!("commits answered {commit_done} of {commits} (loads {loads_done})"),
    );
    match base {
        Some(b) => {
            let growth = (end.rss - b.rss) / 1024.0;
            check(
                growth < 1.0,
                format!(
                    "resident memory growth after {baseline_at:.0} s: {growth:.3} MiB ({:.2} → {:.2} MiB; limit 1 MiB)",
                    b.rss / 1024.0,
                    end.rss / 1024.0
                ),
            );
            check(
                end.threads == b.threads,
                format!("threads {} → {}", b.threads, end.threads),
            );
            check(end.fds == b.fds, format!("fds {} → {}", b.fds, end.fds));
        }
        None => check(false, "no memory baseline (run too short)".into()),
    }
    println!(
        "INFO underruns around the {restarts} restarts (from the last telemetry before each until {SETTLE_SECONDS} s after the reconnect): {}; elsewhere: {}; xruns around them {}",
        around.underruns,
        tv(&tel, "underruns") - around.underruns,
        around.xruns,
    );
    println!(
        "INFO underruns {} xruns {} switches {} over {secs:.0} s; {mods} /mod, {gates} gates, {commits} commits; late renders {}",
        tv(&tel, "underruns"),
        tv(&tel, "xruns"),
        tv(&tel, "switches"),
        tsum(&tel, "late"),
    );
    Ok(ok)
}
