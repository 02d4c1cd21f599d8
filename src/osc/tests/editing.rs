//! Patch editing, commits, error messages, patch files and the example patches.

use super::*;

#[test]
fn editing_and_commit_reply_after_the_switch() {
    let mut r = Rig::new();
    let done = r.ok(m(
        "/patch/create",
        vec![
            st("osc1"),
            st("sine"),
            st("freq"),
            OscType::Float(440.0),
            st("gain=0.3"),
        ],
    ));
    assert_eq!(done.args, vec![st("/patch/create"), st("osc1")]);
    let done = r.ok(m("/patch/create", vec![st("out"), st("output")]));
    assert_eq!(done.args, vec![st("/patch/create"), st("out")]);
    assert_eq!(
        r.ok(m("/patch/connect", vec![st("osc1"), st("out.in1")]))
            .args,
        vec![st("/patch/connect")]
    );
    assert_eq!(
        r.ok(m("/patch/disconnect", vec![st("osc1"), st("out")]))
            .args,
        vec![st("/patch/disconnect")]
    );
    r.fails(m("/patch/disconnect", vec![st("osc1"), st("out")]));
    r.ok(m("/patch/connect", vec![st("osc1.out"), st("out")]));
    r.ok(m(
        "/patch/set",
        vec![st("osc1"), st("freq"), OscType::Int(330)],
    ));
    assert_eq!(
        r.b.pending.param_value(&r.b.reg, "osc1", "freq").unwrap(),
        330.0
    );
    // Nothing until the switch, then /done with slot and version.
    assert!(r.send(m("/patch/commit", vec![])).is_empty());
    assert_eq!(r.b.did, vec![Did::Commit(None)]);
    let n = r.b.switch();
    let replies = r.notices(n);
    assert_eq!(
        replies,
        vec![(
            client(),
            OscMessage {
                addr: "/done".into(),
                args: vec![st("/patch/commit"), OscType::Int(1), OscType::Int(1)]
            }
        )]
    );
    // Dump both patches in patch-file syntax.
    let d = r.send(m("/patch/dump", vec![]));
    assert_eq!(d[0].addr, "/patch.dump");
    let text = match &d[0].args[0] {
        OscType::String(s) => s.clone(),
        _ => panic!(),
    };
    assert!(text.contains("create osc1 sine"), "{text}");
    assert!(text.contains("connect osc1.out out.in1"), "{text}");
    let (p, _) = Patch::parse(&r.b.reg, &text).unwrap();
    assert_eq!(p, r.b.committed);
    r.ok(m("/patch/delete", vec![st("osc1")]));
    let d = r.send(m("/patch/dump", vec![st("pending")]));
    assert!(!format!("{:?}", d[0].args).contains("osc1"));
    r.ok(m("/patch/abort", vec![]));
    assert_eq!(r.b.pending, r.b.committed);
    r.ok(m("/patch/clear", vec![]));
    assert!(r.b.pending.modules.is_empty());
}

#[test]
fn errors_name_what_is_wrong() {
    let mut r = Rig::new();
    let (a, why) = r.fails(m("/patch/create", vec![st("x"), st("nosuch")]));
    assert_eq!(a, "/patch/create");
    assert!(why.contains("nosuch"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("../x"), st("sine")]));
    assert!(why.contains("../x"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![OscType::Int(3), st("sine")]));
    assert!(why.contains("argument 1"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("x")]));
    assert!(why.contains("expected at least 2"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("x"), st("sine"), st("freq")]));
    assert!(why.contains("'freq' has no value"), "{why}");
    let (_, why) = r.fails(m(
        "/patch/create",
        vec![st("x"), st("sine"), st("nope"), OscType::Int(1)],
    ));
    assert!(why.contains("nope"), "{why}");
    r.ok(m("/patch/create", vec![st("a"), st("vca")]));
    r.ok(m("/patch/create", vec![st("b"), st("vca")]));
    r.ok(m("/patch/connect", vec![st("a"), st("b")]));
    let (_, why) = r.fails(m("/patch/connect", vec![st("b"), st("a")]));
    assert!(why.contains("cycle"), "{why}");
    let (_, why) = r.fails(m("/patch/connect", vec![st("a.zzz"), st("b")]));
    assert!(why.contains("zzz"), "{why}");
    let (_, why) = r.fails(m("/patch/connect", vec![st("a"), st("ghost")]));
    assert!(why.contains("ghost"), "{why}");
    let (_, why) = r.fails(m("/patch/set", vec![st("a"), st("gain"), st("loud")]));
    assert!(why.contains("loud"), "{why}");
    let (_, why) = r.fails(m("/patch/set", vec![st("a"), st("gain"), OscType::Nil]));
    assert!(why.contains("nil"), "{why}");
    let (a, why) = r.fails(m("/nope", vec![]));
    assert_eq!(a, "/nope");
    assert!(why.contains("unknown address"), "{why}");
    let (_, why) = r.fails(m("/status", vec![OscType::Int(1)]));
    assert!(why.contains("expected 0 arguments, got 1"), "{why}");
    let (_, why) = r.fails(m("/patch/delete", vec![st("ghost")]));
    assert!(why.contains("ghost"), "{why}");
    // Malformed: /fail with an empty address.
    let replies = r.raw(b"/status\0,i\0\0\0\0");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].addr, "/fail");
    assert_eq!(replies[0].args[0], st(""));
    let replies = r.raw(b"garbage");
    assert_eq!(replies[0].args[0], st(""));
    let replies = r.raw(b"");
    assert_eq!(replies[0].addr, "/fail");
}

#[test]
fn choice_values_and_numbers_interchange() {
    let mut r = Rig::new();
    r.ok(m(
        "/patch/create",
        vec![st("f1"), st("biquad"), st("mode"), st("highpass")],
    ));
    r.ok(m("/patch/set", vec![st("f1"), st("mode"), st("notch")]));
    r.ok(m(
        "/patch/set",
        vec![st("f1"), st("cutoff"), OscType::Int(500)],
    ));
    r.ok(m(
        "/patch/set",
        vec![st("f1"), st("cutoff"), OscType::Double(600.5)],
    ));
    r.ok(m("/patch/set", vec![st("f1"), st("q"), st("2.5")]));
    let p = &r.b.pending;
    assert_eq!(p.param_value(&r.b.reg, "f1", "mode").unwrap(), 3.0);
    assert_eq!(p.param_value(&r.b.reg, "f1", "cutoff").unwrap(), 600.5);
    assert_eq!(p.param_value(&r.b.reg, "f1", "q").unwrap(), 2.5);
}

#[test]
fn load_and_save_stay_in_their_directory() {
    let mut r = Rig::new();
    r.playing();
    let done = r.ok(m("/patch/save", vec![st("song_1")]));
    assert_eq!(done.args, vec![st("/patch/save"), st("song_1")]);
    let file = r.dir.join("patches/song_1.patch");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("create osc1 sine"));
    r.ok(m("/patch/clear", vec![]));
    let done = r.ok(m("/patch/load", vec![st("song_1")]));
    assert_eq!(done.args, vec![st("/patch/load"), st("song_1")]);
    assert_eq!(r.b.pending, r.b.committed);
    for bad in ["../x", "a/b", "", "x.patch", "/etc/passwd", &"y".repeat(65)] {
        let (_, why) = r.fails(m("/patch/load", vec![st(bad)]));
        assert!(why.contains("bad name"), "{bad}: {why}");
        r.fails(m("/patch/save", vec![st(bad)]));
    }
    let (_, why) = r.fails(m("/patch/load", vec![st("missing")]));
    assert!(why.contains("missing"), "{why}");
    std::fs::write(r.dir.join("patches/broken.patch"), "create x nosuch\n").unwrap();
    let (_, why) = r.fails(m("/patch/load", vec![st("broken")]));
    assert!(why.contains("line 1") && why.contains("nosuch"), "{why}");
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(r.dir.join("patches"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
}

/// Every example patch parses with this build's module types.
#[test]
fn example_patches_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let reg = crate::registry();
    let mut count = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("patch") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (p, warnings) =
            Patch::parse(&reg, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        Graph::compile(&p, &reg, 48_000.0, 2).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        count += 1;
    }
    assert!(count >= 4, "only {count} example patches");
}
