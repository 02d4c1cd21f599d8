//! a'. The same voice search with scsynth and supernova (its voices in one `ParGroup`, so it
//! can use every core) and an equivalent SynthDef: the anchors.

use crate::osc::{f, i, msg, num, s, Osc, R};
use crate::procs::{Jackd, Monitor, Scsynth, Xruns, RATE};
use crate::synthdef;
use crate::Ctx;
use rosc::{OscPacket, OscType};
use support::signal::rms;

use super::*;

/// scsynth's `/status.reply`: (synths, avg CPU %, peak CPU %).
pub(super) fn sc_status(o: &mut Osc) -> R<(f64, f64, f64)> {
    let r = o.ask("/status", vec![], "/status.reply")?;
    let n = |k: usize| num(r.args.get(k)).unwrap_or(f64::NAN);
    Ok((n(2), n(5), n(6)))
}

/// Smallest RMS of scsynth's output (`SuperCollider:out_1`) that counts as
/// its synths running: one voice alone plays at about 0.01.
const AUDIBLE_RMS: f64 = 1e-4;

/// Why an anchor trial cannot count: its synths do not exist, the server
/// stops answering, or its output is silent. Before any count has run
/// validly the whole run is refused (no figure is reported); above a count
/// that did, the trial fails that count (the server could not run it).
pub(super) const INVALID: &str = "anchor trial invalid";

/// The ParGroup supernova's voices run in.
const PAR_GROUP: i32 = 2;

/// Which SuperCollider server a trial runs on.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Server {
    Scsynth,
    /// supernova, the voices in one `ParGroup` (`/p_new`).
    Supernova,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Scsynth => "scsynth",
            Server::Supernova => "supernova",
        }
    }
    /// Its first JACK output port.
    fn out_port(self) -> &'static str {
        match self {
            Server::Scsynth => "SuperCollider:out_1",
            Server::Supernova => "supernova:output_1",
        }
    }
}

/// One trial of `n` voices. It counts only if the server reports `n` synths
/// throughout (`/status.reply`; for supernova also `/n_query` of the
/// ParGroup) and its output, captured for the whole trial, is audible;
/// otherwise it is an error starting with [`INVALID`].
pub(super) fn sc_voice_trial(
    sc: &mut Scsynth,
    server: Server,
    jack: &Jackd,
    n: u32,
    secs: f64,
) -> R<Trial> {
    let o = &mut sc.osc;
    let name = server.name();
    o.send("/g_freeAll", vec![i(0)])?;
    o.sync(1, 10 * SEC)?;
    let target = if server == Server::Supernova {
        // A ParGroup at the head of the root group: its children may run on any thread.
        o.send("/p_new", vec![i(PAR_GROUP), i(0), i(0)])?;
        PAR_GROUP
    } else {
        0
    };
    let news: Vec<OscPacket> = (0..n)
        .map(|v| {
            msg(
                "/s_new",
                vec![
                    s("voice"),
                    i(-1),
                    i(1),
                    i(target),
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
        return Err(format!("{INVALID}: {name} runs {synths} synths, not {n}"));
    }
    if server == Server::Supernova {
        // /n_info: id, parent, prev, next, is-group, head, tail. supernova reports a
        // ParGroup's head and tail as -2 (its children have no order); -1 is an empty group.
        let r = o
            .ask("/n_query", vec![i(PAR_GROUP)], "/n_info")
            .map_err(|e| format!("{INVALID}: no /n_info for the ParGroup: {e}"))?;
        let group = num(r.args.get(4)).unwrap_or(0.0);
        let head = num(r.args.get(5)).unwrap_or(-1.0);
        if group != 1.0 || head == -1.0 {
            return Err(format!(
                "{INVALID}: node {PAR_GROUP} is not a ParGroup holding the voices: {r:?}"
            ));
        }
    }
    let mon = Monitor::open(jack, secs + 5.0)?;
    mon.connect_from(server.out_port())?;
    mon.record(true);
    // scsynth renders in its JACK callback: an overload is an xrun, never an underrun.
    let client = jack_client(server);
    let trial = watch(secs, jack, client, || {
        let (synths, avg, peak) = sc_status(o)?;
        if synths as u32 != n {
            return Err(format!(
                "{INVALID}: {synths} of {n} synths left during the trial"
            ));
        }
        Ok((0.0, avg / 100.0, peak / 100.0))
    })?;
    mon.record(false);
    let rec = mon.finish()?;
    let level = rms(&rec.samples);
    if level.is_nan() || level < AUDIBLE_RMS {
        return Err(format!(
            "{INVALID}: {name}'s output is silent with {n} synths (RMS {level:.1e} over {:.1} s, want ≥ {AUDIBLE_RMS:.0e})",
            rec.samples.len() as f64 / RATE as f64
        ));
    }
    Ok(trial)
}

/// Its JACK client name (xruns are attributed by it).
fn jack_client(server: Server) -> &'static str {
    match server {
        Server::Scsynth => "SuperCollider",
        Server::Supernova => "supernova",
    }
}

/// Starts `server` on `jack` (supernova with `cores` threads).
fn start(server: Server, jack: &Jackd, dir: &Path, tag: &str, cores: usize) -> R<Scsynth> {
    match server {
        Server::Scsynth => Scsynth::start(jack, dir, tag),
        Server::Supernova => Scsynth::start_supernova(jack, dir, tag, cores),
    }
}

/// Loads the voice SynthDef `def` into `sc`.
fn load_def(sc: &mut Scsynth, def: &[u8]) -> R<()> {
    sc.osc
        .done("/d_recv", vec![OscType::Blob(def.to_vec())], 10 * SEC)
        .map_err(|e| format!("{e}; scsynth log: {}", sc.log_text()))?;
    Ok(())
}

/// a'. The same search with scsynth and an equivalent SynthDef.
pub fn voices_scsynth(ctx: &mut Ctx, periods: &[u32]) -> R<()> {
    // Each server: RLPF (2-pole, what the issue names) at every period;
    // MoogFF (a 4-pole ladder like ours) at the first period only, to keep
    // `make bench` short. supernova gets every core (`-T`).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut runs: Vec<(Server, bool, u32)> = Vec::new();
    for server in [Server::Scsynth, Server::Supernova] {
        runs.extend(periods.iter().map(|&p| (server, false, p)));
        if let Some(&p) = periods.first() {
            runs.push((server, true, p));
        }
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
    for (server, moog, p) in runs {
        let def = synthdef::voice(moog);
        let name = server.name();
        let (filter, key) = if moog {
            ("MoogFF", format!("{name}.moog.p{p}"))
        } else {
            ("RLPF", format!("{name}.p{p}"))
        };
        let tag = format!("{name}{}{p}", if moog { "moog" } else { "" });
        let jack = Jackd::start(&ctx.dir, &tag, p)?;
        let started = start(server, &jack, &ctx.dir, &tag, cores);
        let mut sc = match started {
            Ok(sc) => sc,
            Err(e) => {
                let label = format!("a. voices, {name} ({filter}), {p} frames");
                ctx.missing(&format!("{key}.count"), &label, &e);
                continue;
            }
        };
        load_def(&mut sc, &def)?;
        let mut valid_below = false;
        let mut restarts = 0;
        let found = match search(128, 16384, 5.0, 20.0, |n, secs| {
            let e = match sc_voice_trial(&mut sc, server, &jack, n, secs) {
                Ok(t) => {
                    valid_below |= t.pass;
                    return Ok(t);
                }
                Err(e) => e,
            };
            // A count the server could not even run (synths missing, no answer) fails
            // that count, once a smaller count has run validly; the server, possibly
            // wedged by the overload, is replaced for the next trial.
            if !valid_below {
                return Err(e);
            }
            restarts += 1;
            let tag = format!("{tag}r{restarts}");
            drop(std::mem::replace(
                &mut sc,
                start(server, &jack, &ctx.dir, &tag, cores)?,
            ));
            load_def(&mut sc, &def)?;
            Ok(Trial {
                pass: false,
                why: format!("{e} (the server was restarted)"),
                load_avg: f64::NAN,
                load_peak: f64::NAN,
                xruns: Xruns::default(),
            })
        }) {
            Ok(found) => found,
            Err(e) => {
                // No figure from a run whose synths did not exist or did not sound.
                eprintln!("[bench] {name} ({filter}), {p} frames: refused: {e}");
                let label = format!("a. voices, {name} ({filter}), {p} frames");
                ctx.missing(&format!("{key}.count"), &label, &format!("refused: {e}"));
                continue;
            }
        };
        let hist: Vec<String> = found.history.iter().map(|h| hist_item(*h)).collect();
        ctx.put(
            &format!("{key}.count"),
            &format!("a. voices, {name} ({filter}), {p} frames"),
            found.count as f64,
            "voices",
            &format!(
                "{}{}, block 64; Saw → {filter} → ×EnvGen(adsr) → ×0.1, Out to 2 channels; {}; {}; no added latency (DSP in the JACK callback); {} trials: {}",
                version.replacen("scsynth", name, 1),
                if server == Server::Supernova {
                    format!(" (-T {cores}, voices in one ParGroup)")
                } else {
                    String::new()
                },
                if found.confirmed {
                    "20 s confirmed"
                } else {
                    "5 s trials only: every 20 s run failed (see the trials)"
                },
                xrun_note(&found.trial.xruns, jack_client(server)),
                found.trials,
                hist.join(" ")
            ),
        );
        ctx.put(
            &format!("{key}.load_avg"),
            &format!("a. {name} ({filter}) CPU at that count, {p} frames (avg)"),
            found.trial.load_avg,
            "of a period",
            &format!("{name} /status average CPU"),
        );
        ctx.put(
            &format!("{key}.load_per_100"),
            &format!("a. CPU per 100 voices, {name} ({filter}), {p} frames"),
            found.load_per_100,
            "of a period",
            &format!(
                "median over {} trials of ≥128 voices of average CPU × 100 / voices",
                found.load_samples
            ),
        );
        ctx.put(
            &format!("{key}.load_peak"),
            &format!("a. {name} ({filter}) CPU at that count, {p} frames (peak)"),
            found.trial.load_peak,
            "of a period",
            &format!("{name} /status peak CPU"),
        );
        drop(sc);
        drop(jack);
    }
    Ok(())
}
