//! No allocation while processing.

use super::*;

const VOICES: usize = 64;

/// 64 voices of a sine whose pitch a slower sine wobbles, all into `out`.
fn sine_voices(reg: &Registry) -> Patch {
    let mut t = String::from("create out output\n");
    for v in 0..VOICES {
        t += &format!(
            "create lfo{v} sine freq={} gain=3\ncreate osc{v} sine freq={} gain=0.01\n\
             connect lfo{v} osc{v}.freq\nconnect osc{v} out\n",
            1 + v % 7,
            110 + 10 * v
        );
    }
    parse(reg, &t)
}

/// 64 voices of saw → ladder → adsr → vca, summed into `out`.
fn synth_voices(reg: &Registry) -> Patch {
    let mut t = String::from("create out output\n");
    for v in 0..VOICES {
        t += &format!(
            "create osc{v} saw freq={}\ncreate flt{v} ladder\ncreate env{v} adsr\n\
             create amp{v} vca gain=0.1\n\
             connect osc{v} flt{v}\nconnect flt{v} env{v}\nconnect env{v} amp{v}\n\
             connect amp{v} out\n",
            55 + 5 * v
        );
    }
    parse(reg, &t)
}

/// Processes 10,000 blocks of 64 frames with parameter and gate events in
/// every block, inside `assert_no_alloc` (which aborts the test binary on
/// any allocation or deallocation in a debug build).
fn run_without_allocating(reg: &Registry, p: &Patch, param_module: &str, gate_module: &str) {
    let mut g = compile(reg, p, 2);
    let mut l = vec![0.0f32; 64];
    let mut r = vec![0.0f32; 64];
    let mut events = Vec::with_capacity(8);
    let param = Name::new(param_module).unwrap();
    let gate = Name::new(gate_module).unwrap();
    let spec = g.spec_of(g.find(&param).unwrap());
    let freq = spec.param_index("freq").unwrap_or(0) as u16;
    let max = spec.params[freq as usize].max.min(1000.0);
    let mut peak = 0.0f32;
    assert_no_alloc(|| {
        for b in 0..10_000u32 {
            events.clear();
            events.push(Event {
                offset: b % 61,
                module: param,
                kind: EventKind::Param {
                    index: freq,
                    value: (b % 50) as f32 / 50.0 * max,
                },
            });
            events.push(Event {
                offset: 61 + b % 3,
                module: gate,
                kind: EventKind::Gate(b % 40 < 30),
            });
            g.process(&mut [&mut l[..], &mut r[..]], &events);
            peak = l.iter().fold(peak, |m, x| m.max(x.abs()));
        }
    });
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
    assert!(peak > 0.0, "the patch made sound");
    assert_eq!(g.frames(), 640_000);
    assert_eq!(g.missed_events(), 0);
}

#[test]
fn no_allocation_processing_64_sine_voices_with_events() {
    let reg = test_registry();
    run_without_allocating(&reg, &sine_voices(&reg), "osc5", "osc9");
}

#[test]
fn no_allocation_processing_64_synth_voices_with_events() {
    let reg = test_registry();
    run_without_allocating(&reg, &synth_voices(&reg), "flt3", "env7");
}

#[test]
fn no_allocation_in_carry_from_and_apply() {
    let reg = test_registry();
    let pa = sine_voices(&reg);
    let mut pb = pa.clone();
    pb.create(&reg, "extra", "sine", &[]).unwrap();
    pb.set(&reg, "osc3", "gain", &ParamArg::Number(0.5))
        .unwrap();
    let mut old = compile(&reg, &pa, 2);
    render_graph(&mut old, &[], 256, 64);
    let mut new = compile(&reg, &pb, 2);
    let e = ev(
        0,
        "osc3",
        EventKind::Param {
            index: 0,
            value: 220.0,
        },
    );
    let missing = ev(0, "nobody", EventKind::Gate(true));
    let mut taker = compile(&reg, &pb, 2);
    assert_no_alloc(|| {
        new.carry_from(&old);
        taker.take_from(&mut old);
        new.apply(&e);
        new.apply(&missing);
        let _ = new.find(&e.module);
    });
    assert_eq!(new.frames(), 256);
    assert_eq!(new.missed_events(), 1);
}
