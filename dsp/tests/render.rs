//! Offline rendering: the events file format, event resolution, and the
//! same samples whatever the block size.

mod common;

use dsp::module::{same_type, Module, ProcessIo, Smoother};
use dsp::registry::ModuleType;
use dsp::render::{parse_events, render, render_graph, resolve_events, TimedEvent, TimedKind};
use dsp::spec::{ModuleSpec, ParamKind, PortSpec};
use dsp::{EventKind, Graph, ParamArg, Patch, PatchError, Registry};

const SR: f32 = 48000.0;
const BLOCKS: [usize; 4] = [1, 37, 64, 1024];
/// Module types that seed their random generator per instance (so two
/// graphs built from one patch sound different, by design).
const SEEDED_PER_INSTANCE: &[&str] = &["noise"];

/// Test-only module with a gate: outputs the gate (0/1) plus its input.
static PROBE_SPEC: ModuleSpec = ModuleSpec {
    name: "probe",
    aliases: &[],
    description: "test: out = gate + in",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out")],
    params: &[],
    gate: true,
    buffer: false,
};

struct Probe(bool);

impl Module for Probe {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _: usize, _: f32) {}
    fn set_gate(&mut self, on: bool) {
        self.0 = on;
    }
    fn process(&mut self, io: &mut ProcessIo) {
        let g = if self.0 { 1.0 } else { 0.0 };
        for i in 0..io.frames {
            io.outputs[0][i] = g + io.inputs[0][i];
        }
    }
    fn reset(&mut self) {}
    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Probe>(old) {
            self.0 = o.0;
        }
    }
}

/// The standard types (with the `test` sample buffer) and the probe.
fn reg() -> Registry {
    let mut r = common::registry();
    r.register(ModuleType {
        spec: &PROBE_SPEC,
        build: |_| Box::new(Probe(false)),
    });
    r
}

fn parse(reg: &Registry, text: &str) -> Patch {
    let (p, w) = Patch::parse(reg, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(w.is_empty(), "{w:?}");
    p
}

/// Largest difference between two renders.
fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).map(|(p, q)| (p - q).abs())
        })
        .fold(0.0, f32::max)
}

#[test]
fn block_size_does_not_change_the_samples() {
    let reg = reg();
    let p = parse(
        &reg,
        "create lfo sine freq=3 gain=4\n\
         create osc sine freq=300 gain=0.4\n\
         create am sine freq=45 gain=0.1\n\
         create pr probe\n\
         create out output\n\
         connect lfo osc.freq\nconnect am osc.gain\n\
         connect osc out.in1\nconnect osc pr\nconnect pr out.in2\n",
    );
    let events = parse_events(
        "0.0021 set osc freq 523.25\n\
         0.0162 set osc gain 0.1\n\
         0.0208 gate pr on\n\
         0.0208 set lfo freq 7\n\
         0.0420 set osc phase 0.5\n\
         0.0427 gate pr off\n\
         0.0694 set am gain 0.3\n\
         0.0695 gate pr 1\n\
         0.0696 gate pr 0\n",
        SR,
    )
    .unwrap();
    let frames = 4800;
    let reference = render(&p, &reg, &events, SR, 2, frames, BLOCKS[0]).unwrap();
    assert!(reference[1].iter().any(|&x| x > 1.0), "the gate was heard");
    for block in &BLOCKS[1..] {
        let out = render(&p, &reg, &events, SR, 2, frames, *block).unwrap();
        let d = max_diff(&reference, &out);
        assert!(d <= 1e-6, "block {block}: max difference {d}");
    }
}

/// Every built-in module type, fed by a sine on each input, a slow sine on
/// its first continuous parameter, with parameter changes (and gates) at
/// odd frames: the samples do not depend on the block size, and two renders
/// are identical.
#[test]
fn block_size_does_not_change_any_module_type() {
    let reg = reg();
    let mut failures = Vec::new();
    let mut tested = Vec::new();
    for t in Registry::standard().types() {
        let spec = t.spec;
        if spec.name == "output" {
            continue;
        }
        let buffer = if spec.buffer { " buffer=test" } else { "" };
        let mut text = format!(
            "create src sine freq=220 gain=0.8\ncreate slow sine freq=3 gain=0.5\ncreate m {}{buffer}\n",
            spec.name
        );
        for input in spec.inputs {
            text += &format!("connect src m.{}\n", input.name);
        }
        let continuous: Vec<_> = spec
            .params
            .iter()
            .filter(|p| p.kind == ParamKind::Continuous)
            .collect();
        if let Some(p) = continuous.first() {
            text += &format!("connect slow m.{}\n", p.name);
        }
        let p = parse(&reg, &text);
        let mut events = Vec::new();
        let mut frame = 113;
        for ps in spec.params {
            let value = match ps.kind {
                ParamKind::Continuous => ps.min + (ps.max - ps.min) * 0.3,
                ParamKind::Choice(c) => (c.len() - 1).min(1) as f32,
            };
            events.push(TimedEvent::set(frame, "m", ps.name, value));
            frame += 211;
        }
        if spec.gate {
            for (k, f) in [97u64, 1500, 1501, 2222, 3001, 4100].iter().enumerate() {
                events.push(TimedEvent::gate(*f, "m", k % 2 == 0));
            }
        }
        let frames = 4800;
        // Each render starts from the state of one freshly built graph (via
        // carry-over), so types seeded per instance (noise) compare too.
        let (resolved, _) = resolve_events(&p, &reg, &events).unwrap();
        let start = Graph::compile(&p, &reg, SR, 2).unwrap();
        let run = |block: usize| {
            let mut g = Graph::compile(&p, &reg, SR, 2).unwrap();
            g.carry_from(&start);
            render_graph(&mut g, &resolved, frames, block)
        };
        let reference = run(BLOCKS[0]);
        if reference.iter().flatten().any(|x| !x.is_finite()) {
            failures.push(format!("{}: output not finite", spec.name));
        }
        if reference.iter().flatten().all(|&x| x == 0.0) {
            failures.push(format!("{}: silent", spec.name));
        }
        for block in &BLOCKS[1..] {
            let d = max_diff(&reference, &run(*block));
            if d > 1e-6 {
                failures.push(format!(
                    "{}: block {block} differs from block 1 by {d}",
                    spec.name
                ));
            }
        }
        // Two plain renders are identical, except for types that seed a
        // random generator per instance on purpose.
        let a = render(&p, &reg, &events, SR, 2, frames, 64).unwrap();
        let b = render(&p, &reg, &events, SR, 2, frames, 64).unwrap();
        if max_diff(&a, &b) != 0.0 && !SEEDED_PER_INSTANCE.contains(&spec.name) {
            failures.push(format!("{}: two renders differ", spec.name));
        }
        tested.push(spec.name);
    }
    eprintln!("tested: {tested:?}");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn events_file_is_read_with_comments_and_aliases() {
    let text = "\
# time  what  module  ...

0.5   set  osc1 freq 220
0.5   gate env on        # trailing comment
1.25  gate env off
1     gate env 1
2     set  filt mode=highpass
0     gate env 0
";
    let ev = parse_events(text, SR).unwrap();
    assert_eq!(
        ev,
        vec![
            TimedEvent {
                frame: 24000,
                module: "osc1".into(),
                kind: TimedKind::Set {
                    param: "freq".into(),
                    value: ParamArg::Text("220".into())
                }
            },
            TimedEvent::gate(24000, "env", true),
            TimedEvent::gate(60000, "env", false),
            TimedEvent::gate(48000, "env", true),
            TimedEvent {
                frame: 96000,
                module: "filt".into(),
                kind: TimedKind::Set {
                    param: "mode".into(),
                    value: ParamArg::Text("highpass".into())
                }
            },
            TimedEvent::gate(0, "env", false),
        ]
    );
}

#[test]
fn events_file_errors_name_the_line() {
    let cases = [
        ("0 set a freq 1\nsoon set a freq 1\n", 2, "bad time"),
        ("\n\n-1 set a freq 1\n", 3, "bad time"),
        ("inf set a freq 1\n", 1, "bad time"),
        ("# ok\n1 jump a\n", 2, "unknown event"),
        ("1 gate a maybe\n", 1, "bad gate"),
        ("1 gate a\n", 1, "wrong number"),
        ("1 set a freq\n", 1, "missing value"),
        ("1 set a freq 1 2\n", 1, "wrong number"),
        ("1 set\n", 1, "incomplete"),
        ("1 set a/b freq 1\n", 1, "bad module name"),
    ];
    for (text, line, needle) in cases {
        match parse_events(text, SR) {
            Err(PatchError::Parse { line: l, message }) => {
                assert_eq!(l, line, "{text:?}: {message}");
                assert!(message.contains(needle), "{text:?}: {message}");
            }
            other => panic!("{text:?}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn events_resolve_against_the_patch() {
    let reg = reg();
    let p = parse(&reg, "create osc sine\ncreate pr probe\n");
    let (ev, warnings) = resolve_events(
        &p,
        &reg,
        &[
            TimedEvent::set(50, "osc", "frequency", 30000.0),
            TimedEvent::gate(10, "pr", true),
            TimedEvent::set(10, "osc", "gain", 0.25),
        ],
    )
    .unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("osc.freq"));
    let frames: Vec<u64> = ev.iter().map(|(f, _)| *f).collect();
    assert_eq!(frames, [10, 10, 50], "sorted, stable");
    assert_eq!(ev[0].1.kind, EventKind::Gate(true));
    assert_eq!(
        ev[1].1.kind,
        EventKind::Param {
            index: 1,
            value: 0.25
        }
    );
    assert_eq!(
        ev[2].1.kind,
        EventKind::Param {
            index: 0,
            value: 20000.0
        }
    );
    assert_eq!(ev[2].1.module.as_str(), "osc");

    let err = |e: TimedEvent| resolve_events(&p, &reg, &[e]).unwrap_err();
    assert_eq!(
        err(TimedEvent::gate(0, "ghost", true)),
        PatchError::UnknownModule("ghost".into())
    );
    assert!(matches!(
        err(TimedEvent::set(0, "osc", "q", 1.0)),
        PatchError::UnknownParam { .. }
    ));
    assert_eq!(
        err(TimedEvent::gate(0, "osc", true)),
        PatchError::NoGate("osc".into())
    );
    let bad = TimedEvent {
        frame: 0,
        module: "osc".into(),
        kind: TimedKind::Set {
            param: "freq".into(),
            value: ParamArg::Text("high".into()),
        },
    };
    assert!(matches!(err(bad), PatchError::BadValue { .. }));
    // render() reports the same errors.
    assert!(render(&p, &reg, &[TimedEvent::gate(0, "osc", true)], SR, 1, 10, 64).is_err());
}

#[test]
fn render_matches_processing_by_hand() {
    let reg = reg();
    let p = parse(
        &reg,
        "create osc sine freq=0 phase=0.25 gain=0.5\ncreate pr probe\n",
    );
    let events = [
        TimedEvent::set(70, "osc", "phase", 0.75),
        TimedEvent::gate(130, "pr", true),
        TimedEvent::gate(5000, "pr", false), // past the end: ignored
    ];
    let out = render(&p, &reg, &events, SR, 3, 200, 64).unwrap();
    assert_eq!(out.len(), 3);
    for ch in &out {
        assert_eq!(ch.len(), 200);
        for (i, &x) in ch.iter().enumerate() {
            let want = if i < 70 { 0.5 } else { -0.5 } + if i >= 130 { 1.0 } else { 0.0 };
            assert!((x - want).abs() < 1e-6, "frame {i}: {x}");
        }
    }
    // The same through render_graph on a graph compiled by hand.
    let mut g = Graph::compile(&p, &reg, SR, 3).unwrap();
    let (resolved, _) = resolve_events(&p, &reg, &events).unwrap();
    assert_eq!(render_graph(&mut g, &resolved, 200, 64), out);
    assert_eq!(g.frames(), 200);
    // Zero frames, zero-sized blocks.
    assert_eq!(
        render(&p, &reg, &[], SR, 1, 0, 64).unwrap(),
        vec![Vec::<f32>::new()]
    );
    assert_eq!(render(&p, &reg, &[], SR, 1, 5, 0).unwrap()[0].len(), 5);
}

#[test]
fn noise_renders_the_same_twice_and_differs_per_id() {
    let reg = Registry::standard();
    let text = "create n1 noise\ncreate n2 noise color=pink\n";
    let (p, _) = Patch::parse(&reg, text).expect("patch");
    let a = render(&p, &reg, &[], 48000.0, 1, 4800, 64).expect("render");
    let b = render(&p, &reg, &[], 48000.0, 1, 4800, 64).expect("render");
    assert_eq!(a, b, "same patch, same samples");
    let (q, _) = Patch::parse(&reg, "create n1 noise\n").expect("patch");
    let (r, _) = Patch::parse(&reg, "create n9 noise\n").expect("patch");
    let x = render(&q, &reg, &[], 48000.0, 1, 256, 64).expect("render");
    let y = render(&r, &reg, &[], 48000.0, 1, 256, 64).expect("render");
    assert_ne!(x, y, "different ids are not correlated");
}
