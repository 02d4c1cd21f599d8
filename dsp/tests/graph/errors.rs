//! The NaN guard, and compile errors for patches built directly (the edit methods refuse
//! these earlier; see tests/patch).

use super::*;

#[test]
fn a_module_producing_nan_or_infinity_is_reset_and_counted() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create bomb nanbomb mode=1\ncreate s sine freq=440 gain=0.5\n\
         create m sine freq=300 gain=0.5\ncreate out output\n\
         connect bomb out\nconnect s out\nconnect bomb m.freq\nconnect m out.in2\n",
    );
    let mut g = compile(&reg, &p, 2);
    let before = BOMB_RESETS.load(Ordering::SeqCst);
    let out = render_graph(&mut g, &[], 4800, 64);
    assert_eq!(g.nan_resets(), 4800 / 64);
    assert!(BOMB_RESETS.load(Ordering::SeqCst) - before >= 4800 / 64);
    let clean = render(&reg, "create s sine freq=440 gain=0.5\n", 1, 4800);
    let m = render(&reg, "create m sine freq=300 gain=0.5\n", 1, 4800);
    assert_eq!(out[0], clean[0], "the bad output is silenced");
    assert_eq!(out[1], m[0], "modulation from it is silenced too");

    // Infinity is caught the same way; the count survives a carry-over.
    let mut g2 = compile(&reg, &parse(&reg, "create bomb nanbomb mode=2\n"), 1);
    g2.carry_from(&g);
    let out = render_graph(&mut g2, &[], 640, 64);
    assert!(out[0].iter().all(|x| x.is_finite()));
    assert_eq!(g2.nan_resets(), 4800 / 64 + 10);

    // Finite outputs that overflow when summed never reach the output.
    let mut g3 = compile(
        &reg,
        &parse(
            &reg,
            "create a nanbomb mode=3\ncreate b nanbomb mode=3\ncreate out output\n\
             connect a out\nconnect b out\n",
        ),
        2,
    );
    let out = render_graph(&mut g3, &[], 640, 64);
    assert!(out.iter().flatten().all(|x| x.is_finite()));
    assert_eq!(g3.nan_resets(), 0);
}

fn decl(id: &str, kind: &str) -> ModuleDecl {
    ModuleDecl {
        id: id.into(),
        kind: kind.into(),
        params: vec![],
        buffer: None,
    }
}

fn conn(from: &str, from_port: &str, to: &str, to_port: &str) -> Connection {
    Connection {
        from: from.into(),
        from_port: from_port.into(),
        to: to.into(),
        to_port: to_port.into(),
    }
}

fn compile_err(p: Patch) -> PatchError {
    match Graph::compile(&p, &test_registry(), SR, 2) {
        Err(e) => e,
        Ok(_) => panic!("compiled {p:?}"),
    }
}

#[test]
fn compile_errors_name_what_is_wrong() {
    use PatchError::*;
    let ok = || vec![decl("a", "sine"), decl("b", "sine")];
    assert_eq!(
        compile_err(Patch::from_parts(vec![decl("a", "theremin")], vec![])),
        UnknownType("theremin".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "ghost", "freq")]
        )),
        UnknownModule("ghost".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "b", "wobble")]
        )),
        UnknownPort {
            module: "b".into(),
            kind: "sine".into(),
            port: "wobble".into(),
            what: "input or parameter"
        }
    );
    assert!(matches!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "sideways", "b", "freq")]
        )),
        UnknownPort { what: "output", .. }
    ));
    let mut with_param = ok();
    with_param[1].params.push(("resonance".into(), 1.0));
    assert!(matches!(
        compile_err(Patch::from_parts(with_param, vec![])),
        UnknownParam { ref param, .. } if param == "resonance"
    ));
    assert_eq!(
        compile_err(Patch::from_parts(
            vec![decl("a", "sine"), decl("a", "sine")],
            vec![]
        )),
        DuplicateId("a".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(vec![decl("a b", "sine")], vec![])),
        BadName("a b".into())
    );
    assert!(matches!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "b", "freq"), conn("b", "out", "a", "gain")]
        )),
        Cycle(ref ms) if ms == &["a", "b", "a"]
    ));
    // Past the memory budget: refused with both sizes named.
    let many: Vec<ModuleDecl> = (0..3000).map(|i| decl(&format!("m{i}"), "sine")).collect();
    let mut small = test_registry();
    small.set_memory_budget(1 << 20);
    match Graph::compile(&Patch::from_parts(many, vec![]), &small, SR, 2) {
        Err(OverBudget {
            needed_mib,
            budget_mib: 1,
            largest,
        }) => {
            assert!(needed_mib > 1);
            assert!(largest.starts_with("3000 × sine = "), "{largest}");
            assert!(largest.ends_with("(m0, m1, …)"), "{largest}");
        }
        Err(e) => panic!("wrong error {e:?}"),
        Ok(_) => panic!("compiled over the budget"),
    }
    // Out-of-range values in a directly built patch are clamped, not refused.
    let mut loud = ok();
    loud[0].params.push(("gain".into(), 100.0));
    assert!(Graph::compile(&Patch::from_parts(loud, vec![]), &test_registry(), SR, 2).is_ok());
}

#[test]
fn graph_can_move_to_the_audio_thread() {
    fn is_send<T: Send>() {}
    is_send::<Graph>();
    is_send::<Event>();
}
