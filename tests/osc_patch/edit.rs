//! Editing the pending patch: create, connect, disconnect, delete, set.

use crate::common::osc::*;
use crate::common::*;
use crate::osc_support::*;
use rosc::OscType;

#[test]
fn create_adds_modules_to_pending_and_refuses_bad_requests() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    let r = osc.ok(
        "/patch/create",
        vec![s("osc1"), s("sine"), s("freq"), f(440.0), s("gain"), f(0.5)],
    );
    assert_eq!(r.args, vec![s("/patch/create"), s("osc1")], "{r:?}");
    // `param=value` strings, an int value and an alias type name.
    let r = osc.ok(
        "/patch/create",
        vec![s("osc2"), s("simple_sine"), s("freq=660"), s("gain"), i(0)],
    );
    assert_eq!(r.args, vec![s("/patch/create"), s("osc2")], "{r:?}");
    osc.ok("/patch/set", vec![s("osc2"), s("gain"), s("0.25")]);

    // Pending only: the empty start patch still plays (silence).
    assert_silent(&listen(&mut capture, 0.05, 0.3), "before commit");

    let bad: Vec<(Vec<OscType>, Vec<&str>)> = vec![
        (
            vec![s("x"), s("sinus")],
            vec!["unknown module type", "sinus"],
        ),
        (
            vec![s("x"), s("sine"), s("frq"), f(3.0)],
            vec!["'x'", "sine", "frq"],
        ),
        (vec![s("osc1"), s("saw")], vec!["osc1", "already exists"]),
        (vec![s("a/b"), s("sine")], vec!["bad", "a/b"]),
        (vec![s("../x"), s("sine")], vec!["bad", "../x"]),
        (vec![s(""), s("sine")], vec!["bad", "''"]),
        (vec![s(&"m".repeat(65)), s("sine")], vec!["bad"]),
        (vec![i(3), s("sine")], vec!["argument 1", "int"]),
        (vec![s("x"), i(5)], vec!["argument 2", "int"]),
        (vec![], vec!["expected at least 2 arguments, got 0"]),
        (vec![s("x")], vec!["expected at least 2 arguments, got 1"]),
        (vec![s("x"), s("sine"), s("freq")], vec!["freq", "no value"]),
        (
            vec![s("x"), s("sine"), s("gain"), s("loud")],
            vec!["loud", "gain"],
        ),
        (
            vec![s("x"), s("sine"), s("freq"), f(f32::NAN)],
            vec!["freq"],
        ),
        (
            vec![s("x"), s("sine"), s("freq"), f(f32::INFINITY)],
            vec!["freq"],
        ),
        (
            vec![s("x"), s("sine"), s("freq"), OscType::Blob(vec![1, 2, 3])],
            vec!["argument 4", "blob"],
        ),
        (vec![s("x"), s("sine"), i(1), f(2.0)], vec!["argument 3"]),
    ];
    for (args, words) in bad {
        let reason = osc.fails("/patch/create", args.clone());
        eprintln!("/patch/create {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }

    // Nothing of the refused creates got into the pending patch.
    let pending = dump(osc, true);
    assert_eq!(
        created(&pending),
        vec!["create osc1 sine", "create osc2 sine"],
        "{pending}"
    );
    assert!(
        pending.contains("freq=660") && pending.contains("gain=0.25"),
        "{pending}"
    );

    // Commit: without an output module the sinks (both sines) play on every channel.
    commit_checked(osc);
    let rec = listen_steady(&mut capture, osc, 0.05, 0.5);
    let want = (0.5f64.powi(2) / 2.0 + 0.25f64.powi(2) / 2.0).sqrt();
    assert_tone(&rec, 440.0, want, "osc1 + osc2");
    // osc2 is there at 660 Hz: a 660 Hz notch would drop the rms to osc1's.
    assert_eq!(osc.status().modules, 2);
    synth.assert_alive();
}

#[test]
fn connect_and_disconnect_route_audio_and_refuse_bad_or_cyclic_connections() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    osc.ok("/patch/create", vec![s("osc1"), s("sine"), s("freq=440")]);
    osc.ok("/patch/create", vec![s("osc2"), s("sine"), s("freq=660")]);
    osc.ok("/patch/create", vec![s("out"), s("output")]);
    let r = osc.ok("/patch/connect", vec![s("osc1"), s("out.in1")]);
    assert_eq!(r.args, vec![s("/patch/connect")], "{r:?}");
    commit_checked(osc);
    // Only what reaches the output module plays: osc1, on both channels (in1 alone).
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        440.0,
        SINE_RMS,
        "osc1 -> out",
    );

    let r = osc.ok("/patch/disconnect", vec![s("osc1.out"), s("out.in1")]);
    assert_eq!(r.args, vec![s("/patch/disconnect")], "{r:?}");
    osc.ok("/patch/connect", vec![s("osc2.out"), s("out")]);
    // Modulation: a constant 220 (lfo with depth 0) added to osc2's frequency.
    osc.ok(
        "/patch/create",
        vec![
            s("lfo1"),
            s("lfo"),
            s("depth"),
            f(0.0),
            s("offset"),
            f(220.0),
        ],
    );
    osc.ok("/patch/connect", vec![s("lfo1"), s("osc2.freq")]);
    // Not committed yet: still osc1.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.3),
        440.0,
        SINE_RMS,
        "pending edits",
    );
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        880.0,
        SINE_RMS,
        "osc2 (660 + 220) -> out",
    );

    // Refusals.
    osc.ok("/patch/create", vec![s("a"), s("vca")]);
    osc.ok("/patch/create", vec![s("b"), s("vca")]);
    osc.ok("/patch/create", vec![s("c"), s("vca")]);
    osc.ok("/patch/connect", vec![s("a"), s("b")]);
    osc.ok("/patch/connect", vec![s("b"), s("c.cv")]);
    let bad: Vec<(&str, Vec<OscType>, Vec<&str>)> = vec![
        (
            "/patch/connect",
            vec![s("nosuch"), s("out")],
            vec!["nosuch"],
        ),
        (
            "/patch/connect",
            vec![s("osc1"), s("nosuch.in1")],
            vec!["nosuch"],
        ),
        (
            "/patch/connect",
            vec![s("osc1.nope"), s("out.in2")],
            vec!["osc1", "nope"],
        ),
        (
            "/patch/connect",
            vec![s("osc1"), s("out.in9")],
            vec!["out", "in9"],
        ),
        ("/patch/connect", vec![s("out"), s("a")], vec!["out"]),
        (
            "/patch/connect",
            vec![s("osc2"), s("out.in1")],
            vec!["already exists"],
        ),
        (
            "/patch/connect",
            vec![s("c"), s("a")],
            vec!["cycle", "a", "b", "c"],
        ),
        (
            "/patch/connect",
            vec![s("a"), s("a.cv")],
            vec!["cycle", "a"],
        ),
        (
            "/patch/connect",
            vec![s("b"), s("a.gain")],
            vec!["cycle", "a", "b"],
        ),
        (
            "/patch/connect",
            vec![s("osc1")],
            vec!["expected 2 arguments, got 1"],
        ),
        (
            "/patch/connect",
            vec![s("osc1"), s("out"), s("out")],
            vec!["expected 2 arguments, got 3"],
        ),
        ("/patch/connect", vec![i(1), s("out")], vec!["argument 1"]),
        (
            "/patch/connect",
            vec![s("osc1"), f(2.0)],
            vec!["argument 2"],
        ),
        (
            "/patch/connect",
            vec![s("../x.out"), s("out")],
            vec!["bad module id"],
        ),
        (
            "/patch/disconnect",
            vec![s("osc1"), s("out.in1")],
            vec!["no connection"],
        ),
        (
            "/patch/disconnect",
            vec![s("nosuch"), s("out")],
            vec!["nosuch"],
        ),
        (
            "/patch/disconnect",
            vec![s("osc2")],
            vec!["expected 2 arguments, got 1"],
        ),
        (
            "/patch/disconnect",
            vec![s("osc2"), i(3)],
            vec!["argument 2"],
        ),
    ];
    let before = dump(osc, true);
    for (addr, args, words) in bad {
        let reason = osc.fails(addr, args.clone());
        eprintln!("{addr} {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    assert_eq!(
        dump(osc, true),
        before,
        "a refused edit changed the pending patch"
    );
    // The cycle reason lists the modules on the cycle in order.
    let reason = osc.fails("/patch/connect", vec![s("c"), s("a")]);
    assert!(
        reason.contains("a -> b -> c -> a")
            || reason.contains("b -> c -> a -> b")
            || reason.contains("c -> a -> b -> c"),
        "cycle reason does not list the cycle: {reason}"
    );
    // Still playing the same, and the pending patch still commits.
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        880.0,
        SINE_RMS,
        "after refusals",
    );
    synth.assert_alive();
}

#[test]
fn delete_removes_a_module_and_its_connections() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    osc.ok("/patch/create", vec![s("osc1"), s("sine")]);
    osc.ok(
        "/patch/create",
        vec![s("osc2"), s("sine"), s("freq=660"), s("gain=0.25")],
    );
    osc.ok("/patch/create", vec![s("out"), s("output")]);
    osc.ok("/patch/connect", vec![s("osc1"), s("out")]);
    osc.ok("/patch/connect", vec![s("osc2"), s("out")]);
    commit_checked(osc);
    let both = (0.5f64.powi(2) / 2.0 + 0.25f64.powi(2) / 2.0).sqrt();
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        440.0,
        both,
        "both",
    );

    let r = osc.ok("/patch/delete", vec![s("osc2")]);
    assert_eq!(r.args, vec![s("/patch/delete")], "{r:?}");
    let pending = dump(osc, true);
    assert!(
        !pending.contains("osc2"),
        "osc2 or its connection left:\n{pending}"
    );
    assert_eq!(
        created(&pending),
        vec!["create osc1 sine", "create out output"]
    );
    // Still both until the commit.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.3),
        440.0,
        both,
        "before commit",
    );
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        440.0,
        SINE_RMS,
        "osc1 only",
    );
    assert_eq!(osc.status().modules, 2);

    for (args, words) in [
        (vec![s("osc2")], vec!["unknown module", "osc2"]),
        (vec![s("nosuch")], vec!["nosuch"]),
        (vec![], vec!["expected 1 argument, got 0"]),
        (
            vec![s("osc1"), s("out")],
            vec!["expected 1 argument, got 2"],
        ),
        (vec![i(1)], vec!["argument 1", "int"]),
        (vec![s("a/b")], vec!["bad", "a/b"]),
    ] {
        let reason = osc.fails("/patch/delete", args.clone());
        eprintln!("/patch/delete {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    assert_eq!(dump(osc, true), pending);
    synth.assert_alive();
}

#[test]
fn set_changes_pending_values_heard_after_commit() {
    let server = JackServer::start();
    let (mut synth, mut capture) = playing_sine(&server);
    let osc = &synth.osc;

    let r = osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(330.0)]);
    assert_eq!(r.args, vec![s("/patch/set")], "{r:?}");
    // Value as a string, parameter by alias.
    osc.ok("/patch/set", vec![s("osc1"), s("amplitude"), s("0.25")]);
    // Pending only: what plays is unchanged.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.4),
        440.0,
        SINE_RMS,
        "before commit",
    );
    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        330.0,
        SINE_RMS / 2.0,
        "after commit",
    );

    osc.ok("/patch/create", vec![s("f1"), s("biquad")]);
    osc.ok("/patch/set", vec![s("f1"), s("mode"), s("highpass")]);
    assert!(dump(osc, true).contains("mode=highpass"));

    for (args, words) in [
        (vec![s("nosuch"), s("freq"), f(1.0)], vec!["nosuch"]),
        (
            vec![s("osc1"), s("frq"), f(1.0)],
            vec!["osc1", "sine", "frq"],
        ),
        (
            vec![s("osc1"), s("gain"), s("loud")],
            vec!["loud", "osc1", "gain"],
        ),
        (
            vec![s("f1"), s("mode"), s("sideways")],
            vec!["sideways", "mode"],
        ),
        (
            vec![s("osc1"), s("freq"), f(f32::NAN)],
            vec!["osc1", "freq"],
        ),
        (
            vec![s("osc1"), s("freq"), OscType::Nil],
            vec!["argument 3", "nil"],
        ),
        (
            vec![s("osc1"), s("freq")],
            vec!["expected 3 arguments, got 2"],
        ),
        (
            vec![s("osc1"), s("freq"), f(1.0), f(2.0)],
            vec!["expected 3 arguments, got 4"],
        ),
        (vec![i(1), s("freq"), f(1.0)], vec!["argument 1"]),
        (vec![s("osc1"), i(1), f(1.0)], vec!["argument 2"]),
    ] {
        let reason = osc.fails("/patch/set", args.clone());
        eprintln!("/patch/set {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    let pending = dump(osc, true);
    assert!(
        pending.contains("freq=330") && pending.contains("gain=0.25"),
        "{pending}"
    );
    synth.assert_alive();
}
