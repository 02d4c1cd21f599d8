//! e, f, g. Callback cost, memory and added latency of one running synth.

use crate::osc::{tv, R};
use crate::procs::{proc_count, rss_kib, status_kib, Jackd, Synth, RATE};
use crate::Ctx;
use std::time::Instant;

use super::*;

/// `port playback latency = [ a b ]` from `jack_lsp -l`.
pub(super) fn playback_latency(lsp: &str) -> Option<(u32, u32)> {
    let l = lsp.lines().find(|l| l.contains("playback latency"))?;
    let inside = l.split('[').nth(1)?.split(']').next()?;
    let v: Vec<u32> = inside
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Some((*v.first()?, *v.get(1)?))
}

pub(super) fn mib(kib: f64) -> f64 {
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
