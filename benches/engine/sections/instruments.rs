//! g. Instruments: what idle voices cost (1,024 voices vs 8, the same 8 notes held), a
//! flood of 10,000 notes per second over OSC (none lost, no underrun, memory bounded), and
//! note-on to first sample (`latency.rs`).

use crate::osc::{f, i, msg, s, tactive, tsum, tv, Osc, R};
use crate::procs::{rss_kib, Jackd, Synth};
use crate::Ctx;
use std::time::{Duration, Instant};

use super::*;

/// An instrument of `count` voices: saw → ladder → adsr, like examples/instrument.patch.
fn instrument_patch(count: u32) -> String {
    format!(
        "voice lead count={count} mode=poly steal=oldest\n\
         create osc saw gain=0.1\n\
         create filt ladder cutoff=1800 resonance=0.3\n\
         create env adsr attack=5 decay=200 sustain=0.6 release=100\n\
         connect note.freq osc.freq\n\
         connect note.gate env.gate\n\
         connect osc filt\n\
         connect filt env\n\
         end\n\
         create out output\n\
         connect lead out\n"
    )
}

/// Mean DSP load (fraction of a period, active worker) over `secs`, polled every 250 ms,
/// and the voice copies rendered.
fn mean_load(o: &mut Osc, secs: f64) -> R<(f64, f64)> {
    sj_status(o)?;
    let t0 = Instant::now();
    let mut sum = 0.0;
    let mut n = 0.0;
    while t0.elapsed().as_secs_f64() < secs {
        sleep_ms(250);
        sum += sj_status(o)?.dsp_load_avg as f64;
        n += 1.0;
    }
    let t = o.telemetry()?;
    Ok((sum / n, tactive(&t, "voices_rendered")))
}

/// Loads an instrument of `count` voices, holds the same 8 notes, returns (load, rendered).
fn held_eight(o: &mut Osc, dir: &std::path::Path, count: u32) -> R<(f64, f64)> {
    let name = format!("inst{count}");
    write_patch(dir, &name, &instrument_patch(count))?;
    o.done("/patch/clear", vec![], 5 * SEC)?;
    o.done("/patch/commit", vec![], 30 * SEC)?;
    load_commit(o, &name)?;
    for n in [48, 52, 55, 60, 64, 67, 72, 76] {
        o.send("/note/on", vec![s("lead"), i(n), i(100)])?;
    }
    o.sync(11, 10 * SEC)?;
    sleep_ms(500);
    mean_load(o, 4.0)
}

/// g. 1,024 voices vs 8 with 8 notes held; 10,000 notes/s.
pub fn instruments(ctx: &mut Ctx) -> R<()> {
    let jack = Jackd::start(&ctx.dir, "inst", 256)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "inst", &[])?;
    let o = &mut synth.osc;
    let (l8, r8) = held_eight(o, &ctx.dir, 8)?;
    let (l1024, r1024) = held_eight(o, &ctx.dir, 1024)?;
    eprintln!("[bench]   8 voices: load {l8:.4} ({r8} rendered); 1024: {l1024:.4} ({r1024})");
    ctx.put(
        "instruments.idle_voices",
        "g. 1,024-voice instrument / 8-voice, 8 notes held",
        l1024 / l8,
        "× cost",
        &format!(
            "mean DSP load of the playing worker over 4 s: 8 voices {:.2} %, 1,024 voices {:.2} % \
             (saw → ladder → adsr per voice, period 256); voice copies rendered: {r8} and {r1024} \
             (idle voices are skipped)",
            l8 * 100.0,
            l1024 * 100.0
        ),
    );
    let flood = note_flood(&mut synth, &ctx.dir, 10_000.0, 5.0)?;
    ctx.put(
        "instruments.note_flood",
        "g. /note at 10,000/s over OSC, 5 s: notes lost",
        flood.lost,
        "notes",
        &flood.note,
    );
    drop(synth);
    drop(jack);
    super::latency::note_latency(ctx)
}

struct Flood {
    lost: f64,
    note: String,
}

/// The flood's instrument: 1,024 light voices (sine → adsr, 5 ms release), so the about
/// 100 notes sounding at once measure the note path, not the DSP headroom.
const FLOOD_PATCH: &str = "voice lead count=1024 mode=poly steal=oldest\n\
    create osc sine gain=0.01\n\
    create env adsr attack=1 decay=0 sustain=1 release=5\n\
    connect note.freq osc.freq\n\
    connect note.gate env.gate\n\
    connect osc env\n\
    end\n\
    create out output\n\
    connect lead out\n";

/// `/note lead N 100 5` (a 5 ms note) at `rate` per second for `secs`, one per datagram.
fn note_flood(synth: &mut Synth, dir: &std::path::Path, rate: f64, secs: f64) -> R<Flood> {
    let o = &mut synth.osc;
    write_patch(dir, "flood", FLOOD_PATCH)?;
    load_commit(o, "flood")?;
    sleep_ms(500);
    let rss0 = rss_kib(synth.pid);
    let o = &mut synth.osc;
    let t0 = o.telemetry()?;
    let total = (rate * secs) as u64;
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < total {
        let due = ((start.elapsed().as_secs_f64() * rate) as u64).min(total);
        while sent < due {
            let note = 36 + (sent % 60) as i32;
            let m = msg("/note", vec![s("lead"), i(note), i(100), f(5.0)]);
            o.send_packet(&m)?;
            sent += 1;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let took = start.elapsed().as_secs_f64();
    o.sync(13, 30 * SEC)?;
    let t1 = o.telemetry()?;
    let rss1 = rss_kib(synth.pid);
    let handled = tv(&t1, "osc.messages") - tv(&t0, "osc.messages");
    let lost_events = tsum(&t1, "lost_events") - tsum(&t0, "lost_events");
    let under = tv(&t1, "underruns") - tv(&t0, "underruns");
    let failures = tv(&t1, "osc.failures") - tv(&t0, "osc.failures");
    // Between the two /telemetry: the notes, the /sync and the second /telemetry.
    let lost = (sent as f64 + 2.0 - handled).max(0.0) + lost_events;
    Ok(Flood {
        lost,
        note: format!(
            "{sent} /note messages (note-on + note-off 5 ms later each) at {:.0}/s, one per \
             datagram, into a 1,024-voice sine → adsr instrument (5 ms release): {} handled, {lost_events} events lost \
             in the worker queues, {failures} /fail, {under} underruns, {} voices stolen; \
             resident memory {:.0} → {:.0} KiB",
            sent as f64 / took,
            handled - 2.0,
            tsum(&t1, "voice_steals") - tsum(&t0, "voice_steals"),
            rss0,
            rss1,
        ),
    })
}
