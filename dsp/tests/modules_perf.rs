//! Throughput of the module set in a typical polyphonic patch. Ignored by
//! default; run in release:
//! `cargo test -p dsp --release --test modules_perf -- --ignored --nocapture`

use dsp::{Event, EventKind, Graph, Name, ParamArg, Patch, Registry};
use std::time::Instant;

const VOICES: usize = 64;

/// 64 voices of saw → ladder → vca, each vca's cv from an adsr (or, with
/// `env_inline`, saw → ladder → adsr(in) → vca), all summed into `output`.
fn voices(env_inline: bool, modulated_cutoff: bool) -> (Graph, Vec<Event>) {
    let reg = Registry::standard();
    let mut p = Patch::new();
    let n = |v: f32| ParamArg::Number(v);
    p.create(&reg, "out", "output", &[]).unwrap();
    if modulated_cutoff {
        p.create(
            &reg,
            "wob",
            "lfo",
            &[("rate".into(), n(3.0)), ("depth".into(), n(400.0))],
        )
        .unwrap();
    }
    let mut events = Vec::new();
    for v in 0..VOICES {
        let f = 55.0 * (1.0 + v as f32 * 0.037);
        p.create(&reg, &format!("s{v}"), "saw", &[("freq".into(), n(f))])
            .unwrap();
        p.create(
            &reg,
            &format!("l{v}"),
            "ladder",
            &[
                ("cutoff".into(), n(900.0 + v as f32 * 13.0)),
                ("resonance".into(), n(0.5)),
            ],
        )
        .unwrap();
        p.create(&reg, &format!("e{v}"), "adsr", &[("attack".into(), n(5.0))])
            .unwrap();
        p.create(&reg, &format!("a{v}"), "vca", &[("gain".into(), n(0.1))])
            .unwrap();
        p.connect(&reg, &format!("s{v}"), &format!("l{v}.in"))
            .unwrap();
        if env_inline {
            p.connect(&reg, &format!("l{v}"), &format!("e{v}.in"))
                .unwrap();
            p.connect(&reg, &format!("e{v}"), &format!("a{v}.in"))
                .unwrap();
        } else {
            p.connect(&reg, &format!("l{v}"), &format!("a{v}.in"))
                .unwrap();
            p.connect(&reg, &format!("e{v}"), &format!("a{v}.cv"))
                .unwrap();
        }
        p.connect(&reg, &format!("a{v}"), "out.in1").unwrap();
        if modulated_cutoff {
            p.connect(&reg, "wob", &format!("l{v}.cutoff")).unwrap();
        }
        events.push(Event {
            offset: 0,
            module: Name::new(&format!("e{v}")).unwrap(),
            kind: EventKind::Gate(true),
        });
    }
    (Graph::compile(&p, &reg, 48_000.0, 2).unwrap(), events)
}

fn bench(label: &str, env_inline: bool, modulated_cutoff: bool) {
    let (mut g, events) = voices(env_inline, modulated_cutoff);
    let mut l = vec![0.0f32; 256];
    let mut r = vec![0.0f32; 256];
    g.process(&mut [&mut l[..], &mut r[..]], &events);
    let blocks = 48_000 * 5 / 256;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..blocks {
            g.process(&mut [&mut l[..], &mut r[..]], &[]);
        }
        let ns = t.elapsed().as_nanos() as f64 / (blocks * 256 * VOICES) as f64;
        best = best.min(ns);
    }
    assert!(l.iter().all(|v| v.is_finite()));
    println!("{label}: {best:.2} ns per voice-sample");
}

#[test]
#[ignore]
fn voice_throughput() {
    bench("saw->ladder->vca, adsr->vca.cv", false, false);
    bench("saw->ladder->adsr(in)->vca", true, false);
    bench(
        "saw->ladder->vca, adsr cv, lfo on every cutoff",
        false,
        true,
    );
}

/// Per-module cost, one module alone fed by nothing (or a saw).
#[test]
#[ignore]
fn module_costs() {
    let reg = Registry::standard();
    for t in reg.types() {
        let mut p = Patch::new();
        let copies = 32;
        p.create(&reg, "src", "saw", &[]).unwrap();
        for c in 0..copies {
            let id = format!("m{c}");
            p.create(&reg, &id, t.spec.name, &[]).unwrap();
            for port in t.spec.inputs {
                p.connect(&reg, "src", &format!("{id}.{}", port.name))
                    .unwrap();
            }
        }
        let mut g = Graph::compile(&p, &reg, 48_000.0, 2).unwrap();
        let mut l = vec![0.0f32; 256];
        let mut r = vec![0.0f32; 256];
        let blocks = 48_000 / 256;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t0 = Instant::now();
            for _ in 0..blocks {
                g.process(&mut [&mut l[..], &mut r[..]], &[]);
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / (blocks * 256 * copies) as f64);
        }
        println!(
            "{:<12} {best:6.2} ns/sample (incl. graph overhead)",
            t.spec.name
        );
    }
}

/// Per-module cost with every continuous parameter modulated by an LFO.
#[test]
#[ignore]
fn modulated_costs() {
    let reg = Registry::standard();
    for t in reg.types() {
        let mut p = Patch::new();
        let copies = 32;
        p.create(&reg, "src", "saw", &[]).unwrap();
        p.create(
            &reg,
            "wob",
            "lfo",
            &[
                ("rate".into(), ParamArg::Number(5.0)),
                ("depth".into(), ParamArg::Number(0.01)),
            ],
        )
        .unwrap();
        for c in 0..copies {
            let id = format!("m{c}");
            p.create(&reg, &id, t.spec.name, &[]).unwrap();
            for port in t.spec.inputs {
                p.connect(&reg, "src", &format!("{id}.{}", port.name))
                    .unwrap();
            }
            for par in t.spec.params {
                if let dsp::ParamKind::Continuous = par.kind {
                    p.connect(&reg, "wob", &format!("{id}.{}", par.name))
                        .unwrap();
                }
            }
        }
        let mut g = Graph::compile(&p, &reg, 48_000.0, 2).unwrap();
        let mut l = vec![0.0f32; 256];
        let mut r = vec![0.0f32; 256];
        let blocks = 48_000 / 256;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t0 = Instant::now();
            for _ in 0..blocks {
                g.process(&mut [&mut l[..], &mut r[..]], &[]);
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / (blocks * 256 * copies) as f64);
        }
        println!(
            "{:<12} {best:6.2} ns/sample modulated (incl. graph overhead)",
            t.spec.name
        );
    }
}
