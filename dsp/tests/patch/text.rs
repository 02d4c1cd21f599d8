//! Patch files: parsing, round trips, line numbers in errors.

use super::*;

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
