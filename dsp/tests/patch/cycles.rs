//! Cycles refused and named; the index kept right through deletes and direct edits.

use super::*;

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
        buffer: None,
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
        buffer: None,
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
