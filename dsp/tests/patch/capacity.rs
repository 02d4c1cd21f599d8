//! The incremental cycle check against brute force; capacity limits and edit speed.

use super::*;

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

/// Modules of the patch `full_patch` builds.
const MAX_MODULES: usize = 4096;
/// Connections of the patch `full_patch` builds.
const MAX_CONNECTIONS: usize = 16384;

/// Builds a large patch: MAX_MODULES sines, MAX_CONNECTIONS connections
/// between them, the first module chained to the last.
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
fn budget_is_enforced_and_edits_stay_fast() {
    let mut reg = reg();
    for order in [Order::Forward, Order::Reverse, Order::Shuffled] {
        let t = Instant::now();
        let mut p = full_patch(&reg, order);
        let took = t.elapsed();
        // Loose bound (debug build, shared machine): quadratic work in the
        // number of connections would take minutes.
        assert!(took.as_secs_f64() < 60.0, "building took {took:?}");
        eprintln!("full patch ({order:?}) built in {took:?}");
        assert_eq!(p.modules.len(), MAX_MODULES);
        assert_eq!(p.connections.len(), MAX_CONNECTIONS);
        // A budget the patch exactly fills refuses one more module or connection.
        let full = p.estimated_bytes(&reg);
        assert_eq!(full, dsp::budget::patch_bytes(&p, &reg));
        reg.set_memory_budget(full);
        for e in [
            p.create(&reg, "one_more", "sine", &no_params())
                .unwrap_err(),
            p.connect(&reg, "m0", "m4095.phase").unwrap_err(),
        ] {
            assert!(matches!(e, PatchError::OverBudget { .. }), "{e:?}");
            assert!(e.to_string().contains("--max-graph-mib"), "{e}");
        }
        reg.set_memory_budget(dsp::budget::DEFAULT_BUDGET);
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
        // How long the search takes is make bench's to report, not a test's.
        eprintln!("cycle found in {:?}", t.elapsed());
        let t = Instant::now();
        let g = dsp::Graph::compile(&p, &reg, 48000.0, 2).unwrap();
        eprintln!("compiled in {:?}", t.elapsed());
        assert_eq!(g.len(), MAX_MODULES);
    }
}

#[test]
fn a_patch_of_65536_modules_and_262144_connections_compiles_and_renders() {
    const N: usize = 65536;
    let reg = reg();
    let modules: Vec<ModuleDecl> = (0..N)
        .map(|i| ModuleDecl {
            id: format!("m{i}"),
            kind: "sine".into(),
            params: vec![("gain".into(), 0.001)],
            buffer: None,
        })
        .collect();
    // Each module modulates later ones (a chain as long as the patch).
    let mut conns = Vec::with_capacity(4 * N);
    'all: for i in 0..N {
        for (d, port) in [
            (1, "freq"),
            (1, "gain"),
            (2, "freq"),
            (2, "phase"),
            (3, "phase"),
        ] {
            if i + d < N {
                conns.push(Connection {
                    from: format!("m{i}"),
                    from_port: "out".into(),
                    to: format!("m{}", i + d),
                    to_port: port.into(),
                });
            }
            if conns.len() == 4 * N {
                break 'all;
            }
        }
    }
    assert_eq!(conns.len(), 262_144);
    let p = Patch::from_parts(modules, conns);
    let t = Instant::now();
    let mut g = dsp::Graph::compile(&p, &reg, 48000.0, 2).unwrap();
    // How long it takes is make bench's to report (release), not a test's.
    eprintln!("65,536 modules compiled in {:?}", t.elapsed());
    assert_eq!(g.len(), N);
    let out = dsp::render::render_graph(&mut g, &[], 256, 256);
    assert!(out[0].iter().any(|x| *x != 0.0), "silent");
}

#[test]
fn delay_and_reverb_lines_are_charged_at_the_sample_rate_and_named_over_the_budget() {
    let mut reg = reg();
    let mut p = Patch::default();
    for i in 0..300 {
        p.create(&reg, &format!("d{i}"), "delay", &no_params())
            .unwrap();
    }
    for i in 0..50 {
        p.create(&reg, &format!("r{i}"), "reverb", &no_params())
            .unwrap();
    }
    // A delay keeps 2 s of samples: at least 2 × 48,000 × 4 bytes each.
    let at_48k = dsp::budget::patch_bytes(&p, &reg);
    assert!(at_48k >= 300 * 2 * 48_000 * 4, "{at_48k} bytes");
    reg.set_sample_rate(96_000.0);
    let at_96k = dsp::budget::patch_bytes(&p, &reg);
    assert!(at_96k > at_48k * 19 / 10, "{at_48k} → {at_96k} bytes");
    // Over the budget: the delays are named first, then the reverbs.
    reg.set_memory_budget(at_96k - 1);
    let Err(e) = dsp::Graph::compile(&p, &reg, 96_000.0, 2) else {
        panic!("compiled over the budget");
    };
    let text = e.to_string();
    assert!(matches!(e, PatchError::OverBudget { .. }), "{e:?}");
    assert!(text.contains("largest: 300 × delay = "), "{text}");
    assert!(text.contains("(d0, d1, …); 50 × reverb = "), "{text}");
    // The same patch fits at 48 kHz, and an edit past the budget is refused too.
    assert!(dsp::Graph::compile(&p, &reg, 48_000.0, 2).is_ok());
    let e = p.create(&reg, "d300", "delay", &no_params()).unwrap_err();
    assert!(e.to_string().contains("300 × delay"), "{e}");
}
