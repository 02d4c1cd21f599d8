//! Time tags: each timed item's frame comes from its own tag, nested bundles
//! included; tags in the past apply at once (late), tags beyond the horizon
//! are refused, "immediately" is immediate.

use super::*;

/// NTP time 1 s after 1900-01-01: far in the past.
const IN_1900: OscTime = OscTime {
    seconds: 1,
    fractional: 0,
};

const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

#[test]
fn a_bundle_from_1900_nesting_one_for_now_plus_100ms_commits_at_now_plus_100ms() {
    let mut r = Rig::new();
    r.playing();
    let t = r.b.now + 0.1;
    let expect = r.b.frame_at(t);
    let p = bundle(
        IN_1900,
        vec![
            m("/mod/osc1/gain", vec![OscType::Float(0.2)]),
            bundle(to_timetag(t), vec![m("/patch/commit", vec![])]),
            bundle(IMMEDIATELY, vec![m("/gate/env", vec![OscType::Int(1)])]),
        ],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Set("osc1".into(), "gain".into(), 0.2, None),
            Did::Commit(Some(expect)),
            Did::Gate("env".into(), true, None),
        ]
    );
    assert_eq!(r.d.late_bundles(), 1, "the 1900 bundle is late, once");
}

#[test]
fn nested_future_bundles_keep_their_own_spacing_inside_an_immediate_one() {
    let mut r = Rig::new();
    r.playing();
    let t = r.b.now + 2.0;
    let f0 = r.b.frame_at(r.b.now);
    let p = bundle(
        IMMEDIATELY,
        vec![
            bundle(
                to_timetag(t + 0.01),
                vec![m("/gate/env", vec![OscType::Int(0)])],
            ),
            bundle(
                to_timetag(t),
                vec![bundle(IN_1900, vec![m("/gate/env", vec![OscType::Int(1)])])],
            ),
        ],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Gate("env".into(), false, Some(f0 + 96_480)),
            Did::Gate("env".into(), true, None),
        ]
    );
}

#[test]
fn tags_beyond_the_horizon_are_refused_and_it_can_be_set() {
    let mut r = Rig::new();
    r.playing();
    let in_2100 = to_timetag(4_102_444_800.0);
    let (addr, why) = r.fails(bundle(in_2100, vec![m("/patch/commit", vec![])]));
    assert_eq!(addr, "/patch/commit");
    assert!(why.contains("--max-ahead"), "{why}");
    let (_, why) = r.fails(bundle(
        to_timetag(r.b.now + 61.0),
        vec![m("/gate/env", vec![OscType::Int(1)])],
    ));
    assert!(why.contains("at most 60 s"), "{why}");
    assert!(r
        .send(bundle(
            to_timetag(r.b.now + 59.0),
            vec![m("/gate/env", vec![OscType::Int(1)])],
        ))
        .is_empty());
    r.d.set_max_ahead(3600.0);
    assert!(r
        .send(bundle(
            to_timetag(r.b.now + 600.0),
            vec![m("/gate/env", vec![OscType::Int(1)])],
        ))
        .is_empty());
    assert_eq!(r.b.did.len(), 2, "{:?}", r.b.did);
    assert!(r
        .b
        .did
        .iter()
        .all(|d| matches!(d, Did::Gate(_, true, Some(_)))));
}
