//! Instruments rendered: a chord from timed note events (pitches and onset
//! frames), glide time, unison detune, stealing without clicks or
//! allocation, idle voices skipped, carry-over at a commit, MIDI routing.

use assert_no_alloc::assert_no_alloc;
use dsp::render::render_graph;
use dsp::voice::note::note_hz;
use dsp::voice::Instrument;
use dsp::{Event, EventKind, Graph, Name, NoteEvent, Patch, Registry};

#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48000.0;

/// A sine instrument: note.freq → sine → adsr (gated by the note).
fn sine_patch(settings: &str, attack: f32) -> String {
    format!(
        "voice keys {settings}\n\
         create osc sine gain=0.2\n\
         create env adsr attack={attack} decay=0 sustain=1 release=20\n\
         connect note.freq osc.freq\n\
         connect note.gate env.gate\n\
         connect osc env\n\
         end\n\
         create out output\n\
         connect keys out\n"
    )
}

fn compile(text: &str) -> Graph {
    let reg = Registry::standard();
    let (p, _) = Patch::parse(&reg, text).expect("patch parses");
    Graph::compile(&p, &reg, SR, 1).expect("patch compiles")
}

fn note(frame: u64, inst: &str, ev: NoteEvent) -> (u64, Event) {
    let e = Event {
        offset: 0,
        module: Name::new(inst).unwrap(),
        kind: EventKind::Note(ev),
    };
    (frame, e)
}

fn on(frame: u64, n: f32) -> (u64, Event) {
    note(frame, "keys", NoteEvent::On { note: n, vel: 1.0 })
}

fn off(frame: u64, n: f32) -> (u64, Event) {
    note(frame, "keys", NoteEvent::Off { note: n })
}

fn render(g: &mut Graph, events: &[(u64, Event)], frames: usize) -> Vec<f32> {
    render_graph(g, events, frames, 256).remove(0)
}

fn instrument<'a>(g: &'a mut Graph, id: &str) -> &'a Instrument {
    let i = g.find(&Name::new(id).unwrap()).unwrap();
    g.module_mut(i)
        .as_any()
        .downcast_ref::<Instrument>()
        .unwrap()
}

/// Hann-windowed amplitude of the `f` Hz component.
fn amplitude(x: &[f32], f: f64) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, &s) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let ph = std::f64::consts::TAU * f * i as f64 / SR as f64;
        re += s as f64 * w * ph.cos();
        im -= s as f64 * w * ph.sin();
    }
    4.0 * (re * re + im * im).sqrt() / n
}

/// The frequency of the strongest component within ±`span` Hz of `near`,
/// to 0.01 Hz (a 0.1 Hz scan, then a 0.01 Hz one around its best).
fn peak_near(x: &[f32], near: f64, span: f64) -> f64 {
    let scan = |from: f64, to: f64, step: f64| {
        let mut best = (0.0, from);
        let mut f = from;
        while f <= to {
            let a = amplitude(x, f);
            if a > best.0 {
                best = (a, f);
            }
            f += step;
        }
        best.1
    };
    let coarse = scan(near - span, near + span, 0.1);
    scan(coarse - 0.1, coarse + 0.1, 0.01)
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

#[test]
fn c_major_chord_has_its_three_fundamentals_starting_at_their_event_frames() {
    let text = sine_patch("count=8", 0.0);
    let notes = [(1000u64, 60.0f32), (1600, 64.0), (2200, 67.0)];
    let events: Vec<_> = notes.iter().map(|&(f, n)| on(f, n)).collect();
    let frames = 2200 + 48000;
    let out = render(&mut compile(&text), &events, frames);
    let tail = &out[2200..];
    let mut power = 0.0;
    for &(_, n) in &notes {
        let want = note_hz(n) as f64;
        let got = peak_near(tail, want, 3.0);
        assert!((got - want).abs() <= 0.5, "note {n}: {got} Hz, want {want}");
        power += amplitude(tail, want).powi(2) / 2.0;
    }
    // Nothing else sounds: the three components carry all the power.
    let total = rms(tail).powi(2);
    assert!(
        (power / total - 1.0).abs() < 0.02,
        "chord power {power}, total {total}"
    );
    // Each note starts at its frame: a render without it is the same
    // sample for sample up to that frame, and differs right after.
    assert!(out[..1000].iter().all(|x| *x == 0.0));
    for k in 1..notes.len() {
        let fewer = render(&mut compile(&text), &events[..k], frames);
        let first = (0..frames).find(|&i| fewer[i] != out[i]).unwrap();
        let at = notes[k].0 as usize;
        assert!(
            first == at || first == at + 1,
            "note {k} starts at {first}, event at {at}"
        );
    }
}

#[test]
fn glide_reaches_the_new_pitch_in_exactly_its_time() {
    // A template of `note` alone outputs the note's frequency.
    let text =
        "voice keys count=1 mode=legato glide=10\nend\ncreate out output\nconnect keys out\n";
    let mut g = compile(text);
    let events = [on(100, 60.0), on(1000, 72.0)];
    let out = render(&mut g, &events, 3000);
    let (a, b) = (note_hz(60.0), note_hz(72.0));
    assert_eq!(out[999], a);
    let len = (10.0 * SR / 1000.0) as usize; // 480 samples
    let reached = (1000..3000).find(|&i| out[i] == b).unwrap();
    assert!(reached.abs_diff(1000 + len) <= 1, "reached at {reached}");
    assert!(out[1000 + len / 2] > a && out[1000 + len / 2] < b);
    // Halfway in pitch (linear in semitones) at half the time.
    let mid = note_hz(66.0);
    assert!((out[1000 + len / 2] - mid).abs() < 0.1 * (b - a) / 12.0);
}

#[test]
fn a_poly_glide_starts_from_the_previous_note_on_another_voice() {
    let text = "voice keys count=4 glide=10\nend\ncreate out output\nconnect keys out\n";
    let mut g = compile(text);
    // Voice 0 plays 60, voice 1 plays 64; both end (a 1.5 ms fade) long
    // before 72 starts on voice 0: it glides from 64, the note played last.
    let events = [on(100, 60.0), on(200, 64.0), off(400, 60.0), off(400, 64.0)];
    let events = [&events[..], &[on(1000, 72.0)]].concat();
    let out = render(&mut g, &events, 3000);
    let (a, b) = (note_hz(64.0), note_hz(72.0));
    assert_eq!(out[999], 0.0, "both voices have faded out");
    assert!((out[1000] - a).abs() < 0.01 * a, "starts at {}", out[1000]);
    let len = (10.0 * SR / 1000.0) as usize;
    let reached = (1000..3000).find(|&i| out[i] == b).unwrap();
    assert!(reached.abs_diff(1000 + len) <= 1, "reached at {reached}");
}

#[test]
fn unison_copies_are_detuned_by_the_given_cents() {
    let text = sine_patch("count=2 unison=2 detune=100", 0.0);
    let out = render(&mut compile(&text), &[on(0, 69.0)], 4800 + 48000);
    let tail = &out[4800..];
    for cents in [-50.0f64, 50.0] {
        let want = 440.0 * 2f64.powf(cents / 1200.0);
        let got = peak_near(tail, want, 3.0);
        assert!(
            (got - want).abs() <= 0.5,
            "{cents} cents: {got} Hz, want {want}"
        );
    }
    assert!(amplitude(tail, 440.0) < 0.1 * amplitude(tail, 440.0 * 2f64.powf(0.5 / 12.0)));
}

#[test]
fn seventeen_notes_into_sixteen_voices_steal_one_without_a_click_or_allocation() {
    let text = sine_patch("count=16 steal=oldest", 5.0);
    let mut g = compile(&text);
    let mut events: Vec<_> = (0..16)
        .map(|k| on(k * 480, 48.0 + 2.0 * k as f32))
        .collect();
    let steal_at = 16 * 480 + 4800;
    events.push(on(steal_at, 84.0));
    let frames = steal_at as usize + 4800;
    let mut out = vec![0.0f32; frames];
    // Same blocks as render_graph, inside the allocation guard.
    let mut block_events: Vec<Event> = Vec::with_capacity(32);
    let mut fading = 0;
    assert_no_alloc(|| {
        let mut e = 0;
        for start in (0..frames).step_by(64) {
            let end = (start + 64) as u64;
            block_events.clear();
            while e < events.len() && events[e].0 < end {
                let mut ev = events[e].1;
                ev.offset = (events[e].0 - start as u64) as u32;
                block_events.push(ev);
                e += 1;
            }
            g.process(&mut [&mut out[start..start + 64]], &block_events);
            if start as u64 == steal_at {
                fading = instrument(&mut g, "keys").rendered_slots();
            }
        }
    });
    let inst = instrument(&mut g, "keys");
    assert_eq!(inst.busy_voices(), 16);
    assert_eq!(fading, 17, "the stolen voice fades in a copy of its own");
    assert_eq!(inst.rendered_slots(), 16, "and is gone within 2 ms");
    let step = |x: &[f32]| {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    };
    let s = steal_at as usize;
    let steady = step(&out[s - 2400..s]);
    let around = step(&out[s - 64..s + 480]);
    assert!(
        around <= 1.5 * steady,
        "largest step around the steal {around}, steady {steady}"
    );
}

#[test]
fn released_voices_go_silent_and_cost_nothing() {
    let text = sine_patch("count=1024", 0.0);
    let mut g = compile(&text);
    let events: Vec<_> = (0..8).map(|k| on(k, 60.0 + k as f32)).collect();
    render(&mut g, &events, 1024);
    assert_eq!(instrument(&mut g, "keys").rendered_slots(), 8);
    let offs: Vec<_> = (0..8).map(|k| off(k, 60.0 + k as f32)).collect();
    render(&mut g, &offs, 48000 / 10);
    let inst = instrument(&mut g, "keys");
    assert_eq!(inst.rendered_slots(), 0, "silent voices are skipped");
    assert_eq!(inst.busy_voices(), 0);
}

#[test]
fn a_commit_carries_sounding_voices_over_sample_for_sample() {
    let text = sine_patch("count=4", 5.0);
    let mut a = compile(&text);
    render(&mut a, &[on(10, 60.0), on(20, 67.0)], 4096);
    let mut b = compile(&text);
    b.carry_from(&a);
    let xa = render(&mut a, &[], 4096);
    let xb = render(&mut b, &[], 4096);
    assert!(rms(&xa) > 0.01);
    assert_eq!(xa, xb);
    // The new graph releases the carried notes like the old one would.
    render(&mut b, &[off(0, 60.0), off(0, 67.0)], 4800);
    assert_eq!(instrument(&mut b, "keys").busy_voices(), 0);
}

fn midi(frame: u64, msg: [u8; 3]) -> (u64, Event) {
    let e = Event {
        offset: 0,
        module: Name::new("midi").unwrap(),
        kind: EventKind::Midi(msg),
    };
    (frame, e)
}

#[test]
fn midi_channels_play_their_instruments_and_unmapped_ones_the_first() {
    let text = "voice a count=2\nend\nvoice b count=2\nend\nmidi 2 b\n\
                create out output\nconnect a out\n";
    let mut g = compile(text);
    let events = [
        midi(0, [0x90, 60, 100]),
        midi(0, [0x91, 62, 100]),
        midi(0, [0x95, 64, 1]),
    ];
    render(&mut g, &events, 64);
    assert_eq!(instrument(&mut g, "a").busy_voices(), 2, "channels 1 and 6");
    assert_eq!(instrument(&mut g, "b").busy_voices(), 1, "channel 2");
}

#[test]
fn midi_bend_pressure_sustain_and_cc_take_effect_at_their_frame() {
    // Channel 1: out1 = note.freq · gate · gain (gain set by CC74).
    // Channel 2: out2 = note.pressure.
    let text = "voice a count=2 bend=2\n\
                create v vca\n\
                connect note.freq v\n\
                connect note.gate v.cv\n\
                end\n\
                voice pr count=2\n\
                create v vca\n\
                connect note.pressure v\n\
                end\n\
                midi 2 pr\n\
                cc 74 a.v.gain 0 2\n\
                create out output\n\
                connect a out.in1\n\
                connect pr out.in2\n";
    let reg = Registry::standard();
    let (p, _) = Patch::parse(&reg, text).unwrap();
    let mut g = Graph::compile(&p, &reg, SR, 2).unwrap();
    let events = [
        midi(0, [0x90, 69, 127]),
        midi(0, [0x91, 60, 127]),
        midi(100, [0xe0, 0x7f, 0x7f]), // bend fully up: 8191/8192 of 2 semitones
        midi(200, [0xb0, 74, 127]),    // gain 0..2 → 2, smoothed
        midi(300, [0xb0, 64, 127]),    // sustain down
        midi(310, [0x80, 69, 0]),      // key up: the pedal holds the note
        midi(400, [0xd1, 127, 0]),     // channel pressure on channel 2
        midi(500, [0xa1, 60, 64]),     // poly aftertouch on note 60
        midi(4000, [0xb0, 64, 0]),     // pedal up: released
    ];
    let out = render_graph(&mut g, &events, 4100, 256);
    let (a, pr) = (&out[0], &out[1]);
    let bent = note_hz(69.0 + 2.0 * 8191.0 / 8192.0);
    assert_eq!(a[99], 440.0);
    assert!((a[100] - bent).abs() < 1e-3, "{} vs {bent}", a[100]);
    assert_eq!(a[199], a[100], "the CC has not acted before its frame");
    assert!(
        a[200] > a[199] && a[220] > a[200],
        "gain glides from frame 200"
    );
    assert!(a[3999] > 1.99 * bent, "gain reached 2: {}", a[3999]);
    assert!(a[3999] > 0.0, "the pedal held the note from 310 on");
    assert_eq!(a[4000], 0.0, "the pedal came up at 4000");
    assert_eq!((pr[399], pr[400]), (0.0, 1.0));
    assert_eq!((pr[499], pr[500]), (1.0, 64.0 / 127.0));
}

#[test]
fn a_cc_sent_while_no_voice_sounds_is_in_place_at_the_next_note() {
    // out = note.freq · gate · gain; CC74 sets gain (0..2) while every voice is idle.
    let text = "voice a count=2\n\
                create v vca\n\
                connect note.freq v\n\
                connect note.gate v.cv\n\
                end\n\
                cc 74 a.v.gain 0 2\n\
                create out output\n\
                connect a out\n";
    let events = [midi(0, [0xb0, 74, 127]), midi(1000, [0x90, 69, 127])];
    let out = render(&mut compile(text), &events, 1100);
    assert_eq!(
        out[1000], 880.0,
        "no glide from the old gain at the note-on"
    );
}
