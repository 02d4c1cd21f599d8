//! g. Note-on to first sample: a JACK MIDI note-on at a known offset within a period, sent by
//! a bench client into `synth-jack:midi_in`, and the first non-zero sample of
//! `synth-jack:out_1` recorded by another; both placed on JACK's frame clock. Expected: exactly
//! `lead` periods after the event's frame.

use crate::osc::R;
use crate::procs::{open_client, Jackd, Monitor, Synth};
use crate::Ctx;
use std::sync::atomic::Ordering::*;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use super::*;

/// Offset of the note-on within its period, in frames.
const OFFSET: u32 = 100;

/// An instrument whose voice is its envelope with attack 0: the output steps from 0 to 1 on
/// the note's frame.
const STEP_PATCH: &str = "voice lead count=4 mode=poly\n\
                          create env adsr attack=0 decay=0 sustain=1 release=0\n\
                          connect note.gate env.gate\n\
                          end\n\
                          create out output\n\
                          connect lead out\n";

/// Sends one note-on at `OFFSET` in the first period after `armed`, and keeps the JACK frame
/// time it was sent at.
struct Probe {
    port: jack::Port<jack::MidiOut>,
    armed: Arc<AtomicBool>,
    /// Frame time of the event + 1 (0: not sent yet).
    sent: Arc<AtomicU64>,
}

impl jack::ProcessHandler for Probe {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let mut w = self.port.writer(ps);
        if self.armed.load(Acquire) && self.sent.load(Acquire) == 0 && OFFSET < ps.n_frames() {
            let ev = jack::RawMidi {
                time: OFFSET,
                bytes: &[0x90, 60, 100],
            };
            if w.write(&ev).is_ok() {
                let at = ps.last_frame_time() as u64 + OFFSET as u64;
                self.sent.store(at + 1, Release);
            }
        }
        jack::Control::Continue
    }
}

/// g. Note-on (JACK MIDI at a known offset) to first sample, measured vs expected.
pub fn note_latency(ctx: &mut Ctx) -> R<()> {
    let period = 256;
    let jack = Jackd::start(&ctx.dir, "latency", period)?;
    let mut synth = Synth::start(&ctx.bin, &jack, &ctx.dir, "latency", &[])?;
    write_patch(&ctx.dir, "step", STEP_PATCH)?;
    load_commit(&mut synth.osc, "step")?;
    let lead = sj_status(&mut synth.osc)?.lead as u64;
    let mon = Monitor::open(&jack, 3.0)?;
    mon.connect_from("synth-jack:out_1")?;
    let client = open_client(&jack.name, "bench-midi")?;
    let port = client
        .register_port("out", jack::MidiOut::default())
        .map_err(|e| format!("register bench-midi:out: {e:?}"))?;
    let armed = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let probe = Probe {
        port,
        armed: armed.clone(),
        sent: sent.clone(),
    };
    let active = client
        .activate_async((), probe)
        .map_err(|e| format!("activate bench-midi: {e:?}"))?;
    active
        .as_client()
        .connect_ports_by_name("bench-midi:out", "synth-jack:midi_in")
        .map_err(|e| format!("connect bench-midi:out -> synth-jack:midi_in: {e:?}"))?;
    mon.record(true);
    sleep_ms(500);
    armed.store(true, Release);
    sleep_ms(1500);
    mon.record(false);
    let rec = mon.finish()?;
    drop(active);
    let at = sent.load(Acquire);
    if at == 0 {
        ctx.missing(
            "latency.note_on",
            "g. note-on to first sample",
            "no note sent",
        );
        return Ok(());
    }
    let event = at - 1;
    // The first non-zero sample, as a JACK frame time.
    let onset = rec.cycles.iter().zip(&rec.starts).find_map(|(c, &start)| {
        let (_, first, n) = *c;
        rec.samples[first..first + n]
            .iter()
            .position(|&x| x != 0.0)
            .map(|k| start as u64 + k as u64)
    });
    let expected = lead * period as u64;
    match onset {
        Some(onset) => {
            let measured = onset as i64 - event as i64;
            eprintln!(
                "[bench]   note-on at frame {event} (offset {OFFSET}), first sample at {onset}: \
                 {measured} frames; expected {expected} (lead {lead} × {period})"
            );
            ctx.put(
                "latency.note_on",
                "g. note-on (JACK MIDI) to first sample",
                measured as f64,
                "frames",
                &format!(
                    "expected exactly lead × period = {lead} × {period} = {expected} frames \
                     after the event's frame (offset {OFFSET} in its period); measured {measured} \
                     ({}); {} dropped recorder cycles",
                    if measured == expected as i64 {
                        "exact"
                    } else {
                        "NOT exact"
                    },
                    rec.overflow
                ),
            );
        }
        None => ctx.missing(
            "latency.note_on",
            "g. note-on (JACK MIDI) to first sample",
            "no sound after the note-on",
        ),
    }
    drop(synth);
    drop(jack);
    Ok(())
}
