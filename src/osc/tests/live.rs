//! Live changes and bundle timing: `/mod`, `/gate`, timed and late bundles.

use super::*;

#[test]
fn mod_and_gate_answer_only_failures() {
    let mut r = Rig::new();
    r.playing();
    assert!(r
        .send(m("/mod/osc1/freq", vec![OscType::Int(300)]))
        .is_empty());
    assert!(r
        .send(m("/mod/osc1/frequency", vec![OscType::Float(310.0)]))
        .is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Set("osc1".into(), "freq".into(), 300.0, None),
            Did::Set("osc1".into(), "freq".into(), 310.0, None)
        ]
    );
    // Recorded in pending too.
    assert_eq!(
        r.b.pending.param_value(&r.b.reg, "osc1", "freq").unwrap(),
        310.0
    );
    let (a, why) = r.fails(m("/mod/osc1/nope", vec![OscType::Int(1)]));
    assert_eq!(a, "/mod/osc1/nope");
    assert!(why.contains("nope") && why.contains("osc1"), "{why}");
    let (_, why) = r.fails(m("/mod/ghost/freq", vec![OscType::Int(1)]));
    assert!(why.contains("ghost"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1/freq", vec![st("fast")]));
    assert!(why.contains("fast"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1/freq", vec![]));
    assert!(why.contains("expected 1 argument, got 0"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1", vec![OscType::Int(1)]));
    assert!(why.contains("/mod/ID/PARAM"), "{why}");
    // A module only in pending gets a hint.
    r.ok(m("/patch/create", vec![st("later"), st("sine")]));
    let (_, why) = r.fails(m("/mod/later/freq", vec![OscType::Int(1)]));
    assert!(why.contains("pending"), "{why}");

    r.b.did.clear();
    for (arg, on) in [
        (OscType::Int(1), true),
        (OscType::Int(0), false),
        (OscType::Float(1.0), true),
        (OscType::Float(0.0), false),
        (st("on"), true),
        (st("off"), false),
        (st("true"), true),
        (st("false"), false),
        (OscType::Bool(true), true),
        (OscType::Bool(false), false),
    ] {
        assert!(r.send(m("/gate/env", vec![arg])).is_empty());
        assert_eq!(r.b.did.pop(), Some(Did::Gate("env".into(), on, None)));
    }
    let (_, why) = r.fails(m("/gate/osc1", vec![OscType::Int(1)]));
    assert!(why.contains("no gate"), "{why}");
    let (_, why) = r.fails(m("/gate/env", vec![st("maybe")]));
    assert!(why.contains("maybe"), "{why}");
}

#[test]
fn bundle_frames_keep_exact_spacing() {
    let mut r = Rig::new();
    r.playing();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        // Any start time between 0.5 and 1.5 s ahead, at NTP resolution.
        let t0 = r.b.now + 0.5 + (xorshift(&mut seed) % 1_000_000) as f64 / 1e6;
        r.b.anchor.1 = (xorshift(&mut seed) % 1_000_000_000) as f64;
        r.b.anchor.0 = r.b.now;
        r.b.rendered = r.b.anchor.1 as u64;
        r.b.did.clear();
        let p = bundle(
            to_timetag(t0),
            vec![
                bundle(to_timetag(t0), vec![m("/gate/env", vec![OscType::Int(1)])]),
                bundle(
                    to_timetag(t0 + 0.010),
                    vec![m("/gate/env", vec![OscType::Int(0)])],
                ),
            ],
        );
        assert!(r.send(p).is_empty());
        let frames: Vec<u64> =
            r.b.did
                .iter()
                .map(|d| match d {
                    Did::Gate(_, _, Some(f)) => *f,
                    other => panic!("{other:?}"),
                })
                .collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1] - frames[0], 480);
    }
    assert_eq!(r.d.late_bundles(), 0);
}

#[test]
fn timed_commit_and_mod_use_the_bundle_frame() {
    let mut r = Rig::new();
    r.playing();
    let t = r.b.now + 1.0;
    let expect = r.b.frame_at(t);
    r.ok(m(
        "/patch/set",
        vec![st("osc1"), st("freq"), OscType::Int(500)],
    ));
    let p = bundle(
        to_timetag(t),
        vec![
            m("/patch/commit", vec![]),
            m("/mod/osc1/gain", vec![OscType::Float(0.1)]),
        ],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Commit(Some(expect)),
            Did::Set("osc1".into(), "gain".into(), 0.1, Some(expect))
        ]
    );
    // "Immediately" is not late.
    r.b.did.clear();
    let p = bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        vec![m("/gate/env", vec![OscType::Int(1)])],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(r.b.did, vec![Did::Gate("env".into(), true, None)]);
    assert_eq!(r.d.late_bundles(), 0);
}

#[test]
fn late_bundles_apply_at_once_and_are_reported() {
    let mut r = Rig::new();
    r.playing();
    assert_eq!(
        r.send_from(other(), m("/notify", vec![OscType::Int(1)])),
        vec![(
            other(),
            OscMessage {
                addr: "/done".into(),
                args: vec![st("/notify")]
            }
        )]
    );
    // In the past.
    let p = bundle(
        to_timetag(r.b.now - 0.5),
        vec![
            m("/gate/env", vec![OscType::Int(1)]),
            m("/gate/env", vec![OscType::Int(0)]),
        ],
    );
    let replies = r.send_from(client(), p);
    assert_eq!(
        r.b.did,
        vec![
            Did::Gate("env".into(), true, None),
            Did::Gate("env".into(), false, None)
        ]
    );
    assert_eq!(replies.len(), 1, "one /late per bundle: {replies:?}");
    assert_eq!(replies[0].0, other());
    assert_eq!(replies[0].1.addr, "/late");
    match replies[0].1.args[..] {
        [OscType::Float(s), OscType::String(ref a)] => {
            assert!((s - 0.5).abs() < 0.01, "{s}");
            assert_eq!(a, "/gate/env");
        }
        ref other => panic!("{other:?}"),
    }
    // In the future but already rendered.
    r.b.did.clear();
    let t = r.b.now + 0.001;
    r.b.rendered = r.b.frame_at(t) + 100;
    let p = bundle(
        to_timetag(t),
        vec![m("/mod/osc1/freq", vec![OscType::Int(1)])],
    );
    let replies = r.send_from(client(), p);
    assert_eq!(replies.len(), 1);
    assert_eq!(
        r.b.did,
        vec![Did::Set("osc1".into(), "freq".into(), 1.0, None)]
    );
    assert_eq!(r.d.late_bundles(), 2);
    // /status adds late bundles to the workers' late renders.
    let s = r.send(m("/status", vec![]));
    let st = StatusReply::decode(&s[0]).unwrap();
    assert_eq!(st.late, 4 + 2);
    assert_eq!(st.active_slot, 1);
    assert_eq!(st.modules, 3);
    assert_eq!(st.sample_rate, 48_000.0);
    assert_eq!(st.buffer_size, 256);
    assert_eq!(st.lead, 2);
    // Far future is refused.
    let (_, why) = r.fails(bundle(
        to_timetag(r.b.now + 7200.0),
        vec![m("/gate/env", vec![OscType::Int(1)])],
    ));
    assert!(why.contains("ahead"), "{why}");
}

/// `/record/start NAME overwrite` replaces an existing file; without the word
/// the same name is refused, and any other second word is a usage error.
#[test]
fn record_start_overwrites_only_when_asked() {
    let mut r = Rig::new();
    let path = r.dir.join("recordings").join("take.wav");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"old").unwrap();
    let (_, why) = r.fails(m("/record/start", vec![st("take")]));
    assert!(why.contains("exists"), "{why}");
    let (_, why) = r.fails(m("/record/start", vec![st("take"), st("please")]));
    assert!(why.contains("overwrite"), "{why}");
    r.ok(m("/record/start", vec![st("take"), st("overwrite")]));
    assert_eq!(r.b.recording.as_deref(), Some(path.as_path()));
}
