//! State carry-over at a commit.

use super::*;

const CARRY_A: &str = "create osc1 sine freq=441 gain=0.5\ncreate out output\nconnect osc1 out\n";

#[test]
fn carry_over_at_a_commit_is_seamless() {
    let reg = test_registry();
    let pa = parse(&reg, CARRY_A);
    // A live change at frame 300 that is still gliding at the commit (640).
    let set = |offset| {
        ev(
            offset,
            "osc1",
            EventKind::Param {
                index: 0,
                value: 1234.5,
            },
        )
    };
    let (f1, f2) = (640usize, 1500usize);

    let mut reference = compile(&reg, &pa, 1);
    let whole = render_graph(&mut reference, &[(300, set(0))], f1 + f2, 64)[0].clone();

    let mut old = compile(&reg, &pa, 1);
    let first = render_graph(&mut old, &[(300, set(0))], f1, 64)[0].clone();
    // The commit: the patch got the set value and a new module.
    let mut pb = pa.clone();
    pb.set(&reg, "osc1", "freq", &ParamArg::Number(1234.5))
        .unwrap();
    pb.create(&reg, "osc2", "sine", &[]).unwrap();
    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    assert_eq!(new.frames(), f1 as u64);
    let second = render_graph(&mut new, &[], f2, 64)[0].clone();

    assert_eq!(&whole[..f1], &first[..]);
    for i in 0..f2 {
        assert_eq!(whole[f1 + i], second[i], "frame {}", f1 + i);
    }
}

#[test]
fn changed_parameter_glides_from_the_old_value_after_carry_over() {
    let reg = test_registry();
    // At 0 Hz and a quarter cycle the output is the gain itself.
    let pa = parse(&reg, "create s sine freq=0 phase=0.25 gain=0.5\n");
    let mut pb = pa.clone();
    pb.set(&reg, "s", "gain", &ParamArg::Number(1.0)).unwrap();
    let mut old = compile(&reg, &pa, 1);
    render_graph(&mut old, &[], 256, 64);

    let mut fresh = compile(&reg, &pb, 1);
    assert_eq!(
        render_graph(&mut fresh, &[], 1, 1)[0][0],
        1.0,
        "without carry-over it jumps"
    );

    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    let out = render_graph(&mut new, &[], 2400, 64)[0].clone();
    assert!(out[0] > 0.5 && out[0] < 0.505, "first sample {}", out[0]);
    for w in out.windows(2) {
        assert!(
            w[1] >= w[0] && w[1] - w[0] < 0.005,
            "step {} -> {}",
            w[0],
            w[1]
        );
    }
    assert!(out[2399] > 0.999, "reached {}", out[2399]);
}

#[test]
fn carry_over_skips_modules_whose_type_changed() {
    let reg = test_registry();
    let pa = parse(&reg, "create x sine\ncreate y sine freq=100\n");
    let pb = parse(&reg, "create x probe\ncreate y sine freq=100\n");
    let mut old = compile(&reg, &pa, 1);
    render_graph(&mut old, &[], 100, 64);
    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    let out = render_graph(&mut new, &[], 64, 64);
    assert!(out[0].iter().all(|x| x.is_finite()));
}

/// At a switch the new graph takes the old one's delay and reverb memory by swapping buffers:
/// it then plays exactly what a copying carry-over plays, and the retired graph no longer has
/// that history (it was moved, not copied).
#[test]
fn take_from_moves_delay_and_reverb_memory() {
    let reg = test_registry();
    let text = "create s sine freq=330 gain=0.5\ncreate d delay time=20 feedback=0.5 mix=0.5\n\
                create c chorus\ncreate k comb\ncreate r reverb mix=0.5\ncreate out output\n\
                connect s d\nconnect d c\nconnect c k\nconnect k r\nconnect r out\n";
    let p = parse(&reg, text);
    let (f1, f2) = (4000usize, 4000usize);
    let mut old = compile(&reg, &p, 1);
    let mut twin = compile(&reg, &p, 1);
    render_graph(&mut old, &[], f1, 64);
    render_graph(&mut twin, &[], f1, 64);

    let mut copied = compile(&reg, &p, 1);
    copied.carry_from(&old);
    let mut moved = compile(&reg, &p, 1);
    moved.take_from(&mut old);
    let a = render_graph(&mut copied, &[], f2, 64)[0].clone();
    let b = render_graph(&mut moved, &[], f2, 64)[0].clone();
    assert_eq!(a, b, "moving plays what copying plays");

    let lost = render_graph(&mut old, &[], 2000, 64)[0].clone();
    let kept = render_graph(&mut twin, &[], 2000, 64)[0].clone();
    assert_ne!(
        lost, kept,
        "the retired graph still has the history: it was copied"
    );
}

#[test]
fn a_switch_cuts_only_when_nothing_heard_changes() {
    let reg = test_registry();
    let a = parse(
        &reg,
        "create osc sine freq=440\ncreate f biquad cutoff=800\ncreate out output\n\
         connect osc f\nconnect f out\ncreate spare sine freq=3\n",
    );
    let num = |v: f32| ParamArg::Number(v);
    let same = |edit: &dyn Fn(&mut Patch)| {
        let mut b = a.clone();
        edit(&mut b);
        a.heard_the_same(&b, &reg)
    };
    assert!(same(&|_| {}));
    assert!(
        same(&|b| {
            b.create(&reg, "lfo", "sine", &[]).unwrap();
        }),
        "a module elsewhere"
    );
    assert!(
        same(&|b| {
            b.set(&reg, "spare", "freq", &num(5.0)).unwrap();
        }),
        "a change elsewhere"
    );
    assert!(
        same(&|b| {
            b.set(&reg, "f", "cutoff", &num(2000.0)).unwrap();
        }),
        "a smoothed value glides"
    );
    assert!(
        !same(&|b| {
            b.set(&reg, "f", "mode", &num(1.0)).unwrap();
        }),
        "a choice steps"
    );
    assert!(
        !same(&|b| b.connect(&reg, "spare", "f").unwrap()),
        "a new input of what is heard"
    );
    assert!(
        !same(&|b| b.connect(&reg, "spare", "f.cutoff").unwrap()),
        "modulation of what is heard"
    );
    assert!(
        !same(&|b| b.disconnect(&reg, "osc", "f").unwrap()),
        "a connection removed"
    );
    assert!(
        !same(&|b| b.delete("osc").unwrap()),
        "a module heard removed"
    );
    // An instrument heard: its voice template must be the same too.
    let voice = |wave: &str| {
        parse(
            &reg,
            &format!("voice lead\n  create osc {wave}\n  connect note.freq osc.freq\nend\ncreate out output\nconnect lead out\n"),
        )
    };
    assert!(voice("saw").heard_the_same(&voice("saw"), &reg));
    assert!(!voice("saw").heard_the_same(&voice("square"), &reg));
    // Without an output module every module that feeds nothing is heard.
    let bare = parse(&reg, "create osc sine freq=440\n");
    let mut more = bare.clone();
    more.create(&reg, "lfo", "sine", &[]).unwrap();
    assert!(!bare.heard_the_same(&more, &reg));
    assert!(bare.heard_the_same(&bare.clone(), &reg));
}
