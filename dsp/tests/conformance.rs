//! The conformance suite, run over every registered module type: no
//! allocation while processing, bit-identical output whatever the block
//! size, state carry-over, NaN and infinity safety, every declared
//! parameter reaching the module, and documented aliases.

mod common;

use common::*;
use dsp::{Event, EventKind, Graph, ParamArg, Patch, Registry};

// ---------------------------------------------------------------------------
// 6. Real-time safety, block-size invariance, carry-over — every module type
// ---------------------------------------------------------------------------

/// A patch around one module of `kind`: a saw feeds every input, an LFO
/// modulates every continuous parameter, and a second saw every gate-less
/// choice-free audio path; returns the graph.
fn harness(kind: &str, sr: f32) -> Graph {
    let reg = registry();
    let t = reg.find(kind).unwrap();
    let mut p = Patch::new();
    p.create(
        &reg,
        "src",
        "saw",
        &[("freq".into(), ParamArg::Number(220.0))],
    )
    .unwrap();
    p.create(
        &reg,
        "mod",
        "lfo",
        &[
            ("rate".into(), ParamArg::Number(3.0)),
            ("depth".into(), ParamArg::Number(0.1)),
        ],
    )
    .unwrap();
    create_subject(&mut p, &reg, kind);
    for port in t.spec.inputs {
        p.connect(&reg, "src.out", &format!("m.{}", port.name))
            .unwrap();
    }
    for par in t.spec.params {
        if let dsp::ParamKind::Continuous = par.kind {
            p.connect(&reg, "mod.out", &format!("m.{}", par.name))
                .unwrap();
        }
    }
    Graph::compile(&p, &reg, sr, 2).unwrap()
}

/// Adds the module under test, `m` of type `kind`, reading the `test`
/// buffer if its type reads one.
fn create_subject(p: &mut Patch, reg: &Registry, kind: &str) {
    let t = reg.find(kind).unwrap();
    let buffer = [("buffer".to_string(), ParamArg::Text("test".into()))];
    let named = if t.spec.buffer { &buffer[..] } else { &[] };
    p.create(reg, "m", kind, named).unwrap();
}

/// Events for the harness: gates, and every parameter set to a value within
/// range, at fixed absolute frames.
fn harness_events(kind: &str) -> Vec<Event> {
    let reg = registry();
    let t = reg.find(kind).unwrap();
    let mut events = Vec::new();
    for k in 0..8u32 {
        let at = 500 + k * 1700;
        events.push(ev(at, "m", EventKind::Gate(k % 2 == 0)));
        for (i, p) in t.spec.params.iter().enumerate() {
            let frac = [0.2f32, 0.8, 0.5, 0.0][k as usize % 4];
            let v = p.min + (p.max - p.min) * frac;
            let v = p.clamp(v).0;
            events.push(ev(
                at + 3 * i as u32,
                "m",
                EventKind::Param {
                    index: i as u16,
                    value: v,
                },
            ));
        }
    }
    events.sort_by_key(|e| e.offset);
    events
}

#[test]
fn no_module_allocates_while_processing() {
    for t in registry().types() {
        let kind = t.spec.name;
        let mut g = harness(kind, 48_000.0);
        let events = harness_events(kind);
        let mut l = vec![0.0f32; 64];
        let mut r = vec![0.0f32; 64];
        let mut local: Vec<Event> = Vec::with_capacity(events.len());
        assert_no_alloc::assert_no_alloc(|| {
            let mut e = 0;
            for b in 0..10_000usize {
                let start = b * 64;
                local.clear();
                while e < events.len() && (events[e].offset as usize) < start + 64 {
                    let mut x = events[e];
                    x.offset -= start as u32;
                    local.push(x);
                    e += 1;
                }
                g.process(&mut [&mut l[..], &mut r[..]], &local);
            }
        });
        assert_eq!(g.nan_resets(), 0, "{kind} produced non-finite output");
    }
}

/// Bit-identical output whatever the split into process calls (1, 37, 64
/// or 1024 frames), with parameter and gate events and audio-rate modulation.
#[test]
fn every_module_is_block_size_invariant() {
    for t in registry().types() {
        let kind = t.spec.name;
        let events = harness_events(kind);
        // One template so random generators start from the same state.
        let template = harness(kind, 48_000.0);
        let renders: Vec<Vec<Vec<f32>>> = [1usize, 37, 64, 1024]
            .iter()
            .map(|&b| {
                let mut g = harness(kind, 48_000.0);
                g.carry_from(&template);
                render_ch(&mut g, 16_000, b, &events)
            })
            .collect();
        for (k, r) in renders.iter().enumerate().skip(1) {
            for (c, (a, b)) in r.iter().zip(&renders[0]).enumerate() {
                if let Some(i) = (0..a.len()).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                    panic!(
                        "{kind}: render {k} channel {c} differs at {i}: {} vs {}",
                        a[i], b[i]
                    );
                }
            }
        }
        assert!(renders[0].iter().flatten().all(|v| v.is_finite()), "{kind}");
    }
}

#[test]
fn every_module_carries_its_state() {
    for t in registry().types() {
        let kind = t.spec.name;
        let events = harness_events(kind);
        let mut a = harness(kind, 48_000.0);
        let head = render_ch(&mut a, 7_000, 64, &events[..]);
        let _ = head;
        // Later events only, shifted to the rebuilt graph's time base.
        let later: Vec<Event> = events
            .iter()
            .filter(|e| e.offset >= 7_000 && matches!(e.kind, EventKind::Gate(_)))
            .map(|e| {
                let mut e = *e;
                e.offset -= 7_000;
                e
            })
            .collect();
        let mut b = harness(kind, 48_000.0);
        // Bring b's parameter targets to where a's are, then take a's state.
        for e in events.iter().filter(|e| e.offset < 7_000) {
            if let EventKind::Param { .. } = e.kind {
                b.apply(e);
            }
        }
        b.carry_from(&a);
        let xa = render_ch(&mut a, 9_000, 64, &later);
        let xb = render_ch(&mut b, 9_000, 64, &later);
        for (c, (p, q)) in xa.iter().zip(&xb).enumerate() {
            if let Some(i) = (0..p.len()).find(|&i| p[i] != q[i]) {
                panic!(
                    "{kind}: carried graph differs on channel {c} at {i}: {} vs {}",
                    p[i], q[i]
                );
            }
        }
    }
}

/// Test-only source: a 0.5 sine with bursts of NaN, infinity and huge values.
mod poison {
    use dsp::module::{Module, ProcessIo, Smoother};

    dsp::module_type! {
        name: "poison",
        description: "test: sine with bursts of NaN (frames 1000..1100), infinity \
                      (2000..2100, alternating sign) and ±1e30 (3000..3100)",
        inputs: [],
        outputs: [OUT = "out"],
        params: [],
        gate: false,
        build: |_| Box::new(Poison(0)),
    }

    /// Frames produced so far.
    pub struct Poison(u64);

    impl Module for Poison {
        fn params_mut(&mut self) -> &mut [Smoother] {
            &mut []
        }
        fn process(&mut self, io: &mut ProcessIo) {
            for o in &mut io.outputs[output::OUT][..io.frames] {
                let t = self.0;
                let sign = if t.is_multiple_of(2) { 1.0 } else { -1.0 };
                *o = match t {
                    1000..1100 => f32::NAN,
                    2000..2100 => sign * f32::INFINITY,
                    3000..3100 => sign * 1e30,
                    _ => 0.5 * (t as f32 * 0.05).sin(),
                };
                self.0 += 1;
            }
        }
        fn reset(&mut self) {}
        fn carry_from(&mut self, _old: &dyn Module) {}
    }
}

/// NaN, infinity and huge values on every input and every continuous
/// parameter: the patch's output stays finite, and once the bursts are over
/// every module recovers (it stops being reset) and produces finite output.
#[test]
fn every_module_survives_nan_and_infinity() {
    let mut reg = registry();
    reg.register(poison::TYPE);
    for t in registry().types() {
        let kind = t.spec.name;
        let mut p = Patch::new();
        p.create(&reg, "bad", "poison", &[]).unwrap();
        create_subject(&mut p, &reg, kind);
        for port in t.spec.inputs {
            p.connect(&reg, "bad.out", &format!("m.{}", port.name))
                .unwrap();
        }
        for par in t.spec.params {
            if let dsp::ParamKind::Continuous = par.kind {
                p.connect(&reg, "bad.out", &format!("m.{}", par.name))
                    .unwrap();
            }
        }
        let mut g = Graph::compile(&p, &reg, 48_000.0, 2).unwrap();
        let gate = [ev(0, "m", EventKind::Gate(true))];
        let head = render_ch(&mut g, 12_000, 64, &gate);
        let resets = g.nan_resets();
        let tail = render_ch(&mut g, 24_000, 64, &[]);
        assert!(
            head.iter().chain(&tail).flatten().all(|v| v.is_finite()),
            "{kind}: non-finite output reached the patch output"
        );
        assert_eq!(
            g.nan_resets(),
            resets,
            "{kind}: still producing NaN after the bursts"
        );
    }
}

/// The declaration is the module's interface: every declared parameter
/// starts at its default and a value set through the trait reaches it.
#[test]
fn every_declared_parameter_reaches_the_module() {
    for t in registry().types() {
        let mut m = t.instantiate(48_000.0);
        let spec = t.spec;
        if m.params_mut().is_empty() && spec.name == "instrument" {
            continue; // forwards its parameters to its voices (own set_param)
        }
        assert_eq!(m.params_mut().len(), spec.params.len(), "{}", spec.name);
        for (i, p) in spec.params.iter().enumerate() {
            assert_eq!(
                m.params_mut()[i].current,
                p.default,
                "{}.{}",
                spec.name,
                p.name
            );
            let v = p.clamp(p.min + (p.max - p.min) * 0.75).0;
            m.set_param_now(i, v);
            assert_eq!(m.params_mut()[i].current, v, "{}.{}", spec.name, p.name);
            m.set_param(i, p.default);
            assert_eq!(
                m.params_mut()[i].target,
                p.default,
                "{}.{}",
                spec.name,
                p.name
            );
        }
    }
}

#[test]
fn aliases_resolve() {
    let reg = registry();
    for (kind, names) in [
        ("sine", &["frequency", "freq"][..]),
        ("saw", &["frequency"]),
        ("square", &["frequency", "width"]),
        ("triangle", &["frequency"]),
        (
            "biquad_filter",
            &[
                "filter_mode",
                "freq",
                "frequency",
                "resonance",
                "cutoff",
                "q",
                "gain",
            ],
        ),
        ("pan", &["pan", "pos"]),
        ("lfo", &["rate", "depth", "offset", "shape"]),
        ("adsr", &["attack", "decay", "sustain", "release"]),
        ("ladder", &["cutoff", "resonance", "drive"]),
        ("delay", &["time", "feedback", "mix"]),
        ("distortion", &["drive", "mode", "mix"]),
        ("reverb", &["size", "damping", "mix"]),
        ("noise", &["color", "gain"]),
        ("vca", &["gain"]),
        ("mixer", &["gain1", "gain8", "gain"]),
    ] {
        let t = reg.find(kind).unwrap_or_else(|| panic!("type {kind}"));
        for n in names {
            assert!(t.spec.param_index(n).is_some(), "{kind}.{n}");
        }
    }
    let pan = reg.find("pan").unwrap().spec;
    assert_eq!(pan.output_index("l"), Some(0));
    assert_eq!(pan.output_index("r"), Some(1));
    let rv = reg.find("reverb").unwrap().spec;
    assert_eq!(rv.input_index("left"), Some(0));
    assert_eq!(rv.input_index("r"), Some(1));
    let lfo = reg.find("lfo").unwrap().spec;
    let shape = &lfo.params[lfo.param_index("shape").unwrap()];
    assert_eq!(shape.parse_value("sh"), Some(4.0));
    assert_eq!(shape.parse_value("sample_and_hold"), Some(5.0));
    let noise = reg.find("noise").unwrap().spec;
    assert_eq!(noise.params[0].parse_value("pink"), Some(1.0));
    let bq = reg.find("biquad").unwrap().spec;
    assert_eq!(bq.params[0].parse_value("notch"), Some(3.0));
    // Every module and parameter is documented and every default in range.
    for t in reg.types() {
        assert!(!t.spec.description.is_empty());
        for p in t.spec.params {
            assert!(
                p.min <= p.default && p.default <= p.max,
                "{}.{}",
                t.spec.name,
                p.name
            );
        }
    }
}
