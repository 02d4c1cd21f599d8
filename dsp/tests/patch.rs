//! Patch editing: errors name what is wrong, clamping warns, cycles are
//! refused with the modules on them, patch files round-trip, and edits stay
//! fast on patches at full capacity.

use dsp::patch::{Connection, ModuleDecl, MAX_CONNECTIONS, MAX_MODULES};
use dsp::{ParamArg, Patch, PatchError, Registry};
use std::time::Instant;

fn reg() -> Registry {
    Registry::standard()
}

fn no_params() -> Vec<(String, ParamArg)> {
    Vec::new()
}

fn sines(reg: &Registry, ids: &[&str]) -> Patch {
    let mut p = Patch::new();
    for id in ids {
        p.create(reg, id, "sine", &no_params()).unwrap();
    }
    p
}

#[test]
fn unknown_type() {
    let reg = reg();
    let mut p = Patch::new();
    let e = p.create(&reg, "x", "theremin", &no_params()).unwrap_err();
    assert_eq!(e, PatchError::UnknownType("theremin".into()));
    assert!(e.to_string().contains("theremin"));
    assert!(p.modules.is_empty());
}

#[test]
fn unknown_module() {
    let reg = reg();
    let mut p = sines(&reg, &["a"]);
    assert_eq!(
        p.connect(&reg, "a", "ghost.freq").unwrap_err(),
        PatchError::UnknownModule("ghost".into())
    );
    assert_eq!(
        p.connect(&reg, "ghost", "a.freq").unwrap_err(),
        PatchError::UnknownModule("ghost".into())
    );
    assert_eq!(
        p.set(&reg, "ghost", "freq", &ParamArg::Number(1.0))
            .unwrap_err(),
        PatchError::UnknownModule("ghost".into())
    );
    assert_eq!(
        p.delete("ghost").unwrap_err(),
        PatchError::UnknownModule("ghost".into())
    );
}

#[test]
fn unknown_port() {
    let reg = reg();
    let mut p = sines(&reg, &["a", "b"]);
    p.create(&reg, "out", "output", &no_params()).unwrap();
    match p.connect(&reg, "a.wobble", "out").unwrap_err() {
        PatchError::UnknownPort {
            module,
            kind,
            port,
            what,
        } => {
            assert_eq!(
                (module.as_str(), kind.as_str(), port.as_str(), what),
                ("a", "sine", "wobble", "output")
            );
        }
        e => panic!("wrong error {e:?}"),
    }
    match p.connect(&reg, "a", "out.in9").unwrap_err() {
        PatchError::UnknownPort {
            module, port, what, ..
        } => {
            assert_eq!(
                (module.as_str(), port.as_str(), what),
                ("out", "in9", "input or parameter")
            );
        }
        e => panic!("wrong error {e:?}"),
    }
    // A sine has no audio input, so a bare module name as destination fails.
    assert!(matches!(
        p.connect(&reg, "a", "b").unwrap_err(),
        PatchError::UnknownPort { .. }
    ));
    // The output module has no output.
    assert!(matches!(
        p.connect(&reg, "out", "b.freq").unwrap_err(),
        PatchError::UnknownPort { what: "output", .. }
    ));
    assert!(p.connections.is_empty());
}

#[test]
fn unknown_param_and_bad_value() {
    let reg = reg();
    let mut p = sines(&reg, &["a"]);
    assert_eq!(
        p.set(&reg, "a", "resonance", &ParamArg::Number(1.0))
            .unwrap_err(),
        PatchError::UnknownParam {
            module: "a".into(),
            kind: "sine".into(),
            param: "resonance".into()
        }
    );
    let e = p
        .create(
            &reg,
            "b",
            "sine",
            &[("wobble".into(), ParamArg::Number(1.0))],
        )
        .unwrap_err();
    assert!(matches!(e, PatchError::UnknownParam { ref param, .. } if param == "wobble"));
    assert!(
        p.module("b").is_none(),
        "failed create leaves nothing behind"
    );
    assert!(matches!(
        p.set(&reg, "a", "freq", &ParamArg::Text("loud".into()))
            .unwrap_err(),
        PatchError::BadValue { .. }
    ));
    assert!(matches!(
        p.set(&reg, "a", "freq", &ParamArg::Number(f32::NAN))
            .unwrap_err(),
        PatchError::BadValue { .. }
    ));
    // Aliases resolve to the canonical name.
    p.set(&reg, "a", "frequency", &ParamArg::Text("220".into()))
        .unwrap();
    assert_eq!(
        p.module("a").unwrap().params,
        vec![("freq".to_string(), 220.0)]
    );
    assert_eq!(p.param_value(&reg, "a", "freq").unwrap(), 220.0);
    assert_eq!(p.param_value(&reg, "a", "gain").unwrap(), 0.5, "default");
}

#[test]
fn bad_names_and_duplicates() {
    let reg = reg();
    let mut p = sines(&reg, &["a", "b"]);
    for bad in ["", "a b", "x/y", "../etc", "é", &"x".repeat(65)] {
        assert_eq!(
            p.create(&reg, bad, "sine", &no_params()).unwrap_err(),
            PatchError::BadName(bad.to_string()),
            "{bad:?}"
        );
    }
    assert_eq!(
        p.create(&reg, "a", "sine", &no_params()).unwrap_err(),
        PatchError::DuplicateId("a".into())
    );
    p.connect(&reg, "a", "b.freq").unwrap();
    assert!(matches!(
        p.connect(&reg, "a.out", "b.frequency").unwrap_err(),
        PatchError::DuplicateConnection(_)
    ));
    assert!(matches!(
        p.disconnect(&reg, "a", "b.gain").unwrap_err(),
        PatchError::NoConnection(_)
    ));
    p.disconnect(&reg, "a", "b.frequency").unwrap();
    assert!(p.connections.is_empty());
    p.connect(&reg, "a", "b.freq").unwrap();
    assert_eq!(p.connections.len(), 1);
}

#[test]
fn clamping_warns_instead_of_failing() {
    let reg = reg();
    let mut p = Patch::new();
    let w = p
        .create(
            &reg,
            "a",
            "sine",
            &[
                ("freq".into(), ParamArg::Number(30000.0)),
                ("gain".into(), ParamArg::Number(0.25)),
            ],
        )
        .unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("a.freq") && w[0].contains("clamped"),
        "{}",
        w[0]
    );
    assert_eq!(p.param_value(&reg, "a", "freq").unwrap(), 20000.0);
    let (v, w) = p.set(&reg, "a", "gain", &ParamArg::Number(-3.0)).unwrap();
    assert_eq!(v, 0.0);
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("a.gain"));
    let (v, w) = p.set(&reg, "a", "gain", &ParamArg::Number(1.0)).unwrap();
    assert_eq!((v, w.len()), (1.0, 0));
}

/// Every consecutive pair of a reported cycle is an existing connection or
/// the one being attempted, and it closes on itself.
fn assert_real_cycle(p: &Patch, attempted: (&str, &str), cycle: &[String]) {
    assert!(cycle.len() >= 2, "{cycle:?}");
    assert_eq!(cycle.first(), cycle.last(), "{cycle:?}");
    for w in cycle.windows(2) {
        let ok = (w[0] == attempted.0 && w[1] == attempted.1)
            || p.connections.iter().any(|c| c.from == w[0] && c.to == w[1]);
        assert!(ok, "{} -> {} is not a connection in {cycle:?}", w[0], w[1]);
    }
}

#[test]
fn cycles_are_refused_and_named() {
    let reg = reg();
    let mut p = sines(&reg, &["a", "b", "c", "d"]);
    p.connect(&reg, "a", "b.freq").unwrap();
    p.connect(&reg, "b", "c.gain").unwrap();
    p.connect(&reg, "d", "a.freq").unwrap();
    let before = p.clone();
    match p.connect(&reg, "c", "a.phase").unwrap_err() {
        PatchError::Cycle(ms) => {
            assert_eq!(ms, vec!["c", "a", "b", "c"]);
            assert_real_cycle(&p, ("c", "a"), &ms);
            let text = PatchError::Cycle(ms).to_string();
            assert!(text.contains("c -> a -> b -> c"), "{text}");
        }
        e => panic!("wrong error {e:?}"),
    }
    assert_eq!(p, before, "a refused connect changes nothing");
    // Feedback into oneself.
    assert_eq!(
        p.connect(&reg, "b", "b.freq").unwrap_err(),
        PatchError::Cycle(vec!["b".into(), "b".into()])
    );
    // Still a DAG: more connections that do not close a loop are fine.
    p.connect(&reg, "d", "c.freq").unwrap();
    p.connect(&reg, "a", "c.phase").unwrap();
    assert!(p.topological_order().is_ok());
}

#[test]
fn compile_names_cycles_in_directly_built_patches() {
    let reg = reg();
    let decl = |id: &str| ModuleDecl {
        id: id.into(),
        kind: "sine".into(),
        params: vec![],
    };
    let conn = |a: &str, b: &str| Connection {
        from: a.into(),
        from_port: "out".into(),
        to: b.into(),
        to_port: "freq".into(),
    };
    let p = Patch::from_parts(
        vec![decl("x"), decl("p"), decl("q"), decl("r"), decl("y")],
        vec![
            conn("x", "p"),
            conn("p", "q"),
            conn("q", "r"),
            conn("r", "p"),
            conn("r", "y"),
        ],
    );
    match p.topological_order().unwrap_err() {
        PatchError::Cycle(ms) => {
            assert_eq!(ms, vec!["p", "q", "r", "p"]);
        }
        e => panic!("wrong error {e:?}"),
    }
    match dsp::Graph::compile(&p, &reg, 48000.0, 2) {
        Err(PatchError::Cycle(ms)) => assert_eq!(ms, vec!["p", "q", "r", "p"]),
        Err(e) => panic!("wrong error {e:?}"),
        Ok(_) => panic!("compiled a cycle"),
    }
}

#[test]
fn delete_removes_connections_and_keeps_index_right() {
    let reg = reg();
    let mut p = sines(&reg, &["a", "b", "c"]);
    p.connect(&reg, "a", "b.freq").unwrap();
    p.connect(&reg, "b", "c.freq").unwrap();
    p.connect(&reg, "a", "c.gain").unwrap();
    p.delete("b").unwrap();
    assert_eq!(p.connections.len(), 1);
    assert_eq!(p.module_index("c"), Some(1));
    assert_eq!(p.module_index("b"), None);
    assert!(matches!(
        p.connect(&reg, "c", "a.freq").unwrap_err(),
        PatchError::Cycle(_)
    ));
    p.create(&reg, "b", "sine", &no_params()).unwrap();
    p.connect(&reg, "c", "b.freq").unwrap();
    assert!(matches!(
        p.connect(&reg, "b", "a.freq").unwrap_err(),
        PatchError::Cycle(_)
    ));
}

#[test]
fn direct_field_edits_are_noticed() {
    let reg = reg();
    let mut p = sines(&reg, &["a"]);
    p.modules.push(ModuleDecl {
        id: "b".into(),
        kind: "sine".into(),
        params: vec![],
    });
    assert_eq!(p.module_index("b"), Some(1));
    p.connect(&reg, "a", "b.freq").unwrap();
    p.connections.clear();
    // The length change is noticed: the cleared connection is gone from the index.
    p.connect(&reg, "b", "a.freq").unwrap();
    // In-place edits need an explicit reindex.
    p.modules[0].id = "z".into();
    p.reindex();
    assert_eq!(p.module_index("z"), Some(0));
    assert_eq!(p.module_index("a"), None);
}

const TEXT: &str = "\
# A comment line, then a blank one

create lfo sine freq=2 gain=4   # trailing comment
create osc1 simple_sine frequency 330
create  out  output
connect lfo osc1.freq
connect osc1 out.left
set osc1 amp=0.25
set osc1 phase 0.5
create tmp sine
connect tmp out.in2
delete tmp
";

#[test]
fn parse_and_round_trip() {
    let reg = reg();
    let (p, warnings) = Patch::parse(&reg, TEXT).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let ids: Vec<&str> = p.modules.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["lfo", "osc1", "out"]);
    assert_eq!(p.modules[1].kind, "sine", "aliases become canonical names");
    assert_eq!(
        p.modules[1].params,
        vec![
            ("freq".to_string(), 330.0),
            ("gain".to_string(), 0.25),
            ("phase".to_string(), 0.5)
        ]
    );
    assert_eq!(p.connections.len(), 2);
    assert_eq!(p.connections[1].to_port, "in1");
    let text = p.to_text(&reg);
    let (q, _) = Patch::parse(&reg, &text).unwrap();
    assert_eq!(p, q, "{text}");
    assert_eq!(q.to_text(&reg), text, "to_text is stable");
    // Awkward values survive the trip exactly.
    let mut p = Patch::new();
    p.create(
        &reg,
        "s",
        "sine",
        &[("freq".into(), ParamArg::Number(0.1 + 0.2))],
    )
    .unwrap();
    p.set(&reg, "s", "gain", &ParamArg::Number(1.0 / 3.0))
        .unwrap();
    let (q, _) = Patch::parse(&reg, &p.to_text(&reg)).unwrap();
    assert_eq!(p, q);
}

#[test]
fn parse_errors_carry_line_numbers() {
    let reg = reg();
    let cases = [
        ("create a sine\n\n# c\ncreate b wobbler\n", 4, "wobbler"),
        ("create a sine\nconnect a\n", 2, "usage"),
        ("create a sine\nfrobnicate a\n", 2, "unknown command"),
        ("create a sine\ncreate a sine\n", 2, "already exists"),
        (
            "create a sine\ncreate b sine\nconnect a b.freq\nconnect b a.freq\n",
            4,
            "cycle",
        ),
        ("create a sine\nset a freq\n", 2, "usage"),
        ("create a sine\nset a freq banana\n", 2, "banana"),
        ("create a sine freq\n", 1, "usage"),
        ("create a sine\nconnect a.out ghost.in\n", 2, "ghost"),
        ("delete nobody\n", 1, "nobody"),
    ];
    for (text, line, needle) in cases {
        match Patch::parse(&reg, text) {
            Err(PatchError::Parse { line: l, message }) => {
                assert_eq!(l, line, "{text:?}: {message}");
                assert!(message.contains(needle), "{text:?}: {message}");
                let shown = PatchError::Parse { line: l, message }.to_string();
                assert!(shown.starts_with(&format!("line {line}:")), "{shown}");
            }
            other => panic!("{text:?}: expected a parse error, got {other:?}"),
        }
    }
    // Out-of-range values are warnings, not errors.
    let (p, w) = Patch::parse(&reg, "create a sine freq=99999\n").unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(p.param_value(&reg, "a", "freq").unwrap(), 20000.0);
}

/// Tiny deterministic generator for the randomized tests.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Is `to` reachable from `from` through the patch's connections?
fn reaches(p: &Patch, from: &str, to: &str) -> bool {
    let mut stack = vec![from.to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(v) = stack.pop() {
        if v == to {
            return true;
        }
        if seen.insert(v.clone()) {
            stack.extend(
                p.connections
                    .iter()
                    .filter(|c| c.from == v)
                    .map(|c| c.to.clone()),
            );
        }
    }
    false
}

#[test]
fn incremental_cycle_check_agrees_with_brute_force() {
    let reg = reg();
    let params = ["freq", "gain", "phase"];
    for seed in 1..=6u64 {
        let mut rng = Lcg(seed);
        let n = 24;
        let names: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        let mut p = Patch::new();
        for id in &names {
            p.create(&reg, id, "sine", &no_params()).unwrap();
        }
        for step in 0..400 {
            let (a, b) = (rng.below(n), rng.below(n));
            let dst = format!("{}.{}", names[b], params[rng.below(3)]);
            match rng.below(10) {
                0..=6 => {
                    let expect_cycle = a == b || reaches(&p, &names[b], &names[a]);
                    match p.connect(&reg, &names[a], &dst) {
                        Ok(()) => assert!(!expect_cycle, "seed {seed} step {step}: missed a cycle"),
                        Err(PatchError::Cycle(ms)) => {
                            assert!(expect_cycle, "seed {seed} step {step}: false cycle {ms:?}");
                            assert_real_cycle(&p, (&names[a], &names[b]), &ms);
                        }
                        Err(PatchError::DuplicateConnection(_)) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
                7..=8 if !p.connections.is_empty() => {
                    let c = p.connections[rng.below(p.connections.len())].clone();
                    p.disconnect(
                        &reg,
                        &format!("{}.{}", c.from, c.from_port),
                        &format!("{}.{}", c.to, c.to_port),
                    )
                    .unwrap();
                }
                _ => {
                    // Delete and recreate a module (indices shift).
                    let id = names[rng.below(n)].clone();
                    p.delete(&id).unwrap();
                    p.create(&reg, &id, "sine", &no_params()).unwrap();
                }
            }
            let order = p.topological_order().expect("patch stays acyclic");
            let mut pos = vec![0; n];
            for (k, &i) in order.iter().enumerate() {
                pos[i] = k;
            }
            for c in &p.connections {
                assert!(
                    pos[p.module_index(&c.from).unwrap()] < pos[p.module_index(&c.to).unwrap()]
                );
            }
        }
    }
}

/// In which order `full_patch` makes its connections.
#[derive(Debug, Clone, Copy)]
enum Order {
    /// Signal flows from earlier-created modules to later ones.
    Forward,
    /// Signal flows from later-created modules to earlier ones, shortest
    /// links first: every connect reorders a long chain.
    Reverse,
    /// Forward links made in random order.
    Shuffled,
}

/// Builds a patch at full capacity: MAX_MODULES sines, MAX_CONNECTIONS
/// connections between them, the first module chained to the last.
fn full_patch(reg: &Registry, order: Order) -> Patch {
    let mut p = Patch::new();
    let names: Vec<String> = (0..MAX_MODULES).map(|i| format!("m{i}")).collect();
    for id in &names {
        p.create(reg, id, "sine", &no_params()).unwrap();
    }
    let mut edges = Vec::with_capacity(MAX_CONNECTIONS);
    'all: for d in 1..MAX_MODULES {
        for i in 0..MAX_MODULES - d {
            for param in ["freq", "gain"] {
                edges.push(match order {
                    Order::Reverse => (i + d, i, param),
                    _ => (i, i + d, param),
                });
                if edges.len() == MAX_CONNECTIONS {
                    break 'all;
                }
            }
        }
    }
    if let Order::Shuffled = order {
        let mut rng = Lcg(7);
        for k in (1..edges.len()).rev() {
            edges.swap(k, rng.below(k + 1));
        }
    }
    for (i, j, param) in edges {
        p.connect(reg, &names[i], &format!("{}.{param}", names[j]))
            .unwrap();
    }
    p
}

#[test]
fn capacity_limits_are_enforced_and_edits_stay_fast() {
    let reg = reg();
    for order in [Order::Forward, Order::Reverse, Order::Shuffled] {
        let t = Instant::now();
        let mut p = full_patch(&reg, order);
        let took = t.elapsed();
        // Loose bound (debug build, shared machine): quadratic work in the
        // number of connections would take minutes.
        assert!(took.as_secs_f64() < 10.0, "building took {took:?}");
        eprintln!("full patch ({order:?}) built in {took:?}");
        assert_eq!(p.modules.len(), MAX_MODULES);
        assert_eq!(p.connections.len(), MAX_CONNECTIONS);
        assert_eq!(
            p.create(&reg, "one_more", "sine", &no_params())
                .unwrap_err(),
            PatchError::OverCapacity {
                what: "modules",
                limit: MAX_MODULES
            }
        );
        assert_eq!(
            p.connect(&reg, "m0", "m4095.phase").unwrap_err(),
            PatchError::OverCapacity {
                what: "connections",
                limit: MAX_CONNECTIONS
            }
        );
        // A closing link across the whole chain is still found.
        let (first, last) = match order {
            Order::Reverse => ("m4095", "m0"),
            _ => ("m0", "m4095"),
        };
        p.disconnect(&reg, "m1", "m2.freq")
            .or_else(|_| p.disconnect(&reg, "m2", "m1.freq"))
            .unwrap();
        let t = Instant::now();
        match p
            .connect(&reg, last, &format!("{first}.phase"))
            .unwrap_err()
        {
            PatchError::Cycle(ms) => {
                assert_eq!(ms.first().map(String::as_str), Some(last));
                assert!(ms.len() > 3);
                assert_real_cycle(&p, (last, first), &ms);
            }
            e => panic!("wrong error {e:?}"),
        }
        assert!(t.elapsed().as_secs_f64() < 2.0);
        let t = Instant::now();
        let g = dsp::Graph::compile(&p, &reg, 48000.0, 2).unwrap();
        eprintln!("compiled in {:?}", t.elapsed());
        assert_eq!(g.len(), MAX_MODULES);
    }
}
