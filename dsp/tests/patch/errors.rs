//! Edits refused with errors that name what is wrong; clamping warns.

use super::*;

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
