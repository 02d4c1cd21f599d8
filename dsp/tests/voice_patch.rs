//! Instruments in patch files and patch edits: `voice ... end`, `INST.ID`
//! ids, `midi` and `cc` lines, and the text a patch is saved as.

use dsp::{ParamArg, Patch, PatchError, Registry};

const LEAD: &str = "\
voice lead count=16 mode=poly steal=oldest glide=0
  create osc saw
  create filt ladder cutoff=1200
  create env adsr attack=5 decay=200 sustain=0.6 release=400
  connect note.freq osc.freq
  connect note.gate env.gate
  connect osc filt
  connect filt env
end
create out output
connect lead out
midi 1 lead
cc 74 lead.filt.cutoff 200 8000 exp
";

#[test]
fn the_issue_example_parses_saves_and_parses_back_the_same() {
    let reg = Registry::standard();
    let (p, warnings) = Patch::parse(&reg, LEAD).unwrap();
    assert!(warnings.is_empty());
    let t = p.template("lead").unwrap();
    // adsr has a `gate` input: note.gate drives it at audio rate.
    assert!(t.gates.is_empty());
    assert_eq!(t.patch.connections.len(), 4);
    assert_eq!(t.patch.modules.len(), 4, "note, osc, filt, env");
    assert_eq!(p.midi.len(), 1);
    assert!(p.ccs[0].exp);
    let text = p.to_text(&reg);
    let (q, _) = Patch::parse(&reg, &text).unwrap();
    assert_eq!(p, q, "saved as:\n{text}");
    dsp::Graph::compile(&p, &reg, 48000.0, 2).unwrap();
}

#[test]
fn the_same_instrument_built_by_edits_as_over_osc() {
    let reg = Registry::standard();
    let mut p = Patch::new();
    let n = |v: f32| ParamArg::Number(v);
    let t = |s: &str| ParamArg::Text(s.into());
    let settings = [
        ("count".to_string(), n(16.0)),
        ("mode".to_string(), t("poly")),
        ("steal".to_string(), t("oldest")),
        ("glide".to_string(), n(0.0)),
    ];
    p.voice_create(&reg, "lead", &settings).unwrap();
    p.create(&reg, "lead.osc", "saw", &[]).unwrap();
    p.create(&reg, "lead.filt", "ladder", &[("cutoff".into(), n(1200.0))])
        .unwrap();
    let env = [
        ("attack".to_string(), n(5.0)),
        ("decay".to_string(), n(200.0)),
        ("sustain".to_string(), n(0.6)),
        ("release".to_string(), n(400.0)),
    ];
    p.create(&reg, "lead.env", "adsr", &env).unwrap();
    p.connect(&reg, "lead.note.freq", "lead.osc.freq").unwrap();
    p.connect(&reg, "lead.note.gate", "lead.env.gate").unwrap();
    p.connect(&reg, "lead.osc", "lead.filt").unwrap();
    p.connect(&reg, "lead.filt", "lead.env").unwrap();
    p.create(&reg, "out", "output", &[]).unwrap();
    p.connect(&reg, "lead", "out").unwrap();
    p.map_midi(&reg, 1, "lead").unwrap();
    let (q, _) = Patch::parse(&reg, LEAD).unwrap();
    p.ccs = q.ccs.clone();
    assert_eq!(p, q);
}

#[test]
fn errors_name_the_instrument_and_the_line() {
    let reg = Registry::standard();
    let err = |text: &str| Patch::parse(&reg, text).unwrap_err().to_string();
    assert!(err("voice a\ncreate x nosuch\nend\n").contains("line 2"));
    assert!(err("voice a\n").contains("no `end`"));
    assert!(err("end\n").contains("without `voice`"));
    assert!(err("midi 1 nobody\n").contains("nobody"));
    assert!(err("voice a\nend\ncc 74 a.nofilt.cutoff 1 2\n").contains("nofilt"));
    assert!(err("voice a\nend\nmidi 17 a\n").contains("1-16"));
    let mut p = Patch::new();
    assert!(matches!(
        p.create(&reg, "ghost.osc", "saw", &[]),
        Err(PatchError::Instrument { .. })
    ));
}

#[test]
fn deleting_an_instrument_removes_its_template_and_routes() {
    let reg = Registry::standard();
    let (mut p, _) = Patch::parse(&reg, LEAD).unwrap();
    let mut q = p.clone();
    q.delete("lead.filt").unwrap();
    assert!(q.ccs.is_empty(), "a route to a deleted module goes with it");
    assert_eq!(q.template("lead").unwrap().patch.modules.len(), 3);
    p.delete("lead").unwrap();
    assert!(p.voices.is_empty() && p.midi.is_empty() && p.ccs.is_empty());
}
