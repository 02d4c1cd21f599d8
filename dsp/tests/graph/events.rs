//! Events at their exact offset; denormals.

use super::*;

#[test]
fn events_take_effect_at_their_exact_offset() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create s sine freq=0 phase=0.25 gain=0.5\ncreate pr probe\ncreate out output\n\
         connect s out.in1\nconnect pr out.in2\n",
    );
    let mut g = compile(&reg, &p, 2);
    let phase = |v| EventKind::Param { index: 2, value: v };
    // 150 frames: longer than MAX_BLOCK, so the graph splits the block too.
    let events = [
        ev(17, "s", phase(0.75)),
        ev(33, "pr", EventKind::Gate(true)),
        ev(101, "pr", EventKind::Gate(false)),
        ev(129, "s", phase(0.25)),
    ];
    let mut l = vec![9.0f32; 150];
    let mut r = vec![9.0f32; 150];
    g.process(&mut [&mut l[..], &mut r[..]], &events);
    for i in 0..150 {
        let want = if (17..129).contains(&i) { -0.5 } else { 0.5 };
        assert!((l[i] - want).abs() < 1e-6, "frame {i}: {}", l[i]);
        let gate = if (33..101).contains(&i) { 1.0 } else { 0.0 };
        assert_eq!(r[i], gate, "frame {i}");
    }
    // Events at or past the end of the block apply after it.
    g.process(
        &mut [&mut l[..10], &mut r[..10]],
        &[ev(10, "pr", EventKind::Gate(true))],
    );
    assert!(r[..10].iter().all(|&x| x == 0.0));
    g.process(&mut [&mut l[..10], &mut r[..10]], &[]);
    assert!(r[..10].iter().all(|&x| x == 1.0));
    assert_eq!(g.frames(), 170);
    // Events for absent modules or parameters are counted, not fatal.
    assert_eq!(g.missed_events(), 0);
    g.apply(&ev(0, "ghost", EventKind::Gate(true)));
    g.apply(&ev(
        0,
        "s",
        EventKind::Param {
            index: 9,
            value: 1.0,
        },
    ));
    assert_eq!(g.missed_events(), 2);
    // Out-of-range values are clamped.
    g.apply(&ev(0, "s", phase(7.0)));
    g.process(&mut [&mut l[..1], &mut r[..1]], &[]);
    assert!(
        (l[0] - 0.0).abs() < 1e-6,
        "phase clamped to 1.0: sin(2π) = 0, got {}",
        l[0]
    );
}

#[cfg(target_arch = "x86_64")]
#[test]
fn denormals_are_flushed_while_processing() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create pr probe\ncreate out output\nconnect pr.ftz out\n",
    );
    let mut g = compile(&reg, &p, 1);
    let out = render_graph(&mut g, &[], 64, 64);
    assert!(out[0].iter().all(|&x| x == 1.0));
    // ... and the mode is restored afterwards.
    let tiny = std::hint::black_box(1e-30f32) * std::hint::black_box(1e-10f32);
    assert!(tiny != 0.0);
}
