//! Instruments played over JACK MIDI, end to end (debug build: the allocation guard of the
//! real-time threads is armed, so an allocation would abort synth-jack):
//! * `jack_midiseq` (shipped with jackd2) loops a phrase into `synth-jack:midi_in`: the capture
//!   has its pitches, and its onsets exactly as far apart as the loop's sample positions;
//! * an in-test MIDI keyboard sends a note, pitch bend, channel pressure, CC74 and the sustain
//!   pedal: each takes effect at its own frame, exactly `lead` periods after JACK delivered it;
//! * 17 notes into a 16-voice instrument: the oldest voice is stolen (counted), without a click.
//!
//! A recording disturbed by an xrun or an underrun (non-real-time servers on a loaded machine)
//! is redone: timing is only meaningful without one.

mod common;

use common::engine::{fit_tones, retry_disturbed, slot_stat, start_synth, stat, wait_for, OUTS};
use common::midi::MidiSender;
use common::*;
use std::collections::HashMap;
use std::time::Duration;

const MIDI_IN: &str = "synth-jack:midi_in";
/// `--lead` default: periods the workers render ahead.
const LEAD: u32 = 2;
const SILENT: f32 = 1e-6;

/// A sine voice hard-gated by `note.gate` (a vca, no envelope): sound starts and stops on the
/// note's exact frames.
const GATED_SINE: &str = "voice keys count=8\n\
    create osc sine phase=0.25 gain=0.3\n\
    create amp vca\n\
    connect note.freq osc.freq\n\
    connect note.gate amp.cv\n\
    connect osc amp\n\
    end\n\
    create out output\n\
    connect keys out\n";

fn note_hz(n: f64) -> f64 {
    440.0 * 2f64.powf((n - 69.0) / 12.0)
}

/// Counters whose change means a recording may have been disturbed.
fn disturbances(t: &HashMap<String, f64>) -> (f64, f64) {
    (stat(t, "underruns"), stat(t, "xruns"))
}

/// What disturbed a recording, if anything: a change of `(underruns, xruns)` between two
/// snapshots, or skipped capture cycles.
fn disturbed(before: (f64, f64), after: (f64, f64), gaps: usize) -> Option<String> {
    (before != after || gaps > 0)
        .then(|| format!("underruns, xruns {before:?} -> {after:?}, {gaps} skipped capture cycles"))
}

/// Runs the checks of one recording. They are asserted when nothing disturbed it; when
/// something did (a non-real-time server on a loaded machine), a failed check means only
/// "record again" (`Err`), and checks that hold anyway count.
fn judge(disturbance: Option<String>, checks: impl FnOnce()) -> Result<(), String> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(checks));
    match (r, disturbance) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(why)) => Err(why),
        (Err(e), None) => std::panic::resume_unwind(e),
    }
}

/// Starts synth-jack on `server` with `patch` and waits for its MIDI input.
fn synth_with(server: &JackServer, patch: &str) -> (SynthProcess, common::osc::OscClient) {
    let path = server.write_file("inst.patch", patch);
    let (mut synth, osc) = start_synth(server, &["--patch", path.to_str().unwrap()]);
    synth.wait_for_ports(server, &[MIDI_IN], SYNTH_READY_TIMEOUT);
    (synth, osc)
}

/// JACK frame time of the first frame [`Capture::take`] will return (waits for one).
fn first_captured_frame(cap: &mut Capture) -> u32 {
    wait_for(Duration::from_secs(10), "captured audio", || {
        cap.pending_start_frame()
    })
}

/// MIDI messages on channel 1 at a frame, for [`MidiSender::send`]: note on, note off,
/// controller, pitch bend (-8192..=8191), channel pressure.
fn note_on(f: u32, note: u8, vel: u8) -> (u32, [u8; 3]) {
    (f, [0x90, note, vel])
}
fn note_off(f: u32, note: u8) -> (u32, [u8; 3]) {
    (f, [0x80, note, 0])
}
fn ctl(f: u32, cc: u8, value: u8) -> (u32, [u8; 3]) {
    (f, [0xb0, cc, value])
}
fn pitch_bend(f: u32, value: i32) -> (u32, [u8; 3]) {
    let v = (value + 8192).clamp(0, 16383) as u16;
    (f, [0xe0, (v & 0x7f) as u8, (v >> 7) as u8])
}
fn chan_pressure(f: u32, value: u8) -> (u32, [u8; 3]) {
    (f, [0xd0, value, 0])
}

/// Takes the captured frames from JACK frame time `first` (the next pending one) up to `end`.
fn take_until(cap: &mut Capture, first: u32, end: u32) -> Vec<f32> {
    let n = end.wrapping_sub(first) as usize + 256;
    cap.take_frames(n, Duration::from_secs(30)).remove(0)
}

/// Onsets: first non-silent frames after at least `gap` silent ones.
fn onsets(x: &[f32], gap: usize) -> Vec<usize> {
    let mut v = Vec::new();
    let mut quiet = 0; // a note already sounding at the start is no onset
    for (i, s) in x.iter().enumerate() {
        if s.abs() < SILENT {
            quiet += 1;
        } else {
            if quiet >= gap {
                v.push(i);
            }
            quiet = 0;
        }
    }
    v
}

#[test]
fn jack_midiseq_loop_plays_its_pitches_with_onsets_exactly_its_positions_apart() {
    let server = JackServer::start();
    let (mut synth, osc) = synth_with(&server, GATED_SINE);
    // One second loop: C4, E4, G4, C5, each 9000 frames, one every 12000 frames.
    let notes = [(0usize, 60u8), (12000, 64), (24000, 67), (36000, 72)];
    let mut args = vec!["seq".to_string(), "48000".to_string()];
    for (at, n) in notes {
        args.extend([at.to_string(), n.to_string(), "9000".to_string()]);
    }
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let env = [
        ("JACK_DEFAULT_SERVER", server.name()),
        ("JACK_NO_START_SERVER", "1"),
    ];
    let _seq = SynthProcess::spawn_program("jack_midiseq", &env, &args);
    server
        .wait_for_ports(&["seq:out"], Duration::from_secs(10))
        .expect("jack_midiseq's port");
    let mut cap = Capture::start(&server, &OUTS[..1]);
    server.connect("seq:out", MIDI_IN).expect("connect seq");
    let rate = cap.rate();
    retry_disturbed(8, || {
        let before = disturbances(&osc.telemetry());
        let gaps = cap.discontinuities();
        let rec = cap.record_for(Duration::from_millis(2600)).remove(0);
        let after = disturbances(&osc.telemetry());
        let why = disturbed(before, after, cap.discontinuities() - gaps);
        judge(why, || check_loop(&rec, rate, &notes, &synth))
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack died\n{}",
        synth.output()
    );
    let t = osc.telemetry();
    assert!(stat(&t, "midi_events") >= 8.0);
}

/// The loop's notes in order, each at its pitch, lasting its frames, onsets as far apart as
/// the loop's positions.
fn check_loop(rec: &[f32], rate: u32, notes: &[(usize, u8)], synth: &SynthProcess) {
    let on = onsets(rec, 2000);
    assert!(on.len() >= 6, "onsets {on:?}\n{}", synth.output());
    // Which note of the loop each onset is: by its pitch.
    let mut played = Vec::new();
    for &o in on.iter().filter(|&&o| o + 9000 <= rec.len()) {
        let seg = &rec[o..o + 9000];
        let f = dominant_frequency(&seg[100..8900], rate);
        let k = notes
            .iter()
            .position(|&(_, n)| (note_hz(n as f64) - f).abs() <= 0.5)
            .unwrap_or_else(|| panic!("onset {o}: {f} Hz is none of the loop's notes"));
        // Each note lasts exactly its 9000 frames.
        let len = seg.iter().rposition(|x| x.abs() >= SILENT).unwrap() + 1;
        let tail = &rec[o + 9000..(o + 9100).min(rec.len())];
        assert!(
            len >= 8990 && tail.iter().all(|x| x.abs() < SILENT),
            "note {k} at {o} sounds {len} frames, then {:?}",
            &tail[..4.min(tail.len())]
        );
        played.push((o, k));
    }
    assert!(played.len() >= 5, "{played:?}");
    for w in played.windows(2) {
        let ((a, ka), (b, kb)) = (w[0], w[1]);
        assert_eq!(kb, (ka + 1) % notes.len(), "notes out of order: {played:?}");
        let want = (notes[kb].0 + 48000 - notes[ka].0) % 48000;
        assert_eq!(b - a, want, "onsets {a} and {b}: {played:?}");
    }
}

/// The DC voice of the keyboard test: its output is
/// `0.001·freq·gate + 0.1·pressure + gate·lvl.gain`, with CC74 setting `lvl.gain` to `cc/1000`.
const DC_VOICE: &str = "voice keys count=4 bend=2\n\
    create hz vca gain=0.001\n\
    create held vca\n\
    create lvl vca gain=0\n\
    create mix mixer gain2=0.1\n\
    connect note.freq hz\n\
    connect hz held\n\
    connect note.gate held.cv\n\
    connect held mix.in1\n\
    connect note.pressure mix.in2\n\
    connect note.gate lvl\n\
    connect lvl mix.in3\n\
    end\n\
    create out output\n\
    connect keys out\n\
    cc 74 keys.lvl.gain 0 0.127\n";

#[test]
fn keyboard_bend_pressure_cc74_and_sustain_take_effect_at_their_frames() {
    let server = JackServer::start();
    let (mut synth, osc) = synth_with(&server, DC_VOICE);
    let mut cap = Capture::start(&server, &OUTS[..1]);
    let period = server.period();
    // Frames from the script's start; none on a period boundary.
    let (on, bend, press, cc74, pedal, off, up) = (1037, 2011, 3103, 4001, 6577, 7019, 8033);
    let script = [
        // From silence, bend centred, no pressure, CC74 at 0 (every attempt).
        ctl(0, 120, 0),
        pitch_bend(0, 0),
        chan_pressure(0, 0),
        ctl(0, 74, 0),
        note_on(on, 60, 100),
        pitch_bend(bend, 4096), // half the range: +1 semitone
        chan_pressure(press, 127),
        ctl(cc74, 74, 100), // lvl.gain = 0.1
        ctl(pedal, 64, 127),
        note_off(off, 60), // held by the pedal
        ctl(up, 64, 0),
    ];
    let end = 9000;
    let kb = MidiSender::start(&server, MIDI_IN);
    retry_disturbed(8, || {
        let before = disturbances(&osc.telemetry());
        let gaps = cap.discontinuities();
        cap.clear();
        let sent = kb.send(&script, Duration::from_secs(10));
        let start = sent[0];
        let first = first_captured_frame(&mut cap);
        let rec = take_until(&mut cap, first, start.wrapping_add(end + LEAD * period));
        let after = disturbances(&osc.telemetry());
        let why = disturbed(before, after, cap.discontinuities() - gaps);
        // Index in `rec` of the event of script frame `f` (else of frame `f`), exactly `lead`
        // periods after the frame JACK delivered it at.
        let at = |f: u32| -> usize {
            let k = script.iter().position(|m| m.0 == f);
            let delivered = k.map_or(start.wrapping_add(f), |k| sent[k]);
            delivered.wrapping_add(LEAD * period).wrapping_sub(first) as usize
        };
        judge(why, || {
            assert!(at(end) < rec.len(), "recording too short");
            let x = |f: u32, k: i64| rec[(at(f) as i64 + k) as usize];
            let close = |a: f32, b: f64, what: &str| {
                assert!(
                    (a as f64 - b).abs() <= 1e-4 * b.abs().max(1e-3),
                    "{what}: {a}, want {b}"
                );
            };
            // Note on: silence up to its frame, the note's frequency/1000 from it.
            let quiet = &rec[at(on) - 200..at(on)];
            assert!(
                quiet.iter().all(|v| v.abs() < SILENT),
                "sound before the note"
            );
            let c4 = note_hz(60.0) / 1000.0;
            close(x(on, 0), c4, "note-on frame");
            // Bend: +1 semitone from its frame.
            let cs4 = note_hz(61.0) / 1000.0;
            close(x(bend, -1), c4, "before the bend");
            close(x(bend, 0), cs4, "bend frame");
            // Channel pressure 127 adds 0.1 from its frame.
            close(x(press, -1), cs4, "before pressure");
            close(x(press, 0), cs4 + 0.1, "pressure frame");
            // CC74 = 100 glides lvl.gain to 0.1 with the parameter's smoothing (5 ms).
            close(x(cc74, -1), cs4 + 0.1, "before CC74");
            assert!(x(cc74, 1) > x(cc74, -1) + 1e-6, "CC74 moves from its frame");
            close(x(cc74, 2400), cs4 + 0.2, "CC74 after 50 ms");
            // The pedal holds the note past its note-off ...
            for f in [off - 1, off, off + 1000, up - 1] {
                close(x(f, 0), cs4 + 0.2, "held by the pedal");
            }
            // ... and releases it on its own frame: the gate closes, pressure fades in 1.5 ms.
            assert!(x(up, 0) <= 0.1 + 1e-6, "pedal up frame: {}", x(up, 0));
            assert!(rec[at(up) + 100..at(end)].iter().all(|v| v.abs() < SILENT));
        })
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack died\n{}",
        synth.output()
    );
}

/// A sine voice with a 5 ms attack, quiet enough for 16 at once.
const SINE_16: &str = "voice keys count=16 steal=oldest\n\
    create osc sine gain=0.05\n\
    create env adsr attack=5 decay=0 sustain=1 release=20\n\
    connect note.freq osc.freq\n\
    connect note.gate env.gate\n\
    connect osc env\n\
    end\n\
    create out output\n\
    connect keys out\n";

#[test]
fn seventeen_notes_into_sixteen_voices_steal_the_oldest_without_a_click() {
    let server = JackServer::start();
    let (mut synth, osc) = synth_with(&server, SINE_16);
    let mut cap = Capture::start(&server, &OUTS[..1]);
    let period = server.period();
    let first_note = 1000;
    let steal = first_note + 16 * 240 + 2400;
    // All sound off (a 1.5 ms fade), then 16 notes, then the 17th.
    let mut script = vec![ctl(0, 120, 0)];
    script.extend((0..16u32).map(|k| note_on(first_note + k * 240, 48 + 2 * k as u8, 100)));
    script.push(note_on(steal, 84, 100));
    let kb = MidiSender::start(&server, MIDI_IN);
    retry_disturbed(8, || {
        let t0 = osc.telemetry();
        let slot = stat(&t0, "active_slot") as usize;
        let steals0 = slot_stat(&t0, slot, "voice_steals");
        let gaps = cap.discontinuities();
        cap.clear();
        let sent = kb.send(&script, Duration::from_secs(10));
        let first = first_captured_frame(&mut cap);
        let stolen_at = sent[sent.len() - 1].wrapping_add(LEAD * period);
        let end = stolen_at.wrapping_add(3600);
        let rec = take_until(&mut cap, first, end);
        let t1 = osc.telemetry();
        let why = disturbed(
            disturbances(&t0),
            disturbances(&t1),
            cap.discontinuities() - gaps,
        );
        let s = stolen_at.wrapping_sub(first) as usize;
        let rate = cap.rate();
        judge(why, || {
            assert_eq!(
                stat(&t1, "active_slot") as usize,
                slot,
                "no commit happened"
            );
            assert_eq!(
                slot_stat(&t1, slot, "voice_steals") - steals0,
                1.0,
                "exactly one voice stolen"
            );
            assert_eq!(slot_stat(&t1, slot, "voices_busy"), 16.0, "16 voices sound");
            assert!(s + 3600 <= rec.len(), "recording too short");
            let step = |x: &[f32]| {
                x.windows(2)
                    .map(|w| (w[1] - w[0]).abs())
                    .fold(0.0, f32::max)
            };
            let steady = step(&rec[s - 2400..s]);
            let around = step(&rec[s - 64..s + 480]);
            assert!(
                around <= 1.5 * steady,
                "largest step around the steal {around}, steady {steady}"
            );
            // The oldest note (48) is gone, the new one (84) sounds, the rest play on: a least
            // squares fit of all 17 pitches, after the new note's 5 ms attack.
            let from = s + 480;
            let mut freqs: Vec<f64> = (0..16).map(|k| note_hz(48.0 + 2.0 * k as f64)).collect();
            freqs.push(note_hz(84.0));
            let (_, tones) = fit_tones(&rec[from..s + 3600], from, &freqs, rate);
            let amp: Vec<f64> = tones.iter().map(|t| t.amplitude()).collect();
            assert!(amp[0] < 0.002, "the oldest note (48) is stolen: {amp:.3?}");
            assert!(
                amp[1..].iter().all(|a| (a - 0.05).abs() < 0.005),
                "the 15 others and the new note sound: {amp:.3?}"
            );
        })
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack died\n{}",
        synth.output()
    );
}
