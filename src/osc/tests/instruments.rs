//! Instruments over OSC: `/voice/create` and `INST.ID` edits, `/note/*` at
//! once and at bundle frames, `/midi/map`, `/midi/cc`, and their errors.

use super::*;
use dsp::NoteEvent;

fn f(v: f32) -> OscType {
    OscType::Float(v)
}

fn i(v: i32) -> OscType {
    OscType::Int(v)
}

/// Builds the issue's `lead` instrument over OSC and commits it.
fn lead(r: &mut Rig) {
    let done = r.ok(m(
        "/voice/create",
        vec![st("lead"), i(16), st("mode"), st("poly"), st("glide=0")],
    ));
    assert_eq!(done.args, vec![st("/voice/create"), st("lead")]);
    r.ok(m("/patch/create", vec![st("lead.osc"), st("saw")]));
    r.ok(m("/patch/create", vec![st("lead.filt"), st("ladder")]));
    r.ok(m(
        "/patch/create",
        vec![st("lead.env"), st("adsr"), st("release"), i(400)],
    ));
    for (a, b) in [
        ("lead.note.freq", "lead.osc.freq"),
        ("lead.note.gate", "lead.env.gate"),
        ("lead.osc", "lead.filt"),
        ("lead.filt", "lead.env"),
    ] {
        r.ok(m("/patch/connect", vec![st(a), st(b)]));
    }
    r.ok(m("/patch/create", vec![st("out"), st("output")]));
    r.ok(m("/patch/connect", vec![st("lead"), st("out")]));
    assert!(r.send(m("/patch/commit", vec![])).is_empty());
    let n = r.b.switch();
    r.notices(n);
    r.b.did.clear();
}

#[test]
fn an_instrument_built_over_osc_is_the_patch_file_one() {
    let mut r = Rig::new();
    lead(&mut r);
    let t = r.b.committed.template("lead").unwrap();
    assert_eq!(t.patch.connections.len(), 4);
    let text = r.b.committed.to_text(&r.b.reg);
    assert!(
        text.starts_with("voice lead count=16 mode=poly glide=0\n"),
        "{text}"
    );
    let (again, _) = Patch::parse(&r.b.reg, &text).unwrap();
    assert_eq!(again, r.b.committed);
    Graph::compile(&r.b.committed, &r.b.reg, 48000.0, 2).unwrap();
}

#[test]
fn notes_are_silent_and_land_on_their_bundle_frame() {
    let mut r = Rig::new();
    lead(&mut r);
    assert!(r
        .send(m("/note/on", vec![st("lead"), i(60), i(127)]))
        .is_empty());
    assert!(r
        .send(m("/note/on", vec![st("lead"), f(60.5), f(0.0)]))
        .is_empty());
    assert!(r.send(m("/note/off", vec![st("lead"), i(60)])).is_empty());
    assert!(r
        .send(m("/note/bend", vec![st("lead"), f(-1.5)]))
        .is_empty());
    assert!(r
        .send(m("/note/pressure", vec![st("lead"), f(0.25)]))
        .is_empty());
    assert!(r.send(m("/note/alloff", vec![st("lead")])).is_empty());
    let note = |ev| Did::Note("lead".into(), ev, None);
    assert_eq!(
        r.b.did,
        vec![
            note(NoteEvent::On {
                note: 60.0,
                vel: 1.0
            }),
            note(NoteEvent::Off { note: 60.5 }), // velocity 0 is a note-off
            note(NoteEvent::Off { note: 60.0 }),
            note(NoteEvent::Bend(-1.5)),
            note(NoteEvent::Pressure(0.25)),
            note(NoteEvent::AllOff),
        ]
    );
    // A timed phrase: each note on its frame, `/note` adds its note-off.
    r.b.did.clear();
    let t0 = r.b.now + 0.5;
    let start = r.b.frame_at(t0);
    let p = bundle(
        to_timetag(t0),
        vec![
            m("/note", vec![st("lead"), i(64), i(100), i(250)]),
            bundle(
                to_timetag(t0 + 0.5),
                vec![m("/note/on", vec![st("lead"), i(67), i(100)])],
            ),
        ],
    );
    assert!(r.send(p).is_empty());
    let vel = 100.0 / 127.0;
    let at = |ev, frame| Did::Note("lead".into(), ev, Some(frame));
    assert_eq!(
        r.b.did,
        vec![
            at(NoteEvent::On { note: 64.0, vel }, start),
            at(NoteEvent::Off { note: 64.0 }, start + 12_000),
            at(NoteEvent::On { note: 67.0, vel }, start + 24_000),
        ]
    );
    // Untimed `/note`: the note-off follows where the worker is now.
    r.b.did.clear();
    r.b.rendered = 1000;
    assert!(r
        .send(m("/note", vec![st("lead"), i(70), i(1), f(10.0)]))
        .is_empty());
    assert_eq!(r.b.did[1], at(NoteEvent::Off { note: 70.0 }, 1480));
}

#[test]
fn bad_notes_fail_with_the_reason() {
    let mut r = Rig::new();
    lead(&mut r);
    let (a, why) = r.fails(m("/note/on", vec![st("lead"), i(60)]));
    assert_eq!(a, "/note/on");
    assert!(why.contains("expected 3 arguments, got 2"), "{why}");
    let (_, why) = r.fails(m("/note/on", vec![st("lead"), i(128), i(1)]));
    assert!(why.contains("argument 2") && why.contains("0-127"), "{why}");
    let (_, why) = r.fails(m("/note/on", vec![st("lead"), i(60), st("loud")]));
    assert!(why.contains("velocity"), "{why}");
    let (_, why) = r.fails(m("/note/on", vec![st("ghost"), i(60), i(1)]));
    assert!(why.contains("ghost"), "{why}");
    let (_, why) = r.fails(m("/note/on", vec![st("out"), i(60), i(1)]));
    assert!(why.contains("out"), "{why}");
    let (_, why) = r.fails(m("/note", vec![st("lead"), i(60), i(1), i(-5)]));
    assert!(why.contains("duration"), "{why}");
    assert!(r.b.did.is_empty());
}

#[test]
fn midi_routes_are_patch_edits() {
    let mut r = Rig::new();
    lead(&mut r);
    r.ok(m("/midi/map", vec![i(2), st("lead")]));
    r.ok(m(
        "/midi/cc",
        vec![
            i(0),
            i(74),
            st("lead.filt.cutoff"),
            i(200),
            i(8000),
            st("exp"),
        ],
    ));
    r.ok(m("/midi/cc", vec![i(1), i(1), st("lead.gain"), i(0), i(1)]));
    let p = &r.b.pending;
    assert_eq!(p.midi.len(), 1);
    assert_eq!(p.ccs.len(), 2);
    assert!(p.ccs[0].exp && !p.ccs[1].exp);
    let text = p.to_text(&r.b.reg);
    assert!(text.contains("midi 2 lead\n"), "{text}");
    assert!(
        text.contains("cc 74 lead.filt.cutoff 200 8000 exp\n"),
        "{text}"
    );
    assert!(text.contains("cc 1 lead.gain 0 1 channel=1\n"), "{text}");
    let (_, why) = r.fails(m("/midi/map", vec![i(17), st("lead")]));
    assert!(why.contains("1-16"), "{why}");
    let (_, why) = r.fails(m("/midi/map", vec![i(1), st("out")]));
    assert!(why.contains("out"), "{why}");
    let (_, why) = r.fails(m(
        "/midi/cc",
        vec![i(0), i(74), st("lead.filt.nope"), i(1), i(2)],
    ));
    assert!(why.contains("nope"), "{why}");
    let (_, why) = r.fails(m(
        "/midi/cc",
        vec![i(0), i(74), st("lead.filt.cutoff"), i(1), i(2), st("log")],
    ));
    assert!(why.contains("'lin' or 'exp'"), "{why}");
}
