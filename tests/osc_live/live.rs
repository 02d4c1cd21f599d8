//! Live control: `/mod`, `/gate`, `/sync`, `/notify`.

use crate::common::osc::*;
use crate::common::*;
use crate::osc_support::*;
use rosc::OscType;
use std::time::Duration;

#[test]
fn mod_changes_what_plays_silently_and_refuses_bad_requests() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(
        &server,
        "create osc1 sine freq=440 gain=0.5\n\
         create f1 biquad mode=lowpass cutoff=5000\n\
         create out output\n\
         connect osc1 f1\n\
         connect f1 out\n",
    );
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        440.0,
        SINE_RMS,
        "start",
    );

    // A float, an int, an alias, a string number: each applied, none answered.
    osc.send("/mod/osc1/freq", vec![f(660.0)]);
    sync_clean(osc, 1);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        660.0,
        SINE_RMS,
        "/mod/osc1/freq 660.0",
    );
    osc.send("/mod/osc1/freq", vec![i(550)]);
    sync_clean(osc, 2);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        550.0,
        SINE_RMS,
        "/mod/osc1/freq 550",
    );
    osc.send("/mod/osc1/frequency", vec![f(330.0)]);
    osc.send("/mod/osc1/gain", vec![s("0.25")]);
    sync_clean(osc, 3);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        330.0,
        SINE_RMS / 2.0,
        "/mod/osc1/frequency 330, gain '0.25'",
    );
    // A choice parameter switches at once: a 5 kHz highpass all but silences 330 Hz.
    osc.send("/mod/f1/mode", vec![s("highpass")]);
    sync_clean(osc, 4);
    let rec = listen_steady(&mut capture, osc, 0.05, 0.3);
    for ch in &rec {
        let r = rms(ch);
        assert!(r < 0.01, "/mod/f1/mode highpass: rms {r}, want < 0.01");
    }
    osc.send("/mod/f1/mode", vec![s("lowpass")]);
    sync_clean(osc, 5);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.3),
        330.0,
        SINE_RMS / 2.0,
        "/mod/f1/mode lowpass",
    );

    // Live changes are recorded in the playing patch and the pending one.
    for pending in [false, true] {
        let d = dump(osc, pending);
        assert!(
            d.contains("freq=330") && d.contains("gain=0.25"),
            "pending={pending}: live changes missing from\n{d}"
        );
    }
    // Out of range is clamped, not refused.
    osc.send("/mod/osc1/gain", vec![f(100.0)]);
    sync_clean(osc, 6);
    osc.send("/mod/osc1/gain", vec![f(0.25)]);
    sync_clean(osc, 7);

    osc.ok("/patch/create", vec![s("osc9"), s("sine")]);
    let bad: Vec<(&str, Vec<OscType>, Vec<&str>)> = vec![
        (
            "/mod/nosuch/freq",
            vec![f(1.0)],
            vec!["unknown module", "nosuch"],
        ),
        ("/mod/osc1/nope", vec![f(1.0)], vec!["osc1", "sine", "nope"]),
        ("/mod/osc1/mode", vec![s("lowpass")], vec!["osc1", "mode"]),
        (
            "/mod/osc9/freq",
            vec![f(1.0)],
            vec!["osc9", "not playing", "commit"],
        ),
        (
            "/mod/osc1/gain",
            vec![s("loud")],
            vec!["loud", "osc1", "gain"],
        ),
        (
            "/mod/f1/mode",
            vec![s("sideways")],
            vec!["sideways", "mode"],
        ),
        ("/mod/osc1/freq", vec![f(f32::NAN)], vec!["osc1", "freq"]),
        (
            "/mod/osc1/freq",
            vec![f(f32::NEG_INFINITY)],
            vec!["osc1", "freq"],
        ),
        ("/mod/osc1/freq", vec![], vec!["expected 1 argument, got 0"]),
        (
            "/mod/osc1/freq",
            vec![f(1.0), f(2.0)],
            vec!["expected 1 argument, got 2"],
        ),
        (
            "/mod/osc1/freq",
            vec![OscType::Blob(vec![0; 4])],
            vec!["argument 1", "blob"],
        ),
        (
            "/mod/osc1/freq",
            vec![OscType::Nil],
            vec!["argument 1", "nil"],
        ),
        ("/mod/osc1", vec![f(1.0)], vec!["bad address", "/mod/osc1"]),
        ("/mod/osc1/freq/x", vec![f(1.0)], vec!["bad address"]),
        ("/mod//freq", vec![f(1.0)], vec!["bad module id"]),
    ];
    for (addr, args, words) in bad {
        let reason = osc.fails(addr, args.clone());
        eprintln!("{addr} {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    // Nothing changed.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        330.0,
        SINE_RMS / 2.0,
        "after refusals",
    );
    synth.assert_alive();
}

#[test]
fn gate_opens_and_closes_the_envelope_with_every_switch_spelling() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(
        &server,
        "create osc1 sine freq=440 gain=0.5\n\
         create env1 adsr attack=1 decay=0 sustain=1 release=1\n\
         create out output\n\
         connect osc1 env1\n\
         connect env1 out\n",
    );
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);
    assert_silent(&listen(&mut capture, 0.05, 0.3), "gate never opened");

    let spellings: Vec<(OscType, OscType)> = vec![
        (i(1), i(0)),
        (s("on"), s("off")),
        (s("true"), s("false")),
        (OscType::Bool(true), OscType::Bool(false)),
        (f(1.0), f(0.0)),
        (s("YES"), s("No")),
        (s("1"), s("0")),
    ];
    for (k, (on, off)) in spellings.into_iter().enumerate() {
        let what = format!("/gate/env1 {on:?}");
        osc.send("/gate/env1", vec![on]);
        sync_clean(osc, 2 * k as i32);
        assert_tone(
            &listen_steady(&mut capture, osc, 0.05, 0.3),
            440.0,
            SINE_RMS,
            &what,
        );
        osc.send("/gate/env1", vec![off.clone()]);
        sync_clean(osc, 2 * k as i32 + 1);
        assert_silent(
            &listen(&mut capture, 0.05, 0.2),
            &format!("/gate/env1 {off:?}"),
        );
    }

    osc.ok("/patch/create", vec![s("env9"), s("adsr")]);
    let bad: Vec<(&str, Vec<OscType>, Vec<&str>)> = vec![
        ("/gate/osc1", vec![i(1)], vec!["osc1", "no gate"]),
        ("/gate/nosuch", vec![i(1)], vec!["unknown module", "nosuch"]),
        (
            "/gate/env9",
            vec![i(1)],
            vec!["env9", "not playing", "commit"],
        ),
        ("/gate/env1", vec![s("maybe")], vec!["argument 1", "maybe"]),
        ("/gate/env1", vec![OscType::Nil], vec!["argument 1", "nil"]),
        ("/gate/env1", vec![f(f32::NAN)], vec!["argument 1"]),
        ("/gate/env1", vec![], vec!["expected 1 argument, got 0"]),
        (
            "/gate/env1",
            vec![i(1), i(1)],
            vec!["expected 1 argument, got 2"],
        ),
        ("/gate/", vec![i(1)], vec!["bad module id"]),
        ("/gate/env1/x", vec![i(1)], vec!["bad module id"]),
    ];
    for (addr, args, words) in bad {
        let reason = osc.fails(addr, args.clone());
        eprintln!("{addr} {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    // None of them opened the gate.
    assert_silent(&listen(&mut capture, 0.05, 0.3), "after refused gates");
    synth.assert_alive();
}

#[test]
fn sync_answers_in_order_after_earlier_messages_took_effect() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    // The id is echoed as sent.
    for id in [i(7), s("abc"), f(2.5)] {
        let r = osc.request("/sync", vec![id.clone()]);
        assert_eq!((r.addr.as_str(), r.args.clone()), ("/synced", vec![id]));
    }
    // In order.
    for k in 10..20 {
        osc.send("/sync", vec![i(k)]);
    }
    for k in 10..20 {
        let m = osc.expect("/synced", REPLY);
        assert_eq!(m.args, vec![i(k)]);
    }

    // A commit and a sync sent back to back: /synced only after the commit's /done.
    let before = osc.status();
    osc.send("/patch/set", vec![s("osc1"), s("freq"), f(880.0)]);
    osc.send("/patch/commit", vec![]);
    osc.send("/sync", vec![i(99)]);
    let replies: Vec<_> = (0..3)
        .map(|_| osc.recv(REPLY).expect("three replies"))
        .filter(|m| m.addr != "/patch.switched")
        .collect();
    let addrs: Vec<String> = replies
        .iter()
        .map(|m| format!("{} {:?}", m.addr, m.args.first()))
        .collect();
    assert_eq!(
        addrs,
        vec![
            "/done Some(String(\"/patch/set\"))",
            "/done Some(String(\"/patch/commit\"))",
            "/synced Some(Int(99))"
        ],
        "{replies:?}"
    );
    let after = osc.status();
    assert_eq!(after.switches, before.switches + 1);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.03, 0.3),
        880.0,
        SINE_RMS,
        "after commit + sync",
    );

    // A second client's /sync sent just after another client's commit also waits for it.
    let other = synth.client();
    let before = osc.status();
    osc.send("/patch/set", vec![s("osc1"), s("freq"), f(660.0)]);
    osc.send("/patch/commit", vec![]);
    let r = other.request("/sync", vec![i(5)]);
    assert_eq!(r.addr, "/synced", "{r:?}");
    let st = other.status();
    assert_eq!(
        st.switches,
        before.switches + 1,
        "/synced arrived before the other client's commit switched: {st:?}"
    );
    osc.expect("/done", REPLY);
    osc.expect("/done", REPLY);

    // A /mod followed by /sync: once /synced arrives the change is rendered (heard within the
    // lead plus the 5 ms smoothing).
    osc.send("/mod/osc1/freq", vec![f(330.0)]);
    sync_clean(osc, 100);
    capture.clear();
    let rec = capture.take(0.33);
    let tail: Vec<Vec<f32>> = rec.iter().map(|c| c[1440..].to_vec()).collect();
    assert_tone(&tail, 330.0, SINE_RMS, "30 ms after /synced");

    for (args, words) in [
        (vec![], vec!["expected 1 argument, got 0"]),
        (vec![i(1), i(2)], vec!["expected 1 argument, got 2"]),
        (vec![OscType::Blob(vec![1])], vec!["argument 1", "blob"]),
        (vec![OscType::Nil], vec!["argument 1", "nil"]),
    ] {
        let reason = osc.fails("/sync", args.clone());
        eprintln!("/sync {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    synth.assert_alive();
}

#[test]
fn notify_registers_for_switch_notifications_and_unregisters() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let listener = synth.client();

    let r = listener.request("/notify", vec![i(1)]);
    assert_eq!(r.args, vec![s("/notify")], "{r:?}");
    assert_eq!(r.addr, "/done");
    // Registering twice keeps one registration (one notification per switch).
    listener.ok("/notify", vec![s("on")]);

    osc.ok("/patch/create", vec![s("osc1"), s("sine")]);
    let (slot, version) = osc.commit();
    let n = listener.expect("/patch.switched", REPLY);
    assert_eq!(n.args, vec![i(slot), i(version)]);
    // Only the registered client is told.
    let extra: Vec<_> = std::iter::from_fn(|| listener.recv(Duration::from_millis(300)))
        .filter(|m| m.addr != "/xrun")
        .collect();
    assert!(extra.is_empty(), "unexpected messages: {extra:?}");
    let m = osc.recv(Duration::from_millis(300));
    assert!(m.is_none(), "unregistered client got {m:?}");

    // A second switch: exactly one notification (no duplicate registration).
    let (slot, version) = osc.commit();
    let n = listener.expect("/patch.switched", REPLY);
    assert_eq!(n.args, vec![i(slot), i(version)]);
    let mut dups = Vec::new();
    while let Some(m) = listener.recv(Duration::from_millis(300)) {
        if m.addr != "/xrun" {
            dups.push(m);
        }
    }
    assert!(dups.is_empty(), "duplicate notification {dups:?}");

    listener.ok("/notify", vec![OscType::Bool(false)]);
    osc.commit();
    let m = listener.recv(Duration::from_millis(500));
    assert!(m.is_none(), "notified after /notify 0: {m:?}");

    for (args, words) in [
        (vec![s("maybe")], vec!["argument 1", "maybe"]),
        (vec![], vec!["expected 1 argument, got 0"]),
        (vec![i(1), i(1)], vec!["expected 1 argument, got 2"]),
        (vec![OscType::Nil], vec!["argument 1", "nil"]),
    ] {
        let reason = listener.fails("/notify", args.clone());
        eprintln!("/notify {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }

    // At most 64 registered clients.
    let clients: Vec<OscClient> = (0..64).map(|_| synth.client()).collect();
    for c in &clients {
        c.ok("/notify", vec![i(1)]);
    }
    let one_more = synth.client();
    let reason = one_more.fails("/notify", vec![i(1)]);
    assert_mentions(&reason, &["64"]);
    clients[0].ok("/notify", vec![i(0)]);
    one_more.ok("/notify", vec![i(1)]);
    synth.assert_alive();
}
